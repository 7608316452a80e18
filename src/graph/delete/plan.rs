//! The plan, from the inventory: the closure below the targets (platform manifests always;
//! referrers, cosign-tagged signatures and fallback entries with `cascade`), minus what another
//! tag still reaches; fallback indexes emptied or rewritten; locked manifests refused; and the
//! order (whatever refers to a manifest goes before it).
use super::{at_digest, DeletePlan, FallbackRewrite, KeptManifest, PlannedManifest};
use crate::graph::inventory::{inventory, Inventory, InventoryManifest, InventoryOptions, Kind};
use crate::oci::tags::{fallback_tag, TagRole};
use crate::oci::Digest;
use crate::store::{Result, Store, StoreError, StoreKind};
use crate::text::shell_word;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// What to delete, for [`plan_selection`].
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// How the targets are named in the plan (`repo@sha256:…`, `repo:tag`).
    pub names: Vec<String>,
    /// Manifests asked for, each with why.
    pub targets: Vec<(Digest, String)>,
    /// Tags that go with the plan; every other plain tag keeps what it leads to.
    pub tags: BTreeSet<String>,
    /// Dangling tags to remove by name.
    pub dangling: Vec<String>,
    /// Stale fallback indexes (by digest) to rewrite without their missing entries.
    pub repair: Vec<Digest>,
    /// Take referrers, cosign-tagged signatures and fallback entries too.
    pub cascade: bool,
    /// The registry's host, for the unlock command a refusal prints (`None`: not a registry).
    pub registry: Option<String>,
    /// Levels below a target followed (`None`: [`crate::graph::DEFAULT_DEPTH`]); a deeper graph
    /// is refused, never deleted in part.
    pub max_depth: Option<usize>,
}

/// How a manifest hangs below another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edge {
    /// An index's entry (a platform manifest).
    Child,
    /// Its `subject` (or the digest its cosign tag names) is the manifest above.
    Referrer,
    /// The `sha256-<hex>` index of the manifest above.
    Fallback,
    /// Listed by the fallback index above.
    FallbackEntry,
}

fn invalid(what: &str, detail: String) -> StoreError {
    StoreError::Invalid {
        what: what.to_string(),
        detail,
    }
}

/// Plans the delete of `references` (tags or digests) in `repo`, with every referrer below them
/// when `cascade` (down to `max_depth` levels: a deeper graph is refused). A dangling tag is
/// removed by name; a stale fallback index tag is repaired.
pub async fn plan_delete(
    store: &dyn Store,
    repo: &str,
    references: &[String],
    cascade: bool,
    max_depth: usize,
) -> Result<DeletePlan> {
    let roots = references
        .iter()
        .filter_map(|r| r.parse::<Digest>().ok())
        .collect();
    let opts = InventoryOptions {
        config_facts: false,
        roots,
        max_depth,
        ..Default::default()
    };
    let inv = inventory(store, repo, &opts).await?;
    let mut sel = Selection {
        cascade,
        max_depth: Some(max_depth),
        registry: registry_host(store),
        ..Default::default()
    };
    for r in references {
        select_reference(&inv, r, &mut sel)?;
    }
    plan_selection(&inv, &sel)
}

/// The `az` command line that unlocks `digests` of `repo`, to paste: the registry's name is the
/// first label of an ACR login server, a placeholder for any other host; each word shell-quoted.
pub fn unlock_command(host: Option<&str>, repo: &str, digests: &[&Digest]) -> String {
    let name = host
        .and_then(crate::listing::acr_registry_name)
        .map(shell_word)
        .unwrap_or_else(|| "<registry>".into());
    digests
        .iter()
        .map(|d| {
            format!(
                "az acr repository update --name {name} --image {} --delete-enabled true --write-enabled true",
                shell_word(&at_digest(repo, d))
            )
        })
        .collect::<Vec<_>>()
        .join(" && ")
}

/// The store's host when it is a registry (what an unlock command names).
pub fn registry_host(store: &dyn Store) -> Option<String> {
    let i = store.info();
    (i.kind == StoreKind::Registry).then_some(i.name)
}

