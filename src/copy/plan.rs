//! The plan: the source's graph (discovered from every source, or only the root's content),
//! the platform filter applied, every manifest fetched and verified, and what the destination
//! has already.
use super::platform::{filter_index, kept_entries};
use super::{
    BlobAction, CopyOptions, CopyPlan, PlannedBlob, PlannedManifest, PlannedTag, Side,
    MAX_PLAN_BYTES,
};
use crate::graph::{discover, DiscoverOptions, EdgeSource, Expansion, Node, MAX_NODES};
use crate::oci::{media, tags, Descriptor, Digest, Manifest};
use crate::store::{ReferrersSource, Result, Store, StoreError};
use bytes::Bytes;
use futures::StreamExt;
use std::collections::{HashMap, HashSet};

/// Requests in flight at once while planning.
const PLAN_CONCURRENCY: usize = 16;

/// A manifest found in the source's tree, before it is fetched.
struct Found {
    descriptor: Descriptor,
    source: EdgeSource,
    parent: Option<Digest>,
}

/// Plans copying `src`'s `reference` (tag or digest) to `dst`.
pub async fn plan(
    src: Side<'_>,
    reference: &str,
    dst: Side<'_>,
    opts: &CopyOptions,
) -> Result<CopyPlan> {
    let root = src.store.resolve(src.repo, reference).await?;
    let what = format!("copy of {}@{}", src.repo, root.digest);
    let mut notes = Vec::new();
    let tree = if opts.recursive {
        let dopts = DiscoverOptions {
            index_children: true,
            cosign_tags: true,
            ..Default::default()
        };
        let found = discover(src.store, src.repo, root.clone(), &dopts).await?;
        // Said with the plan: what discovery could only do on a best-effort basis.
        notes.extend(found.notes);
        let g = found.root;
        if let Some((d, e)) = g.errors().first() {
            // A copy that silently left part of the graph behind would claim what it is not.
            return Err(StoreError::Invalid {
                what,
                detail: format!("could not list the referrers of {d}: {e}"),
            });
        }
        g
    } else {
        content_tree(src, root.clone()).await?
    };

    let (found, kept) = collect(&tree, opts, &mut notes, &what)?;
    let mut fetched = fetch_all(src, &found).await?;

    // The filtered root: new bytes, a new digest.
    let mut root_dst = root.clone();
    let mut source_root = None;
    if let Some(kept) = &kept {
        let old = fetched
            .get(&root.digest)
            .cloned()
            .ok_or_else(|| StoreError::Invalid {
                what: what.clone(),
                detail: "root manifest missing".into(),
            })?;
        if let Some(bytes) = filter_index(&old, kept).map_err(|detail| StoreError::Invalid {
            what: what.clone(),
            detail,
        })? {
            let bytes = Bytes::from(bytes);
            root_dst.digest = Digest::sha256_of(&bytes);
            root_dst.size = bytes.len() as i64;
            source_root = Some(root.digest.clone());
            notes.push(format!(
                "--platform filtered the index: its digest changes from {} to {}; signatures of the original index do not verify against it",
                root.digest, root_dst.digest
            ));
            fetched.remove(&root.digest);
            fetched.insert(root_dst.digest.clone(), bytes);
        }
    }
    let rename = |d: &Digest| -> Digest {
        if Some(d) == source_root.as_ref() {
            root_dst.digest.clone()
        } else {
            d.clone()
        }
    };

    let mut manifests = Vec::with_capacity(found.len());
    for f in &found {
        let digest = rename(&f.descriptor.digest);
        let bytes = fetched
            .get(&digest)
            .cloned()
            .ok_or_else(|| StoreError::Invalid {
                what: what.clone(),
                detail: format!("manifest {digest} was not fetched"),
            })?;
        let m = Manifest::parse(&bytes, Some(&f.descriptor.media_type)).map_err(|e| {
            StoreError::Invalid {
                what: format!("manifest {digest}"),
                detail: e.to_string(),
            }
        })?;
        let descriptor = Descriptor {
            media_type: m
                .media_type
                .clone()
                .unwrap_or_else(|| f.descriptor.media_type.clone()),
            digest,
            size: bytes.len() as i64,
            artifact_type: m.effective_artifact_type(),
            annotations: m.annotations.clone().filter(|a| !a.is_empty()),
            platform: f.descriptor.platform.clone(),
            urls: None,
        };
        manifests.push(PlannedManifest {
            descriptor,
            source: f.source,
            parent: f.parent.as_ref().map(rename),
            subject: m.subject.as_ref().map(|s| s.digest.clone()),
            exists: false,
            level: 0,
            blobs: blobs_of(&m).into_iter().map(|b| b.digest).collect(),
            bytes,
        });
    }
    let blob_descs = blob_descriptors(&fetched, &manifests);
    assign_levels(&mut manifests, &what)?;
    manifests.sort_by_key(|m| m.level);

    // What the destination has.
    let present = manifests_present(dst, &manifests).await?;
    for m in &mut manifests {
        m.exists = present.contains(&m.descriptor.digest);
    }
    let blobs = plan_blobs(dst, &manifests, blob_descs, opts.mount).await?;
    let destination_referrers = destination_referrers(dst, !present.is_empty()).await?;
    let suffixes = cosign_suffixes(src, &manifests, source_root.as_ref()).await?;
    let tags = plan_tags(
        &manifests,
        &root_dst,
        source_root.as_ref(),
        opts,
        &suffixes,
        &mut notes,
    );
    Ok(CopyPlan {
        source: String::new(),
        destination: String::new(),
        root: root_dst,
        source_root,
        recursive: opts.recursive,
        manifests,
        blobs,
        tags,
        destination_referrers,
        notes,
    })
}

