//! The inventory (`arbor::graph::inventory`), driven through the library against every kind of
//! store the harness runs: distribution 2.8.3 (tag schema), go-containerregistry's referrers-API
//! registry, the ACR and Harbor stand-ins, and an OCI layout. Each repository is built with the
//! real tools: a multi-arch index signed with cosign (tag mode and OCI 1.1 mode) and notation, a
//! signed SBOM, a re-pushed tag, a manifest pushed by digest, an orphan, stale fallback indexes
//! and (where the registry makes one) a dangling tag.
mod common;
use arbor::graph::inventory::{inventory, Class, Inventory, InventoryOptions, Kind};
use arbor::layout::LayoutStore;
use arbor::listing::{ListingSource, RegistryKind};
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::{ReferrersMode, Store};
use common::scenario::{build, Reg, Scenario};
use common::*;
use std::collections::BTreeSet;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn take(store: &dyn Store, repo: &str) -> Inventory {
    runtime()
        .block_on(inventory(store, repo, &InventoryOptions::default()))
        .unwrap_or_else(|e| panic!("inventory of {repo}: {e}"))
}

fn registry_store(reg: &str) -> RegistryStore {
    let opts = ClientOptions {
        plain_http: Some(true),
        ..Default::default()
    };
    RegistryStore::new(reg, &opts, ReferrersMode::Auto).expect("store")
}

fn class_of(inv: &Inventory, digest: &str) -> Option<Class> {
    inv.get(&digest.parse().expect("digest")).map(|m| m.class)
}

fn expect(inv: &Inventory, digest: &str, class: Class, what: &str) {
    assert_eq!(
        class_of(inv, digest),
        Some(class),
        "{what} {digest}\n{inv:#?}"
    );
}

fn absent(inv: &Inventory, digest: &str, what: &str) {
    assert_eq!(
        class_of(inv, digest),
        None,
        "{what} {digest} must not be listed"
    );
}

/// Nothing whose subject or index is tagged or attached is ever classed untagged or orphan; and
/// every attached manifest names the tag it hangs below.
fn assert_invariants(inv: &Inventory) {
    let kept: BTreeSet<_> = inv
        .manifests
        .iter()
        .filter(|m| matches!(m.class, Class::Tagged | Class::Attached))
        .map(|m| m.digest.clone())
        .collect();
    for m in &inv.manifests {
        if matches!(m.class, Class::Untagged | Class::Orphan) {
            assert!(
                m.subject.as_ref().is_none_or(|s| !kept.contains(s)),
                "{} is {:?} but its subject is kept",
                m.digest,
                m.class
            );
        }
        if m.class == Class::Attached {
            assert!(m.attached_to.is_some(), "{} attached to nothing", m.digest);
        }
    }
    for m in &inv.manifests {
        if m.kind == Kind::FallbackIndex {
            assert!(
                m.tags
                    .iter()
                    .any(|t| arbor::oci::tags::from_fallback_tag(t).is_some()),
                "{} is labelled a fallback index without a sha256- tag",
                m.digest
            );
        }
    }
}

