//! The one trait both stores implement: a remote registry and an OCI image layout directory.
//! Everything above this line (graph discovery, CLI, TUI) talks to a `dyn Store`.
use crate::listing::{ListingSource, ManifestListing, RegistryKind};
use crate::oci::{Descriptor, Digest, Manifest};
use bytes::Bytes;
use futures::stream::BoxStream;
use std::fmt;

pub mod verified;
pub use verified::verify_stream;

/// Manifests larger than this are refused (the distribution spec's suggested limit).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// No listing follows more pages than this.
pub const MAX_PAGES: usize = 10_000;
/// No listing holds more bytes of names than this, whatever its entry cap.
pub const MAX_LISTING_BYTES: usize = 64 << 20;

/// How many entries a listing may bring: a registry whose pages never end stops here, said
/// as an error (never a silently shortened list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Tags of one repository (`--max-tags`).
    pub tags: usize,
    /// Repositories of one catalog (`--max-repos`).
    pub repositories: usize,
    /// Referrers of one subject (`--max-referrers`).
    pub referrers: usize,
}

impl Limits {
    pub const DEFAULT_TAGS: usize = 100_000;
    pub const DEFAULT_REPOSITORIES: usize = 100_000;
    pub const DEFAULT_REFERRERS: usize = 10_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tags: Self::DEFAULT_TAGS,
            repositories: Self::DEFAULT_REPOSITORIES,
            referrers: Self::DEFAULT_REFERRERS,
        }
    }
}

/// Errors from any store. Messages say what failed and on what.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what}: not found")]
    NotFound { what: String },
    #[error("{what}: authentication required or refused ({detail})")]
    Unauthorized { what: String, detail: String },
    #[error("{what}: access denied ({detail})")]
    Denied { what: String, detail: String },
    #[error("{what}: registry answered {status}: {detail}")]
    Status {
        what: String,
        status: u16,
        detail: String,
    },
    #[error(
        "{what}: digest mismatch: expected {expected}, content hashes to {actual}; refusing it"
    )]
    DigestMismatch {
        what: String,
        expected: String,
        actual: String,
    },
    #[error("{what}: too large ({size} bytes; limit {limit})")]
    TooLarge { what: String, size: u64, limit: u64 },
    /// A listing went past its entry cap (`flag` raises it).
    #[error("{what}: more than {limit} entries; stopped there ({flag} raises the limit)")]
    TooMany {
        what: String,
        limit: usize,
        flag: &'static str,
    },
    /// No (complete) answer in time; `detail` says which limit.
    #[error("{what}: timed out ({detail})")]
    TimedOut { what: String, detail: String },
    #[error("{what}: {detail}")]
    Invalid { what: String, detail: String },
    #[error("{what}: {detail}")]
    Unsupported { what: String, detail: String },
    #[error("{what}: {source}")]
    Transport {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, StoreError::NotFound { .. })
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, StoreError::TimedOut { .. })
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An error and its causes on one line, each said once: a cause whose text the line already
/// holds (a transport error quotes its whole chain) is not repeated. The CLI's `arbor: error:`
/// line and the TUI's flash line both come from here.
pub fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !t.is_empty() && !out.contains(&t) {
            out.push_str(": ");
            out.push_str(&t);
        }
        src = s.source();
    }
    out.replace('\n', " ")
}

/// One page of a listing; `next` is the cursor for the following page.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub items: Vec<String>,
    pub next: Option<String>,
}

/// How referrers were found — shown to the user, recorded on graph edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferrersSource {
    /// `GET /v2/<name>/referrers/<digest>` (OCI 1.1).
    ReferrersApi,
    /// The `sha256-<hex>` tag schema fallback.
    ReferrersTag,
    /// Scanning an OCI image layout's manifests for `subject`.
    Layout,
}

impl fmt::Display for ReferrersSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferrersSource::ReferrersApi => "referrers API",
            ReferrersSource::ReferrersTag => "tag fallback",
            ReferrersSource::Layout => "layout scan",
        })
    }
}

/// Which referrers mechanism to use (`--distribution-spec`, named as oras names it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReferrersMode {
    /// Probe the API; fall back to tags when the registry lacks it (remembered per repository).
    #[default]
    Auto,
    Api,
    Tag,
}

