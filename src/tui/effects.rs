//! Runs effects as tokio tasks against the store; results come back as actions.
use super::action::{Action, Detail, Doc, DocKind, Effect, Failure, Level};
use super::state::Secret;
use super::tree::badge;
use crate::connection::LoginOptions;
use crate::graph::{cosign_tags, expand_one};
use crate::store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

/// Tags asked for per listing page.
const TAG_PAGE: usize = 1000;
/// Repositories per catalog page (paged in as the cursor nears the end).
const REPO_PAGE: usize = 100;
/// Largest config blob shown in the inspector.
const MAX_DOC: usize = 4 * 1024 * 1024;

type Want = (u64, String, Vec<(String, String)>);

/// The effect runner: owns the store handle and the details worker.
pub struct Runner {
    store: Arc<dyn Store>,
    tx: mpsc::UnboundedSender<Action>,
    want: watch::Sender<Option<Want>>,
    inflight: Arc<AtomicUsize>,
    want_gen: AtomicU64,
    done_gen: Arc<AtomicU64>,
    /// Cancellation of running pulls, by id.
    cancels: Arc<Mutex<HashMap<u64, CancellationToken>>>,
    /// How `:login` reaches the registry and where it saves.
    login: Arc<LoginOptions>,
}

impl Runner {
    /// Starts the details worker; must be called inside a tokio runtime.
    pub fn new(store: Arc<dyn Store>, tx: mpsc::UnboundedSender<Action>) -> Runner {
        let (want, rx) = watch::channel(None);
        let done_gen = Arc::new(AtomicU64::new(0));
        tokio::spawn(details_worker(
            store.clone(),
            rx,
            tx.clone(),
            done_gen.clone(),
        ));
        Runner {
            store,
            tx,
            want,
            inflight: Arc::new(AtomicUsize::new(0)),
            want_gen: AtomicU64::new(0),
            done_gen,
            cancels: Arc::new(Mutex::new(HashMap::new())),
            login: Arc::new(LoginOptions::default()),
        }
    }

    /// Sets the options `:login` uses (TLS settings, where credentials are saved).
    pub fn with_login(mut self, login: LoginOptions) -> Runner {
        self.login = Arc::new(login);
        self
    }

    /// True while any effect has not answered yet.
    pub fn busy(&self) -> bool {
        self.inflight.load(Ordering::SeqCst) > 0
            || self.done_gen.load(Ordering::SeqCst) < self.want_gen.load(Ordering::SeqCst)
    }

