//! Gathering a repository into a [`RawGraph`]: the tags, then every manifest the listing names or
//! the tags lead to, closed under index entries, subjects, fallback and cosign tags — and, where the
//! store has no listing, under referrers too. Bounded in count, concurrent, every manifest verified.
use super::classify::{ConfigFacts, RawGraph, RawNode};
use super::InventoryOptions;
use crate::graph::MAX_NODES;
use crate::listing::ManifestListing;
use crate::oci::tags::{is_valid_tag, TagRole};
use crate::oci::{media, Descriptor, Digest, Platform};
use crate::store::{FetchedManifest, ReferrersSource, Result, Store, StoreError};
use futures::StreamExt;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Image configs are read only this far.
const MAX_CONFIG_BYTES: usize = 1 << 20;

/// What fetching one digest brought.
struct Fetched {
    digest: Digest,
    manifest: Result<FetchedManifest>,
    referrers: Vec<Digest>,
}

async fn fetch_one(store: &dyn Store, repo: &str, digest: Digest, referrers: bool) -> Fetched {
    let manifest = store.manifest(repo, &digest.to_string()).await;
    let mut found = Vec::new();
    if referrers && manifest.is_ok() {
        match store.referrers(repo, &digest, None).await {
            Ok(r) => found = r.descriptors.into_iter().map(|d| d.digest).collect(),
            Err(e) if e.is_not_found() => {}
            Err(e) => {
                return Fetched {
                    digest,
                    manifest: Err(e),
                    referrers: found,
                }
            }
        }
    }
    Fetched {
        digest,
        manifest,
        referrers: found,
    }
}

/// Tags → the digest each names: from the listing where it says, else resolved (16 at a time);
/// a tag that does not resolve maps to `None`. A tag is resolved, and its manifest then fetched
/// by digest, rather than fetched by tag: some registries (go-containerregistry) still serve a
/// tag whose manifest is gone by digest — a dangling tag only the digest shows. A listed name
/// outside the tag grammar is left out (no request can name it) and said in a warning.
async fn resolve_tags(
    store: &dyn Store,
    repo: &str,
    listing: Option<&ManifestListing>,
    concurrency: usize,
) -> Result<(BTreeMap<String, Option<Digest>>, Vec<String>)> {
    let tags = match store.tag_list(repo).await {
        Ok(t) => t.to_vec(),
        Err(e) if e.is_not_found() => Vec::new(),
        Err(e) => return Err(e),
    };
    let mut known: HashMap<&str, &Digest> = HashMap::new();
    for m in listing.iter().flat_map(|l| l.entries.iter()) {
        for t in &m.tags {
            known.insert(t, &m.digest);
        }
    }
    let mut out = BTreeMap::new();
    let mut todo = Vec::new();
    let mut warnings = Vec::new();
    for t in tags {
        if !is_valid_tag(&t) {
            warnings.push(format!(
                "tag {t} is outside the tag grammar: left out, never requested"
            ));
            continue;
        }
        match known.get(t.as_str()) {
            Some(d) => {
                out.insert(t, Some((*d).clone()));
            }
            None => todo.push(t),
        }
    }
    let resolved: Vec<(String, Result<Descriptor>)> = futures::stream::iter(todo)
        .map(|t| async move {
            let r = store.resolve(repo, &t).await;
            (t, r)
        })
        .buffer_unordered(concurrency.max(1))
        .collect()
        .await;
    for (t, r) in resolved {
        match r {
            Ok(d) => out.insert(t, Some(d.digest)),
            Err(e) if e.is_not_found() => out.insert(t, None),
            Err(e) => return Err(e),
        };
    }
    Ok((out, warnings))
}

