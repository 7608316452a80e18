//! The pieces every pane is drawn with, and the one place text becomes cells: every string
//! (ours or a registry's) reaches the screen through [`text`], [`styled`], [`fitted`], [`tag`]
//! or [`message`], which pass it through the one sanitiser (`text::escape`: control, bidi and
//! invisible format characters shown escaped, `\u{202e}`, never interpreted); [`scrub`]
//! checks the finished frame for any left.
use super::theme::Theme;
use crate::text::{escape, escape_multiline, needs_escape, tag_label};
use crate::tui::label::ellipsize_middle;
use crate::tui::layout;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::borrow::Cow;

/// The marker before the row under the cursor (with reverse video: visible without colour).
pub const CURSOR: &str = "› ";
/// Its width, reserved on every row.
pub const CURSOR_COLS: u16 = 2;

/// Text as the sanitiser shows it, without a copy when there is nothing to escape.
fn safe(s: String) -> String {
    match escape(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(e) => e,
    }
}

/// A cell of plain text.
pub fn text(s: impl Into<String>) -> Span<'static> {
    styled(s, Style::new())
}

/// A cell of text in a style.
pub fn styled(s: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(safe(s.into()), style)
}

/// A cell cut to `max` columns by its middle (names, references), escaped before it is cut.
pub fn fitted(s: &str, max: usize, style: Style) -> Span<'static> {
    Span::styled(ellipsize_middle(&escape(s), max), style)
}

/// A tag cut to `max` columns: itself when valid, else escaped and marked `(invalid tag)`.
pub fn tag(t: &str, max: usize, style: Style) -> Span<'static> {
    Span::styled(ellipsize_middle(&tag_label(t), max), style)
}

/// The finished frame, checked: a character that still could act on the terminal (a string
/// drawn without the builders above) is shown as `�` instead.
pub fn scrub(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        if cell.symbol().chars().any(needs_escape) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

/// A titled pane.
pub fn block(t: &Theme, title: String) -> Block<'static> {
    layout::pane()
        .title(Line::from(styled(title, t.title)))
        .border_style(t.border)
}

/// A pane with no rows shows why, in words, instead of an empty table.
pub fn message(t: &Theme, f: &mut Frame, area: Rect, title: String, body: String) {
    f.render_widget(
        Paragraph::new(escape_multiline(&body).into_owned())
            .wrap(Wrap { trim: false })
            .block(block(t, title)),
        area,
    );
}

/// ` filter: …` for a pane title, when a filter is set.
pub fn filter_note(f: &str) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!(" filter: {f}")
    }
}

/// `12/5000` for a list title: where the cursor is.
pub fn position(cursor: usize, len: usize) -> String {
    if len == 0 {
        "0".to_string()
    } else {
        format!("{}/{len}", (cursor + 1).min(len))
    }
}

/// The cursor column of a row: `›` on the selected one.
pub fn cursor_cell(selected: bool) -> Span<'static> {
    text(if selected { CURSOR } else { "  " })
}