/// The root and, for an index, its entries (nested indexes too): the graph without referrers.
async fn content_tree(src: Side<'_>, root: Descriptor) -> Result<Node> {
    let mut node = Node::leaf(root, EdgeSource::Root);
    let mut seen = HashSet::from([node.descriptor.digest.clone()]);
    expand_children(src, &mut node, &mut seen, 0).await?;
    Ok(node)
}

/// Fills `node.children` from its index entries, recursively (bounded in depth and count).
fn expand_children<'a>(
    src: Side<'a>,
    node: &'a mut Node,
    seen: &'a mut HashSet<Digest>,
    depth: usize,
) -> futures::future::BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        node.expansion = Expansion::Done;
        if !media::is_index(&node.descriptor.media_type) {
            return Ok(());
        }
        if depth > 8 || seen.len() > MAX_NODES {
            return Err(StoreError::Invalid {
                what: format!("index {}", node.descriptor.digest),
                detail: "indexes nested too deeply or too many entries".into(),
            });
        }
        let f = src
            .store
            .manifest(src.repo, &node.descriptor.digest.to_string())
            .await?;
        for d in f.manifest.manifests {
            if !seen.insert(d.digest.clone()) {
                continue;
            }
            let mut child = Node::leaf(d, EdgeSource::Index);
            expand_children(src, &mut child, seen, depth + 1).await?;
            node.children.push(child);
        }
        Ok(())
    })
}

/// The manifests to copy, each once, parents before children; with a platform filter, the
/// root index entries kept (and only what hangs below them).
#[allow(clippy::type_complexity)]
fn collect(
    tree: &Node,
    opts: &CopyOptions,
    notes: &mut Vec<String>,
    what: &str,
) -> Result<(Vec<Found>, Option<HashSet<Digest>>)> {
    let root_is_index = media::is_index(&tree.descriptor.media_type);
    let kept = if opts.platforms.is_empty() {
        None
    } else if !root_is_index {
        return Err(StoreError::Invalid {
            what: what.to_string(),
            detail: "--platform needs an index (a multi-platform image); this is a single manifest"
                .into(),
        });
    } else {
        let entries: Vec<Descriptor> = tree
            .children
            .iter()
            .map(|c| c.descriptor.clone())
            .chain(
                tree.children
                    .iter()
                    .flat_map(|c| c.referrers.iter())
                    .filter(|r| r.source == EdgeSource::BuildxAttestation)
                    .map(|r| r.descriptor.clone()),
            )
            .collect();
        let kept = kept_entries(&entries, &opts.platforms);
        if !kept.iter().any(|d| {
            entries
                .iter()
                .any(|e| &e.digest == d && crate::graph::buildx_attestation_target(e).is_none())
        }) {
            let have: Vec<String> = entries
                .iter()
                .filter_map(|e| e.platform.as_ref().map(|p| p.to_string()))
                .collect();
            return Err(StoreError::Invalid {
                what: what.to_string(),
                detail: format!(
                    "no entry of the index matches --platform {}; it has: {}",
                    opts.platforms
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    have.join(", ")
                ),
            });
        }
        Some(kept)
    };
    let changed = kept
        .as_ref()
        .is_some_and(|k| tree.children.len() + buildx_count(tree) != k.len());
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut left_behind = 0usize;
    walk(tree, None, &mut out, &mut seen, &mut |n, parent| {
        if parent != Some(&tree.descriptor.digest) {
            return true;
        }
        match n.source {
            EdgeSource::Index | EdgeSource::BuildxAttestation => kept
                .as_ref()
                .is_none_or(|k| k.contains(&n.descriptor.digest)),
            // Their `subject` names the original index, which the destination will not have.
            EdgeSource::ReferrersApi | EdgeSource::ReferrersTag | EdgeSource::Layout if changed => {
                left_behind += 1;
                false
            }
            _ => true,
        }
    });
    if out.len() > MAX_NODES {
        return Err(StoreError::Invalid {
            what: what.to_string(),
            detail: format!("more than {MAX_NODES} manifests"),
        });
    }
    if left_behind > 0 {
        notes.push(format!(
            "{left_behind} referrer(s) of the original index are not copied: their subject is the unfiltered index, which the destination will not have"
        ));
    }
    Ok((out, kept))
}

