//! cosign signatures: simple-signing payloads signed in a layer annotation (the `.sig` tag
//! and OCI 1.1 referrer forms), DSSE attestations (`.att`), and Sigstore bundles (DSSE
//! envelope or message signature) — with `--key` public keys, or keyless against a trusted
//! root. The transparency log is not consulted for key-based signatures, as with
//! `cosign verify --insecure-ignore-tlog`.
use super::config::{NamedKey, VerifyConfig};
use super::sigstore::{self, tlog};
use super::verdict::{Kind, SignatureVerdict};
use super::Subject;
use crate::inspect::clip;
use crate::inspect::cosign::{self as dec, BundleContent};
use crate::inspect::intoto;
use crate::oci::Descriptor;
use crate::store::Store;
use serde_json::Value;

const IN_TOTO: &str = "application/vnd.in-toto+json";
const NO_TLOG: &str =
    "transparency log not checked (key-based signature, as cosign --insecure-ignore-tlog)";

/// The first key that verifies one of `sigs` over `msg`.
fn with_keys<'k>(keys: &'k [NamedKey], msg: &[u8], sigs: &[&[u8]]) -> Result<&'k NamedKey, String> {
    keys.iter()
        .find(|k| sigs.iter().any(|s| sigstore::key_verifies(&k.key, msg, s)))
        .ok_or_else(|| {
            if keys.len() == 1 {
                "signature does not verify with the key".into()
            } else {
                format!(
                    "signature does not verify with any of the {} keys",
                    keys.len()
                )
            }
        })
}

/// Key-based verification of `sigs` over `msg` into `v`.
fn key_based(v: &mut SignatureVerdict, cfg: &VerifyConfig, msg: &[u8], sigs: &[&[u8]]) {
    if cfg.keys.is_empty() {
        v.unverifiable("no key given (--key) for a cosign signature".into());
        return;
    }
    match with_keys(&cfg.keys, msg, sigs) {
        Ok(k) => {
            v.signer = Some(format!("key {}", k.name));
            v.pass("signature", Some(format!("{} key {}", k.key.kind, k.name)));
            v.notes.push(NO_TLOG.into());
        }
        Err(m) => v.fail("signature", m),
    }
}

/// The subject binding: `claimed` digests include the subject's.
fn binding(v: &mut SignatureVerdict, what: &str, claimed: &[String], subject: &Subject) {
    let want = subject.descriptor.digest.to_string();
    if claimed.contains(&want) {
        v.pass("payload", Some(format!("{what} names {want}")));
    } else {
        let named = claimed
            .first()
            .map(|c| clip(c, 80))
            .unwrap_or_else(|| "no digest".into());
        v.fail("payload", format!("{what} names {named} not the subject"));
    }
}

