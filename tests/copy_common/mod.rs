//! The graph every copy test moves, built with the real tools: a two-platform OCI index with a
//! buildx-style attestation entry, signed with cosign in tag mode and in OCI 1.1 mode and with
//! notation, an SPDX SBOM attached with oras and signed with notation, and a notation signature
//! on a platform manifest. And the checks a copy must pass on its destination: oras discover
//! equals the source's, cosign and notation verify, fallback indexes list exactly what exists.
#![allow(dead_code)]
use crate::common::scenario::{attach_sbom, crane_digest};
use crate::common::signers::{cosign_sign, notation_cmd, notation_sign, signer_home};
use crate::common::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Output;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// Digests of the signed graph.
#[derive(Debug, Clone)]
pub struct Signed {
    pub index: String,
    pub amd64: String,
    pub arm64: String,
    pub attestation: String,
    pub cosign_tag_sig: String,
    pub sbom: String,
}

/// An OCI image manifest with one config and `layers` (pushed with curl); its digest and size.
fn push_oci_image(
    reg: &str,
    repo: &str,
    config: &[u8],
    layers: &[(&str, Vec<u8>)],
) -> (String, usize) {
    let config_digest = push_blob(reg, repo, config);
    let layers: Vec<Value> = layers
        .iter()
        .map(|(mt, data)| json!({"mediaType": mt, "digest": push_blob(reg, repo, data), "size": data.len()}))
        .collect();
    put_by_digest(
        reg,
        repo,
        OCI_MANIFEST,
        &json!({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
            "layers": layers,
        }),
    )
}

/// Deterministic bytes that do not compress to nothing.
pub fn filler(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = sha256(seed.as_bytes()).into_bytes();
    while out.len() < len {
        block = sha256(&block).into_bytes();
        out.extend_from_slice(&block);
    }
    out.truncate(len);
    out
}

/// Builds the signed graph in `reg/repo` (tag `v1` on the index).
pub fn build_signed(reg: &str, repo: &str) -> Signed {
    let layer = "application/vnd.oci.image.layer.v1.tar";
    let shared = filler("shared base layer", 3 * 1024 * 1024 + 17);
    let mut platforms = Vec::new();
    for arch in ["amd64", "arm64"] {
        let config = format!(
            r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}}}}"#
        );
        let own = filler(arch, 70_000);
        platforms.push(push_oci_image(
            reg,
            repo,
            config.as_bytes(),
            &[(layer, shared.clone()), (layer, own)],
        ));
    }
    let (amd64, arm64) = (platforms[0].clone(), platforms[1].clone());
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v0.1","subject":[{{"name":"pkg:docker/app","digest":{{"sha256":"{}"}}}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{{}}}}"#,
        amd64.0.trim_start_matches("sha256:")
    );
    let (attestation, att_size) = push_oci_image(
        reg,
        repo,
        br#"{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}"#,
        &[("application/vnd.in-toto+json", statement.into_bytes())],
    );
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": amd64.0, "size": amd64.1, "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": OCI_MANIFEST, "digest": arm64.0, "size": arm64.1, "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            {"mediaType": OCI_MANIFEST, "digest": attestation, "size": att_size, "platform": {"architecture": "unknown", "os": "unknown"},
             "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": amd64.0}}
        ]
    }))
    .expect("json");
    put_manifest(reg, repo, "v1", OCI_INDEX, &index);
    let index = sha256(&index);
    let subject = format!("{reg}/{repo}@{index}");

    cosign_sign(&subject, false);
    let cosign_tag_sig = crane_digest(&format!("{reg}/{repo}:sha256-{}.sig", &index[7..]));
    cosign_sign(&subject, true);
    notation_sign(&subject);
    let sbom = attach_sbom(reg, repo, &index);
    notation_sign(&format!("{reg}/{repo}@{sbom}"));
    notation_sign(&format!("{reg}/{repo}@{}", amd64.0));
    Signed {
        index,
        amd64: amd64.0,
        arm64: arm64.0,
        attestation,
        cosign_tag_sig,
        sbom,
    }
}

/// `notation verify` with a trust policy that trusts the signer's test certificate.
pub fn notation_verify(reference: &str) -> Output {
    let policy = signer_home().join(".config/notation/trustpolicy.json");
    if !policy.exists() {
        let doc = json!({"version": "1.0", "trustPolicies": [{
            "name": "arbor-copy", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"},
            "trustStores": ["ca:arbor.inspect"], "trustedIdentities": ["*"]
        }]});
        std::fs::write(&policy, serde_json::to_vec_pretty(&doc).expect("json")).expect("policy");
    }
    notation_cmd()
        .args(["verify", "--insecure-registry"])
        .arg(reference)
        .output()
        .expect("notation")
}

/// `cosign verify` against the test key: tag-mode signatures, or with `oci11` the OCI 1.1 ones.
pub fn cosign_verify(reference: &str, oci11: bool) -> Output {
    let home = signer_home();
    let mut c = crate::common::signers::tool(home, "ARBOR_TEST_COSIGN");
    c.current_dir(home).args([
        "verify",
        "--key",
        "cosign.pub",
        "--insecure-ignore-tlog=true",
        "--allow-http-registry",
        "--allow-insecure-registry",
    ]);
    if oci11 {
        c.env("COSIGN_EXPERIMENTAL", "1")
            .arg("--experimental-oci11");
    }
    c.arg(reference).output().expect("cosign")
}

