//! A remote registry behind the [`Store`] trait. Where things are:
//! `client` (requests, with `auth` + `challenge` + `token` behind them, bytes via `transport`,
//! settings in `options`),
//! `list` (catalog and tag pages), `manifests`, `blobs`, `referrers` (the OCI 1.1 API, or
//! the `sha256-<hex>` tag schema where the registry lacks it), and `vendor` (ACR / Harbor listings).
pub mod answer;
pub mod auth;
mod blobs;
pub mod challenge;
pub mod client;
pub mod credential;
pub mod deadline;
pub mod link;
mod list;
mod manifests;
pub mod options;
mod referrers;
pub mod retry;
pub mod token;
pub mod transport;
pub mod trust;
pub mod vendor;

pub use auth::AuthState;
pub use client::Request;
pub use credential::{CredentialSource, Credentials};
pub use options::{ClientOptions, RetryNotice, RetryNotify};

use crate::oci::{Descriptor, Digest};
use crate::store::{
    BlobSource, ByteStream, FetchedManifest, Limits, Page, PutManifest, Referrers, ReferrersMode,
    ReferrersSource, Result, Store, StoreError, StoreInfo, StoreKind,
};
use answer::header;
use bytes::Bytes;
use client::Client;
use referrers::ReferrersCache;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::Method;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A registry as a [`Store`].
#[derive(Debug)]
pub struct RegistryStore {
    client: Client,
    mode: ReferrersMode,
    /// What each repository's referrers turned out to be served by, and fallback indexes.
    referrers: ReferrersCache,
    /// Per repository: the whole tag list, kept until `invalidate`.
    tag_lists: Mutex<HashMap<String, list::TagListing>>,
    limits: Limits,
    /// The registry refused a whole blob in one request (413): upload in chunks.
    needs_chunks: std::sync::atomic::AtomicBool,
    /// ACR, Harbor or generic: probed once, or forced by `--flavor`.
    vendor: vendor::Detector,
    /// Vendor listings for display, kept until `invalidate` (plans never read them).
    session_listings: vendor::SessionListings,
}

