//! Rekor transparency-log entries, checked offline: the signed entry timestamp (SET) over
//! the entry, the RFC 6962 inclusion proof and its signed checkpoint, and that the logged
//! body records this very signature, key and content.
use super::merkle;
use super::root::{within, TrustedRoot};
use crate::verify::crypto::{EcdsaEncoding, Hash, Scheme};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;

/// One entry, from a bundle (`tlogEntries[]`) or cosign's `dev.sigstore.cosign/bundle` annotation.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub body: Vec<u8>,
    pub integrated_time: i64,
    pub log_index: i64,
    pub log_id: Vec<u8>,
    pub set: Option<Vec<u8>>,
    pub proof: Option<Proof>,
}

/// An RFC 6962 inclusion proof with the log's signed checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Proof {
    pub log_index: i64,
    pub tree_size: i64,
    pub root_hash: Vec<u8>,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: String,
}

/// What the logged body must record.
#[derive(Debug, Clone)]
pub enum Expect<'a> {
    /// A DSSE envelope: the payload's sha256 and the signature.
    Dsse {
        payload: &'a [u8],
        signature: &'a [u8],
    },
    /// A signature over content whose sha256 is `digest`.
    HashedRekord {
        digest: &'a [u8],
        signature: &'a [u8],
    },
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn b64(v: Option<&Value>) -> Option<Vec<u8>> {
    v?.as_str().and_then(|s| STANDARD.decode(s.trim()).ok())
}

impl Entry {
    /// Reads a bundle's `TransparencyLogEntry` (protobuf JSON).
    pub fn from_bundle(e: &Value) -> Result<Entry, String> {
        let body = b64(e.get("canonicalizedBody")).ok_or("entry has no canonicalizedBody")?;
        let proof = match e.get("inclusionProof") {
            None | Some(Value::Null) => None,
            Some(p) => {
                let hashes: Vec<Vec<u8>> = p
                    .get("hashes")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(|h| b64(Some(h))).collect())
                    .unwrap_or_default();
                Some(Proof {
                    log_index: int(p.get("logIndex")).ok_or("inclusion proof has no logIndex")?,
                    tree_size: int(p.get("treeSize")).ok_or("inclusion proof has no treeSize")?,
                    root_hash: b64(p.get("rootHash")).ok_or("inclusion proof has no rootHash")?,
                    hashes,
                    checkpoint: p
                        .get("checkpoint")
                        .and_then(|c| c.get("envelope"))
                        .and_then(Value::as_str)
                        .ok_or("inclusion proof has no checkpoint")?
                        .to_string(),
                })
            }
        };
        Ok(Entry {
            body,
            integrated_time: int(e.get("integratedTime")).unwrap_or(0),
            log_index: int(e.get("logIndex")).ok_or("entry has no logIndex")?,
            log_id: b64(e.get("logId").and_then(|l| l.get("keyId"))).ok_or("entry has no logId")?,
            set: b64(e
                .get("inclusionPromise")
                .and_then(|p| p.get("signedEntryTimestamp"))),
            proof,
        })
    }

    /// Reads cosign's `dev.sigstore.cosign/bundle` annotation (a Rekor SET and its payload).
    pub fn from_cosign_annotation(text: &str) -> Result<Entry, String> {
        let v: Value = serde_json::from_str(text)
            .map_err(|e| format!("bundle annotation is not JSON: {e}"))?;
        let p = v.get("Payload").ok_or("bundle annotation has no Payload")?;
        Ok(Entry {
            body: b64(p.get("body")).ok_or("bundle annotation has no body")?,
            integrated_time: int(p.get("integratedTime")).unwrap_or(0),
            log_index: int(p.get("logIndex")).ok_or("bundle annotation has no logIndex")?,
            log_id: p
                .get("logID")
                .and_then(Value::as_str)
                .and_then(|h| hex::decode(h).ok())
                .ok_or("bundle annotation has no logID")?,
            set: b64(v.get("SignedEntryTimestamp")),
            proof: None,
        })
    }

    pub fn integrated_at(&self) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(self.integrated_time).ok()
    }
}

/// The SET payload: RFC 8785 canonical JSON of body, integratedTime, logID, logIndex.
fn set_payload(e: &Entry) -> String {
    // Keys in canonical (sorted) order; values are a base64 string, hex string and integers.
    format!(
        "{{\"body\":{},\"integratedTime\":{},\"logID\":{},\"logIndex\":{}}}",
        Value::String(STANDARD.encode(&e.body)),
        e.integrated_time,
        Value::String(hex::encode(&e.log_id)),
        e.log_index
    )
}

/// Checks a signed checkpoint (a signed note: origin, size, root, blank line, signatures)
/// with the log key and returns (size, root hash) it commits to.
fn checkpoint(text: &str, log: &super::root::TransparencyLog) -> Result<(i64, Vec<u8>), String> {
    let (body, sigs) = text
        .split_once("\n\n")
        .ok_or("checkpoint is not a signed note")?;
    let signed = format!("{body}\n");
    let mut lines = body.lines();
    let _origin = lines.next().ok_or("checkpoint has no origin")?;
    let size: i64 = lines
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or("checkpoint has no tree size")?;
    let root = lines
        .next()
        .and_then(|r| STANDARD.decode(r).ok())
        .ok_or("checkpoint has no root hash")?;
    let ok = sigs.lines().take(16).any(|l| {
        let Some(rest) = l.strip_prefix("\u{2014} ") else {
            return false;
        };
        let Some(sig) = rest
            .rsplit_once(' ')
            .and_then(|(_, s)| STANDARD.decode(s).ok())
            .filter(|s| s.len() > 4)
        else {
            return false;
        };
        // The first four bytes are the key hint; the rest is the signature.
        log_verify(log, signed.as_bytes(), &sig[4..])
    });
    if !ok {
        return Err("checkpoint signature does not verify with the log's key".into());
    }
    Ok((size, root))
}

