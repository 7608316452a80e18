//! Words and sizes shown for references and descriptors, in every view and flash line, and the
//! text fitting (middle ellipsis, display widths) every cell goes through.
use crate::oci::tags::{CosignTag, TagRole};
use crate::oci::{media, Descriptor};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `1 tag`, `2 tags`: a count with its noun (`plural(n, "index", "indexes")` for irregular ones).
pub fn count(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else if one.ends_with('s') || one.ends_with('x') || one.ends_with("ch") {
        format!("{n} {one}es")
    } else if let Some(stem) = one
        .strip_suffix('y')
        .filter(|s| !s.ends_with(['a', 'e', 'o', 'u']))
    {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {one}s")
    }
}

/// Columns `s` takes on a terminal.
pub fn width(s: &str) -> usize {
    s.width()
}

/// `s` cut to `max` columns by dropping its middle (`sha256-24fab…9c1.sig`), so two long
/// names that share a prefix stay distinguishable.
pub fn ellipsize_middle(s: &str, max: usize) -> String {
    if s.width() <= max {
        return s.to_string();
    }
    if max <= 1 {
        return "…".chars().take(max).collect();
    }
    let keep = max - 1;
    let tail_cols = keep / 2;
    let head_cols = keep - tail_cols;
    let mut head = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > head_cols {
            break;
        }
        used += w;
        head.push(c);
    }
    let mut tail: Vec<char> = Vec::new();
    let mut used = 0;
    for c in s.chars().rev() {
        let w = c.width().unwrap_or(0);
        if used + w > tail_cols {
            break;
        }
        used += w;
        tail.push(c);
    }
    tail.reverse();
    format!("{head}…{}", tail.into_iter().collect::<String>())
}

/// Tags as they are; digests shortened.
pub fn short_ref(r: &str) -> String {
    match r.parse::<crate::oci::Digest>() {
        Ok(d) => format!("@{}", d.short()),
        Err(_) => r.to_string(),
    }
}

/// An RFC 3339 time in the 20 columns of CREATED: UTC to the second (`2026-11-30T03:54:37Z`,
/// where a registry's `…03:54:37.1234567Z` would be cut after the dot); anything else as it is.
pub fn short_time(t: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    let shown = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::parse(t, &Rfc3339)
        .ok()
        .and_then(|d| d.to_offset(time::UtcOffset::UTC).format(&shown).ok())
        .unwrap_or_else(|| t.to_string())
}

/// `1.2 KiB` (the CLI's sizes, in the TUI's name).
pub use crate::text::human as human_size;

/// Platform for index children, else a word for the artifact type.
pub fn node_word(d: &Descriptor) -> String {
    if let Some(p) = &d.platform {
        return p.to_string();
    }
    // A cosign tag's manifest types say `config`: the tag says what it is (the row's
    // `(cosign tag)` says how it was found).
    let typed = badge(d.artifact_type.as_deref()) != "REF";
    match (&d.artifact_type, cosign_role(d)) {
        (Some(t), _) if typed => artifact_word(t),
        (_, Some(CosignTag::Signature)) => "signature".to_string(),
        (_, Some(CosignTag::Attestation)) => "attestation".to_string(),
        (_, Some(CosignTag::Sbom)) => "sbom".to_string(),
        (Some(t), None) => artifact_word(t),
        (None, None) => media::short_label(&d.media_type).to_string(),
    }
}

/// What a manifest found through a cosign legacy tag is, from that tag's suffix (the graph
/// records the tag as the descriptor's `org.opencontainers.image.ref.name`).
pub fn cosign_role(d: &Descriptor) -> Option<CosignTag> {
    let name = d.annotations.as_ref()?.get(media::ANN_REF_NAME)?;
    match TagRole::of(name) {
        TagRole::Cosign(kind, _) => Some(kind),
        TagRole::Fallback(_) | TagRole::Plain => None,
    }
}

/// The badge of a tree node: from its artifact type, else from the cosign tag that names it.
pub fn node_badge(d: &Descriptor) -> &'static str {
    match (badge(d.artifact_type.as_deref()), cosign_role(d)) {
        ("REF", Some(CosignTag::Signature)) => "SIG",
        ("REF", Some(CosignTag::Attestation)) => "ATT",
        ("REF", Some(CosignTag::Sbom)) => "SBOM",
        (b, _) => b,
    }
}

/// The word referrers are grouped under (`signature ×400`): their artifact kind.
pub fn group_word(d: &Descriptor) -> String {
    match &d.artifact_type {
        Some(t) => artifact_word(t),
        None => "referrer".to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosign_tag_names_what_its_manifest_is() {
        let named = |tag: &str, at: Option<&str>| {
            let mut d = Descriptor::empty();
            d.artifact_type = at.map(str::to_string);
            d.annotations = Some([(media::ANN_REF_NAME.to_string(), tag.to_string())].into());
            d
        };
        let hex = "a".repeat(64);
        let sig = named(&format!("sha256-{hex}.sig"), None);
        assert_eq!(
            (node_badge(&sig), node_word(&sig).as_str()),
            ("SIG", "signature")
        );
        assert_eq!(
            node_badge(&named(&format!("sha256-{hex}.att"), None)),
            "ATT"
        );
        assert_eq!(
            node_badge(&named(&format!("sha256-{hex}.sbom"), None)),
            "SBOM"
        );
        // A plain tag name says nothing; an artifact type still wins.
        assert_eq!(node_badge(&named("v1.sig", None)), "REF");
        let typed = named(&format!("sha256-{hex}.sig"), Some("application/spdx+json"));
        assert_eq!(node_badge(&typed), "SBOM");
    }

    #[test]
    fn times_fit_created_to_the_second_in_utc() {
        assert_eq!(
            short_time("2026-11-30T03:54:37.1234567Z"),
            "2026-11-30T03:54:37Z"
        );
        assert_eq!(
            short_time("2024-01-02T03:04:05+02:00"),
            "2024-01-02T01:04:05Z"
        );
        assert_eq!(short_time("2024-01-02T03:04:05Z"), "2024-01-02T03:04:05Z");
        assert_eq!(short_time("last tuesday"), "last tuesday");
    }

    #[test]
    fn counts_take_their_plural() {
        assert_eq!(count(1, "tag"), "1 tag");
        assert_eq!(count(0, "tag"), "0 tags");
        assert_eq!(count(2, "index"), "2 indexes");
        assert_eq!(count(3, "registry"), "3 registries");
        assert_eq!(count(2, "key"), "2 keys");
    }

    #[test]
    fn middle_ellipsis_keeps_both_ends() {
        let a = format!("sha256-24fab{}1111.sig", "0".repeat(50));
        let b = format!("sha256-24fab{}2222.sig", "0".repeat(50));
        let (ea, eb) = (ellipsize_middle(&a, 20), ellipsize_middle(&b, 20));
        assert_eq!(width(&ea), 20);
        assert!(
            ea.starts_with("sha256-24f") && ea.ends_with("111.sig"),
            "{ea}"
        );
        assert_ne!(ea, eb, "two long names stay distinguishable");
        assert_eq!(ellipsize_middle("v1", 20), "v1");
        assert_eq!(width(&ellipsize_middle("界界界界界界", 5)), 5);
        assert_eq!(ellipsize_middle("abc", 1), "…");
    }
}
