//! Referrers graphs: discovery to a depth with bounded concurrency, cycle detection, and the
//! model later views build on (index children with platforms, where each edge came from).
pub mod delete;
pub mod export;
pub mod fallback;
pub mod inventory;
mod node;
pub mod purge;
pub mod size;
pub mod tags;

pub use node::{EdgeSource, Expansion, Node, Walked};

use crate::oci::{media, Descriptor, Digest};
use crate::store::{ReferrersSource, Result, Store, StoreError};
use futures::StreamExt;
use std::collections::HashSet;

/// Index entry annotations buildx writes on attestation manifests.
const BUILDX_REF_TYPE: &str = "vnd.docker.reference.type";
const BUILDX_REF_DIGEST: &str = "vnd.docker.reference.digest";

/// The platform manifest a buildx attestation manifest describes, if `d` is one.
pub fn buildx_attestation_target(d: &Descriptor) -> Option<Digest> {
    let a = d.annotations.as_ref()?;
    if a.get(BUILDX_REF_TYPE).map(String::as_str) != Some("attestation-manifest") {
        return None;
    }
    a.get(BUILDX_REF_DIGEST)?.parse().ok()
}

/// cosign's legacy tags of a repository by the digest they name (see [`cosign_tags`]).
pub type CosignTags = std::collections::HashMap<Digest, Vec<String>>;

/// cosign's legacy tags of a repository (`sha256-<hex>.sig|.att|.sbom`) by the digest they
/// name. Best effort: when the tags cannot be listed (refused, or past `--max-tags`) there are
/// none, and the second value says why.
pub async fn cosign_tags(store: &dyn Store, repo: &str) -> (CosignTags, Option<String>) {
    let mut out = CosignTags::new();
    let tags = match store.tag_list(repo).await {
        Ok(t) => t,
        Err(e) => return (out, Some(format!("cosign tags not looked up: {e}"))),
    };
    for t in tags.iter() {
        if let Some(d) = crate::oci::tags::cosign_tag_subject(t) {
            out.entry(d).or_default().push(t.clone());
        }
    }
    (out, None)
}

/// The manifests cosign tags point at, as referrers descriptors (artifact type from the manifest).
pub async fn cosign_referrers(
    store: &dyn Store,
    repo: &str,
    tags: &[String],
    artifact_type: Option<&str>,
) -> Result<Vec<Descriptor>> {
    let mut out = Vec::new();
    for t in tags {
        let f = store.manifest(repo, t).await?;
        let mut d = f.descriptor;
        d.artifact_type = f.manifest.effective_artifact_type();
        d.annotations = f.manifest.annotations.clone().filter(|a| !a.is_empty());
        // The tag that names it, as an OCI layout's index.json records a tag: the `.sig`, `.att`
        // or `.sbom` suffix is what says what this manifest is (its own types do not).
        d.annotations
            .get_or_insert_with(Default::default)
            .insert(crate::oci::media::ANN_REF_NAME.to_string(), t.clone());
        if artifact_type.is_none_or(|a| d.artifact_type.as_deref() == Some(a)) {
            out.push(d);
        }
    }
    Ok(out)
}

/// Options for [`discover`].
#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Keep only referrers of this artifact type, at every level (as oras does).
    pub artifact_type: Option<String>,
    /// Levels of referrers to fetch; `None` = all.
    pub depth: Option<usize>,
    /// Referrers requests in flight at once.
    pub concurrency: usize,
    /// Also expand indexes into their platform manifests (and their referrers).
    pub index_children: bool,
    /// Also show cosign's legacy `sha256-<hex>.sig|.att|.sbom` tags as referrers (costs a
    /// tag listing; oras-compatible output leaves them out, so it need not pay for it).
    pub cosign_tags: bool,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            artifact_type: None,
            depth: None,
            concurrency: 16,
            index_children: false,
            cosign_tags: true,
        }
    }
}