/// The referrers of one subject.
#[derive(Debug, Clone)]
pub struct Referrers {
    pub descriptors: Vec<Descriptor>,
    pub source: ReferrersSource,
}

/// A manifest as fetched: exact bytes (digest-verified), its descriptor, and the parsed form.
#[derive(Debug, Clone)]
pub struct FetchedManifest {
    pub bytes: Bytes,
    pub descriptor: Descriptor,
    pub manifest: Manifest,
}

/// What a blob upload reads from.
#[derive(Debug, Clone)]
pub enum BlobSource {
    Bytes(Bytes),
    /// Streamed from this file (size and digest already known from the descriptor).
    File(std::path::PathBuf),
}

/// The answer to a manifest PUT.
#[derive(Debug, Clone)]
pub struct PutManifest {
    pub digest: Digest,
    /// The `OCI-Subject` response header: the registry indexed the subject (referrers API).
    pub oci_subject: Option<String>,
}

fn read_only(what: &str) -> StoreError {
    StoreError::Unsupported {
        what: what.to_string(),
        detail: "this store is read-only".into(),
    }
}

impl FetchedManifest {
    /// Wraps verified manifest bytes with the descriptor they answer to.
    pub fn new(bytes: Bytes, digest: Digest, media_type: String, manifest: Manifest) -> Self {
        let descriptor = Descriptor {
            media_type,
            digest,
            size: bytes.len() as i64,
            artifact_type: manifest.effective_artifact_type(),
            annotations: None,
            platform: None,
            urls: None,
        };
        FetchedManifest {
            bytes,
            descriptor,
            manifest,
        }
    }
}

/// A streamed blob body.
pub type ByteStream = BoxStream<'static, Result<Bytes>>;

/// What a store is, for headers and messages.
#[derive(Debug, Clone)]
pub struct StoreInfo {
    /// Registry host, or the layout's path.
    pub name: String,
    pub kind: StoreKind,
    pub auth: String,
    /// Where a listing of every manifest would come from, once known without a request
    /// (a forced or detected registry kind, an ACR host, a layout); `None` until then.
    pub listing: Option<ListingSource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Registry,
    Layout,
}

/// Read access to manifests, blobs, tags and referrers.
#[async_trait::async_trait]
pub trait Store: Send + Sync {
    fn info(&self) -> StoreInfo;

    /// How many entries its listings may bring.
    fn limits(&self) -> Limits {
        Limits::default()
    }

    /// One page of repository names (`_catalog`).
    async fn repositories(&self, cursor: Option<&str>, n: usize) -> Result<Page>;

    /// One page of a repository's tags.
    async fn tags(&self, repo: &str, cursor: Option<&str>, n: usize) -> Result<Page>;

    /// The descriptor a tag or digest resolves to.
    async fn resolve(&self, repo: &str, reference: &str) -> Result<Descriptor>;

    /// A manifest by tag or digest, verified against its digest and bounded in size.
    async fn manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest>;

    /// A blob's bytes, streamed; the caller verifies with [`verify_stream`] or reads it via [`Store::blob_bytes`].
    async fn blob_stream(&self, repo: &str, desc: &Descriptor) -> Result<ByteStream>;

