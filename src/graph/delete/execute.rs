//! Carrying out a plan: a delete probe first (nothing changes if deletes are refused), the
//! manifests step by step, the fallback rewrites, then a look at the registry: planned tags still
//! listed are deleted by name (go-containerregistry keeps tags after a delete by digest), every
//! deleted digest must be gone, and any tag that vanished unplanned is reported.
use super::{DeletePlan, DeleteReport, FallbackRewrite, ItemKind, NotDone, PlannedManifest};
use crate::graph::fallback::update_fallback_index;
use crate::graph::inventory::Kind;
use crate::oci::Digest;
use crate::store::{Result, Store};
use futures::StreamExt;
use std::collections::{BTreeSet, HashSet};

/// How to carry out a plan.
#[derive(Debug, Clone)]
pub struct DeleteOptions {
    /// Deletes in flight at once (within one step).
    pub concurrency: usize,
}

impl Default for DeleteOptions {
    fn default() -> Self {
        DeleteOptions { concurrency: 8 }
    }
}

fn not_done(item: impl Into<String>, what: ItemKind, reason: impl Into<String>) -> NotDone {
    NotDone {
        item: item.into(),
        what,
        reason: reason.into(),
    }
}

async fn tag_set(store: &dyn Store, repo: &str) -> Result<BTreeSet<String>> {
    store.invalidate(repo);
    match store.all_tags(repo).await {
        Ok(t) => Ok(t.into_iter().collect()),
        Err(e) if e.is_not_found() => Ok(BTreeSet::new()),
        Err(e) => Err(e),
    }
}

/// Deletes the manifests step by step; stops after a step in which one failed.
async fn delete_manifests(
    store: &dyn Store,
    plan: &DeletePlan,
    opts: &DeleteOptions,
    progress: &mut (dyn FnMut(&Digest) + Send),
    out: &mut DeleteReport,
) -> HashSet<Digest> {
    let repo = plan.repository.as_str();
    let mut deleted = HashSet::new();
    let last = plan.manifests.iter().map(|m| m.step).max().unwrap_or(0);
    for step in 0..=last {
        let group: Vec<&PlannedManifest> =
            plan.manifests.iter().filter(|m| m.step == step).collect();
        // Futures collected first: a lazy `map` here makes the caller's future not provably Send.
        let jobs: Vec<_> = group
            .into_iter()
            .map(|m| async move {
                match store.delete_manifest(repo, &m.digest).await {
                    // Gone already (Harbor takes an index's children and a subject's accessories).
                    Err(e) if e.is_not_found() => (m, Ok(())),
                    r => (m, r),
                }
            })
            .collect();
        let results: Vec<_> = futures::stream::iter(jobs)
            .buffer_unordered(opts.concurrency.max(1))
            .collect()
            .await;
        let mut failed = false;
        for (m, r) in results {
            match r {
                Ok(()) => {
                    progress(&m.digest);
                    deleted.insert(m.digest.clone());
                }
                Err(e) => {
                    failed = true;
                    out.not_done.push(not_done(
                        m.digest.to_string(),
                        ItemKind::Manifest,
                        format!("delete failed: {e}"),
                    ));
                }
            }
        }
        if failed {
            // Nothing that anything undeleted still refers to is touched.
            for m in plan.manifests.iter().filter(|m| m.step > step) {
                out.not_done.push(not_done(
                    m.digest.to_string(),
                    ItemKind::Manifest,
                    "not attempted: a delete it must follow failed",
                ));
            }
            break;
        }
    }
    deleted
}

