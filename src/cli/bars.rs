//! Progress bars on standard error (drawn only on a terminal): one for the total and one per
//! item in flight, keyed by digest. `pull` and `cp` draw with them.
use crate::oci::Digest;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;

pub struct Bars {
    multi: MultiProgress,
    pub total: ProgressBar,
    items: Mutex<HashMap<Digest, ProgressBar>>,
}

/// A bar style from an indicatif template (the default style if the template is refused).
pub fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

impl Bars {
    /// Bars that draw when `visible` (a terminal), else nothing.
    pub fn new(visible: bool, total: u64) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let bar = multi.add(ProgressBar::new(total));
        bar.set_style(style(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}",
        ));
        bar.set_prefix("total");
        Bars {
            multi,
            total: bar,
            items: Mutex::new(HashMap::new()),
        }
    }

    /// A bar for one item of `size` bytes, labelled with its short digest and `label`.
    pub fn start(&self, digest: &Digest, size: u64, label: &str) {
        let bar = self
            .multi
            .insert_before(&self.total, ProgressBar::new(size));
        bar.set_style(style(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {wide_msg}",
        ));
        bar.set_prefix(digest.short().to_string());
        bar.set_message(label.to_string());
        if let Ok(mut m) = self.items.lock() {
            m.insert(digest.clone(), bar);
        }
    }

    /// `n` more bytes of one item (and of the total).
    pub fn advance(&self, digest: &Digest, n: u64) {
        self.total.inc(n);
        if let Some(b) = self.items.lock().ok().and_then(|m| m.get(digest).cloned()) {
            b.inc(n);
        }
    }

    /// Takes back what an item counted (it starts again).
    pub fn restart(&self, digest: &Digest) {
        if let Some(b) = self.items.lock().ok().and_then(|m| m.get(digest).cloned()) {
            self.total
                .set_position(self.total.position().saturating_sub(b.position()));
            b.set_position(0);
        }
    }

    /// One item is done: its bar goes.
    pub fn finish(&self, digest: &Digest) {
        if let Some(b) = self.items.lock().ok().and_then(|mut m| m.remove(digest)) {
            b.finish_and_clear();
        }
    }

    /// Removes every bar from the terminal.
    pub fn clear(&self) {
        self.total.finish_and_clear();
        if let Ok(mut m) = self.items.lock() {
            for (_, b) in m.drain() {
                b.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}
