//! The classifier on hand-built graphs.
use super::*;
use crate::oci::{media, Descriptor};

fn d(n: u8) -> Digest {
    Digest::sha256_of(&[n])
}

fn desc(digest: &Digest, media_type: &str) -> Descriptor {
    Descriptor {
        media_type: media_type.into(),
        digest: digest.clone(),
        size: 100,
        artifact_type: None,
        annotations: None,
        platform: None,
        urls: None,
    }
}

fn image() -> Manifest {
    Manifest {
        media_type: Some(media::OCI_MANIFEST.into()),
        config: Some(desc(&d(250), media::OCI_CONFIG)),
        ..Default::default()
    }
}

fn referrer(subject: &Digest, artifact_type: &str) -> Manifest {
    Manifest {
        media_type: Some(media::OCI_MANIFEST.into()),
        artifact_type: Some(artifact_type.into()),
        config: Some(desc(&d(251), media::OCI_EMPTY)),
        subject: Some(desc(subject, media::OCI_MANIFEST)),
        ..Default::default()
    }
}

fn index(children: &[&Digest]) -> Manifest {
    Manifest {
        media_type: Some(media::OCI_INDEX.into()),
        manifests: children
            .iter()
            .map(|c| desc(c, media::OCI_MANIFEST))
            .collect(),
        ..Default::default()
    }
}

#[derive(Default)]
struct G(RawGraph);

impl G {
    fn add(mut self, digest: &Digest, m: Manifest) -> Self {
        self.0.nodes.insert(
            digest.clone(),
            RawNode {
                manifest: m,
                size: 10,
                listed: None,
                config: None,
            },
        );
        self
    }
    fn tag(mut self, name: &str, target: Option<&Digest>) -> Self {
        self.0.tags.insert(name.into(), target.cloned());
        self
    }
    fn gone(mut self, digest: &Digest) -> Self {
        self.0.missing.insert(digest.clone());
        self
    }
    fn run(&self) -> Classified {
        let c = classify(&self.0);
        // exactly one class per present manifest, and nothing else classified
        assert_eq!(
            c.class.keys().collect::<Vec<_>>(),
            self.0.nodes.keys().collect::<Vec<_>>()
        );
        c
    }
}

fn cosign_tag(subject: &Digest, suffix: &str) -> String {
    format!("sha256-{}{suffix}", subject.hex())
}

#[test]
fn everything_below_a_tag_is_attached_with_its_tag_path() {
    let (idx, amd, arm) = (d(1), d(2), d(3));
    let (sbom, sbom_sig, notation, cosign_sig, fallback) = (d(4), d(5), d(6), d(7), d(8));
    let g = G::default()
        .add(&idx, index(&[&amd, &arm]))
        .add(&amd, image())
        .add(&arm, image())
        .add(&sbom, referrer(&idx, "application/spdx+json"))
        .add(
            &sbom_sig,
            referrer(&sbom, "application/vnd.cncf.notary.signature"),
        )
        .add(
            &notation,
            referrer(&idx, "application/vnd.cncf.notary.signature"),
        )
        .add(&cosign_sig, image())
        .add(&fallback, index(&[&sbom]))
        .tag("v1", Some(&idx))
        .tag(&cosign_tag(&idx, ".sig"), Some(&cosign_sig))
        .tag(&fallback_tag(&idx), Some(&fallback));
    let c = g.run();
    assert_eq!(c.class[&idx], Class::Tagged);
    assert_eq!(c.class[&cosign_sig], Class::Tagged, "a cosign tag is a tag");
    assert_eq!(c.cosign[&cosign_sig], (Kind::CosignSignature, idx.clone()));
    for a in [&amd, &arm, &sbom, &sbom_sig, &notation, &fallback] {
        assert_eq!(c.class[a], Class::Attached, "{a}");
        assert_eq!(c.attached[a].tag, "v1");
    }
    assert_eq!(c.attached[&sbom_sig].path, vec![idx.clone(), sbom.clone()]);
    assert_eq!(c.attached[&amd].path, vec![idx.clone()]);
    assert_eq!(c.fallback[&fallback], idx);
    assert!(c.dangling.is_empty() && c.stale.is_empty());
}

