//! The inspector (syntax-coloured JSON) and describe view.
use super::style::{styled, text, ACCENT};
use crate::tui::layout;
use crate::tui::state::State;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let Some(d) = &s.doc else { return };
    let search = if d.search.is_empty() {
        String::new()
    } else {
        format!(" /{} ({} lines match)", d.search, d.matches.len())
    };
    let pos = format!(
        " {}/{} ",
        (d.scroll + 1).min(d.lines.len().max(1)),
        d.lines.len()
    );
    let block = layout::pane()
        .title(Line::from(text(format!(" {} ", d.title))).bold())
        .title_bottom(Line::from(text(format!("{search}{pos}"))).right_aligned())
        .border_style(Style::new().fg(Color::DarkGray));
    let h = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = if d.loading {
        vec![Line::from("loading…").dark_gray()]
    } else if let Some(e) = &d.error {
        vec![Line::from(text(format!("✗ {e}"))).red()]
    } else {
        let q = d.search.to_lowercase();
        d.lines
            .iter()
            .enumerate()
            .skip(d.scroll)
            .take(h)
            .map(|(i, l)| {
                let line = if d.describe {
                    describe_line(l)
                } else {
                    json_line(l)
                };
                if !q.is_empty() && d.matches.binary_search(&i).is_ok() {
                    line.patch_style(Style::new().bg(Color::Rgb(60, 60, 0)))
                } else {
                    line
                }
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn describe_line(l: &str) -> Line<'static> {
    let t = l.trim_start();
    if t.starts_with('✗') || t.contains("MISMATCH") {
        Line::from(text(l)).red()
    } else if t == "decoding…" {
        Line::from(text(l)).dark_gray()
    } else if t.contains("NOT cryptographically verified") {
        Line::from(text(l)).yellow()
    } else if !l.starts_with(' ') && !l.is_empty() {
        Line::from(text(l)).fg(ACCENT).add_modifier(Modifier::BOLD)
    } else {
        Line::from(text(l))
    }
}

/// Colours one pretty-printed JSON line: keys, strings, numbers, literals, punctuation.
pub fn json_line(l: &str) -> Line<'static> {
    let mut spans = Vec::new();
    let chars: Vec<char> = l.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            let text: String = chars[start..i].iter().collect();
            let is_key = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&':');
            spans.push(styled(
                text,
                Style::new().fg(if is_key { Color::Cyan } else { Color::Green }),
            ));
        } else if c == '-' || c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "+-.".contains(chars[i]))
            {
                i += 1;
            }
            spans.push(styled(
                chars[start..i].iter().collect::<String>(),
                Style::new().fg(Color::Yellow),
            ));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            spans.push(styled(
                chars[start..i].iter().collect::<String>(),
                Style::new().fg(Color::Magenta),
            ));
        } else {
            let start = i;
            while i < chars.len()
                && !(chars[i] == '"' || chars[i] == '-' || chars[i].is_ascii_alphanumeric())
            {
                i += 1;
            }
            spans.push(styled(
                chars[start..i].iter().collect::<String>(),
                Style::new().fg(Color::Gray),
            ));
        }
    }
    Line::from(spans)
}
