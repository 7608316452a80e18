//! The cases themselves: signatures made by notation and cosign, valid and tampered with as
//! an attacker would (flipped bits, signatures moved onto another subject, payloads naming
//! another digest), untrusted or expired certificates, and policy levels.
use super::matrix::{cosign_peer, Builder, Peer, Want};
use super::*;
use serde_json::Value;

/// Notation cases. The short-lived certificate signs first, while it is still valid.
pub fn notation(b: &mut Builder) {
    let (s, reg) = (b.s, b.reg);
    let (repo, x) = b.image("n-expired", "expired");
    s.notation_sign(&b.at(&repo, &x), Some("expiring"), "jws");
    b.add(
        "notation: certificate expired",
        b.at(&repo, &x),
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
        let (repo, x) = b.image("n-ok", name);
        s.notation_sign(&b.at(&repo, &x), key, fmt);
        b.add(name, b.at(&repo, &x), None, Peer::Notation, Want::Verified);
    }
    for (fmt, name) in [
        ("jws", "notation jws: flipped signature bit"),
        ("cose", "notation cose: flipped signature bit"),
    ] {
        let (repo, x) = b.image("n-flip", name);
        let (scratch, x2) = b.image("n-scratch", name);
        assert_eq!(x, x2, "same image in both repositories");
        s.notation_sign(&b.at(&scratch, &x), None, fmt);
        let (m, env) = only_referrer(reg, &scratch, &x, NOTARY);
        let (bad, mt) = if fmt == "jws" {
            (flip_jws_signature(&env), "application/jose+json")
        } else {
            (flip_cose_signature(&env), "application/cose")
        };
        attach_bytes(reg, &repo, &x, NOTARY, mt, &bad, &m);
        b.add(
            name,
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("does not verify"),
        );
    }
    {
        let (repo, x) = b.image("n-moved", "moved target");
        let y = push_image(reg, &repo, "other", "another image");
        s.notation_sign(&b.at(&repo, &y), None, "jws");
        let (m, env) = only_referrer(reg, &repo, &y, NOTARY);
        attach_bytes(reg, &repo, &x, NOTARY, "application/jose+json", &env, &m);
        b.add(
            "notation: signature moved onto another subject",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("payload names"),
        );
    }
    {
        let (repo, x) = b.image("n-untrusted", "untrusted");
        s.notation_sign(&b.at(&repo, &x), Some("stranger"), "jws");
        b.add(
            "notation: certificate not in the trust store",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("not trusted by policy"),
        );
    }
    {
        let (repo, x) = b.image("n-identity", "identity");
        s.notation_sign(&b.at(&repo, &x), None, "cose");
        b.statements.push(scoped(
            "someone-else",
            &format!("{reg}/{repo}"),
            "strict",
            &["x509.subject: C=US, ST=WA, O=Someone Else"],
        ));
        b.add(
            "notation: identity not in trustedIdentities",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Fails("not a trusted identity"),
        );
        let (repo, x) = b.image("n-identity-ok", "identity ok");
        s.notation_sign(&b.at(&repo, &x), None, "jws");
        b.statements.push(scoped(
            "notary-org",
            &format!("{reg}/{repo}"),
            "strict",
            &["x509.subject: C=US, ST=WA, O=Notary"],
        ));
        b.add(
            "notation: identity in trustedIdentities",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Verified,
        );
    }
    {
        let (repo, x) = b.image("n-audit", "audit");
        s.notation_sign(&b.at(&repo, &x), Some("stranger"), "jws");
        b.statements
            .push(scoped("audit", &format!("{reg}/{repo}"), "audit", &["*"]));
        b.add(
            "notation: level audit, untrusted certificate",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Logged,
        );
        let (repo, x) = b.image("n-skip", "skip");
        s.notation_sign(&b.at(&repo, &x), Some("stranger"), "cose");
        b.statements
            .push(scoped("skip", &format!("{reg}/{repo}"), "skip", &[]));
        b.add(
            "notation: level skip",
            b.at(&repo, &x),
            None,
            Peer::Notation,
            Want::Skipped,
        );
    }
}

