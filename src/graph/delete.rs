//! Deleting a whole graph: a plan shown first (everything that goes, every tag that vanishes),
//! then leaves-first execution that reports exactly what was and was not deleted.
use super::fallback::update_fallback_index;
use super::{discover, DiscoverOptions, EdgeSource, Expansion, Node};
use crate::oci::{tags, Descriptor, Digest};
use crate::store::{ReferrersSource, Result, Store, StoreError};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};

/// One manifest's delete step: the item, the fallback index tag removed with it, and the
/// failed step with its error.
type StepResult<'a> = (
    &'a PlanItem,
    Option<String>,
    std::result::Result<(), (String, String)>,
);

/// Deletes in flight at once (within one depth of the graph).
const DELETE_CONCURRENCY: usize = 8;

/// Tags resolved at most when planning (each is one HEAD request).
pub const MAX_TAGS_RESOLVED: usize = 5000;

/// One manifest the plan deletes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanItem {
    pub descriptor: Descriptor,
    /// The manifest it is attached to, if any.
    pub subject: Option<Digest>,
    pub depth: usize,
    /// Tags (other than fallback tags) that point at it and disappear with it.
    pub tags: Vec<String>,
    pub source: EdgeSource,
}

/// Everything a delete will remove, in the order it will remove it (leaves first).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DeletePlan {
    pub repo: String,
    pub items: Vec<PlanItem>,
    /// `sha256-<hex>` fallback index tags removed with their subjects.
    pub fallback_tags: Vec<String>,
    /// The target is a referrer: its entry is removed from this subject's fallback index.
    pub detach_from: Option<Digest>,
    /// False when the repository had too many tags to check them all.
    pub tags_checked: bool,
    pub total_size: i64,
    pub referrers_source: Option<ReferrersSource>,
}

impl DeletePlan {
    pub fn tags(&self) -> Vec<&str> {
        self.items
            .iter()
            .flat_map(|i| i.tags.iter().map(String::as_str))
            .collect()
    }
}

/// What a delete did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DeleteReport {
    pub deleted: Vec<Digest>,
    pub fallback_indexes_removed: Vec<String>,
    pub fallback_indexes_updated: Vec<String>,
    /// The step that failed, and why.
    pub failed: Option<(String, String)>,
    pub not_deleted: Vec<Digest>,
    /// Blobs the store's garbage collect removed afterwards, and their bytes (an OCI layout;
    /// registries collect their own garbage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub garbage_collected: Option<(usize, u64)>,
}

impl DeleteReport {
    pub fn ok(&self) -> bool {
        self.failed.is_none()
    }
}

/// The plan's items, leaves first: each node after everything attached below it (a cycle's
/// repeat is skipped, as it appears elsewhere in the graph).
fn post_order(root: &Node, subject: Option<&Digest>) -> Vec<PlanItem> {
    let mut out = Vec::new();
    // (node, its subject, depth, referrers already pushed)
    let mut stack: Vec<(&Node, Option<&Digest>, usize, bool)> = vec![(root, subject, 0, false)];
    while let Some((n, subject, depth, expanded)) = stack.pop() {
        if expanded {
            out.push(PlanItem {
                descriptor: n.descriptor.clone(),
                subject: subject.cloned(),
                depth,
                tags: Vec::new(),
                source: n.source,
            });
            continue;
        }
        stack.push((n, subject, depth, true));
        for r in n.referrers.iter().rev() {
            if r.expansion != Expansion::Cycle {
                stack.push((r, Some(&n.descriptor.digest), depth + 1, false));
            }
        }
    }
    out
}

/// Plans the delete of `repo@reference` (with every referrer below it when `cascade`, down
/// to `max_depth` levels: a deeper graph is refused, never deleted in part).
pub async fn plan_delete(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    cascade: bool,
    max_depth: usize,
) -> Result<DeletePlan> {
    let target = store.resolve(repo, reference).await?;
    let fetched = store.manifest(repo, &target.digest.to_string()).await?;
    // One level more than planned, so a deeper graph is seen rather than cut.
    let opts = DiscoverOptions {
        depth: Some(if cascade {
            max_depth.saturating_add(1)
        } else {
            1
        }),
        ..Default::default()
    };
    let graph = discover(store, repo, target.clone(), &opts).await?.root;
    if cascade && graph.walk_indexed().iter().any(|w| w.depth > max_depth) {
        return Err(StoreError::Invalid {
            what: format!("delete plan for {repo}@{}", target.digest),
            detail: format!("referrers go deeper than {max_depth} levels; nothing planned (--depth N plans further)"),
        });
    }
    if let Some((d, e)) = graph.errors().first() {
        return Err(StoreError::Invalid {
            what: format!("delete plan for {repo}@{}", target.digest),
            detail: format!("could not list referrers of {d}: {e}"),
        });
    }
    if !cascade && !graph.referrers.is_empty() {
        return Err(StoreError::Invalid {
            what: format!("{repo}@{}", target.digest),
            detail: format!("{} referrer(s) are attached to it; use --cascade to delete them too (they would be left orphaned)", graph.referrers.len()),
        });
    }
    let mut items = post_order(&graph, fetched.manifest.subject.as_ref().map(|s| &s.digest));
    let digests: HashSet<Digest> = items.iter().map(|i| i.descriptor.digest.clone()).collect();

    let all_tags = match store.all_tags(repo).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    let fallback_tags: Vec<String> = all_tags
        .iter()
        .filter(|t| tags::from_fallback_tag(t).is_some_and(|d| digests.contains(&d)))
        .cloned()
        .collect();
    let plain: Vec<String> = all_tags
        .iter()
        .filter(|t| !tags::is_hidden_tag(t))
        .cloned()
        .collect();
    let tags_checked = plain.len() <= MAX_TAGS_RESOLVED;
    let to_check: Vec<String> = if tags_checked {
        plain
    } else {
        // Too many to resolve: at least the tag the user named.
        plain.into_iter().filter(|t| t == reference).collect()
    };
    let mut by_digest: HashMap<Digest, Vec<String>> =
        super::orphans::resolve_tags(store, repo, to_check).await?;
    by_digest.retain(|d, _| digests.contains(d));
    for i in &mut items {
        if let Some(mut t) = by_digest.remove(&i.descriptor.digest) {
            t.sort();
            i.tags = t;
        }
    }
    let referrers_source = store.referrers_source(repo);
    let detach_from = match (
        &referrers_source,
        items.last().and_then(|i| i.subject.clone()),
    ) {
        (Some(ReferrersSource::ReferrersTag), Some(s)) if !digests.contains(&s) => Some(s),
        _ => None,
    };
    let total_size = items.iter().map(|i| i.descriptor.size.max(0)).sum();
    Ok(DeletePlan {
        repo: repo.to_string(),
        items,
        fallback_tags,
        detach_from,
        tags_checked,
        total_size,
        referrers_source,
    })
}