/// Hard bound on nodes in one discovery, so a hostile registry cannot make it run forever.
pub const MAX_NODES: usize = 200_000;

/// Levels of referrers `discover` and delete plans follow unless told otherwise (`--depth`);
/// real graphs (signatures of signatures, attestations) are a few levels deep.
pub const DEFAULT_DEPTH: usize = 64;

/// One level below a node: its referrers (and platform children for an index).
pub struct Expanded {
    pub referrers: Vec<Descriptor>,
    pub source: Option<ReferrersSource>,
    pub children: Vec<Descriptor>,
    /// Manifests cosign legacy tags name this digest with (from the `cosign` map given).
    pub cosign: Vec<Descriptor>,
}

impl Expanded {
    /// Every manifest attached to the node, with how it was found: referrers, cosign tags, and
    /// the buildx attestation manifests among an index's children (platform manifests left out).
    pub fn attached(self) -> Vec<(Descriptor, EdgeSource)> {
        let source = self
            .source
            .map(EdgeSource::from)
            .unwrap_or(EdgeSource::Layout);
        self.referrers
            .into_iter()
            .map(|d| (d, source))
            .chain(self.cosign.into_iter().map(|d| (d, EdgeSource::CosignTag)))
            .chain(
                self.children
                    .into_iter()
                    .filter(|d| buildx_attestation_target(d).is_some())
                    .map(|d| (d, EdgeSource::BuildxAttestation)),
            )
            .filter(|(d, _)| media::is_manifest(&d.media_type) || d.media_type.is_empty())
            .collect()
    }
}

/// Fetches what hangs directly below `desc`: its referrers, an index's entries (platform
/// manifests and buildx attestation manifests alike; see [`buildx_attestation_target`]) when
/// `index_children`, and the manifests the repository's cosign legacy tags name it with
/// (`cosign`, from [`cosign_tags`]; pass an empty map to leave them out).
pub async fn expand_one(
    store: &dyn Store,
    repo: &str,
    desc: &Descriptor,
    artifact_type: Option<&str>,
    index_children: bool,
    cosign: &CosignTags,
) -> Result<Expanded> {
    let refs = store.referrers(repo, &desc.digest, artifact_type).await?;
    let children = if index_children && media::is_index(&desc.media_type) {
        store
            .manifest(repo, &desc.digest.to_string())
            .await?
            .manifest
            .manifests
    } else {
        Vec::new()
    };
    let cosign = match cosign.get(&desc.digest) {
        Some(tags) => cosign_referrers(store, repo, tags, artifact_type).await?,
        None => Vec::new(),
    };
    Ok(Expanded {
        referrers: refs.descriptors,
        source: Some(refs.source),
        children,
        cosign,
    })
}

