//! Azure Container Registry: `GET /acr/v1/{repo}/_manifests` (Azure REST API "Manifests - Get
//! List", api-version 2021-07-01), paged with `n`/`last` and a `Link` header.
use super::{get_page, invalid, probe_get, MAX_LISTED};
use crate::listing::{ListedManifest, ListingSource, Locks, ManifestListing};
use crate::oci::{Digest, Platform};
use crate::registry::client::Client;
use crate::store::{Result, MAX_PAGES};
use serde::Deserialize;
use std::collections::HashSet;

/// Manifests asked for per page.
const PAGE: usize = 100;

/// `GET /acr/v1/_catalog?n=1` answers a `repositories` list, and a path ACR does not serve
/// (`/acr/v0/_catalog`) does not: a registry that answers any `…/_catalog` (go-containerregistry's
/// router does) is not taken for ACR.
pub(super) async fn probe(client: &Client) -> Result<bool> {
    Ok(catalog_at(client, "/acr/v1/_catalog?n=1").await?
        && !catalog_at(client, "/acr/v0/_catalog?n=1").await?)
}

async fn catalog_at(client: &Client, path: &str) -> Result<bool> {
    #[derive(Deserialize)]
    struct Catalog {
        repositories: Option<Vec<String>>,
    }
    let body = probe_get(client, path, "registry:catalog:*", 1 << 20).await?;
    Ok(body
        .and_then(|b| serde_json::from_slice::<Catalog>(&b).ok())
        .is_some_and(|c| c.repositories.is_some()))
}

/// `AcrManifests`.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    manifests: Option<Vec<Attributes>>,
}

/// `ManifestAttributesBase`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attributes {
    digest: String,
    image_size: Option<i64>,
    created_time: Option<String>,
    last_update_time: Option<String>,
    architecture: Option<String>,
    os: Option<String>,
    media_type: Option<String>,
    config_media_type: Option<String>,
    #[serde(default)]
    references: Option<Vec<Reference>>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    changeable_attributes: Option<Changeable>,
}