/// After a stop: a fallback index the plan removes after its entries may list some that went;
/// it is rewritten without them, so what remains is a graph every tool reads the same.
async fn repair_after_stop(
    store: &dyn Store,
    plan: &DeletePlan,
    deleted: &HashSet<Digest>,
    out: &mut DeleteReport,
) {
    let standing = plan
        .manifests
        .iter()
        .filter(|m| m.kind == Kind::FallbackIndex && !deleted.contains(&m.digest));
    for m in standing {
        let gone: HashSet<&Digest> = m.children.iter().filter(|c| deleted.contains(*c)).collect();
        let Some(subject) = m.subject.as_ref().filter(|_| !gone.is_empty()) else {
            continue;
        };
        let r = update_fallback_index(store, &plan.repository, subject, |entries| {
            entries.retain(|e| !gone.contains(&e.digest))
        })
        .await;
        let note = match r {
            Ok(()) => format!("; rewritten without the {} entry(ies) deleted", gone.len()),
            Err(e) => format!("; rewriting it without the entries deleted failed: {e}"),
        };
        let item = m.digest.to_string();
        if let Some(n) = out.not_done.iter_mut().find(|n| n.item == item) {
            n.reason.push_str(&note);
        }
    }
}

/// Applies the rewrites, taking out only entries that were really deleted (or already gone).
async fn rewrite_fallbacks(
    store: &dyn Store,
    plan: &DeletePlan,
    deleted: &HashSet<Digest>,
    planned: &HashSet<&Digest>,
    out: &mut DeleteReport,
) {
    for r in &plan.fallback_rewrites {
        // Entries the plan deletes come out only if deleted; missing ones (a repair) always.
        let remove: Vec<Digest> = r
            .remove
            .iter()
            .filter(|d| deleted.contains(*d) || !planned.contains(*d))
            .cloned()
            .collect();
        if remove.is_empty() {
            out.not_done.push(not_done(
                r.tag.clone(),
                ItemKind::FallbackIndex,
                "not rewritten: none of its planned entries was deleted",
            ));
            continue;
        }
        let gone: HashSet<&Digest> = remove.iter().collect();
        match update_fallback_index(store, &plan.repository, &r.subject, |entries| {
            entries.retain(|e| !gone.contains(&e.digest))
        })
        .await
        {
            Ok(()) => {
                if remove.len() < r.remove.len() {
                    out.not_done.push(not_done(
                        r.tag.clone(),
                        ItemKind::FallbackIndex,
                        "rewritten in part: some planned entries were not deleted",
                    ));
                }
                out.done.fallback_indexes.push(r.tag.clone());
                out.done.fallback_rewrites.push(FallbackRewrite {
                    remove,
                    ..r.clone()
                });
            }
            Err(e) => out.not_done.push(not_done(
                r.tag.clone(),
                ItemKind::FallbackIndex,
                format!("rewrite failed: {e}"),
            )),
        }
    }
}

