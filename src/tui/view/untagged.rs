//! `u`: what no tag leads to — untagged manifests and orphans — and what has a fix — dangling
//! tags and stale fallback indexes — in the inventory's words, with the listing source (and, for
//! a reachable-only registry, what cannot be seen) in the title.
use super::style::{
    block, cursor_cell, filter_note, message, position, styled, tag, text, CURSOR_COLS,
};
use super::theme::Theme;
use crate::graph::inventory::{Class, InventoryManifest};
use crate::tui::label::{count, human_size, kind_label, width};
use crate::tui::layout;
use crate::tui::state::{State, UntaggedRow};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let u = &s.untagged;
    let marked = u
        .rows
        .iter()
        .filter(|r| s.marks.contains(&r.reference()))
        .count();
    let fixes = u.rows.iter().filter(|r| r.fix().is_some()).count();
    let source = u
        .inventory
        .as_ref()
        .map(|i| match i.complete {
            true => format!(" — {}", i.headline()),
            // The CLI's sentence does not fit a title: the words that matter, first.
            false => format!(
                " — reachable only ({}): the rest cannot be listed",
                i.registry_kind
            ),
        })
        .unwrap_or_default();
    let title = format!(
        " Untagged & orphans {}{}{}{} · by {}{}{source} ",
        position(u.view.cursor, u.rows.len()),
        if fixes > 0 {
            format!(" · {fixes} to fix")
        } else {
            String::new()
        },
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
    let inner = layout::pane().inner(area).width;
    let cols = columns(inner);
    let type_cols = type_width(inner, &cols);
    let h = layout::list_rows(area).height as usize;
    let rows: Vec<Row> = u
        .view
        .window(h)
        .iter()
        .enumerate()
        .filter_map(|(i, &idx)| {
            let row = u.rows.get(idx)?;
            let mark = if s.marks.contains(&row.reference()) {
                "✓"
            } else {
                " "
            };
            let sel = u.view.offset + i == u.view.cursor;
            let mut all = match row {
                UntaggedRow::Manifest(m) => manifest_cells(m, t),
                r => fix_cells(r, type_cols, t),
            }
            .map(Some);
            let mut cells = vec![
                Line::from(cursor_cell(sel)),
                Line::from(styled(mark, t.accent)),
            ];
            cells.extend(cols.iter().filter_map(|&c| all[c].take()));
            let r = Row::new(cells);
            Some(if sel { r.style(t.selection) } else { r })
        })
        .collect();
    let widths: Vec<Constraint> = [Constraint::Length(CURSOR_COLS), Constraint::Length(1)]
        .into_iter()
        .chain(cols.iter().map(|&c| match COLUMNS[c].1 {
            0 => Constraint::Fill(2),
            w => Constraint::Length(w),
        }))
        .collect();
    let header = Row::new(
        ["", ""]
            .into_iter()
            .chain(cols.iter().map(|&c| COLUMNS[c].0))
            .map(|h| Line::from(styled(h, t.accent))),
    );
    f.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(t, title)),
        area,
    );
}

/// The columns after the cursor and the mark: header, width (0: what is left, at least
/// [`MIN_TYPE`]). The cells of a row come in this order.
const COLUMNS: [(&str, u16); 8] = [
    ("DIGEST", 13),
    ("CLASS", 12),
    ("KIND", 16),
    ("TYPE", 0),
    ("SIZE", 9),
    ("CREATED", 20),
    ("SUBJECT", 13),
    ("", 6),
];
const MIN_TYPE: u16 = 16;
/// Dropped in this order until the rest fits (DIGEST, CLASS and TYPE always stay).
const DROP: [usize; 5] = [5, 6, 2, 4, 7];

