//! Tags grouped by the manifest they point at.
use crate::oci::{tags, Descriptor, Digest};
use crate::store::{Result, Store};
use futures::StreamExt;
use std::collections::HashMap;

/// Resolves tags concurrently (16 at a time) and groups them by the digest they point at;
/// tags that vanished meanwhile are left out, and so are names outside the tag grammar (a
/// registry listed them, but no request can name them).
pub async fn resolve_tags(
    store: &dyn Store,
    repo: &str,
    tags: Vec<String>,
) -> Result<HashMap<Digest, Vec<String>>> {
    let valid = tags.into_iter().filter(|t| tags::is_valid_tag(t));
    let resolved: Vec<(String, Result<Descriptor>)> = futures::stream::iter(valid)
        .map(|t| async move {
            let r = store.resolve(repo, &t).await;
            (t, r)
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut map: HashMap<Digest, Vec<String>> = HashMap::new();
    for (t, r) in resolved {
        match r {
            Ok(d) => map.entry(d.digest).or_default().push(t),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(map)
}