/// Collects `repo` from `store`; `listing` is what the store listed, if it can.
pub(super) async fn collect(
    store: &dyn Store,
    repo: &str,
    listing: Option<&ManifestListing>,
    opts: &InventoryOptions,
) -> Result<(RawGraph, Vec<String>)> {
    let concurrency = opts.concurrency.max(1);
    let (tags, mut warnings) = resolve_tags(store, repo, listing, concurrency).await?;
    let listed: HashMap<&Digest, &crate::listing::ListedManifest> = listing
        .iter()
        .flat_map(|l| l.entries.iter())
        .map(|m| (&m.digest, m))
        .collect();
    let mut queue: Vec<Digest> = tags.values().flatten().cloned().collect();
    queue.extend(listed.keys().map(|d| (*d).clone()));
    queue.extend(opts.roots.iter().cloned());
    for t in tags.keys() {
        queue.extend(TagRole::of(t).subject().cloned());
    }
    // Without a listing only the referrers API or the tag schema can find what hangs below. On
    // the tag schema the `sha256-<hex>` indexes are tags, resolved and fetched with the others:
    // asking for referrers too would fetch each index again, by tag.
    let mut walk_referrers =
        listing.is_none() && store.referrers_source(repo) != Some(ReferrersSource::ReferrersTag);
    let mut g = RawGraph {
        tags,
        ..Default::default()
    };
    let mut seen: HashSet<Digest> = HashSet::new();
    let mut prepared = false;
    let mut level = 0usize;
    while !queue.is_empty() {
        let wave: Vec<Digest> = queue.drain(..).filter(|d| seen.insert(d.clone())).collect();
        if wave.is_empty() {
            break;
        }
        // A wave is one level below the last: a chain deeper than the limit stops here, said.
        if level > opts.max_depth {
            warnings.push(format!(
                "the walk stopped at {} levels: {} manifest(s) below were not fetched (a chain of referrers deeper than --depth)",
                opts.max_depth,
                wave.len()
            ));
            g.depth_limited = Some(opts.max_depth);
            break;
        }
        level += 1;
        if seen.len() > MAX_NODES {
            return Err(StoreError::Invalid {
                what: format!("inventory of {repo}"),
                detail: format!("more than {MAX_NODES} manifests; stopped"),
            });
        }
        let mut wave = wave.into_iter();
        let mut results: Vec<Fetched> = Vec::new();
        if walk_referrers && store.referrers_source(repo).is_none() {
            // One manifest first, alone: its referrers request finds the mechanism (one probe,
            // not one per request in flight), which decides whether the rest need asking.
            if let Some(d) = wave.next() {
                results.push(fetch_one(store, repo, d, true).await);
            }
            walk_referrers = store.referrers_source(repo) != Some(ReferrersSource::ReferrersTag);
        }
        results.extend(
            futures::stream::iter(wave)
                .map(|d| fetch_one(store, repo, d, walk_referrers))
                .buffer_unordered(concurrency)
                .collect::<Vec<Fetched>>()
                .await,
        );
        for f in results {
            match f.manifest {
                Ok(m) => {
                    let man = m.manifest;
                    queue.extend(man.manifests.iter().map(|c| c.digest.clone()));
                    queue.extend(man.subject.iter().map(|s| s.digest.clone()));
                    queue.extend(f.referrers);
                    g.nodes.insert(
                        f.digest.clone(),
                        RawNode {
                            size: m.bytes.len() as u64,
                            listed: listed.get(&f.digest).map(|l| (*l).clone()),
                            manifest: man,
                            config: None,
                        },
                    );
                }
                Err(e) if e.is_not_found() => {
                    g.missing.insert(f.digest);
                }
                Err(e) => return Err(e),
            }
        }
        if walk_referrers && !prepared {
            // Discovery's way: once the mechanism is known, let the store load the fallback tag set.
            store.prepare_referrers(repo).await;
            prepared = true;
        }
    }
    if opts.config_facts {
        warnings.extend(read_configs(store, repo, &mut g, concurrency).await);
    }
    Ok((g, warnings))
}

/// Whether an image's config must be read for its `created` and platform: not when a `created`
/// annotation is there and the platform is known from an index entry or the listing. A vendor
/// listing's time does not spare the read: `created` is the annotation, else the config's, else
/// the registry's (the registry's own time is kept beside it, as `registry_time`).
fn config_needed(n: &RawNode, platform_from_entry: bool) -> bool {
    let listed_platform = n.listed.as_ref().is_some_and(|l| l.platform.is_some());
    !(n.manifest.created().is_some() && (platform_from_entry || listed_platform))
}

#[derive(serde::Deserialize)]
struct ImageConfig {
    created: Option<String>,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    os: String,
    variant: Option<String>,
}

