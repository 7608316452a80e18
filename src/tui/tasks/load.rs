//! Store reads for the screens: repository and tag pages, tag details (a worker where the newest
//! request wins), tree levels, documents, decodings, the untagged listing.
use super::panic_text;
use crate::graph::inventory::{inventory, InventoryOptions};
use crate::graph::{cosign_tags, expand_one};
use crate::store::{Store, StoreError};
use crate::tui::action::{Action, Detail, Doc, DocKind, Failure, Level, Loaded};
use crate::tui::effect::LoadJob;
use crate::tui::label::badge;
use futures::FutureExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{mpsc, watch, Notify};

/// Tags asked for per listing page.
const TAG_PAGE: usize = 1000;
/// Repositories per catalog page (paged in as the cursor nears the end).
const REPO_PAGE: usize = 100;
/// Largest config blob shown in the inspector.
const MAX_DOC: usize = 4 * 1024 * 1024;

/// A details request: its generation, the repository, and (key, reference) pairs.
pub type Want = (u64, String, Vec<(String, String)>);

fn msg(e: StoreError) -> String {
    e.to_string()
}

/// Runs one load; tag listings send their earlier pages through `tx` as they arrive.
pub async fn perform(
    store: &dyn Store,
    tx: &mpsc::UnboundedSender<Action>,
    job: LoadJob,
) -> Loaded {
    match job {
        LoadJob::Repos { req, cursor } => {
            let result = store
                .repositories(cursor.as_deref(), REPO_PAGE)
                .await
                .map(|p| (p.items, p.next.filter(|n| Some(n) != cursor.as_ref())))
                .map_err(|e| Failure {
                    unsupported: matches!(
                        e,
                        StoreError::Unsupported { .. } | StoreError::NotFound { .. }
                    ),
                    message: msg(e),
                });
            Loaded::ReposPage { req, result }
        }
        LoadJob::Tags { req, repo } => load_tags(store, tx, req, repo).await,
        LoadJob::Resolve {
            gen,
            repo,
            reference,
        } => Loaded::Resolved {
            gen,
            result: store.resolve(&repo, &reference).await.map_err(msg),
        },
        LoadJob::Expand {
            gen,
            node,
            repo,
            desc,
        } => {
            // The tag listing behind the cosign map is cached by the store (dropped on refresh).
            let (tags, note) = cosign_tags(store, &repo).await;
            if let Some(text) = note {
                let _ = tx.send(Action::Load(Loaded::Notice { text, error: false }));
            }
            let result = expand_one(store, &repo, &desc, None, true, &tags)
                .await
                .map(|e| Level {
                    children: e.children,
                    referrers: e.referrers,
                    source: e.source,
                    cosign: e.cosign,
                })
                .map_err(msg);
            Loaded::Expanded { gen, node, result }
        }
        LoadJob::Inspect {
            req,
            repo,
            reference,
            subject,
        } => Loaded::Inspected {
            req,
            result: crate::inspect::inspect_with_subject(
                store,
                &repo,
                &reference,
                subject.as_ref(),
            )
            .await
            .map(Arc::new)
            .map_err(|e| e.to_string()),
            subject,
        },
        LoadJob::Fetch {
            req,
            repo,
            reference,
            kind,
        } => Loaded::Fetched {
            req,
            result: fetch_doc(store, &repo, &reference, kind).await,
        },
        LoadJob::Untagged { req, repo } => Loaded::UntaggedListed {
            req,
            result: inventory(store, &repo, &InventoryOptions::default())
                .await
                .map(Arc::new)
                .map_err(|e| e.to_string()),
        },
    }
}

