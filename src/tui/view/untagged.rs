//! `u`: what no tag leads to — untagged manifests and orphans — in the inventory's words, with
//! the listing source (and, for a reachable-only registry, what cannot be seen) in the title.
use super::style::{block, cursor_cell, filter_note, message, position, styled, text, CURSOR_COLS};
use super::theme::Theme;
use crate::graph::inventory::Class;
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
        .filter(|r| s.marks.contains(&r.digest.to_string()))
        .count();
    let source = u
        .inventory
        .as_ref()
        .map(|i| format!(" — {}", i.headline()))
        .unwrap_or_default();
    let title = format!(
        " Untagged & orphans {}{}{} · by {}{}{source} ",
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
        let complete = u.inventory.as_ref().is_some_and(|i| i.complete);
        let body = match (&u.error, u.loading) {
            (Some(e), _) => format!("Listing the repository failed:\n{e}\n\nctrl-r retries."),
            (None, true) => "taking the inventory… (loading)".to_string(),
            (None, false) if complete => "Nothing untagged: the registry listed every manifest, and each is tagged or attached below a tag.\n\nu goes back to the tags.".to_string(),
            (None, false) => "Nothing untagged among what tags lead to. This registry cannot list the others, so untagged manifests nothing points at may still be there.\n\nu goes back to the tags.".to_string(),
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
            let m = u.rows.get(idx)?;
            let mark = if s.marks.contains(&m.digest.to_string()) {
                "✓"
            } else {
                " "
            };
            let class = match m.class {
                Class::Orphan => Line::from(styled("orphan", t.error)),
                c => Line::from(text(c.to_string())),
            };
            let sel = u.view.offset + i == u.view.cursor;
            let r = Row::new(vec![
                Line::from(cursor_cell(sel)),
                Line::from(styled(mark, t.accent)),
                Line::from(text(m.digest.short())),
                class,
                Line::from(text(m.kind.to_string())),
                Line::from(text(kind_label(&m.media_type, m.artifact_type.as_deref()))),
                Line::from(text(
                    m.image_size
                        .map(|b| human_size(b.min(i64::MAX as u64) as i64))
                        .unwrap_or_else(|| "?".into()),
                )),
                Line::from(text(m.created.as_deref().unwrap_or(""))),
                Line::from(text(
                    m.subject
                        .as_ref()
                        .map(|p| p.short().to_string())
                        .unwrap_or_default(),
                )),
                if m.locked {
                    Line::from(styled("locked", t.warn))
                } else {
                    Line::from("")
                },
            ]);
            Some(if sel { r.style(t.selection) } else { r })
        })
        .collect();
    let widths = [
        Constraint::Length(CURSOR_COLS),
        Constraint::Length(1),
        Constraint::Length(13),
        Constraint::Length(9),
        Constraint::Length(18),
        Constraint::Fill(2),
        Constraint::Length(10),
        Constraint::Length(20),
        Constraint::Length(13),
        Constraint::Length(6),
    ];
    let header = Row::new(
        [
            "", "", "DIGEST", "CLASS", "KIND", "TYPE", "SIZE", "CREATED", "SUBJECT", "",
        ]
        .map(|h| Line::from(styled(h, t.accent))),
    );
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(t, title)),
        area,
    );
}
