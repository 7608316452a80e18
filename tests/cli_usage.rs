//! The binary as a Unix tool: usage errors exit 2, a closed pipe ends it quietly, a refused
//! connection is explained once, completions and a man page are printed.
mod tui_common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

fn arbor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arbor"));
    c.env_remove("ARBOR_LOG_FILE")
        .env("ARBOR_CONFIG", "/nonexistent/config.toml");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = arbor().args(args).output().expect("arbor runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_host_without_a_repository_is_refused_as_a_usage_error() {
    let (code, _, err) = run(&["tags", "127.0.0.1:5101"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a repository is needed (HOST/REPO"), "{err}");
    assert!(
        !err.contains("docker.io"),
        "not read as a Docker Hub name: {err}"
    );
}

#[test]
fn a_missing_argument_exits_2() {
    let (code, _, err) = run(&["tags"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("a repository is required"), "{err}");
    let (code, _, err) = run(&["discover"]);
    assert_eq!(code, 2, "clap's own usage error: {err}");
}

#[test]
fn tui_options_before_a_subcommand_are_refused_not_dropped() {
    let dir = tempfile::tempdir().expect("tmp");
    let layout = dir.path().to_string_lossy().to_string();
    for args in [
        &[
            "--key",
            "/nonexistent.pub",
            "verify",
            "--oci-layout",
            &layout,
            "x:v1",
        ][..],
        &["--theme", "light", "tags", "--oci-layout", &layout],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("give them after it"), "{args:?}: {err}");
    }
    // After the subcommand the key is the subcommand's: it is read (and this one is missing).
    let (code, _, err) = run(&[
        "verify",
        "--key",
        "/nonexistent.pub",
        "--oci-layout",
        &layout,
        "x:v1",
    ]);
    assert_ne!(code, 0);
    assert!(!err.contains("give them after it"), "{err}");
}

#[test]
fn cp_without_a_source_reference_creates_no_destination() {
    let dir = tempfile::tempdir().expect("tmp");
    let src = dir.path().join("src");
    std::fs::create_dir(&src).expect("mkdir");
    std::fs::write(src.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("write");
    std::fs::write(
        src.join("index.json"),
        r#"{"schemaVersion":2,"manifests":[]}"#,
    )
    .expect("write");
    let out = dir.path().join("out");
    let (code, _, err) = run(&[
        "cp",
        "--from-oci-layout",
        &src.to_string_lossy(),
        "--to-oci-layout",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("needs a tag or digest"), "{err}");
    assert!(
        !out.exists(),
        "the destination layout was created before the refusal"
    );
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_big_layout(tmp.path(), 20_000);
    let mut child = arbor()
        .args(["--oci-layout", dir.to_str().expect("utf8"), "tags"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a line");
    // The reader is dropped here, like `head -1` exiting: the next writes meet EPIPE.
    let out = child.wait_with_output().expect("wait");
    assert_eq!(first.trim(), "build-000000");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.is_empty(), "nothing on stderr: {err}");
    assert!(out.status.success(), "{:?}", out.status);
}

#[test]
fn a_refused_connection_says_its_cause_once() {
    // Port 1 on loopback: nothing listens there.
    let (code, _, err) = run(&["tags", "127.0.0.1:1/app"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    let cause = "Connection refused";
    assert_eq!(err.matches(cause).count(), 1, "the cause once: {err}");
}

#[test]
fn completions_and_man_page_are_printed() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef arbor"),
        ("fish", "complete -c arbor"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let (code, out, err) = run(&["completions", shell]);
        assert_eq!(code, 0, "{shell}: {err}");
        assert!(
            out.contains(marker),
            "{shell}: {}",
            &out[..out.len().min(300)]
        );
        assert!(out.contains("discover"), "{shell} completes subcommands");
    }
    let (code, out, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(out.contains(".TH arbor"), "{}", &out[..out.len().min(300)]);
    assert!(out.contains("discover"));
}

/// Every argument of every subcommand says what it takes (`arbor delete --help` once showed a
/// bare `<REFERENCE>`).
#[test]
fn every_positional_argument_has_a_help_text() {
    let (code, top, _) = run(&["--help"]);
    assert_eq!(code, 0);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() > 10, "{top}");
    for c in &commands {
        let (code, help, err) = run(&[c, "--help"]);
        assert_eq!(code, 0, "{c}: {err}");
        let section: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Arguments:"))
            .skip(1)
            .take_while(|l| !l.trim().is_empty())
            .collect();
        for (i, l) in section.iter().enumerate() {
            let t = l.trim_start();
            if !(t.starts_with('<') || t.starts_with('[')) {
                continue;
            }
            // The help is on the argument's line, or (long help) on the next, further in.
            let next_is_help = section
                .get(i + 1)
                .is_some_and(|n| !n.trim_start().starts_with(['<', '[']));
            assert!(
                t.split_whitespace().count() > 1 || next_is_help,
                "{c}: {l:?} has no help:\n{help}"
            );
        }
    }
}
