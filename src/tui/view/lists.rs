//! Repositories and tags: virtualised, only the rows in the window are built.
use super::style::{badge_colour, block, filter_note, message, selected, tag, text, ACCENT};
use crate::oci::media;
use crate::tui::label::{human_size, kind_label};
use crate::tui::layout;
use crate::tui::state::{DetailState, State};
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn repos(s: &State, f: &mut Frame, area: Rect) {
    let r = &s.repos;
    let more = if r.next.is_some() { "+" } else { "" };
    let title = format!(
        " Repositories ({}{more}){} ",
        r.view.visible.len(),
        filter_note(&r.view.filter)
    );
    if r.items.is_empty() {
        let text = match (&r.error, r.unsupported, r.loading) {
            (Some(e), true, _) => format!("This registry does not list its repositories (no catalog):\n{e}\n\nType :repo NAME to open one."),
            (Some(e), false, _) => format!("Listing repositories failed:\n{e}\n\nctrl-r retries; :repo NAME opens one directly."),
            (None, _, true) => "loading…".to_string(),
            (None, _, false) => "No repositories.\n\nType :repo NAME to open one.".to_string(),
        };
        message(f, area, title, text);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let rows: Vec<Row> = r
        .view
        .window(h)
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let name = r.items.get(idx).cloned().unwrap_or_default();
            let row = Row::new(vec![Line::from(text(name))]);
            if r.view.offset + i == r.view.cursor {
                row.style(selected())
            } else {
                row
            }
        })
        .collect();
    let mut rows = rows;
    if r.loading {
        rows.push(Row::new(vec!["loading more…".to_string()]).dark_gray());
    }
    let t = Table::new(rows, [Constraint::Fill(1)])
        .header(Row::new(vec!["REPOSITORY"]).fg(ACCENT))
        .block(block(title));
    f.render_widget(t, area);
}

pub fn tags(s: &State, f: &mut Frame, area: Rect) {
    let t = &s.tags;
    let hidden = t.rows.iter().filter(|r| r.hidden).count();
    let hid = if t.show_hidden || hidden == 0 {
        String::new()
    } else {
        format!(", {hidden} hidden")
    };
    let loading = if t.loading { ", loading…" } else { "" };
    let title = format!(
        " Tags & manifests ({}{hid}{loading}){} ",
        t.view.visible.len(),
        filter_note(&t.view.filter)
    );
    if t.view.visible.is_empty() {
        let text = match (&t.error, t.loading) {
            (Some(e), _) => format!("Listing tags failed:\n{e}\n\nctrl-r retries."),
            (None, true) => "loading…".to_string(),
            (None, false) if !t.view.filter.is_empty() => {
                "Nothing matches the filter (esc clears it).".to_string()
            }
            (None, false) => "No tags.".to_string(),
        };
        message(f, area, title, text);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let rows: Vec<Row> = t
        .view
        .window(h)
        .iter()
        .enumerate()
        .filter_map(|(i, &idx)| {
            let row = t.rows.get(idx)?;
            let key = row.key();
            let name = match &row.tag {
                Some(t) => Line::from(tag(t)),
                None => Line::from(vec![Span::raw("<untagged>").italic().dark_gray()]),
            };
            let name = if s.marks.contains(&key) {
                let mut n = name;
                n.spans.insert(0, Span::raw("✓ ").fg(ACCENT));
                n
            } else {
                name
            };
            let mut cells: Vec<Line> = vec![name];
            match (t.details.get(&key), &row.descriptor) {
                (Some(DetailState::Ready(d)), _) => {
                    let kind = kind_label(&d.descriptor.media_type, d.artifact_type.as_deref());
                    cells.push(Line::from(d.descriptor.digest.short().to_string()));
                    cells.push(Line::from(text(kind)));
                    cells.push(Line::from(human_size(d.descriptor.size)));
                    cells.push(Line::from(text(d.platforms.join(","))));
                    cells.push(Line::from(text(d.created.clone().unwrap_or_default())));
                    let mut badges: Vec<Span> = Vec::new();
                    if row.tag.is_none() {
                        badges.push(Span::raw("untagged ").dark_gray());
                    }
                    for b in &d.badges {
                        badges.push(Span::raw(b.clone()).fg(Color::Black).bg(badge_colour(b)));
                        badges.push(Span::raw(" "));
                    }
                    cells.push(Line::from(badges));
                }
                (Some(DetailState::Failed(e)), _) => {
                    cells.push(Line::from("✗").red());
                    cells.push(Line::from(text(e.clone())).red());
                }
                (None, desc) => {
                    cells.push(Line::from(
                        desc.as_ref()
                            .map(|d| d.digest.short().to_string())
                            .unwrap_or_else(|| {
                                if t.wanted.contains(&key) {
                                    "…".into()
                                } else {
                                    String::new()
                                }
                            }),
                    ));
                    cells.push(Line::from(text(
                        desc.as_ref()
                            .map(|d| media::short_label(&d.media_type).to_string())
                            .unwrap_or_default(),
                    )));
                    cells.push(Line::from(
                        desc.as_ref()
                            .map(|d| human_size(d.size))
                            .unwrap_or_default(),
                    ));
                    cells.push(Line::default());
                    cells.push(Line::default());
                    cells.push(
                        Line::from(if row.tag.is_none() { "untagged" } else { "" }).dark_gray(),
                    );
                }
            }
            let r = Row::new(cells);
            Some(if t.view.offset + i == t.view.cursor {
                r.style(selected())
            } else {
                r
            })
        })
        .collect();
    let widths = [
        Constraint::Length(22),
        Constraint::Length(13),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(24),
        Constraint::Length(20),
        Constraint::Length(18),
    ];
    let header = Row::new(vec![
        "TAG",
        "DIGEST",
        "TYPE",
        "SIZE",
        "PLATFORMS",
        "CREATED",
        "ATTACHED",
    ])
    .fg(ACCENT);
    f.render_widget(
        Table::new(rows, widths).header(header).block(block(title)),
        area,
    );
}