/// Both cosign signatures and the notation signatures of index, SBOM and amd64 verify at
/// `reg/repo` (a layout: notation only, with `--oci-layout`).
pub fn assert_signatures_verify(reg: &str, repo: &str, s: &Signed) {
    let at = |d: &str| format!("{reg}/{repo}@{d}");
    for oci11 in [false, true] {
        let out = cosign_verify(&at(&s.index), oci11);
        assert!(
            out.status.success(),
            "cosign verify (oci11={oci11}) of {}: {}",
            at(&s.index),
            stderr(&out)
        );
    }
    for d in [&s.index, &s.sbom, &s.amd64] {
        let out = notation_verify(&at(d));
        assert!(
            out.status.success(),
            "notation verify {}: {}{}",
            at(d),
            stdout(&out),
            stderr(&out)
        );
    }
}

/// `oras discover --format json` of `name@digest` (`reg/repo`, or with `layout` a directory),
/// with referrers sorted at every level and `name` replaced by `NAME`.
pub fn oras_graph(name: &str, digest: &str, layout: bool) -> Value {
    let reference = format!("{name}@{digest}");
    let mut c = oras();
    c.args(["discover", "--format", "json"]);
    if layout {
        c.arg("--oci-layout");
    } else {
        c.arg("--plain-http");
    }
    let v = json(&run_ok(c.arg(reference)));
    strip(&rehost(&normalise_deep(&v), name, "NAME"))
}

/// [`normalise`] at every level.
fn normalise_deep(v: &Value) -> Value {
    let mut v = normalise(v);
    if let Some(Value::Array(refs)) = v.get_mut("referrers") {
        for r in refs.iter_mut() {
            *r = normalise_deep(r);
        }
    }
    v
}

/// Drops what differs by where a graph is read from, not by what it is: the root's annotations
/// (oras shows a layout's `ref.name` there).
fn strip(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("annotations");
    }
    v
}

/// Every `sha256-<hex>` tag of `reg/repo` names an existing subject and lists only existing
/// manifests whose `subject` is that digest, and every referrer reachable by oras is listed.
pub fn assert_fallback_consistent(reg: &str, repo: &str) {
    let tags: Vec<String> = serde_json::from_value(
        json(&run_ok(
            arbor()
                .args(["tags", "--all", "--format", "json"])
                .arg(format!("{reg}/{repo}")),
        ))["tags"]
            .clone(),
    )
    .expect("tags");
    for t in tags
        .iter()
        .filter(|t| t.starts_with("sha256-") && !t.contains('.'))
    {
        let subject = format!("sha256:{}", &t[7..]);
        assert!(
            manifest_exists(reg, repo, &subject),
            "{t}: subject {subject} missing"
        );
        let idx: Value = crane_manifest(&format!("{reg}/{repo}:{t}"));
        for e in idx["manifests"].as_array().expect("manifests") {
            let d = e["digest"].as_str().expect("digest");
            let m: Value = crane_manifest(&format!("{reg}/{repo}@{d}"));
            assert_eq!(m["subject"]["digest"], subject.as_str(), "{t} lists {d}");
        }
    }
}

/// True when `reg/repo@digest` answers a manifest HEAD with 200.
pub fn manifest_exists(reg: &str, repo: &str, digest: &str) -> bool {
    let out = std::process::Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-I", "-H"])
        .arg(format!("Accept: {OCI_MANIFEST}, {OCI_INDEX}, application/vnd.docker.distribution.manifest.v2+json"))
        .arg(format!("http://{reg}/v2/{repo}/manifests/{digest}"))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout) == "200"
}

/// `arbor cp` with `args`; its output.
pub fn arbor_cp(args: &[&str]) -> Output {
    run_ok(arbor().arg("cp").args(args))
}

/// An empty directory for a layout.
pub fn layout_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("arbor-cp-layout")
        .tempdir()
        .expect("tempdir")
}

/// Every blob file of a layout.
pub fn layout_blobs(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("blobs/sha256"))
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// After an interrupted copy of `s` into `reg/dst` (tag `v1`): no tag points at a missing
/// manifest, `v1` is not written yet, no referrer is there without its subject and no index
/// without its entries.
pub fn assert_interrupted_copy_consistent(reg: &str, dst: &str, s: &Signed) {
    // A repository with no tag yet answers the tag list with 404.
    let tags = stdout(
        &arbor()
            .args(["tags", "--all"])
            .arg(format!("{reg}/{dst}"))
            .output()
            .expect("arbor tags"),
    );
    for t in tags.lines() {
        let d = crane_digest(&format!("{reg}/{dst}:{t}"));
        assert!(
            manifest_exists(reg, dst, d.trim()),
            "tag {t} -> missing {d}"
        );
    }
    assert!(
        !tags.lines().any(|t| t == "v1"),
        "the tag is written last: {tags}"
    );
    for d in [
        &s.index,
        &s.amd64,
        &s.arm64,
        &s.attestation,
        &s.sbom,
        &s.cosign_tag_sig,
    ] {
        if !manifest_exists(reg, dst, d) {
            continue;
        }
        let m: Value = crane_manifest(&format!("{reg}/{dst}@{d}"));
        if let Some(subject) = m["subject"]["digest"].as_str() {
            assert!(
                manifest_exists(reg, dst, subject),
                "{d} is there without its subject {subject}"
            );
        }
        for c in m["manifests"].as_array().into_iter().flatten() {
            let c = c["digest"].as_str().expect("digest");
            assert!(
                manifest_exists(reg, dst, c),
                "index {d} is there without its entry {c}"
            );
        }
    }
}
