//! A remote registry behind the [`Store`] trait: catalog, tags, manifests, blobs and
//! referrers (OCI 1.1 API, or the `sha256-<hex>` tag schema where the registry lacks it).
pub mod auth;
pub mod client;
pub mod link;
pub mod vendor;

use crate::oci::{media, Descriptor, Digest, Manifest};
use crate::store::{
    filter_artifact_type, verify_manifest_bytes, BlobSource, ByteStream, FetchedManifest, Page,
    PutManifest, Referrers, ReferrersMode, ReferrersSource, Result, Store, StoreError, StoreInfo,
    StoreKind, MAX_MANIFEST_BYTES,
};
use bytes::Bytes;
use client::{read_bounded, status_error, Client, ReqBody};
pub use client::{AuthState, ClientOptions};
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Referrers pages followed at most for one subject.
const MAX_REFERRER_PAGES: usize = 1000;

/// A registry as a [`Store`].
#[derive(Debug)]
pub struct RegistryStore {
    client: Client,
    mode: ReferrersMode,
    /// What each repository turned out to support.
    capability: Mutex<HashMap<String, ReferrersSource>>,
    /// Per repository: the set of `sha256-<hex>` tags, when listed (lets discovery skip probing leaves).
    fallback_tags: Mutex<HashMap<String, Arc<HashSet<String>>>>,
    /// Per repository: fallback indexes already fetched (tag → entries as served).
    fallback_indexes: Mutex<HashMap<String, HashMap<String, Vec<Descriptor>>>>,
    /// Per repository: the whole tag list, kept until `invalidate`.
    tag_lists: Mutex<HashMap<String, Arc<Vec<String>>>>,
    /// ACR, Harbor or generic: probed once, or forced by `--flavor`.
    vendor: vendor::Detector,
}

/// With at most this many `sha256-*` tags in a repository, discovery fetches all their
/// indexes at once (concurrently) instead of one level at a time.
const PREFETCH_MAX: usize = 512;

