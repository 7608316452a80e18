//! Delete plans on hand-built inventories.
use super::*;
use crate::graph::inventory::{DanglingTag, Inventory, InventoryManifest, StaleFallbackIndex};
use crate::listing::RegistryKind;
use crate::oci::tags::fallback_tag;
use crate::store::StoreError;
use std::collections::BTreeSet;

fn d(name: &str) -> Digest {
    Digest::sha256_of(name.as_bytes())
}

fn man(name: &str, kind: Kind, class: Class) -> InventoryManifest {
    InventoryManifest {
        digest: d(name),
        class,
        kind,
        tags: Vec::new(),
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        artifact_type: None,
        image_size: None,
        manifest_size: 100,
        created: None,
        registry_time: None,
        platform: None,
        subject: None,
        children: Vec::new(),
        attached_to: None,
        attached_path: Vec::new(),
        locked: false,
    }
}

fn with(mut m: InventoryManifest, f: impl FnOnce(&mut InventoryManifest)) -> InventoryManifest {
    f(&mut m);
    m
}

/// v1 → index I {A (also tagged amd64), R}; on I: OCI 1.1 signature S, SBOM B (signed by BS),
/// a cosign tag signature C, and the fallback index F listing B and S. v2 → X with referrer Y.
fn repo() -> Inventory {
    let i = d("I");
    let b = d("B");
    let mut ms = vec![
        with(man("I", Kind::Index, Class::Tagged), |m| {
            m.tags = vec!["v1".into()];
            m.children = vec![d("A"), d("R")];
        }),
        with(man("A", Kind::Image, Class::Tagged), |m| {
            m.tags = vec!["amd64".into()];
        }),
        man("R", Kind::Image, Class::Attached),
        with(man("S", Kind::CosignSignature, Class::Attached), |m| {
            m.subject = Some(i.clone())
        }),
        with(man("B", Kind::Sbom, Class::Attached), |m| {
            m.subject = Some(i.clone())
        }),
        with(man("BS", Kind::NotationSignature, Class::Attached), |m| {
            m.subject = Some(b.clone())
        }),
        with(man("C", Kind::CosignSignature, Class::Tagged), |m| {
            m.subject = Some(i.clone());
            m.tags = vec![format!("{}.sig", fallback_tag(&i))];
        }),
        with(man("F", Kind::FallbackIndex, Class::Attached), |m| {
            m.subject = Some(i.clone());
            m.tags = vec![fallback_tag(&i)];
            m.children = vec![b.clone(), d("S")];
        }),
        with(man("X", Kind::Image, Class::Tagged), |m| {
            m.tags = vec!["v2".into()];
        }),
        with(man("Y", Kind::Artifact, Class::Attached), |m| {
            m.subject = Some(d("X"))
        }),
    ];
    ms.sort_by(|a, b| a.digest.cmp(&b.digest));
    Inventory {
        repository: "app".into(),
        complete: false,
        source: ListingSource::Reachable,
        registry_kind: RegistryKind::Generic,
        note: None,
        manifests: ms,
        dangling_tags: Vec::new(),
        stale_fallback_indexes: Vec::new(),
        warnings: Vec::new(),
        depth_limited: None,
    }
}

fn select(inv: &Inventory, names: &[&str], cascade: bool) -> Selection {
    let mut sel = Selection {
        cascade,
        ..Default::default()
    };
    for n in names {
        let m = inv.manifests.iter().find(|m| m.digest == d(n)).unwrap();
        sel.names.push(format!("app@{}", m.digest));
        sel.targets.push((m.digest.clone(), "named".into()));
        sel.tags.extend(m.tags.iter().cloned());
    }
    sel
}

fn digests(p: &DeletePlan) -> BTreeSet<Digest> {
    p.manifests.iter().map(|m| m.digest.clone()).collect()
}

fn set(names: &[&str]) -> BTreeSet<Digest> {
    names.iter().map(|n| d(n)).collect()
}

fn step(p: &DeletePlan, n: &str) -> usize {
    p.manifests.iter().find(|m| m.digest == d(n)).unwrap().step
}

