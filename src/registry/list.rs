//! Listings: catalog and tag pages (`n`, `last`, `Link` on the registry's origin), and the tag
//! list kept per repository.
use super::answer::read_bounded;
use super::RegistryStore;
use crate::store::{Page, Result, Store, StoreError};
use reqwest::Method;
use std::sync::Arc;

/// A repository's tag list as listed: the tags, or the cap it went past (what, limit, flag).
pub(super) type TagListing = std::result::Result<Arc<Vec<String>>, (String, usize, &'static str)>;

/// A listing page is refused past this size.
const MAX_PAGE_BYTES: usize = 64 << 20;

impl RegistryStore {
    pub(super) async fn catalog_page(&self, cursor: Option<&str>, n: usize) -> Result<Page> {
        let what = format!("catalog of {}", self.client.host());
        let first = format!("/v2/_catalog?n={n}");
        self.list_page(
            &first,
            n,
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

    pub(super) async fn tags_page(
        &self,
        repo: &str,
        cursor: Option<&str>,
        n: usize,
    ) -> Result<Page> {
        let what = format!("tags of {}/{repo}", self.client.host());
        let first = format!("/v2/{repo}/tags/list?n={n}");
        let scope = super::Client::scope_for(repo, &Method::GET);
        self.list_page(&first, n, cursor, "tags", &scope, &what)
            .await
    }

    /// Every tag of `repo`, listed once and kept until `invalidate`; a listing that went past
    /// `--max-tags` is kept as that error (discovery asks more than once: cosign and fallback tags).
    pub(super) async fn cached_tag_list(&self, repo: &str) -> Result<Arc<Vec<String>>> {
        let known = self
            .tag_lists
            .lock()
            .ok()
            .and_then(|m| m.get(repo).cloned());
        let listing = match known {
            Some(l) => l,
            None => {
                let l = match self.all_tags(repo).await {
                    Ok(t) => Ok(Arc::new(t)),
                    Err(StoreError::TooMany { what, limit, flag }) => Err((what, limit, flag)),
                    Err(e) => return Err(e),
                };
                if let Ok(mut m) = self.tag_lists.lock() {
                    m.insert(repo.to_string(), l.clone());
                }
                l
            }
        };
        listing.map_err(|(what, limit, flag)| StoreError::TooMany { what, limit, flag })
    }

    /// One page of a `{"<key>": [...]}` listing: `first`, or the `cursor` a previous page gave.
    async fn list_page(
        &self,
        first: &str,
        page_size: usize,
        cursor: Option<&str>,
        key: &str,
        scope: &str,
        what: &str,
    ) -> Result<Page> {
        let resp = self
            .client
            .request(Method::GET, cursor.unwrap_or(first))
            .scope(scope)
            .send_ok(what)
            .await?;
        let mut next = self.client.next_page(&resp, what)?;
        let body = read_bounded(resp, MAX_PAGE_BYTES, what).await?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| StoreError::Invalid {
                what: what.into(),
                detail: format!("not JSON: {e}"),
            })?;
        let items: Vec<String> = match v.get(key) {
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
        if next.is_none() && page_size > 0 && items.len() == page_size {
            if let Some(last) = items.last() {
                let base = first.split('?').next().unwrap_or(first);
                let enc =
                    percent_encoding::utf8_percent_encode(last, percent_encoding::NON_ALPHANUMERIC);
                next = Some(format!("{base}?n={}&last={enc}", items.len()));
            }
        }
        Ok(Page { items, next })
    }
}
