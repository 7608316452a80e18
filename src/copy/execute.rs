//! Carrying out a plan in an order that keeps the destination consistent if it stops at any
//! point (ctrl-c drops the future; nothing after that point happens): blobs first (invisible
//! alone), manifests a level at a time (index entries before the index, a referrer after its
//! subject), then fallback indexes, cosign tags, and the user's tag last.
use super::plan::probe_referrers;
use super::publish::{publish_referrers, push_manifest};
use super::{
    BlobAction, BlobDone, CopyOptions, CopyPlan, CopyReport, PlannedBlob, PlannedManifest,
    Progress, Side,
};
use crate::store::{ReferrersSource, Result, StoreError};
use futures::{StreamExt, TryStreamExt};
use std::collections::BTreeMap;

/// Manifests pushed at once (within one level).
const MANIFEST_CONCURRENCY: usize = 16;

/// Copies what `plan` lists from `src` to `dst`, reporting each step to `progress`.
pub async fn execute(
    src: Side<'_>,
    dst: Side<'_>,
    plan: &CopyPlan,
    opts: &CopyOptions,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<CopyReport> {
    let mut report = CopyReport {
        root: Some(plan.root.digest.clone()),
        ..Default::default()
    };
    let moving: Vec<&PlannedBlob> = plan
        .blobs
        .iter()
        .filter(|b| b.action != BlobAction::Present)
        .collect();
    report.blobs_present = plan.blobs.len() - moving.len();
    let done: Vec<(BlobDone, u64)> = futures::stream::iter(moving)
        .map(|b| move_blob(src, dst, b, progress))
        .buffer_unordered(opts.concurrency.max(1))
        .try_collect()
        .await?;
    for (d, size) in done {
        match d {
            BlobDone::Copied => {
                report.blobs_copied += 1;
                report.bytes_copied += size;
            }
            BlobDone::Mounted => report.blobs_mounted += 1,
        }
    }

    let mut levels: BTreeMap<usize, Vec<&PlannedManifest>> = BTreeMap::new();
    for m in &plan.manifests {
        if m.exists {
            report.manifests_present += 1;
        } else {
            levels.entry(m.level).or_default().push(m);
        }
    }
    let mut api_seen = false;
    for (_, group) in levels {
        let subjects: Vec<bool> = futures::stream::iter(group)
            .map(|m| async move {
                let put = push_manifest(dst, m).await?;
                progress(Progress::ManifestPushed {
                    digest: m.descriptor.digest.clone(),
                });
                Ok(put.oci_subject.is_some())
            })
            .buffer_unordered(MANIFEST_CONCURRENCY)
            .try_collect()
            .await?;
        report.manifests_pushed += subjects.len();
        api_seen |= subjects.into_iter().any(|s| s);
    }

    let via = match plan.destination_referrers {
        Some(v) => Some(v),
        // The registry said so in a PUT answer (`OCI-Subject`).
        None if api_seen => Some(ReferrersSource::ReferrersApi),
        None if plan.referrers_by_subject().is_empty() => None,
        // The repository exists now: asking is safe.
        None => probe_referrers(dst.store, dst.repo).await?,
    };
    report.destination_referrers = via;
    report.fallback_indexes = publish_referrers(dst, plan, via).await?;

    for t in &plan.tags {
        let m = plan
            .manifests
            .iter()
            .find(|m| m.descriptor.digest == t.digest)
            .ok_or_else(|| StoreError::Invalid {
                what: format!("tag {}", t.tag),
                detail: "its manifest is not in the plan".into(),
            })?;
        dst.store
            .put_manifest(dst.repo, &t.tag, &m.descriptor.media_type, m.bytes.clone())
            .await?;
        progress(Progress::Tagged { tag: t.tag.clone() });
        report.tags.push(t.tag.clone());
    }
    dst.store.invalidate(dst.repo);
    Ok(report)
}

/// Mounts or streams one blob; a failed stream is tried once more from the start.
async fn move_blob(
    src: Side<'_>,
    dst: Side<'_>,
    b: &PlannedBlob,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<(BlobDone, u64)> {
    let desc = &b.descriptor;
    let size = desc.size.max(0) as u64;
    if b.action == BlobAction::Mount && dst.store.mount_blob(dst.repo, desc, src.repo).await? {
        progress(Progress::BlobFinished {
            digest: desc.digest.clone(),
            how: BlobDone::Mounted,
        });
        return Ok((BlobDone::Mounted, size));
    }
    progress(Progress::BlobStarted {
        digest: desc.digest.clone(),
        size,
    });
    let mut attempt = 0;
    loop {
        attempt += 1;
        match stream_blob(src, dst, b, progress).await {
            Ok(()) => break,
            Err(e) if attempt == 1 && retryable(&e) => {
                tracing::debug!(digest = %desc.digest, error = %e, "blob copy failed; retrying once");
                progress(Progress::BlobRestarted {
                    digest: desc.digest.clone(),
                });
            }
            Err(e) => return Err(e),
        }
    }
    progress(Progress::BlobFinished {
        digest: desc.digest.clone(),
        how: BlobDone::Copied,
    });
    Ok((BlobDone::Copied, size))
}

async fn stream_blob(
    src: Side<'_>,
    dst: Side<'_>,
    b: &PlannedBlob,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<()> {
    let desc = &b.descriptor;
    let stream = src.store.blob_stream(src.repo, desc).await?;
    let digest = desc.digest.clone();
    // Progress reported from the stream itself: bytes counted as the destination takes them.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u64>();
    let counted = stream
        .inspect(move |r| {
            if let Ok(chunk) = r {
                let _ = tx.send(chunk.len() as u64);
            }
        })
        .boxed();
    let push = dst.store.push_blob_stream(dst.repo, desc, counted);
    tokio::pin!(push);
    loop {
        tokio::select! {
            r = &mut push => {
                while let Ok(n) = rx.try_recv() {
                    progress(Progress::BlobBytes { digest: digest.clone(), bytes: n });
                }
                return r;
            }
            Some(n) = rx.recv() => progress(Progress::BlobBytes { digest: digest.clone(), bytes: n }),
        }
    }
}

/// Failures a fresh attempt can cure: the network, the registry, an expired token mid-stream.
fn retryable(e: &StoreError) -> bool {
    match e {
        StoreError::Transport { .. } | StoreError::Io { .. } | StoreError::Invalid { .. } => true,
        StoreError::Status { status, .. } => *status >= 500 || *status == 413 || *status == 408,
        StoreError::Unauthorized { .. } => true,
        _ => false,
    }
}