#[derive(Deserialize)]
struct Reference {
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Changeable {
    delete_enabled: Option<bool>,
    write_enabled: Option<bool>,
    read_enabled: Option<bool>,
    list_enabled: Option<bool>,
}

fn entry(a: Attributes, what: &str) -> Result<ListedManifest> {
    let digest: Digest = a
        .digest
        .parse()
        .map_err(|e| invalid(what, format!("listed digest: {e}")))?;
    let mut m = ListedManifest::new(digest);
    m.media_type = a.media_type.filter(|t| !t.is_empty());
    m.config_media_type = a.config_media_type.filter(|t| !t.is_empty());
    m.vendor_size = a.image_size.and_then(|s| u64::try_from(s).ok());
    m.tags = a.tags.unwrap_or_default();
    m.created = a.created_time;
    m.updated = a.last_update_time;
    let (arch, os) = (a.architecture.unwrap_or_default(), a.os.unwrap_or_default());
    if !arch.is_empty() || !os.is_empty() {
        m.platform = Some(Platform {
            architecture: arch,
            os,
            variant: None,
            os_version: None,
        });
    }
    m.locks = a.changeable_attributes.map(|c| Locks {
        delete_enabled: c.delete_enabled.unwrap_or(true),
        write_enabled: c.write_enabled.unwrap_or(true),
        read_enabled: c.read_enabled.unwrap_or(true),
        list_enabled: c.list_enabled.unwrap_or(true),
    });
    for r in a.references.unwrap_or_default() {
        m.children.push(
            r.digest
                .parse()
                .map_err(|e| invalid(what, format!("listed reference: {e}")))?,
        );
    }
    Ok(m)
}

/// Every manifest of `repo`, following `Link` to the end (bounded).
pub(super) async fn list(client: &Client, repo: &str) -> Result<ManifestListing> {
    let what = format!("ACR manifest listing of {}/{repo}", client.host());
    let scope = format!("repository:{repo}:metadata_read");
    let mut url = Some(format!("/acr/v1/{repo}/_manifests?n={PAGE}"));
    let mut seen_urls = HashSet::new();
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    while let Some(u) = url.take() {
        if seen_urls.len() >= MAX_PAGES || !seen_urls.insert(u.clone()) {
            return Err(invalid(&what, "paging did not end; stopped"));
        }
        let (page, next, _) = get_page::<Page>(client, &u, &scope, &what).await?;
        let items = page.manifests.unwrap_or_default();
        let fresh_before = seen.len();
        for a in items {
            let m = entry(a, &what)?;
            if seen.insert(m.digest.clone()) {
                entries.push(m);
            }
        }
        if entries.len() > MAX_LISTED {
            return Err(invalid(
                &what,
                format!("more than {MAX_LISTED} manifests; stopped"),
            ));
        }
        // A page that brings nothing new ends the walk (a server ignoring `last` would loop).
        url = next.filter(|_| seen.len() > fresh_before);
    }
    Ok(ManifestListing {
        complete: true,
        source: ListingSource::Acr,
        entries,
        caveat: None,
    })
}

/// `DELETE /acr/v1/{repo}/_tags/{tag}` (Azure REST API "Tag - Delete"): untags, keeping the manifest.
pub async fn untag(client: &Client, repo: &str, tag: &str) -> Result<()> {
    let what = format!("ACR untag of {}/{repo}:{tag}", client.host());
    client
        .request(
            reqwest::Method::DELETE,
            &format!("/acr/v1/{repo}/_tags/{tag}"),
        )
        .scope(format!("repository:{repo}:delete"))
        .send_ok(&what)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_attributes_map_to_a_listed_manifest() {
        let body = r#"{"registry":"example.azurecr.io","imageName":"app","manifests":[
          {"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111",
           "imageSize":2401606,"createdTime":"2018-09-06T06:17:20.9983915Z",
           "lastUpdateTime":"2018-09-07T06:17:20.9983915Z","architecture":"amd64","os":"windows",
           "mediaType":"application/vnd.docker.distribution.manifest.v2+json",
           "configMediaType":"application/vnd.docker.container.image.v1+json","tags":["v1"],
           "changeableAttributes":{"deleteEnabled":false,"writeEnabled":true,"readEnabled":true,"listEnabled":true}},
          {"digest":"sha256:2222222222222222222222222222222222222222222222222222222222222222",
           "createdTime":"2018-09-06T06:17:20Z","lastUpdateTime":"2018-09-06T06:17:20Z",
           "architecture":null,"os":null,"mediaType":"application/vnd.oci.image.index.v1+json",
           "references":[{"digest":"sha256:1111111111111111111111111111111111111111111111111111111111111111","architecture":"amd64","os":"windows"}]}]}"#;
        let page: Page = serde_json::from_str(body).unwrap();
        let mut it = page.manifests.unwrap().into_iter();
        let m = entry(it.next().unwrap(), "t").unwrap();
        assert_eq!(m.vendor_size, Some(2401606));
        assert_eq!(m.tags, vec!["v1"]);
        assert_eq!(m.platform.as_ref().unwrap().to_string(), "windows/amd64");
        assert!(m.locks.unwrap().locked());
        assert_eq!(m.updated.as_deref(), Some("2018-09-07T06:17:20.9983915Z"));
        let idx = entry(it.next().unwrap(), "t").unwrap();
        assert_eq!(idx.platform, None);
        assert_eq!(idx.children, vec![m.digest.clone()]);
        assert_eq!(idx.locks, None);
        let bad: Page =
            serde_json::from_str(r#"{"manifests":[{"digest":"sha256:nothex"}]}"#).unwrap();
        assert!(entry(bad.manifests.unwrap().remove(0), "t").is_err());
    }
}