/// Sends each page as it arrives, so the first rows show before a long listing ends: each
/// tag once, at most the store's tag limit (past it, what was listed stays and an error
/// says the list stopped), ending when a page brings nothing new.
async fn load_tags(
    store: &dyn Store,
    tx: &mpsc::UnboundedSender<Action>,
    req: u64,
    repo: String,
) -> Loaded {
    let cap = store.limits().tags;
    let mut seen: HashSet<String> = HashSet::new();
    let mut cursor: Option<String> = None;
    for _ in 0..crate::store::MAX_PAGES {
        let p = match store.tags(&repo, cursor.as_deref(), TAG_PAGE).await {
            Ok(p) => p,
            Err(e) => {
                return Loaded::TagsPage {
                    req,
                    result: Err(msg(e)),
                }
            }
        };
        let mut items: Vec<String> = p.items;
        items.retain(|t| seen.insert(t.clone()));
        if seen.len() > cap {
            let keep = items.len() - (seen.len() - cap);
            items.truncate(keep);
            let _ = tx.send(Action::Load(Loaded::TagsPage {
                req,
                result: Ok((items, false)),
            }));
            let e = StoreError::TooMany {
                what: format!("tags of {repo}"),
                limit: cap,
                flag: "--max-tags",
            };
            return Loaded::TagsPage {
                req,
                result: Err(msg(e)),
            };
        }
        let done = p.next.is_none() || p.next == cursor || items.is_empty();
        if done {
            return Loaded::TagsPage {
                req,
                result: Ok((items, true)),
            };
        }
        cursor = p.next;
        let _ = tx.send(Action::Load(Loaded::TagsPage {
            req,
            result: Ok((items, false)),
        }));
    }
    Loaded::TagsPage {
        req,
        result: Ok((Vec::new(), true)),
    }
}

async fn fetch_doc(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    kind: DocKind,
) -> Result<Doc, String> {
    let m = store.manifest(repo, reference).await.map_err(msg)?;
    match kind {
        DocKind::Manifest => Ok(Doc {
            descriptor: m.descriptor,
            bytes: m.bytes,
            manifest: Some(m.manifest),
        }),
        DocKind::Config => {
            let c = m.manifest.config.clone().ok_or_else(|| {
                format!("{reference} has no config (an index or artifact without one)")
            })?;
            let bytes = store.blob_bytes(repo, &c, MAX_DOC).await.map_err(msg)?;
            Ok(Doc {
                descriptor: c,
                bytes,
                manifest: None,
            })
        }
    }
}

/// Fetches details for the newest want only: a newer want stops the older one between rows.
pub async fn details_worker(
    store: Arc<dyn Store>,
    mut rx: watch::Receiver<Option<Want>>,
    tx: mpsc::UnboundedSender<Action>,
    done: Arc<AtomicU64>,
    finished: Arc<Notify>,
) {
    while rx.changed().await.is_ok() {
        let Some((gen, repo, items)) = rx.borrow_and_update().clone() else {
            continue;
        };
        for (key, reference) in items {
            if rx.has_changed().unwrap_or(true) {
                break;
            }
            // A panic answers for its row alone; the worker goes on with the others.
            let result = std::panic::AssertUnwindSafe(detail(store.as_ref(), &repo, &reference))
                .catch_unwind()
                .await
                .unwrap_or_else(|p| Err(format!("internal error ({})", panic_text(p.as_ref()))));
            let sent = tx.send(Action::Load(Loaded::Detail {
                repo: repo.clone(),
                key,
                result,
            }));
            if sent.is_err() {
                return;
            }
        }
        // After the sends, as for tasks: a want counted done has its answers queued.
        done.fetch_max(gen, Ordering::SeqCst);
        finished.notify_one();
    }
}

async fn detail(store: &dyn Store, repo: &str, reference: &str) -> Result<Detail, String> {
    let m = store.manifest(repo, reference).await.map_err(msg)?;
    let platforms = m
        .manifest
        .manifests
        .iter()
        .filter_map(|d| d.platform.as_ref().map(|p| p.to_string()))
        .collect();
    let mut badges: Vec<String> = match store.referrers(repo, &m.descriptor.digest, None).await {
        Ok(r) => r
            .descriptors
            .iter()
            .map(|d| badge(d.artifact_type.as_deref()).to_string())
            .collect(),
        Err(_) => Vec::new(),
    };
    badges.sort();
    badges.dedup();
    Ok(Detail {
        artifact_type: m.manifest.effective_artifact_type(),
        platforms,
        created: m.manifest.created().map(str::to_string),
        badges,
        descriptor: m.descriptor,
    })
}
