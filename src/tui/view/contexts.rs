//! `:ctx`, and `arbor` with no target when config.toml names registries: the registries an
//! operator uses, then the references opened recently.
use super::style::{block, cursor_cell, message, position, styled, text, CURSOR_COLS};
use super::theme::Theme;
use crate::tui::layout;
use crate::tui::state::{ContextRow, State};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let c = &s.contexts;
    let title = format!(
        " Contexts {} (~/.config/arbor/config.toml) ",
        position(c.view.cursor, c.view.visible.len())
    );
    if c.rows.is_empty() {
        let body = match &c.error {
            Some(e) => format!("config.toml could not be read:\n{e}"),
            None => "No registries in config.toml yet. Add one:\n\n[[registry]]\nname = \"local\"\nhost = \"localhost:5000\"\nplain_http = true\n\nor open one with: arbor HOST[/REPO[:TAG]]".to_string(),
        };
        message(t, f, area, title, body);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let rows: Vec<Row> = c
        .view
        .window(h)
        .iter()
        .enumerate()
        .filter_map(|(i, &idx)| {
            let sel = c.view.offset + i == c.view.cursor;
            let cells = match c.rows.get(idx)? {
                ContextRow::Registry(r) => {
                    let mut how = Vec::new();
                    if r.plain_http == Some(true) {
                        how.push("plain HTTP".to_string());
                    }
                    if let Some(ca) = &r.ca_file {
                        how.push(format!("CA {}", ca.display()));
                    }
                    if let Some(fl) = &r.flavor {
                        how.push(fl.clone());
                    }
                    vec![
                        Line::from(cursor_cell(sel)),
                        Line::from(styled("registry", t.accent)),
                        Line::from(text(r.name.clone())),
                        Line::from(text(r.host.clone())),
                        Line::from(styled(how.join(", "), t.muted)),
                    ]
                }
                ContextRow::Recent(r) => vec![
                    Line::from(cursor_cell(sel)),
                    Line::from(styled("recent", t.muted)),
                    Line::from(text(r.clone())),
                    Line::default(),
                    Line::default(),
                ],
            };
            let row = Row::new(cells);
            Some(if sel { row.style(t.selection) } else { row })
        })
        .collect();
    let widths = [
        Constraint::Length(CURSOR_COLS),
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ];
    let header = Row::new(vec![
        Line::default(),
        Line::from(styled("KIND", t.accent)),
        Line::from(styled("NAME", t.accent)),
        Line::from(styled("HOST", t.accent)),
        Line::from(styled("HOW", t.accent)),
    ]);
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(t, title)),
        area,
    );
}
