//! Issue 11, phase 2: arbor against the hostile scenarios whose fix belongs to the HTTP client
//! (deadlines, retries, credentials on their origin, entry bounds), to the output call sites
//! (the sanitiser applied everywhere), to iterative graph walks and to TUI input. Every test
//! bounds its own run time (run_bounded kills at the deadline): a failure fails, never hangs.
mod common;
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::update::Start;
use common::hostile::*;
use common::*;
use std::sync::Arc;
use std::time::Duration;

fn run(args: &[&str], deadline_s: u64) -> Bounded {
    let r = run_bounded(arbor().args(args), Duration::from_secs(deadline_s));
    assert!(
        !r.killed,
        "arbor {args:?} still running after {deadline_s} s (stderr: {})",
        stderr(&r.out)
    );
    assert!(
        r.out.status.code().is_some(),
        "arbor {args:?} died of a signal: {:?}",
        r.out.status
    );
    r
}

fn one_line_error(r: &Bounded) -> String {
    assert_eq!(r.out.status.code(), Some(1), "{}", stderr(&r.out));
    let err = stderr(&r.out);
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    err
}

// ---- 1. terminal escapes: CLI text, stderr, TUI ----

#[test]
fn tags_output_escapes_hostile_tags_and_marks_them_invalid() {
    let h = hostile_refs();
    let repo = unique_repo("p2/tags");
    h.seed(&repo);
    h.set(&repo, serde_json::json!({"escape_tags": true}));
    let r = run(&["tags", &h.repo(&repo)], 30);
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert_terminal_safe(&r.out.stdout, "arbor tags");
    let text = stdout(&r.out);
    assert!(text.lines().any(|l| l == "v1"), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.contains("invalid tag")).count(),
        HOSTILE_TAGS.len(),
        "{text}"
    );
    // JSON stays exact: the tags come back byte for byte.
    let r = run(&["tags", "--format", "json", &h.repo(&repo)], 30);
    let tags = json(&r.out)["tags"].clone();
    for t in HOSTILE_TAGS {
        assert!(tags.as_array().unwrap().iter().any(|x| x == *t), "{t:?}");
    }
}

#[test]
fn discover_tree_escapes_artifact_types_and_annotation_keys() {
    for h in [hostile_dist(), hostile_refs()] {
        let repo = unique_repo("p2/discover");
        let s = h.seed(&repo);
        for extra in [&[][..], &["--full"][..]] {
            let reference = format!("{}@{}", h.repo(&repo), s.subject);
            let mut args = vec!["discover", reference.as_str()];
            args.extend_from_slice(extra);
            let r = run(&args, 30);
            assert!(r.out.status.success(), "{}", stderr(&r.out));
            assert_terminal_safe(&r.out.stdout, "arbor discover (tree)");
            assert!(stdout(&r.out).contains("\\u{202e}"), "{}", stdout(&r.out));
        }
    }
}

#[test]
fn inspect_text_escapes_spdx_names_and_annotations() {
    let h = hostile_refs();
    let repo = unique_repo("p2/inspect");
    let s = h.seed(&repo);
    for d in [&s.sbom, &s.annotated, &s.files, &s.titled] {
        let r = run(&["inspect", &format!("{}@{d}", h.repo(&repo))], 30);
        assert!(r.out.status.success(), "{}", stderr(&r.out));
        assert_terminal_safe(&r.out.stdout, "arbor inspect");
        assert_terminal_safe(&r.out.stderr, "arbor inspect (stderr)");
    }
    let r = run(&["inspect", &format!("{}@{}", h.repo(&repo), s.sbom)], 30);
    assert!(
        stdout(&r.out).contains("pkg\\u{202e}evil"),
        "{}",
        stdout(&r.out)
    );
}

#[test]
fn delete_plan_escapes_tags_and_types() {
    let h = hostile_dist();
    let repo = unique_repo("p2/delete");
    let s = h.seed(&repo);
    let r = run(
        &[
            "delete",
            "--cascade",
            "--dry-run",
            &format!("{}@{}", h.repo(&repo), s.subject),
        ],
        30,
    );
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert_terminal_safe(&r.out.stdout, "arbor delete plan");
}

