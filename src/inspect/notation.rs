//! Notation signatures: JWS JSON serialization (`application/jose+json`) and COSE_Sign1
//! (`application/cose`) envelopes with a Notary payload naming the signed artifact.
use super::cert::{self, CertSummary};
use super::intoto::b64_any;
use super::{clip, MAX_LISTED};
use ciborium::Value as Cbor;
use serde::Serialize;
use serde_json::Value;

pub const ARTIFACT_TYPE: &str = "application/vnd.cncf.notary.signature";
const SCHEME: &str = "io.cncf.notary.signingScheme";
const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
const EXPIRY: &str = "io.cncf.notary.expiry";
const AGENT: &str = "io.cncf.notary.signingAgent";

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

fn certs(
    ders: impl Iterator<Item = Option<Vec<u8>>>,
    problems: &mut Vec<String>,
) -> Vec<CertSummary> {
    let mut out = Vec::new();
    for der in ders.take(MAX_LISTED) {
        match der.map(|d| cert::from_der(&d)) {
            Some(Ok(c)) => out.push(c),
            Some(Err(e)) => problems.push(e),
            None => problems.push("certificate is not base64".into()),
        }
    }
    out
}

/// Decodes a JWS JSON serialization (flattened) envelope.
pub fn decode_jws(bytes: &[u8]) -> Result<NotationSummary, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a JWS envelope: {e}"))?;
    let protected = v
        .get("protected")
        .and_then(Value::as_str)
        .ok_or("not a JWS envelope: no protected header")?;
    let protected = b64_any(protected).ok_or("JWS protected header is not base64url")?;
    let h: Value = serde_json::from_slice(&protected)
        .map_err(|e| format!("JWS protected header is not JSON: {e}"))?;
    let payload = v
        .get("payload")
        .and_then(Value::as_str)
        .and_then(b64_any)
        .ok_or("JWS payload missing or not base64url")?;
    let mut problems = Vec::new();
    let (target_digest, target_media_type) = target(&payload).unwrap_or_else(|e| {
        problems.push(e);
        (None, None)
    });
    let header = v.get("header").unwrap_or(&Value::Null);
    let x5c = header
        .get("x5c")
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[]);
    let certificates = certs(
        x5c.iter().map(|c| c.as_str().and_then(b64_any)),
        &mut problems,
    );
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(|s| clip(s, 200));
    Ok(NotationSummary {
        envelope: "jws".into(),
        algorithm: s(&h, "alg"),
        content_type: s(&h, "cty"),
        signing_scheme: s(&h, SCHEME),
        signing_time: s(&h, SIGNING_TIME),
        expiry: s(&h, EXPIRY),
        signing_agent: s(header, AGENT),
        target_digest,
        target_media_type,
        certificates,
        problems,
    })
}

fn cose_alg(i: i128) -> String {
    match i {
        -37 => "PS256".into(),
        -38 => "PS384".into(),
        -39 => "PS512".into(),
        -7 => "ES256".into(),
        -35 => "ES384".into(),
        -36 => "ES512".into(),
        other => format!("COSE alg {other}"),
    }
}

fn map_get<'a>(m: &'a [(Cbor, Cbor)], key: &Cbor) -> Option<&'a Cbor> {
    m.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn cbor_time(v: &Cbor) -> Option<String> {
    let v = match v {
        Cbor::Tag(1, inner) => inner.as_ref(),
        other => other,
    };
    let secs = match v {
        Cbor::Integer(i) => i64::try_from(i128::from(*i)).ok()?,
        Cbor::Float(f) if f.is_finite() && f.abs() < 1e15 => *f as i64,
        Cbor::Text(t) => return Some(clip(t, 60)),
        _ => return None,
    };
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    t.format(&time::format_description::well_known::Rfc3339)
        .ok()
}

/// Decodes a COSE_Sign1 envelope (tagged 18 or untagged).
pub fn decode_cose(bytes: &[u8]) -> Result<NotationSummary, String> {
    let v: Cbor =
        ciborium::de::from_reader(bytes).map_err(|e| format!("not a COSE_Sign1 envelope: {e}"))?;
    let v = match v {
        Cbor::Tag(18, inner) => *inner,
        other => other,
    };
    let Cbor::Array(parts) = v else {
        return Err("not a COSE_Sign1 envelope: not an array".into());
    };
    let [Cbor::Bytes(protected), Cbor::Map(unprotected), payload, _sig] = parts.as_slice() else {
        return Err(
            "not a COSE_Sign1 envelope: expected [protected, unprotected, payload, signature]"
                .into(),
        );
    };
    let prot: Vec<(Cbor, Cbor)> = if protected.is_empty() {
        Vec::new()
    } else {
        match ciborium::de::from_reader(protected.as_slice()) {
            Ok(Cbor::Map(m)) => m,
            _ => return Err("COSE protected header is not a CBOR map".into()),
        }
    };
    let text =
        |m: &[(Cbor, Cbor)], k: Cbor| map_get(m, &k).and_then(Cbor::as_text).map(|s| clip(s, 200));
    let mut problems = Vec::new();
    let (target_digest, target_media_type) = match payload {
        Cbor::Bytes(p) => target(p).unwrap_or_else(|e| {
            problems.push(e);
            (None, None)
        }),
        _ => {
            problems.push("detached or missing payload".into());
            (None, None)
        }
    };
    let chain: Vec<Option<Vec<u8>>> = match map_get(unprotected, &Cbor::Integer(33.into())) {
        Some(Cbor::Array(a)) => a.iter().map(|c| c.as_bytes().cloned()).collect(),
        Some(Cbor::Bytes(b)) => vec![Some(b.clone())],
        _ => Vec::new(),
    };
    let certificates = certs(chain.into_iter(), &mut problems);
    Ok(NotationSummary {
        envelope: "cose".into(),
        algorithm: map_get(&prot, &Cbor::Integer(1.into()))
            .and_then(Cbor::as_integer)
            .map(|i| cose_alg(i.into())),
        content_type: text(&prot, Cbor::Integer(3.into())),
        signing_scheme: text(&prot, Cbor::Text(SCHEME.into())),
        signing_time: map_get(&prot, &Cbor::Text(SIGNING_TIME.into())).and_then(cbor_time),
        expiry: map_get(&prot, &Cbor::Text(EXPIRY.into())).and_then(cbor_time),
        signing_agent: text(unprotected, Cbor::Text(AGENT.into())),
        target_digest,
        target_media_type,
        certificates,
        problems,
    })
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
