//! Pieces every dialog is drawn with: a cleared box, buttons (the focused one bracketed, so it
//! shows without colour), a labelled field, a scrolled body, lines wrapped and escaped.
use super::style::{styled, text};
use super::theme::Theme;
use crate::text::escape;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// A long body scrolled by pgup/pgdn, never past its end.
pub fn body(lines: Vec<Line<'static>>, scroll: usize, area: Rect) -> Paragraph<'static> {
    let max = lines.len().saturating_sub(area.height as usize);
    let at = scroll.min(max) as u16;
    Paragraph::new(lines).scroll((at, 0))
}

/// A box `w` wide and `h` tall in the middle of `area`, cleared.
pub fn boxed(
    f: &mut Frame,
    t: &Theme,
    area: Rect,
    w: u16,
    h: u16,
    title: String,
    danger: bool,
) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    f.render_widget(Clear, r);
    let colour = if danger { t.bad } else { t.accent };
    let block = Block::bordered()
        .title(Line::from(styled(title, t.title)))
        .border_style(colour);
    let inner = block.inner(r);
    f.render_widget(block, r);
    inner
}

pub fn buttons(names: &[&str], focus: Option<usize>) -> Line<'static> {
    let mut spans = vec![Span::raw("  ")];
    for (i, n) in names.iter().enumerate() {
        if Some(i) == focus {
            spans.push(Span::styled(
                format!("▶ {n} ◀"),
                Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            ));
        } else {
            spans.push(Span::raw(format!("  {n}  ")));
        }
        spans.push(Span::raw("   "));
    }
    Line::from(spans)
}

pub fn field(t: &Theme, label: &str, value: &str, focused: bool) -> Line<'static> {
    let mark = if focused { "▸ " } else { "  " };
    let mut spans = vec![
        styled(mark, t.accent),
        styled(format!("{label:<14}"), t.title),
        text(value.to_string()),
    ];
    if focused {
        spans.push(Span::raw("█"));
    }
    Line::from(spans)
}

/// Lines wrapped to `width` (long names broken, wrapped parts indented under their line),
/// each escaped for the terminal.
pub fn wrapped(lines: &[String], width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in lines {
        let l = escape(l);
        let indent = " ".repeat((l.len() - l.trim_start().len()).min(8) + 2);
        let opts = textwrap::Options::new(width.max(8)).subsequent_indent(&indent);
        out.extend(
            textwrap::wrap(&l, opts)
                .into_iter()
                .map(|c| Line::from(c.into_owned())),
        );
    }
    out
}
