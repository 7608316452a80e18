//! The copy dialog's library calls: opening the destination and planning (`copy::plan`), then
//! carrying out exactly that plan (`copy::execute`) with progress, stopped by a cancel at any
//! point — the library keeps the destination consistent wherever it stops.
use super::complete::expand_home;
use super::throttle::Throttled;
use crate::connection::{open_destination, ConnectOptions, End};
use crate::copy::{self, BlobAction, CopyOptions, PlatformFilter, Progress, Side};
use crate::store::{Store, StoreKind};
use crate::tui::action::{Action, CopyDone, CopyJob, CopyPrepared, CopyStatus, OpDone, Place};
use std::sync::Arc;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// What the copy form asked for.
pub struct PlanArgs {
    pub repo: String,
    pub reference: String,
    pub destination: String,
    pub layout: bool,
    pub recursive: bool,
    pub platforms: Vec<PlatformFilter>,
}

/// `host/repo` for a registry, the directory for a layout (what `arbor cp` prints).
fn display_name(store: &dyn Store, repo: &str) -> String {
    let info = store.info();
    match info.kind {
        StoreKind::Registry => format!("{}/{repo}", info.name),
        StoreKind::Layout => info.name,
    }
}

/// Opens the destination and plans the copy, as `arbor cp --dry-run` does.
pub async fn plan(
    store: &dyn Store,
    conn: &ConnectOptions,
    a: PlanArgs,
) -> Result<CopyJob, String> {
    let mut end = End::parse(&a.destination, a.layout).map_err(|e| format!("{e:#}"))?;
    if let End::Layout { dir, .. } = &mut end {
        *dir = expand_home(dir);
    }
    let info = store.info();
    let same_registry = matches!(&end, End::Registry(r) if info.kind == StoreKind::Registry && r.registry == info.name);
    let conn = conn.clone();
    let end2 = end.clone();
    // Opening a layout reads (or creates) a directory: off the async threads.
    let dst = tokio::task::spawn_blocking(move || open_destination(&conn, &end2))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("{e:#}"))?;
    let source_tag = a
        .reference
        .parse::<crate::oci::Digest>()
        .is_err()
        .then(|| a.reference.clone());
    // Without a tag of its own, the destination keeps the source's.
    let tags: Vec<String> = end.tag().or(source_tag).into_iter().collect();
    let opts = CopyOptions {
        recursive: a.recursive,
        platforms: a.platforms,
        mount: same_registry && a.repo != dst.repo,
        tags,
        ..Default::default()
    };
    let src = Side {
        store,
        repo: &a.repo,
    };
    let dside = Side {
        store: dst.store.as_ref(),
        repo: &dst.repo,
    };
    let mut plan = copy::plan(src, &a.reference, dside, &opts)
        .await
        .map_err(|e| e.to_string())?;
    plan.source = format!(
        "{}@{}",
        display_name(store, &a.repo),
        plan.source_root.as_ref().unwrap_or(&plan.root.digest)
    );
    plan.destination = dst.display_name.clone();
    if let Some(want) = end.digest() {
        if want != plan.root.digest {
            return Err(format!(
                "the destination names {want}, but the copy's root is {}",
                plan.root.digest
            ));
        }
    }
    let mut lines: Vec<String> = plan
        .notes
        .iter()
        .map(|n| format!("note: {}", crate::text::escape(n)))
        .collect();
    lines.extend(copy::summary::plan_lines(&plan));
    let reference = opts
        .tags
        .last()
        .cloned()
        .unwrap_or_else(|| plan.root.digest.to_string());
    let place = match &end {
        End::Registry(_) if same_registry => Place::Here {
            repo: dst.repo.clone(),
            reference,
        },
        End::Registry(r) => Place::Registry {
            host: r.registry.clone(),
            repo: dst.repo.clone(),
            reference,
        },
        End::Layout { dir, .. } => Place::Layout {
            dir: dir.clone(),
            repo: dst.repo.clone(),
            reference,
        },
    };
    Ok(CopyJob(Arc::new(CopyPrepared {
        plan,
        opts,
        lines,
        destination: dst.store,
        destination_repo: dst.repo,
        place,
    })))
}

/// Carries out the planned copy; a cancel drops it where it stands.
pub async fn run(
    store: &dyn Store,
    repo: &str,
    id: u64,
    job: CopyJob,
    tx: &UnboundedSender<Action>,
    cancel: CancellationToken,
) -> Result<CopyDone, String> {
    let p = &job.0;
    let status = Throttled::new(Counter::new(&p.plan));
    let send = |force: bool, f: &dyn Fn(&mut Counter)| {
        if let Some(st) = status.update(force, f, |c| Box::new(c.status.clone())) {
            let _ = tx.send(Action::Op(OpDone::CopyProgress { id, status: st }));
        }
    };
    let on_progress = |pr: Progress| match pr {
        Progress::BlobStarted { digest, size } => send(true, &|c| {
            c.status.in_flight.push((digest.clone(), 0, size))
        }),
        Progress::BlobBytes { digest, bytes } => send(false, &|c| {
            c.status.bytes_done += bytes;
            if let Some(b) = c.status.in_flight.iter_mut().find(|b| b.0 == digest) {
                b.1 += bytes;
            }
        }),
        Progress::BlobRestarted { digest } => send(true, &|c| {
            if let Some(b) = c.status.in_flight.iter_mut().find(|b| b.0 == digest) {
                c.status.bytes_done = c.status.bytes_done.saturating_sub(b.1);
                b.1 = 0;
            }
        }),
        Progress::BlobFinished { digest, how } => send(true, &|c| {
            if how == copy::BlobDone::Mounted {
                c.status.bytes_done += c.size_of(&digest);
            }
            c.status.blobs_done += 1;
            c.status.in_flight.retain(|b| b.0 != digest);
        }),
        Progress::ManifestPushed { .. } => send(true, &|c| c.status.manifests_pushed += 1),
        Progress::Tagged { tag } => send(true, &|c| c.status.tagged = Some(tag.clone())),
    };
    let src = Side { store, repo };
    let dst = Side {
        store: p.destination.as_ref(),
        repo: &p.destination_repo,
    };
    let report = tokio::select! {
        r = copy::execute(src, dst, &p.plan, &p.opts, &on_progress) => r.map_err(|e| e.to_string())?,
        _ = cancel.cancelled() => return Err(
            "cancelled: the destination holds only complete manifests, each referrer after its subject; the tag was not written (copy again to finish)".into()
        ),
    };
    Ok(CopyDone {
        lines: copy::summary::report_lines(&p.plan, &report),
        root: report.root.unwrap_or_else(|| p.plan.root.digest.clone()),
        place: p.place.clone(),
    })
}

/// The status and the blob sizes it counts mounts by.
struct Counter {
    status: CopyStatus,
    sizes: std::collections::HashMap<crate::oci::Digest, u64>,
}

impl Counter {
    fn new(plan: &copy::CopyPlan) -> Counter {
        let moving: Vec<_> = plan
            .blobs
            .iter()
            .filter(|b| b.action != BlobAction::Present)
            .collect();
        Counter {
            status: CopyStatus {
                bytes_total: moving.iter().map(|b| b.descriptor.size.max(0) as u64).sum(),
                blobs_total: moving.len(),
                manifests_total: plan.manifests_to_push(),
                ..Default::default()
            },
            sizes: moving
                .iter()
                .map(|b| (b.descriptor.digest.clone(), b.descriptor.size.max(0) as u64))
                .collect(),
        }
    }

    fn size_of(&self, d: &crate::oci::Digest) -> u64 {
        self.sizes.get(d).copied().unwrap_or(0)
    }
}
