//! Referrers: the OCI 1.1 API (paged, filtered, probed once per repository), the `sha256-<hex>`
//! tag schema where a registry lacks it (tag set listed once, indexes prefetched), and
//! `artifactType` read from the manifests where an index entry leaves it out.
use super::answer::{header, read_bounded, status_error};
use super::RegistryStore;
use crate::oci::{media, tags, Descriptor, Digest, Manifest};
use crate::store::{
    filter_artifact_type, FetchedManifest, Referrers, ReferrersMode, ReferrersSource, Result,
    Store, StoreError, MAX_MANIFEST_BYTES,
};
use futures::StreamExt;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// Referrers pages followed at most for one subject.
const MAX_REFERRER_PAGES: usize = 1000;

/// With at most this many `sha256-*` tags in a repository, discovery fetches all their
/// indexes at once (concurrently) instead of one level at a time.
const PREFETCH_MAX: usize = 512;

/// Manifests fetched at once (prefetch, artifactType fix-ups).
const CONCURRENCY: usize = 16;

/// What each repository's referrers turned out to be, kept until `invalidate`.
#[derive(Debug, Default)]
pub(super) struct ReferrersCache {
    /// What each repository turned out to support.
    capability: Mutex<HashMap<String, ReferrersSource>>,
    /// Per repository: the set of `sha256-<hex>` tags, when listed (lets discovery skip probing leaves).
    fallback_tags: Mutex<HashMap<String, Arc<HashSet<String>>>>,
    /// Per repository: fallback indexes already fetched (tag → entries as served).
    fallback_indexes: Mutex<HashMap<String, HashMap<String, Vec<Descriptor>>>>,
}

impl ReferrersCache {
    /// The mechanism `repo` was found to serve referrers with, if known.
    pub fn source(&self, repo: &str) -> Option<ReferrersSource> {
        self.capability.lock().ok()?.get(repo).copied()
    }

    fn remember(&self, repo: &str, src: ReferrersSource) {
        if let Ok(mut m) = self.capability.lock() {
            m.insert(repo.to_string(), src);
        }
    }

    /// `subject` was deleted: its fallback index is gone with it.
    pub fn forget_index(&self, repo: &str, subject: &Digest) {
        if let Ok(mut m) = self.fallback_indexes.lock() {
            if let Some(t) = m.get_mut(repo) {
                t.remove(&tags::fallback_tag(subject));
            }
        }
    }

    pub fn invalidate(&self, repo: &str) {
        if let Ok(mut m) = self.fallback_tags.lock() {
            m.remove(repo);
        }
        if let Ok(mut m) = self.fallback_indexes.lock() {
            m.remove(repo);
        }
    }

    fn tag_set(&self, repo: &str) -> Option<Arc<HashSet<String>>> {
        self.fallback_tags.lock().ok()?.get(repo).cloned()
    }

    fn index(&self, repo: &str, tag: &str) -> Option<Vec<Descriptor>> {
        self.fallback_indexes
            .lock()
            .ok()?
            .get(repo)?
            .get(tag)
            .cloned()
    }

    fn indexes_held(&self, repo: &str) -> HashSet<String> {
        self.fallback_indexes
            .lock()
            .ok()
            .and_then(|m| m.get(repo).map(|t| t.keys().cloned().collect()))
            .unwrap_or_default()
    }
}

