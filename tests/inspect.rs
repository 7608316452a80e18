//! `arbor inspect` on artifacts made by the real tools (cosign, notation, oras) against the
//! harness registries: signatures, attestations and SBOMs decoded, digest binding checked.
mod common;
use common::signers::*;
use common::*;
use serde_json::Value;
use std::path::Path;

fn notation(reg_ref: &str, format: &str) {
    run_ok(tool(signer_home(), "ARBOR_TEST_NOTATION").args([
        "sign",
        "--insecure-registry",
        "--signature-format",
        format,
        reg_ref,
    ]));
}

fn inspect_json(reference: &str) -> Value {
    json(&run_ok(
        arbor().args(["inspect", "--format", "json", reference]),
    ))
}

fn inspect_text(reference: &str) -> String {
    stdout(&run_ok(arbor().args(["inspect", reference])))
}

fn tag_for(digest: &str, suffix: &str) -> String {
    format!("sha256-{}{suffix}", digest.trim_start_matches("sha256:"))
}

#[test]
fn inspect_cosign_legacy_signature_and_attestation_tags() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("insp-cosign"));
    let image = push_image(&reg, &repo, "v1", "cosign legacy");
    let subject = format!("{reg}/{repo}@{image}");
    run_ok(cosign(&["sign", "--new-bundle-format=false"]).arg(&subject));
    let pred = signer_home().join("provenance.json");
    std::fs::write(&pred, r#"{"builder":{"id":"https://example.com/builder@v1"},"buildType":"https://example.com/type","materials":[{"uri":"git+https://example.com/repo","digest":{"sha1":"abc"}}]}"#).unwrap();
    run_ok(
        cosign(&[
            "attest",
            "--new-bundle-format=false",
            "--type",
            "slsaprovenance",
        ])
        .arg(format!("--predicate={}", pred.display()))
        .arg(&subject),
    );

    let sig = inspect_json(&format!("{reg}/{repo}:{}", tag_for(&image, ".sig")));
    assert_eq!(sig["kind"], "cosign-signature", "{sig:#}");
    assert_eq!(
        sig["subject"],
        image.as_str(),
        "subject taken from the tag name"
    );
    assert_eq!(sig["binding"]["status"], "ok");
    assert_eq!(sig["signature_verified"], false);
    assert_eq!(
        sig["files"][0]["decoded"]["docker_manifest_digest"],
        image.as_str()
    );
    let text = inspect_text(&format!("{reg}/{repo}:{}", tag_for(&image, ".sig")));
    assert!(text.contains("digest binding OK"), "{text}");
    assert!(
        text.contains("signature NOT cryptographically verified"),
        "{text}"
    );

    let att = inspect_json(&format!("{reg}/{repo}:{}", tag_for(&image, ".att")));
    assert_eq!(att["kind"], "attestation", "{att:#}");
    assert_eq!(att["binding"]["status"], "ok");
    let st = &att["files"][0]["decoded"];
    assert_eq!(st["predicate_type"], "https://slsa.dev/provenance/v0.2");
    assert_eq!(
        st["provenance"]["builder_id"],
        "https://example.com/builder@v1"
    );
}