fn log_verify(log: &super::root::TransparencyLog, msg: &[u8], sig: &[u8]) -> bool {
    use crate::verify::crypto::KeyKind;
    let scheme = match log.key.kind {
        KeyKind::Ec(c) => Scheme::Ecdsa(c.default_hash(), EcdsaEncoding::Der),
        KeyKind::Ed25519 => Scheme::Ed25519,
        KeyKind::Rsa { .. } => Scheme::RsaPkcs1(Hash::Sha256),
    };
    log.key.verify(scheme, msg, sig).is_ok()
}

fn pem_der(b: &[u8]) -> Option<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(b)
        .next()
        .and_then(Result::ok)
        .map(|p| p.contents)
}

/// The logged body records `expect`, signed by the key of `signer_der` (certificate or key DER).
fn check_body(body: &[u8], expect: &Expect<'_>, signer_der: &[u8]) -> Result<(), String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("logged body is not JSON: {e}"))?;
    let kind = v.get("kind").and_then(Value::as_str).unwrap_or("?");
    let spec = v.get("spec").unwrap_or(&Value::Null);
    let hexv = |h: Option<&Value>| h.and_then(Value::as_str).and_then(|s| hex::decode(s).ok());
    let (digest, sig, key) = match (kind, expect) {
        ("hashedrekord", Expect::HashedRekord { .. }) => (
            hexv(spec.pointer("/data/hash/value")),
            b64(spec.pointer("/signature/content")),
            b64(spec.pointer("/signature/publicKey/content")),
        ),
        ("dsse", Expect::Dsse { .. }) => (
            hexv(spec.pointer("/payloadHash/value")),
            b64(spec.pointer("/signatures/0/signature")),
            b64(spec.pointer("/signatures/0/verifier")),
        ),
        ("intoto", Expect::Dsse { .. }) => (
            hexv(spec.pointer("/content/payloadHash/value")),
            b64(spec.pointer("/content/envelope/signatures/0/sig"))
                .and_then(|s| STANDARD.decode(&s).ok()),
            b64(spec.pointer("/content/envelope/signatures/0/publicKey")),
        ),
        (k, _) => {
            return Err(format!(
                "logged entry kind {:?} does not record this kind of signature",
                crate::inspect::clip(k, 40)
            ))
        }
    };
    let (want_digest, want_sig) = match expect {
        Expect::Dsse { payload, signature } => (Sha256::digest(payload).to_vec(), *signature),
        Expect::HashedRekord { digest, signature } => (digest.to_vec(), *signature),
    };
    if digest.as_deref() != Some(want_digest.as_slice()) {
        return Err("the logged entry records other content".into());
    }
    if sig.as_deref() != Some(want_sig) {
        return Err("the logged entry records another signature".into());
    }
    if key.as_deref().and_then(pem_der).as_deref() != Some(signer_der) {
        return Err("the logged entry records another certificate".into());
    }
    Ok(())
}

/// Verifies one entry: its log is in the trusted root, the SET (required: it is what makes
/// the integrated time trustworthy) and the inclusion proof when present, and the body.
/// Returns the verified integrated time.
pub fn verify(
    e: &Entry,
    root: &TrustedRoot,
    expect: &Expect<'_>,
    signer_der: &[u8],
) -> Result<OffsetDateTime, String> {
    let log = root
        .log(&e.log_id)
        .ok_or("the entry's log is not in the trusted root")?;
    let t = e
        .integrated_at()
        .ok_or("the entry has no integrated time")?;
    if !within(t, log.valid_from, log.valid_until) {
        return Err("the log's key was not valid at the entry's integrated time".into());
    }
    let set = e
        .set
        .as_ref()
        .ok_or("the entry has no signed entry timestamp (inclusion promise)")?;
    if !log_verify(log, set_payload(e).as_bytes(), set) {
        return Err("the signed entry timestamp does not verify with the log's key".into());
    }
    if let Some(p) = &e.proof {
        let leaf = merkle::leaf_hash(&e.body);
        let (index, size) = (
            u64::try_from(p.log_index).map_err(|_| "negative log index")?,
            u64::try_from(p.tree_size).map_err(|_| "negative tree size")?,
        );
        let computed = merkle::root_from_proof(index, size, &leaf, &p.hashes)?;
        if computed != p.root_hash {
            return Err("the inclusion proof does not lead to its root hash".into());
        }
        let (cp_size, cp_root) = checkpoint(&p.checkpoint, log)?;
        if cp_size != p.tree_size || cp_root != p.root_hash {
            return Err("the checkpoint does not commit to the proof's tree".into());
        }
    }
    check_body(&e.body, expect, signer_der)?;
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_payload_is_canonical_json() {
        let e = Entry {
            body: b"{}".to_vec(),
            integrated_time: 1700000000,
            log_index: 7,
            log_id: vec![0xab, 0xcd],
            ..Default::default()
        };
        assert_eq!(
            set_payload(&e),
            r#"{"body":"e30=","integratedTime":1700000000,"logID":"abcd","logIndex":7}"#
        );
    }
}
