//! Signature verification in the TUI. Offline: an OCI layout whose image carries two cosign
//! simple-signing signatures (Ed25519, deterministic: the snapshots are stable), one by the
//! key given and one by another key — the tree shows SIG✓ and SIG✗, the describe view every
//! check, in colour and under NO_COLOR. Against the harness's registries: a real `cosign
//! sign`, shown SIG✓ with its key and SIG✗ with a wrong one.
mod common;
mod tui_common;

use arbor::tui::action::Cmd;
use arbor::tui::harness::Harness;
use arbor::tui::open_layout;
use arbor::tui::state::prefs::Look;
use arbor::tui::state::Screen;
use arbor::verify::{VerifyConfig, VerifyOptions};
use base64::Engine;
use ratatui::style::Color;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use tui_common::settings;

const SIG: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn put(dir: &Path, bytes: &[u8]) -> (String, usize) {
    let d = arbor::oci::Digest::sha256_of(bytes);
    std::fs::write(dir.join("blobs/sha256").join(d.hex()), bytes).expect("write blob");
    (d.to_string(), bytes.len())
}

fn put_json(dir: &Path, v: &Value) -> (String, usize) {
    put(dir, &serde_json::to_vec(v).expect("json"))
}

/// An Ed25519 key from a fixed seed, and its public key as cosign writes it (SPKI PEM).
fn key(seed: u8) -> (Ed25519KeyPair, String) {
    let k = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).expect("seed");
    // SubjectPublicKeyInfo for id-Ed25519 (RFC 8410): a fixed prefix, then the 32-byte key.
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(k.public_key().as_ref());
    let pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        B64.encode(der)
    );
    (k, pem)
}

/// A cosign simple-signing signature of `subject` by `key`, as an OCI 1.1 referrer.
fn signature(dir: &Path, subject: &(String, usize), key: &Ed25519KeyPair) {
    let payload = serde_json::to_vec(&json!({
        "critical": {
            "identity": {"docker-reference": "local/net-monitor"},
            "image": {"docker-manifest-digest": subject.0},
            "type": "cosign container image signature"
        },
        "optional": null
    }))
    .expect("json");
    let sig = B64.encode(key.sign(&payload).as_ref());
    let (pd, ps) = put(dir, &payload);
    let (ed, es) = put(dir, b"{}");
    put_json(
        dir,
        &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "artifactType": SIG,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": ed, "size": es},
            "layers": [{"mediaType": SIMPLE_SIGNING, "digest": pd, "size": ps,
                "annotations": {"dev.cosignproject.cosign/signature": sig}}],
            "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": subject.0, "size": subject.1}}),
    );
}

/// A layout `net-monitor` with `v1` signed by key 1 and by key 2; returns it and key 1's
/// public key file.
fn signed_layout(parent: &Path) -> (PathBuf, PathBuf) {
    let dir = parent.join("net-monitor");
    std::fs::create_dir_all(dir.join("blobs/sha256")).expect("mkdir");
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("layout");
    let (cd, cs) = put_json(
        &dir,
        &json!({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": []}}),
    );
    let (ld, ls) = put(&dir, b"net-monitor binary");
    let v1 = put_json(
        &dir,
        &json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": cs},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": ls}]}),
    );
    let (good, good_pem) = key(1);
    let (other, _) = key(2);
    signature(&dir, &v1, &good);
    signature(&dir, &v1, &other);
    let index = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": v1.0, "size": v1.1,
            "annotations": {"org.opencontainers.image.ref.name": "v1"}}]});
    std::fs::write(
        dir.join("index.json"),
        serde_json::to_vec(&index).expect("json"),
    )
    .expect("index");
    let pem = parent.join("cosign.pub");
    std::fs::write(&pem, good_pem).expect("key");
    (dir, pem)
}

/// What verification is checked against: the one key, and no Notation configuration.
fn trust(pem: &Path, parent: &Path) -> VerifyConfig {
    VerifyConfig::load(&VerifyOptions {
        keys: vec![pem.to_path_buf()],
        notation_dir: Some(parent.join("no-notation")),
        ..Default::default()
    })
    .expect("the key loads")
}