#[test]
fn inspect_cosign_sigstore_bundle_referrer() {
    let h = harness();
    let (reg, repo) = (h.refs_spec(), unique_repo("insp-bundle"));
    let image = push_image(&reg, &repo, "v1", "cosign bundle");
    run_ok(cosign(&["sign"]).arg(format!("{reg}/{repo}@{image}")));
    let found = referrers(
        &reg,
        &repo,
        &image,
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let v = inspect_json(&format!("{reg}/{repo}@{}", found[0]));
    assert_eq!(v["kind"], "sigstore-bundle", "{v:#}");
    assert_eq!(v["binding"]["status"], "ok");
    let b = &v["files"][0]["decoded"];
    assert_eq!(b["content"], "dsse-envelope");
    assert!(b["public_key_hint"].is_string());
    assert_eq!(
        b["statement"]["predicate_type"],
        "https://sigstore.dev/cosign/sign/v1"
    );
}

#[test]
fn inspect_notation_jws_and_cose_signatures() {
    let h = harness();
    let (reg, repo) = (h.refs_spec(), unique_repo("insp-notation"));
    let image = push_image(&reg, &repo, "v1", "notation");
    for format in ["jws", "cose"] {
        notation(&format!("{reg}/{repo}@{image}"), format);
    }
    let found = referrers(&reg, &repo, &image, "application/vnd.cncf.notary.signature");
    assert_eq!(found.len(), 2);
    let mut envelopes = Vec::new();
    for d in found {
        let manifest = json(&run_ok(
            arbor().args(["fetch"]).arg(format!("{reg}/{repo}@{d}")),
        ));
        let thumbprints: Vec<String> = serde_json::from_str(
            manifest["annotations"]["io.cncf.notary.x509chain.thumbprint#S256"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        let v = inspect_json(&format!("{reg}/{repo}@{d}"));
        assert_eq!(v["kind"], "notation-signature", "{v:#}");
        assert_eq!(v["binding"]["status"], "ok");
        let n = &v["files"][0]["decoded"];
        assert_eq!(n["target_digest"], image.as_str());
        assert_eq!(n["signing_scheme"], "notary.x509");
        assert!(n["signing_time"].is_string());
        assert_eq!(
            n["certificates"][0]["sha256"],
            thumbprints[0].as_str(),
            "thumbprint equals notation's annotation"
        );
        assert!(n["certificates"][0]["subject"]
            .as_str()
            .unwrap()
            .contains("arbor.inspect"));
        envelopes.push(n["envelope"].as_str().unwrap().to_string());
        let text = inspect_text(&format!("{reg}/{repo}@{d}"));
        assert!(
            text.contains("signature NOT cryptographically verified")
                && text.contains("digest binding OK"),
            "{text}"
        );
    }
    envelopes.sort();
    assert_eq!(envelopes, ["cose", "jws"]);
}

#[test]
fn inspect_spdx_and_cyclonedx_attached_with_oras() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("insp-sbom"));
    let image = push_image(&reg, &repo, "v1", "sbom");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/inspect");
    let spdx = oras_attach(
        &reg,
        &repo,
        &image,
        "application/spdx+json",
        &dir,
        &["spdx.json:application/spdx+json"],
    );
    let cdx = oras_attach(
        &reg,
        &repo,
        &image,
        "application/vnd.cyclonedx+json",
        &dir,
        &["cyclonedx.json:application/vnd.cyclonedx+json"],
    );
    let v = inspect_json(&format!("{reg}/{repo}@{spdx}"));
    assert_eq!(v["kind"], "sbom");
    assert_eq!(v["binding"]["status"], "not-applicable");
    assert_eq!(v["files"][0]["decoded"]["package_count"], 3);
    assert_eq!(v["files"][0]["title"], "spdx.json");
    let text = inspect_text(&format!("{reg}/{repo}@{cdx}"));
    assert!(text.contains("SBOM cyclonedx 1.5: net-monitor"), "{text}");
    assert!(text.contains("packages: 2"), "{text}");
    assert!(
        !text.contains("NOT cryptographically verified"),
        "an SBOM is no signature: {text}"
    );
}

#[test]
fn inspect_reports_binding_mismatch_and_undecodable_files() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("insp-mismatch"));
    let image = push_image(&reg, &repo, "v1", "mismatch");
    let other = sha256(b"some other image");
    let d = tempfile::tempdir().unwrap();
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"x","digest":{{"sha256":"{}"}}}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{{}}}}"#,
        other.trim_start_matches("sha256:")
    );
    std::fs::write(d.path().join("statement.json"), statement).unwrap();
    std::fs::write(
        d.path().join("broken.spdx.json"),
        r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"#,
    )
    .unwrap();
    let att = oras_attach(
        &reg,
        &repo,
        &image,
        "application/vnd.in-toto+json",
        d.path(),
        &["statement.json:application/vnd.in-toto+json"],
    );
    let v = inspect_json(&format!("{reg}/{repo}@{att}"));
    assert_eq!(v["binding"]["status"], "mismatch", "{v:#}");
    assert_eq!(v["binding"]["claimed"][0], other.as_str());
    assert!(inspect_text(&format!("{reg}/{repo}@{att}")).contains("MISMATCH"));
    let broken = oras_attach(
        &reg,
        &repo,
        &image,
        "application/spdx+json",
        d.path(),
        &["broken.spdx.json:application/spdx+json"],
    );
    let text = inspect_text(&format!("{reg}/{repo}@{broken}"));
    assert!(
        text.contains("could not decode: not an SPDX JSON document"),
        "{text}"
    );
}

