//! `arbor pull`: the library's pull with progress bars on a terminal and ctrl-c to cancel.
use super::args::PullArgs;
use super::bars::style;
use crate::connection::{open_target, ConnectOptions, Target};
use crate::pull::{pull, PullFile, PullOptions, PullProgress, PullReport, Skipped};
use crate::text::escape;
use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Pulls the reference into its output directory; prints what was written to `out`, notes
/// and progress to stderr.
pub async fn run(a: PullArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let result = pull_into(&t, &a.output, a.concurrency).await;
    let report = result?;
    for f in &report.files {
        writeln!(out, "Downloaded {}", escape(&f.title))?;
    }
    writeln!(out, "Pulled {}", escape(&report.reference))?;
    writeln!(out, "Digest: {}", report.manifest.digest)?;
    Ok(t)
}

/// The library's pull, with bars on a terminal and ctrl-c or SIGTERM cancelling it.
async fn pull_into(t: &Target, output: &Path, concurrency: usize) -> Result<PullReport> {
    let reference = t.require_reference()?;
    let opts = PullOptions {
        concurrency,
        cancel: CancellationToken::new(),
    };
    let signals = tokio::spawn(cancel_on_signal(opts.cancel.clone()));
    let bars = Bars::new(std::io::stderr().is_terminal());
    let result = pull(t.store.as_ref(), &t.repo, reference, output, &opts, &bars).await;
    signals.abort();
    bars.clear();
    Ok(result?)
}

/// Cancels on ctrl-c or SIGTERM.
async fn cancel_on_signal(cancel: CancellationToken) {
    super::signals::interrupted().await;
    cancel.cancel();
}

/// A bar per file being downloaded and one for the total, drawn only on a terminal.
struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    state: Mutex<BarState>,
}

#[derive(Default)]
struct BarState {
    files: Vec<PullFile>,
    bars: Vec<Option<ProgressBar>>,
    done: Vec<u64>,
}

impl Bars {
    fn new(visible: bool) -> Self {
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let multi = MultiProgress::with_draw_target(target);
        let total = multi.add(ProgressBar::new(0));
        total.set_style(style(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ));
        total.set_prefix("total");
        Bars {
            multi,
            total,
            state: Mutex::new(BarState::default()),
        }
    }

    fn clear(&self) {
        self.total.finish_and_clear();
        if let Ok(s) = self.state.lock() {
            for b in s.bars.iter().flatten() {
                b.finish_and_clear();
            }
        }
        let _ = self.multi.clear();
    }
}

impl PullProgress for Bars {
    fn begin(&self, files: &[PullFile]) {
        self.total
            .set_length(files.iter().map(|f| f.descriptor.size.max(0) as u64).sum());
        if let Ok(mut s) = self.state.lock() {
            s.files = files.to_vec();
            s.bars = vec![None; files.len()];
            s.done = vec![0; files.len()];
        }
    }

    fn skipped(&self, s: &Skipped) {
        // A note, like oras's, whether or not bars are drawn.
        eprintln!(
            "note: skipped {}: {}",
            s.descriptor.digest,
            escape(&s.reason)
        );
    }

    fn started(&self, index: usize) {
        let Ok(mut s) = self.state.lock() else { return };
        let Some(f) = s.files.get(index) else { return };
        let bar = self.multi.insert_before(
            &self.total,
            ProgressBar::new(f.descriptor.size.max(0) as u64),
        );
        bar.set_style(style(
            "{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {wide_msg}",
        ));
        bar.set_prefix(f.descriptor.digest.short().to_string());
        bar.set_message(escape(&f.title).into_owned());
        if let Some(slot) = s.bars.get_mut(index) {
            *slot = Some(bar);
        }
    }

    fn advanced(&self, index: usize, done: u64) {
        let Ok(mut s) = self.state.lock() else { return };
        let Some(last) = s.done.get_mut(index) else {
            return;
        };
        let delta = done.saturating_sub(*last);
        *last = done;
        self.total.inc(delta);
        if let Some(Some(b)) = s.bars.get(index) {
            b.set_position(done);
        }
    }

    fn verified(&self, index: usize) {
        let Ok(mut s) = self.state.lock() else { return };
        if let Some(b) = s.bars.get_mut(index).and_then(Option::take) {
            b.finish_and_clear();
        }
    }
}
