//! The pieces every pane is drawn with, and the one place text becomes cells: every string
//! (ours or a registry's) reaches the screen through [`text`], [`styled`] or [`fitted`], which
//! pass it through the one sanitiser (`text::escape`: control and bidi characters shown
//! escaped, never interpreted).
use super::theme::Theme;
use crate::tui::label::ellipsize_middle;
use crate::tui::layout;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// The marker before the row under the cursor (with reverse video: visible without colour).
pub const CURSOR: &str = "› ";
/// Its width, reserved on every row.
pub const CURSOR_COLS: u16 = 2;

/// A cell of plain text.
pub fn text(s: impl Into<String>) -> Span<'static> {
    styled(s, Style::new())
}

/// A cell of text in a style.
pub fn styled(s: impl Into<String>, style: Style) -> Span<'static> {
    let s: String = s.into();
    let safe = match crate::text::escape(&s) {
        std::borrow::Cow::Borrowed(_) => s,
        std::borrow::Cow::Owned(e) => e,
    };
    Span::styled(safe, style)
}

/// A cell cut to `max` columns by its middle (tags, names), escaped before it is cut.
pub fn fitted(s: &str, max: usize, style: Style) -> Span<'static> {
    Span::styled(ellipsize_middle(&crate::text::escape(s), max), style)
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
        Paragraph::new(body)
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
