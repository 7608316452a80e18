//! The integrity steps of Notation verification: the envelope signature with the signing
//! certificate's key, the headers the specification requires (content type, signing scheme
//! and its time, critical headers), the certificate chain's structure, and the signed
//! `targetArtifact` against the subject. All are enforced at every level but `skip`.
use super::{PAYLOAD_TYPE, PLUGIN_HEADERS, SCHEME_SA, SCHEME_X509};
use crate::inspect::notation::{self as env, RawEnvelope};
use crate::verify::crypto::{EcdsaEncoding, Hash, Scheme};
use crate::verify::x509::{self, Cert};
use time::OffsetDateTime;

pub(super) fn header_time(
    t: &Option<env::HeaderTime>,
    name: &str,
) -> Result<Option<OffsetDateTime>, String> {
    match t {
        None => Ok(None),
        Some(t) => {
            t.at.map(Some)
                .ok_or_else(|| format!("{name} {:?} is not a valid time", t.text))
        }
    }
}

fn scheme_for(alg: &str) -> Option<Scheme> {
    use EcdsaEncoding::Fixed;
    Some(match alg {
        "PS256" => Scheme::RsaPss(Hash::Sha256),
        "PS384" => Scheme::RsaPss(Hash::Sha384),
        "PS512" => Scheme::RsaPss(Hash::Sha512),
        "ES256" => Scheme::Ecdsa(Hash::Sha256, Fixed),
        "ES384" => Scheme::Ecdsa(Hash::Sha384, Fixed),
        "ES512" => Scheme::Ecdsa(Hash::Sha512, Fixed),
        _ => return None,
    })
}

/// The envelope signature, its headers and the chain's structure.
pub(super) fn integrity(e: &RawEnvelope, chain: &[Cert<'_>]) -> Result<(), String> {
    if e.chain_malformed > 0 {
        return Err("the certificate chain holds an entry that is not a certificate".into());
    }
    let leaf = chain.first().ok_or("the envelope carries no certificate")?;
    let key = leaf.public_key()?;
    let alg = e
        .protected
        .alg
        .as_deref()
        .ok_or("no signature algorithm (alg)")?;
    let scheme =
        scheme_for(alg).ok_or_else(|| format!("signature algorithm {alg:?} is not allowed"))?;
    let key_alg = x509::notary_algorithm(&key)?;
    if key_alg != alg {
        return Err(format!(
            "algorithm {alg} does not match the signing key ({}, which signs {key_alg})",
            key.kind
        ));
    }
    if e.signature.is_empty() {
        return Err("the envelope has no signature".into());
    }
    key.verify(scheme, &e.signed_bytes, &e.signature)
        .map_err(|err| err.to_string())?;
    headers(e)?;
    x509::validate_code_signing_chain(chain)
}

/// Content type, signing scheme and its time header, critical headers, expiry after signing.
fn headers(e: &RawEnvelope) -> Result<(), String> {
    let p = &e.protected;
    match p.content_type.as_deref() {
        Some(PAYLOAD_TYPE) => {}
        other => return Err(format!("payload content type {other:?} is not supported")),
    }
    let scheme = p.signing_scheme.as_deref().unwrap_or("");
    let (time_header, forbidden) = match scheme {
        SCHEME_X509 => (&p.signing_time, &p.authentic_signing_time),
        SCHEME_SA => (&p.authentic_signing_time, &p.signing_time),
        other => return Err(format!("signing scheme {other:?} is not supported")),
    };
    if forbidden.is_some() {
        return Err(format!(
            "signing scheme {scheme} forbids the other signing time header"
        ));
    }
    let signed_at = header_time(time_header, "signing time")?
        .ok_or_else(|| format!("signing scheme {scheme} requires its signing time header"))?;
    let expiry = header_time(&p.expiry, "expiry")?;
    if expiry.is_some_and(|x| x <= signed_at) {
        return Err("expiry is not after the signing time".into());
    }
    if p.crit.is_empty() {
        return Err("no critical headers (crit)".into());
    }
    let mut required = vec![env::SCHEME];
    if p.expiry.is_some() {
        required.push(env::EXPIRY);
    }
    if scheme == SCHEME_SA {
        required.push(env::AUTHENTIC_SIGNING_TIME);
    }
    for r in required {
        if !p.crit.iter().any(|c| c == r) {
            return Err(format!("header {r} must be marked critical"));
        }
    }
    let known = [env::SCHEME, env::EXPIRY, env::AUTHENTIC_SIGNING_TIME];
    for c in &p.crit {
        if known.contains(&c.as_str()) {
            continue;
        }
        if !p.extended.contains(c) {
            return Err(format!("critical header {c:?} is not present"));
        }
        if PLUGIN_HEADERS.contains(&c.as_str()) {
            let plugin = p
                .extended_text
                .iter()
                .find(|(k, _)| k == PLUGIN_HEADERS[0])
                .map(|(_, v)| v.as_str())
                .unwrap_or("?");
            return Err(format!(
                "the signature requires verification plugin {plugin:?}, which arbor does not run"
            ));
        }
        return Err(format!("unknown critical header {c:?}"));
    }
    Ok(())
}

/// The signed `targetArtifact` is the subject: digest, media type and size.
pub(super) fn payload_binding(
    payload: &[u8],
    subject: &crate::oci::Descriptor,
) -> Result<(), String> {
    let v: serde_json::Value =
        serde_json::from_slice(payload).map_err(|e| format!("signed payload is not JSON: {e}"))?;
    let t = v
        .get("targetArtifact")
        .ok_or("signed payload has no targetArtifact")?;
    let s = |k: &str| t.get(k).and_then(|x| x.as_str()).unwrap_or("");
    let digest = s("digest");
    if digest != subject.digest.to_string() {
        return Err(format!(
            "payload names {} not the subject",
            crate::inspect::clip(digest, 80)
        ));
    }
    let mt = s("mediaType");
    if mt != subject.media_type {
        return Err(format!(
            "payload names media type {} not the subject's {}",
            crate::inspect::clip(mt, 120),
            subject.media_type
        ));
    }
    let size = t.get("size").and_then(|x| x.as_i64());
    if size != Some(subject.size) {
        return Err(format!(
            "payload names size {} not the subject's {}",
            size.map_or_else(|| "none".into(), |n| n.to_string()),
            subject.size
        ));
    }
    Ok(())
}
