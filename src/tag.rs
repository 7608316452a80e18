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
    let ok = !t.is_empty()
        && t.len() <= 128
        && t.chars().enumerate().all(|(i, c)| {
            c.is_ascii_alphanumeric() || c == '_' || (i > 0 && (c == '.' || c == '-'))
        });
    if !ok {
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
