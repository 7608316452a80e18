//! Notation signatures: JWS JSON serialization (`application/jose+json`) and COSE_Sign1
//! (`application/cose`) envelopes with a Notary payload naming the signed artifact.
//!
//! [`parse_jws`] and [`parse_cose`] read an envelope into its raw parts (what the signature
//! covers, the signature, headers, chain); the summaries and the verifier both build on them.
use super::cert::{self, CertSummary};
use super::clip;
use super::MAX_LISTED;
use serde::Serialize;
use serde_json::Value;

pub use super::notation_envelope::*;

pub const ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";

/// What a Notation signature envelope says (its signature is not checked).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotationSummary {
    /// `jws` or `cose`.
    pub envelope: String,
    pub algorithm: Option<String>,
    pub content_type: Option<String>,
    pub signing_scheme: Option<String>,
    pub signing_time: Option<String>,
    pub expiry: Option<String>,
    pub signing_agent: Option<String>,
    /// `targetArtifact.digest` of the signed payload.
    pub target_digest: Option<String>,
    pub target_media_type: Option<String>,
    pub certificates: Vec<CertSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

fn target(payload: &[u8]) -> Result<(Option<String>, Option<String>), String> {
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| format!("signed payload is not JSON: {e}"))?;
    let t = v
        .get("targetArtifact")
        .ok_or("signed payload has no targetArtifact")?;
    let s = |k: &str| t.get(k).and_then(Value::as_str).map(|s| clip(s, 200));
    Ok((s("digest"), s("mediaType")))
}

fn summarise(e: RawEnvelope) -> NotationSummary {
    let mut problems = Vec::new();
    if e.chain_malformed > 0 {
        problems.push("certificate is not base64".into());
    }
    let (target_digest, target_media_type) = target(&e.payload).unwrap_or_else(|m| {
        problems.push(m);
        (None, None)
    });
    let mut certificates = Vec::new();
    for der in e.chain.iter().take(MAX_LISTED) {
        match cert::from_der(der) {
            Ok(c) => certificates.push(c),
            Err(m) => problems.push(m),
        }
    }
    let p = e.protected;
    let time = |t: Option<HeaderTime>| t.map(|t| t.text);
    NotationSummary {
        envelope: e.format.into(),
        algorithm: p.alg,
        content_type: p.content_type,
        signing_scheme: p.signing_scheme,
        signing_time: time(p.signing_time.or(p.authentic_signing_time)),
        expiry: time(p.expiry),
        signing_agent: e.signing_agent,
        target_digest,
        target_media_type,
        certificates,
        problems,
    }
}

/// Decodes a JWS JSON serialization (flattened) envelope.
pub fn decode_jws(bytes: &[u8]) -> Result<NotationSummary, String> {
    parse_jws(bytes).map(summarise)
}

/// Decodes a COSE_Sign1 envelope (tagged 18 or untagged).
pub fn decode_cose(bytes: &[u8]) -> Result<NotationSummary, String> {
    let e = parse_cose(bytes)?;
    let detached = e.payload.is_empty();
    let mut s = summarise(e);
    if detached {
        // An empty payload decodes as "not JSON"; say what it really is.
        s.problems
            .retain(|p| !p.starts_with("signed payload is not JSON"));
        s.problems.insert(0, "detached or missing payload".into());
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    const SUBJECT: &str = "sha256:0b49609a94b245956d06204f55aad4233366e295e1f801eebfb0716448e86a60";
    // Made by `notation sign --signature-format jws|cose` with `notation cert generate-test`.
    const JWS: &[u8] = include_bytes!("../../tests/fixtures/inspect/notation.jws");
    const COSE: &[u8] = include_bytes!("../../tests/fixtures/inspect/notation.cose");

    fn check(n: &NotationSummary) {
        assert_eq!(n.target_digest.as_deref(), Some(SUBJECT));
        assert_eq!(n.signing_scheme.as_deref(), Some("notary.x509"));
        assert_eq!(n.algorithm.as_deref(), Some("PS256"));
        assert!(
            n.signing_time
                .as_deref()
                .is_some_and(|t| t.starts_with("2026-11-28T02:43:37")),
            "{:?}",
            n.signing_time
        );
        assert_eq!(n.certificates.len(), 1);
        let c = &n.certificates[0];
        assert!(c.subject.contains("CN=arbor.test"), "{}", c.subject);
        assert_eq!(
            c.sha256, "f0e69d05b23700cd7ff446205cd71073f2e9c51d719faaa18c523cf67d1e2919",
            "thumbprint notation recorded"
        );
        assert!(n.problems.is_empty(), "{:?}", n.problems);
    }

    #[test]
    fn notation_jws_envelope() {
        let n = decode_jws(JWS).unwrap();
        assert_eq!(n.envelope, "jws");
        check(&n);
    }

    #[test]
    fn notation_cose_envelope() {
        let n = decode_cose(COSE).unwrap();
        assert_eq!(n.envelope, "cose");
        check(&n);
    }

    #[test]
    fn truncated_and_garbage_envelopes_give_a_message() {
        for cut in [0, 1, 10, COSE.len() / 2, COSE.len() - 1] {
            assert!(decode_cose(&COSE[..cut]).is_err(), "cut {cut}");
        }
        for cut in [0, 1, JWS.len() / 2, JWS.len() - 2] {
            assert!(decode_jws(&JWS[..cut]).is_err(), "cut {cut}");
        }
        assert!(decode_cose(&[0xd2, 0x84, 0x40, 0xa0, 0xf6, 0x40])
            .unwrap()
            .problems[0]
            .contains("payload"));
        assert!(decode_cose(&[0x9f; 4096]).is_err(), "deep nesting refused");
        assert!(decode_jws(br#"{"protected":"e30","payload":"e30"}"#)
            .unwrap()
            .problems[0]
            .contains("targetArtifact"));
    }
}
