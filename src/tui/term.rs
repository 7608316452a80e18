//! The terminal: raw mode + alternate screen, restored on exit, panic, ctrl-c and SIGTERM.
use super::action::{Action, Ui};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::ExecutableCommand;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{stdout, Stdout};

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

/// Restores the terminal first, then runs the previous hook (so the message is readable).
fn install_panic_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        prev(info);
    }));
}

/// SIGTERM, SIGINT and SIGHUP become a quit message (the loop then restores the terminal).
pub fn watch_signals(tx: tokio::sync::mpsc::UnboundedSender<Action>) {
    use tokio::signal::unix::{signal, SignalKind};
    let kinds = [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::hangup(),
    ];
    let Ok(mut streams) = kinds.into_iter().map(signal).collect::<Result<Vec<_>, _>>() else {
        return;
    };
    tokio::spawn(async move {
        let any = futures::future::select_all(streams.iter_mut().map(|s| Box::pin(s.recv())));
        if any.await.0.is_some() {
            let _ = tx.send(Ui::Quit.into());
        }
    });
}