    pub fn run(&self, effect: Effect) {
        if let Effect::WantDetails { repo, items } = effect {
            // Newest wins: the worker drops whatever it was doing for an older want.
            let gen = self.want_gen.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = self.want.send(Some((gen, repo, items)));
            return;
        }
        if let Effect::CancelPull { id } = effect {
            if let Some(t) = self.cancels.lock().ok().and_then(|m| m.get(&id).cloned()) {
                t.cancel();
            }
            return;
        }
        let cancel = match &effect {
            Effect::Pull { id, .. } => {
                let t = CancellationToken::new();
                if let Ok(mut m) = self.cancels.lock() {
                    m.insert(*id, t.clone());
                }
                Some((*id, t))
            }
            _ => None,
        };
        let cancels = self.cancels.clone();
        let store = self.store.clone();
        let tx = self.tx.clone();
        let inflight = self.inflight.clone();
        let login_opts = self.login.clone();
        inflight.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let repo = effect_repo(&effect);
            let token = cancel.as_ref().map(|(_, t)| t.clone());
            let action = match effect {
                Effect::Login {
                    host,
                    user,
                    password,
                } => Some(login(host, user, password, &login_opts).await),
                effect => perform(store.as_ref(), &tx, effect, token).await,
            };
            if let Some((id, _)) = cancel {
                if let Ok(mut m) = cancels.lock() {
                    m.remove(&id);
                }
            }
            if let Some(a) = action {
                let _ = tx.send(a);
            }
            let _ = tx.send(Action::Status {
                auth: store.info().auth,
                referrers: repo.and_then(|r| store.referrers_source(&r)),
            });
            inflight.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

fn effect_repo(e: &Effect) -> Option<String> {
    match e {
        Effect::LoadTags { repo, .. }
        | Effect::Resolve { repo, .. }
        | Effect::Expand { repo, .. }
        | Effect::Fetch { repo, .. }
        | Effect::Inspect { repo, .. }
        | Effect::Attach { repo, .. }
        | Effect::PlanDelete { repo, .. }
        | Effect::LoadUntagged { repo, .. } => Some(repo.clone()),
        _ => None,
    }
}

/// `:login`: the library verifies the credentials against the registry and saves them.
async fn login(host: String, user: String, password: Secret, opts: &LoginOptions) -> Action {
    let result = crate::connection::login(&host, &user, password.expose(), opts)
        .await
        .map_err(|e| e.to_string());
    Action::LoggedIn { host, user, result }
}

fn msg(e: StoreError) -> String {
    e.to_string()
}

async fn perform(
    store: &dyn Store,
    tx: &mpsc::UnboundedSender<Action>,
    effect: Effect,
    cancel: Option<CancellationToken>,
) -> Option<Action> {
    Some(match effect {
        Effect::LoadRepos { req, cursor } => {
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
            Action::ReposPage { req, result }
        }
        Effect::LoadTags { req, repo } => return load_tags(store, tx, req, repo).await,
        Effect::Resolve {
            gen,
            repo,
            reference,
        } => Action::Resolved {
            gen,
            result: store.resolve(&repo, &reference).await.map_err(msg),
        },
        Effect::Expand {
            gen,
            node,
            repo,
            desc,
        } => {
            // The tag listing behind the cosign map is cached by the store (dropped on refresh).
            let tags = cosign_tags(store, &repo).await;
            let result = expand_one(store, &repo, &desc, None, true, &tags)
                .await
                .map(|e| Level {
                    children: e.children,
                    referrers: e.referrers,
                    source: e.source,
                    cosign: e.cosign,
                })
                .map_err(msg);
            Action::Expanded { gen, node, result }
        }
        Effect::Inspect {
            req,
            repo,
            reference,
            subject,
        } => Action::Inspected {
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
        Effect::Fetch {
            req,
            repo,
            reference,
            kind,
        } => Action::Fetched {
            req,
            result: fetch_doc(store, &repo, &reference, kind).await,
        },
        Effect::Invalidate { repo } => {
            store.invalidate(&repo);
            return None;
        }
        Effect::WantDetails { .. } | Effect::CancelPull { .. } | Effect::Login { .. } => {
            return None
        }
        other => return super::jobs::perform(store, tx, other, cancel).await,
    })
}

/// Sends each page as it arrives, so the first rows show before a long listing ends.
async fn load_tags(
    store: &dyn Store,
    tx: &mpsc::UnboundedSender<Action>,
    req: u64,
    repo: String,
) -> Option<Action> {
    let mut cursor: Option<String> = None;
    for _ in 0..crate::store::MAX_PAGES {
        match store.tags(&repo, cursor.as_deref(), TAG_PAGE).await {
            Err(e) => {
                return Some(Action::TagsPage {
                    req,
                    result: Err(msg(e)),
                })
            }
            Ok(p) => {
                let done = p.next.is_none() || p.next == cursor || p.items.is_empty();
                if done {
                    return Some(Action::TagsPage {
                        req,
                        result: Ok((p.items, true)),
                    });
                }
                cursor = p.next;
                let _ = tx.send(Action::TagsPage {
                    req,
                    result: Ok((p.items, false)),
                });
            }
        }
    }
    Some(Action::TagsPage {
        req,
        result: Ok((Vec::new(), true)),
    })
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

async fn details_worker(
    store: Arc<dyn Store>,
    mut rx: watch::Receiver<Option<Want>>,
    tx: mpsc::UnboundedSender<Action>,
    done: Arc<AtomicU64>,
) {
    while rx.changed().await.is_ok() {
        let Some((gen, repo, items)) = rx.borrow_and_update().clone() else {
            continue;
        };
        for (key, reference) in items {
            if rx.has_changed().unwrap_or(true) {
                break;
            }
            let result = detail(store.as_ref(), &repo, &reference).await;
            if tx
                .send(Action::Detail {
                    repo: repo.clone(),
                    key,
                    result,
                })
                .is_err()
            {
                return;
            }
        }
        done.fetch_max(gen, Ordering::SeqCst);
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
