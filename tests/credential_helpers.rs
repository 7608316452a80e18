//! Credential helpers that misbehave: one that never answers is killed at the timeout (and
//! does not hold arbor's exit), one that prints without end is cut off at the cap, and
//! concurrent lookups of the same server run the helper once. Real helper programs (shell
//! scripts speaking docker's protocol) on PATH; a real basic-auth registry asks for credentials.
mod common;
use common::hostile::run_bounded;
use common::*;
use std::path::Path;
use std::time::Duration;

fn write_script(dir: &Path, name: &str, body: &str) {
    let p = dir.join(format!("docker-credential-{name}"));
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// arbor with a docker config whose credHelpers send the basic registry to `helper`.
fn arbor_with_helper(home: &Path, bin: &Path, reg: &str, helper: &str) -> std::process::Command {
    std::fs::create_dir_all(home.join(".docker")).unwrap();
    std::fs::write(
        home.join(".docker/config.json"),
        serde_json::json!({"credHelpers": {reg: helper}}).to_string(),
    )
    .unwrap();
    let mut c = arbor_isolated(home);
    c.env("PATH", path_with(bin));
    c
}

#[test]
fn a_hung_credential_helper_is_killed_at_the_timeout_and_does_not_hold_the_exit() {
    let reg = harness().var("ARBOR_TEST_BASIC");
    let (home, bin) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_script(bin.path(), "hang", "exec sleep 300");
    let r = run_bounded(
        arbor_with_helper(home.path(), bin.path(), &reg, "hang")
            .env("ARBOR_CREDENTIAL_HELPER_TIMEOUT", "1")
            .args(["tags", &format!("{reg}/anything")]),
        Duration::from_secs(30),
    );
    assert!(!r.killed, "arbor still running after 30 s");
    assert_eq!(r.out.status.code(), Some(1));
    let err = stderr(&r.out);
    assert!(
        err.contains("docker-credential-hang") && err.contains("no answer within 1.0 s"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(r.elapsed < Duration::from_secs(10), "took {:?}", r.elapsed);
}

#[test]
fn a_credential_helper_that_prints_without_end_is_cut_off() {
    let reg = harness().var("ARBOR_TEST_BASIC");
    let (home, bin) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write_script(bin.path(), "flood", "exec yes");
    let r = run_bounded(
        arbor_with_helper(home.path(), bin.path(), &reg, "flood")
            .args(["tags", &format!("{reg}/anything")]),
        Duration::from_secs(30),
    );
    assert!(!r.killed, "arbor still running after 30 s");
    assert_eq!(r.out.status.code(), Some(1));
    let err = stderr(&r.out);
    assert!(err.contains("printed more than 1048576 bytes"), "{err}");
    assert!(r.max_rss_kib < 100 * 1024, "peak RSS {} KiB", r.max_rss_kib);
}

/// The library's lookup, called from 8 threads at once (as 8 requests refused at once
/// would): the helper runs once and every caller gets its answer; a later lookup runs it again.
#[test]
fn concurrent_lookups_of_one_server_run_the_helper_once() {
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls.log");
    write_script(
        bin.path(),
        "slowonce",
        &format!(
            r#"cat > /dev/null; echo "$1" >> '{}'; sleep 0.5
echo '{{"ServerURL":"reg.example","Username":"u","Secret":"s3cret"}}'"#,
            log.display()
        ),
    );
    // Only this test in this binary looks programs up on PATH from its own process.
    std::env::set_var("PATH", path_with(bin.path()));
    let lookup = || arbor::credentials::helper::get("slowonce", "reg.example");
    let answers: Vec<_> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..8).map(|_| s.spawn(lookup)).collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for a in &answers {
        let c = a.as_ref().expect("credentials").as_ref().expect("some");
        assert_eq!(c.username(), "u");
    }
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().count(),
        1,
        "helper ran {} times",
        calls.lines().count()
    );
    lookup().unwrap();
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(calls.lines().count(), 2, "a later lookup asks again");
}