impl RegistryStore {
    pub fn new(registry: &str, opts: &ClientOptions, mode: ReferrersMode) -> Result<Self> {
        Ok(RegistryStore {
            client: Client::new(registry, opts)?,
            mode,
            capability: Mutex::new(HashMap::new()),
            fallback_tags: Mutex::new(HashMap::new()),
            fallback_indexes: Mutex::new(HashMap::new()),
            tag_lists: Mutex::new(HashMap::new()),
            vendor: vendor::Detector::new(opts.flavor),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `GET /v2/`: checks the registry answers (and learns its auth challenge).
    pub async fn ping(&self) -> Result<()> {
        let what = format!("registry {}", self.client.host());
        let url = self.client.url("/v2/");
        self.client
            .send_ok(Method::GET, &url, "", HeaderMap::new(), None, &what)
            .await?;
        Ok(())
    }

    fn scope_pull(repo: &str) -> String {
        format!("repository:{repo}:pull")
    }

    fn scope_push(repo: &str) -> String {
        format!("repository:{repo}:pull,push")
    }

    fn scope_delete(repo: &str) -> String {
        format!("repository:{repo}:delete")
    }

    /// Records that the repository has (or lacks) the referrers API, learned outside `referrers()`.
    pub fn set_referrers_source(&self, repo: &str, src: ReferrersSource) {
        self.remember(repo, src);
    }

    async fn get_list(
        &self,
        first: String,
        page_size: Option<usize>,
        cursor: Option<&str>,
        key: &str,
        scope: &str,
        what: &str,
    ) -> Result<Page> {
        let url = self.client.url(cursor.unwrap_or(&first));
        let resp = self
            .client
            .send_ok(Method::GET, &url, scope, HeaderMap::new(), None, what)
            .await?;
        let mut next = resp
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .and_then(link::next_link);
        let body = read_bounded(resp, 64 << 20, what).await?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| StoreError::Invalid {
                what: what.into(),
                detail: format!("not JSON: {e}"),
            })?;
        let items = match v.get(key) {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::Null) | None => Vec::new(),
            Some(_) => {
                return Err(StoreError::Invalid {
                    what: what.into(),
                    detail: format!("`{key}` is not a list"),
                })
            }
        };
        // A registry that honours `n` but sends no Link (go-containerregistry) would silently
        // truncate: when a page is exactly full, ask for what comes after its last item.
        if next.is_none() && page_size.is_some_and(|n| n > 0 && items.len() == n) {
            if let Some(last) = items.last() {
                let base = first.split('?').next().unwrap_or(&first);
                let enc =
                    percent_encoding::utf8_percent_encode(last, percent_encoding::NON_ALPHANUMERIC);
                next = Some(format!("{base}?n={}&last={enc}", items.len()));
            }
        }
        Ok(Page { items, next })
    }

    fn remember(&self, repo: &str, src: ReferrersSource) {
        if let Ok(mut m) = self.capability.lock() {
            m.insert(repo.to_string(), src);
        }
    }

    /// Lists the repository's tags once and keeps the `sha256-*` ones, so the tag schema
    /// needs no request for subjects that have no fallback index.
    pub async fn load_fallback_tags(&self, repo: &str) -> Result<Arc<HashSet<String>>> {
        if let Some(s) = self
            .fallback_tags
            .lock()
            .ok()
            .and_then(|m| m.get(repo).cloned())
        {
            return Ok(s);
        }
        let tags = self.tag_list(repo).await.or_else(|e| {
            if e.is_not_found() {
                Ok(Arc::new(vec![]))
            } else {
                Err(e)
            }
        })?;
        let set: Arc<HashSet<String>> = Arc::new(
            tags.iter()
                .filter(|t| Digest::from_fallback_tag(t).is_some())
                .cloned()
                .collect(),
        );
        if let Ok(mut m) = self.fallback_tags.lock() {
            m.insert(repo.to_string(), set.clone());
        }
        Ok(set)
    }

    async fn referrers_api(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>> {
        let what = format!("referrers of {repo}@{subject}");
        let scope = Self::scope_pull(repo);
        let mut url = format!("/v2/{repo}/referrers/{subject}");
        if let Some(t) = artifact_type {
            url.push_str("?artifactType=");
            url.push_str(
                &percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        let mut out = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        let mut seen_urls = HashSet::new();
        while let Some(u) = next.take() {
            pages += 1;
            if pages > MAX_REFERRER_PAGES || !seen_urls.insert(u.clone()) {
                return Err(StoreError::Invalid {
                    what,
                    detail: format!("referrers pagination did not end after {} pages", pages - 1),
                });
            }
            let resp = self
                .client
                .send(
                    Method::GET,
                    &self.client.url(&u),
                    &scope,
                    HeaderMap::new(),
                    None,
                    &what,
                )
                .await?;
            let status = resp.status();
            if pages == 1
                && (status == StatusCode::NOT_FOUND || status == StatusCode::METHOD_NOT_ALLOWED)
            {
                return Ok(None);
            }
            if !status.is_success() {
                return Err(status_error(resp, &what).await);
            }
            let ctype = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let filtered = resp
                .headers()
                .get_all("oci-filters-applied")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            next = resp
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .and_then(link::next_link);
            let body = read_bounded(resp, MAX_MANIFEST_BYTES, &what).await?;
            if pages == 1 && !ctype.starts_with(media::OCI_INDEX) {
                // Some registries answer unknown paths with 200 HTML or JSON of another kind.
                if serde_json::from_slice::<Manifest>(&body)
                    .map(|m| m.media_type() != media::OCI_INDEX)
                    .unwrap_or(true)
                {
                    return Ok(None);
                }
            }
            let index = Manifest::parse(&body, Some(media::OCI_INDEX)).map_err(|e| {
                StoreError::Invalid {
                    what: what.clone(),
                    detail: e.to_string(),
                }
            })?;
            let mut descs = index.manifests;
            self.fix_artifact_types(repo, &mut descs).await?;
            if !filtered {
                filter_artifact_type(&mut descs, artifact_type);
            }
            out.extend(descs);
        }
        Ok(Some(out))
    }

    async fn referrers_tag(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let tag = subject.fallback_tag();
        let known = self
            .fallback_tags
            .lock()
            .ok()
            .and_then(|m| m.get(repo).cloned());
        if let Some(set) = known {
            if !set.contains(&tag) {
                return Ok(Vec::new());
            }
        }
        let cached = self
            .fallback_indexes
            .lock()
            .ok()
            .and_then(|m| m.get(repo).and_then(|t| t.get(&tag).cloned()));
        let mut descs = match cached {
            Some(d) => d,
            None => match self.fetch_fallback_index(repo, &tag).await? {
                Some(d) => d,
                None => return Ok(Vec::new()),
            },
        };
        self.fix_artifact_types(repo, &mut descs).await?;
        filter_artifact_type(&mut descs, artifact_type);
        Ok(descs)
    }

    /// GETs one `sha256-<hex>` index and caches its entries; `None` when the tag does not exist.
    async fn fetch_fallback_index(&self, repo: &str, tag: &str) -> Result<Option<Vec<Descriptor>>> {
        let fetched = match self.manifest(repo, tag).await {
            Ok(f) => f,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let descs = fetched.manifest.manifests;
        if let Ok(mut m) = self.fallback_indexes.lock() {
            m.entry(repo.to_string())
                .or_default()
                .insert(tag.to_string(), descs.clone());
        }
        Ok(Some(descs))
    }

    /// Fetches every fallback index of a repository concurrently (when there are not too many),
    /// so a deep graph costs one round of parallel requests instead of one request per level.
    async fn prefetch_fallback_indexes(&self, repo: &str, tags: &HashSet<String>) {
        if tags.len() > PREFETCH_MAX {
            return;
        }
        let have: HashSet<String> = self
            .fallback_indexes
            .lock()
            .ok()
            .and_then(|m| m.get(repo).map(|t| t.keys().cloned().collect()))
            .unwrap_or_default();
        let todo: Vec<String> = tags
            .iter()
            .filter(|t| !have.contains(*t))
            .cloned()
            .collect();
        let results: Vec<Result<Option<Vec<Descriptor>>>> = futures::stream::iter(todo)
            .map(|t| async move { self.fetch_fallback_index(repo, &t).await })
            .buffer_unordered(16)
            .collect()
            .await;
        // Failures are not fatal here: those subjects are fetched again, on demand.
        let failed = results.iter().filter(|r| r.is_err()).count();
        if failed > 0 {
            tracing::debug!(
                repo,
                failed,
                "some fallback indexes could not be prefetched"
            );
        }
    }

    /// Reads `artifactType` (and annotations) from the manifest itself where the index entry
    /// lacks it or reports the empty config type (cosign's entries; go-containerregistry).
    async fn fix_artifact_types(&self, repo: &str, descs: &mut [Descriptor]) -> Result<()> {
        let need: Vec<usize> = descs
            .iter()
            .enumerate()
            .filter(|(_, d)| {
                matches!(
                    d.artifact_type.as_deref(),
                    None | Some("") | Some(media::OCI_EMPTY)
                )
            })
            .map(|(i, _)| i)
            .collect();
        let fetched: Vec<(usize, Result<FetchedManifest>)> = futures::stream::iter(need)
            .map(|i| {
                let digest = descs[i].digest.to_string();
                async move { (i, self.manifest(repo, &digest).await) }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        for (i, f) in fetched {
            match f {
                Ok(f) => {
                    descs[i].artifact_type = f.manifest.effective_artifact_type();
                    if descs[i]
                        .annotations
                        .as_ref()
                        .map(|a| a.is_empty())
                        .unwrap_or(true)
                    {
                        descs[i].annotations =
                            f.manifest.annotations.clone().filter(|a| !a.is_empty());
                    }
                }
                // A dangling entry keeps what the index said.
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

fn manifest_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        ACCEPT,
        HeaderValue::from_str(&media::MANIFEST_ACCEPT.join(", ")).expect("static header"),
    );
    h
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
        }
    }

    async fn repositories(&self, cursor: Option<&str>, n: usize) -> Result<Page> {
        let what = format!("catalog of {}", self.client.host());
        self.get_list(
            format!("/v2/_catalog?n={n}"),
            Some(n),
            cursor,
            "repositories",
            "registry:catalog:*",
            &what,
        )
        .await
        .map_err(|e| match e {
            StoreError::NotFound { what } => StoreError::Unsupported {
                what,
                detail: "this registry has no catalog API; open a repository by name".into(),
            },
            other => other,
        })
    }

    async fn tags(&self, repo: &str, cursor: Option<&str>, n: usize) -> Result<Page> {
        let what = format!("tags of {}/{repo}", self.client.host());
        self.get_list(
            format!("/v2/{repo}/tags/list?n={n}"),
            Some(n),
            cursor,
            "tags",
            &Self::scope_pull(repo),
            &what,
        )
        .await
    }

    async fn resolve(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        let what = format!("{}/{repo}:{reference}", self.client.host());
        let url = self
            .client
            .url(&format!("/v2/{repo}/manifests/{reference}"));
        let resp = self
            .client
            .send_ok(
                Method::HEAD,
                &url,
                &Self::scope_pull(repo),
                manifest_headers(),
                None,
                &what,
            )
            .await?;
        let h = resp.headers();
        let digest = h
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(|d| d.parse::<Digest>().ok());
        let media_type = h
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or("").trim().to_string());
        // Not resp.content_length(): for a HEAD that is the (empty) body's length.
        let size = h
            .get(reqwest::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        match (digest, media_type, size) {
            (Some(digest), Some(media_type), Some(size))
                if size > 0 && media::is_manifest(&media_type) =>
            {
                if let Ok(d) = reference.parse::<Digest>() {
                    if d != digest {
                        return Err(StoreError::DigestMismatch {
                            what,
                            expected: d.to_string(),
                            actual: digest.to_string(),
                        });
                    }
                }
                Ok(Descriptor {
                    media_type,
                    digest,
                    size: size as i64,
                    artifact_type: None,
                    annotations: None,
                    platform: None,
                    urls: None,
                })
            }
            // HEAD without the headers we need: GET it (verified) instead.
            _ => Ok(self.manifest(repo, reference).await?.descriptor),
        }
    }

    async fn manifest(&self, repo: &str, reference: &str) -> Result<FetchedManifest> {
        let what = format!(
            "manifest {}/{repo}{}{reference}",
            self.client.host(),
            if reference.contains(':') { "@" } else { ":" }
        );
        let url = self
            .client
            .url(&format!("/v2/{repo}/manifests/{reference}"));
        let resp = self
            .client
            .send_ok(
                Method::GET,
                &url,
                &Self::scope_pull(repo),
                manifest_headers(),
                None,
                &what,
            )
            .await?;
        let served_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.split(';').next().unwrap_or("").trim().to_string());
        let header_digest = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = read_bounded(resp, MAX_MANIFEST_BYTES, &what).await?;
        // Verify against the digest asked for; for a tag, against the digest the registry announced.
        let expected = match reference.parse::<Digest>() {
            Ok(d) => d,
            Err(_) => match header_digest {
                Some(h) => h.parse::<Digest>().map_err(|e| StoreError::Invalid {
                    what: what.clone(),
                    detail: format!("bad Docker-Content-Digest: {e}"),
                })?,
                None => Digest::sha256_of(&bytes),
            },
        };
        verify_manifest_bytes(&what, &bytes, &expected)?;
        let manifest =
            Manifest::parse(&bytes, served_type.as_deref()).map_err(|e| StoreError::Invalid {
                what: what.clone(),
                detail: e.to_string(),
            })?;
        let media_type = manifest
            .media_type
            .clone()
            .or(served_type)
            .unwrap_or_default();
        Ok(FetchedManifest::new(bytes, expected, media_type, manifest))
    }

    async fn blob_stream(&self, repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        let what = format!("blob {}/{repo}@{}", self.client.host(), desc.digest);
        let url = self
            .client
            .url(&format!("/v2/{repo}/blobs/{}", desc.digest));
        let resp = self
            .client
            .send_ok(
                Method::GET,
                &url,
                &Self::scope_pull(repo),
                HeaderMap::new(),
                None,
                &what,
            )
            .await?;
        let w = what.clone();
        Ok(resp
            .bytes_stream()
            .map(move |r| r.map_err(|e| client::transport(&w, e)))
            .boxed())
    }

    async fn referrers(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Referrers> {
        let known = self.referrers_source(repo);
        let use_api = match (self.mode, known) {
            (ReferrersMode::Api, _) => true,
            (ReferrersMode::Tag, _) => false,
            (ReferrersMode::Auto, Some(ReferrersSource::ReferrersTag)) => false,
            (ReferrersMode::Auto, _) => true,
        };
        if use_api {
            match self.referrers_api(repo, subject, artifact_type).await? {
                Some(descriptors) => {
                    self.remember(repo, ReferrersSource::ReferrersApi);
                    return Ok(Referrers { descriptors, source: ReferrersSource::ReferrersApi });
                }
                None if self.mode == ReferrersMode::Api => {
                    return Err(StoreError::Unsupported {
                        what: format!("referrers of {repo}@{subject}"),
                        detail: "the registry does not serve the referrers API (try --distribution-spec v1.1-referrers-tag)".into(),
                    })
                }
                None => self.remember(repo, ReferrersSource::ReferrersTag),
            }
        }
        let descriptors = self.referrers_tag(repo, subject, artifact_type).await?;
        Ok(Referrers {
            descriptors,
            source: ReferrersSource::ReferrersTag,
        })
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

    async fn registry_kind(&self) -> Result<crate::listing::RegistryKind> {
        self.vendor.kind(&self.client).await
    }

    async fn blob_exists(&self, repo: &str, digest: &Digest) -> Result<bool> {
        let what = format!("blob {}/{repo}@{digest}", self.client.host());
        let url = self.client.url(&format!("/v2/{repo}/blobs/{digest}"));
        let resp = self
            .client
            .send(
                Method::HEAD,
                &url,
                &Self::scope_push(repo),
                HeaderMap::new(),
                None,
                &what,
            )
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(status_error(resp, &what).await),
        }
    }

    async fn push_blob(&self, repo: &str, desc: &Descriptor, source: BlobSource) -> Result<bool> {
        if self.blob_exists(repo, &desc.digest).await? {
            return Ok(false);
        }
        let what = format!(
            "upload of blob {} to {}/{repo}",
            desc.digest,
            self.client.host()
        );
        let scope = Self::scope_push(repo);
        let start = self.client.url(&format!("/v2/{repo}/blobs/uploads/"));
        let resp = self
            .client
            .send(
                Method::POST,
                &start,
                &scope,
                HeaderMap::new(),
                Some(ReqBody::Bytes(Bytes::new())),
                &what,
            )
            .await?;
        if resp.status() != StatusCode::ACCEPTED && !resp.status().is_success() {
            return Err(status_error(resp, &what).await);
        }
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| StoreError::Invalid {
                what: what.clone(),
                detail: "upload started without a Location".into(),
            })?
            .to_string();
        // Monolithic PUT, streamed: every registry accepts it, and it is one request.
        let mut url =
            url::Url::parse(&self.client.url(&location)).map_err(|e| StoreError::Invalid {
                what: what.clone(),
                detail: format!("bad upload Location: {e}"),
            })?;
        url.query_pairs_mut()
            .append_pair("digest", &desc.digest.to_string());
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        );
        headers.insert(
            reqwest::header::CONTENT_LENGTH,
            HeaderValue::from(desc.size.max(0) as u64),
        );
        let body = match source {
            BlobSource::Bytes(b) => ReqBody::Bytes(b),
            BlobSource::File(p) => ReqBody::File(p),
        };
        self.client
            .send_ok(
                Method::PUT,
                url.as_str(),
                &scope,
                headers,
                Some(body),
                &what,
            )
            .await?;
        Ok(true)
    }

    async fn put_manifest(
        &self,
        repo: &str,
        reference: &str,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<PutManifest> {
        let what = format!("push of manifest {}/{repo}:{reference}", self.client.host());
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(StoreError::TooLarge {
                what,
                size: bytes.len() as u64,
                limit: MAX_MANIFEST_BYTES as u64,
            });
        }
        let digest = Digest::sha256_of(&bytes);
        let url = self
            .client
            .url(&format!("/v2/{repo}/manifests/{reference}"));
        let mut headers = HeaderMap::new();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_str(media_type).map_err(|_| StoreError::Invalid {
                what: what.clone(),
                detail: "bad media type".into(),
            })?,
        );
        let resp = self
            .client
            .send_ok(
                Method::PUT,
                &url,
                &Self::scope_push(repo),
                headers,
                Some(ReqBody::Bytes(bytes)),
                &what,
            )
            .await?;
        if let Some(d) = resp
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
        {
            if d != digest.to_string() {
                return Err(StoreError::DigestMismatch {
                    what,
                    expected: digest.to_string(),
                    actual: d.to_string(),
                });
            }
        }
        let oci_subject = resp
            .headers()
            .get("oci-subject")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        Ok(PutManifest {
            digest,
            oci_subject,
        })
    }

    async fn delete_manifest(&self, repo: &str, digest: &Digest) -> Result<()> {
        let what = format!("delete of {}/{repo}@{digest}", self.client.host());
        let url = self.client.url(&format!("/v2/{repo}/manifests/{digest}"));
        let resp = self
            .client
            .send(
                Method::DELETE,
                &url,
                &Self::scope_delete(repo),
                HeaderMap::new(),
                None,
                &what,
            )
            .await?;
        if resp.status().is_success() {
            if let Ok(mut m) = self.fallback_indexes.lock() {
                if let Some(t) = m.get_mut(repo) {
                    t.remove(&digest.fallback_tag());
                }
            }
            Ok(())
        } else {
            Err(status_error(resp, &what).await)
        }
    }

    async fn probe_delete(&self, repo: &str) -> Result<()> {
        // DELETE of a digest nobody has: 404 where deletes are allowed, 405 (UNSUPPORTED)
        // or 401/403 where they are not. Nothing can be removed by it.
        let nobody = Digest::sha256_of(b"arbor delete probe: this content does not exist");
        match self.delete_manifest(repo, &nobody).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(StoreError::Status {
                status: 405,
                detail,
                ..
            }) => Err(StoreError::Unsupported {
                what: format!("{}/{repo}", self.client.host()),
                detail: format!("the registry refuses deletes ({detail}); nothing was changed"),
            }),
            Err(e) => Err(e),
        }
    }

    fn referrers_source(&self, repo: &str) -> Option<ReferrersSource> {
        match self.mode {
            ReferrersMode::Api => Some(ReferrersSource::ReferrersApi),
            ReferrersMode::Tag => Some(ReferrersSource::ReferrersTag),
            ReferrersMode::Auto => self.capability.lock().ok()?.get(repo).copied(),
        }
    }

    async fn tag_list(&self, repo: &str) -> Result<Arc<Vec<String>>> {
        if let Some(t) = self
            .tag_lists
            .lock()
            .ok()
            .and_then(|m| m.get(repo).cloned())
        {
            return Ok(t);
        }
        let t = Arc::new(self.all_tags(repo).await?);
        if let Ok(mut m) = self.tag_lists.lock() {
            m.insert(repo.to_string(), t.clone());
        }
        Ok(t)
    }

    fn invalidate(&self, repo: &str) {
        if let Ok(mut m) = self.tag_lists.lock() {
            m.remove(repo);
        }
        if let Ok(mut m) = self.fallback_tags.lock() {
            m.remove(repo);
        }
        if let Ok(mut m) = self.fallback_indexes.lock() {
            m.remove(repo);
        }
    }

    async fn prepare_referrers(&self, repo: &str) {
        if self.referrers_source(repo) == Some(ReferrersSource::ReferrersTag) {
            // Best effort: without the tag list, every subject is probed instead.
            match self.load_fallback_tags(repo).await {
                Ok(tags) => self.prefetch_fallback_indexes(repo, &tags).await,
                Err(e) => tracing::debug!(repo, error = %e, "fallback tag list unavailable"),
            }
        }
    }
}

/// Bytes as a [`ByteStream`] (for stores that hold data in memory).
pub fn bytes_stream(b: Bytes) -> ByteStream {
    futures::stream::once(async move { Ok(b) }).boxed()
}