/// What every registry kind shows of the tagged graph.
fn assert_tagged_graph(inv: &Inventory, s: &Scenario) {
    expect(inv, &s.index, Class::Tagged, "v1 index");
    expect(inv, &s.cosign_tag_sig, Class::Tagged, "cosign .sig tag");
    expect(inv, &s.nightly_new, Class::Tagged, "nightly");
    for (d, what) in [
        (&s.amd64, "amd64 platform"),
        (&s.arm64, "arm64 platform"),
        (&s.cosign_oci_sig, "cosign OCI 1.1 signature"),
        (&s.notation_sig, "notation signature"),
        (&s.sbom, "SBOM"),
        (&s.sbom_sig, "SBOM signature"),
    ] {
        expect(inv, d, Class::Attached, what);
        let m = inv.get(&d.parse().unwrap()).unwrap();
        assert_eq!(m.attached_to.as_deref(), Some("v1"), "{what}");
    }
    let get = |d: &str| inv.get(&d.parse().unwrap()).unwrap().clone();
    let (idx, amd, arm) = (get(&s.index), get(&s.amd64), get(&s.arm64));
    assert_eq!(idx.kind, Kind::Index);
    assert_eq!(amd.kind, Kind::Image);
    assert_eq!(
        amd.platform.as_ref().map(|p| p.to_string()).as_deref(),
        Some("linux/amd64")
    );
    assert_eq!(
        arm.platform.as_ref().map(|p| p.to_string()).as_deref(),
        Some("linux/arm64")
    );
    assert_eq!(
        idx.image_size,
        Some(amd.image_size.unwrap() + arm.image_size.unwrap())
    );
    assert!(idx.manifest_size > 0 && amd.image_size.unwrap() > amd.manifest_size);
    let sig = get(&s.cosign_tag_sig);
    assert_eq!(sig.kind, Kind::CosignSignature);
    assert_eq!(sig.artifact_type, None, "not typed as an image config");
    assert_eq!(
        sig.subject.as_ref().map(|d| d.to_string()).as_deref(),
        Some(s.index.as_str())
    );
    assert_eq!(get(&s.cosign_oci_sig).kind, Kind::CosignSignature);
    assert_eq!(get(&s.notation_sig).kind, Kind::NotationSignature);
    assert_eq!(get(&s.sbom_sig).kind, Kind::NotationSignature);
    let sbom = get(&s.sbom);
    assert_eq!(sbom.kind, Kind::Sbom);
    assert_eq!(sbom.artifact_type.as_deref(), Some("application/spdx+json"));
    assert_eq!(
        sbom.created.as_deref(),
        Some("2024-01-01T00:00:00Z"),
        "from the annotation"
    );
    assert_eq!(sbom.attached_path.len(), 1);
    assert_eq!(
        get(&s.sbom_sig).attached_path.len(),
        2,
        "v1 → SBOM → signature"
    );
}

/// Every manifest listed is one the scenario made (or a fallback index a tool wrote), in the
/// class the scenario expects of it — nothing else turns up and nothing is classed loosely.
fn assert_only_known(inv: &Inventory, s: &Scenario) {
    let mut want: Vec<(&str, Class)> = vec![
        (&s.index, Class::Tagged),
        (&s.cosign_tag_sig, Class::Tagged),
        (&s.nightly_new, Class::Tagged),
        (&s.amd64, Class::Attached),
        (&s.arm64, Class::Attached),
        (&s.cosign_oci_sig, Class::Attached),
        (&s.notation_sig, Class::Attached),
        (&s.sbom, Class::Attached),
        (&s.sbom_sig, Class::Attached),
        (&s.nightly_old, Class::Untagged),
        (&s.by_digest, Class::Untagged),
        (&s.orphan, Class::Orphan),
        (&s.stale_readme, Class::Orphan),
    ];
    if let Some((kept2, _, live)) = &s.kept2 {
        want.push((kept2, Class::Tagged));
        want.push((live, Class::Attached));
    }
    // oras replaces kept2's fallback index when it attaches the second readme; where the
    // registry keeps the replaced one, it is an untagged index of that first readme.
    let replaced = |m: &arbor::graph::inventory::InventoryManifest| {
        s.kept2.as_ref().is_some_and(|(_, lost, _)| {
            m.class == Class::Untagged
                && m.kind == Kind::Index
                && m.children.iter().map(|c| c.to_string()).collect::<Vec<_>>() == [lost.clone()]
        })
    };
    for m in &inv.manifests {
        let d = m.digest.to_string();
        match want.iter().find(|w| w.0 == d) {
            Some((_, class)) => assert_eq!(m.class, *class, "{d} ({:?})", m.kind),
            None => assert!(
                m.kind == Kind::FallbackIndex || replaced(m),
                "unexpected manifest {m:#?}"
            ),
        }
    }
}

fn stale_subjects(inv: &Inventory) -> BTreeSet<String> {
    inv.stale_fallback_indexes
        .iter()
        .map(|s| s.subject.to_string())
        .collect()
}

