//! `arbor verify` against signatures made by the real tools on both registry kinds — valid
//! and tampered — with `notation verify` and `cosign verify` deciding the truth: every row of
//! the printed table must agree, and say what the case expects.
mod common;
mod verify_common;
use common::*;
use serde_json::Value;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use verify_common::*;
use verify_common::{cases, matrix};

/// Builds every case on `reg`, runs them, prints the table and asserts every row.
fn matrix(reg: &str, kind: &str, referrers_api: bool) {
    const EXPIRING_SECS: i64 = 25;
    let s = Signer::new(EXPIRING_SECS);
    let expired_after = Instant::now() + Duration::from_secs(EXPIRING_SECS as u64 + 2);
    let v = Verifier::new(&s);
    let mut b = matrix::Builder::new(reg, &s);
    cases::notation(&mut b);
    cases::cosign(&mut b, referrers_api);
    v.write_policy(&b.statements);
    // The short-lived certificate must have expired before anything is verified.
    let now = Instant::now();
    if now < expired_after {
        std::thread::sleep(expired_after - now);
    }
    matrix::run(&s, &v, &b.cases, kind);
}

#[test]
fn verify_agrees_with_notation_and_cosign_on_distribution_tag_fallback() {
    let h = harness();
    matrix(&h.dist(), "distribution, tag fallback", false);
}

#[test]
fn verify_agrees_with_notation_and_cosign_on_referrers_api() {
    let h = harness();
    matrix(&h.refs_spec(), "referrers API", true);
}

