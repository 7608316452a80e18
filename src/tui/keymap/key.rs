//! A key as the table writes it (`ctrl-r`, `G`, `space`) and where a binding applies.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies: every screen, one screen, or a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every screen.
    Global,
    /// The registries of config.toml and recent references.
    Contexts,
    /// A registry's repositories.
    Repos,
    /// A repository's tags.
    Tags,
    /// Untagged manifests and orphans.
    Untagged,
    /// The referrers tree.
    Tree,
    /// The JSON inspector and describe view.
    Doc,
    /// The help screen.
    Help,
    /// An open dialog or form (typed characters go to its text field).
    Dialog,
}

impl Scope {
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "everywhere",
            Scope::Contexts => "contexts",
            Scope::Repos => "repositories",
            Scope::Tags => "tags",
            Scope::Untagged => "untagged",
            Scope::Tree => "referrers tree",
            Scope::Doc => "inspector",
            Scope::Help => "help",
            Scope::Dialog => "dialogs & forms",
        }
    }
}

/// A key with modifiers, as written in the config (`ctrl-r`, `G`, `space`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// Parses `j`, `G`, `?`, `ctrl-r`, `enter`, `esc`, `space`, `tab`, `up`, `pgdn`…
    pub fn parse(s: &str) -> Option<Key> {
        let (ctrl, rest) = match s.strip_prefix("ctrl-").or_else(|| s.strip_prefix("ctrl+")) {
            Some(r) => (true, r),
            None => (false, s),
        };
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" => KeyCode::PageUp,
            "pgdn" => KeyCode::PageDown,
            other => {
                let mut chars = other.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key { code, ctrl })
    }

    pub fn from_event(ev: &KeyEvent) -> Key {
        Key {
            code: ev.code,
            ctrl: ev.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "enter".to_string(),
            KeyCode::Esc => "esc".to_string(),
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Tab => "tab".to_string(),
            KeyCode::BackTab => "shift-tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Home => "home".to_string(),
            KeyCode::End => "end".to_string(),
            KeyCode::PageUp => "pgup".to_string(),
            KeyCode::PageDown => "pgdn".to_string(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("ctrl-{base}")
        } else {
            base
        }
    }
}
