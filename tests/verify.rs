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

/// What a case must end in, for arbor and for the peer alike.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Want {
    Verified,
    /// Verified, with failures the policy level only logs.
    Logged,
    /// Accepted unverified: the policy level is `skip`.
    Skipped,
    /// Not verified; arbor's reason contains this.
    Fails(&'static str),
}

#[derive(Clone)]
enum Peer {
    Notation,
    /// `cosign verify` with these extra arguments (and COSIGN_EXPERIMENTAL=1 when set).
    Cosign(Vec<String>, bool),
    /// `cosign verify-attestation --type slsaprovenance`.
    Attest,
    /// `cosign verify-blob --bundle BUNDLE FILE` (the same bundle arbor finds attached).
    Blob(PathBuf, PathBuf),
}

struct Case {
    name: &'static str,
    reference: String,
    key: Option<PathBuf>,
    peer: Peer,
    want: Want,
}

fn cosign_peer(extra: &[&str]) -> Peer {
    Peer::Cosign(extra.iter().map(|s| s.to_string()).collect(), false)
}

fn run_peer(s: &Signer, v: &Verifier, c: &Case) -> bool {
    let key = c.key.clone().unwrap_or_else(|| s.key("cosign.pub"));
    let base = |cmd: &str| {
        let mut t = tool(&s.home, "ARBOR_TEST_COSIGN");
        t.arg(cmd)
            .arg("--key")
            .arg(&key)
            .arg("--insecure-ignore-tlog");
        t
    };
    let out = match &c.peer {
        Peer::Notation => v.notation_verify(&c.reference),
        Peer::Cosign(extra, experimental) => {
            let mut t = base("verify");
            t.args(["--allow-http-registry", "--allow-insecure-registry"])
                .args(extra);
            if *experimental {
                t.env("COSIGN_EXPERIMENTAL", "1");
            }
            t.arg(&c.reference).output().expect("cosign")
        }
        Peer::Attest => base("verify-attestation")
            .args([
                "--type",
                "slsaprovenance",
                "--allow-http-registry",
                "--allow-insecure-registry",
            ])
            .arg(&c.reference)
            .output()
            .expect("cosign"),
        Peer::Blob(bundle, file) => base("verify-blob")
            .arg("--bundle")
            .arg(bundle)
            .arg(file)
            .output()
            .expect("cosign"),
    };
    out.status.success()
}

/// Runs arbor and the peer on a case; returns the table row, or why the row is wrong.
fn check(s: &Signer, v: &Verifier, c: &Case) -> (String, String, Result<(), String>) {
    let mut extra: Vec<String> = Vec::new();
    if let Some(k) = &c.key {
        extra.push("--key".into());
        extra.push(k.display().to_string());
    } else {
        extra.push("--key".into());
        extra.push(s.key("cosign.pub").display().to_string());
    }
    let args: Vec<&str> = extra.iter().map(String::as_str).collect();
    let out = v.arbor_verify(&c.reference, &args);
    let peer_ok = run_peer(s, v, c);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let sigs = report["signatures"].as_array().cloned().unwrap_or_default();
    let sig = sigs.first().cloned().unwrap_or(Value::Null);
    let arbor_ok = out.status.success();
    let arbor_col = match sig["status"].as_str() {
        Some("verified") if sig["logged"].is_array() => "✓ (logged)".to_string(),
        Some("verified") => "✓".to_string(),
        Some("skipped") => "✓ (skip)".to_string(),
        Some(_) => format!("✗ {}", sig["reason"].as_str().unwrap_or("")),
        None => format!("error: {}", stderr(&out).trim()),
    };
    let peer_col = if peer_ok { "✓" } else { "✗" }.to_string();
    let verdict = (|| {
        if sigs.len() != 1 {
            return Err(format!(
                "expected 1 signature, arbor found {}: {}",
                sigs.len(),
                stdout(&out)
            ));
        }
        let ok = !matches!(c.want, Want::Fails(_));
        if arbor_ok != ok || report["verified"] != ok {
            return Err(format!(
                "arbor exit {} / verified {} (stderr {})",
                out.status,
                report["verified"],
                stderr(&out)
            ));
        }
        if peer_ok != ok {
            return Err("the peer disagrees".into());
        }
        match c.want {
            Want::Verified if sig["status"] != "verified" || sig["logged"].is_array() => {
                Err(format!("status {sig}"))
            }
            Want::Logged if sig["status"] != "verified" || !sig["logged"].is_array() => {
                Err(format!("nothing logged: {sig}"))
            }
            Want::Skipped if sig["status"] != "skipped" => Err(format!("status {sig}")),
            Want::Fails(r) if !sig["reason"].as_str().unwrap_or("").contains(r) => {
                Err(format!("reason {:?} lacks {r:?}", sig["reason"]))
            }
            _ => Ok(()),
        }
    })();
    (arbor_col, peer_col, verdict)
}

