//! What a manifest is, in words shown to the user: image, index, cosign signature, SBOM… — decided
//! from its tag (cosign's `.sig/.att/.sbom`), artifact type, layer types and media type.
use crate::oci::tags::CosignTag;
use crate::oci::{media, Manifest};
use serde::Serialize;
use std::fmt;

/// The role of a manifest in a repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Image,
    Index,
    /// cosign's legacy `sha256-<hex>.sig` tag, or an OCI 1.1 cosign signature.
    CosignSignature,
    /// cosign's legacy `sha256-<hex>.att` tag.
    CosignAttestation,
    /// cosign's legacy `sha256-<hex>.sbom` tag.
    CosignSbom,
    SigstoreBundle,
    NotationSignature,
    Sbom,
    Attestation,
    /// A `sha256-<hex>` referrers tag-schema index.
    FallbackIndex,
    Artifact,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Image => "image",
            Kind::Index => "index",
            Kind::CosignSignature => "cosign signature",
            Kind::CosignAttestation => "cosign attestation",
            Kind::CosignSbom => "cosign SBOM",
            Kind::SigstoreBundle => "sigstore bundle",
            Kind::NotationSignature => "notation signature",
            Kind::Sbom => "SBOM",
            Kind::Attestation => "attestation",
            Kind::FallbackIndex => "fallback index",
            Kind::Artifact => "artifact",
        })
    }
}

impl From<CosignTag> for Kind {
    fn from(t: CosignTag) -> Kind {
        match t {
            CosignTag::Signature => Kind::CosignSignature,
            CosignTag::Attestation => Kind::CosignAttestation,
            CosignTag::Sbom => Kind::CosignSbom,
        }
    }
}

const COSIGN_SIG_ARTIFACT: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";
const COSIGN_SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const NOTATION: &str = "application/vnd.cncf.notary.signature";
const DSSE: &str = "application/vnd.dsse.envelope.v1+json";
const IN_TOTO: &str = "application/vnd.in-toto+json";

/// True for config media types that make a manifest a runnable image.
fn is_image_config(t: &str) -> bool {
    t == media::OCI_CONFIG || t == media::DOCKER_CONFIG
}

/// The artifact type of a manifest: `artifactType`, else the config media type unless that is an
/// image config or the empty config (an image or a cosign legacy signature has none).
pub fn artifact_type(m: &Manifest) -> Option<String> {
    if let Some(t) = m.artifact_type.as_ref().filter(|t| !t.is_empty()) {
        return Some(t.clone());
    }
    m.config
        .as_ref()
        .map(|c| c.media_type.clone())
        .filter(|t| !t.is_empty() && !is_image_config(t) && t != media::OCI_EMPTY)
}