/// Carries out `plan` and reports what was done in its keys. `Err` only when nothing was changed
/// (deletes refused, tags unreadable before starting); any later failure is in `not_done`.
pub async fn execute(
    store: &dyn Store,
    plan: &DeletePlan,
    opts: &DeleteOptions,
    mut progress: impl FnMut(&Digest) + Send,
) -> Result<DeleteReport> {
    let repo = plan.repository.as_str();
    let mut out = DeleteReport {
        done: DeletePlan {
            manifests: Vec::new(),
            tags: Vec::new(),
            fallback_indexes: Vec::new(),
            fallback_rewrites: Vec::new(),
            ..plan.clone()
        },
        not_done: Vec::new(),
        unplanned: Vec::new(),
        garbage_collected: None,
        garbage_collection_failed: None,
    };
    if plan.is_empty() {
        return Ok(out);
    }
    store.probe_delete(repo).await?;
    let before = tag_set(store, repo).await?;

    let deleted = delete_manifests(store, plan, opts, &mut progress, &mut out).await;
    repair_after_stop(store, plan, &deleted, &mut out).await;
    let planned: HashSet<&Digest> = plan.manifests.iter().map(|m| &m.digest).collect();
    rewrite_fallbacks(store, plan, &deleted, &planned, &mut out).await;

    // Every deleted digest must be gone.
    let checks: Vec<_> = plan
        .manifests
        .iter()
        .filter(|m| deleted.contains(&m.digest))
        .map(|m| async move { (m, store.resolve(repo, &m.digest.to_string()).await) })
        .collect();
    let checked: Vec<_> = futures::stream::iter(checks)
        .buffer_unordered(opts.concurrency.max(1))
        .collect()
        .await;
    let mut gone: HashSet<&Digest> = HashSet::new();
    for (m, r) in checked {
        match r {
            Err(e) if e.is_not_found() => {
                gone.insert(&m.digest);
            }
            Ok(_) => out.not_done.push(not_done(
                m.digest.to_string(),
                ItemKind::Manifest,
                "still served after the registry accepted its delete",
            )),
            Err(e) => out.not_done.push(not_done(
                m.digest.to_string(),
                ItemKind::Manifest,
                format!("deleted, but could not be checked: {e}"),
            )),
        }
    }
    out.done.manifests = plan
        .manifests
        .iter()
        .filter(|m| gone.contains(&m.digest))
        .cloned()
        .collect();
    out.done
        .fallback_indexes
        .extend(out.done.manifests.iter().filter_map(|m| {
            plan.fallback_indexes
                .iter()
                .find(|t| m.tags.contains(*t))
                .cloned()
        }));
    out.done.fallback_indexes.sort();
    out.done.fallback_indexes.dedup();

    check_tags(store, plan, &gone, &before, &mut out).await?;
    if out.not_done.is_empty() {
        match store.collect_garbage(repo).await {
            Ok(g) => out.garbage_collected = g,
            Err(e) => out.garbage_collection_failed = Some(e.to_string()),
        }
    }
    Ok(out)
}

/// Planned tags still listed are deleted by name when their manifest is gone (or they were
/// dangling); what is still listed after that is reported, and so is any tag that vanished
/// although the plan did not list it.
async fn check_tags(
    store: &dyn Store,
    plan: &DeletePlan,
    gone: &HashSet<&Digest>,
    before: &BTreeSet<String>,
    out: &mut DeleteReport,
) -> Result<()> {
    let repo = plan.repository.as_str();
    let owner = |t: &str| {
        plan.manifests
            .iter()
            .find(|m| m.tags.iter().any(|x| x == t))
    };
    let mut now = tag_set(store, repo).await?;
    let mut by_name_failed: Vec<(String, String)> = Vec::new();
    let leftovers: Vec<&String> = plan
        .tags
        .iter()
        .filter(|t| now.contains(*t))
        .filter(|t| owner(t).is_none_or(|m| gone.contains(&m.digest)))
        .collect();
    if !leftovers.is_empty() {
        for t in leftovers {
            if let Err(e) = store.delete_tag(repo, t).await {
                by_name_failed.push((t.clone(), e.to_string()));
            }
        }
        now = tag_set(store, repo).await?;
    }
    for t in &plan.tags {
        if !now.contains(t) {
            out.done.tags.push(t.clone());
            continue;
        }
        let reason = match (owner(t), by_name_failed.iter().find(|(n, _)| n == t)) {
            (Some(m), _) if !gone.contains(&m.digest) => {
                format!("still listed: its manifest {} was not deleted", m.digest)
            }
            (_, Some((_, e))) => format!("still listed; deleting it by name failed: {e}"),
            _ => "still listed after deleting it by name".to_string(),
        };
        out.not_done
            .push(not_done(t.clone(), ItemKind::Tag, reason));
    }
    let planned: HashSet<&String> = plan.tags.iter().collect();
    for t in before.difference(&now) {
        if !planned.contains(t) {
            out.done.tags.push(t.clone());
            out.unplanned.push(not_done(
                t.clone(),
                ItemKind::Tag,
                "disappeared although the plan did not list it",
            ));
        }
    }
    out.done.tags.sort();
    Ok(())
}