/// The scenario on one registry, and what its inventory must say.
fn check_registry(r: Reg) -> (Inventory, Scenario, String) {
    let repo = unique_repo(&format!("inv-{r:?}").to_lowercase());
    let repo = if r == Reg::Harbor {
        format!("proj/{repo}")
    } else {
        repo
    };
    let s = build(r, &repo);
    let inv = take(&registry_store(&r.addr()), &repo);
    assert_invariants(&inv);
    assert_tagged_graph(&inv, &s);
    assert_only_known(&inv, &s);
    assert_eq!(inv.complete, r.complete(), "{r:?}");
    if r.complete() {
        assert_eq!(
            inv.note.is_some(),
            r == Reg::Harbor,
            "only Harbor carries a caveat"
        );
        expect(
            &inv,
            &s.nightly_old,
            Class::Untagged,
            "re-pushed nightly's predecessor",
        );
        expect(&inv, &s.by_digest, Class::Untagged, "pushed by digest");
    } else {
        assert_eq!(
            inv.note.as_deref(),
            Some(arbor::graph::inventory::REACHABLE_ONLY)
        );
        assert_eq!(inv.source, ListingSource::Reachable);
        assert_eq!(inv.registry_kind, RegistryKind::Generic);
        // nothing leads to them, and this registry cannot list them
        absent(&inv, &s.nightly_old, "re-pushed nightly's predecessor");
        absent(&inv, &s.by_digest, "pushed by digest");
    }
    // The readme below a deleted subject is found through its fallback index everywhere.
    expect(
        &inv,
        &s.stale_readme,
        Class::Orphan,
        "readme of a deleted subject",
    );
    assert!(
        stale_subjects(&inv).contains(&s.kept),
        "{:?}",
        inv.stale_fallback_indexes
    );
    let stale = inv
        .stale_fallback_indexes
        .iter()
        .find(|x| x.subject.to_string() == s.kept)
        .unwrap();
    assert!(stale.subject_missing);
    expect(
        &inv,
        &stale.digest.to_string(),
        Class::Orphan,
        "fallback index of a deleted subject",
    );
    assert_eq!(inv.get(&stale.digest).unwrap().kind, Kind::FallbackIndex);
    if let Some((kept2, readme, _)) = &s.kept2 {
        let x = inv
            .stale_fallback_indexes
            .iter()
            .find(|x| x.subject.to_string() == *kept2)
            .expect("fallback index with a missing entry");
        assert!(!x.subject_missing);
        assert_eq!(
            x.missing_entries
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
            vec![readme.clone()]
        );
    }
    // The SBOM whose subject was deleted.
    match r {
        // found through the fallback index oras wrote (go-containerregistry sends no OCI-Subject,
        // so oras keeps the tag schema there too), or listed by ACR
        Reg::Dist | Reg::Refs | Reg::Acr => {
            expect(&inv, &s.orphan, Class::Orphan, "SBOM of a deleted subject")
        }
        // Harbor deleted it with its subject
        Reg::Harbor => {
            absent(&inv, &s.orphan, "accessory of a deleted artifact");
            let out = oras()
                .args(["manifest", "fetch", "--plain-http"])
                .arg(format!("{}/{repo}@{}", r.addr(), s.orphan))
                .output()
                .expect("oras");
            assert!(
                !out.status.success(),
                "Harbor deletes accessories with their subject"
            );
        }
    }
    if matches!(r, Reg::Dist | Reg::Refs) {
        assert!(
            stale_subjects(&inv).contains(&s.doomed),
            "oras's fallback index of the deleted subject"
        );
    }
    // go-containerregistry keeps the tags of a manifest deleted by digest.
    let dangling: BTreeSet<&str> = inv.dangling_tags.iter().map(|t| t.tag.as_str()).collect();
    if r == Reg::Refs {
        assert_eq!(dangling, BTreeSet::from(["doomed", "kept"]));
        let t = inv
            .dangling_tags
            .iter()
            .find(|t| t.tag == "doomed")
            .unwrap();
        assert_eq!(
            t.digest.as_ref().map(|d| d.to_string()).as_deref(),
            Some(s.doomed.as_str())
        );
    } else {
        assert!(dangling.is_empty(), "{dangling:?}");
    }
    (inv, s, repo)
}

