//! `?`: generated from the keymap table, so it cannot disagree with the keys.
use super::style::ACCENT;
use crate::tui::keymap::Scope;
use crate::tui::state::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let [_, mid, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Max(84),
        Constraint::Fill(1),
    ])
    .areas(area);
    let mut lines = Vec::new();
    // One section per distinct set of scopes, in table order: each binding is listed once.
    let mut groups: Vec<&'static [Scope]> = Vec::new();
    for b in &s.keymap.bindings {
        if !groups.contains(&b.scopes) {
            groups.push(b.scopes);
        }
    }
    for g in groups {
        let title = g.iter().map(|x| x.title()).collect::<Vec<_>>().join(" & ");
        lines.push(Line::from(Span::raw(title).fg(ACCENT).bold()));
        for b in s.keymap.bindings.iter().filter(|b| b.scopes == g) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(vec![
                Span::raw(format!("  {keys:<16}")).bold(),
                Span::raw(format!("{:<15}", b.name)).dark_gray(),
                Span::raw(b.desc),
            ]));
        }
    }
    lines.push(Line::default());
    lines.push(Line::from("Commands: :repo NAME  :ref TAG|DIGEST  :q      Keys: ~/.config/arbor/keymap.toml [keys] name = \"key\"").dark_gray());
    f.render_widget(Clear, mid);
    let block = Block::bordered()
        .title(Line::from(" Help — keys (j/k scroll, esc closes) ").bold())
        .border_style(Style::new().fg(Color::Gray));
    let visible = mid.height.saturating_sub(2) as usize;
    let scroll = s.help_scroll.min(lines.len().saturating_sub(visible)) as u16;
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), mid);
}
