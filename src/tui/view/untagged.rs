//! `u`: the repository's untagged manifests and orphans, with what hangs below each.
use super::style::{block, cursor_cell, filter_note, message, position, styled, text, CURSOR_COLS};
use super::theme::Theme;
use crate::tui::label::{human_size, kind_label};
use crate::tui::layout;
use crate::tui::state::State;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let u = &s.untagged;
    let marked = u
        .rows
        .iter()
        .filter(|r| s.marks.contains(&r.descriptor.digest.to_string()))
        .count();
    let title = format!(
        " Untagged & orphans {}{}{} · by {}{} ",
        position(u.view.cursor, u.rows.len()),
        if marked > 0 {
            format!(" · {marked} marked")
        } else {
            String::new()
        },
        if u.loading { " · loading…" } else { "" },
        s.sorts.untagged.label(),
        filter_note(&u.view.filter)
    );
    if u.rows.is_empty() {
        let body = match (&u.error, u.loading) {
            (Some(e), _) => format!("Listing untagged manifests failed:\n{e}\n\nctrl-r retries."),
            (None, true) => "walking every tagged graph… (loading)".to_string(),
            (None, false) => "Nothing untagged: every manifest is tagged or hangs below a tagged one.\n\nu goes back to the tags.".to_string(),
        };
        message(t, f, area, title, body);
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
                "orphan" => Line::from(styled("orphan", t.error)),
                k => Line::from(text(k)),
            };
            let below = if l.below == 0 {
                "—".to_string()
            } else {
                format!("{} ({} with it)", l.below, human_size(l.size_with_below))
            };
            let sel = u.view.offset + i == u.view.cursor;
            let r = Row::new(vec![
                Line::from(cursor_cell(sel)),
                Line::from(styled(mark, t.accent)),
                Line::from(text(d.digest.short())),
                kind,
                Line::from(text(kind_label(&d.media_type, d.artifact_type.as_deref()))),
                Line::from(text(human_size(d.size))),
                Line::from(text(below)),
                Line::from(text(
                    l.parent
                        .as_ref()
                        .map(|p| p.short().to_string())
                        .unwrap_or_default(),
                )),
            ]);
            Some(if sel { r.style(t.selection) } else { r })
        })
        .collect();
    let widths = [
        Constraint::Length(CURSOR_COLS),
        Constraint::Length(1),
        Constraint::Length(13),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(22),
        Constraint::Length(13),
    ];
    let header = Row::new(
        ["", "", "DIGEST", "KIND", "TYPE", "SIZE", "BELOW", "PARENT"]
            .map(|h| Line::from(styled(h, t.accent))),
    );
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(t, title)),
        area,
    );
}