#[test]
fn distribution_lists_only_what_tags_lead_to_and_finds_orphans_through_fallback_indexes() {
    let (inv, s, _) = check_registry(Reg::Dist);
    // oras, notation and cosign wrote the tag schema here: those indexes hang below v1 too.
    let fallbacks: Vec<_> = inv
        .manifests
        .iter()
        .filter(|m| m.kind == Kind::FallbackIndex)
        .collect();
    let below_v1: BTreeSet<String> = fallbacks
        .iter()
        .filter(|m| m.attached_to.as_deref() == Some("v1"))
        .flat_map(|m| m.tags.clone())
        .collect();
    let want = BTreeSet::from([
        format!("sha256-{}", &s.index[7..]),
        format!("sha256-{}", &s.sbom[7..]),
    ]);
    assert_eq!(
        below_v1, want,
        "fallback indexes of v1 and of its SBOM: {fallbacks:#?}"
    );
    assert!(fallbacks.iter().all(|m| m.class != Class::Untagged));
    assert!(inv.manifests.iter().all(|m| !m.locked));
}

#[test]
fn go_containerregistry_keeps_tags_of_deleted_manifests_as_dangling_tags() {
    let (inv, _, _) = check_registry(Reg::Refs);
    assert!(
        inv.manifests.iter().all(|m| m.class != Class::Untagged),
        "nothing untagged is reachable"
    );
}

#[test]
fn acr_listing_is_complete_with_registry_times_and_locks() {
    let (_, s, repo) = check_registry(Reg::Acr);
    let reg = Reg::Acr.addr();
    // Lock the index against deletion the way `az acr repository update --delete-enabled false` does.
    acr_lock(&reg, &repo, &s.index);
    // An image whose config says it was built in 2001 (no created annotation): `created` is the
    // config's (the issue's order), and the listing's push time is kept beside it.
    let built = push_config_image(&reg, &repo, "built-2001", Some("2001-02-03T04:05:06Z"));
    let pushed = acr_created(&reg, &repo, &built);
    let inv = take(&registry_store(&reg), &repo);
    assert_eq!(
        (inv.source, inv.registry_kind),
        (ListingSource::Acr, RegistryKind::Acr)
    );
    let b = inv.get(&built.parse().unwrap()).unwrap();
    assert_eq!(
        b.created.as_deref(),
        Some("2001-02-03T04:05:06Z"),
        "the config's"
    );
    // The registry's time, to the second.
    let shown = b.registry_time.as_deref().expect("registry time");
    assert_eq!(shown.get(..19), pushed.get(..19), "{shown} vs {pushed}");
    assert_eq!(
        b.platform.as_ref().map(|p| p.to_string()).as_deref(),
        Some("linux/amd64")
    );
    let locked: Vec<String> = inv
        .manifests
        .iter()
        .filter(|m| m.locked)
        .map(|m| m.digest.to_string())
        .collect();
    assert_eq!(locked, vec![s.index.clone()]);
    // The registry refuses to delete it, as ACR does (a delete plan must refuse before this).
    let store = registry_store(&reg);
    let index: arbor::oci::Digest = s.index.parse().unwrap();
    let err = runtime()
        .block_on(store.delete_manifest(&repo, &index))
        .expect_err("a locked manifest is not deleted");
    assert!(
        err.to_string().contains("REGISTRY_DISALLOWED_OPERATION"),
        "{err}"
    );
    assert!(runtime().block_on(store.resolve(&repo, &s.index)).is_ok());
    // Without an annotation or a config time, the registry's push time is the created time.
    let by_digest = inv.get(&s.by_digest.parse().unwrap()).unwrap();
    let created = by_digest
        .created
        .as_deref()
        .expect("registry's created time");
    assert!(
        created.starts_with("20") && created.ends_with('Z'),
        "{created}"
    );
    assert_eq!(Some(created), by_digest.registry_time.as_deref());
    // The same listing, forced: no probe needed.
    let forced = RegistryStore::new(
        &reg,
        &ClientOptions {
            plain_http: Some(true),
            flavor: Some(RegistryKind::Acr),
            ..Default::default()
        },
        ReferrersMode::Auto,
    )
    .unwrap();
    let again = take(&forced, &repo);
    assert_eq!(again.manifests, inv.manifests);
    // ...and forced generic, the same registry is reachable-only.
    let generic = RegistryStore::new(
        &reg,
        &ClientOptions {
            plain_http: Some(true),
            flavor: Some(RegistryKind::Generic),
            ..Default::default()
        },
        ReferrersMode::Auto,
    )
    .unwrap();
    let reachable = take(&generic, &repo);
    assert!(!reachable.complete);
    // Without the listing, the config is read: its build time.
    let b = reachable.get(&built.parse().unwrap()).unwrap();
    assert_eq!(b.created.as_deref(), Some("2001-02-03T04:05:06Z"));
    absent(
        &reachable,
        &s.nightly_old,
        "untagged, with the listing turned off",
    );
}

