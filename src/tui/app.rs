//! The event loop: terminal events become actions through the keymap; every pending action is
//! applied (its effects handed to the runner, terminal jobs kept for the loop) before the one
//! render. Flash lines get a timer that clears them.
use super::action::{Action, Cmd, InputKey, Ui};
use super::effect::TermJob;
use super::keymap::{Key, Keymap, Scope};
use super::prefs_file::Saved;
use super::state::prefs::Look;
use super::state::{Prompt, State};
use super::tasks::Runner;
use super::update::{boot, update};
use super::{term, view, Opened};
use crossterm::event::{Event, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long a flash line shows (an error longer: it may need reading twice).
const FLASH_FOR: Duration = Duration::from_secs(5);
const ERROR_FOR: Duration = Duration::from_secs(12);

/// Applies one action, starts the effects it asks for, and returns the terminal jobs.
pub fn apply(s: &mut State, runner: &Runner, a: Action) -> Vec<TermJob> {
    let before = s.flash.seq;
    let mut term = Vec::new();
    for e in update(s, a) {
        term.extend(runner.run(e));
    }
    if s.flash.seq != before && !s.flash.text.is_empty() {
        let after = if s.flash.error { ERROR_FOR } else { FLASH_FOR };
        runner.after(after, Ui::FlashExpired(s.flash.seq).into());
    }
    term
}

/// Builds the state for `opened` (with the pane and sort orders `saved`) and starts its first
/// effects.
pub fn start(
    opened: Opened,
    keymap: Keymap,
    saved: Saved,
    warnings: Vec<String>,
    tx: mpsc::UnboundedSender<Action>,
) -> (State, Runner) {
    let runner = Runner::new(opened.store, tx)
        .with_connection(opened.conn, opened.login)
        .with_verify(opened.verify);
    let mut s = State::new(opened.facts, Arc::new(keymap));
    saved.apply(&mut s);
    for e in boot(&mut s, opened.start) {
        runner.run(e);
    }
    // Said last, so a loading message does not cover it (`note` never covers an error).
    let all: Vec<String> = warnings.into_iter().chain(opened.warnings).collect();
    if !all.is_empty() {
        s.fail(all.join("; "));
    }
    (s, runner)
}

/// Answers applied at most between two looks at the keyboard.
const MAX_BATCH: usize = 64;
/// Longest the loop applies what waits before it draws again.
const FRAME_BUDGET: Duration = Duration::from_millis(20);

/// The app on the terminal until a quit key or signal. `tx`/`rx` carry the answers of effects
/// (and the store's notices, which may be sent before the app starts).
pub async fn run(
    opened: Opened,
    look: Look,
    tx: mpsc::UnboundedSender<Action>,
    mut rx: mpsc::UnboundedReceiver<Action>,
) -> anyhow::Result<()> {
    let (keymap, mut warnings) = Keymap::load();
    // The pane and sort orders of the last run.
    let (saved, prefs_warning) = super::prefs_file::load();
    warnings.extend(prefs_warning);
    // Also on stderr: still readable after arbor exits.
    for w in warnings.iter().chain(&opened.warnings) {
        eprintln!("arbor: warning: {w}");
    }
    let stop = term::watch_signals();
    let (mut terminal, _guard) = term::setup()?;
    let (mut s, runner) = start(opened, keymap, saved, warnings, tx);
    s.look = look;
    let size = terminal.size()?;
    let mut jobs = apply(&mut s, &runner, Ui::Resize(size.width, size.height).into());
    let mut events = read_events();
    terminal.draw(|f| view::draw(&s, f))?;
    tracing::debug!("first frame drawn");
    loop {
        // A signal first, then keys: neither waits behind a flood of answers (an endless
        // listing), and a key is never starved by them.
        tokio::select! {
            biased;
            _ = stop.wait() => break,
            ev = events.recv() => match ev {
                Some(ev) => if let Some(a) = translate(&s, ev) { jobs.extend(apply(&mut s, &runner, a)) },
                None => break,
            },
            Some(a) = rx.recv() => jobs.extend(apply(&mut s, &runner, a)),
        }
        // Coalesce before the one render: every waiting key, then a batch of answers, again
        // until nothing waits or the frame's time is up.
        let until = Instant::now() + FRAME_BUDGET;
        loop {
            let mut progressed = false;
            while let Ok(ev) = events.try_recv() {
                if let Some(a) = translate(&s, ev) {
                    jobs.extend(apply(&mut s, &runner, a));
                }
                progressed = true;
                if s.quit {
                    break;
                }
            }
            for _ in 0..MAX_BATCH {
                if s.quit {
                    break;
                }
                let Ok(a) = rx.try_recv() else { break };
                jobs.extend(apply(&mut s, &runner, a));
                progressed = true;
            }
            if !progressed || s.quit || stop.is_set() || Instant::now() >= until {
                break;
            }
        }
        if s.quit || stop.is_set() {
            break;
        }
        for j in jobs.drain(..) {
            match j {
                TermJob::Copy(text) => term::copy(&text)?,
                TermJob::Redraw => terminal.clear()?,
            }
        }
        terminal.draw(|f| view::draw(&s, f))?;
    }
    // The terminal first; then the process ends, and freeing what it loaded (a long listing,
    // answers still queued) is work the system does for free at exit.
    drop(_guard);
    if let Err(e) = super::prefs_file::keep(&s, &saved) {
        eprintln!("arbor: warning: {}", crate::text::escape(&e));
    }
    std::mem::forget((s, rx));
    Ok(())
}

/// Terminal events from a blocking reader thread (it ends with the process).
fn read_events() -> mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || loop {
        match crossterm::event::read() {
            Ok(ev) => {
                if tx.send(ev).is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!("terminal event error: {e}");
                return;
            }
        }
    });
    rx
}

