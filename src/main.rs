//! arbor's binary: parse arguments, run a subcommand or the TUI, map errors to exit codes.
use arbor::cli::{self, args::Cli};
use clap::Parser;
use std::process::ExitCode;

fn init_logging(path: Option<&std::path::Path>) {
    let Some(path) = path else { return };
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        Ok(file) => {
            let _ = tracing_subscriber::fmt()
                .with_writer(std::sync::Mutex::new(file))
                .with_ansi(false)
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_env("ARBOR_LOG")
                        .unwrap_or_else(|_| "arbor=debug".into()),
                )
                .try_init();
        }
        Err(e) => eprintln!(
            "arbor: warning: cannot open log file {}: {e}",
            path.display()
        ),
    }
}

/// The TUI holds long-lived lists built on several runtime threads: with glibc's default of
/// one malloc arena per thread, freed pages stay spread over arenas (measured: +16 MiB RSS with
/// 50,000 tags loaded). Two arenas are plenty for a UI.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called before any other thread exists; mallopt only tunes the allocator.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    let args = Cli::parse();
    if args.command.is_none() {
        limit_malloc_arenas();
    }
    init_logging(args.global.log_file.as_deref());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("arbor: error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        let g = &args.global;
        let secret = if g.password_stdin || g.identity_token_stdin {
            Some(cli::read_password_stdin()?)
        } else {
            None
        };
        let conn = cli::connect_options(g, secret)?;
        match args.command {
            Some(cmd) => {
                // Given before a subcommand these are the TUI's; silently dropping them would
                // leave `arbor --key k.pub verify REF` verifying without the key.
                if args.theme.is_some() || args.trust != cli::args::TrustArgs::default() {
                    return Err(arbor::connection::UsageError(
                        "--theme and the trust options (--key, --trust-policy, --trusted-root…) \
                         given before a subcommand apply to the TUI only: give them after it"
                            .into(),
                    )
                    .into());
                }
                let stdout = std::io::stdout();
                let mut out = stdout.lock();
                let t = cli::run(cmd, &conn, &mut out).await?;
                if args.global.request_stats {
                    if let Some(r) = t.as_ref().and_then(|t| t.registry.as_ref()) {
                        eprintln!("requests: {}", r.client().request_count());
                    }
                }
                Ok(())
            }
            None => {
                let ui = arbor::tui::UiOptions {
                    theme: args.theme,
                    verify: cli::verify::trust_options(&args.trust),
                };
                arbor::tui::run(args.target, conn, ui).await
            }
        }
    });
    // The outcome is decided and written: nothing still running (a credential helper, a file
    // read, a listing the TUI was loading when it quit) may hold the exit.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `arbor tags … | head -1`: the reader went away; stop quietly, as ripgrep does.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            // One terminal-safe line, each cause once (store::error_text is the one formatter).
            let line = arbor::store::error_text(e.as_ref());
            eprintln!("arbor: error: {}", arbor::text::escape(&line));
            if e.downcast_ref::<arbor::connection::UsageError>().is_some() {
                return ExitCode::from(2);
            }
            ExitCode::FAILURE
        }
    }
}

fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
