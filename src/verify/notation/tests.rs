//! The Notary Project rules no peer tool will let us break on purpose (critical headers,
//! plugins, schemes, times, revocation information, timestamp policies), on JWS envelopes
//! signed here with a fixture key (`tests/fixtures/verify`, see its README).
use super::*;
use crate::oci::{Descriptor, Digest};
use crate::verify::config::PolicyState;
use crate::verify::notation::policy::TrustPolicy;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::{json, Value};

const KEY: &[u8] = include_bytes!("../../../tests/fixtures/verify/leaf.key");
const CERT: &[u8] = include_bytes!("../../../tests/fixtures/verify/leaf.crt");
const CERT_CRL: &[u8] = include_bytes!("../../../tests/fixtures/verify/leaf-crl.crt");

fn der(pem: &[u8]) -> Vec<u8> {
    x509_parser::pem::Pem::iter_from_buffer(pem)
        .next()
        .unwrap()
        .unwrap()
        .contents
}

fn subject() -> Subject {
    Subject {
        repo: "team/app".into(),
        scope: "localhost:5000/team/app".into(),
        descriptor: Descriptor {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            digest: Digest::sha256_of(b"the subject"),
            size: 1234,
            artifact_type: None,
            annotations: None,
            platform: None,
            urls: None,
        },
    }
}

fn payload() -> Value {
    let s = subject().descriptor;
    json!({"targetArtifact": {"mediaType": s.media_type, "digest": s.digest.to_string(), "size": s.size}})
}

fn headers() -> Value {
    json!({
        "alg": "ES256",
        "cty": "application/vnd.cncf.notary.payload.v1+json",
        "crit": ["io.cncf.notary.signingScheme"],
        "io.cncf.notary.signingScheme": "notary.x509",
        "io.cncf.notary.signingTime": "2030-01-01T00:00:00Z"
    })
}

/// A JWS envelope over `payload` with `headers`, signed with the fixture key.
fn jws(headers: &Value, payload: &Value, cert: &[u8]) -> Vec<u8> {
    let rng = ring::rand::SystemRandom::new();
    let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der(KEY), &rng).unwrap();
    let p = URL_SAFE_NO_PAD.encode(serde_json::to_vec(headers).unwrap());
    let b = URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap());
    let sig = kp.sign(&rng, format!("{p}.{b}").as_bytes()).unwrap();
    serde_json::to_vec(&json!({
        "payload": b, "protected": p,
        "header": {"x5c": [STANDARD.encode(der(cert))]},
        "signature": URL_SAFE_NO_PAD.encode(sig.as_ref())
    }))
    .unwrap()
}

/// A config whose trust store `fx` (ca and signingAuthority) holds both fixture certificates.
fn config(statement: Value) -> (VerifyConfig, tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    for t in ["ca", "signingAuthority"] {
        let dir = d.path().join("x509").join(t).join("fx");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("leaf.crt"), CERT).unwrap();
        std::fs::write(dir.join("leaf-crl.crt"), CERT_CRL).unwrap();
    }
    let mut st = statement;
    st["name"] = "fx".into();
    st["registryScopes"] = json!(["*"]);
    let doc = json!({"version": "1.0", "trustPolicies": [st]});
    let policy = TrustPolicy::parse(&serde_json::to_vec(&doc).unwrap()).unwrap();
    let cfg = VerifyConfig {
        keys: Vec::new(),
        policy: PolicyState::Loaded(policy),
        trust_store: d.path().to_path_buf(),
        trusted_root: None,
        identity: None,
        issuer: None,
        now: time::OffsetDateTime::parse(
            "2030-06-01T00:00:00Z",
            &time::format_description::well_known::Rfc3339,
        )
        .ok(),
    };
    (cfg, d)
}

fn strict() -> Value {
    json!({"signatureVerification": {"level": "strict"}, "trustStores": ["ca:fx"], "trustedIdentities": ["*"]})
}

fn run(h: &Value, p: &Value, cert: &[u8], statement: Value) -> SignatureVerdict {
    let (cfg, _d) = config(statement);
    verify(&jws(h, p, cert), "application/jose+json", &subject(), &cfg)
}

fn reason(v: &SignatureVerdict) -> &str {
    v.reason.as_deref().unwrap_or("")
}

#[test]
fn a_well_formed_es256_envelope_verifies() {
    let v = run(&headers(), &payload(), CERT, strict());
    assert_eq!(v.status, Status::Verified, "{v:#?}");
    assert_eq!(
        v.signer.as_deref(),
        Some("C=US, ST=WA, O=arbor fixtures, CN=fixture signer")
    );
    assert_eq!(v.signing_time.as_deref(), Some("2030-01-01T00:00:00Z"));
    assert!(v
        .notes
        .iter()
        .any(|n| n.starts_with("revocation not checked")));
}

#[test]
fn critical_headers_are_enforced() {
    let mut h = headers();
    h["crit"] = json!(["io.cncf.notary.signingScheme", "com.example.mustUnderstand"]);
    h["com.example.mustUnderstand"] = "x".into();
    let v = run(&h, &payload(), CERT, strict());
    assert!(reason(&v).contains("unknown critical header"), "{v:#?}");

    let mut h = headers();
    h["crit"] = json!([
        "io.cncf.notary.signingScheme",
        "io.cncf.notary.verificationPlugin"
    ]);
    h["io.cncf.notary.verificationPlugin"] = "com.example.plugin".into();
    let v = run(&h, &payload(), CERT, strict());
    assert!(
        reason(&v).contains("verification plugin \"com.example.plugin\""),
        "{v:#?}"
    );

    let mut h = headers();
    h["crit"] = json!(["io.cncf.notary.signingScheme", "absent.header"]);
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("not present"));

    let mut h = headers();
    h["crit"] = json!([]);
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("crit"));

    let mut h = headers();
    h["io.cncf.notary.expiry"] = "2031-01-01T00:00:00Z".into();
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("must be marked critical"));
}

