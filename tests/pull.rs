//! `arbor pull` against real registries: bytes as pushed, as `oras pull` writes them, and
//! hostile titles, links, corrupt blobs and cancellation leaving nothing behind.
mod common;
use arbor::pull::{pull, NoProgress, PullError, PullOptions, PullProgress};
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use common::*;
use std::path::Path;
use std::process::{Command, Stdio};

fn pull_cmd(reference: &str, out: &Path) -> Command {
    let mut c = arbor();
    c.args(["pull", "-o"]).arg(out).arg(reference);
    c
}

/// Deterministic, incompressible-looking bytes (xorshift), quick to make.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut v = Vec::with_capacity(len + 8);
    while v.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.extend_from_slice(&x.to_le_bytes());
    }
    v.truncate(len);
    v
}

fn store(reg: &str) -> RegistryStore {
    RegistryStore::new(
        reg,
        &ClientOptions {
            plain_http: Some(true),
            ..Default::default()
        },
        ReferrersMode::Auto,
    )
    .expect("store")
}

#[test]
fn pull_writes_the_walkthrough_readme_files_byte_for_byte() {
    let h = harness();
    let repo = unique_repo("pull-readme");
    let w = seed_walkthrough(&h.dist(), &repo);
    let out = tempfile::tempdir().expect("tempdir");
    // An existing file is replaced, as oras does.
    std::fs::write(out.path().join("readme.md"), "stale\n").expect("write");
    let o = run_ok(&mut pull_cmd(
        &format!("{}/{repo}@{}", h.dist(), w.readme),
        out.path(),
    ));
    let files = files_dir();
    let tree = read_tree(out.path());
    assert_eq!(
        tree.keys().collect::<Vec<_>>(),
        ["details.md", "readme.md"],
        "{tree:?}"
    );
    for name in ["readme.md", "details.md"] {
        assert_eq!(
            tree[name],
            std::fs::read(files.path().join(name)).expect("read"),
            "{name}"
        );
    }
    let text = stdout(&o);
    assert!(
        text.contains("Downloaded readme.md") && text.contains(&format!("Digest: {}", w.readme)),
        "{text}"
    );
}

#[test]
fn pull_writes_what_oras_pull_writes_including_subdirectories() {
    let h = harness();
    let repo = unique_repo("pull-oras");
    let src = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(src.path().join("docs/deep")).expect("mkdir");
    std::fs::write(src.path().join("top.bin"), noise(300_000, 7)).expect("write");
    std::fs::write(src.path().join("docs/deep/inner.txt"), "inner\n").expect("write");
    std::fs::write(src.path().join("empty.txt"), "").expect("write");
    let reference = format!("{}/{repo}:v1", h.dist());
    run_ok(
        oras()
            .current_dir(src.path())
            .args([
                "push",
                "--plain-http",
                "--artifact-type",
                "application/vnd.arbor.test",
            ])
            .arg(&reference)
            .args(["top.bin", "docs/deep/inner.txt", "empty.txt"]),
    );
    let ours = tempfile::tempdir().expect("tempdir");
    let theirs = tempfile::tempdir().expect("tempdir");
    run_ok(&mut pull_cmd(&reference, ours.path()));
    run_ok(
        oras()
            .args(["pull", "--plain-http", "-o"])
            .arg(theirs.path())
            .arg(&reference),
    );
    let tree = read_tree(ours.path());
    assert_eq!(tree, read_tree(theirs.path()));
    assert_eq!(tree.len(), 3, "{:?}", tree.keys());
    assert_eq!(tree["docs/deep/inner.txt"], b"inner\n");
}

#[test]
fn pull_from_an_oci_layout_source() {
    let src = tempfile::tempdir().expect("tempdir");
    std::fs::write(src.path().join("hello.txt"), "hello layout\n").expect("write");
    let layout = src.path().join("layout");
    run_ok(
        oras()
            .current_dir(src.path())
            .args(["push", "--oci-layout"])
            .arg(format!("{}:v1", layout.display()))
            .arg("hello.txt"),
    );
    let out = src.path().join("out");
    run_ok(
        arbor()
            .args(["pull", "--oci-layout"])
            .arg(&layout)
            .arg("v1")
            .arg("-o")
            .arg(&out),
    );
    assert_eq!(
        std::fs::read(out.join("hello.txt")).expect("read"),
        b"hello layout\n"
    );
}

