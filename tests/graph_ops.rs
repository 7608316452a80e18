//! attach / delete / manifests against real registries of both kinds, checked with real oras.
mod common;
use common::*;
use serde_json::Value;
use std::process::Command;

const CREATED: &str = "org.opencontainers.image.created=2024-01-01T00:00:00Z";

fn arbor_attach(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
    dir: &std::path::Path,
    files: &[&str],
) -> String {
    let out = run_ok(
        arbor()
            .current_dir(dir)
            .args([
                "attach",
                "--format",
                "json",
                "--artifact-type",
                artifact_type,
                "--annotation",
                CREATED,
            ])
            .arg(format!("{reg}/{repo}@{subject}"))
            .args(files),
    );
    json(&out)["descriptor"]["digest"]
        .as_str()
        .unwrap()
        .to_string()
}

fn walkthrough_with_arbor(reg: &str, repo: &str) -> Walkthrough {
    seed_walkthrough_with(reg, repo, &arbor_attach)
}

fn discover(tool: &str, reg: &str, repo: &str, reference: &str) -> Value {
    let out = match tool {
        "arbor" => run_ok(
            arbor()
                .args(["discover", "--format", "json"])
                .arg(format!("{reg}/{repo}{reference}")),
        ),
        _ => run_ok(
            oras()
                .args(["discover", "--plain-http", "--format", "json"])
                .arg(format!("{reg}/{repo}{reference}")),
        ),
    };
    normalise(&json(&out))
}

fn exists(reg: &str, repo: &str, digest: &str) -> bool {
    let code = Command::new("curl").args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-I", "-H", "Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json"]).arg(format!("http://{reg}/v2/{repo}/manifests/{digest}")).output().unwrap();
    String::from_utf8_lossy(&code.stdout) == "200"
}

fn all_tags(reg: &str, repo: &str) -> Vec<String> {
    let out = arbor()
        .args(["tags", "--all", "--format", "json"])
        .arg(format!("{reg}/{repo}"))
        .output()
        .unwrap();
    if !out.status.success() {
        return Vec::new();
    }
    serde_json::from_value(json(&out)["tags"].clone()).unwrap_or_default()
}

