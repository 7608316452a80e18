//! Purge selection on hand-built inventories.
use super::*;
use crate::graph::inventory::{InventoryManifest, Kind};
use crate::listing::{ListingSource, RegistryKind};
use crate::oci::Digest;
use time::macros::datetime;

fn image(n: u32, created: Option<&str>, tags: &[&str]) -> InventoryManifest {
    InventoryManifest {
        digest: Digest::sha256_of(&n.to_be_bytes()),
        class: if tags.is_empty() {
            Class::Untagged
        } else {
            Class::Tagged
        },
        kind: Kind::Image,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        artifact_type: None,
        image_size: Some(10),
        manifest_size: 100,
        created: created.map(str::to_string),
        registry_time: None,
        platform: None,
        subject: None,
        children: Vec::new(),
        attached_to: None,
        attached_path: Vec::new(),
        locked: false,
    }
}

fn inv(complete: bool, mut ms: Vec<InventoryManifest>) -> Inventory {
    ms.sort_by(|a, b| a.digest.cmp(&b.digest));
    Inventory {
        repository: "app".into(),
        complete,
        source: if complete {
            ListingSource::Acr
        } else {
            ListingSource::Reachable
        },
        registry_kind: if complete {
            RegistryKind::Acr
        } else {
            RegistryKind::Generic
        },
        note: None,
        manifests: ms,
        dangling_tags: Vec::new(),
        stale_fallback_indexes: Vec::new(),
        warnings: Vec::new(),
        depth_limited: None,
    }
}

fn rules(filter: &str, days: u64, keep: usize, untagged: bool) -> PurgeRules {
    PurgeRules {
        filter: regex::Regex::new(filter).unwrap(),
        older_than: Duration::from_secs(days * 86_400),
        keep,
        untagged,
        now: datetime!(2025-03-01 00:00 UTC),
    }
}

fn selected(d: &[TagDecision]) -> Vec<&str> {
    d.iter()
        .filter(|x| x.selected)
        .map(|x| x.tag.as_str())
        .collect()
}

/// ci-1 … ci-6, one a day from 2025-01-01, plus a release tag and a tag without a date.
fn dated() -> Vec<InventoryManifest> {
    let mut ms: Vec<InventoryManifest> = (1..=6)
        .map(|i| {
            image(
                i,
                Some(&format!("2025-01-0{i}T00:00:00Z")),
                &[&format!("ci-{i}")],
            )
        })
        .collect();
    ms.push(image(7, Some("2024-01-01T00:00:00Z"), &["release-1"]));
    ms.push(image(8, None, &["ci-undated"]));
    ms.push(image(9, Some("2025-02-28T00:00:00Z"), &["ci-new"]));
    ms
}

#[test]
fn filter_age_and_keep_select_the_oldest_matching_tags() {
    let i = inv(false, dated());
    let (d, sel) = select(&i, &rules("^ci-", 30, 2, false)).unwrap();
    assert_eq!(selected(&d), vec!["ci-1", "ci-2", "ci-3", "ci-4"]);
    let why = |t: &str| d.iter().find(|x| x.tag == t).unwrap().reason.clone();
    assert!(why("ci-5").contains("newest 2"), "{}", why("ci-5"));
    assert!(why("ci-6").contains("newest 2"));
    assert!(why("ci-new").contains("less than"), "{}", why("ci-new"));
    assert!(why("ci-undated").contains("no creation time"));
    assert!(d.iter().all(|x| x.tag != "release-1"), "not matched");
    let plan = plan_selection(&i, &sel).unwrap();
    assert_eq!(plan.tags, vec!["ci-1", "ci-2", "ci-3", "ci-4"]);
    assert_eq!(plan.manifests.len(), 4);
    assert!(plan
        .manifests
        .iter()
        .all(|m| m.reason.contains("older than")));
}

#[test]
fn untagged_needs_a_complete_listing() {
    let e = select(&inv(false, dated()), &rules("^ci-", 30, 0, true)).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("--untagged needs a listing of every manifest"),
        "{msg}"
    );
    assert!(msg.contains("distribution API"), "{msg}");

    let mut ms = dated();
    ms.push(image(10, Some("2025-02-28T00:00:00Z"), &[]));
    let i = inv(true, ms);
    let (_, sel) = select(&i, &rules("^nothing$", 30, 0, true)).unwrap();
    let plan = plan_selection(&i, &sel).unwrap();
    assert_eq!(
        plan.manifests.len(),
        1,
        "the untagged one, whatever its age"
    );
    assert_eq!(plan.manifests[0].class, Class::Untagged);
}

#[test]
fn a_selected_tag_whose_manifest_another_tag_names_is_kept() {
    let mut ms = dated();
    ms[0].tags.push("stable".into());
    let i = inv(false, ms);
    let (_, sel) = select(&i, &rules("^ci-", 30, 0, false)).unwrap();
    let plan = plan_selection(&i, &sel).unwrap();
    assert!(!plan.tags.contains(&"ci-1".to_string()));
    assert!(plan
        .kept
        .iter()
        .any(|k| k.reason == "tag stable points at it"));
}

#[test]
fn a_registry_push_time_is_what_the_age_is_measured_from() {
    // Built long ago (config `created`), pushed yesterday: not old, as `acr purge` sees it.
    let mut fresh = image(1, Some("2020-01-01T00:00:00Z"), &["ci-rebuilt"]);
    fresh.registry_time = Some("2025-02-28T00:00:00Z".into());
    // Created yesterday by its config, pushed long ago: old.
    let mut stale = image(2, Some("2025-02-28T00:00:00Z"), &["ci-pushed-long-ago"]);
    stale.registry_time = Some("2024-06-01T00:00:00Z".into());
    // No push time: the created time decides.
    let plain = image(3, Some("2020-01-01T00:00:00Z"), &["ci-plain"]);
    let i = inv(true, vec![fresh, stale, plain]);
    let (d, _) = select(&i, &rules("^ci-", 30, 0, false)).unwrap();
    assert_eq!(selected(&d), vec!["ci-plain", "ci-pushed-long-ago"]);
    let rebuilt = d.iter().find(|x| x.tag == "ci-rebuilt").unwrap();
    assert_eq!(rebuilt.reason, "pushed less than 30days ago");
    assert_eq!(rebuilt.created.as_deref(), Some("2020-01-01T00:00:00Z"));
}