/// Buildx attestation entries of the root index (shown under their platform in the tree).
fn buildx_count(tree: &Node) -> usize {
    tree.children
        .iter()
        .flat_map(|c| c.referrers.iter())
        .filter(|r| r.source == EdgeSource::BuildxAttestation)
        .count()
}

/// Depth-first over the tree, each digest once; `keep(node, parent)` prunes a subtree. With an
/// explicit stack (a registry's chain may be as deep as the node cap), in the recursive order.
fn walk(
    root: &Node,
    parent: Option<&Digest>,
    out: &mut Vec<Found>,
    seen: &mut HashSet<Digest>,
    keep: &mut dyn FnMut(&Node, Option<&Digest>) -> bool,
) {
    let mut stack = vec![(root, parent)];
    while let Some((n, parent)) = stack.pop() {
        if n.expansion == Expansion::Cycle
            || !keep(n, parent)
            || !seen.insert(n.descriptor.digest.clone())
        {
            continue;
        }
        out.push(Found {
            descriptor: n.descriptor.clone(),
            source: n.source,
            parent: parent.cloned(),
        });
        for c in n.children.iter().chain(n.referrers.iter()).rev() {
            // Buildx attestations hang under their platform in the tree; their parent is the index.
            let p = if c.source == EdgeSource::BuildxAttestation {
                parent.unwrap_or(&n.descriptor.digest)
            } else {
                &n.descriptor.digest
            };
            stack.push((c, Some(p)));
        }
    }
}

/// Every manifest's bytes, fetched (and verified by the store) a few at a time.
async fn fetch_all(src: Side<'_>, found: &[Found]) -> Result<HashMap<Digest, Bytes>> {
    let results: Vec<Result<(Digest, Bytes)>> = futures::stream::iter(found)
        .map(|f| async move {
            let d = f.descriptor.digest.to_string();
            let m = src.store.manifest(src.repo, &d).await?;
            Ok((f.descriptor.digest.clone(), m.bytes))
        })
        .buffer_unordered(PLAN_CONCURRENCY)
        .collect()
        .await;
    let mut out = HashMap::with_capacity(results.len());
    let mut total = 0usize;
    for r in results {
        let (d, b) = r?;
        total += b.len();
        if total > MAX_PLAN_BYTES {
            return Err(StoreError::TooLarge {
                what: "manifests of the copy".into(),
                size: total as u64,
                limit: MAX_PLAN_BYTES as u64,
            });
        }
        out.insert(d, b);
    }
    Ok(out)
}

/// The blobs a manifest names: config and layers (legacy artifact blobs), without foreign layers.
fn blobs_of(m: &Manifest) -> Vec<Descriptor> {
    if m.is_index() {
        return Vec::new();
    }
    m.config
        .iter()
        .chain(m.files())
        .filter(|d| d.urls.as_ref().is_none_or(|u| u.is_empty()))
        .cloned()
        .collect()
}

/// Each distinct blob of the plan's manifests, with its descriptor.
fn blob_descriptors(
    fetched: &HashMap<Digest, Bytes>,
    manifests: &[PlannedManifest],
) -> HashMap<Digest, Descriptor> {
    let mut out = HashMap::new();
    for m in manifests {
        let Some(bytes) = fetched.get(&m.descriptor.digest) else {
            continue;
        };
        if let Ok(parsed) = Manifest::parse(bytes, Some(&m.descriptor.media_type)) {
            for b in blobs_of(&parsed) {
                out.entry(b.digest.clone()).or_insert(b);
            }
        }
    }
    out
}

