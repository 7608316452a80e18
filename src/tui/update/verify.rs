//! Signature verification in the TUI: which signatures on screen to verify (tree nodes, the
//! tag rows' own signatures, the signature described), their answers, and the describe view's
//! account of every check.
use crate::graph::EdgeSource;
use crate::oci::Digest;
use crate::tui::effect::{Control, Effect, VerifyItem};
use crate::tui::state::tree::RowKind;
pub use crate::tui::state::verify::item_of_node;
use crate::tui::state::verify::{mark, SigKey, Verifications};
use crate::tui::state::{DetailState, Screen, State};
use crate::verify::verdict::Outcome;
use crate::verify::{SignatureVerdict, Status};
use std::collections::HashSet;
use std::sync::Arc;

/// Signature nodes in the tree's window, the one under the cursor first.
fn tree_items(s: &State) -> Vec<VerifyItem> {
    let tm = &s.tree;
    let rows = tm.rows();
    let start = tm.offset.min(rows.len());
    let end = (start + s.body_height()).min(rows.len());
    let on_screen = rows[start..end].iter().filter_map(|r| match r.kind {
        RowKind::Node(n) => Some(n),
        RowKind::Group(..) | RowKind::Loading(_) | RowKind::Error(_) => None,
    });
    tm.selected()
        .into_iter()
        .chain(on_screen)
        .filter_map(|n| item_of_node(tm, n))
        .collect()
}

/// The own signatures of the tag rows in the window (once their details are known), the row
/// under the cursor first.
fn tag_items(s: &State) -> Vec<VerifyItem> {
    let t = &s.tags;
    let bh = s.body_height();
    t.view
        .selected()
        .into_iter()
        .chain(t.view.window(bh).iter().copied())
        .filter_map(|i| t.rows.get(i))
        .filter_map(|r| match t.details.get(&r.key()) {
            Some(DetailState::Ready(d)) => Some(d),
            Some(DetailState::Failed(_)) | None => None,
        })
        .flat_map(|d| {
            let source = d
                .signature_source
                .map(EdgeSource::from)
                .unwrap_or(EdgeSource::Layout);
            d.signatures.iter().map(move |sig| VerifyItem {
                signature: sig.clone(),
                subject: d.descriptor.clone(),
                source,
            })
        })
        .collect()
}

/// Asks for the verification of the signatures on screen not verified yet (the newest want
/// replaces older ones; one unchanged is not asked again).
pub fn want(s: &mut State) -> Vec<Effect> {
    let (repo, items) = match s.screen() {
        Screen::Tree => (s.tree.repo.clone(), tree_items(s)),
        Screen::Tags => match &s.repo {
            Some(r) => (r.clone(), tag_items(s)),
            None => return vec![],
        },
        Screen::Describe => match s
            .doc
            .as_ref()
            .and_then(|d| Some((d.repo.clone(), d.verify.clone()?)))
        {
            Some((repo, item)) => (repo, vec![item]),
            None => return vec![],
        },
        Screen::Contexts | Screen::Repos | Screen::Untagged | Screen::Inspect | Screen::Help => {
            return vec![]
        }
    };
    let mut seen: HashSet<Digest> = HashSet::new();
    let items: Vec<VerifyItem> = items
        .into_iter()
        .filter(|i| seen.insert(i.signature.digest.clone()))
        .filter(|i| {
            !s.verify
                .done
                .contains_key(&(repo.clone(), i.signature.digest.clone()))
        })
        .collect();
    let keys: HashSet<SigKey> = items
        .iter()
        .map(|i| (repo.clone(), i.signature.digest.clone()))
        .collect();
    if items.is_empty() || keys == s.verify.wanted {
        return vec![];
    }
    s.verify.wanted = keys;
    vec![Control::WantVerify { repo, items }.into()]
}

/// A signature verified: kept, and the describe view showing it says so.
pub fn verified(
    s: &mut State,
    repo: String,
    digest: Digest,
    verdicts: Arc<Vec<SignatureVerdict>>,
) -> Vec<Effect> {
    s.verify.insert((repo, digest.clone()), verdicts);
    if let Some(d) = s.doc.as_mut().filter(|d| {
        d.verify
            .as_ref()
            .is_some_and(|i| i.signature.digest == digest)
    }) {
        if !d.loading {
            super::nav::compose_describe(d, &s.verify);
        }
    }
    vec![]
}

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
