//! The layout's garbage collect: a blob stays when anything still references it — an entry of
//! index.json, the content (config, layers, index entries) of a manifest that stays, or a
//! referrer whose subject stays (arbor finds referrers by scanning, so one not listed in
//! index.json is still part of its subject's graph). Everything else in `blobs/` goes.
use super::index_file::digest_of;
use super::{blob_path, layout_what, MAX_SCAN_ENTRIES};
use crate::oci::{Digest, Manifest};
use crate::store::{Result, StoreError};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// What one manifest blob links to.
#[derive(Debug, Clone, Default)]
pub struct Links {
    /// Config, layers, legacy blobs and index entries.
    pub content: Vec<Digest>,
    pub subject: Option<Digest>,
}

impl Links {
    pub fn of(m: &Manifest) -> Links {
        Links {
            content: m
                .config
                .iter()
                .chain(m.layers.iter())
                .chain(m.blobs.iter())
                .chain(m.manifests.iter())
                .map(|d| d.digest.clone())
                .collect(),
            subject: m.subject.as_ref().map(|s| s.digest.clone()),
        }
    }
}

/// Every blob file (digest, path, size), regular files only, bounded in number.
pub fn blob_files(root: &Path) -> Result<Vec<(Digest, PathBuf, u64)>> {
    let mut out = Vec::new();
    let blobs = root.join("blobs");
    let algs = match std::fs::read_dir(&blobs) {
        Ok(a) => a,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => {
            return Err(StoreError::Io {
                what: layout_what(root),
                source: e,
            })
        }
    };
    for alg in algs.flatten() {
        let Ok(entries) = std::fs::read_dir(alg.path()) else {
            continue;
        };
        for e in entries.flatten() {
            if out.len() >= MAX_SCAN_ENTRIES {
                return Err(StoreError::TooLarge {
                    what: format!("blobs of {}", layout_what(root)),
                    size: out.len() as u64,
                    limit: MAX_SCAN_ENTRIES as u64,
                });
            }
            let name = format!(
                "{}:{}",
                alg.file_name().to_string_lossy(),
                e.file_name().to_string_lossy()
            );
            let (Ok(digest), Ok(meta)) = (name.parse::<Digest>(), e.metadata()) else {
                continue;
            };
            if meta.is_file() {
                out.push((digest, e.path(), meta.len()));
            }
        }
    }
    Ok(out)
}

/// The links of every blob that is a manifest (verified, bounded: see `listing::manifest_blobs`).
pub fn manifest_links(root: &Path) -> Result<HashMap<Digest, Links>> {
    Ok(super::listing::manifest_blobs(root)?
        .into_iter()
        .map(|b| (b.digest, Links::of(&b.manifest)))
        .collect())
}

/// The digests still referenced: from index.json's entries through content, and referrers of
/// anything kept, to a fixed point.
pub fn reachable(roots: Vec<Digest>, links: &HashMap<Digest, Links>) -> HashSet<Digest> {
    let mut by_subject: HashMap<&Digest, Vec<&Digest>> = HashMap::new();
    for (d, l) in links {
        if let Some(s) = &l.subject {
            by_subject.entry(s).or_default().push(d);
        }
    }
    let mut kept: HashSet<Digest> = HashSet::new();
    let mut todo = roots;
    while let Some(d) = todo.pop() {
        if !kept.insert(d.clone()) {
            continue;
        }
        if let Some(l) = links.get(&d) {
            todo.extend(l.content.iter().cloned());
        }
        if let Some(rs) = by_subject.get(&d) {
            todo.extend(rs.iter().map(|r| (*r).clone()));
        }
    }
    kept
}

/// Removes every blob nothing references; how many went and their bytes.
pub fn collect(root: &Path) -> Result<(usize, u64)> {
    let entries = super::index_file::edit(root, |m| {
        (false, m.iter().filter_map(digest_of).collect::<Vec<_>>())
    })?
    .1;
    let files = blob_files(root)?;
    let links = manifest_links(root)?;
    let kept = reachable(entries, &links);
    let (mut n, mut bytes) = (0, 0);
    for (d, path, len) in files {
        if kept.contains(&d) {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => {
                n += 1;
                bytes += len;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Io {
                    what: format!("garbage collect {}", path.display()),
                    source: e,
                })
            }
        }
        debug_assert_eq!(path, blob_path(root, &d));
    }
    Ok((n, bytes))
}
