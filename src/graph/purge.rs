//! Retention (`arbor purge`, ACR's `acr purge` on any registry): the tags matching a filter and
//! older than an age — the newest N of those kept — each with its whole graph, and with `untagged`
//! the untagged and orphaned manifests where the listing is complete. One delete plan per
//! repository, by the same rules as any delete (another tag keeps what it reaches).
use super::delete::{class_reason, plan_selection, DeletePlan, Selection};
use super::inventory::{inventory, Class, Inventory, InventoryOptions, REACHABLE_ONLY};
use crate::oci::tags::TagRole;
use crate::store::{collect_pages, Cap, Result, Store, StoreError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Which tags and manifests a purge takes.
#[derive(Debug, Clone)]
pub struct PurgeRules {
    /// Tags whose name this matches (anywhere in the name, as `acr purge --filter` does).
    pub filter: regex::Regex,
    /// Only tags older than this: pushed longer ago where the registry lists push times (ACR,
    /// Harbor), else created longer ago.
    pub older_than: Duration,
    /// Of the tags old enough, the newest this many stay.
    pub keep: usize,
    /// Also the untagged and orphaned manifests (only where the listing is complete).
    pub untagged: bool,
    /// The time ages are measured from.
    pub now: OffsetDateTime,
}

/// What the rules decided for one tag the filter matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagDecision {
    pub tag: String,
    pub digest: crate::oci::Digest,
    /// When its manifest was created: the inventory's `created` (annotation, else the config's,
    /// else the registry's).
    pub created: Option<String>,
    /// When the registry says the manifest was pushed (ACR, Harbor): the age is measured from
    /// this where it is known (as `acr purge` does), else from `created`.
    pub registry_time: Option<String>,
    pub selected: bool,
    pub reason: String,
}

/// The plan for one repository: the decision on every matching tag, and the delete plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PurgePlan {
    pub decisions: Vec<TagDecision>,
    pub plan: DeletePlan,
}

fn parse_time(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339).ok()
}

fn age_words(d: Duration) -> String {
    humantime::format_duration(Duration::from_secs(d.as_secs())).to_string()
}

/// Decides every tag `rules.filter` matches, and the selection that deletes the chosen ones.
pub fn select(inv: &Inventory, rules: &PurgeRules) -> Result<(Vec<TagDecision>, Selection)> {
    let repo = &inv.repository;
    if rules.untagged && !inv.complete {
        return Err(StoreError::Unsupported {
            what: repo.clone(),
            detail: format!(
                "--untagged needs a listing of every manifest, and this registry ({}) has none: {REACHABLE_ONLY}. \
                 Purge tags only here, or use the registry's own garbage collection",
                inv.registry_kind
            ),
        });
    }
    let ago = age_words(rules.older_than);
    let mut decisions = Vec::new();
    let mut old = Vec::new();
    for (tag, m) in inv.tags() {
        if Inventory::tag_role(tag, m) != TagRole::Plain || !rules.filter.is_match(tag) {
            continue;
        }
        // The push time where the registry lists it (when the tag was pushed), else `created`.
        let (time, verb) = match m.registry_time.as_deref().and_then(parse_time) {
            Some(t) => (Some(t), "pushed"),
            None => (m.created.as_deref().and_then(parse_time), "created"),
        };
        let mut d = TagDecision {
            tag: tag.to_string(),
            digest: m.digest.clone(),
            created: m.created.clone(),
            registry_time: m.registry_time.clone(),
            selected: false,
            reason: String::new(),
        };
        match time {
            None => d.reason = "no creation time known: left alone".into(),
            Some(t) => {
                let age = rules.now - t;
                if age < rules.older_than {
                    d.reason = format!("{verb} less than {ago} ago");
                } else {
                    old.push((t, d));
                    continue;
                }
            }
        }
        decisions.push(d);
    }
    // Newest first, so the first `keep` are the ones kept.
    old.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.tag.cmp(&b.1.tag)));
    let mut sel = Selection {
        cascade: true,
        ..Default::default()
    };
    let mut why: BTreeMap<crate::oci::Digest, Vec<String>> = BTreeMap::new();
    for (i, (_, mut d)) in old.into_iter().enumerate() {
        if i < rules.keep {
            d.reason = format!("one of the newest {} older than {ago}: kept", rules.keep);
        } else {
            d.selected = true;
            d.reason = format!("older than {ago}");
            sel.names.push(format!("{repo}:{}", d.tag));
            sel.tags.insert(d.tag.clone());
            why.entry(d.digest.clone())
                .or_default()
                .push(format!("tag {}", d.tag));
        }
        decisions.push(d);
    }
    decisions.sort_by(|a, b| a.tag.cmp(&b.tag));
    for (digest, tags) in why {
        sel.targets
            .push((digest, format!("{} older than {ago}", tags.join(", "))));
    }
    if rules.untagged {
        sel.names.push(format!("{repo} (untagged)"));
        for m in &inv.manifests {
            if matches!(m.class, Class::Untagged | Class::Orphan) {
                sel.targets
                    .push((m.digest.clone(), class_reason(m.class).to_string()));
            }
        }
    }
    Ok((decisions, sel))
}

/// Plans the purge of one repository.
pub async fn plan_purge(
    store: &dyn Store,
    repo: &str,
    rules: &PurgeRules,
    concurrency: usize,
) -> Result<PurgePlan> {
    let opts = InventoryOptions {
        concurrency,
        ..Default::default()
    };
    let inv = inventory(store, repo, &opts).await?;
    let (decisions, mut sel) = select(&inv, rules)?;
    sel.registry = crate::graph::delete::registry_host(store);
    let plan = plan_selection(&inv, &sel)?;
    Ok(PurgePlan { decisions, plan })
}

/// The repositories of the registry whose name matches `pattern` (`*` within a path segment,
/// `**` across segments), from the catalog.
pub async fn matching_repositories(store: &dyn Store, pattern: &str) -> Result<Vec<String>> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| StoreError::Invalid {
            what: format!("repository pattern {pattern:?}"),
            detail: e.to_string(),
        })?
        .compile_matcher();
    let cap = Cap::new(store.limits().repositories, "--max-repos");
    let all = collect_pages("catalog", cap, |cursor: Option<String>| async move {
        store.repositories(cursor.as_deref(), 1000).await
    })
    .await?;
    let mut out: Vec<String> = all.into_iter().filter(|r| glob.is_match(r)).collect();
    out.sort();
    out.dedup();
    Ok(out)
}

/// True when `s` has glob characters (a pattern, not one repository).
pub fn is_pattern(s: &str) -> bool {
    s.contains(['*', '?', '[', '{'])
}

#[cfg(test)]
mod tests;