/// Adds one reference the user named to `sel`.
fn select_reference(inv: &Inventory, reference: &str, sel: &mut Selection) -> Result<()> {
    let repo = &inv.repository;
    let (m, name) = match reference.parse::<Digest>() {
        Ok(d) => match inv.get(&d) {
            Some(m) => (m, at_digest(repo, &d)),
            None => {
                return Err(StoreError::NotFound {
                    what: at_digest(repo, &d),
                })
            }
        },
        Err(_) => {
            let tagged = inv.tags().into_iter().find(|(t, _)| *t == reference);
            match tagged {
                Some((_, m)) => (m, format!("{repo}:{reference}")),
                None if inv.dangling_tags.iter().any(|t| t.tag == reference) => {
                    sel.names.push(format!("{repo}:{reference}"));
                    sel.dangling.push(reference.to_string());
                    return Ok(());
                }
                None => {
                    return Err(StoreError::NotFound {
                        what: format!("{repo}:{reference}"),
                    })
                }
            }
        }
    };
    sel.names.push(name.clone());
    if m.kind == Kind::FallbackIndex {
        return select_fallback_index(inv, m, &name, sel);
    }
    let why = if reference.parse::<Digest>().is_ok() {
        "named by digest".to_string()
    } else {
        format!("tag {reference} points at it")
    };
    sel.targets.push((m.digest.clone(), why));
    sel.tags.extend(m.tags.iter().cloned());
    Ok(())
}

/// A fallback index named directly: removed when its subject is gone, rewritten without its
/// missing entries when stale, refused when live (registries without the referrers API find
/// the subject's referrers through it).
fn select_fallback_index(
    inv: &Inventory,
    m: &InventoryManifest,
    name: &str,
    sel: &mut Selection,
) -> Result<()> {
    let stale = inv
        .stale_fallback_indexes
        .iter()
        .find(|s| s.digest == m.digest);
    match stale {
        Some(s) if s.subject_missing => {
            sel.targets.push((
                m.digest.clone(),
                format!("fallback index of {}, which is gone", s.subject.short()),
            ));
            sel.tags.extend(m.tags.iter().cloned());
            Ok(())
        }
        Some(_) => {
            sel.repair.push(m.digest.clone());
            Ok(())
        }
        None => Err(invalid(
            name,
            format!(
                "is the live referrers index of {}: without it, registries lacking the referrers API \
                 cannot find that manifest's referrers; delete the referrers (or the subject with \
                 --cascade) instead",
                at_digest(&inv.repository, m.subject.as_ref().unwrap_or(&m.digest))
            ),
        )),
    }
}

/// What hangs directly below each manifest, and the indexes (not fallback ones) listing each.
struct Edges<'a> {
    below: HashMap<&'a Digest, Vec<(&'a Digest, Edge)>>,
    index_parents: HashMap<&'a Digest, Vec<&'a Digest>>,
}

impl<'a> Edges<'a> {
    fn of(inv: &'a Inventory) -> Self {
        let mut below: HashMap<&Digest, Vec<(&Digest, Edge)>> = HashMap::new();
        let mut index_parents: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
        for m in &inv.manifests {
            let fallback = m.kind == Kind::FallbackIndex;
            if let Some(s) = &m.subject {
                let e = if fallback {
                    Edge::Fallback
                } else {
                    Edge::Referrer
                };
                below.entry(s).or_default().push((&m.digest, e));
            }
            for c in &m.children {
                let e = if fallback {
                    Edge::FallbackEntry
                } else {
                    index_parents.entry(c).or_default().push(&m.digest);
                    Edge::Child
                };
                below.entry(&m.digest).or_default().push((c, e));
            }
        }
        for v in below.values_mut() {
            v.sort();
            v.dedup();
        }
        Edges {
            below,
            index_parents,
        }
    }