/// Levels: a manifest comes after its index entries, its subject and (for a cosign tag's
/// manifest) the manifest the tag names.
fn assign_levels(manifests: &mut [PlannedManifest], what: &str) -> Result<()> {
    let index: HashMap<Digest, usize> = manifests
        .iter()
        .enumerate()
        .map(|(i, m)| (m.descriptor.digest.clone(), i))
        .collect();
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); manifests.len()];
    for (i, m) in manifests.iter().enumerate() {
        if let Ok(parsed) = Manifest::parse(&m.bytes, Some(&m.descriptor.media_type)) {
            for c in &parsed.manifests {
                deps[i].extend(index.get(&c.digest));
            }
        }
        let after = match m.source {
            EdgeSource::CosignTag => m.parent.as_ref(),
            _ => m.subject.as_ref(),
        };
        deps[i].extend(after.and_then(|d| index.get(d)));
    }
    // Iterative longest path (the graph is content-addressed, so a cycle is a forged one).
    let mut level: Vec<Option<usize>> = vec![None; manifests.len()];
    for start in 0..manifests.len() {
        let mut stack = vec![(start, false)];
        let mut on_path = HashSet::new();
        while let Some((i, expanded)) = stack.pop() {
            if level[i].is_some() {
                continue;
            }
            if expanded {
                on_path.remove(&i);
                let l = deps[i]
                    .iter()
                    .filter_map(|&d| level[d])
                    .map(|l| l + 1)
                    .max()
                    .unwrap_or(0);
                level[i] = Some(l);
                continue;
            }
            if !on_path.insert(i) {
                return Err(StoreError::Invalid {
                    what: what.to_string(),
                    detail: format!(
                        "manifests depend on each other in a cycle at {}",
                        manifests[i].descriptor.digest
                    ),
                });
            }
            stack.push((i, true));
            for &d in &deps[i] {
                if level[d].is_none() {
                    if on_path.contains(&d) {
                        return Err(StoreError::Invalid {
                            what: what.to_string(),
                            detail: format!(
                                "manifests depend on each other in a cycle at {}",
                                manifests[d].descriptor.digest
                            ),
                        });
                    }
                    stack.push((d, false));
                }
            }
        }
    }
    for (m, l) in manifests.iter_mut().zip(level) {
        m.level = l.unwrap_or(0);
    }
    Ok(())
}

