//! Repositories and tags: virtualised, only the rows in the window are built. The tag list's
//! columns have priorities: TAG and a 12-hex DIGEST always show; on a narrow terminal CREATED
//! goes first, then PLATFORMS, TYPE, ATTACHED and SIZE.
use super::style::{
    block, cursor_cell, filter_note, fitted, message, position, styled, tag, text, CURSOR_COLS,
};
use super::theme::Theme;
use super::tree::mark_style;
use crate::oci::media;
use crate::tui::label::{human_size, kind_label};
use crate::tui::layout;
use crate::tui::state::verify::{marks, Mark};
use crate::tui::state::{DetailState, State};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, Table};
use ratatui::Frame;

pub fn repos(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let r = &s.repos;
    let more = if r.next.is_some() { "+" } else { "" };
    let title = format!(
        " Repositories {}{more}{} ",
        position(r.view.cursor, r.view.visible.len()),
        filter_note(&r.view.filter)
    );
    if r.items.is_empty() {
        let body = match (&r.error, r.unsupported, r.loading) {
            (Some(e), true, _) => format!("This registry does not list its repositories (no catalog):\n{e}\n\nType :repo NAME to open one."),
            (Some(e), false, _) => format!("Listing repositories failed:\n{e}\n\nctrl-r retries; :repo NAME opens one directly."),
            (None, _, true) => "loading…".to_string(),
            (None, _, false) => "No repositories.\n\nType :repo NAME to open one.".to_string(),
        };
        message(t, f, area, title, body);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let w = layout::pane()
        .inner(area)
        .width
        .saturating_sub(CURSOR_COLS + 1) as usize;
    let mut rows: Vec<Row> = r
        .view
        .window(h)
        .iter()
        .enumerate()
        .map(|(i, &idx)| {
            let sel = r.view.offset + i == r.view.cursor;
            let name = r.items.get(idx).map(String::as_str).unwrap_or_default();
            let row = Row::new(vec![
                Line::from(cursor_cell(sel)),
                Line::from(fitted(name, w, Default::default())),
            ]);
            if sel {
                row.style(t.selection)
            } else {
                row
            }
        })
        .collect();
    if r.loading {
        rows.push(Row::new(vec![
            Line::default(),
            Line::from(styled("loading more…", t.muted)),
        ]));
    }
    let table = Table::new(rows, [Constraint::Length(CURSOR_COLS), Constraint::Fill(1)])
        .header(Row::new(vec![
            Line::default(),
            Line::from(styled("REPOSITORY", t.accent)),
        ]))
        .block(block(t, title));
    f.render_widget(table, area);
}

/// A tag-list column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Col {
    Tag,
    Digest,
    Type,
    Size,
    Platforms,
    Created,
    Attached,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Tag => "TAG",
            Col::Digest => "DIGEST",
            Col::Type => "TYPE",
            Col::Size => "SIZE",
            Col::Platforms => "PLATFORMS",
            Col::Created => "CREATED",
            Col::Attached => "ATTACHED",
        }
    }
}

/// Narrowest a tag is shown (long ones are cut in the middle).
const TAG_MIN: u16 = 12;
/// Widest the TAG column grows (the rest goes to TYPE).
const TAG_MAX: u16 = 48;

/// Which columns fit in `width` and how wide each is: dropped in priority order until the
/// minimums fit; TAG then TYPE take what is left.
pub fn tag_columns(width: u16, longest_tag: u16) -> Vec<(Col, u16)> {
    let base = |c: Col| match c {
        Col::Tag => TAG_MIN,
        Col::Digest => 12,
        Col::Type => 12,
        Col::Size => 9,
        Col::Platforms => 18,
        Col::Created => 20,
        Col::Attached => 16,
    };
    let mut cols = vec![
        Col::Tag,
        Col::Digest,
        Col::Type,
        Col::Size,
        Col::Platforms,
        Col::Created,
        Col::Attached,
    ];
    let need =
        |cols: &[Col]| -> u16 { CURSOR_COLS + cols.iter().map(|&c| base(c) + 1).sum::<u16>() };
    for drop in [
        Col::Created,
        Col::Platforms,
        Col::Type,
        Col::Attached,
        Col::Size,
    ] {
        if need(&cols) <= width {
            break;
        }
        cols.retain(|&c| c != drop);
    }
    let mut spare = width.saturating_sub(need(&cols));
    let mut out: Vec<(Col, u16)> = cols.iter().map(|&c| (c, base(c))).collect();
    let want_tag = longest_tag.clamp(TAG_MIN, TAG_MAX) - TAG_MIN;
    let grow = want_tag.min(spare);
    out[0].1 += grow;
    spare -= grow;
    if let Some(ty) = out.iter_mut().find(|(c, _)| *c == Col::Type) {
        ty.1 += spare;
    } else {
        out[0].1 += spare;
    }
    out
}

