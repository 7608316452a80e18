//! Keyless (Fulcio certificate) signatures, verified offline against a Sigstore trusted root:
//! the signature with the certificate's key, a transparency-log entry (its SET, inclusion
//! proof and body) for a trustworthy time, the certificate chain to a trusted certificate
//! authority at that time, and the identity and OIDC issuer the certificate was issued for.
pub mod merkle;
pub mod root;
pub mod tlog;

pub use root::TrustedRoot;

use super::config::VerifyConfig;
use super::crypto::{EcdsaEncoding, Hash, KeyKind, PublicKey, Scheme};
use super::verdict::SignatureVerdict;
use super::x509::{self, rfc3339, Cert};
use crate::inspect::cert::from_der as summarise;

/// The schemes cosign signs with for a key of this kind (its default hash first).
fn schemes(kind: KeyKind) -> Vec<Scheme> {
    use EcdsaEncoding::Der;
    match kind {
        KeyKind::Ec(c) if c.default_hash() != Hash::Sha256 => vec![
            Scheme::Ecdsa(c.default_hash(), Der),
            Scheme::Ecdsa(Hash::Sha256, Der),
        ],
        KeyKind::Ec(_) => vec![Scheme::Ecdsa(Hash::Sha256, Der)],
        KeyKind::Rsa { .. } => vec![Scheme::RsaPkcs1(Hash::Sha256), Scheme::RsaPss(Hash::Sha256)],
        KeyKind::Ed25519 => vec![Scheme::Ed25519],
    }
}

/// True when `sig` over `msg` verifies with `key` under one of cosign's schemes for it.
pub fn key_verifies(key: &PublicKey, msg: &[u8], sig: &[u8]) -> bool {
    schemes(key.kind)
        .into_iter()
        .any(|s| key.verify(s, msg, sig).is_ok())
}

/// What a keyless signature brings.
pub struct Keyless<'a> {
    /// DER certificates, signing certificate first.
    pub chain: &'a [Vec<u8>],
    /// The bytes the signature covers.
    pub signed: &'a [u8],
    pub signature: &'a [u8],
    /// What the log entry must record.
    pub expect: tlog::Expect<'a>,
    /// Log entries as read (unreadable ones carry why).
    pub entries: Vec<Result<tlog::Entry, String>>,
}

/// The identity Fulcio certified: the first URI SAN, else the first e-mail SAN (as
/// sigstore-go summarises a certificate), and the OIDC issuer extension.
fn identity(der: &[u8]) -> (Option<String>, Option<String>) {
    match summarise(der) {
        Ok(s) => {
            let pick = |p: &str| {
                s.san
                    .iter()
                    .find_map(|n| n.strip_prefix(p).map(str::to_string))
            };
            (pick("uri:").or_else(|| pick("email:")), s.oidc_issuer)
        }
        Err(_) => (None, None),
    }
}

/// A path from `leaf` to a self-signed root through `ca` certificates, each issuing the one
/// below; every certificate valid at `t`.
fn chains_to(leaf: &Cert<'_>, ca: &[Cert<'_>], t: time::OffsetDateTime) -> Result<(), String> {
    let mut current = leaf;
    for _ in 0..=ca.len() {
        let parent = ca
            .iter()
            .find(|p| current.issued_by(p).is_ok())
            .ok_or_else(|| format!("{:?} is not issued by this authority", current.subject()))?;
        if !parent.valid_at(t) {
            return Err(format!(
                "{:?} was not valid at {}",
                parent.subject(),
                rfc3339(t)
            ));
        }
        if parent.self_issued() && parent.issued_by(parent).is_ok() {
            return Ok(());
        }
        current = parent;
    }
    Err("the authority's chain does not end in a self-signed root".into())
}

