//! Media types arbor reads and writes.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const ORAS_ARTIFACT: &str = "application/vnd.cncf.oras.artifact.manifest.v1+json";
pub const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
pub const ANN_TITLE: &str = "org.opencontainers.image.title";
pub const ANN_CREATED: &str = "org.opencontainers.image.created";
pub const ANN_REF_NAME: &str = "org.opencontainers.image.ref.name";

/// Every manifest media type, in the order sent in `Accept`.
pub const MANIFEST_ACCEPT: &[&str] = &[
    OCI_MANIFEST,
    OCI_INDEX,
    DOCKER_MANIFEST,
    DOCKER_LIST,
    ORAS_ARTIFACT,
];

/// True for media types that list other manifests (OCI index, Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST
}

/// True for any manifest media type arbor understands.
pub fn is_manifest(media_type: &str) -> bool {
    MANIFEST_ACCEPT.contains(&media_type)
}

/// A short human label for a media type, e.g. `oci manifest`.
pub fn short_label(media_type: &str) -> &str {
    match media_type {
        OCI_MANIFEST => "oci manifest",
        OCI_INDEX => "oci index",
        DOCKER_MANIFEST => "docker manifest",
        DOCKER_LIST => "docker list",
        ORAS_ARTIFACT => "oras artifact",
        other => other,
    }
}

/// `signature`, `sbom`, `attestation`… from an artifact type; otherwise its last path part.
pub fn artifact_word(t: &str) -> String {
    let l = t.to_ascii_lowercase();
    let known = [
        (
            &["signature", "cosign", "notary", "notation", "sigstore"][..],
            "signature",
        ),
        (&["sbom", "spdx", "cyclonedx", "syft"][..], "sbom"),
        (
            &["in-toto", "attestation", "provenance", "slsa", "vex"][..],
            "attestation",
        ),
        (&["vuln", "sarif", "scan", "trivy", "grype"][..], "scan"),
        (&["readme", "markdown", "text/"][..], "readme"),
    ];
    for (needles, word) in known {
        if needles.iter().any(|n| l.contains(n)) {
            return word.to_string();
        }
    }
    let last = l
        .rsplit(['/', '.'])
        .find(|s| !s.is_empty() && !s.starts_with("v1") && *s != "json")
        .unwrap_or(&l);
    last.trim_end_matches("+json").to_string()
}
