//! Harbor: `GET /api/v2.0/projects/{p}/repositories/{r}/artifacts` (Harbor API v2.0
//! `listArtifacts`) with `q=base=*` (every artifact, index children included), tags and
//! accessories, paged with `page`/`page_size`; accessories of accessories from
//! `.../artifacts/{digest}/accessories` (`listAccessories`).
use super::{get_page, invalid, probe_get, MAX_LISTED};
use crate::listing::{ListedManifest, ListingSource, ManifestListing};
use crate::oci::{Digest, Platform};
use crate::registry::client::Client;
use crate::store::{Result, StoreError, MAX_PAGES};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use std::collections::{HashMap, HashSet, VecDeque};

/// Harbor's largest page.
const PAGE: usize = 100;

/// What Harbor cannot show: it files every manifest with a subject under that subject.
const CAVEAT: &str =
    "Harbor lists a referrer only under its subject: one whose subject is gone is not listed";

/// Path-segment escaping that keeps the unreserved characters.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

pub(super) async fn probe(client: &Client) -> Result<bool> {
    let body = probe_get(client, "/api/v2.0/ping", "", 64).await?;
    Ok(body.is_some_and(|b| String::from_utf8_lossy(&b).trim().trim_matches('"') == "Pong"))
}

#[derive(Deserialize)]
struct Artifact {
    digest: String,
    manifest_media_type: Option<String>,
    media_type: Option<String>,
    artifact_type: Option<String>,
    size: Option<i64>,
    push_time: Option<String>,
    #[serde(default)]
    extra_attrs: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    references: Option<Vec<Reference>>,
    #[serde(default)]
    tags: Option<Vec<Tag>>,
    #[serde(default)]
    accessories: Option<Vec<Accessory>>,
}

#[derive(Deserialize)]
struct Reference {
    child_digest: String,
}

#[derive(Deserialize)]
struct Tag {
    name: String,
    push_time: Option<String>,
}

#[derive(Deserialize)]
struct Accessory {
    digest: String,
    subject_artifact_digest: Option<String>,
    size: Option<i64>,
    creation_time: Option<String>,
}

/// `PROJECT/NAME` → the artifacts path, NAME escaped twice as Harbor requires (`a/b` → `a%252Fb`).
fn artifacts_path(repo: &str, what: &str) -> Result<String> {
    let (project, name) = repo
        .split_once('/')
        .ok_or_else(|| StoreError::Unsupported {
            what: what.to_string(),
            detail: "a Harbor repository is named PROJECT/NAME".into(),
        })?;
    let once = utf8_percent_encode(name, SEGMENT).to_string();
    let twice = utf8_percent_encode(&once, SEGMENT).to_string();
    Ok(format!(
        "/api/v2.0/projects/{}/repositories/{twice}/artifacts",
        utf8_percent_encode(project, SEGMENT)
    ))
}

fn digest(s: &str, what: &str) -> Result<Digest> {
    s.parse()
        .map_err(|e| invalid(what, format!("listed digest: {e}")))
}

fn str_attr(a: &HashMap<String, serde_json::Value>, k: &str) -> String {
    a.get(k)
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
}

fn artifact_entry(a: &Artifact, what: &str) -> Result<ListedManifest> {
    let mut m = ListedManifest::new(digest(&a.digest, what)?);
    m.media_type = a.manifest_media_type.clone().filter(|t| !t.is_empty());
    m.config_media_type = a.media_type.clone().filter(|t| !t.is_empty());
    m.artifact_type = a.artifact_type.clone().filter(|t| !t.is_empty());
    m.vendor_size = a.size.and_then(|s| u64::try_from(s).ok());
    m.created = a.push_time.clone();
    for t in a.tags.iter().flatten() {
        m.tags.push(t.name.clone());
        if t.push_time > m.updated {
            m.updated = t.push_time.clone();
        }
    }
    if let Some(x) = &a.extra_attrs {
        let (arch, os) = (str_attr(x, "architecture"), str_attr(x, "os"));
        if !arch.is_empty() || !os.is_empty() {
            m.platform = Some(Platform {
                architecture: arch,
                os,
                variant: None,
                os_version: None,
            });
        }
    }
    for r in a.references.iter().flatten() {
        m.children.push(digest(&r.child_digest, what)?);
    }
    Ok(m)
}

fn accessory_entry(a: &Accessory, what: &str) -> Result<ListedManifest> {
    let mut m = ListedManifest::new(digest(&a.digest, what)?);
    m.vendor_size = a.size.and_then(|s| u64::try_from(s).ok());
    m.created = a.creation_time.clone();
    m.subject = match a.subject_artifact_digest.as_deref() {
        Some(s) if !s.is_empty() => Some(digest(s, what)?),
        _ => None,
    };
    Ok(m)
}

