//! Colours and the pieces every pane is drawn with, and the one place text becomes cells:
//! [`text`], [`styled`], [`tag`] and [`message`] pass every string (a registry's above all)
//! through the sanitiser, so control, bidi and invisible format characters are shown escaped
//! (`\u{202e}`), never interpreted; [`scrub`] checks the finished frame for any left.
use crate::text::{escape, escape_multiline, needs_escape, tag_label};
use crate::tui::layout;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::borrow::Cow;

/// Text as the sanitiser shows it, without a copy when there is nothing to escape.
fn safe(s: String) -> String {
    match escape(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(e) => e,
    }
}

/// A cell of plain text.
pub fn text(s: impl Into<String>) -> Span<'static> {
    Span::raw(safe(s.into()))
}

/// A cell of text in a style.
pub fn styled(s: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(safe(s.into()), style)
}

/// A tag: itself when valid, else escaped and marked `(invalid tag)`.
pub fn tag(t: &str) -> Span<'static> {
    Span::raw(tag_label(t).into_owned())
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

/// Titles, keys and marks.
pub const ACCENT: Color = Color::Cyan;

/// A titled pane.
pub fn block(title: String) -> Block<'static> {
    layout::pane()
        .title(Line::from(text(title)).bold())
        .border_style(Style::new().fg(Color::DarkGray))
}

/// A pane with no rows shows why, in words, instead of an empty table.
pub fn message(f: &mut Frame, area: Rect, title: String, text: String) {
    f.render_widget(
        Paragraph::new(escape_multiline(&text).into_owned())
            .wrap(Wrap { trim: false })
            .block(block(title)),
        area,
    );
}

/// The row under the cursor.
pub fn selected() -> Style {
    Style::new()
        .bg(Color::DarkGray)
        .add_modifier(Modifier::BOLD)
}

/// ` filter: …` for a pane title, when a filter is set.
pub fn filter_note(f: &str) -> String {
    if f.is_empty() {
        String::new()
    } else {
        format!(" filter: {f}")
    }
}

/// The background of a badge (SIG, SBOM…).
pub fn badge_colour(b: &str) -> Color {
    match b {
        "SIG" => Color::Green,
        "SBOM" => Color::Magenta,
        "ATT" => Color::Yellow,
        "SCAN" => Color::Red,
        "DOC" => Color::Blue,
        _ => Color::Gray,
    }
}
