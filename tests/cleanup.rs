//! Cleanup through the CLI against every registry kind the harness runs (distribution 2.8.3,
//! go-containerregistry, the ACR and Harbor stand-ins), judged by real oras: `arbor manifests`
//! classes, cascade deletes whose report equals their plan, a locked manifest refused before any
//! change, dangling tags and stale fallback indexes fixed, and `arbor purge`.
mod common;
use common::scenario::{build, crane_digest, Reg, Scenario};
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeSet;

fn repo_for(r: Reg, prefix: &str) -> String {
    let repo = unique_repo(&format!("{prefix}-{r:?}").to_lowercase());
    if r == Reg::Harbor {
        format!("proj/{repo}")
    } else {
        repo
    }
}

fn fetchable(reg: &str, repo: &str, digest: &str) -> bool {
    oras()
        .args(["manifest", "fetch", "--plain-http"])
        .arg(format!("{reg}/{repo}@{digest}"))
        .output()
        .expect("oras")
        .status
        .success()
}

fn arbor_json(args: &[&str], target: &str) -> Value {
    json(&run_ok(arbor().args(args).arg(target)))
}

fn digests(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|m| m["digest"].as_str().expect("digest").to_string())
        .collect()
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|t| t.as_str().expect("string").to_string())
        .collect()
}

/// `arbor manifests` on the scenario: `--untagged` lists only untagged and orphan manifests —
/// never a referrer or platform manifest of a tagged subject — and says whether it is complete.
fn check_manifests(r: Reg, reg: &str, repo: &str, s: &Scenario) -> Value {
    let target = format!("{reg}/{repo}");
    let all = arbor_json(&["manifests", "--all", "--format", "json"], &target);
    assert_eq!(all["complete"], r.complete(), "{r:?}");
    let untagged = arbor_json(&["manifests", "--format", "json"], &target);
    let listed = digests(&untagged["manifests"]);
    for m in untagged["manifests"].as_array().unwrap() {
        assert!(m["class"] == "untagged" || m["class"] == "orphan", "{m:#}");
    }
    for d in [
        &s.amd64,
        &s.arm64,
        &s.cosign_tag_sig,
        &s.cosign_oci_sig,
        &s.notation_sig,
        &s.sbom,
        &s.sbom_sig,
        &s.index,
    ] {
        assert!(!listed.contains(d), "{r:?}: {d} is tagged or attached");
    }
    assert!(listed.contains(&s.stale_readme), "{r:?}: the orphan readme");
    assert_eq!(
        listed.contains(&s.nightly_old),
        r.complete(),
        "{r:?}: only a complete listing sees nightly's predecessor"
    );
    let text = stdout(&run_ok(arbor().arg("manifests").arg(&target)));
    // The first line names the listing source in use.
    let source = match r {
        Reg::Acr => "ACR manifest listing, complete",
        Reg::Harbor => "Harbor artifact listing, complete",
        Reg::Dist | Reg::Refs => "reachable only (distribution API registry)",
    };
    assert!(
        text.lines().next().unwrap_or("").contains(source),
        "{r:?}: {text}"
    );
    if r.complete() {
        assert!(text.contains("listing, complete"), "{text}");
    } else {
        assert!(
            text.contains("reachable only (distribution API registry)"),
            "{text}"
        );
    }
    all
}