impl RegistryStore {
    pub fn new(registry: &str, opts: &ClientOptions, mode: ReferrersMode) -> Result<Self> {
        Ok(RegistryStore {
            client: Client::new(registry, opts)?,
            mode,
            referrers: ReferrersCache::default(),
            tag_lists: Mutex::new(HashMap::new()),
            needs_chunks: Default::default(),
            limits: opts.limits,
            vendor: vendor::Detector::new(opts.flavor),
            session_listings: Default::default(),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `GET /v2/`: checks the registry answers (and learns its auth challenge).
    pub async fn ping(&self) -> Result<()> {
        let what = format!("registry {}", self.client.host());
        self.client
            .request(Method::GET, "/v2/")
            .send_ok(&what)
            .await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Store for RegistryStore {
    fn info(&self) -> StoreInfo {
        let auth = match (self.client.auth_state(), self.client.username()) {
            (AuthState::Anonymous, None) => "anonymous".to_string(),
            (AuthState::Anonymous, Some(u)) => format!("as {u}"),
            (AuthState::Basic, u) => format!("basic {}", u.unwrap_or("?")),
            (AuthState::Bearer, Some(u)) => format!("token as {u}"),
            (AuthState::Bearer, None) => "anonymous token".to_string(),
        };
        StoreInfo {
            name: self.client.host().to_string(),
            kind: StoreKind::Registry,
            auth,
            listing: self
                .vendor
                .known(&self.client)
                .map(crate::listing::ListingSource::of),
        }
    }

    fn limits(&self) -> Limits {
        self.limits
    }

    async fn repositories(&self, cursor: Option<&str>, n: usize) -> Result<Page> {
        self.catalog_page(cursor, n).await
    }

    async fn tags(&self, repo: &str, cursor: Option<&str>, n: usize) -> Result<Page> {
        self.tags_page(repo, cursor, n).await
    }

    async fn resolve(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        self.head_manifest(repo, reference).await
    }

    async fn manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest> {
        self.get_manifest(repo, reference).await
    }

    async fn blob_stream(&self, repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        self.get_blob(repo, desc).await
    }

    async fn referrers(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers> {
        self.referrers_of(repo, subject, artifact_type).await
    }

    fn writable(&self) -> bool {
        true
    }

    async fn manifest_listing(
        &self,
        repo: &str,
    ) -> Result<Option<crate::listing::ManifestListing>> {
        vendor::listing(&self.client, &self.vendor, repo).await
    }

    async fn session_listing(&self, repo: &str) -> Option<Arc<crate::listing::ManifestListing>> {
        self.session_listings
            .get(&self.client, &self.vendor, repo)
            .await
    }

    async fn registry_kind(&self) -> Result<crate::listing::RegistryKind> {
        self.vendor.kind(&self.client).await
    }

    async fn blob_exists(&self, repo: &str, digest: &Digest) -> Result<bool> {
        self.head_blob(repo, digest).await
    }

    async fn push_blob(&self, repo: &str, desc: &Descriptor, source: BlobSource) -> Result<bool> {
        self.upload_blob(repo, desc, source).await
    }

    async fn push_blob_stream(
        &self,
        repo: &str,
        desc: &Descriptor,
        stream: ByteStream,
    ) -> Result<()> {
        self.upload_stream(repo, desc, stream).await
    }

    async fn mount_blob(&self, repo: &str, desc: &Descriptor, from: &str) -> Result<bool> {
        self.mount(repo, &desc.digest, from).await
    }

    async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<PutManifest> {
        let what = format!("push of manifest {}/{repo}:{reference}", self.client.host());
        crate::store::check_manifest_size(&what, bytes.len())?;
        let digest = Digest::sha256_of(&bytes);
        let content_type = HeaderValue::from_str(media_type).map_err(|_| StoreError::Invalid {
            what: what.clone(),
            detail: "bad media type".into(),
        })?;
        let resp = self
            .client
            .request(Method::PUT, &format!("/v2/{repo}/manifests/{reference}"))
            .repo(repo)
            .header(CONTENT_TYPE, content_type)
            .body(bytes)
            .send_ok(&what)
            .await?;
        if let Some(d) = header(&resp, "docker-content-digest") {
            if d != digest.to_string() {
                return Err(StoreError::DigestMismatch {
                    what,
                    expected: digest.to_string(),
                    actual: d.to_string(),
                });
            }
        }
        let oci_subject = header(&resp, "oci-subject").map(str::to_string);
        Ok(PutManifest {
            digest,
            oci_subject,
        })
    }

    async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<()> {
        self.remove_manifest(repo, digest).await?;
        self.referrers.forget_index(repo, digest);
        Ok(())
    }

    async fn delete_tag(&self, repo: &str, tag: &str) -> Result<()> {
        // The name goes into a URL path: only what the tag grammar allows.
        if !crate::oci::tags::is_valid_tag(tag) {
            return Err(StoreError::Invalid {
                what: format!("tag {tag:?}"),
                detail: "not a valid tag name; not deleted".into(),
            });
        }
        let r = match self.remove_tag(repo, tag).await {
            // The distribution API would not; ACR's own API untags.
            Err(
                StoreError::Status {
                    status: 400 | 405, ..
                }
                | StoreError::Unsupported { .. },
            ) if self.vendor.kind(&self.client).await? == crate::listing::RegistryKind::Acr => {
                vendor::acr::untag(&self.client, repo, tag).await
            }
            r => r,
        };
        self.invalidate(repo);
        r
    }

    async fn probe_delete(&self, repo: &str) -> Result<()> {
        self.check_deletes(repo).await
    }

    fn referrers_source(&self, repo: &str) -> Option<ReferrersSource> {
        match self.mode {
            ReferrersMode::Api => Some(ReferrersSource::ReferrersApi),
            ReferrersMode::Tag => Some(ReferrersSource::ReferrersTag),
            ReferrersMode::Auto => self.referrers.source(repo),
        }
    }

    async fn tag_list(&self, repo: &str) -> Result<Arc<Vec<String>>> {
        self.cached_tag_list(repo).await
    }

    fn invalidate(&self, repo: &str) {
        if let Ok(mut m) = self.tag_lists.lock() {
            m.remove(repo);
        }
        self.referrers.invalidate(repo);
        self.session_listings.invalidate(repo);
    }

    async fn prepare_referrers(&self, repo: &str) {
        if self.referrers_source(repo) == Some(ReferrersSource::ReferrersTag) {
            self.prefetch_fallback(repo).await;
        }
    }
}
