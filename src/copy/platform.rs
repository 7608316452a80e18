//! `--platform os/arch[/variant]`: which entries of an index a copy keeps, and the filtered
//! index itself (the source's JSON with only those entries, so its digest changes).
use crate::graph::buildx_attestation_target;
use crate::oci::{Descriptor, Digest, Platform};
use std::collections::HashSet;

/// One `os/arch[/variant]` the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformFilter {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl std::str::FromStr for PlatformFilter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let ok = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        };
        match parts.as_slice() {
            [os, arch] if ok(os) && ok(arch) => Ok(PlatformFilter {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: None,
            }),
            [os, arch, v] if ok(os) && ok(arch) && ok(v) => Ok(PlatformFilter {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: Some(v.to_string()),
            }),
            _ => Err(format!(
                "invalid platform {s:?}: expected os/arch or os/arch/variant, e.g. linux/arm64/v8"
            )),
        }
    }
}

impl std::fmt::Display for PlatformFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl PlatformFilter {
    /// True when `p` is this platform (any variant when the filter names none).
    pub fn matches(&self, p: &Platform) -> bool {
        p.os == self.os
            && p.architecture == self.architecture
            && self
                .variant
                .as_ref()
                .is_none_or(|v| p.variant.as_deref() == Some(v))
    }
}

/// The entries of an index kept by `filters`: matching platform manifests, and the buildx
/// attestation manifests that describe one of them.
pub fn kept_entries(entries: &[Descriptor], filters: &[PlatformFilter]) -> HashSet<Digest> {
    let platforms: HashSet<Digest> = entries
        .iter()
        .filter(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| filters.iter().any(|f| f.matches(p)))
                && buildx_attestation_target(d).is_none()
        })
        .map(|d| d.digest.clone())
        .collect();
    let attestations = entries
        .iter()
        .filter(|d| buildx_attestation_target(d).is_some_and(|t| platforms.contains(&t)));
    let mut kept = platforms.clone();
    kept.extend(attestations.map(|d| d.digest.clone()));
    kept
}

/// The index `bytes` with only the `kept` entries, every other field as it was; `None` when it
/// keeps them all (the source bytes are copied as they are).
pub fn filter_index(bytes: &[u8], kept: &HashSet<Digest>) -> Result<Option<Vec<u8>>, String> {
    let mut v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("index is not JSON: {e}"))?;
    let entries = v
        .get_mut("manifests")
        .and_then(|m| m.as_array_mut())
        .ok_or("index has no manifests array")?;
    let before = entries.len();
    entries.retain(|e| {
        e.get("digest")
            .and_then(|d| d.as_str())
            .and_then(|d| d.parse::<Digest>().ok())
            .is_some_and(|d| kept.contains(&d))
    });
    if entries.len() == before {
        return Ok(None);
    }
    serde_json::to_vec(&v)
        .map(Some)
        .map_err(|e| format!("cannot write the filtered index: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::media;

    fn entry(data: &[u8], platform: Option<(&str, &str, Option<&str>)>) -> Descriptor {
        Descriptor {
            media_type: media::OCI_MANIFEST.into(),
            digest: Digest::sha256_of(data),
            size: 1,
            artifact_type: None,
            annotations: None,
            platform: platform.map(|(os, a, v)| Platform {
                os: os.into(),
                architecture: a.into(),
                variant: v.map(str::to_string),
                os_version: None,
            }),
            urls: None,
        }
    }

    #[test]
    fn parses_and_matches_platforms() {
        let f: PlatformFilter = "linux/arm64".parse().unwrap();
        let arm = entry(b"a", Some(("linux", "arm64", Some("v8"))));
        assert!(f.matches(arm.platform.as_ref().unwrap()));
        let v7: PlatformFilter = "linux/arm/v7".parse().unwrap();
        assert_eq!(v7.to_string(), "linux/arm/v7");
        assert!(!v7.matches(arm.platform.as_ref().unwrap()));
        for bad in ["linux", "linux/", "a/b/c/d", "linux/amd64;rm"] {
            assert!(bad.parse::<PlatformFilter>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keeps_matching_platforms_and_their_attestations() {
        let amd = entry(b"amd", Some(("linux", "amd64", None)));
        let arm = entry(b"arm", Some(("linux", "arm64", None)));
        let mut att = entry(b"att", Some(("unknown", "unknown", None)));
        att.annotations = Some(
            [
                (
                    "vnd.docker.reference.type".to_string(),
                    "attestation-manifest".to_string(),
                ),
                (
                    "vnd.docker.reference.digest".to_string(),
                    amd.digest.to_string(),
                ),
            ]
            .into(),
        );
        let entries = vec![amd.clone(), arm.clone(), att.clone()];
        let kept = kept_entries(&entries, &["linux/amd64".parse().unwrap()]);
        assert_eq!(
            kept,
            HashSet::from([amd.digest.clone(), att.digest.clone()])
        );
        let idx = serde_json::json!({"schemaVersion": 2, "mediaType": media::OCI_INDEX,
            "manifests": entries, "annotations": {"z": "1"}});
        let bytes = serde_json::to_vec(&idx).unwrap();
        let out = filter_index(&bytes, &kept).unwrap().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["manifests"].as_array().unwrap().len(), 2);
        assert_eq!(v["annotations"]["z"], "1");
        let all: HashSet<Digest> = [amd.digest, arm.digest, att.digest].into();
        assert_eq!(filter_index(&bytes, &all).unwrap(), None);
    }
}