async fn app(reference: Option<&str>, w: u16, h: u16) -> (Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let (dir, pem) = signed_layout(tmp.path());
    let opened = open_layout(&dir, reference, false)
        .expect("open")
        .with_verify(trust(&pem, tmp.path()));
    let mut h = Harness::new(opened, w, h);
    h.settle().await;
    (h, tmp)
}

/// A snapshot with digests and times masked.
fn snap(name: &str, text: String) {
    settings().bind(|| insta::assert_snapshot!(name, text));
}

/// Puts the tree's cursor on the first node whose line contains `mark` (SIG✓ or SIG✗).
fn select_badge(h: &mut Harness, mark: &str) {
    for _ in 0..8 {
        let line = h
            .screen_text()
            .lines()
            .find(|l| l.contains("│›"))
            .unwrap_or_default()
            .to_string();
        if line.contains(mark) {
            return;
        }
        h.cmd(Cmd::Down);
    }
    panic!("no node marked {mark}:\n{}", h.screen_text());
}

#[tokio::test]
async fn the_tree_marks_a_good_signature_and_a_bad_one() {
    let (mut h, _t) = app(Some("v1"), 160, 20).await;
    let text = h.screen_text();
    assert!(text.contains("SIG✓") && text.contains("SIG✗"), "{text}");
    select_badge(&mut h, "SIG✓");
    h.settle().await;
    let text = h.screen_text();
    assert!(
        text.contains("verified  ✓ key cosign.pub (cosign"),
        "the detail pane sums it up: {text}"
    );
    snap("verify_tree_160x20", text);
    // The tag list: v1's own signatures, one of them verified.
    h.cmd(Cmd::Back);
    h.settle().await;
    let text = h.screen_text();
    assert!(text.contains("SIG✓"), "{text}");
    assert!(text.contains("signed    ✓ 1 of 2 verified"), "{text}");
    snap("verify_tags_160x20", text);
}

#[tokio::test]
async fn no_color_marks_signatures_by_glyph_alone() {
    let (mut h, _t) = app(Some("v1"), 100, 12).await;
    h.state.look = Look::Mono;
    h.cmd(Cmd::Down);
    h.settle().await;
    let t = h.terminal();
    let buf = t.backend().buffer();
    let coloured = buf
        .content
        .iter()
        .any(|c| !matches!(c.fg, Color::Reset) || !matches!(c.bg, Color::Reset));
    assert!(!coloured, "no colour under NO_COLOR");
    let text = h.screen_text();
    assert!(text.contains("SIG✓") && text.contains("SIG✗"), "{text}");
    snap("verify_tree_mono_100x12", h.styled_text());
}

#[tokio::test]
async fn describe_shows_every_check_of_a_verified_and_a_failed_signature() {
    for (mark, name, wants) in [
        (
            "SIG✓",
            "verify_describe_verified",
            &[
                "✓ cosign simple-signing verified",
                "✓ signature  Ed25519 key cosign.pub",
                "✓ payload",
            ][..],
        ),
        (
            "SIG✗",
            "verify_describe_failed",
            &[
                "✗ cosign simple-signing failed",
                "reason        signature does not verify with the key",
                "✗ signature  signature does not verify with the key",
            ][..],
        ),
    ] {
        let (mut h, _t) = app(Some("v1"), 120, 60).await;
        select_badge(&mut h, mark);
        h.cmd(Cmd::Describe);
        h.settle().await;
        let text = h.screen_text();
        for w in wants {
            assert!(text.contains(w), "{w:?} in:\n{text}");
        }
        assert!(
            text.contains("Verification") && text.contains("Checks ("),
            "{text}"
        );
        snap(name, text);
        h.state.look = Look::Mono;
        snap(&format!("{name}_mono"), h.styled_text());
    }
}

