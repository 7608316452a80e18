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
    match TagRole::of(tag) {
        TagRole::Cosign(_, d) => Some(d),
        TagRole::Fallback(_) | TagRole::Plain => None,
    }
}

/// What a cosign legacy tag's suffix says the tagged manifest is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CosignTag {
    /// `.sig`
    Signature,
    /// `.att`
    Attestation,
    /// `.sbom`
    Sbom,
}

/// The role a tag's name gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagRole {
    /// `sha256-<hex>`: the referrers tag schema's index for that subject.
    Fallback(Digest),
    /// `sha256-<hex>.sig|.att|.sbom`: cosign's legacy tag for that subject.
    Cosign(CosignTag, Digest),
    /// Any other tag.
    Plain,
}

impl TagRole {
    /// The role of `tag`, from its name alone.
    pub fn of(tag: &str) -> TagRole {
        if let Some(d) = from_fallback_tag(tag) {
            return TagRole::Fallback(d);
        }
        let kinds = [
            CosignTag::Signature,
            CosignTag::Attestation,
            CosignTag::Sbom,
        ];
        for (suffix, kind) in COSIGN_SUFFIXES.into_iter().zip(kinds) {
            if let Some(d) = tag.strip_suffix(suffix).and_then(from_fallback_tag) {
                return TagRole::Cosign(kind, d);
            }
        }
        TagRole::Plain
    }

    /// The digest the tag's name points at (the subject of its referrers or signature).
    pub fn subject(&self) -> Option<&Digest> {
        match self {
            TagRole::Fallback(d) | TagRole::Cosign(_, d) => Some(d),
            TagRole::Plain => None,
        }
    }
}

/// Longest tag the distribution grammar allows.
pub const MAX_TAG_LEN: usize = 128;

/// True when `tag` matches distribution's tag grammar `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`:
/// only such a tag may be put in a request URL (a URL parser trims or drops control
/// characters, so `v1\t` would be requested as `v1`).
pub fn is_valid_tag(tag: &str) -> bool {
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= MAX_TAG_LEN
        && (b[0].is_ascii_alphanumeric() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-'))
}

/// True for tags arbor hides by default: fallback index tags and cosign's legacy tags.
pub fn is_hidden_tag(tag: &str) -> bool {
    TagRole::of(tag) != TagRole::Plain
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
    fn tag_roles_come_from_the_name() {
        let d = Digest::sha256_of(b"image");
        let f = fallback_tag(&d);
        assert_eq!(TagRole::of(&f), TagRole::Fallback(d.clone()));
        assert_eq!(
            TagRole::of(&format!("{f}.sig")),
            TagRole::Cosign(CosignTag::Signature, d.clone())
        );
        assert_eq!(
            TagRole::of(&format!("{f}.att")),
            TagRole::Cosign(CosignTag::Attestation, d.clone())
        );
        assert_eq!(
            TagRole::of(&format!("{f}.sbom")),
            TagRole::Cosign(CosignTag::Sbom, d.clone())
        );
        assert_eq!(TagRole::of(&format!("{f}.sig")).subject(), Some(&d));
        assert_eq!(TagRole::of("v1.sig"), TagRole::Plain);
        assert_eq!(TagRole::of("sha256-xyz"), TagRole::Plain);
        assert_eq!(TagRole::of("latest").subject(), None);
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

    #[test]
    fn tags_follow_the_distribution_grammar() {
        for ok in ["v1", "_x", "1.0-rc_2", &"a".repeat(128)] {
            assert!(is_valid_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "-x",
            ".x",
            "v1\t",
            "v1\n",
            "ev\u{202e}il",
            "a:b",
            "a/b",
            &"a".repeat(129),
        ] {
            assert!(!is_valid_tag(bad), "{bad:?}");
        }
    }
}
