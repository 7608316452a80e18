//! The terminal: raw mode + alternate screen, restored on exit, panic, ctrl-c and SIGTERM.
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::ExecutableCommand;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{stdout, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal in raw mode on the alternate screen; the guard undoes it.
pub fn setup() -> anyhow::Result<(Term, Guard)> {
    install_panic_hook();
    enable_raw_mode()?;
    let guard = Guard;
    let mut out = stdout();
    out.execute(EnterAlternateScreen)?;
    out.execute(EnableMouseCapture)?;
    let term = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((term, guard))
}

/// Leaves raw mode and the alternate screen (safe to call twice).
pub fn restore() {
    let mut out = stdout();
    let _ = out.execute(DisableMouseCapture);
    let _ = out.execute(LeaveAlternateScreen);
    let _ = out.execute(crossterm::cursor::Show);
    let _ = disable_raw_mode();
}

/// Puts `text` on the terminal's clipboard with OSC 52 (works over SSH, and in tmux with
/// `set-clipboard on`). The text is ours (a digest, a reference, a command), base64-encoded.
pub fn copy(text: &str) -> std::io::Result<()> {
    use base64::Engine;
    use std::io::Write;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text);
    let mut out = stdout();
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
}

/// A panic on the UI thread restores the terminal first, then runs the previous hook (so the
/// message is readable). One in a task (another thread) is caught and answered there: it is
/// logged, and the screen is left as it is.
fn install_panic_hook() {
    let prev = std::panic::take_hook();
    let ui = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() == ui {
            restore();
            prev(info);
        } else {
            tracing::error!("a task panicked: {info}");
        }
    }));
}

/// Set once SIGTERM, SIGINT or SIGHUP arrives: the loop stops on it ahead of anything queued
/// (then the guard restores the terminal).
#[derive(Debug, Default)]
pub struct Stop {
    set: AtomicBool,
    notify: Notify,
}

impl Stop {
    pub fn is_set(&self) -> bool {
        self.set.load(Ordering::SeqCst)
    }

    /// Resolves once a signal arrived (at once if one has).
    pub async fn wait(&self) {
        if !self.is_set() {
            self.notify.notified().await;
        }
    }

    fn raise(&self) {
        self.set.store(true, Ordering::SeqCst);
        self.notify.notify_one();
    }
}

/// Watches for SIGTERM, SIGINT and SIGHUP.
pub fn watch_signals() -> Arc<Stop> {
    use tokio::signal::unix::{signal, SignalKind};
    let stop = Arc::new(Stop::default());
    let kinds = [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::hangup(),
    ];
    let Ok(mut streams) = kinds.into_iter().map(signal).collect::<Result<Vec<_>, _>>() else {
        return stop;
    };
    let raised = stop.clone();
    tokio::spawn(async move {
        let any = futures::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv())));
        if any.await.0.is_some() {
            raised.raise();
        }
    });
    stop
}