#[test]
fn registry_error_messages_are_escaped_on_stderr() {
    let h = hostile_dist();
    let repo = unique_repo("p2/errors");
    h.set(&repo, serde_json::json!({"escape_errors": 403}));
    for args in [
        vec!["tags", &h.repo(&repo) as &str],
        vec!["fetch", &format!("{}:v1", h.repo(&repo))],
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = run(&refs, 30);
        let err = one_line_error(&r);
        assert_terminal_safe(err.as_bytes(), "registry error on stderr");
        assert!(
            err.contains("\\x1b]52;"),
            "the message is shown, escaped: {err}"
        );
    }
}

#[test]
fn pull_prints_written_file_names_escaped() {
    let h = hostile_refs();
    let repo = unique_repo("p2/pull");
    let s = h.seed(&repo);
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        &[
            "pull",
            "-o",
            dir.path().to_str().unwrap(),
            &format!("{}@{}", h.repo(&repo), s.files),
        ],
        30,
    );
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert_terminal_safe(&r.out.stdout, "arbor pull");
    assert_terminal_safe(&r.out.stderr, "arbor pull (stderr)");
    // The file keeps its name on disk; only what is printed is escaped.
    assert!(dir.path().join(HOSTILE_TITLES[0]).exists());
    // A title with a control character is refused, and the refusal is escaped too.
    let r = run(
        &[
            "pull",
            "-o",
            dir.path().to_str().unwrap(),
            &format!("{}@{}", h.repo(&repo), s.titled),
        ],
        30,
    );
    assert_terminal_safe(&r.out.stderr, "arbor pull refusal (stderr)");
}

#[test]
fn invalid_tags_are_never_requested() {
    let h = hostile_refs();
    let repo = unique_repo("p2/never");
    h.seed(&repo);
    h.set(&repo, serde_json::json!({"escape_tags": true}));
    let r = run(&["manifests", &h.repo(&repo)], 30);
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert_terminal_safe(&r.out.stdout, "arbor manifests");
    let st = h.stats(&repo);
    assert_eq!(st["invalid_tag_requests"], 0, "{st}");
    assert_eq!(st["shadow_tag_requests"], 0, "{st}");
}

#[tokio::test(flavor = "multi_thread")]
async fn tui_tag_list_and_tree_hold_no_control_characters() {
    let h = hostile_refs();
    let repo = unique_repo("p2/tui");
    h.seed(&repo);
    h.set(&repo, serde_json::json!({"escape_tags": true}));
    for start in [
        Start::Tags {
            repo: repo.clone(),
            untagged: Vec::new(),
        },
        Start::Ref {
            repo: repo.clone(),
            reference: "v1".into(),
            untagged: Vec::new(),
        },
    ] {
        let store =
            RegistryStore::new(&h.addr, &ClientOptions::default(), ReferrersMode::Auto).unwrap();
        let mut t = Harness::new(open_store(Arc::new(store), start), 120, 40);
        t.settle_within(Duration::from_secs(30)).await;
        let screen = t.screen_text();
        assert_terminal_safe(screen.as_bytes(), "TUI screen");
    }
    let st = h.stats(&repo);
    assert_eq!(st["invalid_tag_requests"], 0, "{st}");
    assert_eq!(st["shadow_tag_requests"], 0, "{st}");
}

// ---- 3. deadlines ----

