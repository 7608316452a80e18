//! Store reads for the screens: repository and tag pages, tag details (a worker where the newest
//! request wins), tree levels, documents, decodings, the untagged listing.
use super::panic_text;
use crate::graph::fallback::known_leaves;
use crate::graph::inventory::{inventory, InventoryOptions};
use crate::graph::size::fetch_image_size;
use crate::graph::{cosign_referrers, cosign_tags, expand_one, EdgeSource};
use crate::oci::config::{ImageConfig, MAX_CONFIG_BYTES};
use crate::oci::{media, Descriptor, Digest};
use crate::store::{Store, StoreError};
use crate::tui::action::{
    Action, Detail, Doc, DocKind, Failure, Level, Loaded, MAX_ROW_SIGNATURES,
};
use crate::tui::effect::LoadJob;
use crate::tui::label::node_badge;
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

/// A details request: its generation, the store, the repository, and (key, reference) pairs.
pub type Want = (u64, Arc<dyn Store>, String, Vec<(String, String)>);

/// A summary request for the detail pane: generation, store, repository, digest, subject hint.
pub type SummaryWant = (u64, Arc<dyn Store>, String, Digest, Option<Digest>);

/// An error as the TUI shows it: a refused anonymous request says how to sign in from here.
fn msg(e: StoreError) -> String {
    match e {
        StoreError::Unauthorized { what, detail } if detail.contains("arbor login") => format!(
            "{what}: this registry needs credentials — type :login USER to sign in here (or run `arbor login` in a shell)"
        ),
        StoreError::Unauthorized { what, detail } => {
            format!("{what}: {detail} — :login USER signs in again")
        }
        e => crate::store::error_text(&e),
    }
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
            let result = match expand_one(store, &repo, &desc, None, true, &tags).await {
                Ok(e) => {
                    let all: Vec<_> = e
                        .children
                        .iter()
                        .chain(&e.referrers)
                        .chain(&e.cosign)
                        .cloned()
                        .collect();
                    let locked = locked_among(store, &repo, all.iter().chain([&desc])).await;
                    Ok(Level {
                        leaves: known_leaves(store, &repo, &all, &tags).await,
                        locked,
                        children: e.children,
                        referrers: e.referrers,
                        source: e.source,
                        cosign: e.cosign,
                    })
                }
                Err(e) => Err(msg(e)),
            };
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
    mut rx: watch::Receiver<Option<Want>>,
    tx: mpsc::UnboundedSender<Action>,
    done: Arc<AtomicU64>,
    finished: Arc<Notify>,
) {
    while rx.changed().await.is_ok() {
        let Some((gen, store, repo, items)) = rx.borrow_and_update().clone() else {
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
        // The badges asked the referrers source: the header shows it from now on.
        let info = store.info();
        let _ = tx.send(Action::Load(Loaded::Status {
            auth: info.auth,
            referrers: store.referrers_source(&repo),
            listing: info.listing,
        }));
        // After the sends, as for tasks: a want counted done has its answers queued.
        done.fetch_max(gen, Ordering::SeqCst);
        finished.notify_one();
    }
}

/// Decodes the manifest under the cursor for the detail pane: one at a time, the newest want
/// next (a cursor moving fast over a list asks for the row it stops on, not every row).
pub async fn summary_worker(
    mut rx: watch::Receiver<Option<SummaryWant>>,
    tx: mpsc::UnboundedSender<Action>,
    done: Arc<AtomicU64>,
    finished: Arc<Notify>,
) {
    while rx.changed().await.is_ok() {
        let Some((gen, store, repo, digest, subject)) = rx.borrow_and_update().clone() else {
            continue;
        };
        let result = crate::inspect::inspect_with_subject(
            store.as_ref(),
            &repo,
            &digest.to_string(),
            subject.as_ref(),
        )
        .await
        .map(Arc::new)
        .map_err(|e| e.to_string());
        let sent = tx.send(Action::Load(Loaded::Summary {
            digest,
            subject,
            result,
        }));
        if sent.is_err() {
            return;
        }
        done.fetch_max(gen, Ordering::SeqCst);
        finished.notify_one();
    }
}

/// A row's details: what the manifest is, its image size, its created time (annotation, else the
/// config's, else the registry's from the session's listing) and platform, and badges for what hangs below it (referrers and cosign tags). The reads after the
/// manifest run at once.
async fn detail(store: &dyn Store, repo: &str, reference: &str) -> Result<Detail, String> {
    let m = store.manifest(repo, reference).await.map_err(msg)?;
    let mut platforms: Vec<String> = m
        .manifest
        .manifests
        .iter()
        .filter_map(|d| d.platform.as_ref().map(|p| p.to_string()))
        .collect();
    let (config, size, refs, cosign, listing) = futures::join!(
        image_config(store, repo, &m.manifest),
        fetch_image_size(store, repo, &m.manifest),
        store.referrers(repo, &m.descriptor.digest, None),
        cosign_attached(store, repo, &m.descriptor.digest),
        store.session_listing(repo)
    );
    let listed = listing
        .as_ref()
        .and_then(|l| l.entries.iter().find(|e| e.digest == m.descriptor.digest));
    // The registry's own time (ACR `createdTime`, Harbor `push_time`), last in the order.
    let registry_time = listed.and_then(|e| e.created.clone());
    let locked = listed.and_then(|e| e.locks).is_some_and(|l| l.locked());
    let refs = refs.map_or_else(
        |_| Vec::new(),
        |r| {
            let source = EdgeSource::from(r.source);
            r.descriptors.into_iter().map(|d| (d, source)).collect()
        },
    );
    // A manifest both a referrer and cosign-tagged counts once, as a referrer (as in the tree).
    let mut seen: HashSet<Digest> = HashSet::new();
    let attached: Vec<(Descriptor, EdgeSource)> = refs
        .into_iter()
        .chain(cosign.into_iter().map(|d| (d, EdgeSource::CosignTag)))
        .filter(|(d, _)| seen.insert(d.digest.clone()))
        .collect();
    let mut badges: Vec<String> = attached
        .iter()
        .map(|(d, _)| node_badge(d).to_string())
        .collect();
    let signatures: Vec<(Descriptor, EdgeSource)> = attached
        .into_iter()
        .filter(|(d, _)| node_badge(d) == "SIG")
        .take(MAX_ROW_SIGNATURES)
        .collect();
    badges.sort();
    badges.dedup();
    if platforms.is_empty() {
        platforms.extend(
            config
                .as_ref()
                .and_then(|c| c.platform.as_ref())
                .map(|p| p.to_string()),
        );
    }
    Ok(Detail {
        artifact_type: m.manifest.effective_artifact_type(),
        platforms,
        // The order, as the inventory has it: annotation, config, registry.
        created: m
            .manifest
            .created()
            .map(str::to_string)
            // (The zero time some builders write is no time: `ImageConfig::parse` drops it.)
            .or_else(|| config.and_then(|c| c.created))
            .or(registry_time),
        badges,
        signatures,
        image_size: size.ok(),
        locked,
        descriptor: m.descriptor,
    })
}

/// Of `descs`, the manifests the session's vendor listing marks locked (none, and no request,
/// where the registry has no listing API or its kind is not known yet).
async fn locked_among<'a>(
    store: &dyn Store,
    repo: &str,
    descs: impl Iterator<Item = &'a Descriptor>,
) -> HashSet<Digest> {
    let Some(listing) = store.session_listing(repo).await else {
        return HashSet::new();
    };
    let locked: HashSet<&Digest> = listing
        .entries
        .iter()
        .filter(|e| e.locks.is_some_and(|l| l.locked()))
        .map(|e| &e.digest)
        .collect();
    descs
        .filter(|d| locked.contains(&d.digest))
        .map(|d| d.digest.clone())
        .collect()
}

/// The manifests the repository's cosign legacy tags name `digest` with, as the tree gets them
/// (best effort: none when the tags cannot be listed or read). The tag listing is the store's
/// cached one, and a digest has at most one `.sig`, `.att` and `.sbom` tag.
async fn cosign_attached(store: &dyn Store, repo: &str, digest: &Digest) -> Vec<Descriptor> {
    let (tags, _) = cosign_tags(store, repo).await;
    match tags.get(digest) {
        Some(t) => cosign_referrers(store, repo, t, None)
            .await
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

/// The image config of an image manifest (none for an index or an artifact's own config).
async fn image_config(
    store: &dyn Store,
    repo: &str,
    m: &crate::oci::Manifest,
) -> Option<ImageConfig> {
    let c = m.config.as_ref()?;
    if c.media_type != media::OCI_CONFIG && c.media_type != media::DOCKER_CONFIG {
        return None;
    }
    let bytes = store.blob_bytes(repo, c, MAX_CONFIG_BYTES).await.ok()?;
    ImageConfig::parse(&bytes)
}