/// The columns that fit in `width` (indexes into [`COLUMNS`]).
fn columns(width: u16) -> Vec<usize> {
    let mut cols: Vec<usize> = (0..COLUMNS.len()).collect();
    let need = |cols: &[usize]| -> u16 {
        CURSOR_COLS
            + 2
            + cols
                .iter()
                .map(|&c| match COLUMNS[c].1 {
                    0 => MIN_TYPE,
                    w => w,
                } + 1)
                .sum::<u16>()
    };
    for d in DROP {
        if need(&cols) <= width {
            break;
        }
        cols.retain(|&c| c != d);
    }
    cols
}

/// Columns TYPE gets: what the others leave of `width` (it is the one column that fills).
fn type_width(width: u16, cols: &[usize]) -> usize {
    let others: u16 = cols
        .iter()
        .filter(|&&c| COLUMNS[c].1 != 0)
        .map(|&c| COLUMNS[c].1 + 1)
        .sum();
    width
        .saturating_sub(CURSOR_COLS + 2 + others + 1)
        .max(MIN_TYPE) as usize
}

/// DIGEST … lock for an untagged or orphaned manifest.
fn manifest_cells(m: &InventoryManifest, t: &Theme) -> [Line<'static>; 8] {
    let class = match m.class {
        Class::Orphan => Line::from(styled("orphan", t.error)),
        c => Line::from(text(c.to_string())),
    };
    [
        Line::from(text(m.digest.short())),
        class,
        Line::from(text(m.kind.to_string())),
        Line::from(text(kind_label(&m.media_type, m.artifact_type.as_deref()))),
        Line::from(text(
            m.image_size
                .map(|b| human_size(b.min(i64::MAX as u64) as i64))
                .unwrap_or_else(|| "?".into()),
        )),
        Line::from(text(
            m.created
                .as_deref()
                .map(crate::tui::label::short_time)
                .unwrap_or_default(),
        )),
        Line::from(text(
            m.subject
                .as_ref()
                .map(|p| p.short().to_string())
                .unwrap_or_default(),
        )),
        locked_cell(m.locked, t),
    ]
}

/// A tag keeps at least this many columns of TYPE, its words what is left: `sha256-…30fb53`
/// still tells two fallback tags apart, and at 80 columns the words fit beside it.
const MIN_TAG: usize = 14;

/// The same columns for a dangling tag or a stale fallback index: the class in words (and the
/// words, not colour alone), then in TYPE the tag (ellipsised in the middle, before the words
/// so a narrow terminal cuts the words, never the name) and what is gone.
fn fix_cells(r: &UntaggedRow, type_cols: usize, t: &Theme) -> [Line<'static>; 8] {
    let (digest, kind, name, what, subject) = match r {
        UntaggedRow::Dangling(d) => (
            d.digest.as_ref().map(|d| d.short().to_string()),
            "tag",
            d.tag.as_str(),
            "manifest gone".to_string(),
            None,
        ),
        UntaggedRow::Stale(x) => (
            Some(x.digest.short().to_string()),
            "fallback index",
            x.tag.as_str(),
            if x.subject_missing {
                "subject gone".to_string()
            } else {
                format!("{} gone", count(x.missing_entries.len(), "entry"))
            },
            Some(x.subject.short().to_string()),
        ),
        UntaggedRow::Manifest(_) => (None, "", "", String::new(), None),
    };
    let room = type_cols
        .saturating_sub(width(&what) + 3)
        .max(MIN_TAG.min(type_cols));
    [
        Line::from(text(digest.unwrap_or_default())),
        Line::from(styled(r.class_words(), t.warn)),
        Line::from(text(kind)),
        Line::from(vec![
            tag(name, room, Default::default()),
            text(format!(" · {what}")),
        ]),
        Line::from(""),
        Line::from(""),
        Line::from(text(subject.unwrap_or_default())),
        Line::from(""),
    ]
}

/// A locked manifest says so in a word (ACR `deleteEnabled:false`), not by colour alone.
pub fn locked_cell(locked: bool, t: &Theme) -> Line<'static> {
    if locked {
        Line::from(styled("locked", t.warn))
    } else {
        Line::from("")
    }
}
