//! Notation signature envelopes read into their raw parts: what the signature covers (the
//! JWS signing input, the COSE `Sig_structure`), the signature, the protected headers, the
//! certificate chain. The inspect summaries and the verifier both build on these.
use super::intoto::b64_any;
use super::{clip, MAX_LISTED};
use ciborium::Value as Cbor;
use serde_json::Value;

pub const SCHEME: &str = "io.cncf.notary.signingScheme";
pub const SIGNING_TIME: &str = "io.cncf.notary.signingTime";
pub const AUTHENTIC_SIGNING_TIME: &str = "io.cncf.notary.authenticSigningTime";
pub const EXPIRY: &str = "io.cncf.notary.expiry";
const AGENT: &str = "io.cncf.notary.signingAgent";
const TIMESTAMP_SIGNATURE: &str = "io.cncf.notary.timestampSignature";
/// Certificates read from one envelope at most.
const MAX_CHAIN: usize = 10;

/// A time header: as written (for display) and as a point in time when it parses.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderTime {
    pub text: String,
    pub at: Option<time::OffsetDateTime>,
}

/// The protected (signed) headers of an envelope, JWS and COSE alike.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Protected {
    /// JWS `alg` name; COSE algorithms are mapped to the same names (`PS256`, `ES384`…).
    pub alg: Option<String>,
    pub content_type: Option<String>,
    /// Header names listed as critical (COSE integer labels as `label <n>`).
    pub crit: Vec<String>,
    pub signing_scheme: Option<String>,
    pub signing_time: Option<HeaderTime>,
    pub authentic_signing_time: Option<HeaderTime>,
    pub expiry: Option<HeaderTime>,
    /// Every other header present, by name (extended attributes).
    pub extended: Vec<String>,
    /// String values of extended headers (verification plugin names and the like).
    pub extended_text: Vec<(String, String)>,
}

/// A Notation envelope read into the parts verification needs, exactly as signed.
#[derive(Debug, Clone)]
pub struct RawEnvelope {
    /// `jws` or `cose`.
    pub format: &'static str,
    /// The bytes the signature covers: the JWS signing input or the COSE `Sig_structure`.
    pub signed_bytes: Vec<u8>,
    pub signature: Vec<u8>,
    pub payload: Vec<u8>,
    pub protected: Protected,
    /// DER certificates, signing certificate first.
    pub chain: Vec<Vec<u8>>,
    /// Entries of the chain that were not certificates bytes (counted, not kept).
    pub chain_malformed: usize,
    pub signing_agent: Option<String>,
    pub has_timestamp_signature: bool,
}

fn jws_time(v: &Value) -> HeaderTime {
    let text = v
        .as_str()
        .map(|s| clip(s, 60))
        .unwrap_or_else(|| clip(&v.to_string(), 60));
    let at = v.as_str().and_then(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
    });
    HeaderTime { text, at }
}

const JWS_STANDARD: &[&str] = &[
    "alg",
    "cty",
    "crit",
    SCHEME,
    SIGNING_TIME,
    AUTHENTIC_SIGNING_TIME,
    EXPIRY,
];