pub fn tags(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let tl = &s.tags;
    let hidden = tl.rows.iter().filter(|r| r.hidden).count();
    let hid = if tl.show_hidden || hidden == 0 {
        String::new()
    } else {
        format!(" · {hidden} hidden")
    };
    let loading = if tl.loading { " · loading…" } else { "" };
    let title = format!(
        " Tags & manifests {}{hid}{loading} · by {}{} ",
        position(tl.view.cursor, tl.view.visible.len()),
        s.sorts.tags.label(),
        filter_note(&tl.view.filter)
    );
    if tl.view.visible.is_empty() {
        let body = match (&tl.error, tl.loading) {
            (Some(e), _) => format!("Listing tags failed:\n{e}\n\nctrl-r retries."),
            (None, true) => "loading…".to_string(),
            (None, false) if !tl.view.filter.is_empty() => {
                "Nothing matches the filter (esc clears it).".to_string()
            }
            (None, false) => "No tags.".to_string(),
        };
        message(t, f, area, title, body);
        return;
    }
    let h = layout::list_rows(area).height as usize;
    let window = tl.view.window(h);
    let longest = window
        .iter()
        .filter_map(|&i| tl.rows.get(i))
        .map(|r| r.tag.as_deref().map_or(10, crate::tui::label::width) + 2)
        .max()
        .unwrap_or(0) as u16;
    let cols = tag_columns(layout::pane().inner(area).width, longest);
    let rows: Vec<Row> = window
        .iter()
        .enumerate()
        .filter_map(|(i, &idx)| {
            let row = tl.rows.get(idx)?;
            let sel = tl.view.offset + i == tl.view.cursor;
            let key = row.key();
            let marked = s.marks.contains(&key);
            let detail = tl.details.get(&key);
            let sig = signed(s, detail);
            let mut cells: Vec<Line> = vec![Line::from(cursor_cell(sel))];
            for &(c, w) in &cols {
                cells.push(cell(
                    t,
                    c,
                    w as usize,
                    row,
                    marked,
                    detail,
                    tl.wanted.contains(&key),
                    sig,
                ));
            }
            let r = Row::new(cells);
            Some(if sel { r.style(t.selection) } else { r })
        })
        .collect();
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(CURSOR_COLS))
        .chain(cols.iter().map(|&(_, w)| Constraint::Length(w)))
        .collect();
    let header: Vec<Line> = std::iter::once(Line::default())
        .chain(
            cols.iter()
                .map(|&(c, _)| Line::from(styled(c.title(), t.accent))),
        )
        .collect();
    f.render_widget(
        Table::new(rows, widths)
            .header(Row::new(header))
            .block(block(t, title)),
        area,
    );
}

/// What the row's own signatures say, once one is known (or asked for).
fn signed(s: &State, detail: Option<&DetailState>) -> Option<Mark> {
    let Some(DetailState::Ready(d)) = detail else {
        return None;
    };
    let repo = s.repo.as_deref()?;
    marks(
        d.signatures
            .iter()
            .filter_map(|(sig, _)| s.verify.mark_of(repo, &sig.digest)),
    )
}