    /// The referrers of `subject`, filtered by `artifact_type` (client-side if the store did not).
    async fn referrers(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers>;

    /// The referrers mechanism currently known for `repo`, if determined.
    fn referrers_source(&self, repo: &str) -> Option<ReferrersSource>;

    /// Forget cached state for `repo` (capabilities, tag sets): a refresh.
    fn invalidate(&self, repo: &str);

    /// Called by discovery once the referrers source of `repo` is known, before walking
    /// deeper: a store may load what saves requests later (the fallback tag set).
    async fn prepare_referrers(&self, _repo: &str) {}

    /// Every manifest of `repo` with what the store knows of it (a vendor listing API, an OCI
    /// layout's blobs); `None` where only a walk from the tags can find manifests.
    async fn manifest_listing(&self, _repo: &str) -> Result<Option<ManifestListing>> {
        Ok(None)
    }

    /// For display only (CREATED from the registry's times, locked marks): the vendor listing of
    /// `repo` this session made, or makes now where the registry's kind is known without a
    /// probe (forced, named by its host, or detected already); kept until [`Store::invalidate`].
    /// `None` on a registry with only the distribution API (nothing is asked) or when the
    /// listing failed. Plans never read it: they call [`Store::manifest_listing`], which lists
    /// afresh every time.
    async fn session_listing(&self, _repo: &str) -> Option<std::sync::Arc<ManifestListing>> {
        None
    }

    /// What kind of registry (or store) this is, detected once and remembered.
    async fn registry_kind(&self) -> Result<RegistryKind> {
        Ok(RegistryKind::Generic)
    }

    /// True when arbor may change this store (write actions are offered).
    fn writable(&self) -> bool {
        false
    }

    /// True when the blob is already in the repository.
    async fn blob_exists(&self, _repo: &str, digest: &Digest) -> Result<bool> {
        Err(read_only(&format!("blob {digest}")))
    }

    /// Uploads a blob unless the repository has it; true when it was uploaded.
    async fn push_blob(&self, _repo: &str, desc: &Descriptor, _source: BlobSource) -> Result<bool> {
        Err(read_only(&format!("blob {}", desc.digest)))
    }

    /// Stores manifest bytes under `reference` (a tag or their digest).
    async fn put_manifest(
        &self,
        _repo: &str,
        reference: &str,
        _media_type: &str,
        _bytes: Bytes,
    ) -> Result<PutManifest> {
        Err(read_only(&format!("manifest {reference}")))
    }

    /// Uploads a blob from a stream (the caller knows it is missing), verified against `desc`
    /// on the way: a blob whose bytes are not exactly `desc` is never stored.
    async fn push_blob_stream(
        &self,
        _repo: &str,
        desc: &Descriptor,
        _stream: ByteStream,
    ) -> Result<()> {
        Err(read_only(&format!("blob {}", desc.digest)))
    }

    /// Makes a blob of repository `from` in this same store available in `repo` without
    /// sending its bytes (cross-repository mount): true when done, false when not possible.
    async fn mount_blob(&self, _repo: &str, _desc: &Descriptor, _from: &str) -> Result<bool> {
        Ok(false)
    }

    /// Removes blobs nothing references any more; `None` where the store collects its own
    /// garbage (a registry), else how many blobs and bytes went.
    async fn collect_garbage(&self, _repo: &str) -> Result<Option<(usize, u64)>> {
        Ok(None)
    }

    /// Deletes a manifest by digest (registries also drop the tags pointing at it).
    async fn delete_manifest(&self, _repo: &str, digest: &Digest) -> Result<()> {
        Err(read_only(&format!("manifest {digest}")))
    }

    /// Removes a tag by name, leaving its manifest (where the registry can: not distribution,
    /// which drops tags only with their manifest).
    async fn delete_tag(&self, _repo: &str, tag: &str) -> Result<()> {
        Err(read_only(&format!("tag {tag}")))
    }

    /// Checks, without changing anything, that deletes will be accepted: `Err` when refused.
    async fn probe_delete(&self, repo: &str) -> Result<()> {
        Err(read_only(repo))
    }

    /// A whole blob in memory, verified, refused when larger than `limit`.
    async fn blob_bytes(&self, repo: &str, desc: &Descriptor, limit: usize) -> Result<Bytes> {
        let what = format!("blob {}", desc.digest);
        if desc.size < 0 || desc.size as u64 > limit as u64 {
            return Err(StoreError::TooLarge {
                what,
                size: desc.size.max(0) as u64,
                limit: limit as u64,
            });
        }
        let stream = self.blob_stream(repo, desc).await?;
        collect_verified(stream, desc, limit).await
    }

    /// Every tag of a repository, following pages (bounded by [`Limits::tags`]).
    async fn all_tags(&self, repo: &str) -> Result<Vec<String>> {
        self.all_tags_paged(repo, 1000).await
    }

    /// Every tag, possibly from a cache the store keeps until `invalidate` (discovery asks
    /// for it more than once: fallback tags, cosign tags).
    async fn tag_list(&self, repo: &str) -> Result<std::sync::Arc<Vec<String>>> {
        Ok(std::sync::Arc::new(self.all_tags(repo).await?))
    }

    /// Every tag, asking for `n` per page.
    async fn all_tags_paged(&self, repo: &str, n: usize) -> Result<Vec<String>> {
        let what = format!("tags of {}/{repo}", self.info().name);
        let cap = Cap::new(self.limits().tags, "--max-tags");
        collect_pages(&what, cap, |cursor| async move {
            self.tags(repo, cursor.as_deref(), n).await
        })
        .await
    }
}

/// The entry cap of one listing and the flag that raises it.
#[derive(Debug, Clone, Copy)]
pub struct Cap {
    pub entries: usize,
    pub flag: &'static str,
}

impl Cap {
    pub fn new(entries: usize, flag: &'static str) -> Self {
        Cap { entries, flag }
    }
}

/// Follows a listing's pages to the end, keeping each name once: bounded by `cap` entries
/// (and [`MAX_LISTING_BYTES`], [`MAX_PAGES`]), stopping when a page brings nothing new (a
/// registry that ignores `last` would otherwise repeat forever).
pub async fn collect_pages<F, Fut>(what: &str, cap: Cap, mut fetch: F) -> Result<Vec<String>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page>>,
{
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut bytes = 0usize;
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = fetch(cursor.clone()).await?;
        let before = out.len();
        for item in page.items {
            if seen.contains(&item) {
                continue;
            }
            bytes += item.len();
            if out.len() >= cap.entries || bytes > MAX_LISTING_BYTES {
                return Err(StoreError::TooMany {
                    what: what.to_string(),
                    limit: out.len(),
                    flag: cap.flag,
                });
            }
            seen.insert(item.clone());
            out.push(item);
        }
        match page.next {
            Some(n) if out.len() > before && Some(&n) != cursor.as_ref() => cursor = Some(n),
            _ => return Ok(out),
        }
    }
    Err(StoreError::Invalid {
        what: what.to_string(),
        detail: format!("more than {MAX_PAGES} pages; stopped"),
    })
}