/// Discovers the graph below `root`, level by level; subtrees at one level are fetched concurrently.
pub async fn discover(
    store: &dyn Store,
    repo: &str,
    root: Descriptor,
    opts: &DiscoverOptions,
) -> Result<Discovered> {
    // Arena of nodes: (node, parent index); built breadth first, assembled into a tree at the end.
    let mut arena: Vec<(Node, Option<usize>)> =
        vec![(Node::leaf(root.clone(), EdgeSource::Root), None)];
    let mut seen: HashSet<Digest> = HashSet::from([root.digest.clone()]);
    let mut frontier = vec![0usize];
    let mut level = 0usize;
    let mut prepared = false;
    let at = opts.artifact_type.as_deref();
    let (cosign, cosign_note) = if opts.cosign_tags {
        cosign_tags(store, repo).await
    } else {
        Default::default()
    };
    let cosign = &cosign;
    while !frontier.is_empty() {
        if opts.depth.is_some_and(|d| level >= d) {
            break;
        }
        let jobs: Vec<(usize, Descriptor)> = frontier
            .iter()
            .map(|&i| (i, arena[i].0.descriptor.clone()))
            .collect();
        let results: Vec<(usize, Result<Expanded>)> = futures::stream::iter(jobs)
            .map(|(i, d)| async move {
                (
                    i,
                    expand_one(store, repo, &d, at, opts.index_children, cosign).await,
                )
            })
            .buffered(opts.concurrency.max(1))
            .collect()
            .await;
        if !prepared {
            store.prepare_referrers(repo).await;
            prepared = true;
        }
        let mut next = Vec::new();
        for (i, r) in results {
            match r {
                Err(e) if i == 0 => return Err(e),
                Err(e) => arena[i].0.expansion = Expansion::Failed(e.to_string()),
                Ok(exp) => {
                    arena[i].0.expansion = Expansion::Done;
                    let src = exp
                        .source
                        .map(EdgeSource::from)
                        .unwrap_or(EdgeSource::Layout);
                    let kids =
                        exp.children
                            .into_iter()
                            .map(|d| match buildx_attestation_target(&d) {
                                Some(t) => (d, EdgeSource::BuildxAttestation, Some(t)),
                                None => (d, EdgeSource::Index, None),
                            });
                    let mut kids: Vec<_> = kids.collect();
                    // Platforms first, so an attestation finds the platform node it hangs under.
                    kids.sort_by_key(|k| k.2.is_some());
                    let refs = exp.referrers.into_iter().map(|d| (d, src, None));
                    let cos = exp
                        .cosign
                        .into_iter()
                        .map(|d| (d, EdgeSource::CosignTag, None));
                    let mut platforms: std::collections::HashMap<Digest, usize> =
                        std::collections::HashMap::new();
                    for (d, s, under) in kids.into_iter().chain(refs).chain(cos) {
                        let parent = under.and_then(|t| platforms.get(&t).copied()).unwrap_or(i);
                        if s == EdgeSource::Index {
                            platforms.insert(d.digest.clone(), arena.len());
                        }
                        if arena.len() >= MAX_NODES {
                            return Err(StoreError::Invalid {
                                what: format!("graph of {repo}@{}", root.digest),
                                detail: format!("more than {MAX_NODES} nodes; stopped"),
                            });
                        }
                        let fresh = seen.insert(d.digest.clone());
                        let mut n = Node::leaf(d, s);
                        if !fresh {
                            n.expansion = Expansion::Cycle;
                        } else {
                            next.push(arena.len());
                        }
                        arena.push((n, Some(parent)));
                    }
                }
            }
        }
        frontier = next;
        level += 1;
    }
    // Assemble: children were appended after their parents, so fold from the back.
    let mut slots: Vec<Option<Node>> = Vec::with_capacity(arena.len());
    let mut parents = Vec::with_capacity(arena.len());
    for (n, p) in arena {
        slots.push(Some(n));
        parents.push(p);
    }
    for i in (1..slots.len()).rev() {
        let Some(node) = slots[i].take() else {
            continue;
        };
        let Some(p) = parents[i] else { continue };
        if let Some(parent) = slots[p].as_mut() {
            if node.source == EdgeSource::Index {
                parent.children.push(node);
            } else {
                parent.referrers.push(node);
            }
        }
    }
    let mut root = slots[0].take().ok_or_else(|| StoreError::Invalid {
        what: "graph".into(),
        detail: "root lost".into(),
    })?;
    // Children were pushed last first: put them back in order, without recursion.
    let mut stack = vec![&mut root];
    while let Some(n) = stack.pop() {
        n.referrers.reverse();
        n.children.reverse();
        stack.extend(n.referrers.iter_mut());
        stack.extend(n.children.iter_mut());
    }
    Ok(Discovered {
        root,
        notes: cosign_note.into_iter().collect(),
    })
}

/// A discovered graph, and what was left out of it on a best-effort basis (said, not hidden).
#[derive(Debug)]
pub struct Discovered {
    pub root: Node,
    pub notes: Vec<String>,
}
