//! cosign: simple-signing payloads (legacy `.sig` tags and referrers) and Sigstore bundles.
use super::cert::{self, CertSummary};
use super::intoto::{self, b64_any, StatementSummary};
use super::{clip, MAX_LISTED};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const ANN_SIGNATURE: &str = "dev.cosignproject.cosign/signature";
pub const ANN_CERTIFICATE: &str = "dev.sigstore.cosign/certificate";
pub const ANN_CHAIN: &str = "dev.sigstore.cosign/chain";
pub const ANN_BUNDLE: &str = "dev.sigstore.cosign/bundle";

/// A cosign simple-signing payload and what its layer annotations carry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimpleSigning {
    pub signature_type: Option<String>,
    pub docker_reference: Option<String>,
    /// `critical.image.docker-manifest-digest`: what was signed.
    pub docker_manifest_digest: Option<String>,
    pub has_signature: bool,
    /// The signing certificate (keyless); absent when signed with a key.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertSummary>,
    /// Transparency log entry from the Rekor bundle annotation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tlog: Vec<TlogEntry>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlogEntry {
    pub log_index: Option<String>,
    pub integrated_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// Decodes a simple-signing payload; `annotations` are the layer's.
pub fn decode_simple_signing(
    bytes: &[u8],
    annotations: Option<&BTreeMap<String, String>>,
) -> Result<SimpleSigning, String> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not a cosign simple-signing payload: {e}"))?;
    let critical = v
        .get("critical")
        .ok_or("not a cosign simple-signing payload: no `critical`")?;
    let s = |path: &[&str]| {
        path.iter()
            .try_fold(critical, |v, k| v.get(k))
            .and_then(Value::as_str)
            .map(|s| clip(s, 300))
    };
    let ann = |k: &str| annotations.and_then(|a| a.get(k)).filter(|v| !v.is_empty());
    let mut problems = Vec::new();
    let mut certificates = Vec::new();
    for pem in [ann(ANN_CERTIFICATE), ann(ANN_CHAIN)].into_iter().flatten() {
        for c in cert::from_pem(pem) {
            match c {
                Ok(c) => certificates.push(c),
                Err(e) => problems.push(e),
            }
        }
    }
    let mut tlog = Vec::new();
    if let Some(b) = ann(ANN_BUNDLE) {
        match serde_json::from_str::<Value>(b) {
            Ok(b) => {
                let p = b.get("Payload").unwrap_or(&Value::Null);
                tlog.push(TlogEntry {
                    log_index: p.get("logIndex").map(num_text),
                    integrated_time: p.get("integratedTime").map(num_text),
                    kind: None,
                });
            }
            Err(e) => problems.push(format!("bundle annotation is not JSON: {e}")),
        }
    }
    Ok(SimpleSigning {
        signature_type: s(&["type"]),
        docker_reference: s(&["identity", "docker-reference"]),
        docker_manifest_digest: s(&["image", "docker-manifest-digest"]),
        has_signature: ann(ANN_SIGNATURE).is_some(),
        certificates,
        tlog,
        problems,
    })
}

fn num_text(v: &Value) -> String {
    match v {
        Value::String(s) => clip(s, 40),
        other => clip(&other.to_string(), 40),
    }
}

/// Sigstore's `HashAlgorithm` names as digest prefixes (`SHA2_256` → `sha256`).
pub fn digest_alg(a: &str) -> String {
    match a {
        "SHA2_256" => "sha256".into(),
        "SHA2_384" => "sha384".into(),
        "SHA2_512" => "sha512".into(),
        other => clip(&other.to_ascii_lowercase(), 20),
    }
}

/// A Sigstore bundle (v0.1–v0.3).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BundleSummary {
    pub media_type: String,
    /// `dsse-envelope` or `message-signature`.
    pub content: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<CertSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_hint: Option<String>,
    pub tlog: Vec<TlogEntry>,
    pub timestamps: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementSummary>,
    /// `messageSignature.messageDigest` as `algorithm:hex`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_digest: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// What a Sigstore bundle signs with and over, as raw parts (for verification).
