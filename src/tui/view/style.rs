//! Colours and the pieces every pane is drawn with.
use crate::tui::layout;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// Titles, keys and marks.
pub const ACCENT: Color = Color::Cyan;

/// A titled pane.
pub fn block(title: String) -> Block<'static> {
    layout::pane()
        .title(Line::from(title).bold())
        .border_style(Style::new().fg(Color::DarkGray))
}

/// A pane with no rows shows why, in words, instead of an empty table.
pub fn message(f: &mut Frame, area: Rect, title: String, text: String) {
    f.render_widget(
        Paragraph::new(text)
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
