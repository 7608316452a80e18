//! Notation signature verification, step by step as the trust store and trust policy
//! specification lists it (and `notation verify` performs it): integrity (envelope
//! signature, headers, certificate chain, payload against the subject), authenticity (trust
//! store, trusted identities), expiry, authentic timestamp, revocation — each enforced,
//! logged or skipped by the applicable statement's level.
pub mod dn;
pub mod policy;
pub mod truststore;

use super::config::{PolicyState, VerifyConfig};
use super::crypto::{EcdsaEncoding, Hash, Scheme};
use super::verdict::{Kind, SignatureVerdict, Status};
use super::x509::{self, rfc3339, Cert};
use super::Subject;
use crate::inspect::notation::{self as env, RawEnvelope};
use policy::{Action, CheckType, Statement};
use time::OffsetDateTime;

pub use crate::inspect::notation::ARTIFACT_TYPE;

const PAYLOAD_TYPE: &str = "application/vnd.cncf.notary.payload.v1+json";
const SCHEME_X509: &str = "notary.x509";
const SCHEME_SA: &str = "notary.x509.signingAuthority";
const PLUGIN_HEADERS: &[&str] = &[
    "io.cncf.notary.verificationPlugin",
    "io.cncf.notary.verificationPluginMinVersion",
];
const OID_AIA: &str = "1.3.6.1.5.5.7.1.1";
const OID_CRL_DP: &str = "2.5.29.31";

/// Verifies one Notation envelope (`media_type`: `application/jose+json` or `application/cose`).
pub fn verify(
    bytes: &[u8],
    media_type: &str,
    subject: &Subject,
    cfg: &VerifyConfig,
) -> SignatureVerdict {
    let is_cose = media_type.starts_with("application/cose");
    let mut v = SignatureVerdict::new(Kind::Notation, if is_cose { "cose" } else { "jws" });
    let parsed = if is_cose {
        env::parse_cose(bytes)
    } else {
        env::parse_jws(bytes)
    };
    // Signer and time are shown whatever the outcome.
    if let Ok(e) = &parsed {
        if let Some(der) = e.chain.first() {
            v.signer = x509::parse(der).ok().map(|c| c.subject());
        }
        let p = &e.protected;
        v.signing_time = p
            .signing_time
            .as_ref()
            .or(p.authentic_signing_time.as_ref())
            .map(|t| t.at.map(rfc3339).unwrap_or_else(|| t.text.clone()));
    }
    let stmt = match &cfg.policy {
        PolicyState::Loaded(p) => match p.applicable(&subject.scope) {
            Some(s) => s,
            None => {
                v.unverifiable(format!(
                    "no Notation trust policy statement applies to {}",
                    subject.scope
                ));
                return v.finish();
            }
        },
        PolicyState::Missing(m) => {
            v.unverifiable(m.clone());
            return v.finish();
        }
        PolicyState::Invalid(m) => {
            v.unverifiable(format!("Notation trust policy is invalid: {m}"));
            return v.finish();
        }
    };
    v.policy = Some(format!("{} ({})", stmt.name, stmt.level.name));
    if stmt.level.is_skip() {
        v.status = Status::Skipped;
        v.notes.push(format!(
            "trust policy {:?} skips verification (level skip): accepted unverified",
            stmt.name
        ));
        return v.finish();
    }
    let e = match parsed {
        Ok(e) => e,
        Err(m) => {
            v.fail("integrity", format!("envelope cannot be read: {m}"));
            return v.finish();
        }
    };
    let chain = match x509::parse_chain(&e.chain) {
        Ok(c) => c,
        Err(m) => {
            v.fail("integrity", m);
            return v.finish();
        }
    };
    match integrity(&e, &chain) {
        Ok(()) => v.pass("integrity", None),
        Err(m) => {
            v.fail("integrity", m);
            return v.finish();
        }
    }
    match payload_binding(&e.payload, &subject.descriptor) {
        Ok(()) => v.pass(
            "payload",
            Some(format!("names {}", subject.descriptor.digest)),
        ),
        Err(m) => {
            v.fail("payload", m);
            return v.finish();
        }
    }
    let now = cfg.now();
    let steps: [(CheckType, Box<dyn Fn() -> Result<Option<String>, String>>); 4] = [
        (
            CheckType::Authenticity,
            Box::new(|| authenticity(&e, &chain, stmt, cfg)),
        ),
        (CheckType::Expiry, Box::new(|| expiry(&e, now))),
        (
            CheckType::AuthenticTimestamp,
            Box::new(|| authentic_timestamp(&e, &chain, stmt, now)),
        ),
        (CheckType::Revocation, Box::new(|| revocation(&chain))),
    ];
    for (check, run) in steps {
        let name = check.name();
        match stmt.level.action(check) {
            Action::Skip => v.skip(name, "the trust policy skips it"),
            action => match run() {
                Ok(detail) => {
                    if check == CheckType::Revocation {
                        if let Some(d) = &detail {
                            v.notes.push(format!("revocation not checked: {d}"));
                        }
                    }
                    v.pass(name, detail)
                }
                Err(m) if action == Action::Log => v.log(name, m),
                Err(m) => {
                    v.fail(name, m);
                    return v.finish();
                }
            },
        }
    }
    v.finish()
}

