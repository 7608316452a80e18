//! Colours by role. Two themes from the 16 ANSI colours (they follow the terminal's palette:
//! default xterm, Solarized, Tango, Gruvbox) and a monochrome one for `NO_COLOR`, `TERM=dumb`
//! and vt100. Nothing is told apart by colour alone: the cursor is reverse video and `›`, a
//! focused button is bracketed, badges are words.
use crate::tui::state::prefs::Look;
use ratatui::style::{Color, Modifier, Style};

/// What each kind of text on screen is drawn with.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// Titles, keys, marks, the current breadcrumb.
    pub accent: Style,
    /// Pane titles.
    pub title: Style,
    pub border: Style,
    /// Secondary text: labels, digests in passing, hints. Dimmed, never colour 8 (which is
    /// the background in Solarized dark).
    pub muted: Style,
    /// The row under the cursor.
    pub selection: Style,
    pub logo: Style,
    pub header_value: Style,
    pub read_only: Style,
    pub error: Style,
    pub warn: Style,
    pub ok: Style,
    pub bad: Style,
    pub footer_key: Style,
    pub search_match: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_literal: Style,
    pub json_punct: Style,
    badge_sig: Style,
    badge_sbom: Style,
    badge_att: Style,
    badge_scan: Style,
    badge_doc: Style,
    badge_ref: Style,
    badge_platform: Style,
}

const fn fg(c: Color) -> Style {
    Style::new().fg(c)
}

const fn on(fg: Color, bg: Color) -> Style {
    Style::new().fg(fg).bg(bg)
}

const BOLD: Modifier = Modifier::BOLD;
const REV: Modifier = Modifier::REVERSED;

/// Dark backgrounds: cyan accents; badges black on a colour.
pub const DARK: Theme = Theme {
    accent: fg(Color::Cyan),
    title: Style::new().add_modifier(BOLD),
    border: Style::new(),
    muted: Style::new().add_modifier(Modifier::DIM),
    selection: Style::new().add_modifier(REV.union(BOLD)),
    logo: on(Color::Black, Color::Cyan).add_modifier(BOLD),
    header_value: Style::new().add_modifier(BOLD),
    read_only: on(Color::Black, Color::Yellow),
    error: fg(Color::LightRed),
    warn: fg(Color::Yellow),
    ok: fg(Color::Green),
    bad: fg(Color::LightRed).add_modifier(BOLD),
    footer_key: Style::new().add_modifier(REV),
    search_match: Style::new().add_modifier(Modifier::UNDERLINED.union(BOLD)),
    json_key: fg(Color::Cyan),
    json_string: fg(Color::Green),
    json_number: fg(Color::Yellow),
    json_literal: fg(Color::Magenta),
    json_punct: Style::new(),
    badge_sig: on(Color::Black, Color::Green),
    badge_sbom: on(Color::Black, Color::Magenta),
    badge_att: on(Color::Black, Color::Yellow),
    badge_scan: on(Color::Black, Color::LightRed),
    badge_doc: on(Color::Black, Color::Cyan),
    badge_ref: on(Color::Black, Color::White),
    badge_platform: on(Color::Black, Color::LightBlue),
};

/// Light backgrounds: blue accents, no yellow or cyan text (unreadable on white in most
/// palettes); badges white on a dark colour.
pub const LIGHT: Theme = Theme {
    accent: fg(Color::Blue),
    title: Style::new().add_modifier(BOLD),
    border: Style::new(),
    muted: Style::new().add_modifier(Modifier::DIM),
    selection: Style::new().add_modifier(REV.union(BOLD)),
    logo: on(Color::White, Color::Blue).add_modifier(BOLD),
    header_value: Style::new().add_modifier(BOLD),
    read_only: on(Color::White, Color::Red),
    error: fg(Color::Red),
    warn: fg(Color::Magenta),
    ok: fg(Color::Green),
    bad: fg(Color::Red).add_modifier(BOLD),
    footer_key: Style::new().add_modifier(REV),
    search_match: Style::new().add_modifier(Modifier::UNDERLINED.union(BOLD)),
    json_key: fg(Color::Blue),
    json_string: fg(Color::Green),
    json_number: fg(Color::Magenta),
    json_literal: fg(Color::Red),
    json_punct: Style::new(),
    badge_sig: on(Color::White, Color::Green),
    badge_sbom: on(Color::White, Color::Magenta),
    badge_att: on(Color::White, Color::Blue),
    badge_scan: on(Color::White, Color::Red),
    badge_doc: on(Color::White, Color::Black),
    badge_ref: Style::new().add_modifier(REV),
    badge_platform: on(Color::Black, Color::Cyan),
};

/// No colour at all: reverse video, bold and underline carry everything.
pub const MONO: Theme = Theme {
    accent: Style::new().add_modifier(BOLD),
    title: Style::new().add_modifier(BOLD),
    border: Style::new(),
    muted: Style::new(),
    selection: Style::new().add_modifier(REV.union(BOLD)),
    logo: Style::new().add_modifier(REV.union(BOLD)),
    header_value: Style::new().add_modifier(BOLD),
    read_only: Style::new().add_modifier(REV),
    error: Style::new().add_modifier(BOLD),
    warn: Style::new().add_modifier(BOLD),
    ok: Style::new(),
    bad: Style::new().add_modifier(BOLD),
    footer_key: Style::new().add_modifier(REV),
    search_match: Style::new().add_modifier(Modifier::UNDERLINED.union(BOLD)),
    json_key: Style::new().add_modifier(BOLD),
    json_string: Style::new(),
    json_number: Style::new(),
    json_literal: Style::new(),
    json_punct: Style::new(),
    badge_sig: Style::new().add_modifier(REV),
    badge_sbom: Style::new().add_modifier(REV),
    badge_att: Style::new().add_modifier(REV),
    badge_scan: Style::new().add_modifier(REV),
    badge_doc: Style::new().add_modifier(REV),
    badge_ref: Style::new().add_modifier(REV),
    badge_platform: Style::new().add_modifier(REV),
};

impl Theme {
    pub fn of(look: Look) -> &'static Theme {
        match look {
            Look::Dark => &DARK,
            Look::Light => &LIGHT,
            Look::Mono => &MONO,
        }
    }

    /// A badge's style (SIG, SBOM, ATT, SCAN, DOC, REF, PLATFORM).
    pub fn badge(&self, b: &str) -> Style {
        match b {
            "SIG" => self.badge_sig,
            "SBOM" => self.badge_sbom,
            "ATT" => self.badge_att,
            "SCAN" => self.badge_scan,
            "DOC" => self.badge_doc,
            "PLATFORM" => self.badge_platform,
            _ => self.badge_ref,
        }
    }
}
