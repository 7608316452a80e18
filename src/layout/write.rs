//! Writing to a layout: blobs streamed into a temporary file, verified, then renamed into
//! place; manifests recorded in index.json (tagged, or untagged as oras records referrers, so
//! `oras discover --oci-layout` finds them); tags and manifests removed. One writer at a time
//! (the write lock); file work on the blocking pool; reads and writes bounded.
use super::files::blocking;
use super::gc::{manifest_links, Links};
use super::index_file::{self, digest_of, tag_of};
use super::{blob_path, layout_what, LayoutStore};
use crate::oci::{media, Descriptor, Digest, Manifest};
use crate::store::{verify_stream, ByteStream, PutManifest, Result, StoreError};
use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// Which manifests name each digest as content (config, layer, index entry).
pub type Parents = HashMap<Digest, HashSet<Digest>>;

/// True when the directory can be written: not on a read-only filesystem, and permitted.
pub fn dir_writable(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: a valid NUL-terminated path; access only reads it.
        unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(dir).is_ok_and(|m| !m.permissions().readonly())
    }
}

/// The index.json entry for a manifest: its descriptor; a referrer also carries its artifact
/// type and annotations (what oras records and reads back); a tag goes in `ref.name`.
fn entry_for(digest: &Digest, media_type: &str, bytes: &[u8], tag: Option<&str>) -> Value {
    let mut e = json!({"mediaType": media_type, "digest": digest.to_string(), "size": bytes.len()});
    let mut annotations = serde_json::Map::new();
    if let Ok(m) = Manifest::parse(bytes, Some(media_type)) {
        if m.subject.is_some() {
            if let Some(t) = m.effective_artifact_type() {
                e["artifactType"] = json!(t);
            }
            for (k, v) in m.annotations.iter().flatten() {
                annotations.insert(k.clone(), json!(v));
            }
        }
    }
    if let Some(t) = tag {
        annotations.insert(media::ANN_REF_NAME.into(), json!(t));
    }
    if !annotations.is_empty() {
        e["annotations"] = Value::Object(annotations);
    }
    e
}

impl LayoutStore {
    fn check_writable(&self, what: &str) -> Result<()> {
        if crate::store::Store::writable(self) {
            Ok(())
        } else {
            Err(StoreError::Unsupported {
                what: what.to_string(),
                detail: format!(
                    "{} is read-only (opened read-only, a read-only filesystem, or no write permission)",
                    self.root.display()
                ),
            })
        }
    }

    /// True when the blob is there as a regular file (a symlink in its place is no blob: reads
    /// refuse it, and a write replaces it).
    pub(super) async fn has_blob(&self, d: &Digest) -> Result<bool> {
        let path = blob_path(&self.root, d);
        Ok(tokio::fs::symlink_metadata(&path)
            .await
            .is_ok_and(|m| m.file_type().is_file()))
    }

    /// Writes a blob from a stream, verified: into a temporary file next to its place, renamed
    /// there only when every byte matched (a partial or wrong blob never gets its name).
    pub(super) async fn write_blob(&self, desc: &Descriptor, stream: ByteStream) -> Result<()> {
        let what = format!("blob {} in {}", desc.digest, layout_what(&self.root));
        self.check_writable(&what)?;
        if self.has_blob(&desc.digest).await? {
            return Ok(());
        }
        let path = blob_path(&self.root, &desc.digest);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let w = what.clone();
        let (file, tmp) = blocking(&what, move || {
            let io = |e| StoreError::Io {
                what: w.clone(),
                source: e,
            };
            std::fs::create_dir_all(&dir).map_err(io)?;
            let t = tempfile::Builder::new()
                .prefix(".arbor-blob-")
                .tempfile_in(&dir)
                .map_err(io)?;
            Ok(t.into_parts())
        })
        .await?;
        let io = |e| StoreError::Io {
            what: what.clone(),
            source: e,
        };
        let mut out = tokio::fs::File::from_std(file);
        let mut verified = verify_stream(stream, desc, &what);
        while let Some(chunk) = verified.next().await {
            out.write_all(&chunk?).await.map_err(io)?;
        }
        out.flush().await.map_err(io)?;
        drop(out);
        blocking(&what, move || {
            let io = |e| StoreError::Io {
                what: format!("blob {}", path.display()),
                source: e,
            };
            index_file::readable_by_all(&tmp).map_err(io)?;
            tmp.persist(&path).map_err(|e| io(e.error))
        })
        .await
    }