fn pem_chain(texts: &[&String]) -> Vec<Vec<u8>> {
    texts
        .iter()
        .flat_map(|t| {
            x509_parser::pem::Pem::iter_from_buffer(t.as_bytes())
                .take(10)
                .filter_map(Result::ok)
                .filter(|p| p.label == "CERTIFICATE")
                .map(|p| p.contents)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// A keyless signature's certificates (DER, leaf first) and transparency-log entries.
type Material = (Vec<Vec<u8>>, Vec<Result<tlog::Entry, String>>);

/// Keyless material carried in a layer's annotations (legacy cosign), if any.
fn annotation_chain(layer: &Descriptor) -> Option<Material> {
    let a = layer.annotations.as_ref()?;
    let cert = a.get(dec::ANN_CERTIFICATE).filter(|c| !c.is_empty())?;
    let mut texts = vec![cert];
    texts.extend(a.get(dec::ANN_CHAIN).filter(|c| !c.is_empty()));
    let entries = a
        .get(dec::ANN_BUNDLE)
        .map(|b| vec![tlog::Entry::from_cosign_annotation(b)])
        .unwrap_or_default();
    Some((pem_chain(&texts), entries))
}

/// A simple-signing layer: the annotation's signature over the blob, and the blob's
/// `docker-manifest-digest` is the subject.
pub fn verify_simple_signing(
    bytes: &[u8],
    layer: &Descriptor,
    subject: &Subject,
    cfg: &VerifyConfig,
) -> SignatureVerdict {
    let mut v = SignatureVerdict::new(Kind::Cosign, "simple-signing");
    let sig = layer
        .annotations
        .as_ref()
        .and_then(|a| a.get(dec::ANN_SIGNATURE))
        .filter(|s| !s.is_empty());
    let Some(sig) = sig.and_then(|s| intoto::b64_any(s)) else {
        v.fail("signature", "no signature in the layer annotation".into());
        return v.finish();
    };
    match annotation_chain(layer) {
        Some((chain, entries)) => {
            let digest = sha2_256(bytes);
            sigstore::verify_keyless(
                sigstore::Keyless {
                    chain: &chain,
                    signed: bytes,
                    signature: &sig,
                    expect: tlog::Expect::HashedRekord {
                        digest: &digest,
                        signature: &sig,
                    },
                    entries,
                },
                cfg,
                &mut v,
            );
        }
        None => key_based(&mut v, cfg, bytes, &[&sig]),
    }
    match dec::decode_simple_signing(bytes, None) {
        Ok(s) => binding(
            &mut v,
            "payload",
            &s.docker_manifest_digest.into_iter().collect::<Vec<_>>(),
            subject,
        ),
        Err(m) => v.fail("payload", m),
    }
    v.finish()
}

fn sha2_256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(b).to_vec()
}

/// DSSE's pre-authentication encoding (what DSSE signatures cover).
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A DSSE envelope's signatures over its PAE, its statement naming the subject; keyless
/// when `keyless` brings a certificate.
fn verify_dsse(
    v: &mut SignatureVerdict,
    env: &Value,
    subject: &Subject,
    cfg: &VerifyConfig,
    keyless: Option<Material>,
) {
    let d = match intoto::parse_dsse(env) {
        Ok(d) => d,
        Err(m) => return v.fail("signature", m),
    };
    if let Ok(st) = intoto::decode_statement(&d.payload) {
        v.predicate_type = Some(st.predicate_type.clone());
    }
    let signed = pae(&d.payload_type, &d.payload);
    let sigs: Vec<&[u8]> = d
        .signatures
        .iter()
        .filter_map(|(_, s)| s.as_deref())
        .collect();
    if sigs.is_empty() {
        return v.fail("signature", "the envelope has no signature".into());
    }
    match keyless {
        Some((chain, entries)) => sigstore::verify_keyless(
            sigstore::Keyless {
                chain: &chain,
                signed: &signed,
                signature: sigs[0],
                expect: tlog::Expect::Dsse {
                    payload: &d.payload,
                    signature: sigs[0],
                },
                entries,
            },
            cfg,
            v,
        ),
        None => key_based(v, cfg, &signed, &sigs),
    }
    if d.payload_type != IN_TOTO {
        return v.fail(
            "payload",
            format!(
                "payload type {} is not an in-toto statement",
                clip(&d.payload_type, 80)
            ),
        );
    }
    match intoto::decode_statement(&d.payload) {
        Ok(st) => binding(v, "statement", &st.subject_digests(), subject),
        Err(m) => v.fail("payload", m),
    }
}

/// A DSSE attestation layer (cosign's legacy `.att` tag).
pub fn verify_dsse_layer(
    bytes: &[u8],
    layer: &Descriptor,
    subject: &Subject,
    cfg: &VerifyConfig,
) -> SignatureVerdict {
    let mut v = SignatureVerdict::new(Kind::Cosign, "dsse");
    match serde_json::from_slice::<Value>(bytes) {
        Ok(env) => verify_dsse(&mut v, &env, subject, cfg, annotation_chain(layer)),
        Err(e) => v.fail("signature", format!("not a DSSE envelope: {e}")),
    }
    v.finish()
}

/// A Sigstore bundle: a DSSE envelope (PAE) or a message signature over the subject
/// manifest; keyless when the bundle carries a certificate.
pub async fn verify_bundle(
    store: &dyn Store,
    bytes: &[u8],
    subject: &Subject,
    cfg: &VerifyConfig,
) -> SignatureVerdict {
    let b = match dec::parse_bundle(bytes) {
        Ok(b) => b,
        Err(m) => {
            let mut v = SignatureVerdict::new(Kind::Cosign, "bundle");
            v.fail("signature", m);
            return v.finish();
        }
    };
    let keyless = (!b.certificates.is_empty()).then(|| {
        let entries = b
            .tlog_entries
            .iter()
            .map(tlog::Entry::from_bundle)
            .collect();
        (b.certificates.clone(), entries)
    });
    match &b.content {
        BundleContent::Dsse(env) => {
            let mut v = SignatureVerdict::new(Kind::Cosign, "bundle-dsse");
            verify_dsse(&mut v, env, subject, cfg, keyless);
            v.finish()
        }
        BundleContent::Message {
            algorithm,
            digest,
            signature,
        } => {
            let mut v = SignatureVerdict::new(Kind::Cosign, "bundle-message");
            let Some(sig) = signature else {
                v.fail(
                    "signature",
                    "message signature missing or not base64".into(),
                );
                return v.finish();
            };
            let claimed = digest
                .as_ref()
                .map(|d| format!("{}:{}", dec::digest_alg(algorithm), hex::encode(d)));
            binding(
                &mut v,
                "message digest",
                &claimed.into_iter().collect::<Vec<_>>(),
                subject,
            );
            if !v.ok() {
                return v.finish();
            }
            // The message is the subject manifest itself: its bytes, digest-verified.
            let msg = match store
                .manifest(&subject.repo, &subject.descriptor.digest.to_string())
                .await
            {
                Ok(m) => m.bytes,
                Err(e) => {
                    v.fail(
                        "signature",
                        format!("subject manifest could not be read: {e}"),
                    );
                    return v.finish();
                }
            };
            match keyless {
                Some((chain, entries)) => {
                    let digest = digest.clone().unwrap_or_default();
                    sigstore::verify_keyless(
                        sigstore::Keyless {
                            chain: &chain,
                            signed: &msg,
                            signature: sig,
                            expect: tlog::Expect::HashedRekord {
                                digest: &digest,
                                signature: sig,
                            },
                            entries,
                        },
                        cfg,
                        &mut v,
                    )
                }
                None => key_based(&mut v, cfg, &msg, &[sig]),
            }
            v.finish()
        }
        BundleContent::Missing => {
            let mut v = SignatureVerdict::new(Kind::Cosign, "bundle");
            v.fail(
                "signature",
                "bundle has neither a DSSE envelope nor a message signature".into(),
            );
            v.finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_the_dsse_encoding() {
        assert_eq!(
            pae("application/vnd.in-toto+json", b"{}"),
            b"DSSEv1 28 application/vnd.in-toto+json 2 {}".to_vec()
        );
    }
}