/// A key while a dialog is open: its own bindings, else typed text.
fn dialog_key(s: &State, k: &crossterm::event::KeyEvent) -> Option<Action> {
    let key = Key::from_event(k);
    let typed = matches!(k.code, KeyCode::Char(_)) && !key.ctrl;
    if !typed {
        if let Some(c) = s.keymap.lookup(Scope::Dialog, key) {
            return Some(c.into());
        }
    }
    match k.code {
        KeyCode::Char(c) if typed => Some(InputKey::Char(c).into()),
        KeyCode::Backspace => Some(InputKey::Backspace.into()),
        _ => None,
    }
}

/// A terminal event as an action, read through the keymap (or the open prompt or dialog).
/// ctrl-c cancels an open dialog or prompt; on a screen it quits.
pub fn translate(s: &State, ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) if k.kind != KeyEventKind::Release => {
            let ctrl_c =
                k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL);
            if s.dialog.is_some() {
                // Whatever keymap.toml says, ctrl-c in a dialog never quits: it cancels.
                return dialog_key(s, &k).or_else(|| ctrl_c.then(|| Cmd::Cancel.into()));
            }
            if s.prompt.is_some() {
                return Some(Action::from(match k.code {
                    _ if ctrl_c => InputKey::Cancel,
                    KeyCode::Esc => InputKey::Cancel,
                    KeyCode::Enter => InputKey::Submit,
                    KeyCode::Backspace => InputKey::Backspace,
                    KeyCode::Char(c) if matches!(s.prompt, Some(Prompt::Password { .. })) => {
                        InputKey::Hidden(c)
                    }
                    KeyCode::Char(c) => InputKey::Char(c),
                    _ => return None,
                }));
            }
            if ctrl_c {
                return Some(Ui::Quit.into());
            }
            s.keymap
                .lookup(s.screen().scope(), Key::from_event(&k))
                .map(Action::from)
        }
        Event::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => Some(Ui::Scroll(1).into()),
            MouseEventKind::ScrollUp => Some(Ui::Scroll(-1).into()),
            MouseEventKind::Down(MouseButton::Left) => Some(Ui::Click(m.row).into()),
            _ => None,
        },
        Event::Resize(w, h) => Some(Ui::Resize(w, h).into()),
        _ => None,
    }
}
