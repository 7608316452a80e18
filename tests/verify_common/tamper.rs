//! Signature artifacts found, copied and tampered with as an attacker would: flipped bits,
//! signatures moved onto another subject, payloads naming another digest.
use super::*;

pub fn manifest(reg: &str, repo: &str, reference: &str) -> Value {
    json(&run_ok(
        arbor()
            .args(["fetch"])
            .arg(format!("{reg}/{repo}{reference}")),
    ))
}

pub fn blob(reg: &str, repo: &str, digest: &str) -> Vec<u8> {
    run_ok(
        crane()
            .args(["blob", "--insecure"])
            .arg(format!("{reg}/{repo}@{digest}")),
    )
    .stdout
}

/// The one referrer of `subject` with `artifact_type` in `repo`: its manifest and first file.
pub fn only_referrer(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
) -> (Value, Vec<u8>) {
    let found = referrers(reg, repo, subject, artifact_type);
    assert_eq!(
        found.len(),
        1,
        "{artifact_type} referrers of {subject}: {found:?}"
    );
    let m = manifest(reg, repo, &format!("@{}", found[0]));
    let layer = m["layers"][0]["digest"]
        .as_str()
        .expect("layer")
        .to_string();
    let b = blob(reg, repo, &layer);
    (m, b)
}

/// Attaches `bytes` as a referrer of `subject` with `oras attach` (the tag fallback index is
/// kept as oras keeps it), with the manifest annotations of `like`.
pub fn attach_bytes(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
    media_type: &str,
    bytes: &[u8],
    like: &Value,
) -> String {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("sig"), bytes).unwrap();
    let mut c = oras();
    c.current_dir(d.path()).args([
        "attach",
        "--plain-http",
        "--format",
        "go-template={{.digest}}",
        "--artifact-type",
        artifact_type,
    ]);
    if let Some(a) = like["annotations"].as_object() {
        for (k, v) in a {
            if let Some(v) = v.as_str() {
                c.args(["--annotation", &format!("{k}={v}")]);
            }
        }
    }
    c.arg(format!("{reg}/{repo}@{subject}"))
        .arg(format!("sig:{media_type}"));
    stdout(&run_ok(&mut c)).trim().to_string()
}

/// A JWS envelope with one bit of its signature flipped.
pub fn flip_jws_signature(env: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(env).unwrap();
    let mut sig = B64URL.decode(v["signature"].as_str().unwrap()).unwrap();
    sig[10] ^= 0x01;
    v["signature"] = Value::String(B64URL.encode(sig));
    serde_json::to_vec(&v).unwrap()
}

/// A COSE_Sign1 envelope with one bit of its signature (the last item) flipped.
pub fn flip_cose_signature(env: &[u8]) -> Vec<u8> {
    let mut e = env.to_vec();
    let n = e.len() - 10;
    e[n] ^= 0x01;
    e
}

/// A Sigstore bundle with one bit of its DSSE signature flipped.
pub fn flip_bundle_signature(bundle: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bundle).unwrap();
    let s = &mut v["dsseEnvelope"]["signatures"][0]["sig"];
    let mut sig = B64.decode(s.as_str().unwrap()).unwrap();
    sig[10] ^= 0x01;
    *s = Value::String(B64.encode(sig));
    serde_json::to_vec(&v).unwrap()
}

/// The cosign `.sig` tag of a digest.
pub fn sig_tag(digest: &str) -> String {
    format!("sha256-{}.sig", digest.trim_start_matches("sha256:"))
}

/// Rewrites the `.sig` manifest at `tag` so its signature annotation has one bit flipped.
pub fn flip_tag_signature(reg: &str, repo: &str, tag: &str) {
    let mut m = manifest(reg, repo, &format!(":{tag}"));
    let a = &mut m["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"];
    let mut sig = B64.decode(a.as_str().unwrap()).unwrap();
    sig[12] ^= 0x01;
    *a = Value::String(B64.encode(sig));
    put_manifest(
        reg,
        repo,
        tag,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
}

/// Puts the manifest at `from` under tag `to` as well (same repository, blobs shared).
pub fn copy_tag(reg: &str, repo: &str, from: &str, to: &str) {
    let raw = run_ok(arbor().args(["fetch"]).arg(format!("{reg}/{repo}:{from}"))).stdout;
    put_manifest(
        reg,
        repo,
        to,
        "application/vnd.oci.image.manifest.v1+json",
        &raw,
    );
}

/// A simple-signing payload naming `digest`, signed with `key` by `cosign sign-blob`,
/// pushed as the `.sig` manifest of `subject`.
pub fn push_signed_payload(
    s: &Signer,
    reg: &str,
    repo: &str,
    subject: &str,
    names: &str,
    key: &str,
) {
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{reg}/{repo}"}},"image":{{"docker-manifest-digest":"{names}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    let file = s.home.join("crafted-payload.json");
    std::fs::write(&file, &payload).unwrap();
    let sig = stdout(&run_ok(
        tool(&s.home, "ARBOR_TEST_COSIGN")
            .args([
                "sign-blob",
                "--key",
                key,
                "--tlog-upload=false",
                "--use-signing-config=false",
                "--new-bundle-format=false",
            ])
            .arg(&file),
    ))
    .trim()
    .to_string();
    let config = push_blob(reg, repo, b"{}");
    let layer = push_blob(reg, repo, payload.as_bytes());
    let m = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": layer, "size": payload.len(),
                    "annotations": {"dev.cosignproject.cosign/signature": sig}}]
    });
    put_manifest(
        reg,
        repo,
        &sig_tag(subject),
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
}