#[test]
fn a_slow_drip_ends_within_the_deadline_for_every_kind() {
    for kind in ["manifests", "tags", "blobs", "token"] {
        let h = hostile_dist();
        let repo = unique_repo("p2/drip");
        let s = h.seed(&repo);
        let mut rule = serde_json::json!({"drip": [kind]});
        if kind == "token" {
            rule["auth"] = "bearer".into();
        }
        h.set(&repo, rule);
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<String> = match kind {
            "tags" => vec!["tags".into(), h.repo(&repo)],
            "blobs" => vec![
                "pull".into(),
                "-o".into(),
                dir.path().display().to_string(),
                format!("{}@{}", h.repo(&repo), s.sbom),
            ],
            _ => vec!["fetch".into(), format!("{}:v1", h.repo(&repo))],
        };
        let mut all = vec!["--timeout".to_string(), "5".into()];
        all.extend(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let r = run(&refs, 30);
        let err = one_line_error(&r);
        assert!(
            r.elapsed < Duration::from_secs(20),
            "{kind}: {:?}",
            r.elapsed
        );
        assert!(err.to_lowercase().contains("timed out"), "{kind}: {err}");
    }
}

#[test]
fn a_refused_connection_says_its_cause_once() {
    // Port 1 on loopback: nothing listens there.
    let r = run(&["tags", "127.0.0.1:1/p2/refused"], 30);
    let err = one_line_error(&r);
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    assert!(
        err.starts_with("arbor: error: tags of 127.0.0.1:1/p2/refused: "),
        "{err}"
    );
}

#[test]
fn a_registry_that_never_answers_costs_the_deadline_once() {
    let h = hostile_dist();
    let repo = unique_repo("p2/hang");
    h.seed(&repo);
    h.set(&repo, serde_json::json!({"hang": ["manifests"]}));
    let r = run(
        &["--timeout", "3", "fetch", &format!("{}:v1", h.repo(&repo))],
        30,
    );
    let err = one_line_error(&r);
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    assert_eq!(
        err.matches("timed out").count(),
        1,
        "the cause said once: {err}"
    );
}

// ---- 4. 429 ----

#[test]
fn rate_limited_requests_are_retried_after_retry_after() {
    let h = hostile_dist();
    let repo = unique_repo("p2/429");
    h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"rate_limit": 2, "retry_after": "1"}),
    );
    let r = run(&["tags", &h.repo(&repo)], 60);
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert!(stdout(&r.out).lines().any(|l| l == "v1"));
    // Each wait is said on stderr as it starts.
    let waits = stderr(&r.out)
        .lines()
        .filter(|l| l.starts_with("arbor: rate limited, retrying in 1."))
        .count();
    assert_eq!(waits, 2, "{}", stderr(&r.out));
    let st = h.stats(&repo);
    let log = st["log"].as_array().unwrap();
    assert_eq!(log.len(), 3, "two refusals, one success: {st}");
    // Each retry waited at least the Retry-After second.
    let t: Vec<i64> = log.iter().map(|e| e["t_ms"].as_i64().unwrap()).collect();
    assert!(t[1] - t[0] >= 900 && t[2] - t[1] >= 900, "{t:?}");
}

// ---- 5. bounds on entries ----

#[test]
fn endless_tag_pages_are_bounded_in_time_and_memory() {
    let h = hostile_dist();
    let repo = unique_repo("p2/endless-tags");
    h.set(&repo, serde_json::json!({"endless": ["tags"]}));
    let r = run(&["tags", &h.repo(&repo)], 60);
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    assert!(r.max_rss_kib < 200 * 1024, "peak RSS {} KiB", r.max_rss_kib);
    assert_terminal_safe(&r.out.stderr, "stderr");
    // Stopped at the default cap, and said so: never a silently shortened list.
    let err = one_line_error(&r);
    assert!(
        err.contains("more than 100000 entries") && err.contains("--max-tags"),
        "{err}"
    );
    let r = run(&["--max-tags", "2500", "tags", &h.repo(&repo)], 60);
    let err = one_line_error(&r);
    assert!(err.contains("more than 2500 entries"), "{err}");
}

#[test]
fn discover_does_not_follow_endless_tags_for_its_cosign_lookup() {
    let h = hostile_dist();
    let repo = unique_repo("p2/endless-cosign");
    let s = h.seed(&repo);
    h.set(&repo, serde_json::json!({"endless": ["tags"]}));
    let r = run(
        &["discover", &format!("{}@{}", h.repo(&repo), s.subject)],
        60,
    );
    assert!(r.elapsed < Duration::from_secs(10), "{:?}", r.elapsed);
    assert!(r.max_rss_kib < 200 * 1024, "peak RSS {} KiB", r.max_rss_kib);
    // Best effort, and said: the graph is shown, the cosign lookup's stop is noted.
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert!(
        stderr(&r.out).contains("note: cosign tags not looked up")
            && stderr(&r.out).contains("--max-tags"),
        "{}",
        stderr(&r.out)
    );
}

#[test]
fn endless_referrer_pages_and_catalog_are_bounded_by_entries() {
    let h = hostile_refs();
    let repo = unique_repo("p2/endless-refs");
    let s = h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"endless": ["referrers"], "endless_page": 1000}),
    );
    let r = run(
        &[
            "discover",
            "--depth",
            "1",
            &format!("{}@{}", h.repo(&repo), s.subject),
        ],
        60,
    );
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    assert!(r.max_rss_kib < 200 * 1024, "peak RSS {} KiB", r.max_rss_kib);
    h.set("_catalog", serde_json::json!({"endless": ["catalog"]}));
    let r = run(&["repos", &h.addr], 60);
    h.clear("_catalog");
    assert!(r.elapsed < Duration::from_secs(20), "{:?}", r.elapsed);
    assert!(r.max_rss_kib < 200 * 1024, "peak RSS {} KiB", r.max_rss_kib);
}

