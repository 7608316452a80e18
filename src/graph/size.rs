//! Image sizes: what a manifest's blobs weigh (config + layers), and for an index the sum over
//! the manifests it lists. One rule for every front end: the TUI's SIZE column, the describe
//! view and the repository inventory all call [`image_size`].
use crate::oci::{Digest, Manifest};
use crate::store::{Result, Store, StoreError};

/// Indexes nest at most this deep for a sum (a cycle of indexes ends here).
pub const MAX_INDEX_DEPTH: usize = 4;
/// Entries of one index summed at most (more, and the size is not known).
pub const MAX_INDEX_ENTRIES: usize = 256;

/// Config + layers (or a legacy ORAS artifact's blobs) of a manifest that is not an index.
pub fn blobs_size(m: &Manifest) -> u64 {
    m.config
        .iter()
        .chain(m.files())
        .map(|b| b.size.max(0) as u64)
        .fold(0, u64::saturating_add)
}

/// The image size of `m`: its blobs, or for an index the sum of the image sizes `child`
/// gives for each entry (`None` when any entry's size is unknown or there are too many).
pub fn image_size(m: &Manifest, child: &mut dyn FnMut(&Digest) -> Option<u64>) -> Option<u64> {
    if !m.is_index() {
        return Some(blobs_size(m));
    }
    if m.manifests.len() > MAX_INDEX_ENTRIES {
        return None;
    }
    m.manifests.iter().try_fold(0u64, |acc, e| {
        child(&e.digest).map(|s| acc.saturating_add(s))
    })
}

/// [`image_size`] with an index's entries fetched from `store` (each verified, bounded in
/// count and depth).
pub async fn fetch_image_size(store: &dyn Store, repo: &str, m: &Manifest) -> Result<u64> {
    sum(store, repo, m, 0).await
}

async fn sum(store: &dyn Store, repo: &str, m: &Manifest, depth: usize) -> Result<u64> {
    if !m.is_index() {
        return Ok(blobs_size(m));
    }
    let too_big = |detail: String| StoreError::Invalid {
        what: format!("size of an index in {repo}"),
        detail,
    };
    if m.manifests.len() > MAX_INDEX_ENTRIES {
        return Err(too_big(format!(
            "more than {MAX_INDEX_ENTRIES} entries; not summed"
        )));
    }
    if depth >= MAX_INDEX_DEPTH {
        return Err(too_big(format!(
            "indexes nested deeper than {MAX_INDEX_DEPTH}"
        )));
    }
    let mut sizes = std::collections::HashMap::new();
    for e in &m.manifests {
        let child = store.manifest(repo, &e.digest.to_string()).await?;
        let s = Box::pin(sum(store, repo, &child.manifest, depth + 1)).await?;
        sizes.insert(e.digest.clone(), s);
    }
    image_size(m, &mut |d| sizes.get(d).copied()).ok_or_else(|| too_big("unknown entry".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{media, Descriptor};

    fn blob(size: i64) -> Descriptor {
        Descriptor {
            media_type: "application/octet-stream".into(),
            digest: Digest::sha256_of(size.to_string().as_bytes()),
            size,
            artifact_type: None,
            annotations: None,
            platform: None,
            urls: None,
        }
    }

    #[test]
    fn an_image_weighs_its_config_and_layers_an_index_its_entries() {
        let img = Manifest {
            media_type: Some(media::OCI_MANIFEST.into()),
            config: Some(blob(100)),
            layers: vec![blob(1000), blob(24)],
            ..Default::default()
        };
        assert_eq!(image_size(&img, &mut |_| None), Some(1124));
        let (a, b) = (blob(1), blob(2));
        let idx = Manifest {
            media_type: Some(media::OCI_INDEX.into()),
            manifests: vec![a.clone(), b.clone()],
            ..Default::default()
        };
        let mut known = |d: &Digest| {
            (d == &a.digest)
                .then_some(10)
                .or((d == &b.digest).then_some(32))
        };
        assert_eq!(image_size(&idx, &mut known), Some(42));
        assert_eq!(
            image_size(&idx, &mut |_| None),
            None,
            "an unknown entry: no sum"
        );
        let negative = Manifest {
            layers: vec![blob(-5), blob(7)],
            ..Default::default()
        };
        assert_eq!(
            blobs_size(&negative),
            7,
            "a negative size counts as nothing"
        );
    }
}