/// cosign cases (key-based); the OCI 1.1 referrer form needs the referrers API.
pub fn cosign(b: &mut Builder, referrers_api: bool) {
    let (s, reg) = (b.s, b.reg);
    let key = |f: &str| s.key(f).display().to_string();
    {
        let (repo, x) = b.image("c-tag", "cosign tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(b.at(&repo, &x)),
        );
        b.add(
            "cosign: .sig tag",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Verified,
        );
        let (repo, x) = b.image("c-bundle", "cosign bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(b.at(&repo, &x)));
        b.add(
            "cosign: bundle v0.3 (DSSE)",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Verified,
        );
        if referrers_api {
            let (repo, x) = b.image("c-oci11", "cosign oci 1.1");
            run_ok(
                s.cosign("sign", &key("cosign.key"))
                    .env("COSIGN_EXPERIMENTAL", "1")
                    .args([
                        "--new-bundle-format=false",
                        "--registry-referrers-mode=oci-1-1",
                    ])
                    .arg(b.at(&repo, &x)),
            );
            let peer = Peer::Cosign(
                vec![
                    "--experimental-oci11".into(),
                    "--new-bundle-format=false".into(),
                ],
                true,
            );
            b.add(
                "cosign: OCI 1.1 referrer (simple signing)",
                b.at(&repo, &x),
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
            let (repo, x) = b.image("c-keys", name);
            run_ok(
                s.cosign("sign", &key(&format!("{k}.key")))
                    .arg(b.at(&repo, &x)),
            );
            b.add(
                name,
                b.at(&repo, &x),
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
            let (repo, x) = b.image("c-att", name);
            let mut c = s.cosign("attest", &key("cosign.key"));
            c.args(["--type", "slsaprovenance"])
                .arg(format!("--predicate={}", pred.display()));
            if legacy {
                c.arg("--new-bundle-format=false");
            }
            run_ok(c.arg(b.at(&repo, &x)));
            b.add(name, b.at(&repo, &x), None, Peer::Attest, Want::Verified);
        }
        let (repo, x) = b.image("c-msg", "message signature");
        let file = s.home.join(format!("{repo}.manifest.json"));
        std::fs::write(
            &file,
            run_ok(arbor().arg("fetch").arg(b.at(&repo, &x))).stdout,
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
        b.add(
            "cosign: bundle v0.3 (message signature)",
            b.at(&repo, &x),
            None,
            Peer::Blob(bundle, file),
            Want::Verified,
        );
    }
    {
        let (repo, x) = b.image("c-flip-tag", "flip tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(b.at(&repo, &x)),
        );
        flip_tag_signature(reg, &repo, &sig_tag(&x));
        b.add(
            "cosign: .sig tag, flipped signature bit",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );

        let (repo, x) = b.image("c-flip-bundle", "flip bundle");
        let (scratch, _) = b.image("c-scratch", "flip bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(b.at(&scratch, &x)));
        let (m, signed) = only_referrer(reg, &scratch, &x, BUNDLE);
        attach_bytes(
            reg,
            &repo,
            &x,
            BUNDLE,
            BUNDLE,
            &flip_bundle_signature(&signed),
            &m,
        );
        b.add(
            "cosign: bundle, flipped signature bit",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );

        let (repo, x) = b.image("c-other-digest", "payload other digest");
        let other = sha256(b"some other manifest");
        push_signed_payload(s, reg, &repo, &x, &other, &key("cosign.key"));
        b.add(
            "cosign: signed payload names another digest",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("payload names"),
        );

        let (repo, x) = b.image("c-moved-tag", "moved tag");
        let y = push_image(reg, &repo, "other", "another image for the tag");
        run_ok(
            s.cosign("sign", &key("cosign.key"))
                .arg("--new-bundle-format=false")
                .arg(b.at(&repo, &y)),
        );
        copy_tag(reg, &repo, &sig_tag(&y), &sig_tag(&x));
        b.add(
            "cosign: .sig moved onto another subject",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("payload names"),
        );

        let (repo, x) = b.image("c-moved-bundle", "moved bundle");
        let y = push_image(reg, &repo, "other", "another image for the bundle");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(b.at(&repo, &y)));
        let (m, signed) = only_referrer(reg, &repo, &y, BUNDLE);
        attach_bytes(reg, &repo, &x, BUNDLE, BUNDLE, &signed, &m);
        b.add(
            "cosign: bundle moved onto another subject",
            b.at(&repo, &x),
            None,
            cosign_peer(&[]),
            Want::Fails("names"),
        );

        let (repo, x) = b.image("c-wrong-key", "wrong key");
        run_ok(s.cosign("sign", &key("cosign.key")).arg(b.at(&repo, &x)));
        b.add(
            "cosign: wrong key",
            b.at(&repo, &x),
            Some(s.key("other.pub")),
            cosign_peer(&[]),
            Want::Fails("does not verify"),
        );
    }
}