#[test]
fn pull_refuses_titles_that_leave_the_output_directory_and_writes_nothing() {
    let h = harness();
    let repo = unique_repo("pull-evil");
    let parent = tempfile::tempdir().expect("tempdir");
    let abs = parent.path().join("abs-evil");
    let abs_title = abs.to_string_lossy().into_owned();
    for (i, title) in [
        "../evil",
        abs_title.as_str(),
        "a/../../x",
        "a/./b",
        "",
        "..\\evil",
        "ok/../../../../tmp/evil",
    ]
    .iter()
    .enumerate()
    {
        let tag = format!("t{i}");
        // A harmless file first: validation must refuse the artifact before writing it.
        push_titled_artifact(
            &h.dist(),
            &repo,
            &tag,
            &[(Some("fine.txt"), b"fine\n"), (Some(title), b"evil\n")],
        );
        let out = parent.path().join("out");
        let o = pull_cmd(&format!("{}/{repo}:{tag}", h.dist()), &out)
            .output()
            .expect("spawn");
        assert!(!o.status.success(), "{title:?} was pulled");
        let err = stderr(&o);
        assert!(
            err.contains("refusing file title") && err.contains(&format!("{title:?}")),
            "{title:?}: {err}"
        );
        assert!(
            err.contains(&format!("{repo}:{tag}")),
            "names the reference: {err}"
        );
        // Nothing at all: not the output directory, not the harmless file, nothing beside it.
        assert!(
            read_tree(parent.path()).is_empty() && !out.exists(),
            "{title:?}: {:?}",
            read_tree(parent.path())
        );
        assert!(!abs.exists());
    }
}

#[test]
fn pull_refuses_to_write_through_symlinks_in_the_output_directory() {
    let h = harness();
    let repo = unique_repo("pull-link");
    let elsewhere = tempfile::tempdir().expect("tempdir");
    std::fs::write(elsewhere.path().join("target.txt"), "precious\n").expect("write");
    let out = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(elsewhere.path(), out.path().join("link")).expect("symlink");
    std::os::unix::fs::symlink(
        elsewhere.path().join("target.txt"),
        out.path().join("target.txt"),
    )
    .expect("symlink");
    let before = read_tree(out.path());
    for (tag, title) in [
        ("dir", "link/file"),
        ("deeper", "link/sub/file"),
        ("target", "target.txt"),
    ] {
        push_titled_artifact(
            &h.dist(),
            &repo,
            tag,
            &[(Some("fine.txt"), b"fine\n"), (Some(title), b"evil\n")],
        );
        let o = pull_cmd(&format!("{}/{repo}:{tag}", h.dist()), out.path())
            .output()
            .expect("spawn");
        assert!(!o.status.success(), "{title} was pulled");
        let err = stderr(&o);
        assert!(
            err.contains("symbolic link") && err.contains(title),
            "{err}"
        );
        assert_eq!(read_tree(out.path()), before, "{title}");
        assert_eq!(
            read_tree(elsewhere.path()).into_iter().collect::<Vec<_>>(),
            [("target.txt".to_string(), b"precious\n".to_vec())]
        );
    }
}