// q, ctrl-c, SIGTERM and SIGHUP while endless tags load: tests/tui_tmux.rs
// (quit_keys_and_signals_work_while_endless_tags_load), with the other tmux tests.

// ---- 6. deep chains ----

#[test]
fn a_4200_deep_chain_tree_does_not_overflow_the_stack() {
    let h = hostile_refs();
    let repo = unique_repo("p2/chain4200");
    h.set(&repo, serde_json::json!({"chain_depth": 4200}));
    let r = run(&["discover", &format!("{}:chain", h.repo(&repo))], 120);
    assert_eq!(r.out.status.code(), Some(0), "{}", stderr(&r.out));
    assert!(
        stdout(&r.out).contains("depth limit"),
        "a visible depth-limit marker"
    );
    assert!(r.out.stdout.len() < 1 << 20, "{} bytes", r.out.stdout.len());
}

#[test]
fn a_10000_deep_chain_is_bounded_in_json_and_in_the_delete_plan() {
    let h = hostile_refs();
    let repo = unique_repo("p2/chain10000");
    h.set(&repo, serde_json::json!({"chain_depth": 10000}));
    let reference = format!("{}:chain", h.repo(&repo));
    let r = run(&["discover", "--format", "json", &reference], 120);
    assert_eq!(r.out.status.code(), Some(0), "{}", stderr(&r.out));
    assert!(
        r.out.stdout.len() < 8 << 20,
        "JSON of {} bytes",
        r.out.stdout.len()
    );
    assert!(r.max_rss_kib < 300 * 1024, "peak RSS {} KiB", r.max_rss_kib);
    let r = run(&["delete", "--cascade", "--dry-run", &reference], 120);
    assert!(r.out.status.code().is_some());
    assert!(
        r.out.stdout.len() < 8 << 20,
        "plan of {} bytes",
        r.out.stdout.len()
    );
    // Going deeper is asked for explicitly, and then works without a stack overflow.
    let r = run(
        &[
            "discover", "--depth", "10000", "--format", "json", &reference,
        ],
        300,
    );
    assert_eq!(r.out.status.code(), Some(0), "{}", stderr(&r.out));
}

// ---- 2. credentials stay on their origin ----

#[test]
fn a_link_to_another_origin_gets_no_credentials() {
    let h = hostile_dist();
    let repo = unique_repo("p2/link");
    h.seed(&repo);
    let pw = "p2-link-password";
    h.set(
        &repo,
        serde_json::json!({"auth": "basic", "user": "arbor", "password": pw, "cross_origin": ["link"]}),
    );
    let out = run_with_stdin(
        arbor().args(["tags", "-u", "arbor", "--password-stdin", &h.repo(&repo)]),
        pw,
    );
    let c = h.collected(&repo);
    assert_eq!(
        c["with_authorization"], 0,
        "credentials crossed origin: {c}"
    );
    // A listing has no business continuing on another server: refused, not followed.
    assert_eq!(c["requests"], 0, "followed the link: {c}");
    assert!(
        stderr(&out).contains("the next page is on another server"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_upload_location_on_another_origin_gets_no_credentials() {
    let h = hostile_dist();
    let repo = unique_repo("p2/location");
    h.seed(&repo);
    let pw = "p2-location-password";
    h.set(
        &repo,
        serde_json::json!({"auth": "basic", "user": "arbor", "password": pw, "cross_origin": ["location"]}),
    );
    let f = files_dir();
    let _ = run_with_stdin(
        arbor().current_dir(f.path()).args([
            "attach",
            "-u",
            "arbor",
            "--password-stdin",
            "--artifact-type",
            "application/vnd.p2",
            &format!("{}:v1", h.repo(&repo)),
            "readme.md:text/markdown",
        ]),
        pw,
    );
    let c = h.collected(&repo);
    assert_eq!(
        c["with_authorization"], 0,
        "credentials crossed origin: {c}"
    );
}