/// Carries out a plan: probe first (nothing changes if deletes are refused), then leaves first.
/// On a failure, stops, repairs the fallback indexes of what was deleted, and says exactly
/// what was and was not deleted.
pub async fn execute(
    store: &dyn Store,
    plan: &DeletePlan,
    mut progress: impl FnMut(&Digest),
) -> Result<DeleteReport> {
    store.probe_delete(&plan.repo).await?;
    let repo = plan.repo.as_str();
    let fallback: HashSet<&str> = plan.fallback_tags.iter().map(String::as_str).collect();
    let mut report = DeleteReport::default();
    // Leaves first, a depth at a time: everything at one depth is independent (their referrers,
    // one level deeper, are gone already), so it is deleted concurrently.
    let max_depth = plan.items.iter().map(|i| i.depth).max().unwrap_or(0);
    for depth in (0..=max_depth).rev() {
        let group: Vec<&PlanItem> = plan.items.iter().filter(|i| i.depth == depth).collect();
        // Futures collected first: a lazy `map` here makes the caller's future not provably Send.
        let fallback = &fallback;
        let jobs: Vec<_> = group
            .into_iter()
            .map(|item| {
                async move {
                    let d = &item.descriptor.digest;
                    let tag = tags::fallback_tag(d);
                    let mut removed = None;
                    if fallback.contains(tag.as_str()) {
                        // Its referrers are gone already: drop the whole index.
                        if let Err(e) = update_fallback_index(store, repo, d, |e| e.clear()).await {
                            return (
                                item,
                                None,
                                Err((format!("remove fallback index {tag}"), e.to_string())),
                            );
                        }
                        removed = Some(tag);
                    }
                    match store.delete_manifest(repo, d).await {
                        Ok(()) => (item, removed, Ok(())),
                        Err(e) if e.is_not_found() => (item, removed, Ok(())),
                        Err(e) => (item, removed, Err((format!("delete {d}"), e.to_string()))),
                    }
                }
            })
            .collect();
        let results: Vec<StepResult> = futures::stream::iter(jobs)
            .buffer_unordered(DELETE_CONCURRENCY)
            .collect()
            .await;
        let mut failed_here = Vec::new();
        for (item, removed, r) in results {
            report.fallback_indexes_removed.extend(removed);
            match r {
                Ok(()) => {
                    report.deleted.push(item.descriptor.digest.clone());
                    progress(&item.descriptor.digest);
                }
                Err(f) => {
                    if report.failed.is_none() {
                        report.failed = Some(f);
                    }
                    failed_here.push(item.descriptor.digest.clone());
                }
            }
        }
        if report.failed.is_some() {
            // Stop: nothing shallower is touched, so no subject loses a referrer that remains.
            report.not_deleted = failed_here;
            report.not_deleted.extend(
                plan.items
                    .iter()
                    .filter(|i| i.depth < depth)
                    .map(|i| i.descriptor.digest.clone()),
            );
            break;
        }
    }
    // Subjects still standing whose fallback index lists something now deleted.
    if plan.referrers_source == Some(ReferrersSource::ReferrersTag) {
        let gone: HashSet<Digest> = report.deleted.iter().cloned().collect();
        let mut parents: Vec<Digest> = plan
            .items
            .iter()
            .filter(|i| gone.contains(&i.descriptor.digest))
            .filter_map(|i| i.subject.clone())
            .filter(|s| !gone.contains(s))
            .collect();
        parents.sort();
        parents.dedup();
        for p in parents {
            match update_fallback_index(store, repo, &p, |entries| {
                entries.retain(|e| !gone.contains(&e.digest))
            })
            .await
            {
                Ok(()) => report.fallback_indexes_updated.push(tags::fallback_tag(&p)),
                Err(e) if report.failed.is_none() => {
                    report.failed = Some((
                        format!("update fallback index {}", tags::fallback_tag(&p)),
                        e.to_string(),
                    ))
                }
                Err(_) => {}
            }
        }
    }
    store.invalidate(repo);
    if report.failed.is_none() {
        report.garbage_collected = store.collect_garbage(repo).await?;
    }
    Ok(report)
}