/// Follows a Harbor listing's pages (Link `rel="next"`), bounded.
async fn all_pages<T: serde::de::DeserializeOwned>(
    client: &Client,
    first: String,
    scope: &str,
    what: &str,
) -> Result<Vec<T>> {
    let mut out = Vec::new();
    let mut url = Some(first);
    let mut seen_urls = HashSet::new();
    while let Some(u) = url.take() {
        if seen_urls.len() >= MAX_PAGES || !seen_urls.insert(u.clone()) {
            return Err(invalid(what, "paging did not end; stopped"));
        }
        let (page, next, _) = get_page::<Vec<T>>(client, &u, scope, what).await?;
        let empty = page.is_empty();
        out.extend(page);
        if out.len() > MAX_LISTED {
            return Err(invalid(
                what,
                format!("more than {MAX_LISTED} entries; stopped"),
            ));
        }
        url = next.filter(|_| !empty);
    }
    Ok(out)
}

/// Every artifact of `repo` and every accessory below them, at any depth.
pub(super) async fn list(client: &Client, repo: &str) -> Result<ManifestListing> {
    let what = format!("Harbor artifact listing of {}/{repo}", client.host());
    let scope = format!("repository:{repo}:pull");
    let base = artifacts_path(repo, &what)?;
    let first =
        format!("{base}?q=base%3D*&with_tag=true&with_accessory=true&page_size={PAGE}&page=1");
    let artifacts: Vec<Artifact> = all_pages(client, first, &scope, &what).await?;
    let mut entries = Vec::new();
    let mut seen = HashSet::new();
    let mut todo = VecDeque::new();
    for a in &artifacts {
        let m = artifact_entry(a, &what)?;
        if seen.insert(m.digest.clone()) {
            entries.push(m);
        }
        for acc in a.accessories.iter().flatten() {
            todo.push_back(accessory_entry(acc, &what)?);
        }
    }
    // Accessories are not artifacts to Harbor's list: walk them down from their subjects.
    while let Some(m) = todo.pop_front() {
        if !seen.insert(m.digest.clone()) {
            continue;
        }
        if seen.len() > MAX_LISTED {
            return Err(invalid(
                &what,
                format!("more than {MAX_LISTED} manifests; stopped"),
            ));
        }
        let url = format!("{base}/{}/accessories?page_size={PAGE}&page=1", m.digest);
        let below: Vec<Accessory> = all_pages(client, url, &scope, &what).await?;
        for acc in &below {
            todo.push_back(accessory_entry(acc, &what)?);
        }
        entries.push(m);
    }
    Ok(ManifestListing {
        complete: true,
        source: ListingSource::Harbor,
        entries,
        caveat: Some(CAVEAT.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_are_escaped_twice_below_the_project() {
        assert_eq!(
            artifacts_path("library/team/app", "t").unwrap(),
            "/api/v2.0/projects/library/repositories/team%252Fapp/artifacts"
        );
        assert_eq!(
            artifacts_path("p/my-app_1.0", "t").unwrap(),
            "/api/v2.0/projects/p/repositories/my-app_1.0/artifacts"
        );
        assert!(artifacts_path("noproject", "t").is_err());
    }

    #[test]
    fn artifacts_and_accessories_map_to_listed_manifests() {
        let d = |c: char| format!("sha256:{}", c.to_string().repeat(64));
        let body = format!(
            r#"[{{"id":1,"type":"IMAGE","media_type":"application/vnd.oci.image.index.v1+json",
                "manifest_media_type":"application/vnd.oci.image.index.v1+json","digest":"{}","size":2113,
                "push_time":"2024-05-01T10:00:00.000Z","pull_time":"0001-01-01T00:00:00.000Z","extra_attrs":{{}},
                "references":[{{"parent_id":1,"child_id":2,"child_digest":"{}","platform":{{"architecture":"arm64","os":"linux"}}}}],
                "tags":[{{"id":9,"name":"v1","push_time":"2024-05-02T10:00:00.000Z","immutable":false}}],"labels":null,
                "accessories":[{{"id":3,"artifact_id":4,"subject_artifact_digest":"{}","subject_artifact_repo":"p/app",
                "size":700,"digest":"{}","type":"signature.notation","icon":"","creation_time":"2024-05-03T10:00:00.000Z"}}]}},
               {{"id":2,"type":"IMAGE","media_type":"application/vnd.oci.image.config.v1+json",
                "manifest_media_type":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":811,
                "extra_attrs":{{"architecture":"arm64","os":"linux","created":"2024-01-01T00:00:00Z"}},
                "references":null,"tags":null,"accessories":null}}]"#,
            d('a'),
            d('b'),
            d('a'),
            d('c'),
            d('b')
        );
        let arts: Vec<Artifact> = serde_json::from_str(&body).unwrap();
        let idx = artifact_entry(&arts[0], "t").unwrap();
        assert_eq!(idx.tags, vec!["v1"]);
        assert_eq!(idx.updated.as_deref(), Some("2024-05-02T10:00:00.000Z"));
        assert_eq!(idx.children.len(), 1);
        let child = artifact_entry(&arts[1], "t").unwrap();
        assert_eq!(child.platform.unwrap().to_string(), "linux/arm64");
        assert_eq!(
            child.config_media_type.as_deref(),
            Some("application/vnd.oci.image.config.v1+json")
        );
        let acc = accessory_entry(&arts[0].accessories.as_ref().unwrap()[0], "t").unwrap();
        assert_eq!(acc.subject, Some(idx.digest.clone()));
        assert_eq!(acc.created.as_deref(), Some("2024-05-03T10:00:00.000Z"));
    }
}