#[test]
fn inspect_an_image_lists_its_layers_without_downloading_them() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("insp-image"));
    push_image(&reg, &repo, "v1", "plain image");
    let r = format!("{reg}/{repo}:v1");
    let v = inspect_json(&r);
    assert_eq!(v["kind"], "image");
    assert_eq!(
        v["files"][0]["decoded"]["format"], "layer",
        "listed, not decoded"
    );
    // The image size is config + layers, as crane's manifest says.
    let m: Value = serde_json::from_str(&stdout(&run_ok(crane().args([
        "manifest",
        "--insecure",
        &r,
    ]))))
    .unwrap();
    let want = m["config"]["size"].as_u64().unwrap()
        + m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["size"].as_u64().unwrap())
            .sum::<u64>();
    assert_eq!(v["image"]["size"].as_u64(), Some(want));
    assert_eq!(v["image"]["layers"], 1);
    let text = stdout(&run_ok(arbor().args(["inspect", &r])));
    assert!(text.contains("(container image)"), "{text}");
    assert!(text.contains("layers (1)"), "{text}");
    assert!(text.contains("application/vnd.oci.image.layer"), "{text}");
    assert!(!text.contains("00000000  "), "no hex dump: {text}");
}

fn discover_full(reference: &str) -> Value {
    json(&run_ok(
        arbor().args(["discover", "--format", "json", "--full", reference]),
    ))
}

#[test]
fn discover_shows_cosign_legacy_tags_as_referrers_with_full() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("one-tree-cosign"));
    let image = push_image(&reg, &repo, "v1", "one tree cosign");
    run_ok(cosign(&["sign", "--new-bundle-format=false"]).arg(format!("{reg}/{repo}@{image}")));
    let sig = stdout(&run_ok(
        crane()
            .args(["digest", "--insecure"])
            .arg(format!("{reg}/{repo}:{}", tag_for(&image, ".sig"))),
    ))
    .trim()
    .to_string();
    let full = discover_full(&format!("{reg}/{repo}:v1"));
    let refs = full["referrers"].as_array().unwrap();
    let node = refs
        .iter()
        .find(|r| r["digest"] == sig.as_str())
        .unwrap_or_else(|| panic!("{full:#}"));
    assert_eq!(node["source"], "cosign-tag");
    // Default JSON stays what oras prints: cosign tags are not referrers to oras.
    let plain = json(&run_ok(
        arbor()
            .args(["discover", "--format", "json"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    let oras_v = json(&run_ok(
        oras()
            .args(["discover", "--plain-http", "--format", "json"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    assert_eq!(normalise(&plain), normalise(&oras_v));
    let tree = stdout(&run_ok(
        arbor().args(["discover"]).arg(format!("{reg}/{repo}:v1")),
    ));
    assert!(tree.contains(&sig), "{tree}");
}

#[test]
fn discover_hangs_buildx_attestations_under_their_platform() {
    let h = harness();
    let (reg, repo) = (h.refs_spec(), unique_repo("one-tree-buildx"));
    let platform = push_image(&reg, &repo, "amd64", "buildx platform");
    let platform_size = run_ok(
        arbor()
            .args(["fetch"])
            .arg(format!("{reg}/{repo}@{platform}")),
    )
    .stdout
    .len();
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v0.1","subject":[{{"name":"pkg:docker/x","digest":{{"sha256":"{}"}}}}],"predicateType":"https://slsa.dev/provenance/v0.2","predicate":{{"builder":{{"id":"https://mobyproject.org/buildkit@v1"}}}}}}"#,
        platform.trim_start_matches("sha256:")
    );
    let config = push_blob(&reg, &repo, b"{}");
    let layer = push_blob(&reg, &repo, statement.as_bytes());
    let att = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": layer, "size": statement.len(), "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}]
    })).unwrap();
    put_manifest(
        &reg,
        &repo,
        "att",
        "application/vnd.oci.image.manifest.v1+json",
        &att,
    );
    let att_digest = sha256(&att);
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": platform, "size": platform_size, "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": att_digest, "size": att.len(), "platform": {"architecture": "unknown", "os": "unknown"},
             "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": platform}}
        ]
    })).unwrap();
    put_manifest(
        &reg,
        &repo,
        "v1",
        "application/vnd.oci.image.index.v1+json",
        &index,
    );
    let v = discover_full(&format!("{reg}/{repo}:v1"));
    let platforms = v["manifests"].as_array().unwrap();
    assert_eq!(platforms.len(), 1, "the attestation is no platform: {v:#}");
    assert_eq!(platforms[0]["digest"], platform.as_str());
    let under = &platforms[0]["referrers"][0];
    assert_eq!(under["digest"], att_digest.as_str(), "{v:#}");
    assert_eq!(under["source"], "buildx-attestation");
    // And inspect reads the attestation: its statement names the platform manifest.
    let i = inspect_json(&format!("{reg}/{repo}@{att_digest}"));
    assert_eq!(i["kind"], "attestation");
    assert_eq!(i["binding"]["claimed"][0], platform.as_str());
}
