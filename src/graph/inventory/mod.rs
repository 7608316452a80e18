//! The one model of "what is in this repository": every manifest arbor knows of, each in exactly
//! one [`Class`] (tagged, attached, untagged, orphan), with dangling tags and stale fallback
//! indexes beside them, and whether the listing is complete or only what tags lead to.
//!
//! ```text
//! inventory(store, repo) ─▶ collect (listing, tags, manifests, configs) ─▶ classify ─▶ Inventory
//! ```
pub mod classify;
mod collect;
pub mod kind;

pub use classify::{Class, DanglingTag, RawGraph, StaleFallbackIndex};
pub use kind::Kind;

use crate::listing::{ListingSource, RegistryKind};
use crate::oci::tags::TagRole;
use crate::oci::{Digest, Platform};
use crate::store::{Result, Store};
use serde::Serialize;
use std::collections::HashMap;

/// The sentence a reachable-only listing carries (the CLI prints it, the TUI puts it in the title).
pub const REACHABLE_ONLY: &str = "only what tags, referrers and fallback indexes lead to is listed: \
this registry has no API to list every manifest, so untagged manifests nothing points at cannot be seen";

/// How to take an inventory.
#[derive(Debug, Clone)]
pub struct InventoryOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Read image configs for `created` and the platform.
    pub config_facts: bool,
    /// Digests to collect besides what tags and the listing lead to (a manifest named by digest
    /// on a registry that cannot list it, and what hangs below it).
    pub roots: Vec<Digest>,
    /// Levels followed below what tags, the listing and `roots` name; past it the walk stops and
    /// the inventory says so ([`Inventory::depth_limited`]).
    pub max_depth: usize,
}

impl Default for InventoryOptions {
    fn default() -> Self {
        InventoryOptions {
            concurrency: 16,
            config_facts: true,
            roots: Vec::new(),
            max_depth: crate::graph::DEFAULT_DEPTH,
        }
    }
}

/// One manifest of the repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InventoryManifest {
    pub digest: Digest,
    pub class: Class,
    pub kind: Kind,
    /// Every tag pointing at it (plain, cosign and fallback tags), sorted.
    pub tags: Vec<String>,
    pub media_type: String,
    pub artifact_type: Option<String>,
    /// Config + layers; for an index, the sum over its children (`None` when a child is gone).
    pub image_size: Option<u64>,
    pub manifest_size: u64,
    /// The `org.opencontainers.image.created` annotation, else the config's `created`, else the
    /// registry's time (the issue's order, on every registry).
    pub created: Option<String>,
    /// When the registry recorded the manifest (ACR `createdTime`, Harbor `push_time`), where a
    /// listing API says: the push time, which `arbor purge --ago` ages by.
    pub registry_time: Option<String>,
    pub platform: Option<Platform>,
    /// Its `subject`, or the digest a cosign or fallback tag names.
    pub subject: Option<Digest>,
    /// An index's entries (platform manifests; for a fallback index, the referrers it lists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Digest>,
    /// For an attached manifest: the tag it hangs below.
    pub attached_to: Option<String>,
    /// For an attached manifest: the digests from the tagged manifest down to its parent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attached_path: Vec<Digest>,
    /// The registry refuses to delete or overwrite it (ACR `changeableAttributes`).
    pub locked: bool,
}

/// A repository's manifests, classified.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub repository: String,
    /// The registry listed every manifest (otherwise: only what tags lead to).
    pub complete: bool,
    pub source: ListingSource,
    pub registry_kind: RegistryKind,
    /// What the listing cannot show, in one sentence (always set when not complete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Sorted by digest.
    pub manifests: Vec<InventoryManifest>,
    pub dangling_tags: Vec<DanglingTag>,
    pub stale_fallback_indexes: Vec<StaleFallbackIndex>,
    /// Metadata that could not be read (an image config), one line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The walk stopped at this many levels: something hangs deeper, unlisted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth_limited: Option<usize>,
}

impl Inventory {
    /// The manifest with this digest, if arbor knows of it.
    pub fn get(&self, digest: &Digest) -> Option<&InventoryManifest> {
        self.manifests
            .binary_search_by(|m| m.digest.cmp(digest))
            .ok()
            .map(|i| &self.manifests[i])
    }

    /// The manifests of one class.
    pub fn of_class(&self, class: Class) -> impl Iterator<Item = &InventoryManifest> {
        self.manifests.iter().filter(move |m| m.class == class)
    }

    /// Where the listing came from and whether it is complete, in one line for a header or a
    /// title; a reachable-only listing says so with the registry kind and [`REACHABLE_ONLY`].
    pub fn headline(&self) -> String {
        if self.complete {
            format!("{}, complete", self.source)
        } else {
            format!(
                "reachable only ({} registry): {REACHABLE_ONLY}",
                self.registry_kind
            )
        }
    }

