//! End to end: the real binary in tmux on a layout (and the demo, and a real registry when the
//! harness provides one), driven by send-keys and read by capture-pane.
mod tui_common;

use std::process::Command;
use std::time::{Duration, Instant};

/// A tmux session on its own server, whose socket lives in a temporary directory (never the
/// user's default server); dropping it stops that server and removes the socket.
struct Session {
    dir: tempfile::TempDir,
    name: String,
}

impl Session {
    fn start(name: &str, cmd: &str) -> Session {
        let s = Session {
            dir: tempfile::tempdir().expect("socket dir"),
            name: name.to_string(),
        };
        // After arbor exits the shell prints its status, so a test can see the terminal came back.
        // No user config.toml: the demo and the screens asked for, never saved contexts.
        let shell = format!(
            "export ARBOR_CONFIG={}/none.toml; {cmd}; echo ARBOR-EXITED:$?; sleep 30",
            s.dir.path().display()
        );
        let ok = s
            .tmux()
            .args([
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "-s",
                &s.name,
                "sh",
                "-c",
                &shell,
            ])
            .status()
            .expect("tmux runs");
        assert!(ok.success(), "tmux new-session failed");
        s
    }

    /// `tmux -S <this session's socket>`, with no user config.
    fn tmux(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S")
            .arg(self.dir.path().join("tmux.sock"))
            .args(["-f", "/dev/null"]);
        c
    }

    fn keys(&self, keys: &[&str]) {
        let ok = self
            .tmux()
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys");
        assert!(ok.success());
    }

    fn capture(&self) -> String {
        let out = self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.capture();
            if text.contains(needle) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {needle:?}; screen:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").output();
    }
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_arbor")
}

#[test]
fn binary_in_tmux_browses_a_layout_and_restores_the_terminal() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let s = Session::start(
        "arbor-e2e",
        &format!("{} --oci-layout {}", bin(), dir.display()),
    );
    s.wait_for("Tags & manifests");
    // The header learns the referrers source once the first details arrive.
    let text = s.wait_for("referrers layout scan");
    // A layout in a writable directory is writable: no READ-ONLY badge.
    assert!(!text.contains("READ-ONLY"), "{text}");
    s.wait_for("SBOM");
    s.keys(&["Enter"]);
    s.wait_for("Referrers of v1");
    s.wait_for("signature");
    s.keys(&["j", "y"]);
    s.wait_for("\"schemaVersion\": 2");
    s.keys(&["Escape"]);
    s.wait_for("Referrers of v1");
    s.keys(&["?"]);
    s.wait_for("Help — keys");
    s.keys(&["q"]);
    let text = s.wait_for("ARBOR-EXITED:0");
    assert!(
        !text.contains("Referrers of"),
        "alternate screen left behind:\n{text}"
    );
}

#[test]
fn binary_without_target_opens_the_demo_when_available() {
    arbor::demo::demo_layout().expect("the embedded demo layout unpacks");
    let s = Session::start("arbor-demo", bin());
    let text = s.wait_for("Tags & manifests");
    assert!(text.contains("demo layout"), "{text}");
    s.keys(&["q"]);
    s.wait_for("ARBOR-EXITED:0");
}

/// Reads `export ARBOR_TEST_DIST=host:port` from the harness env file; without it the test
/// fails (the real registries are part of the suite: run tests/harness/test.sh).
fn harness_registry() -> String {
    harness_var("ARBOR_TEST_DIST")
}

/// One `export NAME=value` of the harness env file.
fn harness_var(name: &str) -> String {
    let path = std::env::var_os("ARBOR_HARNESS_ENV")
        .expect("ARBOR_HARNESS_ENV is not set: run the suite with tests/harness/test.sh");
    let text = std::fs::read_to_string(&path).expect("the harness env file");
    let prefix = format!("export {name}=");
    text.lines()
        .find_map(|l| l.trim().strip_prefix(prefix.as_str()))
        .map(|v| v.trim_matches(['"', '\'']).to_string())
        .unwrap_or_else(|| panic!("{name} in the harness env file"))
}

#[test]
fn binary_in_tmux_opens_a_real_registry() {
    let host = harness_registry();
    let s = Session::start("arbor-reg", &format!("{} {host}", bin()));
    let text = s.wait_for("Repositories");
    assert!(text.contains(&format!("registry {host}")), "{text}");
    s.keys(&[":", "repo net-monitor", "Enter"]);
    s.wait_for("repo net-monitor");
    s.keys(&["q"]);
    s.wait_for("ARBOR-EXITED:0");
}

/// The digest `tag` names in a layout's index.json.
fn layout_digest(dir: &std::path::Path, tag: &str) -> String {
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).expect("index"))
            .expect("json");
    index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .and_then(|m| m["digest"].as_str())
        .expect("tag in index")
        .to_string()
}

