//! Which theme the screen is drawn with: `NO_COLOR` and colourless terminals first, then
//! `--theme`, `ARBOR_THEME`, config.toml, then the terminal's own background (OSC 11, asked
//! with a short deadline through terminal-colorsaurus), else dark.
use super::state::prefs::{Look, LookInputs};
use std::time::Duration;

/// How long the terminal gets to say what its background is (a local terminal answers in
/// microseconds; one that does not answer OSC 11 is recognised sooner by its DA1 reply).
const PROBE_DEADLINE: Duration = Duration::from_millis(150);

/// The theme from the flag, the environment, the config and (if still open) the terminal.
pub fn choose(flag: Option<String>, config: Option<String>) -> Look {
    let mut inputs = LookInputs {
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        term: std::env::var("TERM").ok(),
        flag,
        env: std::env::var("ARBOR_THEME").ok().filter(|v| !v.is_empty()),
        config,
        light_background: None,
    };
    if inputs.needs_probe() {
        let mut q = terminal_colorsaurus::QueryOptions::default();
        q.timeout = PROBE_DEADLINE;
        inputs.light_background = terminal_colorsaurus::theme_mode(q)
            .ok()
            .map(|m| matches!(m, terminal_colorsaurus::ThemeMode::Light));
    }
    inputs.choose()
}