#[test]
fn cascade_takes_the_whole_graph_keeps_what_another_tag_reaches_and_names_every_tag() {
    let inv = repo();
    let p = plan_selection(&inv, &select(&inv, &["I"], true)).unwrap();
    assert_eq!(digests(&p), set(&["I", "R", "S", "B", "BS", "C", "F"]));
    let i = d("I");
    assert_eq!(
        p.tags,
        vec![
            fallback_tag(&i),
            format!("{}.sig", fallback_tag(&i)),
            "v1".into()
        ],
        "cosign and fallback tags by name; amd64 stays"
    );
    assert_eq!(p.fallback_indexes, vec![fallback_tag(&i)]);
    assert!(p.fallback_rewrites.is_empty());
    assert_eq!(
        p.kept,
        vec![KeptManifest {
            digest: d("A"),
            kind: Kind::Image,
            reason: "tag amd64 points at it".into()
        }]
    );
    let r = p.manifests.iter().find(|m| m.digest == d("R")).unwrap();
    assert!(r.reason.starts_with("entry of index"), "{}", r.reason);
    // Whatever refers to a manifest is deleted in an earlier step.
    assert!(step(&p, "BS") < step(&p, "B"));
    // A fallback index goes after the entries it lists, so a stop half-way leaves none unlisted.
    assert!(step(&p, "F") > step(&p, "B") && step(&p, "F") > step(&p, "S"));
    for x in ["B", "S", "C", "F"] {
        assert!(step(&p, x) < step(&p, "I"), "{x} before its subject");
    }
    assert!(step(&p, "I") < step(&p, "R"), "an index before its entries");
    // v2's graph is untouched.
    assert!(!p
        .manifests
        .iter()
        .any(|m| m.digest == d("X") || m.digest == d("Y")));
}

#[test]
fn a_graph_deeper_than_the_depth_limit_is_refused_never_cut() {
    // I → B (SBOM) → BS (its signature): two levels.
    let inv = repo();
    let mut sel = select(&inv, &["I"], true);
    sel.max_depth = Some(1);
    let e = plan_selection(&inv, &sel).unwrap_err();
    assert!(e.to_string().contains("deeper than 1 levels"), "{e}");
    assert!(e.to_string().contains("--depth"), "{e}");
    sel.max_depth = Some(2);
    let p = plan_selection(&inv, &sel).unwrap();
    assert!(digests(&p).contains(&d("BS")));
}

#[test]
fn an_inventory_whose_walk_stopped_at_the_depth_limit_plans_nothing() {
    let mut inv = repo();
    inv.depth_limited = Some(64);
    let e = plan_selection(&inv, &select(&inv, &["X"], true)).unwrap_err();
    assert!(e.to_string().contains("deeper than 64 levels"), "{e}");
}

#[test]
fn without_cascade_a_subject_with_referrers_is_refused() {
    let inv = repo();
    let e = plan_selection(&inv, &select(&inv, &["I"], false)).unwrap_err();
    assert!(e.to_string().contains("--cascade"), "{e}");
    assert!(e.to_string().contains("referrer(s) are attached"), "{e}");
}

#[test]
fn deleting_one_referrer_rewrites_the_fallback_index_that_lists_it() {
    let inv = repo();
    let p = plan_selection(&inv, &select(&inv, &["B"], true)).unwrap();
    assert_eq!(digests(&p), set(&["B", "BS"]));
    assert_eq!(
        p.fallback_rewrites,
        vec![FallbackRewrite {
            tag: fallback_tag(&d("I")),
            subject: d("I"),
            remove: vec![d("B")],
        }]
    );
    assert_eq!(p.fallback_indexes, vec![fallback_tag(&d("I"))]);
    assert!(p.tags.is_empty());
}

#[test]
fn an_emptied_fallback_index_is_removed_with_its_tag() {
    let inv = repo();
    let p = plan_selection(&inv, &select(&inv, &["B", "S"], true)).unwrap();
    assert_eq!(digests(&p), set(&["B", "BS", "S", "F"]));
    let f = p.manifests.iter().find(|m| m.digest == d("F")).unwrap();
    assert!(f.reason.contains("every entry"), "{}", f.reason);
    assert_eq!(p.tags, vec![fallback_tag(&d("I"))]);
    assert!(p.fallback_rewrites.is_empty());
}

#[test]
fn a_platform_manifest_of_a_kept_index_is_refused() {
    let inv = repo();
    let e = plan_selection(&inv, &select(&inv, &["R"], true)).unwrap_err();
    assert!(e.to_string().contains("is listed by index"), "{e}");
}

/// The repository with the signature below the SBOM locked (ACR `deleteEnabled:false`).
fn locked_below() -> Inventory {
    let mut inv = repo();
    for m in &mut inv.manifests {
        m.locked = m.digest == d("BS");
    }
    inv
}

#[test]
fn a_locked_manifest_refuses_the_whole_plan_naming_it() {
    let inv = locked_below();
    let e = plan_selection(&inv, &select(&inv, &["I"], true)).unwrap_err();
    assert!(matches!(e, StoreError::Unsupported { .. }));
    let msg = e.to_string();
    assert!(msg.contains(&format!("app@{}", d("BS"))), "{msg}");
    assert!(
        msg.contains("locked") && msg.contains("nothing was changed"),
        "{msg}"
    );
}