/// What a manifest is; `cosign_tag` is the cosign legacy tag naming it, if any.
pub fn kind_of(m: &Manifest, cosign_tag: Option<Kind>, fallback_index: bool) -> Kind {
    if fallback_index {
        return Kind::FallbackIndex;
    }
    if let Some(k) = cosign_tag {
        return k;
    }
    let layer_types: Vec<&str> = m.files().iter().map(|l| l.media_type.as_str()).collect();
    let t = artifact_type(m).unwrap_or_default();
    let has_layer = |want: &str| layer_types.contains(&want);
    if t == NOTATION {
        Kind::NotationSignature
    } else if t == COSIGN_SIG_ARTIFACT || has_layer(COSIGN_SIMPLE_SIGNING) {
        Kind::CosignSignature
    } else if t.starts_with("application/vnd.dev.sigstore.bundle") {
        Kind::SigstoreBundle
    } else if t.contains("spdx") || t.contains("cyclonedx") || t.contains("sbom") {
        Kind::Sbom
    } else if t.contains("in-toto")
        || t.contains("attestation")
        || t == DSSE
        || has_layer(DSSE)
        || has_layer(IN_TOTO)
    {
        Kind::Attestation
    } else if m.is_index() {
        Kind::Index
    } else if m
        .config
        .as_ref()
        .is_some_and(|c| is_image_config(&c.media_type))
    {
        Kind::Image
    } else {
        Kind::Artifact
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::tags::TagRole;

    fn manifest(json: &str) -> Manifest {
        Manifest::parse(json.as_bytes(), None).unwrap()
    }
    const D: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    fn cosign_tag_kind(tag: &str) -> Option<Kind> {
        match TagRole::of(tag) {
            TagRole::Cosign(t, _) => Some(t.into()),
            TagRole::Fallback(_) | TagRole::Plain => None,
        }
    }

    #[test]
    fn cosign_legacy_signature_has_no_artifact_type_and_is_labelled_by_its_tag() {
        let sig = manifest(&format!(
            r#"{{"mediaType":"{}","config":{{"mediaType":"{}","digest":"{D}","size":1}},"layers":[{{"mediaType":"{COSIGN_SIMPLE_SIGNING}","digest":"{D}","size":1}}]}}"#,
            media::OCI_MANIFEST,
            media::OCI_CONFIG
        ));
        assert_eq!(
            artifact_type(&sig),
            None,
            "not application/vnd.oci.image.config.v1+json"
        );
        let tag = format!("sha256-{}.sig", &D[7..]);
        assert_eq!(
            kind_of(&sig, cosign_tag_kind(&tag), false),
            Kind::CosignSignature
        );
        // found without its tag, the simple-signing layer still says what it is
        assert_eq!(kind_of(&sig, None, false), Kind::CosignSignature);
        assert_eq!(Kind::CosignSignature.to_string(), "cosign signature");
        assert_eq!(
            cosign_tag_kind(&format!("sha256-{}.att", &D[7..])),
            Some(Kind::CosignAttestation)
        );
        assert_eq!(
            cosign_tag_kind(&format!("sha256-{}.sbom", &D[7..])),
            Some(Kind::CosignSbom)
        );
        assert_eq!(cosign_tag_kind("v1.sig"), None);
    }

    #[test]
    fn artifacts_images_and_indexes() {
        let art = |t: &str| {
            manifest(&format!(
                r#"{{"mediaType":"{}","artifactType":"{t}","config":{{"mediaType":"{}","digest":"{D}","size":2}},"layers":[]}}"#,
                media::OCI_MANIFEST,
                media::OCI_EMPTY
            ))
        };
        assert_eq!(
            kind_of(&art(NOTATION), None, false),
            Kind::NotationSignature
        );
        assert_eq!(
            kind_of(&art("application/spdx+json"), None, false),
            Kind::Sbom
        );
        assert_eq!(
            kind_of(&art("application/vnd.cyclonedx+json"), None, false),
            Kind::Sbom
        );
        assert_eq!(
            kind_of(
                &art("application/vnd.dev.sigstore.bundle.v0.3+json"),
                None,
                false
            ),
            Kind::SigstoreBundle
        );
        assert_eq!(
            kind_of(&art(COSIGN_SIG_ARTIFACT), None, false),
            Kind::CosignSignature
        );
        assert_eq!(kind_of(&art("readme/example"), None, false), Kind::Artifact);
        assert_eq!(
            artifact_type(&art("readme/example")).as_deref(),
            Some("readme/example")
        );
        let image = manifest(&format!(
            r#"{{"mediaType":"{}","config":{{"mediaType":"{}","digest":"{D}","size":2}},"layers":[]}}"#,
            media::DOCKER_MANIFEST,
            media::DOCKER_CONFIG
        ));
        assert_eq!(kind_of(&image, None, false), Kind::Image);
        assert_eq!(artifact_type(&image), None);
        let index = manifest(&format!(
            r#"{{"mediaType":"{}","manifests":[{{"mediaType":"{}","digest":"{D}","size":2}}]}}"#,
            media::OCI_INDEX,
            media::OCI_MANIFEST
        ));
        assert_eq!(kind_of(&index, None, false), Kind::Index);
        assert_eq!(kind_of(&index, None, true), Kind::FallbackIndex);
        let legacy_config_type = manifest(&format!(
            r#"{{"mediaType":"{}","config":{{"mediaType":"application/vnd.example.thing.config.v1+json","digest":"{D}","size":2}},"layers":[]}}"#,
            media::OCI_MANIFEST
        ));
        assert_eq!(
            artifact_type(&legacy_config_type).as_deref(),
            Some("application/vnd.example.thing.config.v1+json")
        );
    }
}