#[test]
fn cursor_is_visible_without_colour() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let s = Session::start(
        "arbor-nocolor",
        &format!("NO_COLOR=1 {} --oci-layout {}", bin(), dir.display()),
    );
    s.wait_for("SBOM");
    let text = s.wait_for("<untagged>");
    // The plain captured text marks the selected row: no colour needed to find it.
    let row = |text: &str, name: &str| {
        text.lines()
            .find(|l| l.contains(name) && l.contains('│'))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row(&text, "v1").starts_with("│›"), "{text}");
    assert!(!row(&text, "v2").starts_with("│›"), "{text}");
    s.keys(&["j"]);
    let text = s.wait_for("│›  v2");
    assert!(!row(&text, "v1").starts_with("│›"), "{text}");
    s.keys(&["q"]);
    s.wait_for("ARBOR-EXITED:0");
}

#[test]
fn ctrl_c_in_a_dialog_closes_it_and_arbor_keeps_running() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let s = Session::start(
        "arbor-ctrlc",
        &format!("{} --oci-layout {}", bin(), dir.display()),
    );
    s.wait_for("SBOM");
    s.keys(&["p"]);
    s.wait_for("Directory");
    s.keys(&["C-c"]);
    let text = s.wait_for("pull cancelled");
    assert!(!text.contains("ARBOR-EXITED"), "{text}");
    assert!(!text.contains("Directory"), "the dialog closed: {text}");
    assert!(text.contains("Tags & manifests"), "{text}");
    // On a screen (no dialog), ctrl-c still quits.
    s.keys(&["C-c"]);
    s.wait_for("ARBOR-EXITED:0");
}

#[test]
fn c_copies_the_digest_through_osc_52() {
    use base64::Engine;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let digest = layout_digest(&dir, "v1");
    // `script` records every byte arbor writes to its terminal.
    let log = tmp.path().join("typescript");
    let s = Session::start(
        "arbor-osc52",
        &format!(
            "script -q -f -c '{} --oci-layout {}' {}",
            bin(),
            dir.display(),
            log.display()
        ),
    );
    s.wait_for("SBOM");
    s.keys(&["c"]);
    s.wait_for(&format!("copied {digest}"));
    s.keys(&["q"]);
    s.wait_for("ARBOR-EXITED:0");
    let bytes = std::fs::read(&log).expect("typescript");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&digest);
    let osc = format!("\x1b]52;c;{b64}\x07");
    assert!(
        bytes.windows(osc.len()).any(|w| w == osc.as_bytes()),
        "OSC 52 with the digest in what arbor wrote ({} bytes)",
        bytes.len()
    );
}

#[test]
fn an_unknown_keymap_action_is_reported_at_start() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let keymap = tmp.path().join("keymap.toml");
    std::fs::write(&keymap, "[keys]\nnot_an_action = \"x\"\n").expect("keymap");
    let s = Session::start(
        "arbor-keymap",
        &format!(
            "ARBOR_KEYMAP={} {} --oci-layout {}",
            keymap.display(),
            bin(),
            dir.display()
        ),
    );
    let text = s.wait_for("unknown action");
    assert!(text.contains("not_an_action"), "{text}");
    // The tag listing's own message does not cover it.
    s.wait_for("SBOM");
    let text = s.capture();
    assert!(text.contains("not_an_action"), "{text}");
    s.keys(&["q"]);
    let text = s.wait_for("ARBOR-EXITED:0");
    assert!(
        text.contains("arbor: warning: keymap.toml: unknown action"),
        "{text}"
    );
}

#[test]
fn esc_on_a_repository_goes_up_to_the_repositories() {
    let host = harness_registry();
    let s = Session::start("arbor-up", &format!("{} {host}/net-monitor", bin()));
    s.wait_for("Tags & manifests");
    s.keys(&["Escape"]);
    // The catalog lists, and the repository we came from is in it.
    let text = s.wait_for("REPOSITORY");
    assert!(text.contains("Repositories"), "{text}");
    assert!(text.contains("net-monitor"), "{text}");
    assert!(!text.contains("ARBOR-EXITED"), "{text}");
    s.keys(&["q"]);
    s.wait_for("ARBOR-EXITED:0");
}

/// The pid of the program the session's shell runs (the shell's one child).
fn program_pid(s: &Session) -> u32 {
    let out = s
        .tmux()
        .args(["display-message", "-p", "-t", &s.name, "#{pane_pid}"])
        .output()
        .expect("tmux display-message");
    let shell = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
        .expect("the shell's children");
    children
        .split_whitespace()
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no program under shell {shell}"))
}