fn header_time(t: &Option<env::HeaderTime>, name: &str) -> Result<Option<OffsetDateTime>, String> {
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
fn integrity(e: &RawEnvelope, chain: &[Cert<'_>]) -> Result<(), String> {
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
fn payload_binding(payload: &[u8], subject: &crate::oci::Descriptor) -> Result<(), String> {
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

/// A certificate of the chain is in a trust store the statement names, and the signing
/// certificate's subject matches a trusted identity.
fn authenticity(
    e: &RawEnvelope,
    chain: &[Cert<'_>],
    stmt: &Statement,
    cfg: &VerifyConfig,
) -> Result<Option<String>, String> {
    let store_type = match e.protected.signing_scheme.as_deref() {
        Some(SCHEME_SA) => "signingAuthority",
        _ => "ca",
    };
    let mut trusted = Vec::new();
    for (t, n) in stmt.trust_stores.iter().filter(|(t, _)| t == store_type) {
        trusted.extend(truststore::load(&cfg.trust_store, t, n)?);
    }
    if trusted.is_empty() {
        return Err(format!(
            "trust policy {:?} names no {store_type} trust store",
            stmt.name
        ));
    }
    let anchor = chain
        .iter()
        .find(|c| trusted.iter().any(|t| t.as_slice() == c.der))
        .ok_or_else(|| format!("certificate not trusted by policy {:?}", stmt.name))?;
    let detail = format!("chain reaches trusted {:?}", anchor.subject());
    let Some(ids) = &stmt.trusted_identities else {
        return Ok(Some(detail));
    };
    if ids.is_empty() {
        return Err(format!(
            "trust policy {:?} has no x509.subject trusted identity",
            stmt.name
        ));
    }
    let leaf = &chain[0];
    let subject_dn = dn::from_x509(leaf.x.subject())?;
    if ids.iter().any(|id| dn::is_subset(id, &subject_dn)) {
        Ok(Some(format!("{detail}; signer is a trusted identity")))
    } else {
        Err(format!(
            "signer {:?} is not a trusted identity of policy {:?}",
            leaf.subject(),
            stmt.name
        ))
    }
}

fn expiry(e: &RawEnvelope, now: OffsetDateTime) -> Result<Option<String>, String> {
    match header_time(&e.protected.expiry, "expiry")? {
        Some(x) if now >= x => Err(format!("signature expired at {}", rfc3339(x))),
        Some(x) => Ok(Some(format!("expires {}", rfc3339(x)))),
        None => Ok(Some("no expiry".into())),
    }
}

/// Certificates valid when the signature was made: at the authentic signing time
/// (`notary.x509.signingAuthority`); for `notary.x509`, now (no timestamp authority in the
/// policy) and at the signing time the signer states.
fn authentic_timestamp(
    e: &RawEnvelope,
    chain: &[Cert<'_>],
    stmt: &Statement,
    now: OffsetDateTime,
) -> Result<Option<String>, String> {
    let p = &e.protected;
    if p.signing_scheme.as_deref() == Some(SCHEME_SA) {
        let t = header_time(&p.authentic_signing_time, "authentic signing time")?
            .ok_or("no authentic signing time")?;
        return match x509::first_invalid_at(chain, t) {
            Some(m) => Err(format!("{m} (authentic signing time {})", rfc3339(t))),
            None => Ok(Some(format!(
                "valid at authentic signing time {}",
                rfc3339(t)
            ))),
        };
    }
    let tsa = stmt.trust_stores.iter().any(|(t, _)| t == "tsa");
    let any_expired = chain.iter().any(|c| now > c.not_after());
    if tsa && (!stmt.timestamp_after_cert_expiry || any_expired) {
        return Err(if e.has_timestamp_signature {
            "the policy requires timestamp verification, which arbor does not do (RFC 3161)".into()
        } else {
            "the policy requires a timestamp countersignature and there is none".into()
        });
    }
    if let Some(m) = x509::first_invalid_at(chain, now) {
        return Err(m);
    }
    let signed = header_time(&p.signing_time, "signing time")?.ok_or("no signing time")?;
    if let Some(m) = x509::first_invalid_at(chain, signed) {
        return Err(format!("{m} (signing time {})", rfc3339(signed)));
    }
    Ok(Some(
        "certificates valid now and at the signing time".into(),
    ))
}

/// Revocation cannot be checked offline: passes only when no certificate names an OCSP
/// responder or CRL (notation's "non-revokable"); otherwise it fails (or is logged).
fn revocation(chain: &[Cert<'_>]) -> Result<Option<String>, String> {
    let revocable = chain.iter().find(|c| {
        c.x.extensions().iter().any(|x| {
            let o = x.oid.to_id_string();
            o == OID_AIA || o == OID_CRL_DP
        })
    });
    match revocable {
        None => Ok(Some(
            "no certificate names an OCSP responder or CRL: nothing to check".into(),
        )),
        Some(c) => Err(format!(
            "revocation not checked: {:?} names an OCSP responder or CRL and arbor does not fetch them",
            c.subject()
        )),
    }
}
