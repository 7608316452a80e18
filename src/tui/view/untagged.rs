//! `u`: the repository's untagged manifests and orphans, with what hangs below each.
use super::style::{block, filter_note, message, selected, text, ACCENT};
use crate::tui::label::{human_size, kind_label};
use crate::tui::layout;
use crate::tui::state::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let u = &s.untagged;
    let marked = u
        .rows
        .iter()
        .filter(|r| s.marks.contains(&r.descriptor.digest.to_string()))
        .count();
    let title = format!(
        " Untagged & orphans ({}{}{}){} ",
        u.rows.len(),
        if marked > 0 {
            format!(", {marked} marked")
        } else {
            String::new()
        },
        if u.loading { ", loading…" } else { "" },
        filter_note(&u.view.filter)
    );
    if u.rows.is_empty() {
        let text = match (&u.error, u.loading) {
            (Some(e), _) => format!("Listing untagged manifests failed:\n{e}\n\nctrl-r retries."),
            (None, true) => "walking every tagged graph… (loading)".to_string(),
            (None, false) => "Nothing untagged: every manifest is tagged or hangs below a tagged one.\n\nu goes back to the tags.".to_string(),
        };
        message(f, area, title, text);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let rows: Vec<Row> = u
        .view
        .window(h)
        .iter()
        .enumerate()
        .filter_map(|(i, &idx)| {
            let l = u.rows.get(idx)?;
            let d = &l.descriptor;
            let mark = if s.marks.contains(&d.digest.to_string()) {
                "✓"
            } else {
                " "
            };
            let kind = match l.kind {
                "orphan" => Line::from("orphan").fg(Color::Red),
                k => Line::from(k),
            };
            let below = if l.below == 0 {
                "—".to_string()
            } else {
                format!("{} ({} with it)", l.below, human_size(l.size_with_below))
            };
            let r = Row::new(vec![
                Line::from(mark).fg(ACCENT),
                Line::from(d.digest.short().to_string()),
                kind,
                Line::from(text(kind_label(&d.media_type, d.artifact_type.as_deref()))),
                Line::from(human_size(d.size)),
                Line::from(below),
                Line::from(
                    l.parent
                        .as_ref()
                        .map(|p| p.short().to_string())
                        .unwrap_or_default(),
                ),
            ]);
            Some(if u.view.offset + i == u.view.cursor {
                r.style(selected())
            } else {
                r
            })
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(13),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(22),
        Constraint::Length(13),
    ];
    let header = Row::new(vec![
        "", "DIGEST", "KIND", "TYPE", "SIZE", "BELOW", "PARENT",
    ])
    .fg(ACCENT);
    f.render_widget(
        Table::new(rows, widths).header(header).block(block(title)),
        area,
    );
}
