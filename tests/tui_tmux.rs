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
    let path = std::env::var_os("ARBOR_HARNESS_ENV")
        .expect("ARBOR_HARNESS_ENV is not set: run the suite with tests/harness/test.sh");
    let text = std::fs::read_to_string(&path).expect("the harness env file");
    text.lines()
        .find_map(|l| l.trim().strip_prefix("export ARBOR_TEST_DIST="))
        .map(|v| v.trim_matches(['"', '\'']).to_string())
        .expect("ARBOR_TEST_DIST in the harness env file")
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