#[test]
fn algorithm_content_type_and_scheme_are_checked() {
    let mut h = headers();
    h["alg"] = "PS256".into();
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("does not match the signing key"));
    let mut h = headers();
    h["cty"] = "application/json".into();
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("content type"));
    let mut h = headers();
    h["io.cncf.notary.signingScheme"] = "notary.custom".into();
    assert!(reason(&run(&h, &payload(), CERT, strict())).contains("signing scheme"));
}

#[test]
fn payload_digest_media_type_and_size_must_be_the_subject() {
    for (k, val, want) in [
        (
            "digest",
            json!(Digest::sha256_of(b"other").to_string()),
            "payload names sha256:",
        ),
        (
            "mediaType",
            json!("application/vnd.oci.image.index.v1+json"),
            "media type",
        ),
        ("size", json!(1), "size"),
    ] {
        let mut p = payload();
        p["targetArtifact"][k] = val;
        let v = run(&headers(), &p, CERT, strict());
        assert!(reason(&v).contains(want), "{k}: {v:#?}");
    }
}

#[test]
fn expiry_is_enforced_by_strict_and_logged_by_permissive() {
    let mut h = headers();
    h["io.cncf.notary.expiry"] = "2030-02-01T00:00:00Z".into();
    h["crit"] = json!(["io.cncf.notary.signingScheme", "io.cncf.notary.expiry"]);
    let v = run(&h, &payload(), CERT, strict());
    assert!(reason(&v).contains("expired at 2030-02-01"), "{v:#?}");
    let mut permissive = strict();
    permissive["signatureVerification"]["level"] = "permissive".into();
    let v = run(&h, &payload(), CERT, permissive);
    assert_eq!(v.status, Status::Verified);
    assert!(
        v.logged[0].starts_with("expiry: signature expired"),
        "{v:#?}"
    );
}

#[test]
fn signing_authority_scheme_uses_its_store_and_the_authentic_time() {
    let mut h = headers();
    h.as_object_mut()
        .unwrap()
        .remove("io.cncf.notary.signingTime");
    h["io.cncf.notary.signingScheme"] = "notary.x509.signingAuthority".into();
    h["io.cncf.notary.authenticSigningTime"] = "2030-01-01T00:00:00Z".into();
    h["crit"] = json!([
        "io.cncf.notary.signingScheme",
        "io.cncf.notary.authenticSigningTime"
    ]);
    let sa = json!({"signatureVerification": {"level": "strict"}, "trustStores": ["signingAuthority:fx"], "trustedIdentities": ["*"]});
    let v = run(&h, &payload(), CERT, sa);
    assert_eq!(v.status, Status::Verified, "{v:#?}");
    let v = run(&h, &payload(), CERT, strict());
    assert!(
        reason(&v).contains("names no signingAuthority trust store"),
        "{v:#?}"
    );
    h["io.cncf.notary.authenticSigningTime"] = "1999-01-01T00:00:00Z".into();
    let sa = json!({"signatureVerification": {"level": "strict"}, "trustStores": ["signingAuthority:fx"], "trustedIdentities": ["*"]});
    let v = run(&h, &payload(), CERT, sa);
    assert!(reason(&v).contains("authentic signing time"), "{v:#?}");
}

#[test]
fn a_signing_time_outside_the_certificate_fails_the_authentic_timestamp() {
    let mut h = headers();
    h["io.cncf.notary.signingTime"] = "2000-01-01T00:00:00Z".into();
    let v = run(&h, &payload(), CERT, strict());
    assert!(reason(&v).contains("signing time 2000-01-01"), "{v:#?}");
}

#[test]
fn revocation_is_not_passed_silently() {
    let v = run(&headers(), &payload(), CERT_CRL, strict());
    assert!(reason(&v).starts_with("revocation not checked"), "{v:#?}");
    let mut log = strict();
    log["signatureVerification"]["override"] = json!({"revocation": "log"});
    let v = run(&headers(), &payload(), CERT_CRL, log);
    assert_eq!(v.status, Status::Verified);
    assert!(v.logged[0].contains("revocation not checked"), "{v:#?}");
    let mut skip = strict();
    skip["signatureVerification"]["override"] = json!({"revocation": "skip"});
    let v = run(&headers(), &payload(), CERT_CRL, skip);
    assert_eq!(v.status, Status::Verified);
    assert!(v
        .checks
        .iter()
        .any(|c| c.check == "revocation" && c.outcome == crate::verify::verdict::Outcome::Skipped));
}

#[test]
fn a_policy_requiring_a_timestamp_fails_without_one() {
    let mut tsa = strict();
    tsa["trustStores"] = json!(["ca:fx", "tsa:fx"]);
    let v = run(&headers(), &payload(), CERT, tsa);
    assert!(reason(&v).contains("timestamp countersignature"), "{v:#?}");
}

#[test]
fn missing_or_unmatched_policy_makes_the_signature_unverifiable() {
    let (mut cfg, _d) = config(strict());
    cfg.policy = PolicyState::Missing("no Notation trust policy (x)".into());
    let v = verify(
        &jws(&headers(), &payload(), CERT),
        "application/jose+json",
        &subject(),
        &cfg,
    );
    assert_eq!(v.status, Status::Unverifiable);
    assert!(!v.verified);
}
