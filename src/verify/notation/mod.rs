//! Notation signature verification, step by step as the trust store and trust policy
//! specification lists it (and `notation verify` performs it): integrity (envelope
//! signature, headers, certificate chain, payload against the subject), authenticity (trust
//! store, trusted identities), expiry, authentic timestamp, revocation — each enforced,
//! logged or skipped by the applicable statement's level.
pub mod dn;
mod integrity;
pub mod policy;
pub mod truststore;

use super::config::{PolicyState, VerifyConfig};
use super::verdict::{Kind, SignatureVerdict, Status};
use super::x509::{self, rfc3339, Cert};
use super::Subject;
use crate::inspect::notation::{self as env, RawEnvelope};
use integrity::{header_time, integrity, payload_binding};
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

/// One policy-governed check: its detail when it passes, why when it fails.
type Step<'a> = Box<dyn Fn() -> Result<Option<String>, String> + 'a>;

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
    let steps: [(CheckType, Step<'_>); 4] = [
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
    let leaf = chain.first().ok_or("the envelope carries no certificate")?;
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

#[cfg(test)]
mod tests;
