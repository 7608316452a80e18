//! Untagged and orphaned manifests of a repository.
use super::{discover, DiscoverOptions, EdgeSource, Node};
use crate::oci::{tags, Descriptor, Digest};
use crate::store::{Result, Store};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};

/// A manifest no tag points at, and why arbor knows of it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub descriptor: Descriptor,
    /// `referrer`, `platform`, `orphan` or `listed` (an OCI layout's index.json).
    pub kind: &'static str,
    /// Its subject (referrer, orphan) or index (platform).
    pub parent: Option<Digest>,
    /// Manifests hanging below it (referrers at any depth).
    pub below: usize,
    /// Bytes of it and what hangs below it (manifests only).
    pub size_with_below: i64,
}

/// Manifests below `n` (any depth) and their bytes.
fn count_below(n: &Node) -> (usize, i64) {
    let below = &n.walk()[1..];
    (
        below.len(),
        below.iter().map(|b| b.descriptor.size.max(0)).sum(),
    )
}

/// Tags → digests (fallback and cosign tags excluded), resolved concurrently.
pub async fn tagged_digests(
    store: &dyn Store,
    repo: &str,
) -> Result<(HashMap<Digest, Vec<String>>, Vec<String>)> {
    let tags = match store.all_tags(repo).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    let (hidden, plain): (Vec<String>, Vec<String>) =
        tags.into_iter().partition(|t| tags::is_hidden_tag(t));
    let map = resolve_tags(store, repo, plain).await?;
    Ok((map, hidden))
}

/// Resolves tags concurrently (16 at a time) and groups them by the digest they point at;
/// tags that vanished meanwhile are left out, and so are names outside the tag grammar (a
/// registry listed them, but no request can name them).
pub async fn resolve_tags(
    store: &dyn Store,
    repo: &str,
    tags: Vec<String>,
) -> Result<HashMap<Digest, Vec<String>>> {
    let valid = tags.into_iter().filter(|t| tags::is_valid_tag(t));
    let resolved: Vec<(String, Result<Descriptor>)> = futures::stream::iter(valid)
        .map(|t| async move {
            let r = store.resolve(repo, &t).await;
            (t, r)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut map: HashMap<Digest, Vec<String>> = HashMap::new();
    for (t, r) in resolved {
        match r {
            Ok(d) => map.entry(d.digest).or_default().push(t),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(map)
}

/// Referrers whose subject no longer exists: found through `sha256-<hex>` fallback tags
/// pointing at a missing digest (the referrers API cannot enumerate them).
pub async fn orphans(store: &dyn Store, repo: &str) -> Result<Vec<Listed>> {
    let (_, hidden) = tagged_digests(store, repo).await?;
    let mut out = Vec::new();
    for tag in hidden {
        let Some(subject) = tags::from_fallback_tag(&tag) else {
            continue;
        };
        match store.resolve(repo, &subject.to_string()).await {
            Ok(_) => continue,
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        let index = match store.manifest(repo, &tag).await {
            Ok(f) => f.manifest.manifests,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        for d in index {
            let (below, size) = match store.resolve(repo, &d.digest.to_string()).await {
                Ok(desc) => {
                    let g = discover(store, repo, desc, &DiscoverOptions::default()).await?;
                    count_below(&g.root)
                }
                // The orphan entry itself is gone too: still worth showing (the index is stale).
                Err(e) if e.is_not_found() => (0, 0),
                Err(e) => return Err(e),
            };
            out.push(Listed {
                size_with_below: d.size.max(0) + size,
                descriptor: d,
                kind: "orphan",
                parent: Some(subject.clone()),
                below,
            });
        }
    }
    Ok(out)
}

/// Manifests no tag points at: referrers and platform manifests below tagged manifests,
/// what an OCI layout lists without a name, and orphans.
pub async fn untagged(store: &dyn Store, repo: &str) -> Result<Vec<Listed>> {
    let (tagged, _) = tagged_digests(store, repo).await?;
    let mut seen: HashSet<Digest> = tagged.keys().cloned().collect();
    let mut out = Vec::new();
    let mut roots: Vec<Descriptor> = Vec::new();
    for d in tagged.keys() {
        roots.push(store.resolve(repo, &d.to_string()).await?);
    }
    if let Some(listed) = store.list_manifests(repo).await? {
        for d in listed {
            if !seen.contains(&d.digest) {
                roots.push(d);
            }
        }
    }
    let opts = DiscoverOptions {
        index_children: true,
        ..Default::default()
    };
    for root in roots {
        let g = discover(store, repo, root, &opts).await?.root;
        let order = g.walk_indexed();
        // What hangs below each node, summed from the leaves up.
        let mut below = vec![(0usize, 0i64); order.len()];
        for i in (1..order.len()).rev() {
            if let Some(p) = order[i].parent {
                below[p].0 += 1 + below[i].0;
                below[p].1 += order[i].node.descriptor.size.max(0) + below[i].1;
            }
        }
        for (w, (count, size)) in order.iter().zip(below) {
            let n = w.node;
            if !seen.insert(n.descriptor.digest.clone()) {
                continue;
            }
            let parent = w.parent.map(|p| order[p].node.descriptor.digest.clone());
            let kind = match (&parent, n.source) {
                (None, _) => "listed",
                (Some(_), EdgeSource::Index) => "platform",
                (Some(_), _) => "referrer",
            };
            out.push(Listed {
                descriptor: n.descriptor.clone(),
                kind,
                parent,
                below: count,
                size_with_below: n.descriptor.size.max(0) + size,
            });
        }
    }
    for o in orphans(store, repo).await? {
        if seen.insert(o.descriptor.digest.clone()) {
            out.push(o);
        }
    }
    Ok(out)
}