#[test]
fn walkthrough_with_arbor_only_on_both_registry_kinds() {
    let h = harness();
    for reg in [h.dist(), h.refs_spec()] {
        let repo = unique_repo("arbor-walk");
        let w = walkthrough_with_arbor(&reg, &repo);
        // What arbor attached, oras discovers identically.
        let ours = discover("arbor", &reg, &repo, ":v1");
        assert_eq!(ours, discover("oras", &reg, &repo, ":v1"), "{reg}");
        let sbom = ours["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["digest"] == w.sbom.as_str())
            .unwrap();
        assert_eq!(sbom["referrers"][0]["digest"], w.sbom_signature.as_str());
        // oras pulls the two-file readme arbor attached, byte for byte.
        let f = files_dir();
        let out = tempfile::tempdir().unwrap();
        run_ok(
            oras()
                .current_dir(out.path())
                .args(["pull", "--plain-http"])
                .arg(format!("{reg}/{repo}@{}", w.readme)),
        );
        for name in ["readme.md", "details.md"] {
            assert_eq!(
                std::fs::read(out.path().join(name)).unwrap(),
                std::fs::read(f.path().join(name)).unwrap()
            );
        }
        // Cascade delete: every manifest of the graph gone, no fallback tag left, oras agrees.
        let del = run_ok(
            arbor()
                .args(["delete", "--cascade", "-y"])
                .arg(format!("{reg}/{repo}:v1")),
        );
        assert!(stdout(&del).contains("Deleted"), "{}", stdout(&del));
        for d in [
            &w.image,
            &w.signature,
            &w.readme,
            &w.sbom,
            &w.sbom_signature,
        ] {
            assert!(!exists(&reg, &repo, d), "{d} still exists on {reg}");
        }
        let left = all_tags(&reg, &repo);
        assert!(
            left.iter().all(|t| !t.starts_with("sha256-")),
            "fallback tags left: {left:?}"
        );
        let o = oras()
            .args(["discover", "--plain-http", "--format", "json"])
            .arg(format!("{reg}/{repo}@{}", w.image))
            .output()
            .unwrap();
        assert!(!o.status.success(), "oras still finds the subject");
    }
}

#[test]
fn attach_does_not_upload_blobs_twice() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("reupload"));
    let image = push_image(&reg, &repo, "v1", "x");
    let f = files_dir();
    let first = json(&run_ok(
        arbor()
            .current_dir(f.path())
            .args(["attach", "--format", "json", "--artifact-type", "a/b"])
            .arg(format!("{reg}/{repo}@{image}"))
            .arg("sbom.json"),
    ));
    assert_eq!(first["uploaded"], 2, "{first}");
    let second = json(&run_ok(
        arbor()
            .current_dir(f.path())
            .args(["attach", "--format", "json", "--artifact-type", "c/d"])
            .arg(format!("{reg}/{repo}@{image}"))
            .arg("sbom.json"),
    ));
    assert_eq!(second["uploaded"], 0);
    assert_eq!(second["skipped"], 2);
    assert_eq!(second["fallback_index_updated"], true);
    assert_eq!(
        discover("arbor", &reg, &repo, ":v1")["referrers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn arbor_can_attach_to_a_referrer_and_an_index() {
    let h = harness();
    let (reg, repo) = (h.refs_spec(), unique_repo("deep"));
    let image = push_image(&reg, &repo, "v1", "deep");
    run_ok(
        oras()
            .args(["manifest", "index", "create", "--plain-http"])
            .arg(format!("{reg}/{repo}:multi"))
            .arg(&image),
    );
    let idx = stdout(&run_ok(
        arbor()
            .args(["fetch", "--descriptor"])
            .arg(format!("{reg}/{repo}:multi")),
    ));
    let idx: Value = serde_json::from_str(&idx).unwrap();
    let f = files_dir();
    let on_index = arbor_attach(
        &reg,
        &repo,
        idx["digest"].as_str().unwrap(),
        "signature/example",
        f.path(),
        &["signature.json"],
    );
    let on_ref = arbor_attach(
        &reg,
        &repo,
        &on_index,
        "signature/example",
        f.path(),
        &["signature.json"],
    );
    let g = discover("arbor", &reg, &repo, ":multi");
    assert_eq!(g["referrers"][0]["digest"], on_index.as_str());
    assert_eq!(g["referrers"][0]["referrers"][0]["digest"], on_ref.as_str());
    assert_eq!(g, discover("oras", &reg, &repo, ":multi"));
}

#[test]
fn delete_is_refused_before_anything_changes() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_NODELETE");
    let repo = unique_repo("nodelete");
    let w = seed_walkthrough(&reg, &repo);
    let out = arbor()
        .args(["delete", "--cascade", "-y"])
        .arg(format!("{reg}/{repo}:v1"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("refuses deletes") && err.contains("nothing was changed"),
        "{err}"
    );
    for d in [
        &w.image,
        &w.signature,
        &w.readme,
        &w.sbom,
        &w.sbom_signature,
    ] {
        assert!(exists(&reg, &repo, d));
    }
    assert_eq!(
        discover("arbor", &reg, &repo, ":v1"),
        discover("oras", &reg, &repo, ":v1")
    );
}

#[test]
fn failure_in_the_middle_of_a_cascade_reports_exactly_what_was_deleted() {
    let h = harness();
    let (reg, proxy) = (h.dist(), h.fault_dist());
    let repo = unique_repo("midfail");
    let w = seed_walkthrough(&reg, &repo);
    // Two manifest DELETEs pass (the probe's is a 404 and counts too), then the registry fails.
    fault(&proxy, &repo, Some(r#"{"fail_delete_after":3}"#));
    let out = arbor()
        .args(["delete", "--cascade", "-y"])
        .arg(format!("{proxy}/{repo}:v1"))
        .output()
        .unwrap();
    fault(&proxy, &repo, None);
    assert!(!out.status.success());
    let err = stderr(&out);
    let text = stdout(&out);
    assert!(err.contains("the result differs from the plan"), "{err}");
    assert!(text.contains("NOT DONE: manifest"), "{text}");
    let all = [
        &w.image,
        &w.signature,
        &w.readme,
        &w.sbom,
        &w.sbom_signature,
    ];
    let gone: Vec<&&String> = all.iter().filter(|d| !exists(&reg, &repo, d)).collect();
    assert!(
        !gone.is_empty() && gone.len() < all.len(),
        "a partial delete: {gone:?}"
    );
    assert!(
        exists(&reg, &repo, &w.image),
        "the subject goes last, so it is still there"
    );
    // The report names exactly what went, and everything else as not done.
    for d in all {
        let deleted = text.contains(&format!("Deleted {proxy}/{repo}@{d}"));
        let not_done = text.contains(&format!("NOT DONE: manifest {d}"));
        assert_eq!(deleted, gone.contains(&&d), "{d}: {text}");
        assert_eq!(not_done, !deleted, "{d}: {text}");
    }
    // What remains is a consistent graph: no fallback index lists anything that is gone.
    let g = discover("arbor", &reg, &repo, ":v1");
    let text = g.to_string();
    for d in &gone {
        assert!(
            !text.contains(d.as_str()),
            "deleted {d} still listed: {g:#}"
        );
    }
    assert_eq!(g, discover("oras", &reg, &repo, ":v1"));
}

#[test]
fn deleting_one_referrer_updates_the_fallback_index() {
    let h = harness();
    let reg = h.dist();
    let repo = unique_repo("onedel");
    let w = seed_walkthrough(&reg, &repo);
    run_ok(
        arbor()
            .args(["delete", "-y"])
            .arg(format!("{reg}/{repo}@{}", w.sbom_signature)),
    );
    run_ok(
        arbor()
            .args(["delete", "-y"])
            .arg(format!("{reg}/{repo}@{}", w.readme)),
    );
    let g = discover("arbor", &reg, &repo, ":v1");
    assert_eq!(g, discover("oras", &reg, &repo, ":v1"));
    let refs: Vec<&str> = g["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap())
        .collect();
    assert_eq!(refs.len(), 2);
    assert!(!refs.contains(&w.readme.as_str()));
    let tags = all_tags(&reg, &repo);
    assert!(
        !tags.contains(&format!("sha256-{}", w.sbom.trim_start_matches("sha256:"))),
        "empty index tag removed: {tags:?}"
    );
}

#[test]
fn delete_without_cascade_refuses_a_subject_with_referrers() {
    let h = harness();
    let repo = unique_repo("nocascade");
    let w = seed_walkthrough(&h.refs_spec(), &repo);
    let out = arbor()
        .args(["delete", "-y"])
        .arg(format!("{}/{repo}:v1", h.refs_spec()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--cascade"), "{}", stderr(&out));
    assert!(exists(&h.refs_spec(), &repo, &w.image));
}

#[test]
fn dry_run_shows_the_plan_and_changes_nothing() {
    let h = harness();
    let reg = h.dist();
    let repo = unique_repo("dryrun");
    let w = seed_walkthrough(&reg, &repo);
    run_ok(
        oras()
            .args(["tag", "--plain-http"])
            .arg(format!("{reg}/{repo}:v1"))
            .arg("latest"),
    );
    let plan = json(&run_ok(
        arbor()
            .args(["delete", "--cascade", "--dry-run", "--format", "json"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    let items = plan["manifests"].as_array().unwrap();
    assert_eq!(
        items.len(),
        7,
        "5 manifests and 2 fallback indexes: {plan:#}"
    );
    assert_eq!(
        items.last().unwrap()["digest"],
        w.image.as_str(),
        "subject last"
    );
    assert_eq!(
        items.last().unwrap()["tags"],
        serde_json::json!(["latest", "v1"])
    );
    assert!(items
        .iter()
        .all(|m| m["reason"].as_str().is_some_and(|r| !r.is_empty())));
    let fallback = plan["fallbackIndexes"].as_array().unwrap();
    assert_eq!(fallback.len(), 2, "image and sbom have fallback indexes");
    let tags = plan["tags"].as_array().unwrap();
    for f in fallback {
        assert!(tags.contains(f), "{f} disappears, by name");
    }
    let text = stdout(&run_ok(
        arbor()
            .args(["delete", "--cascade", "--dry-run"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    assert!(
        text.contains("Tags removed: latest, sha256-")
            && text.contains(", v1\n")
            && text.contains("Dry run"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{reg}/{repo}@{}", w.image)),
        "named repo@digest: {text}"
    );
    assert!(exists(&reg, &repo, &w.image) && exists(&reg, &repo, &w.sbom_signature));
    // Without -y and without a terminal, nothing is deleted either.
    let out = arbor()
        .args(["delete", "--cascade"])
        .arg(format!("{reg}/{repo}:v1"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(exists(&reg, &repo, &w.image));
}

#[test]
fn manifests_never_lists_what_hangs_below_a_tag_and_finds_orphans() {
    let h = harness();
    let reg = h.dist();
    let repo = unique_repo("orphans");
    let w = seed_walkthrough(&reg, &repo);
    let untagged = json(&run_ok(
        arbor()
            .args(["manifests", "--untagged", "--format", "json"])
            .arg(format!("{reg}/{repo}")),
    ));
    assert_eq!(untagged["complete"], false);
    assert_eq!(untagged["source"], "reachable");
    assert_eq!(
        untagged["manifests"],
        serde_json::json!([]),
        "the signatures, SBOM and readme of v1 are attached, not untagged"
    );
    let text = stdout(&run_ok(
        arbor().arg("manifests").arg(format!("{reg}/{repo}")),
    ));
    assert!(
        text.contains("reachable only (distribution API registry): only what tags"),
        "{text}"
    );
    // Delete the subject behind the graph's back: its referrers become orphans.
    run_ok(
        Command::new("curl")
            .args(["-sf", "-X", "DELETE"])
            .arg(format!("http://{reg}/v2/{repo}/manifests/{}", w.image)),
    );
    let orphans = json(&run_ok(
        arbor()
            .args(["manifests", "--orphans", "--format", "json"])
            .arg(format!("{reg}/{repo}")),
    ));
    let list = orphans["manifests"].as_array().unwrap();
    let ds: Vec<&str> = list.iter().map(|m| m["digest"].as_str().unwrap()).collect();
    for d in [&w.signature, &w.readme, &w.sbom, &w.sbom_signature] {
        assert!(ds.contains(&d.as_str()), "{d}: {orphans:#}");
    }
    assert!(list.iter().all(|m| m["class"] == "orphan"), "{orphans:#}");
    let others: Vec<&serde_json::Value> = list
        .iter()
        .filter(|m| {
            ![&w.signature, &w.readme, &w.sbom, &w.sbom_signature]
                .iter()
                .any(|d| m["digest"] == d.as_str())
        })
        .collect();
    assert_eq!(others.len(), 2, "the two fallback indexes: {others:#?}");
    assert!(others.iter().all(|m| m["kind"] == "fallback-index"));
    let sbom = list
        .iter()
        .find(|m| m["digest"] == w.sbom.as_str())
        .unwrap();
    assert_eq!(sbom["subject"], w.image.as_str());
    assert_eq!(
        orphans["staleFallbackIndexes"][0]["subject"],
        w.image.as_str()
    );
}
