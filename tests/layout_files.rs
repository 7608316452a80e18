//! OCI layouts whose files are not what they claim: a FIFO or `/dev/zero` where a blob or
//! index.json should be. arbor refuses them at once instead of blocking or reading forever.
mod common;
use common::hostile::run_bounded;
use common::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A layout with one image tagged v1 (config `{}`, one layer titled hello.txt); returns
/// (dir, manifest blob path, layer blob path).
fn layout() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let blobs = d.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    let put = |data: &[u8]| {
        let digest = sha256(data);
        let p = blobs.join(digest.trim_start_matches("sha256:"));
        std::fs::write(&p, data).unwrap();
        (digest, p)
    };
    let (config, _) = put(b"{}");
    let (layer, layer_path) = put(b"hello\n");
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.arbor.test",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "text/plain", "digest": layer, "size": 6,
                    "annotations": {"org.opencontainers.image.title": "hello.txt"}}],
    })
    .to_string();
    let (mdigest, mpath) = put(manifest.as_bytes());
    std::fs::write(
        d.path().join("oci-layout"),
        r#"{"imageLayoutVersion":"1.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        d.path().join("index.json"),
        serde_json::json!({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": mdigest,
            "size": manifest.len(), "annotations": {"org.opencontainers.image.ref.name": "v1"}}]})
        .to_string(),
    )
    .unwrap();
    (d, mpath, layer_path)
}

fn mkfifo(p: &Path) {
    let _ = std::fs::remove_file(p);
    let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

fn arbor_on(dir: &Path, args: &[&str]) -> common::hostile::Bounded {
    let mut c = arbor();
    c.arg("--oci-layout").arg(dir).args(args);
    let r = run_bounded(&mut c, Duration::from_secs(20));
    assert!(
        !r.killed,
        "arbor {args:?} still running after 20 s: it blocked on a file"
    );
    r
}

#[test]
fn the_layout_reads_normally() {
    let (d, _, _) = layout();
    let r = arbor_on(d.path(), &["tags"]);
    assert_eq!(stdout(&r.out), "v1\n", "{}", stderr(&r.out));
    let out = tempfile::tempdir().unwrap();
    let r = arbor_on(
        d.path(),
        &["pull", "v1", "-o", out.path().to_str().unwrap()],
    );
    assert!(r.out.status.success(), "{}", stderr(&r.out));
    assert_eq!(
        std::fs::read(out.path().join("hello.txt")).unwrap(),
        b"hello\n"
    );
}

#[test]
fn a_fifo_manifest_blob_is_refused_not_waited_on() {
    let (d, manifest, _) = layout();
    mkfifo(&manifest);
    let r = arbor_on(d.path(), &["fetch", "v1"]);
    assert_eq!(r.out.status.code(), Some(1));
    let err = stderr(&r.out);
    assert!(err.contains("not a regular file"), "{err}");
    // The referrers scan passes over it too.
    let r = arbor_on(d.path(), &["discover", "--format", "json", "v1"]);
    assert!(
        stderr(&r.out).contains("not a regular file"),
        "{}",
        stderr(&r.out)
    );
}

#[test]
fn a_layer_blob_linked_to_dev_zero_is_refused() {
    let (d, _, layer) = layout();
    std::fs::remove_file(&layer).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &layer).unwrap();
    let out = tempfile::tempdir().unwrap();
    let r = arbor_on(
        d.path(),
        &["pull", "v1", "-o", out.path().to_str().unwrap()],
    );
    assert_eq!(r.out.status.code(), Some(1));
    assert!(
        stderr(&r.out).contains("not a regular file"),
        "{}",
        stderr(&r.out)
    );
    assert!(r.max_rss_kib < 100 * 1024, "peak RSS {} KiB", r.max_rss_kib);
}

#[test]
fn a_fifo_index_is_refused_not_waited_on() {
    let (d, _, _) = layout();
    mkfifo(&d.path().join("index.json"));
    let r = arbor_on(d.path(), &["tags"]);
    assert_eq!(r.out.status.code(), Some(1));
    assert!(
        stderr(&r.out).contains("not a regular file"),
        "{}",
        stderr(&r.out)
    );
}
