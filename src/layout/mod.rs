//! An OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`) behind
//! the same [`Store`] trait: tags from `index.json`, referrers by scanning manifests for `subject`.
mod listing;

use crate::listing::{ManifestListing, RegistryKind};
use crate::oci::{media, Descriptor, Digest, Manifest};
use crate::store::{
    filter_artifact_type, verify_manifest_bytes, ByteStream, FetchedManifest, Page, Referrers,
    ReferrersSource, Result, Store, StoreError, StoreInfo, StoreKind, MAX_MANIFEST_BYTES,
};
use bytes::Bytes;
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An OCI image layout on disk.
#[derive(Debug)]
pub struct LayoutStore {
    root: PathBuf,
    name: String,
    /// subject digest → referrer descriptors, built by one scan of the blobs.
    referrers: Mutex<Option<HashMap<Digest, Vec<Descriptor>>>>,
    /// Parsed tag list, kept until `invalidate` (index.json of a big layout is megabytes).
    tags: Mutex<Option<TagEntries>>,
}

/// Tags with the descriptors they point at, sorted by tag.
type TagEntries = std::sync::Arc<Vec<(String, Descriptor)>>;

impl LayoutStore {
    /// Opens a layout, checking `oci-layout` and `index.json` exist.
    pub fn open(root: impl AsRef<Path>) -> Result<Self> {
        let root = root.as_ref().to_path_buf();
        let what = format!("OCI layout {}", root.display());
        let marker = std::fs::read(root.join("oci-layout")).map_err(|e| StoreError::Io {
            what: what.clone(),
            source: e,
        })?;
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
            referrers: Mutex::new(None),
            tags: Mutex::new(None),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The one repository a layout holds is named after its directory.
    pub fn repository_name(&self) -> &str {
        &self.name
    }

    fn what(&self) -> String {
        format!("OCI layout {}", self.root.display())
    }

    fn blob_path(&self, d: &Digest) -> PathBuf {
        let alg = d.to_string();
        let alg = alg.split(':').next().unwrap_or("sha256");
        self.root.join("blobs").join(alg).join(d.hex())
    }

    fn index(&self) -> Result<Manifest> {
        // Read through a buffer, not whole: a big layout's index.json is megabytes.
        let file =
            std::fs::File::open(self.root.join("index.json")).map_err(|e| StoreError::Io {
                what: self.what(),
                source: e,
            })?;
        Manifest::from_reader(
            std::io::BufReader::with_capacity(64 * 1024, file),
            Some(media::OCI_INDEX),
        )
        .map_err(|e| StoreError::Invalid {
            what: format!("{}/index.json", self.what()),
            detail: e.to_string(),
        })
    }

    /// The tags: `org.opencontainers.image.ref.name` of index.json entries (the part after the last ':' for full refs).
    fn tag_entries(&self) -> Result<TagEntries> {
        if let Some(t) = self.tags.lock().ok().and_then(|g| g.clone()) {
            return Ok(t);
        }
        let t = std::sync::Arc::new(self.read_tag_entries()?);
        if let Ok(mut g) = self.tags.lock() {
            *g = Some(t.clone());
        }
        Ok(t)
    }

    fn read_tag_entries(&self) -> Result<Vec<(String, Descriptor)>> {
        let idx = self.index()?;
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

    /// Every manifest descriptor listed by index.json (tagged or not).
    pub fn index_entries(&self) -> Result<Vec<Descriptor>> {
        Ok(self.index()?.manifests)
    }

    fn read_manifest_blob(&self, d: &Digest) -> Result<Bytes> {
        let what = format!("manifest {d} in {}", self.what());
        let path = self.blob_path(d);
        let meta = std::fs::metadata(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound { what: what.clone() }
            } else {
                StoreError::Io {
                    what: what.clone(),
                    source: e,
                }
            }
        })?;
        if meta.len() > MAX_MANIFEST_BYTES as u64 {
            return Err(StoreError::TooLarge {
                what,
                size: meta.len(),
                limit: MAX_MANIFEST_BYTES as u64,
            });
        }
        let bytes = std::fs::read(&path).map_err(|e| StoreError::Io {
            what: what.clone(),
            source: e,
        })?;
        verify_manifest_bytes(&what, &bytes, d)?;
        Ok(Bytes::from(bytes))
    }

    /// Scans every manifest blob for a `subject`.
    fn scan_referrers(&self) -> Result<HashMap<Digest, Vec<Descriptor>>> {
        let mut map: HashMap<Digest, Vec<Descriptor>> = HashMap::new();
        for b in self.manifest_blobs()? {
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

    fn lookup(&self, reference: &str) -> Result<Digest> {
        if let Ok(d) = reference.parse::<Digest>() {
            return Ok(d);
        }
        self.tag_entries()?
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
        }
    }

    async fn repositories(&self, _cursor: Option<&str>, _n: usize) -> Result<Page> {
        Ok(Page {
            items: vec![self.name.clone()],
            next: None,
        })
    }

    async fn tags(&self, _repo: &str, cursor: Option<&str>, n: usize) -> Result<Page> {
        let tags = self.tag_entries()?;
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
        let digest = self.lookup(reference)?;
        let bytes = self.read_manifest_blob(&digest)?;
        let manifest = Manifest::parse(&bytes, None).map_err(|e| StoreError::Invalid {
            what: format!("manifest {digest}"),
            detail: e.to_string(),
        })?;
        let media_type = manifest.media_type().to_string();
        Ok(FetchedManifest::new(bytes, digest, media_type, manifest))
    }

    async fn blob_stream(&self, _repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        let what = format!("blob {} in {}", desc.digest, self.what());
        let path = self.blob_path(&desc.digest);
        let file = tokio::fs::File::open(&path).await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StoreError::NotFound { what: what.clone() }
            } else {
                StoreError::Io {
                    what: what.clone(),
                    source: e,
                }
            }
        })?;
        let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |r| {
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
        let mut guard = self.referrers.lock().map_err(|_| StoreError::Invalid {
            what: self.what(),
            detail: "internal lock poisoned".into(),
        })?;
        if guard.is_none() {
            *guard = Some(self.scan_referrers()?);
        }
        let mut descriptors = guard
            .as_ref()
            .and_then(|m| m.get(subject).cloned())
            .unwrap_or_default();
        filter_artifact_type(&mut descriptors, artifact_type);
        Ok(Referrers {
            descriptors,
            source: ReferrersSource::Layout,
        })
    }

    async fn manifest_listing(&self, _repo: &str) -> Result<Option<ManifestListing>> {
        Ok(Some(self.listing()?))
    }

    async fn registry_kind(&self) -> Result<RegistryKind> {
        Ok(RegistryKind::OciLayout)
    }

    fn referrers_source(&self, _repo: &str) -> Option<ReferrersSource> {
        Some(ReferrersSource::Layout)
    }

    fn invalidate(&self, _repo: &str) {
        if let Ok(mut g) = self.referrers.lock() {
            *g = None;
        }
        if let Ok(mut g) = self.tags.lock() {
            *g = None;
        }
    }
}
