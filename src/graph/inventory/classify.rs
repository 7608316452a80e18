//! The classifier: every present manifest of a repository gets exactly one [`Class`], from the
//! tags, the `subject` edges, index entries, fallback indexes and cosign tags. A pure function of
//! a collected [`RawGraph`], so it is tested on hand-built graphs.
use super::kind::Kind;
use crate::listing::ListedManifest;
use crate::oci::tags::{fallback_tag, TagRole};
use crate::oci::{Digest, Manifest, Platform};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

/// Where a manifest stands in its repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A tag points at it (cosign `.sig/.att/.sbom` tags included).
    Tagged,
    /// A referrer (any depth), platform manifest or fallback index below something tagged.
    Attached,
    /// Not reachable from any tag.
    Untagged,
    /// Not reachable from any tag, and its chain of subjects ends at a manifest that is gone.
    Orphan,
}

impl std::fmt::Display for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Class::Tagged => "tagged",
            Class::Attached => "attached",
            Class::Untagged => "untagged",
            Class::Orphan => "orphan",
        })
    }
}

/// What the image config says (images only).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConfigFacts {
    pub created: Option<String>,
    pub platform: Option<Platform>,
}

/// One manifest present in the repository, as collected.
#[derive(Debug, Clone)]
pub struct RawNode {
    pub manifest: Manifest,
    /// Bytes of the manifest itself.
    pub size: u64,
    /// What the store's listing said of it, if it has one.
    pub listed: Option<ListedManifest>,
    pub config: Option<ConfigFacts>,
}

/// A repository as collected: present manifests, digests known to be gone, and every tag.
#[derive(Debug, Clone, Default)]
pub struct RawGraph {
    pub nodes: BTreeMap<Digest, RawNode>,
    /// Digests that were asked for and are not there (404).
    pub missing: BTreeSet<Digest>,
    /// Every tag and the digest it resolved to (`None`: the tag did not resolve).
    pub tags: BTreeMap<String, Option<Digest>>,
    /// The walk stopped at this many levels with more below.
    pub depth_limited: Option<usize>,
}

/// A tag that leads nowhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DanglingTag {
    pub tag: String,
    /// The digest it still names, where the store says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
}

/// A `sha256-<hex>` fallback index whose subject is gone or whose entries point at missing manifests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StaleFallbackIndex {
    pub tag: String,
    pub digest: Digest,
    pub subject: Digest,
    pub subject_missing: bool,
    pub missing_entries: Vec<Digest>,
}

/// How a manifest hangs below a tag: the tag, and the digests from the tagged manifest down to its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedVia {
    pub tag: String,
    pub path: Vec<Digest>,
}

/// The classifier's answer.
#[derive(Debug, Clone, Default)]
pub struct Classified {
    pub class: BTreeMap<Digest, Class>,
    pub attached: BTreeMap<Digest, AttachedVia>,
    /// Every tag pointing at a present manifest, sorted.
    pub tags_of: BTreeMap<Digest, Vec<String>>,
    /// Manifests a cosign legacy tag names, with its kind and the digest the tag names.
    pub cosign: BTreeMap<Digest, (Kind, Digest)>,
    /// Fallback indexes, with the subject their tag names.
    pub fallback: BTreeMap<Digest, Digest>,
    pub dangling: Vec<DanglingTag>,
    pub stale: Vec<StaleFallbackIndex>,
}

/// A tag's role from its name; a `sha256-<hex>` tag on something other than an index is plain.
fn role(g: &RawGraph, tag: &str, target: &Digest) -> TagRole {
    match TagRole::of(tag) {
        TagRole::Fallback(s) if g.nodes.get(target).is_some_and(|n| n.manifest.is_index()) => {
            TagRole::Fallback(s)
        }
        TagRole::Fallback(_) => TagRole::Plain,
        r => r,
    }
}

