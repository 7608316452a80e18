//! Manifests as registries serve them, read leniently.
//!
//! oci-spec's `ImageManifest`/`ImageIndex` are strict (a config is required, unknown
//! digest algorithms fail), while arbor must read whatever a registry holds — Docker v2
//! manifests, legacy ORAS artifact manifests, cosign's entries — and say what it found.
//! So parsing uses this one permissive shape; building new manifests (attach) uses oci-spec.
use super::digest::Digest;
use super::media;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A content descriptor, as found in manifests, indexes and referrers responses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    pub digest: Digest,
    #[serde(default)]
    pub size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Platform>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urls: Option<Vec<String>>,
}

/// Platform of an index entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct Platform {
    #[serde(default)]
    pub architecture: String,
    #[serde(default)]
    pub os: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(
        default,
        rename = "os.version",
        skip_serializing_if = "Option::is_none"
    )]
    pub os_version: Option<String>,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// Any manifest: OCI image manifest or index, Docker v2 manifest or list, ORAS artifact manifest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    #[serde(default)]
    pub schema_version: Option<i64>,
    #[serde(default)]
    pub media_type: Option<String>,
    #[serde(default)]
    pub artifact_type: Option<String>,
    #[serde(default)]
    pub config: Option<Descriptor>,
    #[serde(default)]
    pub layers: Vec<Descriptor>,
    /// Index / manifest list entries.
    #[serde(default)]
    pub manifests: Vec<Descriptor>,
    /// Legacy ORAS artifact manifest files.
    #[serde(default)]
    pub blobs: Vec<Descriptor>,
    #[serde(default)]
    pub subject: Option<Descriptor>,
    #[serde(default)]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// Why manifest bytes could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed manifest: {0}")]
pub struct ManifestError(String);

impl Descriptor {
    /// The OCI empty descriptor (`{}`), the config of an artifact manifest.
    pub fn empty() -> Self {
        Descriptor {
            media_type: media::OCI_EMPTY.into(),
            digest: Digest::sha256_of(b"{}"),
            size: 2,
            artifact_type: None,
            annotations: None,
            platform: None,
            urls: None,
        }
    }
}

/// Serialises a manifest with annotation keys sorted, so equal input gives equal digests.
pub fn canonical_json(v: serde_json::Value) -> serde_json::Result<Vec<u8>> {
    fn sort(v: serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::Object(m) => {
                let mut out = serde_json::Map::new();
                for (k, v) in m {
                    let v = if k == "annotations" {
                        match v {
                            serde_json::Value::Object(a) => {
                                let sorted: BTreeMap<String, serde_json::Value> =
                                    a.into_iter().collect();
                                serde_json::Value::Object(sorted.into_iter().collect())
                            }
                            other => other,
                        }
                    } else {
                        sort(v)
                    };
                    out.insert(k, v);
                }
                serde_json::Value::Object(out)
            }
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.into_iter().map(sort).collect())
            }
            other => other,
        }
    }
    serde_json::to_vec(&sort(v))
}

impl Manifest {
    /// Parses manifest bytes; `served_type` is the Content-Type the registry sent, used when
    /// the body has no `mediaType` field (allowed for OCI manifests).
    pub fn parse(bytes: &[u8], served_type: Option<&str>) -> Result<Self, ManifestError> {
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError(e.to_string()))?;
        Ok(m.infer_media_type(served_type))
    }

    /// Like [`Manifest::parse`], from a reader (big OCI layout indexes are not read whole).
    pub fn from_reader(
        r: impl std::io::Read,
        served_type: Option<&str>,
    ) -> Result<Self, ManifestError> {
        let m: Manifest = serde_json::from_reader(r).map_err(|e| ManifestError(e.to_string()))?;
        Ok(m.infer_media_type(served_type))
    }

    fn infer_media_type(mut self, served_type: Option<&str>) -> Self {
        let m = &mut self;
        if m.media_type.is_none() {
            m.media_type = served_type
                .filter(|t| media::is_manifest(t))
                .map(str::to_string)
                .or_else(|| {
                    // Spec: an index has `manifests`, an image manifest has `config`.
                    if !m.manifests.is_empty() {
                        Some(media::OCI_INDEX.to_string())
                    } else if m.config.is_some() {
                        Some(media::OCI_MANIFEST.to_string())
                    } else {
                        None
                    }
                });
        }
        self
    }

    pub fn media_type(&self) -> &str {
        self.media_type.as_deref().unwrap_or("")
    }

    pub fn is_index(&self) -> bool {
        media::is_index(self.media_type())
    }

    /// The artifact type as oras reports it: `artifactType`, else the config media type
    /// unless that is the empty config.
    pub fn effective_artifact_type(&self) -> Option<String> {
        if let Some(t) = self.artifact_type.as_ref().filter(|t| !t.is_empty()) {
            return Some(t.clone());
        }
        self.config
            .as_ref()
            .map(|c| c.media_type.clone())
            .filter(|t| !t.is_empty())
    }

    /// The files of this manifest: layers, or the blobs of a legacy ORAS artifact.
    pub fn files(&self) -> &[Descriptor] {
        if self.layers.is_empty() {
            &self.blobs
        } else {
            &self.layers
        }
    }

    /// The `org.opencontainers.image.created` annotation, if any.
    pub fn created(&self) -> Option<&str> {
        self.annotations
            .as_ref()
            .and_then(|a| a.get(media::ANN_CREATED))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_an_oci_artifact_with_subject() {
        let d = Digest::sha256_of(b"x");
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"{}","artifactType":"sbom/example","config":{{"mediaType":"{}","digest":"{d}","size":2}},"layers":[],"subject":{{"mediaType":"{}","digest":"{d}","size":7}},"annotations":{{"org.opencontainers.image.created":"2024-01-01T00:00:00Z"}}}}"#,
            media::OCI_MANIFEST,
            media::OCI_EMPTY,
            media::OCI_MANIFEST
        );
        let m = Manifest::parse(body.as_bytes(), None).unwrap();
        assert_eq!(m.effective_artifact_type().as_deref(), Some("sbom/example"));
        assert_eq!(m.subject.as_ref().unwrap().digest, d);
        assert_eq!(m.created(), Some("2024-01-01T00:00:00Z"));
    }

    #[test]
    fn infers_media_type_and_rejects_garbage() {
        let m = Manifest::parse(
            br#"{"schemaVersion":2,"manifests":[]}"#,
            Some(media::OCI_INDEX),
        )
        .unwrap();
        assert!(m.is_index());
        assert!(Manifest::parse(b"not json", None).is_err());
        assert!(Manifest::parse(br#"{"config":{"digest":"bogus"}}"#, None).is_err());
    }
}