/// Builds every case on `reg`, runs them, prints the table and asserts every row.
fn matrix(reg: &str, kind: &str, referrers_api: bool) {
    const EXPIRING_SECS: i64 = 25;
    let s = Signer::new(EXPIRING_SECS);
    let expired_after = Instant::now() + Duration::from_secs(EXPIRING_SECS as u64 + 2);
    let v = Verifier::new(&s);
    let mut cases: Vec<Case> = Vec::new();
    let mut statements = Vec::new();
    let image = |name: &str, content: &str| {
        let repo = unique_repo(&format!("vfy-{name}"));
        let d = push_image(reg, &repo, "v1", content);
        (repo, d)
    };
    let at = |repo: &str, d: &str| format!("{reg}/{repo}@{d}");
    let mut add = |name, reference: String, key: Option<PathBuf>, peer, want| {
        cases.push(Case {
            name,
            reference,
            key,
            peer,
            want,
        })
    };

    // Notation. The short-lived certificate signs first, while it is still valid.
    let (repo, x) = image("n-expired", "expired");
    s.notation_sign(&at(&repo, &x), Some("expiring"), "jws");
    add(
        "notation: certificate expired",
        at(&repo, &x),
        None,
        Peer::Notation,
        Want::Fails("expired"),
    );
    for (fmt, key, name) in [
        ("jws", None, "notation jws"),
        ("cose", None, "notation cose"),
        ("jws", Some("ec384"), "notation CA chain, ES384"),
        ("cose", Some("ec521"), "notation CA chain, ES512"),
    ] {
        let (repo, x) = image("n-ok", name);
        s.notation_sign(&at(&repo, &x), key, fmt);
        add(name, at(&repo, &x), None, Peer::Notation, Want::Verified);
    }
    for (fmt, name) in [
        ("jws", "notation jws: flipped signature bit"),
        ("cose", "notation cose: flipped signature bit"),
    ] {
        let (repo, x) = image("n-flip", name);
        let (scratch, x2) = image("n-scratch", name);
        assert_eq!(x, x2, "same image in both repositories");
        s.notation_sign(&at(&scratch, &x), None, fmt);
        let (m, env) = only_referrer(reg, &scratch, &x, NOTARY);
        let (bad, mt) = if fmt == "jws" {
            (flip_jws_signature(&env), "application/jose+json")
        } else {
            (flip_cose_signature(&env), "application/cose")
        };
        attach_bytes(reg, &repo, &x, NOTARY, mt, &bad, &m);
        add(
            name,
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("does not verify"),
        );
    }
    {
        let (repo, x) = image("n-moved", "moved target");
        let y = push_image(reg, &repo, "other", "another image");
        s.notation_sign(&at(&repo, &y), None, "jws");
        let (m, env) = only_referrer(reg, &repo, &y, NOTARY);
        attach_bytes(reg, &repo, &x, NOTARY, "application/jose+json", &env, &m);
        add(
            "notation: signature moved onto another subject",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("payload names"),
        );
    }
    {
        let (repo, x) = image("n-untrusted", "untrusted");
        s.notation_sign(&at(&repo, &x), Some("stranger"), "jws");
        add(
            "notation: certificate not in the trust store",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("not trusted by policy"),
        );
    }
    {
        let (repo, x) = image("n-identity", "identity");
        s.notation_sign(&at(&repo, &x), None, "cose");
        statements.push(scoped(
            "someone-else",
            &format!("{reg}/{repo}"),
            "strict",
            &["x509.subject: C=US, ST=WA, O=Someone Else"],
        ));
        add(
            "notation: identity not in trustedIdentities",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("not a trusted identity"),
        );
        let (repo, x) = image("n-identity-ok", "identity ok");
        s.notation_sign(&at(&repo, &x), None, "jws");
        statements.push(scoped(
            "notary-org",
            &format!("{reg}/{repo}"),
            "strict",
            &["x509.subject: C=US, ST=WA, O=Notary"],
        ));
        add(
            "notation: identity in trustedIdentities",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Verified,
        );
    }
    {
        let (repo, x) = image("n-audit", "audit");
        s.notation_sign(&at(&repo, &x), Some("stranger"), "jws");
        statements.push(scoped("audit", &format!("{reg}/{repo}"), "audit", &["*"]));
        add(
            "notation: level audit, untrusted certificate",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Logged,
        );
        let (repo, x) = image("n-skip", "skip");
        s.notation_sign(&at(&repo, &x), Some("stranger"), "cose");
        statements.push(scoped("skip", &format!("{reg}/{repo}"), "skip", &[]));
        add(
            "notation: level skip",
            at(&repo, &x),
            None,
            Peer::Notation,
            Want::Skipped,
        );
    }

    // cosign, key-based.
    let key = |f: &str| s.key(f).display().to_string();
    {
        let (repo, x) = image("c-tag", "cosign tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(at(&repo, &x)),
        );
        add(
            "cosign: .sig tag",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Verified,
        );
        let (repo, x) = image("c-bundle", "cosign bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(at(&repo, &x)));
        add(
            "cosign: bundle v0.3 (DSSE)",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Verified,
        );
        if referrers_api {
            let (repo, x) = image("c-oci11", "cosign oci 1.1");
            run_ok(
                s.cosign("sign", &key("cosign.key"))
                    .env("COSIGN_EXPERIMENTAL", "1")
                    .args([
                        "--new-bundle-format=false",
                        "--registry-referrers-mode=oci-1-1",
                    ])
                    .arg(at(&repo, &x)),
            );
            let peer = Peer::Cosign(
                vec![
                    "--experimental-oci11".into(),
                    "--new-bundle-format=false".into(),
                ],
                true,
            );
            add(
                "cosign: OCI 1.1 referrer (simple signing)",
                at(&repo, &x),
                None,
                peer,
                Want::Verified,
            );
        }
        for (k, extra, name) in [
            ("rsa", vec![], "cosign: RSA 2048 key, bundle"),
            (
                "p384",
                vec!["--signature-digest-algorithm", "sha384"],
                "cosign: P-384 key, bundle",
            ),
        ] {
            let (repo, x) = image("c-keys", name);
            run_ok(
                s.cosign("sign", &key(&format!("{k}.key")))
                    .arg(at(&repo, &x)),
            );
            add(
                name,
                at(&repo, &x),
                Some(s.key(&format!("{k}.pub"))),
                cosign_peer(&extra),
                Want::Verified,
            );
        }
        let pred = s.home.join("provenance.json");
        std::fs::write(&pred, r#"{"builder":{"id":"https://example.com/builder@v1"},"buildType":"https://example.com/t"}"#).unwrap();
        for (legacy, name) in [
            (true, "cosign: attestation, .att tag"),
            (false, "cosign: attestation, bundle"),
        ] {
            let (repo, x) = image("c-att", name);
            let mut c = s.cosign("attest", &key("cosign.key"));
            c.args(["--type", "slsaprovenance"])
                .arg(format!("--predicate={}", pred.display()));
            if legacy {
                c.arg("--new-bundle-format=false");
            }
            run_ok(c.arg(at(&repo, &x)));
            add(name, at(&repo, &x), None, Peer::Attest, Want::Verified);
        }
        let (repo, x) = image("c-msg", "message signature");
        let file = s.home.join(format!("{repo}.manifest.json"));
        std::fs::write(
            &file,
            run_ok(arbor().arg("fetch").arg(at(&repo, &x))).stdout,
        )
        .unwrap();
        let bundle = s.home.join(format!("{repo}.bundle.json"));
        run_ok(
            s.cosign("sign-blob", &key("cosign.key"))
                .arg("--bundle")
                .arg(&bundle)
                .arg(&file),
        );
        attach_bytes(
            reg,
            &repo,
            &x,
            BUNDLE,
            BUNDLE,
            &std::fs::read(&bundle).unwrap(),
            &Value::Null,
        );
        add(
            "cosign: bundle v0.3 (message signature)",
            at(&repo, &x),
            None,
            Peer::Blob(bundle, file),
            Want::Verified,
        );
    }
    {
        let (repo, x) = image("c-flip-tag", "flip tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(at(&repo, &x)),
        );
        flip_tag_signature(reg, &repo, &sig_tag(&x));
        add(
            "cosign: .sig tag, flipped signature bit",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );

        let (repo, x) = image("c-flip-bundle", "flip bundle");
        let (scratch, _) = image("c-scratch", "flip bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(at(&scratch, &x)));
        let (m, b) = only_referrer(reg, &scratch, &x, BUNDLE);
        attach_bytes(
            reg,
            &repo,
            &x,
            BUNDLE,
            BUNDLE,
            &flip_bundle_signature(&b),
            &m,
        );
        add(
            "cosign: bundle, flipped signature bit",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );

        let (repo, x) = image("c-other-digest", "payload other digest");
        let other = sha256(b"some other manifest");
        push_signed_payload(&s, reg, &repo, &x, &other, &key("cosign.key"));
        add(
            "cosign: signed payload names another digest",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("payload names"),
        );

        let (repo, x) = image("c-moved-tag", "moved tag");
        let y = push_image(reg, &repo, "other", "another image for the tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(at(&repo, &y)),
        );
        copy_tag(reg, &repo, &sig_tag(&y), &sig_tag(&x));
        add(
            "cosign: .sig moved onto another subject",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("payload names"),
        );

        let (repo, x) = image("c-moved-bundle", "moved bundle");
        let y = push_image(reg, &repo, "other", "another image for the bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(at(&repo, &y)));
        let (m, b) = only_referrer(reg, &repo, &y, BUNDLE);
        attach_bytes(reg, &repo, &x, BUNDLE, BUNDLE, &b, &m);
        add(
            "cosign: bundle moved onto another subject",
            at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("names"),
        );

        let (repo, x) = image("c-wrong-key", "wrong key");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(at(&repo, &x)));
        add(
            "cosign: wrong key",
            at(&repo, &x),
            Some(s.key("other.pub")),
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );
    }

    v.write_policy(&statements);
    // The short-lived certificate must have expired before anything is verified.
    let now = Instant::now();
    if now < expired_after {
        std::thread::sleep(expired_after - now);
    }
    let rows: Vec<(String, String, Result<(), String>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = cases
            .chunks(4)
            .map(|chunk| sc.spawn(|| chunk.iter().map(|c| check(&s, &v, c)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    });
    println!(
        "\n{:<48} {:<62} {:<6} {}",
        format!("case ({kind})"),
        "arbor",
        "peer",
        "agree"
    );
    let mut failures = Vec::new();
    for (c, (a, p, ok)) in cases.iter().zip(&rows) {
        let a: String = a.chars().take(60).collect();
        println!(
            "{:<48} {:<62} {:<6} {}",
            c.name,
            a,
            p,
            if ok.is_ok() { "yes" } else { "NO" }
        );
        if let Err(e) = ok {
            failures.push(format!("{}: {e}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "rows that do not agree or expect otherwise:\n{}",
        failures.join("\n")
    );
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
    let cases: Vec<(&str, Twist, &PathBuf, &[&str], Option<&str>)> = vec![
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
