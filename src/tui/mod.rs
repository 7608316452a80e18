//! The terminal app (issue: TUI). Placeholder until the TUI lands.

/// Runs the terminal UI.
pub async fn run(
    _target: Option<String>,
    _global: &crate::cli::args::GlobalArgs,
    _opts: crate::registry::ClientOptions,
) -> anyhow::Result<()> {
    anyhow::bail!("the terminal UI is not built yet; use a subcommand (arbor --help)")
}
