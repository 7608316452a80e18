//! Shared by the TUI tests: a small OCI layout like the demo, and a store wrapper that
//! delays or fails calls around the real LayoutStore (not a mock registry).
#![allow(dead_code)]
use arbor::layout::LayoutStore;
use arbor::oci::{media, Descriptor, Digest};
use arbor::store::{
    ByteStream, FetchedManifest, Page, Referrers, ReferrersSource, Result, Store, StoreError,
    StoreInfo,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn put(dir: &Path, bytes: &[u8]) -> Digest {
    let d = Digest::sha256_of(bytes);
    let p = dir.join("blobs/sha256").join(d.hex());
    std::fs::write(p, bytes).expect("write blob");
    d
}

fn put_json(dir: &Path, v: &Value) -> (Digest, i64) {
    let b = serde_json::to_vec(v).expect("json");
    (put(dir, &b), b.len() as i64)
}

fn desc(mt: &str, d: &Digest, size: i64) -> Value {
    json!({"mediaType": mt, "digest": d.to_string(), "size": size})
}

fn image(dir: &Path, arch: &str, created: &str) -> (Digest, i64) {
    let (cd, cs) = put_json(
        dir,
        &json!({"created": created, "architecture": arch, "os": "linux", "config": {"Cmd": ["/net-monitor"]}, "rootfs": {"type": "layers", "diff_ids": []}}),
    );
    let layer = format!("net-monitor binary for {arch}");
    let ld = put(dir, layer.as_bytes());
    put_json(
        dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_MANIFEST, "config": desc(media::OCI_CONFIG, &cd, cs),
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld.to_string(), "size": layer.len(), "annotations": {media::ANN_TITLE: "net-monitor"}}],
        "annotations": {media::ANN_CREATED: created}}),
    )
}

fn artifact(
    dir: &Path,
    at: &str,
    subject: (&Digest, i64, &str),
    body: &str,
    title: &str,
    created: &str,
) -> (Digest, i64) {
    let empty = put(dir, b"{}");
    let ld = put(dir, body.as_bytes());
    put_json(
        dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_MANIFEST, "artifactType": at,
        "config": desc(media::OCI_EMPTY, &empty, 2),
        "layers": [{"mediaType": at, "digest": ld.to_string(), "size": body.len(), "annotations": {media::ANN_TITLE: title}}],
        "subject": desc(subject.2, subject.0, subject.1),
        "annotations": {media::ANN_CREATED: created}}),
    )
}

pub const SIG: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
pub const SBOM: &str = "application/spdx+json";
pub const README: &str = "text/markdown";

/// Writes a layout named `net-monitor` under `parent`: v1 with signature/readme/sbom(+signature),
/// v2 multi-arch index with a signature, a cosign-style hidden tag and one untagged manifest.
pub fn build_layout(parent: &Path) -> PathBuf {
    let dir = parent.join("net-monitor");
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    let t = "2024-05-01T10:00:00Z";
    let (v1, v1s) = image(&dir, "amd64", t);
    let (sig, sigs) = artifact(
        &dir,
        SIG,
        (&v1, v1s, media::OCI_MANIFEST),
        "signature of v1",
        "sig",
        t,
    );
    artifact(
        &dir,
        README,
        (&v1, v1s, media::OCI_MANIFEST),
        "# net-monitor\nreadme",
        "README.md",
        t,
    );
    let (sbom, sboms) = artifact(
        &dir,
        SBOM,
        (&v1, v1s, media::OCI_MANIFEST),
        r#"{"spdxVersion":"SPDX-2.3"}"#,
        "sbom.spdx.json",
        t,
    );
    artifact(
        &dir,
        SIG,
        (&sbom, sboms, media::OCI_MANIFEST),
        "signature of the sbom",
        "sig",
        t,
    );
    let (a, asz) = image(&dir, "amd64", "2024-06-01T10:00:00Z");
    let (b, bsz) = image(&dir, "arm64", "2024-06-01T10:00:00Z");
    let (v2, v2s) = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
        {"mediaType": media::OCI_MANIFEST, "digest": a.to_string(), "size": asz, "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": media::OCI_MANIFEST, "digest": b.to_string(), "size": bsz, "platform": {"os": "linux", "architecture": "arm64"}}]}),
    );
    artifact(
        &dir,
        SIG,
        (&v2, v2s, media::OCI_INDEX),
        "signature of v2",
        "sig",
        t,
    );
    let (old, olds) = image(&dir, "386", "2023-01-01T00:00:00Z");
    let tag = |d: &Digest, s: i64, mt: &str, name: &str| json!({"mediaType": mt, "digest": d.to_string(), "size": s, "annotations": {media::ANN_REF_NAME: name}});
    let index = json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
        tag(&v1, v1s, media::OCI_MANIFEST, "v1"),
        tag(&v2, v2s, media::OCI_INDEX, "v2"),
        tag(&sig, sigs, media::OCI_MANIFEST, &format!("sha256-{}.sig", v1.hex())),
        desc(media::OCI_MANIFEST, &old, olds)]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec_pretty(&index).expect("json"),
    )
    .expect("index");
    dir
}

