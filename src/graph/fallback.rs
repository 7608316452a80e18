//! The referrers tag schema's `sha256-<hex>` fallback index: read, edit, write back. Where a
//! registry has no referrers API, attach adds to it, delete removes from it, copy writes it.
use crate::oci::manifest::canonical_json;
use crate::oci::{media, tags, Descriptor, Digest};
use crate::store::{Result, Store, StoreError};
use bytes::Bytes;

/// Adds `referrer` to the fallback index of `subject` (a no-op when it is listed already).
pub async fn add_referrer(
    store: &dyn Store,
    repo: &str,
    subject: &Digest,
    referrer: &Descriptor,
) -> Result<()> {
    update_fallback_index(store, repo, subject, |entries| {
        if !entries.iter().any(|e| e.digest == referrer.digest) {
            entries.push(referrer.clone());
        }
    })
    .await
}

/// Read–modify–write of the `sha256-<hex>` index of `subject`, as the distribution spec's
/// referrers tag schema describes. An index left empty is deleted (or, where the registry
/// refuses deletes, written empty). The replaced index manifest is deleted when possible.
pub async fn update_fallback_index(
    store: &dyn Store,
    repo: &str,
    subject: &Digest,
    edit: impl FnOnce(&mut Vec<Descriptor>),
) -> Result<()> {
    let tag = tags::fallback_tag(subject);
    let (old_digest, mut entries) = match store.manifest(repo, &tag).await {
        Ok(f) => (Some(f.descriptor.digest), f.manifest.manifests),
        Err(e) if e.is_not_found() => (None, Vec::new()),
        Err(e) => return Err(e),
    };
    let before = entries.clone();
    edit(&mut entries);
    if entries == before && old_digest.is_some() {
        return Ok(());
    }
    if entries.is_empty() {
        if let Some(old) = &old_digest {
            match store.delete_manifest(repo, old).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_not_found() => return Ok(()),
                // Refused or failed: an empty index lists nothing stale, so write that instead.
                Err(e) => {
                    tracing::debug!(repo, error = %e, "empty fallback index not deleted; writing it empty")
                }
            }
        } else {
            return Ok(());
        }
    }
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": media::OCI_INDEX,
        "manifests": entries,
    });
    let bytes = canonical_json(index).map_err(|e| StoreError::Invalid {
        what: format!("fallback index {tag}"),
        detail: e.to_string(),
    })?;
    let put = store
        .put_manifest(repo, &tag, media::OCI_INDEX, Bytes::from(bytes))
        .await?;
    if let Some(old) = old_digest.filter(|o| *o != put.digest) {
        // The replaced index would linger untagged: remove it (best effort, as oras does).
        if let Err(e) = store.delete_manifest(repo, &old).await {
            tracing::debug!(repo, error = %e, "old fallback index not deleted");
        }
    }
    Ok(())
}

/// Of `descs`, those known to have no referrers without asking: on a registry read through the
/// tag fallback, a manifest that is not an index, has no `sha256-<hex>` tag and no cosign tag
/// has nothing attached. Empty anywhere else (the referrers API must be asked).
pub async fn known_leaves(
    store: &dyn Store,
    repo: &str,
    descs: &[Descriptor],
    cosign: &super::CosignTags,
) -> std::collections::HashSet<Digest> {
    if store.referrers_source(repo) != Some(crate::store::ReferrersSource::ReferrersTag) {
        return Default::default();
    }
    let Ok(all) = store.tag_list(repo).await else {
        return Default::default();
    };
    let listed: std::collections::HashSet<&str> = all.iter().map(String::as_str).collect();
    descs
        .iter()
        .filter(|d| !media::is_index(&d.media_type))
        .filter(|d| !cosign.contains_key(&d.digest))
        .filter(|d| !listed.contains(tags::fallback_tag(&d.digest).as_str()))
        .map(|d| d.digest.clone())
        .collect()
}