/// Keyless: our own CA and log key stand in for Fulcio and Rekor (no Sigstore service runs
/// here); cosign, given the same trusted root, decides the truth.
#[test]
fn verify_keyless_bundles_agree_with_cosign_against_a_test_trusted_root() {
    use verify_common::keyless::{Sigstore, Twist, IDENTITY, ISSUER};
    let h = harness();
    let reg = h.refs_spec();
    let sg = Sigstore::new();
    let root = sg.trusted_root();
    let other = sg.other_root();
    let exact = [
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        ISSUER,
    ];
    let regexp = [
        "--certificate-identity-regexp",
        "^signer@arbor\\.",
        "--certificate-oidc-issuer",
        ISSUER,
    ];
    let wrong_id = [
        "--certificate-identity",
        "mallory@arbor.test",
        "--certificate-oidc-issuer",
        ISSUER,
    ];
    let wrong_issuer = [
        "--certificate-identity",
        IDENTITY,
        "--certificate-oidc-issuer",
        "https://other.example",
    ];
    let late = Twist {
        integrated_offset: 2 * 86400,
        ..Default::default()
    };
    let set = Twist {
        flip_set: true,
        ..Default::default()
    };
    let cp = Twist {
        flip_checkpoint: true,
        ..Default::default()
    };
    // (case, twist, trusted root, identity flags, expected failure reason)
    type KeylessCase<'a> = (&'a str, Twist, &'a PathBuf, &'a [&'a str], Option<&'a str>);
    let cases: Vec<KeylessCase> = vec![
        ("keyless: valid", Twist::default(), &root, &exact, None),
        (
            "keyless: identity regexp",
            Twist::default(),
            &root,
            &regexp,
            None,
        ),
        (
            "keyless: another identity",
            Twist::default(),
            &root,
            &wrong_id,
            Some("identity"),
        ),
        (
            "keyless: another OIDC issuer",
            Twist::default(),
            &root,
            &wrong_issuer,
            Some("identity"),
        ),
        (
            "keyless: flipped SET bit",
            set,
            &root,
            &exact,
            Some("signed entry timestamp"),
        ),
        (
            "keyless: flipped checkpoint signature bit",
            cp,
            &root,
            &exact,
            Some("checkpoint"),
        ),
        (
            "keyless: logged after the certificate expired",
            late,
            &root,
            &exact,
            Some("integrated time"),
        ),
        (
            "keyless: CA not in the trusted root",
            Twist::default(),
            &other,
            &exact,
            Some("not issued"),
        ),
    ];
    let peer_home = tempfile::tempdir().unwrap();
    println!(
        "\n{:<48} {:<62} {:<6} agree",
        "case (keyless, referrers API)", "arbor", "peer"
    );
    let mut failures = Vec::new();
    for (name, twist, trusted_root, identity, want) in cases {
        let repo = unique_repo("vfy-keyless");
        let x = push_image(&reg, &repo, "v1", name);
        attach_bytes(
            &reg,
            &repo,
            &x,
            BUNDLE,
            BUNDLE,
            &sg.bundle(&x, twist),
            &Value::Null,
        );
        let reference = format!("{reg}/{repo}@{x}");
        let out = arbor()
            .args(["verify", "--format", "json", "--trusted-root"])
            .arg(trusted_root)
            .args(identity)
            .arg(&reference)
            .output()
            .unwrap();
        let peer = tool(peer_home.path(), "ARBOR_TEST_COSIGN")
            .args(["verify", "--trusted-root"])
            .arg(trusted_root)
            .args(identity)
            .args([
                "--insecure-ignore-sct",
                "--allow-http-registry",
                "--allow-insecure-registry",
            ])
            .arg(&reference)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let s = &v["signatures"][0];
        let arbor_col = if out.status.success() {
            format!("✓ {}", s["signer"].as_str().unwrap_or(""))
        } else {
            format!("✗ {}", s["reason"].as_str().unwrap_or(""))
        };
        let ok = (|| {
            if v["signatures"].as_array().map(Vec::len) != Some(1) {
                return Err(format!("arbor: {}", stdout(&out)));
            }
            if out.status.success() != want.is_none() || peer.status.success() != want.is_none() {
                return Err(format!(
                    "arbor {} / cosign {}: {}",
                    out.status,
                    peer.status,
                    stderr(&peer)
                ));
            }
            if let Some(w) = want {
                if !s["reason"].as_str().unwrap_or("").contains(w) {
                    return Err(format!("reason {} lacks {w:?}", s["reason"]));
                }
            } else if s["signer"] != format!("{IDENTITY} ({ISSUER})").as_str()
                || s["signingTime"].is_null()
            {
                return Err(format!("signer/time: {s}"));
            }
            Ok(())
        })();
        let a: String = arbor_col.chars().take(60).collect();
        let p = if peer.status.success() { "✓" } else { "✗" };
        println!(
            "{name:<48} {a:<62} {p:<6} {}",
            if ok.is_ok() { "yes" } else { "NO" }
        );
        if let Err(e) = ok {
            failures.push(format!("{name}: {e}"));
        }
    }
    // Without a trusted root a keyless signature is not verifiable, and arbor says why.
    let repo = unique_repo("vfy-keyless-noroot");
    let x = push_image(&reg, &repo, "v1", "no root");
    attach_bytes(
        &reg,
        &repo,
        &x,
        BUNDLE,
        BUNDLE,
        &sg.bundle(&x, Twist::default()),
        &Value::Null,
    );
    let out = arbor()
        .args(["verify", "--format", "json"])
        .arg(format!("{reg}/{repo}@{x}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["signatures"][0]["status"], "unverifiable");
    assert_eq!(
        v["signatures"][0]["reason"],
        "keyless signature, not verified: no trusted root given"
    );
    assert!(
        failures.is_empty(),
        "rows that do not agree:\n{}",
        failures.join("\n")
    );
}

/// The command's contract: JSON shape, exit 0/1/2, hostile names escaped in text, and the
/// platform manifests of an index with --platforms.
#[test]
fn verify_exit_codes_json_shape_escaping_and_platforms() {
    let h = harness();
    let reg = h.dist();
    let s = Signer::new(3600);
    s.add_leaf(
        "hostile",
        "P-256",
        -3600,
        86400,
        "/C=US/ST=WA/O=arbor test/CN=evil\x1b[2J\u{202e}name",
    );
    let v = Verifier::new(&s);
    v.write_policy(&[]);
    let repo = unique_repo("vfy-cli");
    let x = push_image(&reg, &repo, "v1", "cli");
    let reference = format!("{reg}/{repo}@{x}");

    // No signature at all: exit 1, and it says so.
    let out = v.arbor_verify(&reference, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no signature found"),
        "{}",
        stderr(&out)
    );

    // Bad usage: exit 2.
    for args in [
        vec!["--key", "/nonexistent/cosign.pub"],
        vec![
            "--certificate-identity",
            "a",
            "--certificate-identity-regexp",
            "b",
        ],
        vec!["--trusted-root", "/nonexistent/trusted_root.json"],
    ] {
        let out = v.arbor_verify(&reference, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let bad_policy = s.home.join("bad-policy.json");
    std::fs::write(&bad_policy, r#"{"version":"1.0","trustPolicies":[]}"#).unwrap();
    let out = v.arbor_verify(
        &reference,
        &["--trust-policy", bad_policy.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("no statements"), "{}", stderr(&out));

    // A signer whose name carries an escape sequence and a bidi override.
    s.notation_sign(&reference, Some("hostile"), "jws");
    run_ok(
        s.cosign("sign", &s.key("cosign.key").display().to_string())
            .arg(&reference),
    );
    let out = v.arbor_verify(
        &reference,
        &["--key", s.key("cosign.pub").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j = json(&out);
    for k in ["reference", "subject", "verified", "signatures"] {
        assert!(j.get(k).is_some(), "{k} missing: {j:#}");
    }
    assert_eq!(j["subject"], x.as_str());
    let sigs = j["signatures"].as_array().unwrap();
    assert_eq!(sigs.len(), 2, "{j:#}");
    for sig in sigs {
        for k in [
            "digest",
            "kind",
            "format",
            "source",
            "verified",
            "signer",
            "signingTime",
            "reason",
        ] {
            assert!(sig.get(k).is_some(), "{k} missing: {sig:#}");
        }
        assert_eq!(sig["verified"], true, "{sig:#}");
        assert_eq!(sig["source"], "referrers-tag");
    }
    let notation = sigs.iter().find(|s| s["kind"] == "notation").unwrap();
    assert!(
        notation["signer"]
            .as_str()
            .unwrap()
            .contains("evil\u{1b}[2J\u{202e}name"),
        "JSON keeps the exact name: {notation:#}"
    );
    let text = stdout(&run_ok(
        arbor()
            .env("XDG_CONFIG_HOME", v.home.join(".config"))
            .args(["verify", "--key"])
            .arg(s.key("cosign.pub"))
            .arg(&reference),
    ));
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}'),
        "raw control characters: {text:?}"
    );
    assert!(text.contains("evil\\x1b[2J\\u{202e}name"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        4,
        "header, one line per signature, summary: {text}"
    );
    assert!(
        lines[1].starts_with("✓ ") && lines[2].starts_with("✓ "),
        "{text}"
    );
    assert_eq!(lines[3], "2 of 2 verified");

    // An index: --platforms verifies each platform manifest's own signatures too.
    let a = push_image(&reg, &repo, "amd64", "platform a");
    let b = push_image(&reg, &repo, "arm64", "platform b");
    run_ok(
        crane()
            .args(["index", "append", "--insecure", "-m"])
            .arg(format!("{reg}/{repo}@{a}"))
            .arg("-m")
            .arg(format!("{reg}/{repo}@{b}"))
            .arg("-t")
            .arg(format!("{reg}/{repo}:multi")),
    );
    run_ok(
        s.cosign("sign", &s.key("cosign.key").display().to_string())
            .arg(format!("{reg}/{repo}@{b}")),
    );
    let key = s.key("cosign.pub");
    let multi = format!("{reg}/{repo}:multi");
    let out = v.arbor_verify(&multi, &["--key", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "the index itself is unsigned");
    let out = v.arbor_verify(&multi, &["--key", key.to_str().unwrap(), "--platforms"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j = json(&out);
    let platforms = j["platforms"].as_array().unwrap();
    assert_eq!(platforms.len(), 2, "{j:#}");
    let signed: Vec<&Value> = platforms.iter().filter(|p| p["verified"] == true).collect();
    assert_eq!(signed.len(), 1);
    assert_eq!(signed[0]["subject"], b.as_str());
}