/// Reads a JWS JSON serialization (flattened) envelope into its parts.
pub fn parse_jws(bytes: &[u8]) -> Result<RawEnvelope, String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not a JWS envelope: {e}"))?;
    let protected_b64 = v
        .get("protected")
        .and_then(Value::as_str)
        .ok_or("not a JWS envelope: no protected header")?;
    let protected = b64_any(protected_b64).ok_or("JWS protected header is not base64url")?;
    let h: serde_json::Map<String, Value> = serde_json::from_slice(&protected)
        .map_err(|e| format!("JWS protected header is not a JSON object: {e}"))?;
    let payload_b64 = v
        .get("payload")
        .and_then(Value::as_str)
        .ok_or("JWS payload missing")?;
    let payload = b64_any(payload_b64).ok_or("JWS payload is not base64url")?;
    // A missing or unreadable signature is left empty: verification then says so.
    let signature = v
        .get("signature")
        .and_then(Value::as_str)
        .and_then(b64_any)
        .unwrap_or_default();
    let header = v.get("header").unwrap_or(&Value::Null);
    let x5c = header
        .get("x5c")
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or(&[]);
    let mut chain = Vec::new();
    let mut chain_malformed = 0;
    for c in x5c.iter().take(MAX_CHAIN) {
        match c.as_str().and_then(b64_any) {
            Some(der) => chain.push(der),
            None => chain_malformed += 1,
        }
    }
    let s = |k: &str| h.get(k).and_then(Value::as_str).map(|s| clip(s, 200));
    let crit = h
        .get("crit")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .take(MAX_LISTED)
                .map(|c| match c.as_str() {
                    Some(s) => clip(s, 200),
                    None => clip(&c.to_string(), 200),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut extended = Vec::new();
    let mut extended_text = Vec::new();
    for (k, val) in h.iter().take(MAX_LISTED) {
        if !JWS_STANDARD.contains(&k.as_str()) {
            extended.push(clip(k, 200));
            if let Some(t) = val.as_str() {
                extended_text.push((clip(k, 200), clip(t, 200)));
            }
        }
    }
    // The JWS signing input: the two base64url parts exactly as they appear in the envelope.
    let mut signed_bytes = Vec::with_capacity(protected_b64.len() + payload_b64.len() + 1);
    signed_bytes.extend_from_slice(protected_b64.as_bytes());
    signed_bytes.push(b'.');
    signed_bytes.extend_from_slice(payload_b64.as_bytes());
    Ok(RawEnvelope {
        format: "jws",
        signed_bytes,
        signature,
        payload,
        protected: Protected {
            alg: s("alg"),
            content_type: s("cty"),
            crit,
            signing_scheme: s(SCHEME),
            signing_time: h.get(SIGNING_TIME).map(jws_time),
            authentic_signing_time: h.get(AUTHENTIC_SIGNING_TIME).map(jws_time),
            expiry: h.get(EXPIRY).map(jws_time),
            extended,
            extended_text,
        },
        chain,
        chain_malformed,
        signing_agent: header
            .get(AGENT)
            .and_then(Value::as_str)
            .map(|s| clip(s, 200)),
        has_timestamp_signature: header.get(TIMESTAMP_SIGNATURE).is_some(),
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

fn cbor_time(v: &Cbor) -> Option<HeaderTime> {
    let v = match v {
        Cbor::Tag(1, inner) => inner.as_ref(),
        other => other,
    };
    let secs = match v {
        Cbor::Integer(i) => i64::try_from(i128::from(*i)).ok()?,
        Cbor::Float(f) if f.is_finite() && f.abs() < 1e15 => *f as i64,
        Cbor::Text(t) => {
            return Some(HeaderTime {
                text: clip(t, 60),
                at: None,
            })
        }
        _ => return None,
    };
    let t = time::OffsetDateTime::from_unix_timestamp(secs).ok()?;
    let text = t
        .format(&time::format_description::well_known::Rfc3339)
        .ok()?;
    Some(HeaderTime { text, at: Some(t) })
}

fn cbor_label(k: &Cbor) -> String {
    match k {
        Cbor::Text(t) => clip(t, 200),
        Cbor::Integer(i) => format!("label {}", i128::from(*i)),
        _ => "(unreadable label)".into(),
    }
}

/// Integer labels 1–3 (alg, crit, content type) and Notary's named headers.
fn cose_standard(k: &Cbor) -> bool {
    match k {
        Cbor::Integer(i) => matches!(i128::from(*i), 1..=3),
        Cbor::Text(t) => {
            [SCHEME, SIGNING_TIME, AUTHENTIC_SIGNING_TIME, EXPIRY].contains(&t.as_str())
        }
        _ => false,
    }
}

/// The COSE_Sign1 `Sig_structure` (RFC 9052 §4.4) over the protected bytes as received.
fn sig_structure(protected: &[u8], payload: &[u8]) -> Result<Vec<u8>, String> {
    let s = Cbor::Array(vec![
        Cbor::Text("Signature1".into()),
        Cbor::Bytes(protected.to_vec()),
        Cbor::Bytes(Vec::new()),
        Cbor::Bytes(payload.to_vec()),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&s, &mut out).map_err(|e| format!("COSE Sig_structure: {e}"))?;
    Ok(out)
}

/// Reads a COSE_Sign1 envelope (tagged 18 or untagged) into its parts.
pub fn parse_cose(bytes: &[u8]) -> Result<RawEnvelope, String> {
    let v: Cbor =
        ciborium::de::from_reader(bytes).map_err(|e| format!("not a COSE_Sign1 envelope: {e}"))?;
    let v = match v {
        Cbor::Tag(18, inner) => *inner,
        other => other,
    };
    let Cbor::Array(parts) = v else {
        return Err("not a COSE_Sign1 envelope: not an array".into());
    };
    let [Cbor::Bytes(protected_raw), Cbor::Map(unprotected), payload, sig] = parts.as_slice()
    else {
        return Err(
            "not a COSE_Sign1 envelope: expected [protected, unprotected, payload, signature]"
                .into(),
        );
    };
    let prot: Vec<(Cbor, Cbor)> = if protected_raw.is_empty() {
        Vec::new()
    } else {
        match ciborium::de::from_reader(protected_raw.as_slice()) {
            Ok(Cbor::Map(m)) => m,
            _ => return Err("COSE protected header is not a CBOR map".into()),
        }
    };
    let text =
        |m: &[(Cbor, Cbor)], k: Cbor| map_get(m, &k).and_then(Cbor::as_text).map(|s| clip(s, 200));
    let payload = match payload {
        Cbor::Bytes(p) => p.clone(),
        _ => Vec::new(),
    };
    let signature = match sig {
        Cbor::Bytes(s) => s.clone(),
        _ => Vec::new(),
    };
    let mut chain = Vec::new();
    let mut chain_malformed = 0;
    match map_get(unprotected, &Cbor::Integer(33.into())) {
        Some(Cbor::Array(a)) => {
            for c in a.iter().take(MAX_CHAIN) {
                match c.as_bytes() {
                    Some(b) => chain.push(b.clone()),
                    None => chain_malformed += 1,
                }
            }
        }
        Some(Cbor::Bytes(b)) => chain.push(b.clone()),
        _ => {}
    }
    let crit = match map_get(&prot, &Cbor::Integer(2.into())) {
        Some(Cbor::Array(a)) => a.iter().take(MAX_LISTED).map(cbor_label).collect(),
        _ => Vec::new(),
    };
    let mut extended = Vec::new();
    let mut extended_text = Vec::new();
    for (k, val) in prot.iter().take(MAX_LISTED) {
        if !cose_standard(k) {
            extended.push(cbor_label(k));
            if let Some(t) = val.as_text() {
                extended_text.push((cbor_label(k), clip(t, 200)));
            }
        }
    }
    let signed_bytes = sig_structure(protected_raw, &payload)?;
    Ok(RawEnvelope {
        format: "cose",
        signed_bytes,
        signature,
        protected: Protected {
            alg: map_get(&prot, &Cbor::Integer(1.into()))
                .and_then(Cbor::as_integer)
                .map(|i| cose_alg(i.into())),
            content_type: text(&prot, Cbor::Integer(3.into())),
            crit,
            signing_scheme: text(&prot, Cbor::Text(SCHEME.into())),
            signing_time: map_get(&prot, &Cbor::Text(SIGNING_TIME.into())).and_then(cbor_time),
            authentic_signing_time: map_get(&prot, &Cbor::Text(AUTHENTIC_SIGNING_TIME.into()))
                .and_then(cbor_time),
            expiry: map_get(&prot, &Cbor::Text(EXPIRY.into())).and_then(cbor_time),
            extended,
            extended_text,
        },
        payload,
        chain,
        chain_malformed,
        signing_agent: text(unprotected, Cbor::Text(AGENT.into())),
        has_timestamp_signature: map_get(unprotected, &Cbor::Text(TIMESTAMP_SIGNATURE.into()))
            .is_some(),
    })
}