/// Waits for process `pid` to be gone (or a zombie), at most `limit`; how long it took.
fn gone_within(pid: u32, limit: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // Field 3 is the state; a reaped process has no stat file at all.
        if state.is_empty() || state.split(") ").nth(1).is_some_and(|r| r.starts_with('Z')) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    None
}

/// A registry whose tag pages never end, growing while the app runs: `q`, ctrl-c, SIGTERM,
/// SIGINT and SIGHUP each end it, with the terminal restored, however much is still arriving.
#[test]
fn quit_keys_and_signals_work_while_endless_tags_load() {
    let proxy = harness_var("ARBOR_TEST_FAULT_DIST");
    let ways: [(&str, Option<i32>); 5] = [
        ("q", None),
        ("C-c", None),
        ("SIGTERM", Some(libc::SIGTERM)),
        ("SIGINT", Some(libc::SIGINT)),
        ("SIGHUP", Some(libc::SIGHUP)),
    ];
    for (i, (how, signal)) in ways.into_iter().enumerate() {
        let repo = format!("tmux/endless-{}-{i}", std::process::id());
        let rule = Command::new("curl")
            .args([
                "-sf",
                "-o",
                "/dev/null",
                "-X",
                "PUT",
                "-d",
                r#"{"endless":["tags"]}"#,
            ])
            .arg(format!("http://{proxy}/__fault/{repo}"))
            .status()
            .expect("curl");
        assert!(rule.success(), "setting the endless rule failed");
        // A tag cap far above what two seconds bring: pages keep arriving until the end.
        let s = Session::start(
            &format!("arbor-endless-{i}"),
            &format!(
                "ARBOR_NO_KEYRING=1 {} --max-tags 50000000 {proxy}/{repo}",
                bin()
            ),
        );
        s.wait_for("loading");
        std::thread::sleep(Duration::from_secs(2));
        let pid = program_pid(&s);
        let text = s.capture();
        assert!(text.contains("loading"), "{how}: still loading:\n{text}");
        match signal {
            None => s.keys(&[how]),
            // SAFETY: a signal to the program this test started.
            Some(sig) => assert_eq!(unsafe { libc::kill(pid as i32, sig) }, 0),
        }
        let took = gone_within(pid, Duration::from_secs(5));
        let text = s.wait_for("ARBOR-EXITED:");
        assert!(took.is_some(), "{how}: still running after 5 s:\n{text}");
        eprintln!(
            "{how}: arbor gone {:?} after it was sent",
            took.unwrap_or_default()
        );
        assert!(
            !text.contains("Tags & manifests"),
            "{how}: alternate screen left behind:\n{text}"
        );
        assert!(text.contains("ARBOR-EXITED:0"), "{how}: {text}");
        assert!(
            took < Some(Duration::from_secs(1)),
            "{how}: took {took:?} to quit"
        );
    }
}

/// The real binary keeps the detail pane's width across runs: written at exit (after the
/// terminal is restored), read at the next start; a file it cannot use is said in one line.
#[test]
fn the_detail_pane_width_is_kept_across_runs() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_layout(tmp.path());
    let cfg = tmp.path().join("config.toml");
    let prefs = tmp.path().join("config.prefs.toml");
    let cmd = format!(
        "ARBOR_CONFIG={} {} --oci-layout {}",
        cfg.display(),
        bin(),
        dir.display()
    );
    // Where the pane's left border is on the line with its title.
    let pane_at = |text: &str| {
        text.lines()
            .find_map(|l| l.find("┌ Details").map(|b| l[..b].chars().count()))
    };

    std::fs::write(&prefs, "[pane\nwidth = \u{1b}[31m").expect("a broken file");
    let s = Session::start("arbor-prefs-1", &cmd);
    let first = s.wait_for("┌ Details");
    assert_eq!(
        pane_at(&first),
        Some(120 - 48),
        "the default width:\n{first}"
    );
    // Narrower: at 120 columns the list keeps 70, so a wider pane would be cut to 50.
    s.keys(&[">", ">"]);
    s.keys(&["q"]);
    let text = s.wait_for("ARBOR-EXITED:0");
    assert!(
        text.contains("arbor: warning: screen settings in") && text.contains("ignored"),
        "{text}"
    );
    let saved = std::fs::read_to_string(&prefs).expect("written at exit");
    assert!(saved.contains("width = 40"), "{saved}");
    drop(s);

    let s = Session::start("arbor-prefs-2", &cmd);
    s.wait_for("┌ Details");
    let text = s.wait_for("SBOM");
    assert_eq!(pane_at(&text), Some(120 - 40), "the width kept:\n{text}");
    s.keys(&["q"]);
    let text = s.wait_for("ARBOR-EXITED:0");
    assert!(!text.contains("warning"), "{text}");
}