/// The layout of [`build_layout`] plus what the untagged view offers fixes for: the tag `gone`
/// pointing at a manifest that is not there (a dangling tag), the fallback index of v1 listing
/// its readme and a referrer that is gone (stale: repaired), and the fallback index of a subject
/// that is gone (stale: removed).
pub fn build_fixable_layout(parent: &Path) -> PathBuf {
    let dir = build_layout(parent);
    let index_path = dir.join("index.json");
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(&index_path).expect("index")).expect("json");
    let entries = index["manifests"].as_array().cloned().unwrap_or_default();
    let tag_of = |e: &Value| {
        e["annotations"][media::ANN_REF_NAME]
            .as_str()
            .map(str::to_string)
    };
    let v1: Digest = entries
        .iter()
        .find(|e| tag_of(e).as_deref() == Some("v1"))
        .and_then(|e| e["digest"].as_str())
        .and_then(|d| d.parse().ok())
        .expect("v1");
    // The readme attached to v1, found by its subject and type among the blobs.
    let readme = std::fs::read_dir(dir.join("blobs/sha256"))
        .expect("blobs")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .find_map(|b| {
            let v: Value = serde_json::from_slice(&b).ok()?;
            (v["artifactType"] == README && v["subject"]["digest"] == v1.to_string())
                .then(|| (Digest::sha256_of(&b), b.len() as i64))
        })
        .expect("readme");
    let missing = Digest::sha256_of(b"a referrer deleted by digest");
    let (stale, stale_size) = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
            {"mediaType": media::OCI_MANIFEST, "digest": readme.0.to_string(), "size": readme.1, "artifactType": README},
            {"mediaType": media::OCI_MANIFEST, "digest": missing.to_string(), "size": 500, "artifactType": SIG}]}),
    );
    let gone_subject = Digest::sha256_of(b"a subject deleted by digest");
    let (orphaned, orphaned_size) = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
            {"mediaType": media::OCI_MANIFEST, "digest": missing.to_string(), "size": 500, "artifactType": SIG}]}),
    );
    let named = |d: &Digest, size: i64, mt: &str, name: String| json!({"mediaType": mt, "digest": d.to_string(), "size": size, "annotations": {media::ANN_REF_NAME: name}});
    let mut all = entries;
    all.push(named(
        &stale,
        stale_size,
        media::OCI_INDEX,
        format!("sha256-{}", v1.hex()),
    ));
    all.push(named(
        &orphaned,
        orphaned_size,
        media::OCI_INDEX,
        format!("sha256-{}", gone_subject.hex()),
    ));
    all.push(named(
        &Digest::sha256_of(b"a manifest deleted by digest"),
        321,
        media::OCI_MANIFEST,
        "gone".into(),
    ));
    index["manifests"] = Value::Array(all);
    std::fs::write(
        &index_path,
        serde_json::to_vec_pretty(&index).expect("json"),
    )
    .expect("index");
    dir
}

