//! Words and sizes shown for references and descriptors, in every view and flash line.
use crate::oci::{media, Descriptor};

/// Tags as they are; digests shortened.
pub fn short_ref(r: &str) -> String {
    match r.parse::<crate::oci::Digest>() {
        Ok(d) => format!("@{}", d.short()),
        Err(_) => r.to_string(),
    }
}

/// `1.2 KiB`
pub fn human_size(n: i64) -> String {
    let n = n.max(0) as f64;
    if n < 1024.0 {
        format!("{n} B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.1} KiB", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / 1024.0 / 1024.0)
    } else {
        format!("{:.1} GiB", n / 1024.0 / 1024.0 / 1024.0)
    }
}

/// Platform for index children, else a word for the artifact type.
pub fn node_word(d: &Descriptor) -> String {
    if let Some(p) = &d.platform {
        return p.to_string();
    }
    match &d.artifact_type {
        Some(t) => artifact_word(t),
        None => media::short_label(&d.media_type).to_string(),
    }
}

pub use crate::oci::media::artifact_word;

/// The badge for an artifact type: SIG, SBOM, ATT, SCAN, DOC or REF.
pub fn badge(t: Option<&str>) -> &'static str {
    match t.map(artifact_word).as_deref() {
        Some("signature") => "SIG",
        Some("sbom") => "SBOM",
        Some("attestation") => "ATT",
        Some("scan") => "SCAN",
        Some("readme") => "DOC",
        _ => "REF",
    }
}

/// What a descriptor is, for a TYPE column: its artifact type, or the media type for plain images.
pub fn kind_label(media_type: &str, artifact_type: Option<&str>) -> String {
    match artifact_type {
        Some(t) if t != media::OCI_CONFIG && t != media::DOCKER_CONFIG => t.to_string(),
        _ => media::short_label(media_type).to_string(),
    }
}
