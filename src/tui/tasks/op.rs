//! Graph operations as tasks: attach previews and pushes, pull with progress and cancel,
//! delete plans and their execution, `:login`, and path completion for dialogs. Library calls
//! only, via the store.
use super::complete::{complete_field, expand_home};
use super::throttle::Throttled;
use crate::attach::{attach, build_manifest, layers_for};
use crate::connection::{ConnectOptions, LoginOptions};
use crate::graph::delete::{execute, plan_delete, DeleteOptions};
use crate::oci::{media, Digest};
use crate::pull::{pull, PullFile, PullOptions, PullProgress};
use crate::store::Store;
use crate::tui::action::{Action, OpDone, Plans, PullStatus};
use crate::tui::effect::OpJob;
use crate::tui::label::human_size;
use futures::FutureExt;
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Runs one operation; pulls and deletes report progress through `tx` as they go.
pub async fn perform(
    shared: &Arc<dyn Store>,
    tx: &UnboundedSender<Action>,
    job: OpJob,
    cancel: Option<CancellationToken>,
    login: &LoginOptions,
    conn: &ConnectOptions,
) -> OpDone {
    let store: &dyn Store = shared.as_ref();
    match job {
        OpJob::CompletePath { req, text, from } => {
            let asked = text.clone();
            let (completed, candidates) =
                tokio::task::spawn_blocking(move || complete_field(&asked, from))
                    .await
                    .unwrap_or_default();
            OpDone::PathCompleted {
                req,
                text,
                completed,
                candidates,
            }
        }
        OpJob::PreviewAttach {
            req,
            repo,
            subject,
            mut request,
        } => {
            for f in &mut request.files {
                f.path = expand_home(&f.path);
            }
            // Fixed now, so the pushed manifest is byte for byte the one previewed.
            request
                .annotations
                .entry(media::ANN_CREATED.into())
                .or_insert_with(crate::attach::now_rfc3339);
            let result = async {
                let subj = store
                    .resolve(&repo, &subject)
                    .await
                    .map_err(|e| e.to_string())?;
                let files = request.files.clone();
                let layers = tokio::task::spawn_blocking(move || layers_for(&files))
                    .await
                    .map_err(|e| e.to_string())?
                    .map_err(|e| e.to_string())?;
                let bytes = build_manifest(&request, &subj, &layers).map_err(|e| e.to_string())?;
                Ok((request, bytes))
            }
            .await;
            OpDone::AttachPreviewed { req, result }
        }
        OpJob::Attach {
            req,
            repo,
            subject,
            request,
        } => OpDone::Attached {
            req,
            result: attach(store, &repo, &subject, &request)
                .await
                .map_err(|e| e.to_string()),
        },
        OpJob::Pull {
            id,
            repo,
            reference,
            dir,
        } => {
            let progress = Progress::new(id, tx.clone());
            let opts = PullOptions {
                cancel: cancel.unwrap_or_default(),
                ..Default::default()
            };
            let result = pull(store, &repo, &reference, &dir, &opts, &progress)
                .await
                .map(|r| {
                    let skipped = match r.skipped.len() {
                        0 => String::new(),
                        n => format!(", {n} skipped"),
                    };
                    format!(
                        "pulled {}: {}, {} into {}{skipped}",
                        r.reference,
                        crate::tui::label::count(r.files.len(), "file"),
                        human_size(r.bytes as i64),
                        dir.display()
                    )
                })
                .map_err(|e| e.to_string());
            OpDone::Pulled { id, result }
        }
        OpJob::PlanDelete { id, repo, refs } => {
            let result = plan_delete(store, &repo, &refs, true, crate::graph::DEFAULT_DEPTH)
                .await
                .map(|p| Plans(Arc::new(p)))
                .map_err(|e| e.to_string());
            OpDone::Planned { id, result }
        }
        OpJob::Delete { id, plans } => {
            let mut count = 0;
            let progress = |_: &Digest| {
                count += 1;
                let _ = tx.send(Action::Op(OpDone::DeleteProgress { id, deleted: count }));
            };
            let (reports, error) =
                match execute(store, &plans.0, &DeleteOptions::default(), progress).await {
                    Ok(r) => (vec![r], None),
                    Err(e) => (Vec::new(), Some(e.to_string())),
                };
            OpDone::Deleted { id, reports, error }
        }
        OpJob::Login {
            host,
            user,
            password,
        } => {
            // The library verifies the credentials against the registry and saves them.
            let result = crate::connection::login(&host, &user, password.expose(), login)
                .await
                .map_err(|e| e.to_string());
            OpDone::LoggedIn { host, user, result }
        }
        OpJob::PlanCopy {
            id,
            repo,
            reference,
            destination,
            layout,
            recursive,
            platforms,
        } => {
            let args = super::copy::PlanArgs {
                repo,
                reference,
                destination,
                layout,
                recursive,
                platforms,
            };
            let (shared, conn) = (shared.clone(), conn.clone());
            let result = on_own_thread(move || async move {
                super::copy::plan(shared.as_ref(), &conn, args).await
            });
            OpDone::CopyPlanned {
                id,
                result: result.await,
            }
        }
        OpJob::Copy { id, repo, job } => {
            let (shared, tx) = (shared.clone(), tx.clone());
            let cancel = cancel.unwrap_or_default();
            let result = on_own_thread(move || async move {
                super::copy::run(shared.as_ref(), &repo, id, job, &tx, cancel).await
            });
            OpDone::Copied {
                id,
                result: result.await,
            }
        }
        OpJob::AddTags {
            id,
            repo,
            reference,
            tags,
        } => OpDone::Tagged {
            id,
            result: super::tagging::add_tags(store, &repo, &reference, tags)
                .boxed()
                .await,
        },
        OpJob::Untag { id, repo, tag } => OpDone::Untagged {
            id,
            result: super::tagging::untag(store, &repo, &tag).boxed().await,
        },
        OpJob::ExportMermaid {
            id,
            repo,
            digest,
            title,
            to,
        } => OpDone::Exported {
            id,
            result: super::tagging::export_mermaid(store, &repo, &digest, &title, to)
                .boxed()
                .await,
        },
    }
}

