//! Headless driving for tests and benchmarks: the real update and effects, a TestBackend screen.
//! Built with the `test-support` feature only.
use super::action::{Action, Cmd, InputKey, Ui};
use super::app::{apply, start};
use super::effect::TermJob;
use super::keymap::Keymap;
use super::prefs_file::Saved;
use super::state::{Prompt, State};
use super::tasks::Runner;
use super::{view, Opened};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::mpsc;

/// The app without a terminal.
pub struct Harness {
    pub state: State,
    runner: Runner,
    rx: mpsc::UnboundedReceiver<Action>,
    /// What the app asked of the terminal (clipboard copies, redraws), in order.
    pub term: Vec<TermJob>,
    /// The settings read at start ([`Harness::with_saved_prefs`]), compared at exit.
    loaded_prefs: Saved,
}

impl Harness {
    /// Starts the app on `opened` with the default keymap (inside a tokio runtime).
    pub fn new(opened: Opened, width: u16, height: u16) -> Harness {
        Harness::started(opened, width, height, Saved::default())
    }

    fn started(opened: Opened, width: u16, height: u16, saved: Saved) -> Harness {
        let (tx, rx) = mpsc::unbounded_channel();
        let (state, runner) = start(opened, Keymap::default(), saved, Vec::new(), tx);
        let mut h = Harness {
            state,
            runner,
            rx,
            term: Vec::new(),
            loaded_prefs: saved,
        };
        h.send(Ui::Resize(width, height));
        h
    }

    /// Starts the app as `arbor` does: with the pane and sort orders of the last run (read from
    /// the state directory) and the line saying why when that file could not be used.
    pub fn with_saved_prefs(opened: Opened, width: u16, height: u16) -> (Harness, Option<String>) {
        let (saved, warning) = super::prefs_file::load();
        (Harness::started(opened, width, height, saved), warning)
    }

    /// Ends the run as `arbor` does at exit: the pane and sort orders are written when they
    /// changed (the error says why not).
    pub fn exit(self) -> Result<(), String> {
        super::prefs_file::keep(&self.state, &self.loaded_prefs)
    }

    /// Applies one action (a command, typed key, or an effect's answer) and starts its effects.
    pub fn send(&mut self, a: impl Into<Action>) {
        let jobs = apply(&mut self.state, &self.runner, a.into());
        self.term.extend(jobs);
    }

    pub fn cmd(&mut self, c: Cmd) {
        self.send(c);
    }

    /// Types text into the open prompt.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let k = match self.state.prompt {
                Some(Prompt::Password { .. }) => InputKey::Hidden(c),
                _ => InputKey::Char(c),
            };
            self.send(k);
        }
    }

    /// Applies answers until every effect has answered and nothing is left to apply.
    /// Panics, saying what is still running, when that takes longer than `limit`.
    pub async fn settle_within(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            // Read before draining: a task counts itself done only after its last send, so
            // once idle is seen, every answer is already in the channel.
            let idle = !self.runner.busy();
            let mut applied = false;
            while let Ok(a) = self.rx.try_recv() {
                self.send(a);
                applied = true;
            }
            if idle && !applied {
                return;
            }
            if applied {
                continue;
            }
            tokio::select! {
                a = self.rx.recv() => if let Some(a) = a { self.send(a) },
                _ = self.runner.finished() => {}
                _ = tokio::time::sleep_until(deadline) => panic!(
                    "effects still running after {limit:?}: {}\nscreen:\n{}",
                    self.runner.describe_busy(),
                    self.screen_text()
                ),
            }
        }
    }

    /// [`Harness::settle_within`] 10 seconds.
    pub async fn settle(&mut self) {
        self.settle_within(Duration::from_secs(10)).await;
    }

    /// Applies answers until the flash line's timer clears it (or `limit` passes).
    pub async fn flash_cleared_within(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while !self.state.flash.text.is_empty() {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => self.send(a),
                Ok(None) | Err(_) => return false,
            }
        }
        true
    }

    /// Applies whatever answers arrive during `span`, finished or not: for looking at the
    /// screen while effects are still running (the one place a test waits on purpose).
    pub async fn apply_arrivals_for(&mut self, span: Duration) {
        let deadline = tokio::time::Instant::now() + span;
        while let Ok(Some(a)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.send(a);
        }
    }

    /// Puts the untagged view's cursor on the first row `pick` picks (panics when none does).
    pub fn untagged_cursor_to(&mut self, pick: impl Fn(&crate::tui::state::UntaggedRow) -> bool) {
        let u = &self.state.untagged;
        let at = u
            .view
            .visible
            .iter()
            .position(|&i| u.rows.get(i).is_some_and(&pick))
            .unwrap_or_else(|| panic!("no such row: {}", self.screen_text()));
        self.send(Cmd::Top);
        for _ in 0..at {
            self.send(Cmd::Down);
        }
    }

    /// The plan the open delete dialog shows (panics when there is none).
    pub fn plan(&self) -> std::sync::Arc<crate::graph::delete::DeletePlan> {
        match &self.state.dialog {
            Some(crate::tui::state::dialog::Dialog::Delete(d)) => match &d.plans {
                Some(p) => p.0.clone(),
                None => panic!("still planning: {}", self.screen_text()),
            },
            other => panic!("no plan dialog: {other:?}\n{}", self.screen_text()),
        }
    }

    /// Draws the current state into a test terminal.
    pub fn terminal(&self) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(self.state.width, self.state.height))
            .expect("test backend");
        let _ = t.draw(|f| view::draw(&self.state, f));
        t
    }

    /// The screen with its styles (ratatui's buffer Debug: text, then style runs), for
    /// snapshots where colour and reverse video matter.
    pub fn styled_text(&self) -> String {
        format!("{:?}", self.terminal().backend().buffer())
    }

    /// The screen as plain text lines.
    pub fn screen_text(&self) -> String {
        let t = self.terminal();
        let buf = t.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            let mut line = String::new();
            for x in 0..buf.area.width {
                line.push_str(buf[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}