/// Reads the image config of every image (bounded, verified, each config once) for its
/// `created` and platform — except where the answer is known without it: a `created` annotation
/// with a platform from an index entry or the listing. A config that cannot be read leaves them unknown and
/// says so in a warning.
async fn read_configs(
    store: &dyn Store,
    repo: &str,
    g: &mut RawGraph,
    concurrency: usize,
) -> Vec<String> {
    let entry_platform: HashSet<&Digest> = g
        .nodes
        .values()
        .filter(|n| n.manifest.is_index())
        .flat_map(|n| n.manifest.manifests.iter())
        .filter(|e| e.platform.is_some())
        .map(|e| &e.digest)
        .collect();
    let mut wanted: HashMap<Digest, (Descriptor, Vec<Digest>)> = HashMap::new();
    for (d, n) in &g.nodes {
        let Some(c) = n.manifest.config.as_ref() else {
            continue;
        };
        if c.media_type != media::OCI_CONFIG && c.media_type != media::DOCKER_CONFIG {
            continue;
        }
        if !config_needed(n, entry_platform.contains(d)) {
            continue;
        }
        wanted
            .entry(c.digest.clone())
            .or_insert_with(|| (c.clone(), Vec::new()))
            .1
            .push(d.clone());
    }
    let read: Vec<(Vec<Digest>, Digest, Result<bytes::Bytes>)> =
        futures::stream::iter(wanted.into_values())
            .map(|(c, users)| async move {
                let b = store.blob_bytes(repo, &c, MAX_CONFIG_BYTES).await;
                (users, c.digest, b)
            })
            .buffer_unordered(concurrency)
            .collect()
            .await;
    let mut warnings = Vec::new();
    for (users, config, r) in read {
        let parsed = r.map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<ImageConfig>(&b).map_err(|e| format!("config {config}: {e}"))
        });
        let c = match parsed {
            Ok(c) => c,
            Err(e) => {
                warnings.push(e);
                continue;
            }
        };
        let platform = (!c.os.is_empty() || !c.architecture.is_empty()).then(|| Platform {
            architecture: c.architecture,
            os: c.os,
            variant: c.variant.filter(|v| !v.is_empty()),
            os_version: None,
        });
        // Builders that do not record a time write the zero time.
        let created = c
            .created
            .filter(|c| !c.is_empty() && !c.starts_with("0001-01-01"));
        for d in users {
            if let Some(n) = g.nodes.get_mut(&d) {
                n.config = Some(ConfigFacts {
                    created: created.clone(),
                    platform: platform.clone(),
                });
            }
        }
    }
    warnings.sort();
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::ListedManifest;
    use crate::oci::Manifest;

    fn node(annotated: bool, listed_platform: bool, listed_created: bool) -> RawNode {
        let annotations = annotated.then(|| {
            [(
                media::ANN_CREATED.to_string(),
                "2024-01-01T00:00:00Z".to_string(),
            )]
            .into_iter()
            .collect()
        });
        let mut l = ListedManifest::new(Digest::sha256_of(b"m"));
        l.platform = listed_platform.then(|| Platform {
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: None,
            os_version: None,
        });
        l.created = listed_created.then(|| "2025-05-05T00:00:00Z".to_string());
        RawNode {
            manifest: Manifest {
                annotations,
                ..Default::default()
            },
            size: 1,
            listed: Some(l),
            config: None,
        }
    }

    #[test]
    fn the_config_is_read_only_for_what_nothing_else_says() {
        // A vendor listing's time does not stand in for the config's `created`.
        assert!(config_needed(&node(false, true, true), false));
        assert!(!config_needed(&node(true, true, true), false));
        // An annotation and a platform from an index entry or from the listing.
        assert!(!config_needed(&node(true, false, false), true));
        assert!(!config_needed(&node(true, true, false), false));
        // The listing's time alone, or the platform alone, leaves the other to the config.
        assert!(config_needed(&node(false, false, true), false));
        assert!(config_needed(&node(false, true, false), false));
        assert!(config_needed(&node(false, false, false), true));
        assert!(config_needed(&node(true, false, true), false));
        // No listing at all (distribution): read unless annotation + entry platform.
        let mut plain = node(false, false, false);
        plain.listed = None;
        assert!(config_needed(&plain, true));
    }
}
