//! TUI performance: first frame on the demo, keypress-to-frame with 50,000 tags, peak RSS.
//! Run: `cargo bench --bench tui` (or scripts/bench-tui.sh, which adds the real binary's RSS).
#[path = "../tests/tui_common/mod.rs"]
mod tui_common;

use arbor::tui::action::Cmd;
use arbor::tui::harness::Harness;
use arbor::tui::open_layout;
use std::time::{Duration, Instant};

fn rss_peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn stats(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[v.len() * 99 / 100], v[v.len() - 1])
}

#[tokio::main]
async fn main() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (demo, label) = match arbor::demo::demo_layout() {
        Ok(d) => (d, "demo layout"),
        Err(_) => (
            tui_common::build_layout(tmp.path()),
            "demo-like fixture (demo not built yet)",
        ),
    };
    // Start to first frame: open the layout, build the state, start effects, draw once.
    let mut firsts = Vec::new();
    for _ in 0..20 {
        let t0 = Instant::now();
        let h = Harness::new(open_layout(&demo, None, true).expect("open"), 120, 40);
        let _ = h.terminal();
        firsts.push(t0.elapsed());
    }
    let (med, p99, _) = stats(firsts);
    println!(
        "first frame ({label}): median {:.2} ms, p99 {:.2} ms (target < 50 ms)",
        ms(med),
        ms(p99)
    );

    let n = 50_000;
    // Kept under target/ so scripts/bench-tui.sh can open it with the real binary.
    let keep = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-tui");
    let big = tui_common::build_big_layout(&keep, n);
    let t0 = Instant::now();
    let mut h = Harness::new(open_layout(&big, None, false).expect("open"), 120, 40);
    h.settle_within(Duration::from_secs(120)).await;
    println!(
        "loaded {} tags in {:.0} ms",
        h.state.tags.rows.len(),
        ms(t0.elapsed())
    );
    // What the figures below are measured with: the detail pane open, image sizes on.
    let sized = h
        .state
        .tags
        .details
        .values()
        .filter(|d| matches!(d, arbor::tui::state::DetailState::Ready(r) if r.image_size.is_some()))
        .count();
    assert!(h.state.pane_columns() > 0, "the detail pane is open");
    assert!(sized > 0, "image sizes are on");
    println!(
        "detail pane {} columns, image sizes known for the {sized} rows on screen",
        h.state.pane_columns()
    );
    let mut times = Vec::new();
    let keys = [
        Cmd::Down,
        Cmd::Down,
        Cmd::PageDown,
        Cmd::Up,
        Cmd::Bottom,
        Cmd::Top,
    ];
    for i in 0..3000 {
        let t = Instant::now();
        h.cmd(keys[i % keys.len()]);
        let _ = h.terminal();
        times.push(t.elapsed());
        // Let the details and the pane's summaries that arrived meanwhile in, as the app does.
        if i % 50 == 49 {
            h.apply_arrivals_for(Duration::from_millis(1)).await;
        }
    }
    let (med, p99, max) = stats(times);
    println!("keypress-to-frame with {n} tags: median {:.3} ms, p99 {:.3} ms, max {:.3} ms (target < 16 ms)", ms(med), ms(p99), ms(max));
    // Filter typing rebuilds the visible index (O(n) per keystroke, not per frame).
    let t = Instant::now();
    h.cmd(Cmd::Filter);
    h.type_text("4999");
    let _ = h.terminal();
    println!(
        "filter keystrokes over {n} tags: {:.2} ms for 4 keys + frame",
        ms(t.elapsed())
    );
    println!(
        "peak RSS (bench process, {n} tags loaded): {:.1} MiB (target < 100 MiB)",
        rss_peak_kib() as f64 / 1024.0
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
