//! Signature verification in the TUI: which signatures on screen to verify (tree nodes, the
//! tag rows' own signatures, the signature described), and their answers.
use crate::oci::Digest;
use crate::tui::effect::{Control, Effect, VerifyItem};
use crate::tui::state::tree::RowKind;
pub use crate::tui::state::verify::item_of_node;
use crate::tui::state::verify::SigKey;
use crate::tui::state::{DetailState, Screen, State};
use crate::verify::SignatureVerdict;
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
            d.signatures.iter().map(|(sig, source)| VerifyItem {
                signature: sig.clone(),
                subject: d.descriptor.clone(),
                source: *source,
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
