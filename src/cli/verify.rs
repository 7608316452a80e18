//! `arbor verify REF`: every signature attached to a reference, verified — one line each, or
//! JSON — and the exit status scripts need (0: at least one verified, 1: none, 2: bad usage).
use super::args::{ListFormat, TrustArgs, VerifyArgs};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::text::escape;
use crate::verify::{self, Status, Subject, VerifyConfig, VerifyOptions, VerifyReport};
use anyhow::{anyhow, bail, Result};
use std::io::Write;

/// A command line that cannot be acted on (exit status 2).
pub use crate::connection::UsageError;

/// Loads what signatures are verified against (flags, then config.toml's `[verify]`, then
/// Notation's own configuration); a file named that cannot be used is bad usage.
pub fn load_trust(t: &TrustArgs) -> Result<VerifyConfig, UsageError> {
    let o = crate::config::verify_options(trust_options(t))
        .map_err(|e| UsageError(format!("config: {e}")))?;
    VerifyConfig::load(&o).map_err(|e| UsageError(e.0))
}

/// The verification options the flags give (config.toml not read yet).
pub fn trust_options(t: &TrustArgs) -> VerifyOptions {
    VerifyOptions {
        keys: t.keys.clone(),
        trust_policy: t.trust_policy.clone(),
        trust_store: t.trust_store.clone(),
        notation_dir: None,
        trusted_root: t.trusted_root.clone(),
        certificate_identity: t.certificate_identity.clone(),
        certificate_identity_regexp: t.certificate_identity_regexp.clone(),
        certificate_oidc_issuer: t.certificate_oidc_issuer.clone(),
        certificate_oidc_issuer_regexp: t.certificate_oidc_issuer_regexp.clone(),
    }
}

/// Runs `arbor verify`.
pub async fn run(a: VerifyArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let cfg = load_trust(&a.trust)?;
    let t = open_target(conn, Some(&a.reference), false)?;
    let r = t
        .require_reference()
        .map_err(|e| UsageError(e.to_string()))?;
    let root = t.store.resolve(&t.repo, r).await?;
    let shown = format!("{}@{}", t.display_name, root.digest);
    let mut reports = Vec::new();
    let subject = Subject::new(t.store.as_ref(), &t.repo, root.clone());
    reports.push(verify::verify_reference(t.store.as_ref(), &subject, &shown, &cfg).await?);
    if a.platforms && crate::oci::media::is_index(&root.media_type) {
        let index = t.store.manifest(&t.repo, &root.digest.to_string()).await?;
        for child in index
            .manifest
            .manifests
            .iter()
            .take(crate::inspect::MAX_LISTED)
        {
            let s = Subject::new(t.store.as_ref(), &t.repo, child.clone());
            let name = format!("{}@{}", t.display_name, child.digest);
            reports.push(verify::verify_reference(t.store.as_ref(), &s, &name, &cfg).await?);
        }
    }
    match a.format {
        ListFormat::Json => {
            let v = if reports.len() == 1 {
                serde_json::to_value(&reports[0])?
            } else {
                let mut first = serde_json::to_value(&reports[0])?;
                first["verified"] = reports.iter().any(|r| r.verified).into();
                first["platforms"] = serde_json::to_value(&reports[1..])?;
                first
            };
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        ListFormat::Text => {
            for rep in &reports {
                write_text(out, rep)?;
            }
        }
    }
    let total: usize = reports.iter().map(|r| r.signatures.len()).sum();
    if total == 0 {
        bail!("no signature found for {}", escape(&shown));
    }
    if !reports.iter().any(|r| r.verified) {
        return Err(anyhow!("no signature verified for {}", escape(&shown)));
    }
    Ok(t)
}

fn mark(s: Status) -> &'static str {
    match s {
        Status::Verified => "✓",
        Status::Failed => "✗",
        Status::Unverifiable => "?",
        Status::Skipped => "-",
    }
}

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// One line per signature: mark, kind, format, signer, signing time, digest, source, and for
/// anything but a clean pass, why.
fn write_text(out: &mut dyn Write, r: &VerifyReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{} ({} signature{})",
        escape(&r.reference),
        r.signatures.len(),
        if r.signatures.len() == 1 { "" } else { "s" }
    )?;
    for s in &r.signatures {
        let mut line = format!(
            "{} {} {}  {}  {}  {} ({})",
            mark(s.status),
            s.kind.name(),
            escape(&s.format),
            escape(s.signer.as_deref().unwrap_or("-")),
            escape(s.signing_time.as_deref().unwrap_or("-")),
            short(&s.digest),
            s.source
        );
        match s.status {
            Status::Verified if !s.logged.is_empty() => {
                line.push_str(&format!("  logged: {}", escape(&s.logged.join("; "))))
            }
            Status::Skipped => line.push_str(&format!(
                "  skipped: {}",
                escape(
                    s.notes
                        .first()
                        .map(String::as_str)
                        .unwrap_or("not verified")
                )
            )),
            Status::Failed | Status::Unverifiable => line.push_str(&format!(
                "  {}",
                escape(s.reason.as_deref().unwrap_or("not verified"))
            )),
            Status::Verified => {}
        }
        writeln!(out, "{line}")?;
    }
    let verified = r
        .signatures
        .iter()
        .filter(|s| s.status == Status::Verified)
        .count();
    let skipped = r
        .signatures
        .iter()
        .filter(|s| s.status == Status::Skipped)
        .count();
    let mut summary = format!("{verified} of {} verified", r.signatures.len());
    if skipped > 0 {
        summary.push_str(&format!(", {skipped} accepted unverified (level skip)"));
    }
    if r.not_examined > 0 {
        summary.push_str(&format!(", {} more not examined", r.not_examined));
    }
    writeln!(out, "{summary}")
}