/// Writes a layout with `n` tags (all pointing at one image): the long-list case.
pub fn build_big_layout(parent: &Path, n: usize) -> PathBuf {
    let dir = parent.join("big");
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    let (d, s) = image(&dir, "amd64", "2024-05-01T10:00:00Z");
    let entries: Vec<Value> = (0..n).map(|i| json!({"mediaType": media::OCI_MANIFEST, "digest": d.to_string(), "size": s, "annotations": {media::ANN_REF_NAME: format!("build-{i:06}")}})).collect();
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": entries})).expect("json"),
    )
    .expect("index");
    dir
}

/// What the wrapper does to calls.
#[derive(Default, Clone)]
pub struct Faults {
    /// Delay before every referrers call.
    pub referrers_delay: Option<Duration>,
    pub fail_referrers: bool,
    pub no_catalog: bool,
    pub manifest_delay: Option<Duration>,
}

/// A real LayoutStore with injected delays/failures, counting manifest calls.
pub struct Wrapped {
    pub inner: LayoutStore,
    pub faults: Faults,
    pub manifest_calls: Arc<AtomicUsize>,
}

impl Wrapped {
    pub fn new(dir: &Path, faults: Faults) -> Wrapped {
        Wrapped {
            inner: LayoutStore::open(dir).expect("layout"),
            faults,
            manifest_calls: Arc::new(AtomicUsize::new(0)),
        }
    }
}

#[async_trait::async_trait]
impl Store for Wrapped {
    fn info(&self) -> StoreInfo {
        self.inner.info()
    }
    async fn repositories(&self, cursor: Option<&str>, n: usize) -> Result<Page> {
        if self.faults.no_catalog {
            return Err(StoreError::Unsupported {
                what: "catalog of test".into(),
                detail: "the registry does not serve /v2/_catalog".into(),
            });
        }
        self.inner.repositories(cursor, n).await
    }
    async fn tags(&self, repo: &str, cursor: Option<&str>, n: usize) -> Result<Page> {
        self.inner.tags(repo, cursor, n).await
    }
    async fn resolve(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        self.inner.resolve(repo, reference).await
    }
    async fn manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest> {
        self.manifest_calls.fetch_add(1, Ordering::SeqCst);
        if let Some(d) = self.faults.manifest_delay {
            tokio::time::sleep(d).await;
        }
        self.inner.manifest(repo, reference).await
    }
    async fn blob_stream(&self, repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        self.inner.blob_stream(repo, desc).await
    }
    async fn referrers(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers> {
        if let Some(d) = self.faults.referrers_delay {
            tokio::time::sleep(d).await;
        }
        if self.faults.fail_referrers {
            return Err(StoreError::Status {
                what: format!("referrers of {subject}"),
                status: 500,
                detail: "injected failure".into(),
            });
        }
        self.inner.referrers(repo, subject, artifact_type).await
    }
    fn referrers_source(&self, repo: &str) -> Option<ReferrersSource> {
        self.inner.referrers_source(repo)
    }
    fn invalidate(&self, repo: &str) {
        self.inner.invalidate(repo)
    }
}

/// Masks digests and times so snapshots stay stable.
pub fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(r"sha256:[0-9a-f]{64}", "sha256:[digest]");
    s.add_filter(r"sha256-[0-9a-f]{64}", "sha256-[digest]");
    s.add_filter(r"\b[0-9a-f]{12}\b", "[short]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]");
    s.add_filter(r"layout /tmp/\S+", "layout [tmp]");
    s.set_prepend_module_to_snapshot(false);
    s
}

