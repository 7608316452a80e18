//! How the user set the screens up: sort orders (per view), the detail pane, the theme. Kept
//! for as long as arbor runs, whatever is opened meanwhile.

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// The tag (or repository) name; the untagged view's grouping by kind.
    #[default]
    Name,
    Created,
    Size,
}

impl SortKey {
    pub fn word(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Created => "created",
            SortKey::Size => "size",
        }
    }

    /// The key a [`SortKey::word`] names.
    pub fn parse(word: &str) -> Option<SortKey> {
        [SortKey::Name, SortKey::Created, SortKey::Size]
            .into_iter()
            .find(|k| k.word() == word)
    }
}

/// A list's order: a key and a direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub key: SortKey,
    pub reverse: bool,
}

impl Sort {
    /// `s`: the next key among `keys` (the direction is kept).
    pub fn cycle(self, keys: &[SortKey]) -> Sort {
        let at = keys.iter().position(|k| *k == self.key).unwrap_or(0);
        Sort {
            key: keys
                .get((at + 1) % keys.len().max(1))
                .copied()
                .unwrap_or_default(),
            ..self
        }
    }

    /// `name ↑`, `size ↓`.
    pub fn label(self) -> String {
        format!(
            "{} {}",
            self.key.word(),
            if self.reverse { "↓" } else { "↑" }
        )
    }
}

/// Each list's order, remembered per view.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sorts {
    pub repos: Sort,
    pub tags: Sort,
    pub untagged: Sort,
}

/// Keys `s` cycles through in the tag list and in the untagged view.
pub const TAG_SORTS: &[SortKey] = &[SortKey::Name, SortKey::Created, SortKey::Size];
pub const UNTAGGED_SORTS: &[SortKey] = &[SortKey::Name, SortKey::Size];
/// The repositories pane sorts by name only (`S` reverses it).
pub const REPO_SORTS: &[SortKey] = &[SortKey::Name];

/// The right-hand detail pane of the tag list and the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pane {
    pub on: bool,
    /// Columns it takes (kept when toggled off and on).
    pub width: u16,
}

/// The pane shows from this terminal width up.
pub const PANE_MIN_TERMINAL: u16 = 120;
pub const PANE_MIN_WIDTH: u16 = 30;
pub const PANE_MAX_WIDTH: u16 = 100;

impl Default for Pane {
    fn default() -> Pane {
        Pane {
            on: true,
            width: 48,
        }
    }
}

impl Pane {
    /// Columns the pane takes on a terminal `width` wide (0: not shown).
    pub fn columns(self, width: u16) -> u16 {
        if !self.on || width < PANE_MIN_TERMINAL {
            return 0;
        }
        // The list keeps at least 70 columns.
        self.width.min(width.saturating_sub(70))
    }

    pub fn resize(&mut self, delta: i32) {
        self.width =
            (self.width as i32 + delta).clamp(PANE_MIN_WIDTH as i32, PANE_MAX_WIDTH as i32) as u16;
    }
}

/// The colours the screen is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Look {
    #[default]
    Dark,
    Light,
    /// No colour at all (`NO_COLOR`, `TERM=dumb`, vt100): reverse video and bold only.
    Mono,
}

impl Look {
    /// `dark`, `light`, `mono`/`none`; anything else is not a theme.
    pub fn parse(name: &str) -> Option<Look> {
        match name.trim().to_ascii_lowercase().as_str() {
            "dark" => Some(Look::Dark),
            "light" => Some(Look::Light),
            "mono" | "none" | "no-color" => Some(Look::Mono),
            _ => None,
        }
    }
}

/// Where the theme comes from, strongest first: `NO_COLOR`, a terminal without colour, the
/// `--theme` flag, `ARBOR_THEME`, config.toml, what the terminal says its background is.
#[derive(Debug, Clone, Default)]
pub struct LookInputs {
    pub no_color: bool,
    pub term: Option<String>,
    pub flag: Option<String>,
    pub env: Option<String>,
    pub config: Option<String>,
    /// The terminal's answer to OSC 11: true for a light background.
    pub light_background: Option<bool>,
}

/// Terminals that have no colour (their names as `TERM` gives them).
const MONOCHROME_TERMS: &[&str] = &["dumb", "vt100", "vt102", "vt220", "vt52", "ansi-mono"];

impl LookInputs {
    /// True when the terminal must be asked (nothing stronger decided the theme).
    pub fn needs_probe(&self) -> bool {
        self.decided().is_none()
    }

    fn decided(&self) -> Option<Look> {
        let mono = self.no_color
            || self
                .term
                .as_deref()
                .is_some_and(|t| MONOCHROME_TERMS.contains(&t) || t.ends_with("-mono"));
        if mono {
            return Some(Look::Mono);
        }
        [&self.flag, &self.env, &self.config]
            .into_iter()
            .flatten()
            .filter(|n| !n.eq_ignore_ascii_case("auto"))
            .find_map(|n| Look::parse(n))
    }

    pub fn choose(&self) -> Look {
        self.decided().unwrap_or(match self.light_background {
            Some(true) => Look::Light,
            Some(false) | None => Look::Dark,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_wins_then_flag_env_config_then_the_terminal() {
        let mut i = LookInputs {
            flag: Some("light".into()),
            light_background: Some(false),
            ..Default::default()
        };
        assert_eq!(i.choose(), Look::Light);
        i.no_color = true;
        assert_eq!(i.choose(), Look::Mono);
        let i = LookInputs {
            term: Some("vt100".into()),
            flag: Some("dark".into()),
            ..Default::default()
        };
        assert_eq!(i.choose(), Look::Mono);
        let i = LookInputs {
            env: Some("auto".into()),
            config: Some("dark".into()),
            light_background: Some(true),
            ..Default::default()
        };
        assert_eq!(i.choose(), Look::Dark, "auto defers to the next source");
        let i = LookInputs {
            light_background: Some(true),
            ..Default::default()
        };
        assert!(i.needs_probe());
        assert_eq!(i.choose(), Look::Light);
        assert_eq!(LookInputs::default().choose(), Look::Dark);
    }

    #[test]
    fn sort_cycles_keys_and_keeps_direction() {
        let s = Sort {
            key: SortKey::Size,
            reverse: true,
        };
        assert_eq!(s.cycle(TAG_SORTS).key, SortKey::Name);
        assert!(s.cycle(TAG_SORTS).reverse);
        assert_eq!(Sort::default().cycle(UNTAGGED_SORTS).key, SortKey::Size);
    }

    #[test]
    fn pane_shows_only_on_wide_terminals_and_leaves_the_list_room() {
        let p = Pane::default();
        assert_eq!(p.columns(119), 0);
        assert_eq!(p.columns(160), 48);
        assert_eq!(p.columns(120), 48);
        let mut w = Pane {
            width: 100,
            on: true,
        };
        assert_eq!(w.columns(130), 60);
        w.resize(50);
        assert_eq!(w.width, PANE_MAX_WIDTH);
        w.on = false;
        assert_eq!(w.columns(200), 0);
    }
}