/// Verifies a keyless signature into `v` (the caller has set kind and format).
pub fn verify_keyless(k: Keyless<'_>, cfg: &VerifyConfig, v: &mut SignatureVerdict) {
    let Some(leaf_der) = k.chain.first() else {
        v.fail("certificate", "no signing certificate".into());
        return;
    };
    let (id, issuer) = identity(leaf_der);
    v.signer = Some(format!(
        "{} ({})",
        id.as_deref().unwrap_or("no identity"),
        issuer.as_deref().unwrap_or("no OIDC issuer")
    ));
    let Some(root) = &cfg.trusted_root else {
        v.unverifiable("keyless signature, not verified: no trusted root given".into());
        return;
    };
    let (Some(want_id), Some(want_issuer)) = (&cfg.identity, &cfg.issuer) else {
        v.unverifiable(
            "keyless signature, not verified: give --certificate-identity[-regexp] and --certificate-oidc-issuer[-regexp]"
                .into(),
        );
        return;
    };
    let leaf = match x509::parse(leaf_der) {
        Ok(c) => c,
        Err(e) => return v.fail("certificate", e),
    };
    let key = match leaf.public_key() {
        Ok(k) => k,
        Err(e) => return v.fail("certificate", e),
    };
    if !key_verifies(&key, k.signed, k.signature) {
        return v.fail(
            "signature",
            "signature does not verify with the certificate's key".into(),
        );
    }
    v.pass(
        "signature",
        Some(format!("{} key of the certificate", key.kind)),
    );
    // The first entry that verifies gives the time; otherwise the first reason.
    let mut first_err = None;
    let mut verified_at = None;
    if k.entries.is_empty() {
        first_err = Some("no transparency-log entry (signed timestamps are not supported)".into());
    }
    for e in &k.entries {
        match e
            .as_ref()
            .map_err(Clone::clone)
            .and_then(|e| tlog::verify(e, root, &k.expect, leaf_der))
        {
            Ok(t) => {
                verified_at = Some(t);
                break;
            }
            Err(m) => {
                first_err.get_or_insert(m);
            }
        }
    }
    let Some(t) = verified_at else {
        let m = first_err.unwrap_or_default();
        return v.fail("transparency-log", format!("transparency log: {m}"));
    };
    v.signing_time = Some(rfc3339(t));
    v.pass(
        "transparency-log",
        Some(format!("integrated at {}", rfc3339(t))),
    );
    if !leaf.valid_at(t) {
        return v.fail(
            "certificate-chain",
            format!(
                "certificate was not valid at the log's integrated time {}",
                rfc3339(t)
            ),
        );
    }
    if let Ok(Some(eku)) = leaf.x.extended_key_usage() {
        if !eku.value.code_signing && !eku.value.any {
            return v.fail(
                "certificate-chain",
                "certificate is not for code signing (extended key usage)".into(),
            );
        }
    }
    let mut chained = false;
    let mut why = "the trusted root has no certificate authority".to_string();
    for ca in root
        .certificate_authorities
        .iter()
        .filter(|ca| root::within(t, ca.valid_from, ca.valid_until))
    {
        let Ok(certs) = x509::parse_chain(&ca.chain) else {
            continue;
        };
        match chains_to(&leaf, &certs, t) {
            Ok(()) => {
                chained = true;
                break;
            }
            Err(m) => why = m,
        }
    }
    if !chained {
        return v.fail(
            "certificate-chain",
            format!(
                "certificate is not issued by a certificate authority of the trusted root: {why}"
            ),
        );
    }
    v.pass("certificate-chain", None);
    let id_ok = id.as_deref().is_some_and(|i| want_id.matches(i));
    let issuer_ok = issuer.as_deref().is_some_and(|i| want_issuer.matches(i));
    if !id_ok || !issuer_ok {
        return v.fail(
            "identity",
            format!(
                "certificate identity {} ({}) is not {want_id} ({want_issuer})",
                id.as_deref().unwrap_or("none"),
                issuer.as_deref().unwrap_or("no issuer")
            ),
        );
    }
    v.pass("identity", None);
}