/// The harness's registries: `cosign sign` with `args` (a Sigstore bundle referrer, or the
/// legacy `sha256-<hex>.sig` tag) on a pushed image; the TUI on its tree shows SIG✓ with
/// cosign's public key and SIG✗ with another key, the describe view says why, and the tag list's
/// v1 row shows the same mark for its own signature.
async fn cosign_signature_in_the_tree(reg: &str, args: &[&str], format: &str) {
    use arbor::registry::{ClientOptions, RegistryStore};
    use arbor::store::ReferrersMode;
    use arbor::tui::open_store;
    use arbor::tui::update::Start;
    let repo = common::unique_repo("tui-verify");
    let image = common::push_image(reg, &repo, "v1", "#!/bin/sh\necho signed\n");
    common::run_ok(common::signers::cosign(args).arg(format!("{reg}/{repo}@{image}")));
    let verified = format!("✓ cosign {format} verified");
    let tmp = tempfile::tempdir().expect("tmp");
    let wrong = tmp.path().join("wrong.pub");
    std::fs::write(&wrong, key(3).1).expect("key");
    let right = common::signers::signer_home().join("cosign.pub");
    for (pem, want, not, says) in [
        (&right, "SIG✓", "SIG✗", verified.as_str()),
        (
            &wrong,
            "SIG✗",
            "SIG✓",
            "reason        signature does not verify with the key",
        ),
    ] {
        let store =
            RegistryStore::new(reg, &ClientOptions::default(), ReferrersMode::Auto).expect("store");
        let start = Start::Ref {
            repo: repo.clone(),
            reference: "v1".into(),
            untagged: Vec::new(),
        };
        let opened =
            open_store(std::sync::Arc::new(store), start).with_verify(trust(pem, tmp.path()));
        let mut h = Harness::new(opened, 160, 40);
        h.settle_within(std::time::Duration::from_secs(60)).await;
        let text = h.screen_text();
        assert!(
            text.contains(want) && !text.contains(not),
            "{}: {text}",
            pem.display()
        );
        select_badge(&mut h, want);
        h.cmd(Cmd::Describe);
        h.settle_within(std::time::Duration::from_secs(60)).await;
        // The whole describe view (the verification is below the first screenful).
        let text = h
            .state
            .doc
            .as_ref()
            .map(|d| d.lines.join("\n"))
            .unwrap_or_default();
        assert!(text.contains(says), "{says:?} in:\n{text}");
        // The tag list: v1's own signature, found the same way, marked the same.
        for _ in 0..3 {
            if h.state.screen() != Screen::Tags {
                h.cmd(Cmd::Back);
            }
        }
        assert_eq!(h.state.screen(), Screen::Tags, "back to the tag list");
        h.settle_within(std::time::Duration::from_secs(60)).await;
        let text = h.screen_text();
        let row = text
            .lines()
            .find(|l| l.contains(" v1 "))
            .unwrap_or_default();
        assert!(
            row.contains(want) && !row.contains(not),
            "v1's row with {}: {text}",
            pem.display()
        );
    }
}

#[tokio::test]
async fn a_real_cosign_signature_is_marked_by_the_key_it_verifies_with_on_distribution() {
    cosign_signature_in_the_tree(&common::harness().dist(), &["sign"], "bundle-dsse").await;
}

#[tokio::test]
async fn a_real_cosign_signature_is_marked_by_the_key_it_verifies_with_on_the_referrers_api() {
    cosign_signature_in_the_tree(&common::harness().refs_spec(), &["sign"], "bundle-dsse").await;
}

/// cosign's legacy tag form: the `.sig` tag's manifest says nothing of being a signature
/// (an image config and a layer); the tag's suffix does, and the tree verifies it.
#[tokio::test]
async fn a_cosign_sig_tag_is_a_signature_in_the_tree_and_verified() {
    cosign_signature_in_the_tree(
        &common::harness().dist(),
        &["sign", "--new-bundle-format=false"],
        "simple-signing",
    )
    .await;
}
