//! Every manifest an OCI layout holds: the blobs that are manifests (tagged in index.json or
//! not), which is a complete listing of the layout's one repository.
use super::LayoutStore;
use crate::listing::{ListedManifest, ListingSource, ManifestListing};
use crate::oci::{media, Digest, Manifest};
use crate::store::{Result, StoreError, MAX_MANIFEST_BYTES};
use std::collections::HashMap;

/// A manifest blob found in the layout: digest, size, parsed form.
pub(super) struct ManifestBlob {
    pub digest: Digest,
    pub size: u64,
    pub manifest: Manifest,
}

impl LayoutStore {
    /// Every blob small enough to be a manifest that parses as one and matches its digest.
    pub(super) fn manifest_blobs(&self) -> Result<Vec<ManifestBlob>> {
        let dir = self.root.join("blobs").join("sha256");
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(StoreError::Io {
                    what: self.what(),
                    source: e,
                })
            }
        };
        let mut out = Vec::new();
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES as u64 || meta.len() < 2 {
                continue;
            }
            let Ok(digest) =
                format!("sha256:{}", entry.file_name().to_string_lossy()).parse::<Digest>()
            else {
                continue;
            };
            let Ok(bytes) = std::fs::read(entry.path()) else {
                continue;
            };
            if bytes.first() != Some(&b'{') || !digest.verifies(&bytes) {
                continue;
            }
            let Ok(manifest) = Manifest::parse(&bytes, None) else {
                continue;
            };
            if !media::is_manifest(manifest.media_type()) {
                continue;
            }
            out.push(ManifestBlob {
                digest,
                size: bytes.len() as u64,
                manifest,
            });
        }
        out.sort_by(|a, b| a.digest.cmp(&b.digest));
        Ok(out)
    }

    /// The layout's manifests with their index.json names and platforms.
    pub(super) fn listing(&self) -> Result<ManifestListing> {
        let mut named: HashMap<Digest, Vec<String>> = HashMap::new();
        for (tag, d) in self.tag_entries()?.iter() {
            named.entry(d.digest.clone()).or_default().push(tag.clone());
        }
        let platforms: HashMap<Digest, crate::oci::Platform> = self
            .index_entries()?
            .into_iter()
            .filter_map(|d| Some((d.digest, d.platform?)))
            .collect();
        let entries = self
            .manifest_blobs()?
            .into_iter()
            .map(|b| {
                let mut m = ListedManifest::new(b.digest.clone());
                m.media_type = Some(b.manifest.media_type().to_string());
                m.artifact_type = b.manifest.artifact_type.clone().filter(|t| !t.is_empty());
                m.config_media_type = b.manifest.config.as_ref().map(|c| c.media_type.clone());
                m.manifest_size = Some(b.size);
                m.tags = named.remove(&b.digest).unwrap_or_default();
                m.platform = platforms.get(&b.digest).cloned();
                m.subject = b.manifest.subject.as_ref().map(|s| s.digest.clone());
                m.children = b
                    .manifest
                    .manifests
                    .iter()
                    .map(|c| c.digest.clone())
                    .collect();
                m
            })
            .collect();
        Ok(ManifestListing {
            complete: true,
            source: ListingSource::OciLayout,
            entries,
            caveat: None,
        })
    }
}
