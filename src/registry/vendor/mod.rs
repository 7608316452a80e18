//! Vendor listing APIs: which registry this is (ACR, Harbor, or only the distribution API),
//! detected once per registry, and the complete manifest listing where the vendor has one.
pub mod acr;
mod harbor;
mod session;

pub use session::SessionListings;

use super::answer::read_bounded;
use super::client::Client;
use crate::listing::is_acr_host;
use crate::listing::{ManifestListing, RegistryKind};
use crate::store::{Result, StoreError};
use reqwest::header::HeaderMap;
use reqwest::Method;

/// JSON pages are bounded (a page of 1,000 ACR manifests is well under 2 MiB).
const MAX_PAGE_BYTES: usize = 64 << 20;
/// No listing holds more manifests than this.
pub const MAX_LISTED: usize = 200_000;

/// The registry kind, detected on first use (or forced) and remembered.
#[derive(Debug)]
pub struct Detector {
    forced: Option<RegistryKind>,
    found: tokio::sync::OnceCell<RegistryKind>,
}

impl Detector {
    /// `forced`: `--flavor` (an OCI-layout value counts as generic).
    pub fn new(forced: Option<RegistryKind>) -> Self {
        Detector {
            forced: forced.map(|k| match k {
                RegistryKind::OciLayout => RegistryKind::Generic,
                k => k,
            }),
            found: tokio::sync::OnceCell::new(),
        }
    }

    /// The registry's kind where it is known without a request: forced, named by its host
    /// (`*.azurecr.io`), or probed already.
    pub fn known(&self, client: &Client) -> Option<RegistryKind> {
        self.forced
            .or_else(|| is_acr_host(client.host()).then_some(RegistryKind::Acr))
            .or_else(|| self.found.get().copied())
    }

    /// The registry's kind: forced, else probed once (a transport failure is not remembered).
    pub async fn kind(&self, client: &Client) -> Result<RegistryKind> {
        if let Some(k) = self.forced {
            return Ok(k);
        }
        self.found.get_or_try_init(|| detect(client)).await.copied()
    }
}

/// Probes the vendor endpoints (concurrently): Harbor's unauthenticated `GET /api/v2.0/ping`
/// answers `Pong`; ACR's `GET /acr/v1/_catalog?n=1` answers a `repositories` list.
async fn detect(client: &Client) -> Result<RegistryKind> {
    if is_acr_host(client.host()) {
        return Ok(RegistryKind::Acr);
    }
    let (harbor, acr) = tokio::join!(harbor::probe(client), acr::probe(client));
    Ok(if harbor? {
        RegistryKind::Harbor
    } else if acr? {
        RegistryKind::Acr
    } else {
        RegistryKind::Generic
    })
}

/// The vendor listing of `repo`, or `None` for a registry with only the distribution API.
pub async fn listing(
    client: &Client,
    detector: &Detector,
    repo: &str,
) -> Result<Option<ManifestListing>> {
    match detector.kind(client).await? {
        RegistryKind::Acr => acr::list(client, repo).await.map(Some),
        RegistryKind::Harbor => harbor::list(client, repo).await.map(Some),
        RegistryKind::Generic | RegistryKind::OciLayout => Ok(None),
    }
}

/// A probe's answer: `Some(body)` on 200, `None` on a refusal or a missing endpoint; only a
/// transport failure is an error (so an unreachable registry is not remembered as generic).
async fn probe_get(
    client: &Client,
    path: &str,
    scope: &str,
    limit: usize,
) -> Result<Option<Vec<u8>>> {
    let what = format!("vendor probe {}{path}", client.host());
    let resp = match client
        .request(Method::GET, path)
        .scope(scope)
        .send(&what)
        .await
    {
        Ok(r) => r,
        Err(e @ StoreError::Transport { .. }) => return Err(e),
        Err(_) => return Ok(None),
    };
    if !resp.status().is_success() {
        return Ok(None);
    }
    Ok(read_bounded(resp, limit, &what)
        .await
        .ok()
        .map(|b| b.to_vec()))
}

/// GETs one JSON page (bounded), returning the body and the `rel="next"` link if any.
async fn get_page<T: serde::de::DeserializeOwned>(
    client: &Client,
    url: &str,
    scope: &str,
    what: &str,
) -> Result<(T, Option<String>, HeaderMap)> {
    let resp = client
        .request(Method::GET, url)
        .scope(scope)
        .send_ok(what)
        .await?;
    let headers = resp.headers().clone();
    let next = client.next_page(&resp, what)?;
    let body = read_bounded(resp, MAX_PAGE_BYTES, what).await?;
    let v = serde_json::from_slice(&body).map_err(|e| StoreError::Invalid {
        what: what.to_string(),
        detail: format!("unexpected answer: {e}"),
    })?;
    Ok((v, next, headers))
}

fn invalid(what: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        what: what.to_string(),
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acr_login_servers_are_recognised_by_name() {
        assert!(is_acr_host("myregistry.azurecr.io"));
        assert!(is_acr_host("MyRegistry.AzureCR.io:443"));
        assert!(is_acr_host("reg.azurecr.cn"));
        assert!(!is_acr_host("azurecr.io.example.com"));
        assert!(!is_acr_host("localhost:5000"));
    }
}
