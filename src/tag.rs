//! Tagging: a manifest's exact bytes PUT again under new tags (no blob is sent; the digest
//! cannot change), and a tag removed on its own where the store allows it.
use crate::oci::{tags, Digest};
use crate::store::{Result, Store, StoreError};

/// Tags `repo@reference` with each of `new_tags`; the manifest's digest.
pub async fn add_tags(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    new_tags: &[String],
) -> Result<Digest> {
    for t in new_tags {
        check_tag(t)?;
    }
    let m = store.manifest(repo, reference).await?;
    for t in new_tags {
        let put = store
            .put_manifest(repo, t, &m.descriptor.media_type, m.bytes.clone())
            .await?;
        if put.digest != m.descriptor.digest {
            return Err(StoreError::DigestMismatch {
                what: format!("tag {t}"),
                expected: m.descriptor.digest.to_string(),
                actual: put.digest.to_string(),
            });
        }
    }
    store.invalidate(repo);
    Ok(m.descriptor.digest)
}

/// A tag as the distribution spec allows it: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`, and not one
/// of the names arbor reads meaning into (fallback and cosign tags).
pub fn check_tag(t: &str) -> Result<()> {
    if !tags::is_valid_tag(t) {
        return Err(StoreError::Invalid {
            what: format!("tag {t:?}"),
            detail: "a tag is 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'".into(),
        });
    }
    if tags::is_hidden_tag(t) {
        return Err(StoreError::Invalid {
            what: format!("tag {t}"),
            detail:
                "this name is a referrers fallback or cosign tag; arbor does not write it by hand"
                    .into(),
        });
    }
    Ok(())
}

/// What removing one tag came to.
#[derive(Debug, Clone)]
pub enum Untagged {
    /// The tag is gone; the manifest it pointed at stays.
    Removed(Digest),
    /// The store removes tags only with their manifest.
    Refused(Refusal),
}

/// Why a tag cannot go on its own, and what deleting its manifest would take with it.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub digest: Digest,
    /// The store's own words.
    pub detail: String,
    /// Every tag pointing at the same manifest (sorted; the tag itself when none is known).
    pub same: Vec<String>,
}

impl Refusal {
    /// The explanation `arbor untag` gives, for `name:tag` (terminal-safe).
    pub fn explain(&self, name: &str, tag: &str) -> String {
        let same: Vec<String> = self
            .same
            .iter()
            .map(|t| crate::text::tag_label(t).into_owned())
            .collect();
        let (name, tag) = (crate::text::escape(name), crate::text::tag_label(tag));
        format!(
            "{name}:{tag} cannot be removed on its own: {}. On this registry a tag goes only with its manifest: `arbor delete {name}@{}` deletes {} and every tag pointing at it ({}), with --cascade its referrers too",
            crate::text::escape(&self.detail),
            self.digest,
            self.digest.short(),
            same.join(", ")
        )
    }
}

/// Removes `tag` from `repo`, leaving its manifest, where the store can; where it cannot, what
/// deleting the manifest would remove instead.
pub async fn untag(store: &dyn Store, repo: &str, tag: &str) -> Result<Untagged> {
    let desc = store.resolve(repo, tag).await?;
    match store.delete_tag(repo, tag).await {
        Ok(()) => Ok(Untagged::Removed(desc.digest)),
        Err(StoreError::Unsupported { detail, .. }) => {
            let plain: Vec<String> = store
                .all_tags(repo)
                .await
                .unwrap_or_default()
                .into_iter()
                .filter(|x| !tags::is_hidden_tag(x))
                .collect();
            let mut same = crate::graph::tags::resolve_tags(store, repo, plain)
                .await
                .ok()
                .and_then(|mut m| m.remove(&desc.digest))
                .unwrap_or_default();
            same.sort();
            if same.is_empty() {
                same.push(tag.to_string());
            }
            Ok(Untagged::Refused(Refusal {
                digest: desc.digest,
                detail,
                same,
            }))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::check_tag;

    #[test]
    fn tags_follow_the_grammar() {
        for ok in ["v1", "latest", "1.2.3-rc_1", "_x"] {
            assert!(check_tag(ok).is_ok(), "{ok}");
        }
        let long = "a".repeat(129);
        let hidden = format!("sha256-{}", "a".repeat(64));
        for bad in [
            "",
            ".v1",
            "-v1",
            "a/b",
            "a:b",
            "v1\u{1b}",
            long.as_str(),
            hidden.as_str(),
        ] {
            assert!(check_tag(bad).is_err(), "{bad:?}");
        }
    }
}
