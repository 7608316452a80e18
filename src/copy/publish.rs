//! Making the copied referrers discoverable on the destination the way it supports: the
//! referrers API indexes them itself; without it, each subject's `sha256-<hex>` fallback index
//! is merged (entries already there are kept); an OCI layout lists them in `index.json`.
use super::{CopyPlan, PlannedManifest, Side};
use crate::graph::fallback::update_fallback_index;
use crate::oci::{tags, Descriptor};
use crate::store::{PutManifest, ReferrersSource, Result, StoreError};
use futures::StreamExt;

/// Fallback indexes written at once.
const CONCURRENCY: usize = 8;

/// Records the plan's referrers on `dst` as `via` requires; the fallback index tags that changed.
pub async fn publish_referrers(
    dst: Side<'_>,
    plan: &CopyPlan,
    via: Option<ReferrersSource>,
) -> Result<Vec<String>> {
    match via {
        Some(ReferrersSource::ReferrersTag) => {}
        Some(ReferrersSource::Layout) => {
            // Pushed manifests are listed already; those the layout had may not be.
            for m in plan
                .manifests
                .iter()
                .filter(|m| m.exists && m.subject.is_some())
            {
                push_manifest(dst, m).await?;
            }
            return Ok(Vec::new());
        }
        Some(ReferrersSource::ReferrersApi) | None => return Ok(Vec::new()),
    }
    let groups = plan.referrers_by_subject();
    let results: Vec<Result<Option<String>>> = futures::stream::iter(groups)
        .map(|(subject, referrers)| async move {
            let entries: Vec<Descriptor> = referrers
                .iter()
                .map(|m| Descriptor {
                    platform: None,
                    urls: None,
                    ..m.descriptor.clone()
                })
                .collect();
            let mut added = 0;
            update_fallback_index(dst.store, dst.repo, &subject, |have| {
                for e in entries {
                    if !have.iter().any(|h| h.digest == e.digest) {
                        have.push(e);
                        added += 1;
                    }
                }
            })
            .await?;
            Ok((added > 0).then(|| tags::fallback_tag(&subject)))
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut written = Vec::new();
    for r in results {
        written.extend(r?);
    }
    Ok(written)
}

/// Pushes a planned manifest by digest; the destination must answer with the same digest.
pub(super) async fn push_manifest(dst: Side<'_>, m: &PlannedManifest) -> Result<PutManifest> {
    let put = dst
        .store
        .put_manifest(
            dst.repo,
            &m.descriptor.digest.to_string(),
            &m.descriptor.media_type,
            m.bytes.clone(),
        )
        .await?;
    if put.digest != m.descriptor.digest {
        return Err(StoreError::DigestMismatch {
            what: format!("push of manifest {}", m.descriptor.digest),
            expected: m.descriptor.digest.to_string(),
            actual: put.digest.to_string(),
        });
    }
    Ok(put)
}
