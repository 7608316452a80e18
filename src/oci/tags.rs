//! Tag names with a meaning: the referrers tag schema's `sha256-<hex>` fallback index tags and
//! cosign's legacy `sha256-<hex>.sig|.att|.sbom` tags, and which tags arbor hides by default.
use super::Digest;

/// The suffixes cosign appends to a fallback-style tag: signatures, attestations, SBOMs.
pub const COSIGN_SUFFIXES: [&str; 3] = [".sig", ".att", ".sbom"];

/// `sha256-<hex>`: the tag the referrers tag schema uses for the referrers of `subject`.
pub fn fallback_tag(subject: &Digest) -> String {
    format!("{}-{}", subject.algorithm().name(), subject.hex())
}

/// The digest a `sha256-<hex>` fallback tag names, if `tag` is one.
pub fn from_fallback_tag(tag: &str) -> Option<Digest> {
    let (alg, hex) = tag.split_once('-')?;
    format!("{alg}:{hex}").parse().ok()
}

/// The digest a cosign legacy tag (`sha256-<hex>.sig|.att|.sbom`) names, if `tag` is one.
pub fn cosign_tag_subject(tag: &str) -> Option<Digest> {
    let base = COSIGN_SUFFIXES.iter().find_map(|s| tag.strip_suffix(s))?;
    from_fallback_tag(base)
}

/// True for tags arbor hides by default: fallback index tags and cosign's legacy tags.
pub fn is_hidden_tag(tag: &str) -> bool {
    from_fallback_tag(tag).is_some() || cosign_tag_subject(tag).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_tags_round_trip() {
        let d = Digest::sha256_of(b"hello");
        assert_eq!(fallback_tag(&d), format!("sha256-{}", d.hex()));
        assert_eq!(from_fallback_tag(&fallback_tag(&d)), Some(d));
        assert_eq!(from_fallback_tag("v1"), None);
        assert_eq!(from_fallback_tag("sha256-abc.sig"), None);
    }

    #[test]
    fn cosign_tags_name_their_subject() {
        let d = Digest::sha256_of(b"image");
        for s in COSIGN_SUFFIXES {
            assert_eq!(
                cosign_tag_subject(&format!("{}{s}", fallback_tag(&d))),
                Some(d.clone())
            );
        }
        assert_eq!(cosign_tag_subject(&fallback_tag(&d)), None);
        assert_eq!(cosign_tag_subject("v1.sig"), None);
    }

    #[test]
    fn hides_fallback_and_cosign_tags_only() {
        let h = "a".repeat(64);
        assert!(is_hidden_tag(&format!("sha256-{h}")));
        assert!(is_hidden_tag(&format!("sha256-{h}.sig")));
        assert!(is_hidden_tag(&format!("sha256-{h}.att")));
        assert!(is_hidden_tag(&format!("sha256-{h}.sbom")));
        assert!(!is_hidden_tag("v1"));
        assert!(!is_hidden_tag("sha256-notadigest"));
        assert!(!is_hidden_tag(&format!("sha256-{h}.txt")));
    }
}
