//! The describe view's account of a signature's verification: status, first reason, every
//! check with its result, what the policy level only logged, notes.
use crate::tui::effect::VerifyItem;
use crate::tui::state::verify::{mark, Verifications};
use crate::verify::verdict::Outcome;
use crate::verify::Status;

fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "✓",
        Outcome::Fail => "✗",
        Outcome::Logged => "! logged",
        Outcome::Skipped => "- skipped",
    }
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Verified => "verified",
        Status::Failed => "failed",
        Status::Unverifiable => "not verifiable with what was given",
        Status::Skipped => "accepted unverified (trust policy level skip)",
    }
}

/// The describe view's verification section for `item` in `repo`: per signature its status,
/// first reason, every check with its result, what the policy only logged, and notes.
pub fn lines(repo: &str, item: &VerifyItem, v: &Verifications) -> Vec<String> {
    let mut out = vec![String::new(), "Verification".to_string()];
    let key = (repo.to_string(), item.signature.digest.clone());
    let Some(verdicts) = v.done.get(&key) else {
        out.push("  verifying…".to_string());
        return out;
    };
    out.push(format!("  subject       {}", item.subject.digest));
    if verdicts.is_empty() {
        out.push("  ? no signature arbor can verify in this manifest".to_string());
        return out;
    }
    for sv in verdicts.iter() {
        let m = mark(std::slice::from_ref(sv));
        out.push(format!(
            "  {} {} {} {}",
            m.glyph(),
            sv.kind.name(),
            sv.format,
            status(sv.status)
        ));
        if let Some(f) = &sv.file {
            out.push(format!("    file          {f}"));
        }
        if let Some(r) = &sv.reason {
            out.push(format!("    reason        {r}"));
        }
        out.push(format!(
            "    signer        {}",
            sv.signer.as_deref().unwrap_or("-")
        ));
        out.push(format!(
            "    signing time  {}",
            sv.signing_time.as_deref().unwrap_or("-")
        ));
        out.push(format!("    found by      {}", sv.source));
        if let Some(p) = &sv.policy {
            out.push(format!("    trust policy  {p}"));
        }
        if let Some(p) = &sv.predicate_type {
            out.push(format!("    predicate     {p}"));
        }
        out.push(format!("    Checks ({})", sv.checks.len()));
        for c in &sv.checks {
            let detail = c
                .detail
                .as_deref()
                .map(|d| format!("  {d}"))
                .unwrap_or_default();
            out.push(format!("      {} {}{detail}", outcome(c.outcome), c.check));
        }
        if !sv.logged.is_empty() {
            out.push(format!(
                "    Logged by the policy level ({})",
                sv.logged.len()
            ));
            out.extend(sv.logged.iter().map(|l| format!("      {l}")));
        }
        if !sv.notes.is_empty() {
            out.push(format!("    Notes ({})", sv.notes.len()));
            out.extend(sv.notes.iter().map(|n| format!("      {n}")));
        }
    }
    out
}