#[test]
fn harbor_listing_is_complete_and_says_what_it_cannot_show() {
    let (inv, s, _) = check_registry(Reg::Harbor);
    assert_eq!(
        (inv.source, inv.registry_kind),
        (ListingSource::Harbor, RegistryKind::Harbor)
    );
    assert!(inv.note.as_deref().unwrap().contains("subject is gone"));
    // Accessories of accessories (the SBOM's signature) came from the accessories endpoint.
    expect(
        &inv,
        &s.sbom_sig,
        Class::Attached,
        "signature of an accessory",
    );
}

#[test]
fn oci_layout_listing_is_complete_with_dangling_tags() {
    // Built from a distribution repository with oras copy: the tagged graph with its referrers,
    // untagged manifests, the orphan and a stale fallback index; then a tag whose blob is removed.
    let (_, s, repo) = check_registry(Reg::Dist);
    let reg = Reg::Dist.addr();
    let dir = tempfile::tempdir().expect("tempdir");
    let layout = dir.path().join("app");
    let cp = |from: &str, to: &str, recursive: bool| {
        let mut c = oras();
        c.args(["cp", "--from-plain-http", "--to-oci-layout"]);
        if recursive {
            c.arg("-r");
        }
        run_ok(
            c.arg(format!("{reg}/{repo}{from}"))
                .arg(format!("{}{to}", layout.display())),
        );
    };
    cp(":v1", ":v1", true);
    let sig_tag = format!("sha256-{}.sig", &s.index[7..]);
    cp(&format!(":{sig_tag}"), &format!(":{sig_tag}"), false);
    cp(":nightly", ":nightly", false);
    // untagged entries; crane, because oras copies a manifest's subject too (the orphan has none)
    for d in [&s.nightly_old, &s.by_digest, &s.orphan] {
        run_ok(
            crane()
                .args(["pull", "--insecure", "--format", "oci"])
                .arg(format!("{reg}/{repo}@{d}"))
                .arg(&layout),
        );
    }
    // the fallback index of a deleted subject, named as the registry names it
    let fallback = format!("sha256-{}", &s.kept[7..]);
    run_ok(
        crane()
            .args(["pull", "--insecure", "--format", "oci", "--annotate-ref"])
            .arg(format!("{reg}/{repo}:{fallback}"))
            .arg(&layout),
    );
    let gone = push_image(&reg, &repo, "gone", "gone");
    cp(":gone", ":gone", false);
    std::fs::remove_file(layout.join("blobs/sha256").join(&gone[7..])).expect("remove blob");

    let store = LayoutStore::open(&layout).expect("layout");
    let inv = take(&store, store.repository_name());
    assert_invariants(&inv);
    assert!(inv.complete);
    assert_eq!(
        (inv.source, inv.registry_kind),
        (ListingSource::OciLayout, RegistryKind::OciLayout)
    );
    assert_tagged_graph(&inv, &s);
    assert_only_known(&inv, &s);
    expect(
        &inv,
        &s.nightly_old,
        Class::Untagged,
        "untagged in index.json",
    );
    expect(
        &inv,
        &s.by_digest,
        Class::Untagged,
        "untagged in index.json",
    );
    expect(&inv, &s.orphan, Class::Orphan, "SBOM without its subject");
    expect(
        &inv,
        &s.stale_readme,
        Class::Orphan,
        "readme without its subject",
    );
    assert!(stale_subjects(&inv).contains(&s.kept));
    assert_eq!(
        inv.dangling_tags
            .iter()
            .map(|t| t.tag.as_str())
            .collect::<Vec<_>>(),
        vec!["gone"]
    );
}