/// Cascade delete of v1 with `amd64` also tagged: the plan keeps that platform manifest (and
/// says why), deletes the rest of v1's graph; afterwards oras agrees with the report, the report
/// equals the plan, and nothing another tag reaches was touched.
fn check_cascade(r: Reg) {
    let reg = r.addr();
    let repo = repo_for(r, "cascade");
    let s = build(r, &repo);
    run_ok(
        crane()
            .args(["tag", "--insecure"])
            .arg(format!("{reg}/{repo}@{}", s.amd64))
            .arg("amd64-only"),
    );
    let all = check_manifests(r, &reg, &repo, &s);
    let target = format!("{reg}/{repo}:v1");
    let plan = arbor_json(
        &["delete", "--cascade", "--dry-run", "--format", "json"],
        &target,
    );
    let planned = digests(&plan["manifests"]);
    for d in [
        &s.index,
        &s.arm64,
        &s.cosign_tag_sig,
        &s.cosign_oci_sig,
        &s.notation_sig,
        &s.sbom,
        &s.sbom_sig,
    ] {
        assert!(planned.contains(d), "{r:?}: {d} planned: {plan:#}");
    }
    assert!(!planned.contains(&s.amd64), "{r:?}: amd64-only keeps it");
    assert_eq!(
        plan["kept"],
        json!([{"digest": s.amd64, "kind": "image", "reason": "tag amd64-only points at it"}]),
        "{r:?}"
    );
    let tags = strings(&plan["tags"]);
    let sig_tag = format!("sha256-{}.sig", &s.index[7..]);
    assert!(tags.contains("v1") && tags.contains(&sig_tag), "{tags:?}");
    assert!(plan["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| !m["reason"].as_str().unwrap_or("").is_empty()));

    // What other tags reach, before: it must all be there after.
    let others: Vec<String> = all["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["class"] == "tagged" || m["class"] == "attached")
        .map(|m| m["digest"].as_str().unwrap().to_string())
        .filter(|d| !planned.contains(d))
        .collect();
    assert!(others.contains(&s.nightly_new) && others.contains(&s.amd64));
    let tags_before = oras_tags(&reg, &repo);

    let out = arbor()
        .args(["delete", "--cascade", "-y", "--format", "json"])
        .arg(&target)
        .output()
        .expect("arbor");
    assert!(
        out.status.success(),
        "{r:?}: {}\n{}",
        stderr(&out),
        stdout(&out)
    );
    let mut report: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
    assert_eq!(report["notDone"], json!([]), "{r:?}: {report:#}");
    report.as_object_mut().unwrap().remove("notDone");
    assert_eq!(report, plan, "{r:?}: the report equals the plan");

    let tags_after = oras_tags(&reg, &repo);
    for t in &tags {
        assert!(!tags_after.contains(t), "{r:?}: tag {t} still listed");
    }
    let expect_after: BTreeSet<String> = tags_before.difference(&tags).cloned().collect();
    assert_eq!(tags_after, expect_after, "{r:?}: no other tag touched");
    for d in &planned {
        assert!(!fetchable(&reg, &repo, d), "{r:?}: {d} still served");
    }
    for d in &others {
        assert!(fetchable(&reg, &repo, d), "{r:?}: {d} was touched");
    }
}

#[test]
fn cascade_delete_on_distribution_equals_its_plan() {
    check_cascade(Reg::Dist);
}

#[test]
fn cascade_delete_on_go_containerregistry_removes_the_tags_it_keeps() {
    check_cascade(Reg::Refs);
}

#[test]
fn cascade_delete_on_the_acr_stand_in_equals_its_plan() {
    check_cascade(Reg::Acr);
}

#[test]
fn cascade_delete_on_the_harbor_stand_in_equals_its_plan() {
    check_cascade(Reg::Harbor);
}

#[test]
fn a_locked_manifest_refuses_the_plan_before_any_change() {
    let reg = Reg::Acr.addr();
    let repo = unique_repo("locked");
    let w = seed_walkthrough(&reg, &repo);
    // `az acr repository update --delete-enabled false` on the SBOM's signature.
    acr_lock(&reg, &repo, &w.sbom_signature);
    let locked = arbor_json(
        &["manifests", "--all", "--format", "json"],
        &format!("{reg}/{repo}"),
    );
    let marked: Vec<&Value> = locked["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["locked"] == true)
        .collect();
    assert_eq!(marked.len(), 1);
    assert_eq!(marked[0]["digest"], w.sbom_signature.as_str());
    let tags_before = oras_tags(&reg, &repo);
    let out = arbor()
        .args(["delete", "--cascade", "-y"])
        .arg(format!("{reg}/{repo}:v1"))
        .output()
        .expect("arbor");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("locked") && err.contains(&format!("{repo}@{}", w.sbom_signature)),
        "names the locked manifest: {err}"
    );
    assert!(err.contains("nothing was changed"), "{err}");
    // The command that unlocks it, to paste (a loopback host has no ACR name: a placeholder).
    let unlock = format!(
        "az acr repository update --name <registry> --image {repo}@{} --delete-enabled true --write-enabled true",
        w.sbom_signature
    );
    assert!(err.contains(&unlock), "{err}");
    assert!(stdout(&out).is_empty(), "no plan carried out");
    for d in [
        &w.image,
        &w.signature,
        &w.readme,
        &w.sbom,
        &w.sbom_signature,
    ] {
        assert!(fetchable(&reg, &repo, d), "{d} touched");
    }
    assert_eq!(oras_tags(&reg, &repo), tags_before);
}

#[test]
fn dangling_tags_are_removed_by_name_and_stale_fallback_indexes_repaired() {
    let r = Reg::Refs;
    let reg = r.addr();
    let repo = repo_for(r, "fix");
    let s = build(r, &repo);
    let (kept2, lost_readme, live) = s.kept2.clone().expect("not Harbor");
    let inv = arbor_json(
        &["manifests", "--all", "--format", "json"],
        &format!("{reg}/{repo}"),
    );
    let dangling: BTreeSet<String> = inv["danglingTags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["tag"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        dangling,
        BTreeSet::from(["doomed".to_string(), "kept".to_string()])
    );
    // A dangling tag: the plan removes it by name, the report says so, oras agrees.
    let plan = arbor_json(
        &["delete", "--dry-run", "--format", "json"],
        &format!("{reg}/{repo}:doomed"),
    );
    assert_eq!(plan["manifests"], json!([]));
    assert_eq!(plan["tags"], json!(["doomed"]));
    let text = stdout(&run_ok(
        arbor()
            .args(["delete", "-y"])
            .arg(format!("{reg}/{repo}:doomed")),
    ));
    assert!(
        text.contains("Removed tag doomed") && text.contains("as planned"),
        "{text}"
    );
    assert!(!oras_tags(&reg, &repo).contains("doomed"));

    // A fallback index listing a manifest that is gone and one that is there: rewritten
    // without the missing one.
    let tag = format!("sha256-{}", &kept2[7..]);
    let plan = arbor_json(
        &["delete", "--dry-run", "--format", "json"],
        &format!("{reg}/{repo}:{tag}"),
    );
    assert_eq!(plan["fallbackIndexes"], json!([tag]));
    assert_eq!(
        plan["fallbackRewrites"][0]["remove"],
        json!([lost_readme]),
        "{plan:#}"
    );
    run_ok(
        arbor()
            .args(["delete", "-y"])
            .arg(format!("{reg}/{repo}:{tag}")),
    );
    let index: Value = serde_json::from_slice(
        &run_ok(
            oras()
                .args(["manifest", "fetch", "--plain-http"])
                .arg(format!("{reg}/{repo}:{tag}")),
        )
        .stdout,
    )
    .expect("index");
    assert!(
        !index.to_string().contains(&lost_readme) && index.to_string().contains(&live),
        "repaired: {index:#}"
    );

    // A fallback index whose subject is gone: removed.
    let gone = format!("sha256-{}", &s.kept[7..]);
    let index_digest = crane_digest(&format!("{reg}/{repo}:{gone}"));
    run_ok(
        arbor()
            .args(["delete", "-y"])
            .arg(format!("{reg}/{repo}:{gone}")),
    );
    assert!(!oras_tags(&reg, &repo).contains(&gone));
    assert!(!fetchable(&reg, &repo, &index_digest));
    let after = arbor_json(
        &["manifests", "--all", "--format", "json"],
        &format!("{reg}/{repo}"),
    );
    let stale: Vec<&str> = after["staleFallbackIndexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["tag"].as_str().unwrap())
        .collect();
    assert!(
        !stale.contains(&tag.as_str()) && !stale.contains(&gone.as_str()),
        "{stale:?}"
    );
}

/// 20 tags `build-01`…`build-20`, one created a day back from 2025-01-20 (annotation), each with
/// a signature; plus `release` (old, not matched) and `build-new` (recent).
fn dated_repo(reg: &str, repo: &str) -> Vec<(String, String, String)> {
    let files = files_dir();
    std::fs::write(files.path().join("app.txt"), "app").expect("write");
    let push = |tag: &str, created: &str, content: &str| -> String {
        std::fs::write(files.path().join("app.txt"), content).expect("write");
        stdout(&run_ok(
            oras()
                .current_dir(files.path())
                .args([
                    "push",
                    "--plain-http",
                    "--format",
                    "go-template={{.digest}}",
                ])
                .args([
                    "--annotation",
                    &format!("org.opencontainers.image.created={created}"),
                ])
                .arg(format!("{reg}/{repo}:{tag}"))
                .arg("app.txt"),
        ))
        .trim()
        .to_string()
    };
    let mut out = Vec::new();
    for i in 1..=20 {
        let tag = format!("build-{i:02}");
        let d = push(&tag, &format!("2025-01-{i:02}T00:00:00Z"), &tag);
        let sig = oras_attach(
            reg,
            repo,
            &d,
            "application/vnd.example.signature",
            files.path(),
            &["app.txt"],
        );
        out.push((tag, d, sig));
    }
    push("release", "2024-06-01T00:00:00Z", "release");
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("time");
    push("build-new", &now, "new");
    out
}

#[test]
fn purge_dry_run_then_yes_deletes_exactly_the_selected_tags_with_their_graphs() {
    let reg = Reg::Dist.addr();
    let base = unique_repo("purge");
    let repo = format!("{base}/app");
    let builds = dated_repo(&reg, &repo);
    // A second repository the pattern matches, and one it does not.
    push_image(&reg, &format!("{base}/other"), "build-old", "other");
    push_image(&reg, &format!("{base}-x/app"), "build-old", "not matched");
    let pattern = format!("{reg}/{base}/*");
    let args = [
        "purge", "--filter", "^build-", "--ago", "30d", "--keep", "5",
    ];
    let plans = json(&run_ok(
        arbor()
            .args(args)
            .args(["--dry-run", "--format", "json"])
            .arg(&pattern),
    ));
    let repos: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["plan"]["repository"].as_str().unwrap())
        .collect();
    assert_eq!(repos.len(), 2, "{repos:?}");
    assert!(repos.contains(&repo.as_str()));
    let p = plans
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["plan"]["repository"] == repo.as_str())
        .unwrap();
    // The newest five of the old builds stay; build-new is too young; release does not match.
    let want: BTreeSet<String> = builds[..15].iter().map(|b| b.0.clone()).collect();
    let tags = strings(&p["plan"]["tags"]);
    let plain: BTreeSet<String> = tags
        .iter()
        .filter(|t| !t.starts_with("sha256-"))
        .cloned()
        .collect();
    assert_eq!(plain, want, "{p:#}");
    for (_, d, _) in &builds[..15] {
        assert!(
            tags.contains(&format!("sha256-{}", &d[7..])),
            "its fallback tag, by name"
        );
    }
    let selected: BTreeSet<String> = p["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["selected"] == true)
        .map(|d| d["tag"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(selected, want);
    let planned = digests(&p["plan"]["manifests"]);
    for (_, d, sig) in &builds[..15] {
        assert!(planned.contains(d) && planned.contains(sig), "graph of {d}");
    }
    assert_eq!(
        oras_tags(&reg, &repo).len(),
        22 + 20,
        "dry run changed nothing (22 tags and 20 fallback indexes)"
    );

    let out = run_ok(arbor().args(args).arg("-y").arg(&pattern));
    let text = stdout(&out);
    assert!(text.contains("as planned"), "{text}");
    let tags = oras_tags(&reg, &repo);
    for (i, (t, d, sig)) in builds.iter().enumerate() {
        let gone = i < 15;
        assert_eq!(!tags.contains(t), gone, "{t}");
        assert_eq!(!fetchable(&reg, &repo, d), gone, "{t} manifest");
        assert_eq!(!fetchable(&reg, &repo, sig), gone, "{t} signature");
    }
    assert!(tags.contains("release") && tags.contains("build-new"));
    assert!(oras_tags(&reg, &format!("{base}-x/app")).contains("build-old"));
}

#[test]
fn purge_untagged_needs_a_complete_listing() {
    // Refused where the registry cannot list every manifest, with the reason.
    let dist = Reg::Dist.addr();
    let repo = unique_repo("purge-u");
    push_image(&dist, &repo, "v1", "a");
    let out = arbor()
        .args([
            "purge",
            "--filter",
            "^none$",
            "--ago",
            "1d",
            "--untagged",
            "-y",
        ])
        .arg(format!("{dist}/{repo}"))
        .output()
        .expect("arbor");
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--untagged needs a listing of every manifest")
            && err.contains("distribution API"),
        "{err}"
    );
    // On the ACR stand-in: the untagged predecessors go, nothing tagged or attached does.
    let acr = Reg::Acr.addr();
    let repo = unique_repo("purge-u");
    let w = seed_walkthrough(&acr, &repo);
    let old = push_image(&acr, &repo, "nightly", "one");
    let new = push_image(&acr, &repo, "nightly", "two");
    let plan = json(&run_ok(
        arbor()
            .args(["purge", "--filter", "^none$", "--ago", "1d", "--untagged"])
            .args(["--dry-run", "--format", "json"])
            .arg(format!("{acr}/{repo}")),
    ));
    assert_eq!(
        digests(&plan[0]["plan"]["manifests"]),
        BTreeSet::from([old.clone()])
    );
    run_ok(
        arbor()
            .args([
                "purge",
                "--filter",
                "^none$",
                "--ago",
                "1d",
                "--untagged",
                "-y",
            ])
            .arg(format!("{acr}/{repo}")),
    );
    assert!(!fetchable(&acr, &repo, &old));
    for d in [
        &new,
        &w.image,
        &w.signature,
        &w.sbom,
        &w.sbom_signature,
        &w.readme,
    ] {
        assert!(fetchable(&acr, &repo, d), "{d}");
    }
}