    fn below(&self, d: &Digest) -> &[(&'a Digest, Edge)] {
        self.below.get(d).map(Vec::as_slice).unwrap_or_default()
    }
}

fn edge_reason(e: Edge, above: &Digest, m: &InventoryManifest) -> String {
    let above = above.short();
    match e {
        Edge::Child => match &m.platform {
            Some(p) => format!("platform manifest ({p}) of index {above}"),
            None => format!("entry of index {above}"),
        },
        Edge::Referrer => format!("{} attached to {above}", m.kind),
        Edge::Fallback => format!("fallback index of {above}"),
        Edge::FallbackEntry => format!("listed in fallback index {above}"),
    }
}

/// The plan for `sel` on `inv` (pure: tested on hand-built inventories).
pub fn plan_selection(inv: &Inventory, sel: &Selection) -> Result<DeletePlan> {
    let by: HashMap<&Digest, &InventoryManifest> =
        inv.manifests.iter().map(|m| (&m.digest, m)).collect();
    let edges = Edges::of(inv);
    let what = sel.names.join(", ");
    let max_depth = sel.max_depth.unwrap_or(crate::graph::DEFAULT_DEPTH);
    if let Some(n) = inv.depth_limited {
        // What was not fetched could hang below a target: no plan is better than part of one.
        return Err(invalid(
            &what,
            format!("the repository's graph goes deeper than {n} levels; nothing planned (--depth N plans further)"),
        ));
    }

    // Everything below the targets (breadth first: each at its nearest depth).
    let mut reason: BTreeMap<Digest, String> = BTreeMap::new();
    let mut queue: VecDeque<(Digest, usize)> = VecDeque::new();
    for (d, why) in &sel.targets {
        if reason.insert(d.clone(), why.clone()).is_none() {
            queue.push_back((d.clone(), 0));
        }
    }
    let mut blocked: Vec<&Digest> = Vec::new();
    while let Some((d, depth)) = queue.pop_front() {
        for (c, e) in edges.below(&d) {
            let Some(m) = by.get(c) else { continue };
            let take = match e {
                Edge::Child | Edge::Fallback => true,
                Edge::Referrer | Edge::FallbackEntry => sel.cascade,
            };
            if !take {
                if *e == Edge::Referrer && !blocked.contains(c) && !reason.contains_key(*c) {
                    blocked.push(c);
                }
                continue;
            }
            if !reason.contains_key(*c) {
                if depth + 1 > max_depth {
                    return Err(invalid(
                        &what,
                        format!("the graph goes deeper than {max_depth} levels; nothing planned (--depth N plans further)"),
                    ));
                }
                reason.insert((*c).clone(), edge_reason(*e, &d, m));
                queue.push_back(((*c).clone(), depth + 1));
            }
        }
    }
    if !blocked.is_empty() {
        let names: Vec<String> = blocked
            .iter()
            .take(5)
            .map(|d| format!("{} ({})", d, by[*d].kind))
            .collect();
        return Err(invalid(
            &what,
            format!(
                "{} referrer(s) are attached: {}{}; use --cascade to delete them too (they would be left orphaned)",
                blocked.len(),
                names.join(", "),
                if blocked.len() > 5 { ", …" } else { "" }
            ),
        ));
    }

    // What other tags still reach: kept, whatever the closure says.
    let targets: HashSet<&Digest> = sel.targets.iter().map(|t| &t.0).collect();
    let mut via: HashMap<&Digest, (String, bool)> = HashMap::new();
    let mut reach: VecDeque<&Digest> = VecDeque::new();
    for (tag, m) in inv.tags() {
        if Inventory::tag_role(tag, m) == TagRole::Plain
            && !sel.tags.contains(tag)
            && !via.contains_key(&m.digest)
        {
            // A tag staying on a target keeps it, and all it leads to.
            via.insert(&m.digest, (tag.to_string(), true));
            reach.push_back(&m.digest);
        }
    }
    while let Some(d) = reach.pop_front() {
        let tag = via[d].0.clone();
        for (c, _) in edges.below(d) {
            if by.contains_key(*c) && !targets.contains(*c) && !via.contains_key(*c) {
                via.insert(c, (tag.clone(), false));
                reach.push_back(c);
            }
        }
    }
    let mut kept = Vec::new();
    let mut doomed: BTreeMap<Digest, String> = BTreeMap::new();
    for (d, why) in reason {
        match via.get(&d) {
            Some((tag, direct)) => kept.push(KeptManifest {
                kind: by[&d].kind,
                reason: if *direct {
                    format!("tag {tag} points at it")
                } else {
                    format!("still reached from tag {tag}")
                },
                digest: d,
            }),
            None => {
                doomed.insert(d, why);
            }
        }
    }

    // A target an index still lists would break that index.
    for (t, _) in &sel.targets {
        if !doomed.contains_key(t) {
            continue;
        }
        for p in edges.index_parents.get(t).into_iter().flatten() {
            if !doomed.contains_key(*p) {
                return Err(invalid(
                    &at_digest(&inv.repository, t),
                    format!(
                        "is listed by index {}: deleting it would break that index; delete the index instead",
                        at_digest(&inv.repository, p)
                    ),
                ));
            }
        }
    }

    // Fallback indexes that stay but list something deleted: rewritten, or removed when emptied.
    let mut rewrites = Vec::new();
    let repair: HashSet<&Digest> = sel.repair.iter().collect();
    for f in inv
        .manifests
        .iter()
        .filter(|m| m.kind == Kind::FallbackIndex)
    {
        if doomed.contains_key(&f.digest) {
            continue;
        }
        let Some(subject) = &f.subject else { continue };
        let missing: HashSet<&Digest> = if repair.contains(&f.digest) {
            f.children.iter().filter(|c| !by.contains_key(c)).collect()
        } else {
            HashSet::new()
        };
        let remove: Vec<Digest> = f
            .children
            .iter()
            .filter(|c| doomed.contains_key(*c) || missing.contains(c))
            .cloned()
            .collect();
        if remove.is_empty() {
            continue;
        }
        if remove.len() == f.children.len() {
            doomed.insert(
                f.digest.clone(),
                format!(
                    "fallback index of {}: every entry it lists is deleted or gone",
                    subject.short()
                ),
            );
        } else {
            rewrites.push(FallbackRewrite {
                tag: fallback_tag(subject),
                subject: subject.clone(),
                remove,
            });
        }
    }

    let locked_digests: Vec<&Digest> = doomed.keys().filter(|d| by[d].locked).collect();
    let locked: Vec<String> = locked_digests
        .iter()
        .map(|&d| {
            let m = by[d];
            let tags = if m.tags.is_empty() {
                String::new()
            } else {
                format!(", tags {}", m.tags.join(", "))
            };
            format!("{} ({}{tags})", at_digest(&inv.repository, d), m.kind)
        })
        .collect();
    if !locked.is_empty() {
        return Err(StoreError::Unsupported {
            what: what.clone(),
            detail: format!(
                "refusing: the plan includes {} locked manifest(s) the registry will not delete: {}; \
                 unlock them first: {}; nothing was changed",
                locked.len(),
                locked.join("; "),
                unlock_command(sel.registry.as_deref(), &inv.repository, &locked_digests)
            ),
        });
    }

    let steps = order(&doomed, &by);
    let mut manifests: Vec<PlannedManifest> = doomed
        .into_iter()
        .map(|(d, why)| {
            let m = by[&d];
            PlannedManifest {
                step: steps.get(&d).copied().unwrap_or(0),
                named: targets.contains(&d),
                class: m.class,
                kind: m.kind,
                reason: why,
                tags: m.tags.clone(),
                media_type: m.media_type.clone(),
                artifact_type: m.artifact_type.clone(),
                platform: m.platform.clone(),
                manifest_size: m.manifest_size,
                subject: m.subject.clone(),
                children: m.children.clone(),
                digest: d,
            }
        })
        .collect();
    manifests.sort_by(|a, b| (a.step, &a.digest).cmp(&(b.step, &b.digest)));

    let mut tags: BTreeSet<String> = manifests.iter().flat_map(|m| m.tags.clone()).collect();
    tags.extend(sel.dangling.iter().cloned());
    let mut fallback_indexes: BTreeSet<String> = manifests
        .iter()
        .filter(|m| m.kind == Kind::FallbackIndex)
        .filter_map(|m| by[&m.digest].subject.as_ref().map(fallback_tag))
        .collect();
    fallback_indexes.extend(rewrites.iter().map(|r| r.tag.clone()));
    rewrites.sort_by(|a, b| a.tag.cmp(&b.tag));
    kept.sort_by(|a, b| a.digest.cmp(&b.digest));
    Ok(DeletePlan {
        repository: inv.repository.clone(),
        targets: sel.names.clone(),
        complete: inv.complete,
        source: inv.source,
        manifests,
        tags: tags.into_iter().collect(),
        fallback_indexes: fallback_indexes.into_iter().collect(),
        fallback_rewrites: rewrites,
        kept,
    })
}

/// The step each doomed manifest is deleted in: a referrer before its subject, an index before
/// its entries — but a fallback index after the entries it lists (and before its subject), so
/// that a delete stopped half-way leaves no referrer that no index lists.
fn order(
    doomed: &BTreeMap<Digest, String>,
    by: &HashMap<&Digest, &InventoryManifest>,
) -> HashMap<Digest, usize> {
    // `referred_by[x]`: what must be gone before x.
    let mut referred_by: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
    for d in doomed.keys() {
        let m = by[d];
        let fallback = m.kind == Kind::FallbackIndex;
        for s in m
            .subject
            .iter()
            .filter(|s| doomed.contains_key(*s) && *s != d)
        {
            referred_by.entry(s).or_default().push(d);
        }
        for c in m
            .children
            .iter()
            .filter(|c| doomed.contains_key(*c) && *c != d)
        {
            if fallback {
                referred_by.entry(d).or_default().push(c);
            } else {
                referred_by.entry(c).or_default().push(d);
            }
        }
    }
    fn step<'a>(
        d: &'a Digest,
        referred_by: &HashMap<&'a Digest, Vec<&'a Digest>>,
        memo: &mut HashMap<Digest, usize>,
        visiting: &mut HashSet<&'a Digest>,
    ) -> usize {
        if let Some(s) = memo.get(d) {
            return *s;
        }
        // A cycle of subjects (only a hostile registry makes one): cut it here.
        if !visiting.insert(d) {
            return 0;
        }
        let s = referred_by
            .get(d)
            .into_iter()
            .flatten()
            .map(|x| step(x, referred_by, memo, visiting) + 1)
            .max()
            .unwrap_or(0);
        visiting.remove(d);
        memo.insert(d.clone(), s);
        s
    }
    let mut memo = HashMap::new();
    for d in doomed.keys() {
        step(d, &referred_by, &mut memo, &mut HashSet::new());
    }
    memo
}