/// Runs a library future the compiler cannot prove `Send` (its streams map with closures over
/// borrowed data, rust-lang/rust#102211) on a blocking thread of the same runtime.
async fn on_own_thread<T, F, Fut>(make: F) -> Result<T, String>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, String>>,
    T: Send + 'static,
{
    let h = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || h.block_on(make()))
        .await
        .map_err(|e| format!("internal error: the task stopped ({e})"))?
}

/// Pull progress as actions, throttled.
struct Progress {
    id: u64,
    tx: UnboundedSender<Action>,
    inner: Throttled<Counts>,
}

#[derive(Default)]
struct Counts {
    sizes: Vec<u64>,
    done: Vec<u64>,
    verified: usize,
}

impl Progress {
    fn new(id: u64, tx: UnboundedSender<Action>) -> Progress {
        Progress {
            id,
            tx,
            inner: Throttled::new(Counts::default()),
        }
    }

    fn update(&self, force: bool, f: impl FnOnce(&mut Counts)) {
        let report = |c: &Counts| PullStatus {
            files: c.sizes.len(),
            verified: c.verified,
            done: c.done.iter().sum(),
            total: c.sizes.iter().sum(),
        };
        if let Some(progress) = self.inner.update(force, f, report) {
            let _ = self.tx.send(Action::Op(OpDone::PullProgress {
                id: self.id,
                progress,
            }));
        }
    }
}

impl PullProgress for Progress {
    fn begin(&self, files: &[PullFile]) {
        self.update(true, |c| {
            c.sizes = files
                .iter()
                .map(|f| f.descriptor.size.max(0) as u64)
                .collect();
            c.done = vec![0; files.len()];
        });
    }
    fn advanced(&self, index: usize, done: u64) {
        self.update(false, |c| {
            if let Some(d) = c.done.get_mut(index) {
                *d = done;
            }
        });
    }
    fn verified(&self, index: usize) {
        self.update(true, |c| {
            c.verified += 1;
            if let (Some(d), Some(s)) = (c.done.get_mut(index), c.sizes.get(index)) {
                *d = *s;
            }
        });
    }
}