#[test]
fn manifests_no_tag_leads_to_are_untagged_with_their_referrers() {
    let (old_nightly, new_nightly, by_digest, its_sig) = (d(1), d(2), d(3), d(4));
    let g = G::default()
        .add(&old_nightly, image())
        .add(&new_nightly, image())
        .add(&by_digest, image())
        .add(&its_sig, referrer(&by_digest, "signature/example"))
        .tag("nightly", Some(&new_nightly));
    let c = g.run();
    assert_eq!(c.class[&new_nightly], Class::Tagged);
    for u in [&old_nightly, &by_digest, &its_sig] {
        assert_eq!(c.class[u], Class::Untagged, "{u}");
        assert!(!c.attached.contains_key(u));
    }
}

#[test]
fn orphans_follow_the_chain_of_subjects_to_a_missing_manifest() {
    let (gone, sbom, sbom_sig, fallback, cosign_sig) = (d(1), d(2), d(3), d(4), d(5));
    let g = G::default()
        .gone(&gone)
        .add(&sbom, referrer(&gone, "application/spdx+json"))
        .add(&sbom_sig, referrer(&sbom, "signature/example"))
        .add(&fallback, index(&[&sbom]))
        .add(&cosign_sig, image())
        .tag(&fallback_tag(&gone), Some(&fallback))
        .tag(&cosign_tag(&gone, ".sig"), Some(&cosign_sig));
    let c = g.run();
    for o in [&sbom, &sbom_sig, &fallback, &cosign_sig] {
        assert_eq!(c.class[o], Class::Orphan, "{o}");
    }
    assert_eq!(
        c.stale,
        vec![StaleFallbackIndex {
            tag: fallback_tag(&gone),
            digest: fallback.clone(),
            subject: gone.clone(),
            subject_missing: true,
            missing_entries: vec![],
        }]
    );
}

#[test]
fn dangling_tags_and_fallback_indexes_with_missing_entries() {
    let (img, gone_entry, kept_entry, fallback, gone) = (d(1), d(2), d(3), d(4), d(5));
    let g = G::default()
        .add(&img, image())
        .gone(&gone_entry)
        .gone(&gone)
        .add(&kept_entry, referrer(&img, "readme/example"))
        .add(&fallback, index(&[&gone_entry, &kept_entry]))
        .tag("v1", Some(&img))
        .tag(&fallback_tag(&img), Some(&fallback))
        .tag("unresolvable", None)
        .tag("points-at-nothing", Some(&gone));
    let c = g.run();
    assert_eq!(
        c.dangling,
        vec![
            DanglingTag {
                tag: "points-at-nothing".into(),
                digest: Some(gone.clone())
            },
            DanglingTag {
                tag: "unresolvable".into(),
                digest: None
            },
        ]
    );
    assert_eq!(c.class[&fallback], Class::Attached);
    assert_eq!(c.class[&kept_entry], Class::Attached);
    assert_eq!(c.stale.len(), 1);
    assert!(!c.stale[0].subject_missing);
    assert_eq!(c.stale[0].missing_entries, vec![gone_entry]);
}

#[test]
fn a_tag_wins_over_being_attached_and_a_shared_child_stays_attached() {
    let (idx, old_idx, child, sbom) = (d(1), d(2), d(3), d(4));
    let g = G::default()
        .add(&idx, index(&[&child]))
        .add(&old_idx, index(&[&child]))
        .add(&child, image())
        .add(&sbom, referrer(&idx, "application/spdx+json"))
        .tag("v2", Some(&idx))
        .tag("sbom-latest", Some(&sbom));
    let c = g.run();
    assert_eq!(c.class[&sbom], Class::Tagged);
    assert_eq!(c.class[&child], Class::Attached);
    assert_eq!(c.class[&old_idx], Class::Untagged);
    assert_eq!(c.tags_of[&sbom], vec!["sbom-latest".to_string()]);
}

#[test]
fn a_referrer_cycle_terminates() {
    let (a, b) = (d(1), d(2));
    let g = G::default()
        .add(&a, referrer(&b, "x/y"))
        .add(&b, referrer(&a, "x/y"));
    let c = g.run();
    assert_eq!(c.class[&a], Class::Untagged);
    assert_eq!(c.class[&b], Class::Untagged);
}