    /// Every tag with the manifest it points at (dangling tags left out), sorted by tag.
    pub fn tags(&self) -> Vec<(&str, &InventoryManifest)> {
        let mut t: Vec<(&str, &InventoryManifest)> = self
            .manifests
            .iter()
            .flat_map(|m| m.tags.iter().map(move |t| (t.as_str(), m)))
            .collect();
        t.sort_by(|a, b| a.0.cmp(b.0));
        t
    }

    /// What a tag on `m` is: a `sha256-<hex>` tag counts as a fallback tag only on a fallback
    /// index, as the classifier counts it.
    pub fn tag_role(tag: &str, m: &InventoryManifest) -> TagRole {
        match TagRole::of(tag) {
            TagRole::Fallback(_) if m.kind != Kind::FallbackIndex => TagRole::Plain,
            r => r,
        }
    }
}

/// Takes the inventory of `repo`: the store's complete listing where it has one (ACR, Harbor, an
/// OCI layout), else everything tags, referrers and fallback indexes lead to.
pub async fn inventory(
    store: &dyn Store,
    repo: &str,
    opts: &InventoryOptions,
) -> Result<Inventory> {
    let registry_kind = store.registry_kind().await?;
    let listing = store.manifest_listing(repo).await?;
    let (graph, warnings) = collect::collect(store, repo, listing.as_ref(), opts).await?;
    let (complete, source, caveat) = match &listing {
        Some(l) => (l.complete, l.source, l.caveat.clone()),
        None => (false, ListingSource::Reachable, None),
    };
    let note = if complete {
        caveat
    } else {
        Some(REACHABLE_ONLY.to_string())
    };
    let mut inv = assemble(repo, &graph, complete, source, registry_kind, note);
    inv.warnings = warnings;
    inv.depth_limited = graph.depth_limited;
    Ok(inv)
}

/// Builds the inventory from a collected graph (classification plus per-manifest facts).
pub fn assemble(
    repo: &str,
    g: &RawGraph,
    complete: bool,
    source: ListingSource,
    registry_kind: RegistryKind,
    note: Option<String>,
) -> Inventory {
    let c = classify::classify(g);
    // The platform an index gives each entry (fallback indexes list referrers, not platforms).
    let mut entry_platform: HashMap<&Digest, &Platform> = HashMap::new();
    for (d, n) in &g.nodes {
        if n.manifest.is_index() && !c.fallback.contains_key(d) {
            for e in &n.manifest.manifests {
                if let Some(p) = &e.platform {
                    entry_platform.entry(&e.digest).or_insert(p);
                }
            }
        }
    }
    let mut sizes: HashMap<Digest, Option<u64>> = HashMap::new();
    let manifests = g
        .nodes
        .iter()
        .map(|(d, n)| {
            let m = &n.manifest;
            let listed = n.listed.as_ref();
            let cosign = c.cosign.get(d);
            let attached = c.attached.get(d);
            InventoryManifest {
                digest: d.clone(),
                class: c.class.get(d).copied().unwrap_or(Class::Untagged),
                kind: kind::kind_of(m, cosign.map(|x| x.0), c.fallback.contains_key(d)),
                tags: c.tags_of.get(d).cloned().unwrap_or_default(),
                media_type: Some(m.media_type())
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .or_else(|| listed.and_then(|l| l.media_type.clone()))
                    .unwrap_or_default(),
                artifact_type: kind::artifact_type(m),
                // A fallback index lists referrers, not the parts of an image.
                image_size: (!c.fallback.contains_key(d))
                    .then(|| image_size(g, d, &mut sizes, 0))
                    .flatten(),
                manifest_size: n.size,
                created: m
                    .created()
                    .map(str::to_string)
                    .or_else(|| n.config.as_ref().and_then(|c| c.created.clone()))
                    .or_else(|| listed.and_then(|l| l.created.clone())),
                registry_time: listed.and_then(|l| l.created.clone()),
                platform: entry_platform
                    .get(d)
                    .map(|p| (*p).clone())
                    .or_else(|| n.config.as_ref().and_then(|c| c.platform.clone()))
                    .or_else(|| listed.and_then(|l| l.platform.clone())),
                subject: m
                    .subject
                    .as_ref()
                    .map(|s| s.digest.clone())
                    .or_else(|| cosign.map(|x| x.1.clone()))
                    .or_else(|| c.fallback.get(d).cloned()),
                children: m.manifests.iter().map(|e| e.digest.clone()).collect(),
                attached_to: attached.map(|a| a.tag.clone()),
                attached_path: attached.map(|a| a.path.clone()).unwrap_or_default(),
                locked: listed.and_then(|l| l.locks).is_some_and(|l| l.locked()),
            }
        })
        .collect();
    Inventory {
        repository: repo.to_string(),
        complete,
        source,
        registry_kind,
        note,
        manifests,
        dangling_tags: c.dangling,
        stale_fallback_indexes: c.stale,
        warnings: Vec::new(),
        depth_limited: None,
    }
}

/// Indexes nest at most this deep for size sums (a cycle of indexes ends here).
const MAX_INDEX_DEPTH: usize = 16;

