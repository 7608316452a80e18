//! An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`) behind
//! the same [`Store`] trait: tags from `index.json`, referrers by scanning manifests for `subject`.
//! Only regular files are read, every read is bounded, and file work runs on the blocking pool.
mod files;
mod gc;
mod index_file;
mod listing;
mod write;

use crate::listing::{ManifestListing, RegistryKind};
use crate::oci::{media, Descriptor, Digest, Manifest};
use crate::store::{
    filter_artifact_type, verify_manifest_bytes, BlobSource, ByteStream, FetchedManifest, Page,
    PutManifest, Referrers, ReferrersSource, Result, Store, StoreError, StoreInfo, StoreKind,
    MAX_MANIFEST_BYTES,
};
use bytes::Bytes;
use files::{blocking, open_regular, read_regular, MAX_INDEX_BYTES, MAX_MARKER_BYTES};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// The referrers scan reads at most this many blob directory entries.
const MAX_SCAN_ENTRIES: usize = 1_000_000;

/// An OCI image layout on disk.
#[derive(Debug)]
pub struct LayoutStore {
    root: PathBuf,
    name: String,
    /// subject digest → referrer descriptors, built by one scan of the blobs (concurrent
    /// callers wait for the one scan; `invalidate` starts a new cell).
    referrers: Mutex<Arc<OnceCell<Arc<ReferrerMap>>>>,
    /// Parsed tag list, kept until `invalidate` (index.json of a big layout is megabytes).
    tags: Mutex<Arc<OnceCell<TagEntries>>>,
    /// One writer at a time edits index.json (in this process).
    write_lock: tokio::sync::Mutex<()>,
    /// Which manifests name each digest as content, once a delete needed it.
    parents: Mutex<Option<write::Parents>>,
    /// Opened for reading only (see [`LayoutStore::read_only`]), whatever the filesystem allows.
    read_only: bool,
}

type ReferrerMap = HashMap<Digest, Vec<Descriptor>>;

/// Tags with the descriptors they point at, sorted by tag.
type TagEntries = Arc<Vec<(String, Descriptor)>>;

