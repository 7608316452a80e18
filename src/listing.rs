//! What a store can say about every manifest of a repository without walking a graph: a vendor
//! listing API (ACR, Harbor) or an OCI layout's blobs. Registries with only the distribution API
//! have no such listing; there arbor knows only what tags, referrers and fallback indexes lead to.
use crate::oci::{Digest, Platform};
use serde::Serialize;
use std::fmt;

/// The kind of registry (or store) arbor detected, for headers and listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegistryKind {
    /// Azure Container Registry: `/acr/v1/` metadata API.
    Acr,
    /// Harbor: `/api/v2.0/` artifacts API.
    Harbor,
    /// Any other registry: the distribution API only.
    Generic,
    /// An OCI image layout directory.
    OciLayout,
}

impl fmt::Display for RegistryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegistryKind::Acr => "ACR",
            RegistryKind::Harbor => "Harbor",
            RegistryKind::Generic => "distribution API",
            RegistryKind::OciLayout => "OCI layout",
        })
    }
}

/// ACR's login servers: `<name>.azurecr.io` and the sovereign clouds' equivalents.
pub fn is_acr_host(host: &str) -> bool {
    let h = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    let h = h.to_ascii_lowercase();
    [".azurecr.io", ".azurecr.cn", ".azurecr.us", ".azurecr.de"]
        .iter()
        .any(|s| h.ends_with(s))
}

/// The registry name `az` takes (`--name`): the first label of an ACR login server.
pub fn acr_registry_name(host: &str) -> Option<&str> {
    is_acr_host(host)
        .then(|| host.split('.').next())
        .flatten()
        .filter(|n| !n.is_empty())
}

/// Where a list of a repository's manifests came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListingSource {
    /// `GET /acr/v1/{repo}/_manifests`.
    Acr,
    /// `GET /api/v2.0/projects/{p}/repositories/{r}/artifacts` (with accessories).
    Harbor,
    /// Every manifest blob of an OCI layout.
    OciLayout,
    /// No listing: only what tags, referrers and fallback indexes lead to.
    Reachable,
}

impl fmt::Display for ListingSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListingSource::Acr => "ACR manifest listing",
            ListingSource::Harbor => "Harbor artifact listing",
            ListingSource::OciLayout => "OCI layout blobs",
            ListingSource::Reachable => "reachable from tags",
        })
    }
}

impl ListingSource {
    /// The listing a registry (or store) of this kind gives.
    pub fn of(kind: RegistryKind) -> Self {
        match kind {
            RegistryKind::Acr => ListingSource::Acr,
            RegistryKind::Harbor => ListingSource::Harbor,
            RegistryKind::Generic => ListingSource::Reachable,
            RegistryKind::OciLayout => ListingSource::OciLayout,
        }
    }
}

/// The changeable attributes of a manifest (ACR's `changeableAttributes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Locks {
    pub delete_enabled: bool,
    pub write_enabled: bool,
    pub read_enabled: bool,
    pub list_enabled: bool,
}

impl Locks {
    /// True when the manifest may not be deleted or overwritten.
    pub fn locked(&self) -> bool {
        !self.delete_enabled || !self.write_enabled
    }
}

/// One manifest as a listing reports it; every field but the digest is optional because
/// vendors report different things (nothing here is trusted for classification on its own).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedManifest {
    pub digest: Digest,
    pub media_type: Option<String>,
    pub artifact_type: Option<String>,
    pub config_media_type: Option<String>,
    /// Size of the manifest itself, when known.
    pub manifest_size: Option<u64>,
    /// The size the vendor reports (its own definition: ACR `imageSize`, Harbor `size`).
    pub vendor_size: Option<u64>,
    pub tags: Vec<String>,
    /// RFC 3339 time the registry recorded the manifest (push time).
    pub created: Option<String>,
    pub updated: Option<String>,
    pub platform: Option<Platform>,
    pub locks: Option<Locks>,
    /// Its subject, where the vendor says (Harbor accessories).
    pub subject: Option<Digest>,
    /// Manifests it lists (an index's entries).
    pub children: Vec<Digest>,
}

impl ListedManifest {
    /// A listed manifest known only by its digest.
    pub fn new(digest: Digest) -> Self {
        ListedManifest {
            digest,
            media_type: None,
            artifact_type: None,
            config_media_type: None,
            manifest_size: None,
            vendor_size: None,
            tags: Vec::new(),
            created: None,
            updated: None,
            platform: None,
            locks: None,
            subject: None,
            children: Vec::new(),
        }
    }
}

/// Every manifest a store listed for one repository.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManifestListing {
    /// The store listed every manifest it holds (see `caveat` for known exceptions).
    pub complete: bool,
    pub source: ListingSource,
    pub entries: Vec<ListedManifest>,
    /// What the listing is known not to show, in one sentence.
    pub caveat: Option<String>,
}