#[derive(Debug, Clone)]
pub struct BundleParts {
    pub media_type: String,
    /// DER certificates (`certificate`, or `x509CertificateChain`), leaf first.
    pub certificates: Vec<Vec<u8>>,
    /// Certificates whose `rawBytes` were missing or not base64.
    pub certificates_malformed: usize,
    pub public_key_hint: Option<String>,
    /// `verificationMaterial.tlogEntries`, as JSON.
    pub tlog_entries: Vec<Value>,
    pub timestamps: usize,
    pub content: BundleContent,
}

/// A bundle's signed content.
#[derive(Debug, Clone)]
pub enum BundleContent {
    /// The `dsseEnvelope` object.
    Dsse(Value),
    Message {
        /// Sigstore's hash algorithm name (`SHA2_256`…).
        algorithm: String,
        digest: Option<Vec<u8>>,
        signature: Option<Vec<u8>>,
    },
    Missing,
}

/// Reads a Sigstore bundle's parts.
pub fn parse_bundle(bytes: &[u8]) -> Result<BundleParts, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a Sigstore bundle: {e}"))?;
    let media_type = v
        .get("mediaType")
        .and_then(Value::as_str)
        .ok_or("not a Sigstore bundle: no mediaType")?;
    let vm = v.get("verificationMaterial").unwrap_or(&Value::Null);
    let raws: Vec<&Value> = match (
        vm.get("certificate"),
        vm.get("x509CertificateChain")
            .and_then(|c| c.get("certificates"))
            .and_then(Value::as_array),
    ) {
        (Some(c), _) => vec![c],
        (None, Some(chain)) => chain.iter().take(MAX_LISTED).collect(),
        _ => Vec::new(),
    };
    let mut certificates = Vec::new();
    let mut certificates_malformed = 0;
    for c in raws {
        match c.get("rawBytes").and_then(Value::as_str).and_then(b64_any) {
            Some(der) => certificates.push(der),
            None => certificates_malformed += 1,
        }
    }
    let tlog_entries = vm
        .get("tlogEntries")
        .and_then(Value::as_array)
        .map(|a| a.iter().take(MAX_LISTED).cloned().collect())
        .unwrap_or_default();
    let timestamps = vm
        .get("timestampVerificationData")
        .and_then(|t| t.get("rfc3161Timestamps"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let content = if let Some(env) = v.get("dsseEnvelope") {
        BundleContent::Dsse(env.clone())
    } else if let Some(ms) = v.get("messageSignature") {
        let md = ms.get("messageDigest");
        BundleContent::Message {
            algorithm: md
                .and_then(|m| m.get("algorithm"))
                .and_then(Value::as_str)
                .map(|a| clip(a, 40))
                .unwrap_or_else(|| "?".into()),
            digest: md
                .and_then(|m| m.get("digest"))
                .and_then(Value::as_str)
                .and_then(b64_any),
            signature: ms
                .get("signature")
                .and_then(Value::as_str)
                .and_then(b64_any),
        }
    } else {
        BundleContent::Missing
    };
    Ok(BundleParts {
        media_type: clip(media_type, 120),
        certificates,
        certificates_malformed,
        public_key_hint: vm
            .get("publicKey")
            .and_then(|k| k.get("hint"))
            .and_then(Value::as_str)
            .map(|h| clip(h, 120)),
        tlog_entries,
        timestamps,
        content,
    })
}

/// Decodes a Sigstore bundle.
pub fn decode_bundle(bytes: &[u8]) -> Result<BundleSummary, String> {
    let b = parse_bundle(bytes)?;
    let mut problems = Vec::new();
    let mut certificates = Vec::new();
    for der in &b.certificates {
        match cert::from_der(der) {
            Ok(c) => certificates.push(c),
            Err(e) => problems.push(e),
        }
    }
    for _ in 0..b.certificates_malformed {
        problems.push("certificate rawBytes missing or not base64".into());
    }
    let tlog = b
        .tlog_entries
        .iter()
        .map(|e| TlogEntry {
            log_index: e.get("logIndex").map(num_text),
            integrated_time: e.get("integratedTime").map(num_text),
            kind: e
                .get("kindVersion")
                .and_then(|k| k.get("kind"))
                .and_then(Value::as_str)
                .map(|k| clip(k, 60)),
        })
        .collect();
    let (content, statement, message_digest) = match &b.content {
        BundleContent::Dsse(env) => {
            let st = match intoto::from_envelope(env) {
                Ok(s) => Some(s),
                Err(e) => {
                    problems.push(e);
                    None
                }
            };
            ("dsse-envelope", st, None)
        }
        BundleContent::Message {
            algorithm, digest, ..
        } => {
            let digest = digest
                .as_ref()
                .map(|d| format!("{}:{}", digest_alg(algorithm), hex::encode(d)));
            ("message-signature", None, digest)
        }
        BundleContent::Missing => {
            problems.push("neither dsseEnvelope nor messageSignature".into());
            ("unknown", None, None)
        }
    };
    Ok(BundleSummary {
        media_type: b.media_type,
        content: content.into(),
        certificates,
        public_key_hint: b.public_key_hint,
        tlog,
        timestamps: b.timestamps,
        statement,
        message_digest,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    const SUBJECT: &str = "sha256:0b49609a94b245956d06204f55aad4233366e295e1f801eebfb0716448e86a60";

    #[test]
    fn cosign_legacy_signature_payload() {
        // `cosign sign --key … --new-bundle-format=false` output, with the layer's annotation.
        let ann = BTreeMap::from([(ANN_SIGNATURE.to_string(), "MEUCIQ==".to_string())]);
        let s = decode_simple_signing(
            include_bytes!("../../tests/fixtures/inspect/cosign-simplesigning.json"),
            Some(&ann),
        )
        .unwrap();
        assert_eq!(s.docker_manifest_digest.as_deref(), Some(SUBJECT));
        assert_eq!(
            s.signature_type.as_deref(),
            Some("cosign container image signature")
        );
        assert!(s.has_signature);
        assert!(s.certificates.is_empty());
    }

    #[test]
    fn cosign_v3_bundle_with_public_key() {
        let b = decode_bundle(include_bytes!(
            "../../tests/fixtures/inspect/cosign-bundle-v0.3.json"
        ))
        .unwrap();
        assert_eq!(
            b.media_type,
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        assert_eq!(b.content, "dsse-envelope");
        assert!(b.public_key_hint.is_some());
        assert!(b.tlog.is_empty(), "signed with --tlog-upload=false");
        let st = b.statement.unwrap();
        assert_eq!(st.predicate_type, "https://sigstore.dev/cosign/sign/v1");
        assert_eq!(st.subject_digests(), vec![SUBJECT.to_string()]);
    }

    #[test]
    fn bundle_with_tlog_and_bad_certificate() {
        let b = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"certificate":{"rawBytes":"AAAA"},
          "tlogEntries":[{"logIndex":"12345","integratedTime":"1700000000","kindVersion":{"kind":"dsse","version":"0.0.1"}}]},
          "messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAEC"},"signature":"AA=="}}"#;
        let b = decode_bundle(b).unwrap();
        assert_eq!(b.tlog[0].log_index.as_deref(), Some("12345"));
        assert_eq!(b.tlog[0].kind.as_deref(), Some("dsse"));
        assert_eq!(b.message_digest.as_deref(), Some("sha256:000102"));
        assert!(
            b.problems[0].contains("not an X.509 certificate"),
            "{:?}",
            b.problems
        );
    }

    #[test]
    fn malformed_cosign_input_gives_a_message() {
        assert!(decode_simple_signing(b"{}", None)
            .unwrap_err()
            .contains("no `critical`"));
        assert!(decode_simple_signing(b"\xff\xfe", None).is_err());
        assert!(decode_bundle(b"{}").unwrap_err().contains("no mediaType"));
        let full = include_bytes!("../../tests/fixtures/inspect/cosign-bundle-v0.3.json");
        assert!(decode_bundle(&full[..full.len() / 2]).is_err());
        let ann = BTreeMap::from([
            (ANN_BUNDLE.to_string(), "{".to_string()),
            (
                ANN_CERTIFICATE.to_string(),
                "-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----\n".to_string(),
            ),
        ]);
        let s = decode_simple_signing(
            br#"{"critical":{"image":{"docker-manifest-digest":7}}}"#,
            Some(&ann),
        )
        .unwrap();
        assert_eq!(s.docker_manifest_digest, None);
        assert_eq!(s.problems.len(), 2, "{:?}", s.problems);
    }
}
