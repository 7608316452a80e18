//! Container images: their config summarised (platform, created, command) and their layers
//! listed by media type, size and title — never downloaded (a layer is a tarball, not a
//! document to decode).
use crate::oci::config::{ImageConfig, MAX_CONFIG_BYTES};
use crate::oci::{media, Manifest};
use crate::store::Store;
use serde::Serialize;

/// What the config of an image says.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ImageSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Entrypoint and command, as one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub env_count: usize,
    pub labels: usize,
    pub layers: usize,
    /// Config + layers (`graph::size::blobs_size`).
    pub size: u64,
}

/// True for a layer of a container image (a tarball, plain or compressed).
pub fn is_image_layer(media_type: &str) -> bool {
    media_type.starts_with("application/vnd.oci.image.layer.")
        || media_type.starts_with("application/vnd.docker.image.rootfs.")
}

/// The config summary of an image manifest (none for an index or an artifact).
pub async fn summary(store: &dyn Store, repo: &str, m: &Manifest) -> Option<ImageSummary> {
    let c = m.config.as_ref()?;
    if c.media_type != media::OCI_CONFIG && c.media_type != media::DOCKER_CONFIG {
        return None;
    }
    if !m.files().iter().any(|l| is_image_layer(&l.media_type)) {
        return None;
    }
    let cfg = store
        .blob_bytes(repo, c, MAX_CONFIG_BYTES)
        .await
        .ok()
        .and_then(|b| ImageConfig::parse(&b))
        .unwrap_or_default();
    let command: Vec<String> = cfg.entrypoint.iter().chain(&cfg.cmd).cloned().collect();
    Some(ImageSummary {
        platform: cfg.platform.map(|p| p.to_string()),
        created: cfg.created,
        author: cfg.author,
        command: (!command.is_empty()).then(|| super::clip(&command.join(" "), 200)),
        user: cfg.user,
        env_count: cfg.env_count,
        labels: cfg.labels.len(),
        layers: m.files().len(),
        size: crate::graph::size::blobs_size(m),
    })
}