impl RegistryStore {
    /// The referrers of `subject`: through the API unless the repository (or the mode) says
    /// tags, falling back to the tag schema where the API turns out to be missing.
    pub(super) async fn referrers_of(
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
                    self.referrers.remember(repo, ReferrersSource::ReferrersApi);
                    return Ok(Referrers { descriptors, source: ReferrersSource::ReferrersApi });
                }
                None if self.mode == ReferrersMode::Api => {
                    return Err(StoreError::Unsupported {
                        what: format!("referrers of {repo}@{subject}"),
                        detail: "the registry does not serve the referrers API (try --distribution-spec v1.1-referrers-tag)".into(),
                    })
                }
                None => self.referrers.remember(repo, ReferrersSource::ReferrersTag),
            }
        }
        let descriptors = self.referrers_tag(repo, subject, artifact_type).await?;
        Ok(Referrers {
            descriptors,
            source: ReferrersSource::ReferrersTag,
        })
    }

    /// Loads the fallback tag set and, when small enough, every fallback index at once (best
    /// effort: without them, every subject is probed instead).
    pub(super) async fn prefetch_fallback(&self, repo: &str) {
        match self.load_fallback_tags(repo).await {
            Ok(tags) => self.prefetch_fallback_indexes(repo, &tags).await,
            Err(e) => tracing::debug!(repo, error = %e, "fallback tag list unavailable"),
        }
    }

    /// `GET /v2/<repo>/referrers/<digest>`, every page; `None` when the registry has no such API.
    async fn referrers_api(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Option<Vec<Descriptor>>> {
        let what = format!("referrers of {repo}@{subject}");
        let mut url = format!("/v2/{repo}/referrers/{subject}");
        if let Some(t) = artifact_type {
            url.push_str("?artifactType=");
            url.push_str(
                &percent_encoding::utf8_percent_encode(t, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            );
        }
        let mut out = Vec::new();
        let mut seen: HashSet<Digest> = HashSet::new();
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
                .request(Method::GET, &u)
                .repo(repo)
                .send(&what)
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
            let ctype = header(&resp, CONTENT_TYPE.as_str())
                .unwrap_or("")
                .to_string();
            let filtered = resp
                .headers()
                .get_all("oci-filters-applied")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.split(',').any(|f| f.trim() == "artifactType"));
            next = self.client.next_page(&resp, &what)?;
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
            // New entries only, counted against the cap before any of them costs a request.
            let mut descs: Vec<Descriptor> = index
                .manifests
                .into_iter()
                .filter(|d| seen.insert(d.digest.clone()))
                .collect();
            if seen.len() > self.limits.referrers {
                return Err(StoreError::TooMany {
                    what,
                    limit: self.limits.referrers,
                    flag: "--max-referrers",
                });
            }
            self.fix_artifact_types(repo, &mut descs).await?;
            if !filtered {
                filter_artifact_type(&mut descs, artifact_type);
            }
            out.extend(descs);
        }
        Ok(Some(out))
    }

    /// The referrers the `sha256-<hex>` index of `subject` lists (none when it has no index).
    async fn referrers_tag(
        &self,
        repo: &str,
        subject: &Digest,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Descriptor>> {
        let tag = tags::fallback_tag(subject);
        if let Some(set) = self.referrers.tag_set(repo) {
            if !set.contains(&tag) {
                return Ok(Vec::new());
            }
        }
        let mut descs = match self.referrers.index(repo, &tag) {
            Some(d) => d,
            None => match self.fetch_fallback_index(repo, &tag).await? {
                Some(d) => d,
                None => return Ok(Vec::new()),
            },
        };
        let mut seen = HashSet::new();
        descs.retain(|d| seen.insert(d.digest.clone()));
        if descs.len() > self.limits.referrers {
            return Err(StoreError::TooMany {
                what: format!("referrers of {repo}@{subject} (index {tag})"),
                limit: self.limits.referrers,
                flag: "--max-referrers",
            });
        }
        self.fix_artifact_types(repo, &mut descs).await?;
        filter_artifact_type(&mut descs, artifact_type);
        Ok(descs)
    }

    /// Lists the repository's tags once and keeps the `sha256-*` ones, so the tag schema
    /// needs no request for subjects that have no fallback index.
    async fn load_fallback_tags(&self, repo: &str) -> Result<Arc<HashSet<String>>> {
        if let Some(s) = self.referrers.tag_set(repo) {
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
                .filter(|t| tags::from_fallback_tag(t).is_some())
                .cloned()
                .collect(),
        );
        if let Ok(mut m) = self.referrers.fallback_tags.lock() {
            m.insert(repo.to_string(), set.clone());
        }
        Ok(set)
    }

    /// GETs one `sha256-<hex>` index and caches its entries; `None` when the tag does not exist.
    async fn fetch_fallback_index(&self, repo: &str, tag: &str) -> Result<Option<Vec<Descriptor>>> {
        let fetched = match self.manifest(repo, tag).await {
            Ok(f) => f,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        let descs = fetched.manifest.manifests;
        if let Ok(mut m) = self.referrers.fallback_indexes.lock() {
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
        let have = self.referrers.indexes_held(repo);
        let todo: Vec<String> = tags
            .iter()
            .filter(|t| !have.contains(*t))
            .cloned()
            .collect();
        let results: Vec<Result<Option<Vec<Descriptor>>>> = futures::stream::iter(todo)
            .map(|t| async move { self.fetch_fallback_index(repo, &t).await })
            .buffer_unordered(CONCURRENCY)
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
            .buffer_unordered(CONCURRENCY)
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