/// What tools write, from tests/fixtures/inspect.
fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/inspect")
        .join(name);
    std::fs::read(p).expect("fixture")
}

/// Writes a layout named `decode` with what the describe view decodes and the tree shows as
/// `arbor discover --full` does: image `v1` with a cosign legacy signature (simple signing, no
/// subject, tagged `sha256-<v1>.sig`) and an SPDX referrer (tests/fixtures/inspect/spdx.json);
/// index `multi` with an amd64 platform and a buildx attestation manifest describing it.
pub fn build_decode_layout(parent: &Path) -> PathBuf {
    let dir = parent.join("decode");
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)
        .expect("oci-layout");
    let t = "2024-05-01T10:00:00Z";
    let (v1, v1s) = image(&dir, "amd64", t);
    // cosign's payload, naming this image (the fixture names the image it was made for).
    let payload: Value =
        serde_json::from_slice(&fixture("cosign-simplesigning.json")).expect("json");
    let mut payload = payload;
    payload["critical"]["image"]["docker-manifest-digest"] = json!(v1.to_string());
    payload["critical"]["identity"]["docker-reference"] = json!("localhost/decode");
    let pb = serde_json::to_vec(&payload).expect("json");
    let pd = put(&dir, &pb);
    let (cd, cs) = put_json(
        &dir,
        &json!({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": [pd.to_string()]}}),
    );
    let (sig, sigs) = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_MANIFEST,
        "config": desc(media::OCI_CONFIG, &cd, cs),
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": pd.to_string(), "size": pb.len(),
            "annotations": {"dev.cosignproject.cosign/signature": "MEUCIQDfakefakefakefake"}}]}),
    );
    let spdx = fixture("spdx.json");
    let sd = put(&dir, &spdx);
    let empty = put(&dir, b"{}");
    put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_MANIFEST, "artifactType": SBOM,
        "config": desc(media::OCI_EMPTY, &empty, 2),
        "layers": [{"mediaType": SBOM, "digest": sd.to_string(), "size": spdx.len(), "annotations": {media::ANN_TITLE: "sbom.spdx.json"}}],
        "subject": desc(media::OCI_MANIFEST, &v1, v1s),
        "annotations": {media::ANN_CREATED: t}}),
    );
    let (a, asz) = image(&dir, "amd64", "2024-06-01T10:00:00Z");
    let (att, atts) = image(&dir, "unknown", t);
    let (multi, multis) = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
        {"mediaType": media::OCI_MANIFEST, "digest": a.to_string(), "size": asz, "platform": {"os": "linux", "architecture": "amd64"}},
        {"mediaType": media::OCI_MANIFEST, "digest": att.to_string(), "size": atts, "platform": {"os": "unknown", "architecture": "unknown"},
            "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": a.to_string()}}]}),
    );
    let tag = |d: &Digest, s: i64, mt: &str, name: &str| json!({"mediaType": mt, "digest": d.to_string(), "size": s, "annotations": {media::ANN_REF_NAME: name}});
    let index = json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX, "manifests": [
        tag(&v1, v1s, media::OCI_MANIFEST, "v1"),
        tag(&multi, multis, media::OCI_INDEX, "multi"),
        tag(&sig, sigs, media::OCI_MANIFEST, &format!("sha256-{}.sig", v1.hex()))]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec_pretty(&index).expect("json"),
    )
    .expect("index");
    dir
}

/// The app on a fresh writable copy of [`build_layout`] at `reference`, `w`×`h`, settled; the
/// directory lives as long as the `TempDir`.
pub async fn layout_app(
    reference: Option<&str>,
    w: u16,
    h: u16,
) -> (arbor::tui::harness::Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let opened = arbor::tui::open_layout(&dir, reference, false).expect("open");
    let mut h = arbor::tui::harness::Harness::new(opened, w, h);
    h.settle().await;
    (h, tmp)
}