    /// Stores manifest bytes and records them in index.json under `reference` (a tag, or their
    /// digest for an untagged entry).
    pub(super) async fn write_manifest(
        &self,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<PutManifest> {
        let what = format!("manifest {reference} in {}", layout_what(&self.root));
        self.check_writable(&what)?;
        crate::store::check_manifest_size(&what, bytes.len())?;
        let digest = Digest::sha256_of(&bytes);
        let tag = match reference.parse::<Digest>() {
            Ok(d) if d == digest => None,
            Ok(d) => {
                return Err(StoreError::DigestMismatch {
                    what,
                    expected: d.to_string(),
                    actual: digest.to_string(),
                })
            }
            Err(_) => {
                crate::tag::check_tag(reference).or_else(|e| {
                    // Fallback and cosign tag names are written by copies, never by hand.
                    if crate::oci::tags::is_hidden_tag(reference) {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
                Some(reference.to_string())
            }
        };
        let desc = Descriptor {
            media_type: media_type.to_string(),
            digest: digest.clone(),
            size: bytes.len() as i64,
            ..Descriptor::empty()
        };
        let _guard = self.write_lock.lock().await;
        let body = bytes.clone();
        self.write_blob(
            &desc,
            futures::stream::once(async move { Ok(body) }).boxed(),
        )
        .await?;
        let entry = entry_for(&digest, media_type, &bytes, tag.as_deref());
        let (root, d) = (self.root.clone(), digest.clone());
        blocking(&what, move || {
            index_file::edit(&root, |entries| {
                let before = entries.len();
                match &tag {
                    Some(t) => {
                        // The tag moves here; an untagged entry of this manifest is now redundant.
                        entries.retain(|e| {
                            tag_of(e) != Some(t.as_str())
                                && !(digest_of(e).as_ref() == Some(&d) && tag_of(e).is_none())
                        });
                        entries.push(entry);
                        true
                    }
                    None if entries.iter().any(|e| digest_of(e).as_ref() == Some(&d)) => false,
                    None => {
                        entries.push(entry);
                        entries.len() != before
                    }
                }
            })
        })
        .await?;
        if let Ok(mut p) = self.parents.lock() {
            if let (Some(map), Ok(m)) = (p.as_mut(), Manifest::parse(&bytes, Some(media_type))) {
                for c in Links::of(&m).content {
                    map.entry(c).or_default().insert(digest.clone());
                }
            }
        }
        self.forget_reads();
        Ok(PutManifest {
            digest,
            oci_subject: None,
        })
    }

    /// Which manifests name each digest as content, from one scan (kept until `invalidate`).
    async fn parents_map(&self) -> Result<()> {
        if self.parents.lock().map(|p| p.is_some()).unwrap_or(false) {
            return Ok(());
        }
        let root = self.root.clone();
        let map = blocking(&layout_what(&self.root), move || {
            let links = manifest_links(&root)?;
            let mut map = Parents::new();
            for (d, l) in links {
                for c in l.content {
                    map.entry(c).or_default().insert(d.clone());
                }
            }
            Ok(map)
        })
        .await?;
        if let Ok(mut p) = self.parents.lock() {
            *p = Some(map);
        }
        Ok(())
    }

    /// Deletes a manifest: its index.json entries (and tags) go, and its blob too unless
    /// another manifest still names it as content (an index entry).
    pub(super) async fn remove_manifest(&self, digest: &Digest) -> Result<()> {
        let what = format!("delete of {digest} in {}", layout_what(&self.root));
        self.check_writable(&what)?;
        let _guard = self.write_lock.lock().await;
        self.parents_map().await?;
        let (root, d) = (self.root.clone(), digest.clone());
        let listed = blocking(&what, move || {
            index_file::edit(&root, |entries| {
                let before = entries.len();
                entries.retain(|e| digest_of(e).as_ref() != Some(&d));
                entries.len() != before
            })
        })
        .await?;
        let content = match self.read_blob_links(digest).await {
            Ok(l) => Some(l),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        if !listed && content.is_none() {
            return Err(StoreError::NotFound { what });
        }
        let still_named = self
            .parents
            .lock()
            .ok()
            .and_then(|p| {
                p.as_ref()?
                    .get(digest)
                    .map(|s| s.iter().any(|p| p != digest))
            })
            .unwrap_or(false);
        if !still_named {
            if let Some(links) = content {
                let path = blob_path(&self.root, digest);
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(StoreError::Io { what, source: e }),
                }
                if let Ok(mut p) = self.parents.lock() {
                    if let Some(map) = p.as_mut() {
                        for c in links.content {
                            if let Some(s) = map.get_mut(&c) {
                                s.remove(digest);
                            }
                        }
                    }
                }
            }
        }
        self.forget_reads();
        Ok(())
    }

    async fn read_blob_links(&self, d: &Digest) -> Result<Links> {
        let f = crate::store::Store::manifest(self, "", &d.to_string()).await?;
        Ok(Links::of(&f.manifest))
    }

    /// Removes one tag; the manifest stays listed (untagged) unless another entry lists it.
    pub(super) async fn remove_tag(&self, tag: &str) -> Result<()> {
        let what = format!("untag {tag} in {}", layout_what(&self.root));
        self.check_writable(&what)?;
        let _guard = self.write_lock.lock().await;
        let (root, t) = (self.root.clone(), tag.to_string());
        let found = blocking(&what, move || {
            index_file::edit(&root, |entries| {
                let Some(i) = entries.iter().position(|e| tag_of(e) == Some(t.as_str())) else {
                    return false;
                };
                let d = digest_of(&entries[i]);
                let listed_elsewhere = entries
                    .iter()
                    .enumerate()
                    .any(|(j, e)| j != i && digest_of(e) == d);
                if listed_elsewhere {
                    entries.remove(i);
                } else if let Some(a) = entries[i]
                    .get_mut("annotations")
                    .and_then(Value::as_object_mut)
                {
                    a.remove(media::ANN_REF_NAME);
                    if a.is_empty() {
                        entries[i].as_object_mut().map(|o| o.remove("annotations"));
                    }
                }
                true
            })
        })
        .await?;
        self.forget_reads();
        if found {
            Ok(())
        } else {
            Err(StoreError::NotFound { what })
        }
    }

    /// Removes unreferenced blobs (see `gc`).
    pub(super) async fn garbage_collect(&self) -> Result<(usize, u64)> {
        let what = format!("garbage collect {}", layout_what(&self.root));
        self.check_writable(&what)?;
        let _guard = self.write_lock.lock().await;
        let root = self.root.clone();
        let r = blocking(&what, move || super::gc::collect(&root)).await?;
        if let Ok(mut p) = self.parents.lock() {
            *p = None;
        }
        self.forget_reads();
        Ok(r)
    }
}