#[test]
fn a_locked_refusal_prints_the_full_unlock_command_for_its_registry() {
    let inv = locked_below();
    let mut sel = select(&inv, &["I"], true);
    sel.registry = Some("myreg.azurecr.io".into());
    let msg = plan_selection(&inv, &sel).unwrap_err().to_string();
    let want = format!(
        "az acr repository update --name myreg --image app@{} --delete-enabled true --write-enabled true",
        d("BS")
    );
    assert!(msg.contains(&want), "{msg}");
    // Another host: the name is the operator's to fill in, never a guess from the host.
    sel.registry = Some("127.0.0.1:5000".into());
    let msg = plan_selection(&inv, &sel).unwrap_err().to_string();
    assert!(msg.contains("--name <registry> --image app@"), "{msg}");
}

#[test]
fn the_unlock_command_quotes_what_a_shell_would_read_and_joins_several() {
    let (a, b) = (d("A"), d("B"));
    let cmd = super::unlock_command(Some("Prod.azurecr.io:443"), "team/app;x", &[&a, &b]);
    assert_eq!(
        cmd,
        format!(
            "az acr repository update --name Prod --image 'team/app;x@{a}' --delete-enabled true --write-enabled true \
             && az acr repository update --name Prod --image 'team/app;x@{b}' --delete-enabled true --write-enabled true"
        )
    );
    assert!(super::unlock_command(None, "app", &[&a]).contains("--name <registry> --image app@"));
}

#[test]
fn a_tag_not_going_with_the_plan_keeps_its_manifest() {
    let inv = repo();
    // As purge selects: only v1 goes, and another tag also points at I.
    let mut inv2 = inv.clone();
    for m in &mut inv2.manifests {
        if m.digest == d("I") {
            m.tags.push("latest".into());
        }
    }
    let mut sel = select(&inv, &["I"], true);
    sel.tags = BTreeSet::from(["v1".to_string()]);
    let p = plan_selection(&inv2, &sel).unwrap();
    assert!(p.manifests.is_empty(), "{:?}", p.manifests);
    assert!(p
        .kept
        .iter()
        .any(|k| k.digest == d("I") && k.reason == "tag latest points at it"));
}

#[test]
fn a_dangling_tag_is_removed_by_name_and_a_stale_index_repaired() {
    let mut inv = repo();
    inv.dangling_tags.push(DanglingTag {
        tag: "gone".into(),
        digest: Some(d("gone")),
    });
    let sel = Selection {
        names: vec!["app:gone".into()],
        dangling: vec!["gone".into()],
        ..Default::default()
    };
    let p = plan_selection(&inv, &sel).unwrap();
    assert!(p.manifests.is_empty());
    assert_eq!(p.tags, vec!["gone".to_string()]);

    // F lists a manifest that is gone: the repair takes that entry out.
    for m in &mut inv.manifests {
        if m.digest == d("F") {
            m.children.push(d("lost"));
        }
    }
    inv.stale_fallback_indexes.push(StaleFallbackIndex {
        tag: fallback_tag(&d("I")),
        digest: d("F"),
        subject: d("I"),
        subject_missing: false,
        missing_entries: vec![d("lost")],
    });
    let sel = Selection {
        names: vec![format!("app:{}", fallback_tag(&d("I")))],
        repair: vec![d("F")],
        ..Default::default()
    };
    let p = plan_selection(&inv, &sel).unwrap();
    assert!(p.manifests.is_empty());
    assert_eq!(p.fallback_rewrites[0].remove, vec![d("lost")]);
    assert_eq!(p.fallback_indexes, vec![fallback_tag(&d("I"))]);
}

#[test]
fn plan_json_has_the_keys_a_script_diffs() {
    let inv = repo();
    let p = plan_selection(&inv, &select(&inv, &["X"], true)).unwrap();
    let v = serde_json::to_value(&p).unwrap();
    for k in [
        "repository",
        "targets",
        "complete",
        "source",
        "manifests",
        "tags",
        "fallbackIndexes",
        "fallbackRewrites",
        "kept",
    ] {
        assert!(v.get(k).is_some(), "{k} missing: {v:#}");
    }
    let m = &v["manifests"][0];
    for k in ["digest", "class", "kind", "reason", "tags", "manifestSize"] {
        assert!(m.get(k).is_some(), "{k} missing: {m:#}");
    }
    assert!(m.get("step").is_none());
    let report = DeleteReport {
        done: p.clone(),
        not_done: Vec::new(),
        unplanned: Vec::new(),
        garbage_collected: None,
        garbage_collection_failed: None,
    };
    let mut r = serde_json::to_value(&report).unwrap();
    assert_eq!(r["notDone"], serde_json::json!([]));
    r.as_object_mut().unwrap().remove("notDone");
    assert_eq!(r, v, "a report of everything planned equals the plan");
}