/// Config + layers (or an ORAS artifact's blobs); for an index, the sum over its entries.
fn image_size(
    g: &RawGraph,
    d: &Digest,
    memo: &mut HashMap<Digest, Option<u64>>,
    depth: usize,
) -> Option<u64> {
    if let Some(s) = memo.get(d) {
        return *s;
    }
    let n = g.nodes.get(d)?;
    if depth > MAX_INDEX_DEPTH {
        return None;
    }
    // One rule for every front end (the TUI's SIZE column too): graph::size.
    let size = super::size::image_size(&n.manifest, &mut |c| image_size(g, c, memo, depth + 1));
    memo.insert(d.clone(), size);
    size
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::{ListedManifest, Locks};
    use crate::oci::media;
    use crate::oci::{Descriptor, Manifest};

    fn desc(d: &Digest, t: &str, size: i64, platform: Option<Platform>) -> Descriptor {
        Descriptor {
            media_type: t.into(),
            digest: d.clone(),
            size,
            artifact_type: None,
            annotations: None,
            platform,
            urls: None,
        }
    }

    #[test]
    fn sizes_platforms_created_and_locks_come_from_the_right_place() {
        let (idx, amd, arm, cfg, layer) = (
            Digest::sha256_of(b"i"),
            Digest::sha256_of(b"a"),
            Digest::sha256_of(b"r"),
            Digest::sha256_of(b"c"),
            Digest::sha256_of(b"l"),
        );
        let plat = |a: &str| Platform {
            architecture: a.into(),
            os: "linux".into(),
            variant: None,
            os_version: None,
        };
        let image = Manifest {
            media_type: Some(media::OCI_MANIFEST.into()),
            config: Some(desc(&cfg, media::OCI_CONFIG, 100, None)),
            layers: vec![desc(
                &layer,
                "application/vnd.oci.image.layer.v1.tar+gzip",
                1000,
                None,
            )],
            ..Default::default()
        };
        let mut g = RawGraph::default();
        let node = |m: Manifest, listed: Option<ListedManifest>| classify::RawNode {
            manifest: m,
            size: 500,
            listed,
            config: Some(classify::ConfigFacts {
                created: Some("2024-01-01T00:00:00Z".into()),
                platform: Some(plat("from-config")),
            }),
        };
        let mut locked = ListedManifest::new(idx.clone());
        locked.locks = Some(Locks {
            delete_enabled: false,
            write_enabled: true,
            read_enabled: true,
            list_enabled: true,
        });
        locked.created = Some("2025-05-05T00:00:00Z".into());
        let index = Manifest {
            media_type: Some(media::OCI_INDEX.into()),
            manifests: vec![
                desc(&amd, media::OCI_MANIFEST, 500, Some(plat("amd64"))),
                desc(&arm, media::OCI_MANIFEST, 500, Some(plat("arm64"))),
            ],
            ..Default::default()
        };
        let mut idx_node = node(index, Some(locked));
        idx_node.config = None;
        g.nodes.insert(idx.clone(), idx_node);
        let mut pushed = ListedManifest::new(amd.clone());
        pushed.created = Some("2026-06-06T00:00:00Z".into());
        g.nodes
            .insert(amd.clone(), node(image.clone(), Some(pushed)));
        g.nodes.insert(arm.clone(), node(image, None));
        g.tags.insert("v1".into(), Some(idx.clone()));
        let inv = assemble("r", &g, true, ListingSource::Acr, RegistryKind::Acr, None);
        let i = inv.get(&idx).unwrap();
        assert_eq!(i.image_size, Some(2200), "sum over the children");
        assert_eq!(i.manifest_size, 500);
        assert!(i.locked);
        assert_eq!(
            i.created.as_deref(),
            Some("2025-05-05T00:00:00Z"),
            "an index has no config: the registry's"
        );
        assert_eq!(i.registry_time.as_deref(), Some("2025-05-05T00:00:00Z"));
        assert_eq!(i.kind, Kind::Index);
        let a = inv.get(&amd).unwrap();
        assert_eq!(a.image_size, Some(1100));
        assert_eq!(
            a.platform.as_ref().unwrap().architecture,
            "amd64",
            "index entry first"
        );
        assert_eq!(
            a.created.as_deref(),
            Some("2024-01-01T00:00:00Z"),
            "the config's before the registry's"
        );
        assert_eq!(a.registry_time.as_deref(), Some("2026-06-06T00:00:00Z"));
        assert_eq!(a.class, Class::Attached);
        assert_eq!(a.attached_to.as_deref(), Some("v1"));
        assert!(!a.locked);
        let v = serde_json::to_value(&inv).unwrap();
        assert_eq!(v["source"], "acr");
        assert_eq!(v["registryKind"], "acr");
        assert_eq!(v["manifests"].as_array().map(Vec::len), Some(3));
        let arm_json = v["manifests"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["digest"] == arm.to_string()))
            .unwrap();
        assert!(
            arm_json["registryTime"].is_null(),
            "the key is always there"
        );
        assert!(v["danglingTags"].as_array().unwrap().is_empty());
        assert!(v["staleFallbackIndexes"].as_array().unwrap().is_empty());
    }
}