/// The current cell of a cache (a poisoned lock still holds a usable cell).
fn cell<T>(m: &Mutex<Arc<OnceCell<T>>>) -> Arc<OnceCell<T>> {
    m.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

fn layout_what(root: &Path) -> String {
    format!("OCI layout {}", root.display())
}

fn blob_path(root: &Path, d: &Digest) -> PathBuf {
    let alg = d.to_string();
    let alg = alg.split(':').next().unwrap_or("sha256");
    root.join("blobs").join(alg).join(d.hex())
}

/// index.json, streamed from a regular file of bounded size.
fn read_index(root: &Path) -> Result<Manifest> {
    let what = format!("{}/index.json", layout_what(root));
    let (file, len) =
        open_regular(&root.join("index.json")).map_err(|e| e.into_store(what.clone()))?;
    if len > MAX_INDEX_BYTES {
        return Err(StoreError::TooLarge {
            what,
            size: len,
            limit: MAX_INDEX_BYTES,
        });
    }
    use std::io::Read;
    Manifest::from_reader(
        std::io::BufReader::with_capacity(64 * 1024, file.take(MAX_INDEX_BYTES)),
        Some(media::OCI_INDEX),
    )
    .map_err(|e| StoreError::Invalid {
        what,
        detail: e.to_string(),
    })
}

/// The tags: `org.opencontainers.image.ref.name` of index.json entries (the part after the last ':' for full refs).
fn read_tag_entries(root: &Path) -> Result<Vec<(String, Descriptor)>> {
    let idx = read_index(root)?;
    let mut out: Vec<(String, Descriptor)> = idx
        .manifests
        .into_iter()
        .filter_map(|mut d| {
            let name = d.annotations.as_mut()?.remove(media::ANN_REF_NAME)?;
            // The name is the tag now; an emptied map is not kept (50,000 of them add up).
            if d.annotations.as_ref().is_some_and(|a| a.is_empty()) {
                d.annotations = None;
            }
            let tag = match name.rsplit_once(':') {
                Some((left, t)) if !t.contains('/') && !left.is_empty() => t.to_string(),
                _ => name,
            };
            Some((tag, d))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

fn read_manifest_blob(root: &Path, d: &Digest) -> Result<Bytes> {
    let what = format!("manifest {d} in {}", layout_what(root));
    let bytes = read_regular(&blob_path(root, d), MAX_MANIFEST_BYTES as u64, &what)?;
    verify_manifest_bytes(&what, &bytes, d)?;
    Ok(Bytes::from(bytes))
}

/// Scans every manifest blob for a `subject`.
fn scan_referrers(root: &Path) -> Result<ReferrerMap> {
    let mut map = ReferrerMap::new();
    for b in listing::manifest_blobs(root)? {
        let m = b.manifest;
        let Some(subject) = m.subject.clone() else {
            continue;
        };
        map.entry(subject.digest).or_default().push(Descriptor {
            media_type: m.media_type().to_string(),
            digest: b.digest,
            size: b.size as i64,
            artifact_type: m.effective_artifact_type(),
            annotations: m.annotations.clone().filter(|a| !a.is_empty()),
            platform: None,
            urls: None,
        });
    }
    for v in map.values_mut() {
        v.sort_by(|a, b| a.digest.cmp(&b.digest));
    }
    Ok(map)
}

impl LayoutStore {
    /// Opens a layout, checking `oci-layout` and `index.json` exist.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let what = layout_what(&root);
        let marker = read_regular(&root.join("oci-layout"), MAX_MARKER_BYTES, &what)?;
        let v: serde_json::Value =
            serde_json::from_slice(&marker).map_err(|e| StoreError::Invalid {
                what: what.clone(),
                detail: format!("oci-layout is not JSON: {e}"),
            })?;
        if v.get("imageLayoutVersion")
            .and_then(|x| x.as_str())
            .is_none()
        {
            return Err(StoreError::Invalid {
                what,
                detail: "oci-layout has no imageLayoutVersion".into(),
            });
        }
        let name = root
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "layout".into());
        Ok(LayoutStore {
            root,
            name,
            referrers: Mutex::new(Arc::new(OnceCell::new())),
            tags: Mutex::new(Arc::new(OnceCell::new())),
            write_lock: tokio::sync::Mutex::new(()),
            parents: Mutex::new(None),
            read_only: false,
        })
    }

    /// The same layout with every write refused, as on a read-only filesystem (a layout to
    /// browse without the chance of changing it).
    pub fn read_only(mut self) -> Self {
        self.read_only = true;
        self
    }

    /// Opens a layout, creating an empty one (`oci-layout`, `index.json`) where there is none.
    pub fn open_or_create(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref();
        if !root.join("oci-layout").exists() {
            let io = |e| StoreError::Io {
                what: layout_what(root),
                source: e,
            };
            std::fs::create_dir_all(root.join("blobs").join("sha256")).map_err(io)?;
            if !root.join("index.json").exists() {
                let empty = format!(
                    r#"{{"schemaVersion":2,"mediaType":"{}","manifests":[]}}"#,
                    media::OCI_INDEX
                );
                index_file::replace(root, &root.join("index.json"), empty.as_bytes())?;
            }
            index_file::replace(
                root,
                &root.join("oci-layout"),
                br#"{"imageLayoutVersion":"1.0.0"}"#,
            )?;
        }
        Self::open(root)
    }

    /// Forgets what was read (tags, referrers): the layout changed.
    fn forget_reads(&self) {
        *self.referrers.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(OnceCell::new());
        *self.tags.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(OnceCell::new());
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The one repository a layout holds is named after its directory.
    pub fn repository_name(&self) -> &str {
        &self.name
    }

    fn what(&self) -> String {
        layout_what(&self.root)
    }

    async fn tag_entries(&self) -> Result<TagEntries> {
        let root = self.root.clone();
        let what = self.what();
        cell(&self.tags)
            .get_or_try_init(|| async move {
                blocking(&what, move || read_tag_entries(&root).map(Arc::new)).await
            })
            .await
            .cloned()
    }

    /// Every manifest descriptor listed by index.json (tagged or not).
    pub fn index_entries(&self) -> Result<Vec<Descriptor>> {
        Ok(read_index(&self.root)?.manifests)
    }

    async fn lookup(&self, reference: &str) -> Result<Digest> {
        if let Ok(d) = reference.parse::<Digest>() {
            return Ok(d);
        }
        self.tag_entries()
            .await?
            .iter()
            .find(|(t, _)| t == reference)
            .map(|(_, d)| d.digest.clone())
            .ok_or_else(|| StoreError::NotFound {
                what: format!("tag {reference} in {}", self.what()),
            })
    }
}

#[async_trait::async_trait]
impl Store for LayoutStore {
    fn info(&self) -> StoreInfo {
        StoreInfo {
            name: self.root.display().to_string(),
            kind: StoreKind::Layout,
            auth: "local".into(),
            listing: Some(crate::listing::ListingSource::OciLayout),
        }
    }

    async fn repositories(&self, _cursor: Option<&str>, _n: usize) -> Result<Page> {
        Ok(Page {
            items: vec![self.name.clone()],
            next: None,
        })
    }

    async fn tags(&self, _repo: &str, cursor: Option<&str>, n: usize) -> Result<Page> {
        let tags = self.tag_entries().await?;
        let start = cursor
            .map(|c| tags.partition_point(|(t, _)| t.as_str() <= c))
            .unwrap_or(0);
        let end = (start + n.max(1)).min(tags.len());
        let next = (end < tags.len()).then(|| tags[end - 1].0.clone());
        Ok(Page {
            items: tags[start..end].iter().map(|(t, _)| t.clone()).collect(),
            next,
        })
    }

    async fn resolve(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        Ok(self.manifest(repo, reference).await?.descriptor)
    }

    async fn manifest(&self, _repo: &str, reference: &str) -> Result<FetchedManifest> {
        let digest = self.lookup(reference).await?;
        let (root, d) = (self.root.clone(), digest.clone());
        let bytes = blocking(&self.what(), move || read_manifest_blob(&root, &d)).await?;
        let manifest = Manifest::parse(&bytes, None).map_err(|e| StoreError::Invalid {
            what: format!("manifest {digest}"),
            detail: e.to_string(),
        })?;
        let media_type = manifest.media_type().to_string();
        Ok(FetchedManifest::new(bytes, digest, media_type, manifest))
    }

    async fn blob_stream(&self, _repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        let what = format!("blob {} in {}", desc.digest, self.what());
        let path = blob_path(&self.root, &desc.digest);
        let w = what.clone();
        let file = blocking(&what, move || {
            open_regular(&path)
                .map(|(f, _)| f)
                .map_err(|e| e.into_store(w))
        })
        .await?;
        // Never more than the descriptor's size (+1, so a longer file is seen as too long).
        use tokio::io::AsyncReadExt;
        let bounded = tokio::fs::File::from_std(file).take(desc.size.max(0) as u64 + 1);
        let stream =
            tokio_util::io::ReaderStream::with_capacity(bounded, 256 * 1024).map(move |r| {
                r.map_err(|e| StoreError::Io {
                    what: what.clone(),
                    source: e,
                })
            });
        Ok(stream.boxed())
    }

    async fn referrers(
        &self,
        _repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers> {
        let (root, what) = (self.root.clone(), self.what());
        let map = cell(&self.referrers)
            .get_or_try_init(|| async move {
                blocking(&what, move || scan_referrers(&root).map(Arc::new)).await
            })
            .await?
            .clone();
        let mut descriptors = map.get(subject).cloned().unwrap_or_default();
        filter_artifact_type(&mut descriptors, artifact_type);
        Ok(Referrers {
            descriptors,
            source: ReferrersSource::Layout,
        })
    }

    async fn manifest_listing(&self, _repo: &str) -> Result<Option<ManifestListing>> {
        let root = self.root.clone();
        blocking(&self.what(), move || listing::listing(&root).map(Some)).await
    }

    async fn registry_kind(&self) -> Result<RegistryKind> {
        Ok(RegistryKind::OciLayout)
    }

    fn referrers_source(&self, _repo: &str) -> Option<ReferrersSource> {
        Some(ReferrersSource::Layout)
    }

    fn invalidate(&self, _repo: &str) {
        self.forget_reads();
        *self.parents.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Writable unless the directory is on a read-only filesystem (or not ours to write).
    fn writable(&self) -> bool {
        !self.read_only && write::dir_writable(&self.root)
    }

    async fn blob_exists(&self, _repo: &str, digest: &Digest) -> Result<bool> {
        self.has_blob(digest).await
    }

    async fn push_blob(&self, repo: &str, desc: &Descriptor, source: BlobSource) -> Result<bool> {
        if self.has_blob(&desc.digest).await? {
            return Ok(false);
        }
        let stream = match source {
            BlobSource::Bytes(b) => futures::stream::once(async move { Ok(b) }).boxed(),
            BlobSource::File(p) => {
                let what = format!("file {}", p.display());
                let f = tokio::fs::File::open(&p)
                    .await
                    .map_err(|e| StoreError::Io {
                        what: what.clone(),
                        source: e,
                    })?;
                tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024)
                    .map(move |r| {
                        r.map_err(|e| StoreError::Io {
                            what: what.clone(),
                            source: e,
                        })
                    })
                    .boxed()
            }
        };
        self.push_blob_stream(repo, desc, stream).await?;
        Ok(true)
    }

    async fn push_blob_stream(
        &self,
        _repo: &str,
        desc: &Descriptor,
        stream: ByteStream,
    ) -> Result<()> {
        self.write_blob(desc, stream).await
    }

    async fn put_manifest(
        &self,
        _repo: &str,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<PutManifest> {
        self.write_manifest(reference, media_type, bytes).await
    }

    async fn delete_manifest(&self, _repo: &str, digest: &Digest) -> Result<()> {
        self.remove_manifest(digest).await
    }

    async fn delete_tag(&self, _repo: &str, tag: &str) -> Result<()> {
        self.remove_tag(tag).await
    }

    async fn probe_delete(&self, repo: &str) -> Result<()> {
        if self.writable() {
            Ok(())
        } else {
            Err(StoreError::Unsupported {
                what: repo.to_string(),
                detail: format!("{} is read-only; nothing was changed", self.root.display()),
            })
        }
    }

    async fn collect_garbage(&self, _repo: &str) -> Result<Option<(usize, u64)>> {
        self.garbage_collect().await.map(Some)
    }
}
