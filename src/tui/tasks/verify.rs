//! Verifies the signatures on screen: a worker holding the newest want, a few verifications at
//! once, the most wanted first. A newer want replaces the queue (what scrolled away is not
//! verified) but lets a verification already running for a signature finish.
use super::panic_text;
use crate::oci::Digest;
use crate::store::Store;
use crate::tui::action::{Action, Loaded};
use crate::tui::effect::VerifyItem;
use crate::verify::{verify_signature, SignatureVerdict, Subject, VerifyConfig};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Notify};

/// Signatures verified at once (each is a manifest and a blob read, then local checks).
const CONCURRENCY: usize = 4;

/// A verification request: generation, store, what to verify against, repository, signatures.
pub type VerifyWant = (
    u64,
    Arc<dyn Store>,
    Arc<VerifyConfig>,
    String,
    Vec<VerifyItem>,
);

/// One signature verified: its repository, digest and verdicts.
type Answer = (String, Digest, Vec<SignatureVerdict>);

async fn verify_one(
    store: Arc<dyn Store>,
    cfg: Arc<VerifyConfig>,
    repo: String,
    item: VerifyItem,
) -> Answer {
    let subject = Subject::new(store.as_ref(), &repo, item.subject.clone());
    let digest = item.signature.digest.clone();
    // A panic answers for its signature alone: shown as a failed verification.
    let verdicts = std::panic::AssertUnwindSafe(verify_signature(
        store.as_ref(),
        &subject,
        &item.signature,
        item.source,
        &cfg,
    ))
    .catch_unwind()
    .await
    .unwrap_or_else(|p| {
        vec![SignatureVerdict::error(
            &item.signature,
            crate::verify::source_name(item.source),
            format!("internal error ({})", panic_text(p.as_ref())),
        )]
    });
    (repo, digest, verdicts)
}

/// Runs the newest want's verifications, [`CONCURRENCY`] at a time; counts a want done (in
/// `done`) once nothing is queued or running.
pub async fn verify_worker(
    mut rx: watch::Receiver<Option<VerifyWant>>,
    tx: mpsc::UnboundedSender<Action>,
    done: Arc<AtomicU64>,
    finished: Arc<Notify>,
) {
    let mut queue: VecDeque<VerifyItem> = VecDeque::new();
    let mut context: Option<(Arc<dyn Store>, Arc<VerifyConfig>, String)> = None;
    let mut running = FuturesUnordered::new();
    let mut in_flight: HashSet<(String, Digest)> = HashSet::new();
    let mut gen = 0;
    loop {
        if let Some((store, cfg, repo)) = &context {
            while running.len() < CONCURRENCY {
                let Some(item) = queue.pop_front() else { break };
                if !in_flight.insert((repo.clone(), item.signature.digest.clone())) {
                    continue;
                }
                running.push(verify_one(store.clone(), cfg.clone(), repo.clone(), item));
            }
        }
        if running.is_empty() {
            // After the answers were sent: a want counted done has them queued.
            if done.fetch_max(gen, Ordering::SeqCst) < gen {
                finished.notify_one();
            }
            if rx.changed().await.is_err() {
                return;
            }
        } else {
            tokio::select! {
                changed = rx.changed() => if changed.is_err() { return },
                Some((repo, digest, verdicts)) = running.next() => {
                    in_flight.remove(&(repo.clone(), digest.clone()));
                    let answer = Loaded::Verified { repo, digest, verdicts: Arc::new(verdicts) };
                    if tx.send(Action::Load(answer)).is_err() {
                        return;
                    }
                    continue;
                }
            }
        }
        // A new want: it replaces the queue.
        if let Some((g, store, cfg, repo, items)) = rx.borrow_and_update().clone() {
            gen = g;
            queue = items.into();
            context = Some((store, cfg, repo));
        }
    }
}