/// Reads a whole stream into memory, checking size and digest.
pub async fn collect_verified(
    mut stream: ByteStream,
    desc: &Descriptor,
    limit: usize,
) -> Result<Bytes> {
    use futures::StreamExt;
    let what = format!("blob {}", desc.digest);
    let mut buf = Vec::with_capacity(desc.size.clamp(0, limit as i64) as usize);
    let mut hasher = desc.digest.hasher();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if buf.len() + chunk.len() > limit || (buf.len() + chunk.len()) as i64 > desc.size {
            return Err(StoreError::TooLarge {
                what,
                size: (buf.len() + chunk.len()) as u64,
                limit: desc.size.max(0) as u64,
            });
        }
        hasher.update(&chunk);
        buf.extend_from_slice(&chunk);
    }
    let actual = hasher.finish();
    if buf.len() as i64 != desc.size {
        return Err(StoreError::Invalid {
            what,
            detail: format!(
                "size {} does not match descriptor size {}",
                buf.len(),
                desc.size
            ),
        });
    }
    if actual != desc.digest {
        return Err(StoreError::DigestMismatch {
            what,
            expected: desc.digest.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(Bytes::from(buf))
}

/// Refuses manifest bytes over [`MAX_MANIFEST_BYTES`] (before they are pushed anywhere).
pub fn check_manifest_size(what: &str, len: usize) -> Result<()> {
    if len > MAX_MANIFEST_BYTES {
        return Err(StoreError::TooLarge {
            what: what.to_string(),
            size: len as u64,
            limit: MAX_MANIFEST_BYTES as u64,
        });
    }
    Ok(())
}

/// Checks manifest bytes against the digest they were asked for (or announced under).
pub fn verify_manifest_bytes(what: &str, bytes: &[u8], expected: &Digest) -> Result<()> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(StoreError::TooLarge {
            what: what.to_string(),
            size: bytes.len() as u64,
            limit: MAX_MANIFEST_BYTES as u64,
        });
    }
    let actual = expected.same_algorithm_of(bytes);
    if &actual != expected {
        return Err(StoreError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok(())
}

/// Applies an artifact-type filter to referrers descriptors (used when the store did not).
pub fn filter_artifact_type(descs: &mut Vec<Descriptor>, artifact_type: Option<&str>) {
    if let Some(t) = artifact_type {
        descs.retain(|d| d.artifact_type.as_deref() == Some(t));
    }
}