#[test]
fn pull_rejects_a_corrupted_blob_and_leaves_no_file() {
    let h = harness();
    let repo = unique_repo("pull-corrupt");
    push_titled_artifact(
        &h.dist(),
        &repo,
        "v1",
        &[(Some("data.bin"), &noise(1 << 20, 3))],
    );
    fault(&h.fault_dist(), &repo, Some(r#"{"corrupt_blob":true}"#));
    let out = tempfile::tempdir().expect("tempdir");
    std::fs::write(out.path().join("data.bin"), "old\n").expect("write");
    let o = pull_cmd(&format!("{}/{repo}:v1", h.fault_dist()), out.path())
        .output()
        .expect("spawn");
    fault(&h.fault_dist(), &repo, None);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("digest mismatch") && err.contains("data.bin"),
        "{err}"
    );
    // The old file is untouched and no temp file is left.
    assert_eq!(
        read_tree(out.path()).into_iter().collect::<Vec<_>>(),
        [("data.bin".to_string(), b"old\n".to_vec())]
    );
}

#[test]
fn pull_skips_files_without_a_title_with_a_note() {
    let h = harness();
    let repo = unique_repo("pull-untitled");
    push_titled_artifact(
        &h.dist(),
        &repo,
        "v1",
        &[(None, b"anonymous\n"), (Some("named.txt"), b"named\n")],
    );
    let out = tempfile::tempdir().expect("tempdir");
    let o = run_ok(&mut pull_cmd(
        &format!("{}/{repo}:v1", h.dist()),
        out.path(),
    ));
    assert!(
        stderr(&o).contains("skipped") && stderr(&o).contains("org.opencontainers.image.title"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        read_tree(out.path()).into_iter().collect::<Vec<_>>(),
        [("named.txt".to_string(), b"named\n".to_vec())]
    );
}

#[test]
fn pull_streams_a_64_mib_blob_and_verifies_it() {
    let h = harness();
    let repo = unique_repo("pull-big");
    let src = tempfile::tempdir().expect("tempdir");
    let data = noise(64 << 20, 11);
    std::fs::write(src.path().join("big.bin"), &data).expect("write");
    let reference = format!("{}/{repo}:v1", h.dist());
    run_ok(
        oras()
            .current_dir(src.path())
            .args(["push", "--plain-http"])
            .arg(&reference)
            .arg("big.bin"),
    );
    let out = tempfile::tempdir().expect("tempdir");
    run_ok(&mut pull_cmd(&reference, out.path()));
    let got = std::fs::read(out.path().join("big.bin")).expect("read");
    assert_eq!(got.len(), data.len());
    assert_eq!(sha256(&got), sha256(&data));
    assert_eq!(read_tree(out.path()).len(), 1);
}

/// Cancels the pull as soon as the first bytes arrive.
struct CancelOnFirstBytes(tokio_util::sync::CancellationToken);
impl PullProgress for CancelOnFirstBytes {
    fn advanced(&self, _index: usize, _done: u64) {
        self.0.cancel();
    }
}

#[tokio::test]
async fn cancelled_pull_returns_cancelled_and_leaves_no_partial_file() {
    let h = harness();
    let repo = unique_repo("pull-cancel");
    push_titled_artifact(
        &h.dist(),
        &repo,
        "v1",
        &[
            (Some("a/one.bin"), &noise(8 << 20, 5)),
            (Some("two.bin"), &noise(8 << 20, 6)),
        ],
    );
    let parent = tempfile::tempdir().expect("tempdir");
    let out = parent.path().join("out");
    let opts = PullOptions::default();
    let s = store(&h.dist());
    let r = pull(
        &s,
        &repo,
        "v1",
        &out,
        &opts,
        &CancelOnFirstBytes(opts.cancel.clone()),
    )
    .await;
    assert!(matches!(r, Err(PullError::Cancelled { .. })), "{r:?}");
    // The directories it created are gone too.
    assert!(read_tree(parent.path()).is_empty() && !out.exists());
    // And the same pull, uncancelled, works.
    let report = pull(&s, &repo, "v1", &out, &PullOptions::default(), &NoProgress)
        .await
        .expect("pull");
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.bytes, 16 << 20);
    assert_eq!(
        std::fs::read(out.join("a/one.bin")).expect("read"),
        noise(8 << 20, 5)
    );
}

#[test]
fn ctrl_c_during_pull_removes_temp_files() {
    let h = harness();
    let repo = unique_repo("pull-sigint");
    push_titled_artifact(
        &h.dist(),
        &repo,
        "v1",
        &[(Some("slow.bin"), &noise(1 << 20, 9))],
    );
    // Every request waits: the temp file exists while the blob request hangs.
    fault(&h.fault_dist(), &repo, Some(r#"{"delay_ms":1500}"#));
    let out = tempfile::tempdir().expect("tempdir");
    let child = pull_cmd(&format!("{}/{repo}:v1", h.fault_dist()), out.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while read_tree(out.path()).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no temp file appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        read_tree(out.path())
            .keys()
            .all(|k| k.ends_with(".partial")),
        "{:?}",
        read_tree(out.path()).keys()
    );
    run_ok(Command::new("kill").args(["-INT", &child.id().to_string()]));
    let o = child.wait_with_output().expect("wait");
    fault(&h.fault_dist(), &repo, None);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("cancelled"), "{}", stderr(&o));
    assert!(
        read_tree(out.path()).is_empty(),
        "{:?}",
        read_tree(out.path()).keys()
    );
}