/// 105 manifests pushed by digest (one tagged): more than one page (100) of either vendor listing.
fn push_many(reg: &str, repo: &str) -> BTreeSet<String> {
    let config = push_blob(reg, repo, b"{}");
    (0..105)
        .map(|i| {
            let m = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "artifactType": "application/vnd.arbor.page-test",
                "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
                "layers": [],
                "annotations": {"n": i.to_string()},
            });
            let body = serde_json::to_vec(&m).expect("json");
            let digest = sha256(&body);
            let reference = if i == 0 { "first" } else { digest.as_str() };
            put_manifest(reg, repo, reference, "application/vnd.oci.image.manifest.v1+json", &body);
            digest
        })
        .collect()
}

#[test]
fn vendor_listings_follow_every_page() {
    for r in [Reg::Acr, Reg::Harbor] {
        let reg = r.addr();
        let repo = format!("proj/{}", unique_repo("pages"));
        let pushed = push_many(&reg, &repo);
        let store = registry_store(&reg);
        let listing = runtime()
            .block_on(store.manifest_listing(&repo))
            .expect("listing")
            .expect("a vendor listing");
        let listed: BTreeSet<String> = listing
            .entries
            .iter()
            .map(|m| m.digest.to_string())
            .collect();
        assert_eq!(listed, pushed, "{r:?}: every manifest, once");
        assert_eq!(listing.entries.len(), pushed.len(), "{r:?}: no duplicates");
        let inv = take(&store, &repo);
        assert_eq!(inv.of_class(Class::Tagged).count(), 1, "{r:?}");
        assert_eq!(inv.of_class(Class::Untagged).count(), 104, "{r:?}");
    }
}

/// The session's listing (display only) is made once and kept until a refresh, and only where
/// the kind is known without a probe; a delete plan lists afresh and never reads it: a manifest
/// locked after the session listed sees its plan refused.
#[test]
fn delete_plans_list_afresh_while_the_session_listing_stays_cached() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("session-listing");
    let image = push_image(&reg, &repo, "v1", "listed once");
    let rt = runtime();
    let forced = RegistryStore::new(
        &reg,
        &ClientOptions {
            flavor: Some(RegistryKind::Acr),
            ..Default::default()
        },
        ReferrersMode::Auto,
    )
    .unwrap();
    let locked = |l: &arbor::listing::ManifestListing| {
        l.entries
            .iter()
            .find(|e| e.digest.to_string() == image)
            .expect("listed")
            .locks
            .is_some_and(|l| l.locked())
    };
    let first = rt.block_on(forced.session_listing(&repo)).expect("listed");
    assert!(!locked(&first));
    acr_lock(&reg, &repo, &image);
    let again = rt.block_on(forced.session_listing(&repo)).expect("cached");
    assert!(std::sync::Arc::ptr_eq(&first, &again), "not listed again");
    assert!(!locked(&again), "the session's listing is the earlier one");
    let err = rt
        .block_on(arbor::graph::delete::plan_delete(
            &forced,
            &repo,
            &["v1".to_string()],
            true,
            arbor::graph::DEFAULT_DEPTH,
        ))
        .expect_err("the plan's own listing sees the lock");
    let msg = err.to_string();
    assert!(msg.contains("locked") && msg.contains(&image), "{msg}");
    // A refresh drops it; the next display listing sees the lock too.
    forced.invalidate(&repo);
    let fresh = rt.block_on(forced.session_listing(&repo)).expect("listed");
    assert!(locked(&fresh));
    // Kind not forced, not detected, not an ACR host name: no listing (and no probe) for display.
    assert!(rt
        .block_on(registry_store(&reg).session_listing(&repo))
        .is_none());
}

/// `created` follows the issue's order in the CLI too, and the registry's own time is beside it:
/// `registryTime` in JSON (null where the registry lists none) and a PUSHED column in the table.
#[test]
fn manifests_cli_shows_the_registry_time_beside_created() {
    for (reg, listed) in [
        (harness().var("ARBOR_TEST_ACR"), true),
        (harness().dist(), false),
    ] {
        let repo = unique_repo("registry-time");
        let built = push_config_image(&reg, &repo, "built", Some("2001-02-03T04:05:06Z"));
        let v = json(&run_ok(
            arbor()
                .args(["manifests", "--all", "--format", "json"])
                .arg(format!("{reg}/{repo}")),
        ));
        let m = v["manifests"]
            .as_array()
            .and_then(|a| a.iter().find(|m| m["digest"] == built.as_str()))
            .unwrap_or_else(|| panic!("{v:#}"));
        assert_eq!(m["created"], "2001-02-03T04:05:06Z", "the config's: {m:#}");
        let table = stdout(&run_ok(
            arbor()
                .args(["manifests", "--all"])
                .arg(format!("{reg}/{repo}")),
        ));
        if listed {
            let pushed = acr_created(&reg, &repo, &built);
            let time = m["registryTime"].as_str().expect("registryTime");
            assert_eq!(time.get(..19), pushed.get(..19), "{m:#}");
            assert!(table.contains("PUSHED"), "{table}");
        } else {
            assert!(m["registryTime"].is_null(), "{m:#}");
            assert!(!table.contains("PUSHED"), "{table}");
        }
    }
}