/// Classifies every present manifest of `g`.
pub fn classify(g: &RawGraph) -> Classified {
    let mut out = Classified::default();
    let mut plain: BTreeMap<Digest, Vec<String>> = BTreeMap::new();
    for (tag, target) in &g.tags {
        let Some(d) = target.as_ref().filter(|d| g.nodes.contains_key(*d)) else {
            out.dangling.push(DanglingTag {
                tag: tag.clone(),
                digest: target.clone(),
            });
            continue;
        };
        out.tags_of.entry(d.clone()).or_default().push(tag.clone());
        match role(g, tag, d) {
            TagRole::Plain => plain.entry(d.clone()).or_default().push(tag.clone()),
            TagRole::Cosign(k, s) => {
                out.cosign.insert(d.clone(), (k.into(), s));
            }
            TagRole::Fallback(s) => {
                out.fallback.insert(d.clone(), s);
            }
        }
    }
    // Edges: subject -> referrers, subject -> fallback indexes.
    let mut referrers: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
    for (d, n) in &g.nodes {
        if let Some(s) = &n.manifest.subject {
            referrers.entry(&s.digest).or_default().push(d);
        }
    }
    let mut fallbacks: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
    for (f, s) in &out.fallback {
        fallbacks.entry(s).or_default().push(f);
    }

    // Tagged: a plain tag, or a cosign tag naming a manifest that is there.
    let mut roots: Vec<(String, Digest)> = Vec::new();
    for (d, tags) in &plain {
        out.class.insert(d.clone(), Class::Tagged);
        roots.push((tags[0].clone(), d.clone()));
    }
    for (d, (_, s)) in &out.cosign {
        if !out.class.contains_key(d) && g.nodes.contains_key(s) {
            out.class.insert(d.clone(), Class::Tagged);
            let tag = out.tags_of.get(d).and_then(|t| t.first()).cloned();
            roots.push((tag.unwrap_or_default(), d.clone()));
        }
    }
    roots.sort();

    // Attached: breadth first from the tagged manifests, so the path shown is a shortest one.
    let mut queue: VecDeque<(Digest, String, Vec<Digest>)> =
        roots.into_iter().map(|(t, d)| (d, t, Vec::new())).collect();
    let mut reached: HashSet<Digest> = queue.iter().map(|q| q.0.clone()).collect();
    while let Some((d, tag, path)) = queue.pop_front() {
        let Some(n) = g.nodes.get(&d) else { continue };
        let mut next: Vec<&Digest> = Vec::new();
        if n.manifest.is_index() {
            next.extend(n.manifest.manifests.iter().map(|c| &c.digest));
        }
        next.extend(referrers.get(&d).into_iter().flatten().copied());
        next.extend(fallbacks.get(&d).into_iter().flatten().copied());
        for c in next {
            if !g.nodes.contains_key(c) || !reached.insert(c.clone()) {
                continue;
            }
            let mut p = path.clone();
            p.push(d.clone());
            out.class.entry(c.clone()).or_insert(Class::Attached);
            out.attached.insert(
                c.clone(),
                AttachedVia {
                    tag: tag.clone(),
                    path: p.clone(),
                },
            );
            queue.push_back((c.clone(), tag.clone(), p));
        }
    }

    // The rest: orphan when a chain of anchors (subject, the digest a fallback or cosign tag
    // names, an index listing it) ends at a manifest that is gone; untagged otherwise.
    let mut parents: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
    for (d, n) in &g.nodes {
        if n.manifest.is_index() {
            for c in &n.manifest.manifests {
                parents.entry(&c.digest).or_default().push(d);
            }
        }
    }
    let anchors = |d: &Digest| -> Vec<Digest> {
        let mut a = Vec::new();
        if let Some(n) = g.nodes.get(d) {
            a.extend(n.manifest.subject.iter().map(|s| s.digest.clone()));
        }
        a.extend(out.fallback.get(d).cloned());
        a.extend(out.cosign.get(d).map(|c| c.1.clone()));
        a.extend(parents.get(d).into_iter().flatten().map(|p| (*p).clone()));
        a
    };
    let mut memo: HashMap<Digest, bool> = HashMap::new();
    let rest: Vec<Digest> = g
        .nodes
        .keys()
        .filter(|d| !out.class.contains_key(*d))
        .cloned()
        .collect();
    for d in &rest {
        let orphan = is_orphan(g, d, &anchors, &out.class, &mut memo, &mut HashSet::new());
        out.class.insert(
            d.clone(),
            if orphan {
                Class::Orphan
            } else {
                Class::Untagged
            },
        );
    }

    for (f, s) in &out.fallback {
        let Some(n) = g.nodes.get(f) else { continue };
        let subject_missing = g.missing.contains(s);
        let missing_entries: Vec<Digest> = n
            .manifest
            .manifests
            .iter()
            .filter(|e| g.missing.contains(&e.digest))
            .map(|e| e.digest.clone())
            .collect();
        if subject_missing || !missing_entries.is_empty() {
            out.stale.push(StaleFallbackIndex {
                tag: fallback_tag(s),
                digest: f.clone(),
                subject: s.clone(),
                subject_missing,
                missing_entries,
            });
        }
    }
    for tags in out.tags_of.values_mut() {
        tags.sort();
    }
    out
}

fn is_orphan(
    g: &RawGraph,
    d: &Digest,
    anchors: &dyn Fn(&Digest) -> Vec<Digest>,
    classes: &BTreeMap<Digest, Class>,
    memo: &mut HashMap<Digest, bool>,
    visiting: &mut HashSet<Digest>,
) -> bool {
    if let Some(v) = memo.get(d) {
        return *v;
    }
    if !visiting.insert(d.clone()) {
        return false;
    }
    let mut orphan = false;
    for a in anchors(d) {
        orphan = if g.missing.contains(&a) {
            true
        } else if g.nodes.contains_key(&a) && !classes.contains_key(&a) {
            is_orphan(g, &a, anchors, classes, memo, visiting)
        } else {
            matches!(classes.get(&a), Some(Class::Orphan))
        };
        if orphan {
            break;
        }
    }
    visiting.remove(d);
    memo.insert(d.clone(), orphan);
    orphan
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
