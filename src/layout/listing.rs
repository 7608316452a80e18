//! Every manifest an OCI layout holds: the blobs that are manifests (tagged in index.json or
//! not), which is a complete listing of the layout's one repository. Blocking: callers run it
//! on the blocking pool.
use super::files::read_regular;
use super::{layout_what, read_index, read_tag_entries, MAX_SCAN_ENTRIES};
use crate::listing::{ListedManifest, ListingSource, ManifestListing};
use crate::oci::{media, Digest, Manifest};
use crate::store::{Result, StoreError, MAX_MANIFEST_BYTES};
use std::collections::HashMap;
use std::path::Path;

/// A manifest blob found in the layout: digest, size, parsed form.
pub(super) struct ManifestBlob {
    pub digest: Digest,
    pub size: u64,
    pub manifest: Manifest,
}

/// Every regular blob small enough to be a manifest that parses as one and matches its digest
/// (at most [`MAX_SCAN_ENTRIES`] directory entries are looked at).
pub(super) fn manifest_blobs(root: &Path) -> Result<Vec<ManifestBlob>> {
    let dir = root.join("blobs").join("sha256");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(StoreError::Io {
                what: layout_what(root),
                source: e,
            })
        }
    };
    let mut out = Vec::new();
    for (n, entry) in entries.flatten().enumerate() {
        if n >= MAX_SCAN_ENTRIES {
            return Err(StoreError::TooLarge {
                what: format!("manifest scan of {}", dir.display()),
                size: n as u64,
                limit: MAX_SCAN_ENTRIES as u64,
            });
        }
        // DirEntry::metadata does not follow symlinks: only plain files are scanned.
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() || meta.len() > MAX_MANIFEST_BYTES as u64 || meta.len() < 2 {
            continue;
        }
        let Ok(digest) =
            format!("sha256:{}", entry.file_name().to_string_lossy()).parse::<Digest>()
        else {
            continue;
        };
        let Ok(bytes) = read_regular(&entry.path(), MAX_MANIFEST_BYTES as u64, "") else {
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
pub(super) fn listing(root: &Path) -> Result<ManifestListing> {
    let mut named: HashMap<Digest, Vec<String>> = HashMap::new();
    for (tag, d) in read_tag_entries(root)? {
        named.entry(d.digest).or_default().push(tag);
    }
    let platforms: HashMap<Digest, crate::oci::Platform> = read_index(root)?
        .manifests
        .into_iter()
        .filter_map(|d| Some((d.digest, d.platform?)))
        .collect();
    let entries = manifest_blobs(root)?
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
