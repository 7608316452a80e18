//! The inspector (syntax-coloured JSON) and describe view.
use super::style::{block, styled, text};
use super::theme::Theme;
use crate::tui::state::State;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
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
    let block = block(t, format!(" {} ", d.title))
        .title_bottom(Line::from(text(format!("{search}{pos}"))).right_aligned());
    let h = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = if d.loading {
        vec![Line::from(styled("loading…", t.muted))]
    } else if let Some(e) = &d.error {
        vec![Line::from(styled(format!("✗ {e}"), t.error))]
    } else {
        let q = d.search.to_lowercase();
        d.lines
            .iter()
            .enumerate()
            .skip(d.scroll)
            .take(h)
            .map(|(i, l)| {
                let line = if d.describe {
                    describe_line(t, l)
                } else {
                    json_line(t, l)
                };
                if !q.is_empty() && d.matches.binary_search(&i).is_ok() {
                    line.patch_style(t.search_match)
                } else {
                    line
                }
            })
            .collect()
    };
    f.render_widget(Paragraph::new(lines).block(block), area);
}

fn describe_line(t: &Theme, l: &str) -> Line<'static> {
    let x = l.trim_start();
    let style = if x.starts_with('✗') || x.contains("MISMATCH") {
        t.error
    } else if x.starts_with('✓') {
        t.ok
    } else if x == "decoding…" || x == "verifying…" {
        t.muted
    } else if x.contains("NOT cryptographically verified") {
        t.warn
    } else if !l.starts_with(' ') && !l.is_empty() {
        t.accent.patch(t.title)
    } else {
        Style::new()
    };
    Line::from(styled(l.to_string(), style))
}

/// Colours one pretty-printed JSON line: keys, strings, numbers, literals, punctuation.
pub fn json_line(t: &Theme, l: &str) -> Line<'static> {
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
                if is_key { t.json_key } else { t.json_string },
            ));
        } else if c == '-' || c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || "+-.".contains(chars[i]))
            {
                i += 1;
            }
            spans.push(styled(
                chars[start..i].iter().collect::<String>(),
                t.json_number,
            ));
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            spans.push(styled(
                chars[start..i].iter().collect::<String>(),
                t.json_literal,
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
                t.json_punct,
            ));
        }
    }
    Line::from(spans)
}
