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
        let shell = format!("{cmd}; echo ARBOR-EXITED:$?; sleep 30");
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
    assert!(text.contains("READ-ONLY"), "{text}");
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
