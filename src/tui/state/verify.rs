//! What is known about the verification of the signatures shown: verdicts by repository and
//! signature digest, what the newest want asked for, and the mark each gets (✓ ✗ ?).
use super::tree::TreeModel;
use crate::oci::Digest;
use crate::tui::effect::VerifyItem;
use crate::tui::label::badge;
use crate::verify::{SignatureVerdict, Status};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Signature manifests whose verdicts are kept at most (the cache is dropped whole past this).
pub const MAX_VERIFIED: usize = 4096;

/// A signature manifest: its repository and digest.
pub type SigKey = (String, Digest);

/// Verdicts of the signatures verified so far.
#[derive(Debug, Clone, Default)]
pub struct Verifications {
    pub done: HashMap<SigKey, Arc<Vec<SignatureVerdict>>>,
    /// Asked for by the newest want and not answered yet.
    pub wanted: HashSet<SigKey>,
}

/// Whether a descriptor is a signature (its badge is SIG).
pub fn is_signature(d: &crate::oci::Descriptor) -> bool {
    badge(d.artifact_type.as_deref()) == "SIG"
}

/// Tree node `i` as a signature to verify against its parent (none for the root, a cycle, or
/// anything that is not a signature).
pub fn item_of_node(tm: &TreeModel, i: usize) -> Option<VerifyItem> {
    let n = tm.node(i)?;
    if n.cycle || !is_signature(&n.desc) {
        return None;
    }
    let parent = tm.node(n.parent?)?;
    Some(VerifyItem {
        signature: n.desc.clone(),
        subject: parent.desc.clone(),
        source: n.edge,
    })
}

/// What a signature's badge says: the glyph carries it, colour only repeats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// Verified: every check that counts passed.
    Verified,
    /// A check that counts failed.
    Failed,
    /// Nothing to verify it with (no key, no policy), or nothing arbor can verify in it.
    Unknown,
    /// Asked for, not answered yet.
    Pending,
}

impl Mark {
    pub fn glyph(self) -> &'static str {
        match self {
            Mark::Verified => "✓",
            Mark::Failed => "✗",
            Mark::Unknown => "?",
            Mark::Pending => "…",
        }
    }
}

/// The mark of one signature manifest: ✓ when a signature it carries verified, ✗ when one
/// failed and none verified, ? otherwise (a `skip` policy accepts without verifying: ?).
pub fn mark(verdicts: &[SignatureVerdict]) -> Mark {
    if verdicts.iter().any(|v| v.status == Status::Verified) {
        Mark::Verified
    } else if verdicts.iter().any(|v| v.status == Status::Failed) {
        Mark::Failed
    } else {
        Mark::Unknown
    }
}

/// The mark of several signatures (a tag's own): ✓ when one verified, else ✗ when one
/// failed, else ? — once all are known; `None` while none is known or wanted.
pub fn marks(all: impl IntoIterator<Item = Mark>) -> Option<Mark> {
    let all: Vec<Mark> = all.into_iter().collect();
    if all.contains(&Mark::Verified) {
        Some(Mark::Verified)
    } else if all.contains(&Mark::Pending) {
        Some(Mark::Pending)
    } else if all.contains(&Mark::Failed) {
        Some(Mark::Failed)
    } else if all.is_empty() {
        None
    } else {
        Some(Mark::Unknown)
    }
}

impl Verifications {
    /// The mark of signature `digest` in `repo`, when known or asked for.
    pub fn mark_of(&self, repo: &str, digest: &Digest) -> Option<Mark> {
        let key = (repo.to_string(), digest.clone());
        match self.done.get(&key) {
            Some(v) => Some(mark(v)),
            None if self.wanted.contains(&key) => Some(Mark::Pending),
            None => None,
        }
    }

    /// Keeps the verdicts of one signature manifest, bounded.
    pub fn insert(&mut self, key: SigKey, verdicts: Arc<Vec<SignatureVerdict>>) {
        self.wanted.remove(&key);
        if self.done.len() >= MAX_VERIFIED {
            self.done.clear();
        }
        self.done.insert(key, verdicts);
    }
}

/// One line for the detail pane: the mark, then who signed or why not.
pub fn summary(verdicts: &[SignatureVerdict]) -> String {
    let m = mark(verdicts);
    let Some(v) = verdicts
        .iter()
        .find(|v| mark(std::slice::from_ref(*v)) == m)
        .or(verdicts.first())
    else {
        return format!("{} no signature arbor can verify", m.glyph());
    };
    match v.status {
        Status::Verified => format!(
            "{} {} ({} {})",
            m.glyph(),
            v.signer.as_deref().unwrap_or("signer unknown"),
            v.kind.name(),
            v.format
        ),
        Status::Skipped => format!("{} accepted unverified: trust policy level skip", m.glyph()),
        Status::Failed | Status::Unverifiable => format!(
            "{} {}",
            m.glyph(),
            v.reason.as_deref().unwrap_or("not verified")
        ),
    }
}