/// `n` images tagged `t-<i>` on `reg`, each with its own config and one signature written through
/// the tag schema (its `sha256-<hex>` index), as oras writes on a registry without the API.
fn push_signed_tag_schema(reg: &str, repo: &str, n: usize) -> usize {
    let oci = "application/vnd.oci.image.manifest.v1+json";
    let empty = push_blob(reg, repo, b"{}");
    let empty_desc = serde_json::json!({"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2});
    for i in 0..n {
        let cfg =
            format!(r#"{{"architecture":"amd64","os":"linux","config":{{"Env":["N={i}"]}}}}"#);
        let cfg_digest = push_blob(reg, repo, cfg.as_bytes());
        let image = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": oci,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg_digest, "size": cfg.len()},
            "layers": [],
        }))
        .expect("json");
        put_manifest(reg, repo, &format!("t-{i}"), oci, &image);
        let sig = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": oci, "artifactType": "application/vnd.example.signature",
            "config": empty_desc, "layers": [empty_desc],
            "subject": {"mediaType": oci, "digest": sha256(&image), "size": image.len()},
        }))
        .expect("json");
        put_manifest(reg, repo, &sha256(&sig), oci, &sig);
        let index = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": oci, "digest": sha256(&sig), "size": sig.len(),
                           "artifactType": "application/vnd.example.signature"}],
        }))
        .expect("json");
        let tag = format!("sha256-{}", &sha256(&image)[7..]);
        put_manifest(
            reg,
            repo,
            &tag,
            "application/vnd.oci.image.index.v1+json",
            &index,
        );
    }
    3 * n
}

#[test]
fn tag_schema_inventory_fetches_each_manifest_once_with_bounded_requests_in_flight() {
    let h = harness();
    let proxy = h.fault_dist();
    let repo = unique_repo("inv-once");
    let manifests = push_signed_tag_schema(&h.dist(), &repo, 24);
    // A registry 20 ms away: requests overlap only if the inventory keeps several in flight.
    fault(&proxy, &repo, Some(r#"{"delay_ms": 20}"#));
    let inv = take(&registry_store(&proxy), &repo);
    let stats = fault_stats(&proxy, &repo);
    assert_eq!(inv.manifests.len(), manifests, "{inv:#?}");
    // The images; their signatures and fallback indexes hang below their tags.
    assert_eq!(inv.of_class(Class::Tagged).count(), manifests / 3);
    assert_eq!(inv.of_class(Class::Attached).count(), manifests / 3 * 2);
    let route = |r: &str| stats["by_route"][r].as_u64().unwrap_or(0);
    // Tags resolved once each; every manifest fetched once by digest, the fallback indexes not
    // again as referrers (one by-tag fetch at most: the probe that finds the tag schema).
    assert_eq!(
        route("HEAD manifests"),
        (manifests / 3 * 2) as u64,
        "{}",
        stats["by_route"]
    );
    assert!(
        route("GET manifests") <= manifests as u64 + 1,
        "each manifest once: {}",
        stats["by_route"]
    );
    assert!(
        route("GET referrers") <= 1,
        "one probe: {}",
        stats["by_route"]
    );
    assert_eq!(
        route("GET blobs"),
        (manifests / 3) as u64,
        "each image's config"
    );
    let in_flight = stats["max_in_flight"].as_u64().expect("max_in_flight");
    assert!(
        (2..=16).contains(&in_flight),
        "concurrent, at most 16 in flight: {in_flight}"
    );
    fault(&proxy, &repo, None);
}
