//! `?`: generated from the keymap table, so it cannot disagree with the keys.
use super::style::{styled, text};
use super::theme::Theme;
use crate::tui::keymap::Scope;
use crate::tui::state::State;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The `:` commands, for the help screen (they are typed, not bound to keys).
const COMMANDS: &[(&str, &str)] = &[
    (
        ":repos",
        "the registry's repositories (also esc on a repository)",
    ),
    (
        ":repo NAME",
        "open a repository (no name: the repositories)",
    ),
    (
        ":ref REF",
        "open a tag or digest (REPO:TAG, REPO@sha256:… too)",
    ),
    (
        ":ctx [NAME]",
        "contexts from config.toml and recent references",
    ),
    (
        ":login USER",
        "sign in to this registry (the password is asked next)",
    ),
    (":q", "quit"),
];

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
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
        lines.push(Line::from(styled(title, t.accent.patch(t.title))));
        for b in s.keymap.bindings.iter().filter(|b| b.scopes == g) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(vec![
                styled(format!("  {keys:<16}"), t.title),
                styled(format!("{:<15}", b.name), t.muted),
                text(b.desc),
            ]));
        }
    }
    lines.push(Line::from(styled(
        "commands (type : first)",
        t.accent.patch(t.title),
    )));
    for (c, d) in COMMANDS {
        lines.push(Line::from(vec![
            styled(format!("  {c:<31}"), t.title),
            text(*d),
        ]));
    }
    lines.push(Line::default());
    // Each under 82 columns: the help box is 84 wide.
    for l in [
        "Keys: ~/.config/arbor/keymap.toml ([keys] name = \"key\")",
        "Settings: ~/.config/arbor/config.toml",
        "Kept across runs: the detail pane (on/off, width) and each list's sort order,",
        "in prefs.toml beside the recent references (the XDG state directory).",
        "A row marked locked: the registry (ACR) will not delete it.",
    ] {
        lines.push(Line::from(styled(l, t.muted)));
    }
    f.render_widget(Clear, mid);
    let block = Block::bordered()
        .title(Line::from(styled(
            " Help — keys (j/k scroll, esc closes) ",
            t.title,
        )))
        .border_style(t.border);
    let visible = mid.height.saturating_sub(2) as usize;
    let scroll = s.help_scroll.min(lines.len().saturating_sub(visible)) as u16;
    f.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), mid);
}
