//! Gathering a repository into a [`RawGraph`]: the tags, then every manifest the listing names or
//! the tags lead to, closed under index entries, subjects, fallback and cosign tags — and, where the
//! store has no listing, under referrers too. Bounded in count, concurrent, every manifest verified.
use super::classify::{ConfigFacts, RawGraph, RawNode};
use super::InventoryOptions;
use crate::graph::MAX_NODES;
use crate::listing::ManifestListing;
use crate::oci::tags::TagRole;
use crate::oci::{media, Descriptor, Digest, Platform};
use crate::store::{FetchedManifest, Result, Store, StoreError};
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
/// a tag that does not resolve maps to `None`.
async fn resolve_tags(
    store: &dyn Store,
    repo: &str,
    listing: Option<&ManifestListing>,
    concurrency: usize,
) -> Result<BTreeMap<String, Option<Digest>>> {
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
    for t in tags {
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
    Ok(out)
}

/// Collects `repo` from `store`; `listing` is what the store listed, if it can.
pub(super) async fn collect(
    store: &dyn Store,
    repo: &str,
    listing: Option<&ManifestListing>,
    opts: &InventoryOptions,
) -> Result<(RawGraph, Vec<String>)> {
    let concurrency = opts.concurrency.max(1);
    let tags = resolve_tags(store, repo, listing, concurrency).await?;
    let listed: HashMap<&Digest, &crate::listing::ListedManifest> = listing
        .iter()
        .flat_map(|l| l.entries.iter())
        .map(|m| (&m.digest, m))
        .collect();
    let mut queue: Vec<Digest> = tags.values().flatten().cloned().collect();
    queue.extend(listed.keys().map(|d| (*d).clone()));
    for t in tags.keys() {
        queue.extend(TagRole::of(t).subject().cloned());
    }
    // Without a listing only the referrers API or the tag schema can find what hangs below.
    let walk_referrers = listing.is_none();
    let mut g = RawGraph {
        tags,
        ..Default::default()
    };
    let mut seen: HashSet<Digest> = HashSet::new();
    let mut prepared = false;
    while !queue.is_empty() {
        let wave: Vec<Digest> = queue.drain(..).filter(|d| seen.insert(d.clone())).collect();
        if seen.len() > MAX_NODES {
            return Err(StoreError::Invalid {
                what: format!("inventory of {repo}"),
                detail: format!("more than {MAX_NODES} manifests; stopped"),
            });
        }
        let results: Vec<Fetched> = futures::stream::iter(wave)
            .map(|d| fetch_one(store, repo, d, walk_referrers))
            .buffer_unordered(concurrency)
            .collect()
            .await;
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
    let warnings = if opts.config_facts {
        read_configs(store, repo, &mut g, concurrency).await
    } else {
        Vec::new()
    };
    Ok((g, warnings))
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

/// Reads the image config of every image (bounded, verified) for its `created` and platform;
/// a config that cannot be read leaves them unknown and says so in a warning.
async fn read_configs(
    store: &dyn Store,
    repo: &str,
    g: &mut RawGraph,
    concurrency: usize,
) -> Vec<String> {
    let wanted: Vec<(Digest, Descriptor)> = g
        .nodes
        .iter()
        .filter_map(|(d, n)| {
            let c = n.manifest.config.as_ref()?;
            (c.media_type == media::OCI_CONFIG || c.media_type == media::DOCKER_CONFIG)
                .then(|| (d.clone(), c.clone()))
        })
        .collect();
    let read: Vec<(Digest, Result<bytes::Bytes>)> = futures::stream::iter(wanted)
        .map(|(d, c)| async move {
            let b = store.blob_bytes(repo, &c, MAX_CONFIG_BYTES).await;
            (d, b)
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let mut warnings = Vec::new();
    for (d, r) in read {
        let parsed = r.map_err(|e| e.to_string()).and_then(|b| {
            serde_json::from_slice::<ImageConfig>(&b).map_err(|e| format!("config of {d}: {e}"))
        });
        match parsed {
            Ok(c) => {
                if let Some(n) = g.nodes.get_mut(&d) {
                    let platform =
                        (!c.os.is_empty() || !c.architecture.is_empty()).then(|| Platform {
                            architecture: c.architecture,
                            os: c.os,
                            variant: c.variant.filter(|v| !v.is_empty()),
                            os_version: None,
                        });
                    n.config = Some(ConfigFacts {
                        // Builders that do not record a time write the zero time.
                        created: c
                            .created
                            .filter(|c| !c.is_empty() && !c.starts_with("0001-01-01")),
                        platform,
                    });
                }
            }
            Err(e) => warnings.push(e),
        }
    }
    warnings.sort();
    warnings
}