/// The manifests the destination has already (by digest).
async fn manifests_present(
    dst: Side<'_>,
    manifests: &[PlannedManifest],
) -> Result<HashSet<Digest>> {
    let results: Vec<Result<Option<Digest>>> = futures::stream::iter(manifests)
        .map(|m| async move {
            match dst
                .store
                .resolve(dst.repo, &m.descriptor.digest.to_string())
                .await
            {
                Ok(_) => Ok(Some(m.descriptor.digest.clone())),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffer_unordered(PLAN_CONCURRENCY)
        .collect()
        .await;
    let mut out = HashSet::new();
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// Each blob once: present (checked where a manifest needing it is missing; a manifest that
/// exists has its blobs), else mounted or copied.
async fn plan_blobs(
    dst: Side<'_>,
    manifests: &[PlannedManifest],
    descs: HashMap<Digest, Descriptor>,
    mount: bool,
) -> Result<Vec<PlannedBlob>> {
    let mut order: Vec<Digest> = Vec::new();
    let mut needed: HashSet<Digest> = HashSet::new();
    for m in manifests {
        for b in &m.blobs {
            if !order.contains(b) {
                order.push(b.clone());
            }
            if !m.exists {
                needed.insert(b.clone());
            }
        }
    }
    let to_check: Vec<Digest> = order
        .iter()
        .filter(|d| needed.contains(*d))
        .cloned()
        .collect();
    let results: Vec<Result<(Digest, bool)>> = futures::stream::iter(to_check)
        .map(|d| async move {
            let there = dst.store.blob_exists(dst.repo, &d).await?;
            Ok((d, there))
        })
        .buffer_unordered(PLAN_CONCURRENCY)
        .collect()
        .await;
    let mut there: HashMap<Digest, bool> = HashMap::new();
    for r in results {
        let (d, t) = r?;
        there.insert(d, t);
    }
    Ok(order
        .into_iter()
        .filter_map(|d| {
            let descriptor = descs.get(&d)?.clone();
            let action = match there.get(&d) {
                None | Some(true) => BlobAction::Present,
                Some(false) if mount => BlobAction::Mount,
                Some(false) => BlobAction::Copy,
            };
            Some(PlannedBlob { descriptor, action })
        })
        .collect())
}

/// How the destination serves referrers, when that can be known without writing: asked only
/// of a repository that exists (a referrers-API registry may answer 404 for an unknown one,
/// which would read as "no API").
async fn destination_referrers(
    dst: Side<'_>,
    has_manifests: bool,
) -> Result<Option<ReferrersSource>> {
    if let Some(s) = dst.store.referrers_source(dst.repo) {
        return Ok(Some(s));
    }
    let exists = has_manifests
        || match dst.store.tags(dst.repo, None, 1).await {
            Ok(p) => !p.items.is_empty(),
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e),
        };
    if !exists {
        return Ok(None);
    }
    probe_referrers(dst.store, dst.repo).await
}

/// Asks for the referrers of a digest nobody has (one cheap request): the store learns and
/// remembers which mechanism the repository has.
pub(super) async fn probe_referrers(
    store: &dyn Store,
    repo: &str,
) -> Result<Option<ReferrersSource>> {
    if let Some(s) = store.referrers_source(repo) {
        return Ok(Some(s));
    }
    let nobody = Digest::sha256_of(b"arbor: referrers probe for a digest nobody has");
    store.referrers(repo, &nobody, None).await?;
    Ok(store.referrers_source(repo))
}

/// Cosign tags (renamed when their subject's digest changed), then the user's tags.
fn plan_tags(
    manifests: &[PlannedManifest],
    root: &Descriptor,
    source_root: Option<&Digest>,
    opts: &CopyOptions,
    suffixes: &HashMap<Digest, &'static str>,
    notes: &mut Vec<String>,
) -> Vec<PlannedTag> {
    let mut out = Vec::new();
    for m in manifests
        .iter()
        .filter(|m| m.source == EdgeSource::CosignTag)
    {
        let Some(subject) = &m.parent else { continue };
        let Some(suffix) = suffixes.get(&m.descriptor.digest) else {
            continue;
        };
        let tag = format!("{}{suffix}", tags::fallback_tag(subject));
        let renamed_from = (Some(&root.digest) == Some(subject))
            .then_some(source_root)
            .flatten()
            .map(|old| format!("{}{suffix}", tags::fallback_tag(old)));
        if let Some(old) = &renamed_from {
            notes.push(format!(
                "cosign tag {old} is recreated as {tag} (the subject's new digest); the signature inside still names the old digest"
            ));
        }
        out.push(PlannedTag {
            tag,
            digest: m.descriptor.digest.clone(),
            cosign: true,
            renamed_from,
        });
    }
    for t in &opts.tags {
        out.push(PlannedTag {
            tag: t.clone(),
            digest: root.digest.clone(),
            cosign: false,
            renamed_from: None,
        });
    }
    out
}

/// The suffix (`.sig`, `.att`, `.sbom`) of each cosign tag in the copy, by the manifest it
/// points at: the subject's tags are resolved to see which one names which manifest.
async fn cosign_suffixes(
    src: Side<'_>,
    manifests: &[PlannedManifest],
    source_root: Option<&Digest>,
) -> Result<HashMap<Digest, &'static str>> {
    let wanted: Vec<&PlannedManifest> = manifests
        .iter()
        .filter(|m| m.source == EdgeSource::CosignTag)
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    // Discovery listed the same (cached) tags and noted it if it could not.
    let (by_subject, _) = crate::graph::cosign_tags(src.store, src.repo).await;
    let mut candidates: Vec<String> = source_root
        .and_then(|r| by_subject.get(r))
        .cloned()
        .unwrap_or_default();
    for m in &wanted {
        if let Some(ts) = m.parent.as_ref().and_then(|p| by_subject.get(p)) {
            candidates.extend(ts.iter().cloned());
        }
    }
    candidates.sort();
    candidates.dedup();
    let resolved: Vec<Result<(String, Digest)>> = futures::stream::iter(candidates)
        .map(|t| async move {
            let d = src.store.resolve(src.repo, &t).await?;
            Ok((t, d.digest))
        })
        .buffer_unordered(PLAN_CONCURRENCY)
        .collect()
        .await;
    let mut out = HashMap::new();
    for r in resolved {
        let (t, d) = r?;
        if let Some(s) = tags::COSIGN_SUFFIXES.iter().find(|s| t.ends_with(*s)) {
            out.insert(d, *s);
        }
    }
    Ok(out)
}