/// One cell of a tag row.
#[allow(clippy::too_many_arguments)]
fn cell(
    t: &Theme,
    c: Col,
    w: usize,
    row: &crate::tui::state::TagRow,
    marked: bool,
    detail: Option<&DetailState>,
    wanted: bool,
    sig: Option<Mark>,
) -> Line<'static> {
    let ready = match detail {
        Some(DetailState::Ready(d)) => Some(d),
        _ => None,
    };
    let pending = if wanted { "…" } else { "" };
    match c {
        Col::Tag => {
            let mark = if marked { "✓ " } else { "" };
            let room = w.saturating_sub(mark.len().min(2));
            let name = match &row.tag {
                Some(name) => tag(name, room, Default::default()),
                None => styled("<untagged>", t.muted),
            };
            Line::from(vec![styled(mark, t.accent), name])
        }
        Col::Digest => match (detail, &row.descriptor) {
            (Some(DetailState::Failed(_)), _) => Line::from(styled("✗", t.error)),
            (Some(DetailState::Ready(d)), _) => Line::from(text(d.descriptor.digest.short())),
            (None, Some(d)) => Line::from(text(d.digest.short())),
            (None, None) => Line::from(text(pending)),
        },
        Col::Type => match (detail, &row.descriptor) {
            (Some(DetailState::Failed(e)), _) => Line::from(fitted(e, w, t.error)),
            (Some(DetailState::Ready(d)), _) => Line::from(fitted(
                &kind_label(&d.descriptor.media_type, d.artifact_type.as_deref()),
                w,
                Default::default(),
            )),
            (None, Some(d)) => Line::from(text(media::short_label(&d.media_type))),
            (None, None) => Line::default(),
        },
        Col::Size => match ready.map(|d| d.image_size) {
            Some(Some(n)) => Line::from(text(human_size(n as i64))),
            Some(None) => Line::from(styled("?", t.muted)),
            None => Line::from(text(pending)),
        },
        Col::Platforms => Line::from(fitted(
            &ready.map(|d| d.platforms.join(",")).unwrap_or_default(),
            w,
            Default::default(),
        )),
        Col::Created => Line::from(fitted(
            &ready
                .and_then(|d| d.created.as_deref())
                .map(crate::tui::label::short_time)
                .unwrap_or_default(),
            w,
            t.muted,
        )),
        Col::Attached => {
            let mut badges: Vec<Span> = Vec::new();
            // In a word, first: it survives NO_COLOR and goes with the column on narrow screens.
            if ready.is_some_and(|d| d.locked) {
                badges.push(styled("locked ", t.warn));
            }
            if row.tag.is_none() {
                badges.push(styled("untagged ", t.muted));
            }
            for b in ready.map(|d| d.badges.as_slice()).unwrap_or_default() {
                badges.push(styled(b.clone(), t.badge(b)));
                // The tag's own signatures: ✓ one verified, ✗ failed, ? nothing to verify with.
                if let (true, Some(m)) = (b == "SIG", sig) {
                    badges.push(styled(m.glyph(), mark_style(t, m)));
                }
                badges.push(text(" "));
            }
            Line::from(badges)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(cols: &[(Col, u16)]) -> Vec<Col> {
        cols.iter().map(|c| c.0).collect()
    }

    #[test]
    fn narrow_terminals_drop_created_then_platforms_then_type() {
        let wide = tag_columns(158, 10);
        assert_eq!(wide.len(), 7);
        let w80 = tag_columns(78, 30);
        assert_eq!(
            names(&w80),
            [Col::Tag, Col::Digest, Col::Type, Col::Size, Col::Attached]
        );
        assert!(w80[0].1 >= 20, "TAG keeps room: {w80:?}");
        let w40 = tag_columns(38, 30);
        assert_eq!(names(&w40), [Col::Tag, Col::Digest, Col::Size]);
        assert_eq!(w40[0].1, TAG_MIN);
        assert_eq!(w40[1].1, 12, "a 12-hex digest is never cut");
        let tiny = tag_columns(20, 30);
        assert_eq!(
            names(&tiny),
            [Col::Tag, Col::Digest],
            "TAG and DIGEST never drop"
        );
        for w in [20u16, 38, 78, 118, 158] {
            let c = tag_columns(w, 40);
            let used: u16 = CURSOR_COLS + c.iter().map(|x| x.1 + 1).sum::<u16>();
            assert!(used <= w.max(CURSOR_COLS + 26), "{w}: {c:?}");
        }
    }
}
