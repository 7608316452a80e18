//! Headless driving for tests and benchmarks: the real update and effects, a TestBackend screen.
use super::action::{Action, Cmd, InputKey};
use super::app::{apply, start};
use super::effects::Runner;
use super::keymap::Keymap;
use super::state::{Prompt, State};
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
}

impl Harness {
    /// Starts the app on `opened` with the default keymap (inside a tokio runtime).
    pub fn new(opened: Opened, width: u16, height: u16) -> Harness {
        let (tx, rx) = mpsc::unbounded_channel();
        let (state, runner) = start(opened, Keymap::default(), Vec::new(), tx);
        let mut h = Harness { state, runner, rx };
        h.send(Action::Resize(width, height));
        h
    }

    pub fn send(&mut self, a: Action) {
        apply(&mut self.state, &self.runner, a);
    }

    pub fn cmd(&mut self, c: Cmd) {
        self.send(Action::Cmd(c));
    }

    /// Types text into the open prompt.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            let k = match self.state.prompt {
                Some(Prompt::Password { .. }) => InputKey::Hidden(c),
                _ => InputKey::Char(c),
            };
            self.send(Action::Input(k));
        }
    }

    /// Applies results until no effect is outstanding (or `limit` passes).
    pub async fn settle_within(&mut self, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            while let Ok(a) = self.rx.try_recv() {
                self.send(a);
            }
            if !self.runner.busy() {
                // One more drain: the last task sends before it counts itself done.
                tokio::task::yield_now().await;
                while let Ok(a) = self.rx.try_recv() {
                    self.send(a);
                }
                if !self.runner.busy() {
                    return;
                }
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(a)) => self.send(a),
                Ok(None) | Err(_) => return,
            }
        }
    }

    pub async fn settle(&mut self) {
        self.settle_within(Duration::from_secs(10)).await;
    }

    /// Draws the current state into a test terminal.
    pub fn terminal(&self) -> Terminal<TestBackend> {
        let mut t = Terminal::new(TestBackend::new(self.state.width, self.state.height))
            .expect("test backend");
        let _ = t.draw(|f| view::draw(&self.state, f));
        t
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
