//! `arbor discover|tags|repos|fetch` against real registries, checked against real `oras`.
mod common;
use common::*;
use serde_json::Value;

fn arbor_discover(reg: &str, repo: &str, reference: &str, extra: &[&str]) -> Value {
    let out = run_ok(
        arbor()
            .args(["discover", "--format", "json"])
            .args(extra)
            .arg(format!("{reg}/{repo}{reference}")),
    );
    normalise(&json(&out))
}

fn oras_discover(reg: &str, repo: &str, reference: &str, extra: &[&str]) -> Value {
    let out = run_ok(
        oras()
            .args(["discover", "--plain-http", "--format", "json"])
            .args(extra)
            .arg(format!("{reg}/{repo}{reference}")),
    );
    normalise(&json(&out))
}

fn count_nodes(v: &Value) -> usize {
    1 + v["referrers"]
        .as_array()
        .map(|a| a.iter().map(count_nodes).sum())
        .unwrap_or(0)
}

#[test]
fn discover_json_equals_oras_on_distribution_tag_fallback() {
    let h = harness();
    let repo = unique_repo("walk-dist");
    let w = seed_walkthrough(&h.dist(), &repo);
    let ours = arbor_discover(&h.dist(), &repo, ":v1", &[]);
    assert_eq!(ours, oras_discover(&h.dist(), &repo, ":v1", &[]));
    assert_eq!(count_nodes(&ours), 5, "{ours:#}");
    assert_eq!(ours["digest"], w.image.as_str());
    // The sbom carries its own signature one level down.
    let sbom = ours["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["digest"] == w.sbom.as_str())
        .expect("sbom");
    assert_eq!(sbom["referrers"][0]["digest"], w.sbom_signature.as_str());
    assert_eq!(sbom["artifactType"], "sbom/example");
}

#[test]
fn discover_json_equals_oras_on_referrers_api_registry() {
    let h = harness();
    let repo = unique_repo("walk-spec");
    seed_walkthrough(&h.refs_spec(), &repo);
    let ours = arbor_discover(&h.refs_spec(), &repo, ":v1", &[]);
    assert_eq!(ours, oras_discover(&h.refs_spec(), &repo, ":v1", &[]));
    assert_eq!(count_nodes(&ours), 5);
    let tree = run_ok(
        arbor()
            .args(["discover"])
            .arg(format!("{}/{repo}:v1", h.refs_spec())),
    );
    assert!(
        stderr(&tree).contains("referrers from: referrers API"),
        "{}",
        stderr(&tree)
    );
}

/// go-containerregistry's registry reports the config type as artifactType and drops
/// annotations; arbor reads them from the manifests and shows the same graph as oras does on
/// a spec-complete registry holding the same content.
#[test]
fn raw_referrers_api_registry_still_gives_the_true_graph() {
    let h = harness();
    let repo = unique_repo("walk-raw");
    seed_walkthrough(&h.refs(), &repo);
    seed_walkthrough(&h.refs_spec(), &repo);
    let ours = arbor_discover(&h.refs(), &repo, ":v1", &[]);
    let truth = rehost(
        &oras_discover(&h.refs_spec(), &repo, ":v1", &[]),
        &h.refs_spec(),
        &h.refs(),
    );
    assert_eq!(ours, truth);
    // And oras itself does not get this right on the raw registry (the reason for the fix-up).
    assert_ne!(oras_discover(&h.refs(), &repo, ":v1", &[]), truth);
}

#[test]
fn artifact_type_filter_applies_at_every_level() {
    let h = harness();
    for reg in [h.dist(), h.refs_spec()] {
        let repo = unique_repo("filter");
        seed_walkthrough(&reg, &repo);
        for t in ["signature/example", "sbom/example"] {
            let ours = arbor_discover(&reg, &repo, ":v1", &["--artifact-type", t]);
            assert_eq!(
                ours,
                oras_discover(&reg, &repo, ":v1", &["--artifact-type", t]),
                "{reg} {t}"
            );
        }
        // sbom/example at every level: the sbom is kept, its signature (another type) is not.
        let ours = arbor_discover(&reg, &repo, ":v1", &["--artifact-type", "sbom/example"]);
        assert_eq!(ours["referrers"].as_array().unwrap().len(), 1);
        assert_eq!(
            ours["referrers"][0]["referrers"].as_array().unwrap().len(),
            0
        );
    }
    // The raw registry ignores ?artifactType=: arbor filters client-side.
    let repo = unique_repo("filter-raw");
    seed_walkthrough(&h.refs(), &repo);
    let ours = arbor_discover(
        &h.refs(),
        &repo,
        ":v1",
        &["--artifact-type", "signature/example"],
    );
    let sigs = ours["referrers"].as_array().unwrap();
    assert_eq!(sigs.len(), 1);
    assert_eq!(sigs[0]["artifactType"], "signature/example");
}

#[test]
fn depth_limits_the_levels_like_oras() {
    let h = harness();
    for reg in [h.dist(), h.refs_spec()] {
        let repo = unique_repo("depth");
        seed_walkthrough(&reg, &repo);
        let ours = arbor_discover(&reg, &repo, ":v1", &["--depth", "1"]);
        assert_eq!(ours, oras_discover(&reg, &repo, ":v1", &["--depth", "1"]));
        assert_eq!(
            count_nodes(&ours),
            4,
            "depth 1 shows the three direct referrers only"
        );
    }
}

#[test]
fn referrers_api_pages_are_followed() {
    let h = harness();
    let reg = h.refs_spec();
    let page: usize = h.var("ARBOR_TEST_REFS_SPEC_PAGE_SIZE").parse().unwrap();
    let repo = unique_repo("manyrefs");
    let image = push_image(&reg, &repo, "v1", "paged");
    let f = files_dir();
    // One real oras attach (uploads the empty config and the file), then more manifests like it.
    let first = oras_attach(
        &reg,
        &repo,
        &image,
        "signature/example",
        f.path(),
        &["signature.json:application/json"],
    );
    let template = run_ok(
        std::process::Command::new("curl")
            .args([
                "-sf",
                "-H",
                "Accept: application/vnd.oci.image.manifest.v1+json",
            ])
            .arg(format!("http://{reg}/v2/{repo}/manifests/{first}")),
    )
    .stdout;
    let mut m: Value = serde_json::from_slice(&template).unwrap();
    for i in 0..page + 5 {
        m["annotations"]["org.opencontainers.image.created"] =
            Value::String(format!("2024-01-01T00:00:{:02}Z", i % 60));
        m["annotations"]["n"] = Value::String(i.to_string());
        let body = serde_json::to_vec(&m).unwrap();
        put_manifest(
            &reg,
            &repo,
            &sha256(&body),
            "application/vnd.oci.image.manifest.v1+json",
            &body,
        );
    }
    let ours = arbor_discover(&reg, &repo, ":v1", &[]);
    assert_eq!(ours["referrers"].as_array().unwrap().len(), page + 6);
    assert_eq!(ours, oras_discover(&reg, &repo, ":v1", &[]));
}

#[test]
fn tags_page_through_a_registry_that_honours_n_without_link() {
    let h = harness();
    // fault_refs forwards to refs_spec (go-containerregistry: honours n/last on tags, sends no Link).
    let (reg, proxy) = (h.refs_spec(), h.fault_refs());
    let repo = unique_repo("pagetags");
    push_image(&reg, &repo, "v1", "tags");
    let names: Vec<String> = (0..120).map(|i| format!("t{i:03}")).collect();
    run_ok(
        oras()
            .args(["tag", "--plain-http"])
            .arg(format!("{reg}/{repo}:v1"))
            .args(&names),
    );
    fault(&proxy, &repo, Some("{}"));
    let out = run_ok(
        arbor()
            .args(["tags", "--format", "json", "--page-size", "50"])
            .arg(format!("{proxy}/{repo}")),
    );
    let tags: Vec<String> = serde_json::from_value(json(&out)["tags"].clone()).unwrap();
    assert_eq!(tags.len(), 121, "{tags:?}");
    let stats = fault_stats(&proxy, &repo);
    assert!(
        stats["requests"].as_u64().unwrap() >= 3,
        "expected several pages: {stats}"
    );
    fault(&proxy, &repo, None);
}

#[test]
fn tags_from_a_registry_that_ignores_n() {
    let h = harness();
    // distribution 2.8.3 ignores n on tags/list and answers everything at once.
    let (reg, proxy) = (h.dist(), h.fault_dist());
    let repo = unique_repo("ignoren");
    push_image(&reg, &repo, "v1", "ignore-n");
    let names: Vec<String> = (0..60).map(|i| format!("t{i:03}")).collect();
    run_ok(
        oras()
            .args(["tag", "--plain-http"])
            .arg(format!("{reg}/{repo}:v1"))
            .args(&names),
    );
    fault(&proxy, &repo, Some(r#"{"ignore_n":true}"#));
    let out = run_ok(
        arbor()
            .args(["tags", "--format", "json", "--page-size", "10"])
            .arg(format!("{proxy}/{repo}")),
    );
    let tags: Vec<String> = serde_json::from_value(json(&out)["tags"].clone()).unwrap();
    assert_eq!(tags.len(), 61);
    assert_eq!(
        fault_stats(&proxy, &repo)["requests"],
        1,
        "one answer held everything: no further pages asked"
    );
    fault(&proxy, &repo, None);
}

fn catalog_via_curl(reg: &str) -> std::collections::BTreeSet<String> {
    let out = run_ok(
        std::process::Command::new("curl")
            .args(["-sf"])
            .arg(format!("http://{reg}/v2/_catalog?n=1000")),
    );
    serde_json::from_value::<Vec<String>>(json(&out)["repositories"].clone())
        .unwrap()
        .into_iter()
        .collect()
}

#[test]
fn catalog_pages_past_one_page() {
    let h = harness();
    let reg = h.dist();
    for i in 0..3 {
        push_image(&reg, &unique_repo(&format!("cat{i}")), "v1", "catalog");
    }
    // Other tests create repositories concurrently: compare with a snapshot taken before.
    let all = catalog_via_curl(&reg);
    let out = run_ok(
        arbor()
            .args(["repos", "--format", "json", "--page-size", "2"])
            .arg(&reg),
    );
    let ours: std::collections::BTreeSet<String> =
        serde_json::from_value::<Vec<String>>(json(&out)["repositories"].clone())
            .unwrap()
            .into_iter()
            .collect();
    assert!(all.len() >= 3);
    assert!(
        ours.is_superset(&all),
        "missing: {:?}",
        all.difference(&ours).collect::<Vec<_>>()
    );
}

#[test]
fn catalog_from_a_registry_that_ignores_n() {
    let h = harness();
    push_image(&h.dist(), &unique_repo("catn"), "v1", "catalog-n");
    let before = catalog_via_curl(&h.dist());
    fault(&h.fault_dist(), "_catalog", Some(r#"{"ignore_n":true}"#));
    let out = run_ok(
        arbor()
            .args(["repos", "--format", "json", "--page-size", "2"])
            .arg(h.fault_dist()),
    );
    fault(&h.fault_dist(), "_catalog", None);
    let ours: std::collections::BTreeSet<String> =
        serde_json::from_value::<Vec<String>>(json(&out)["repositories"].clone())
            .unwrap()
            .into_iter()
            .collect();
    assert!(ours.is_superset(&before));
}

/// A fallback index can list anything, including the subject's own ancestor: a cycle.
#[test]
fn referrer_cycle_is_detected_not_followed() {
    let h = harness();
    let reg = h.dist();
    let repo = unique_repo("cycle");
    let image = push_image(&reg, &repo, "v1", "cycle");
    let f = files_dir();
    let sig = oras_attach(
        &reg,
        &repo,
        &image,
        "signature/example",
        f.path(),
        &["signature.json:application/json"],
    );
    let image_size = run_ok(arbor().args(["fetch"]).arg(format!("{reg}/{repo}@{image}")))
        .stdout
        .len();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image, "size": image_size, "artifactType": "loop/example"}]
    });
    let tag = format!("sha256-{}", sig.trim_start_matches("sha256:"));
    put_manifest(
        &reg,
        &repo,
        &tag,
        "application/vnd.oci.image.index.v1+json",
        &serde_json::to_vec(&index).unwrap(),
    );
    let out = run_ok(
        arbor()
            .args(["discover", "--full", "--format", "json"])
            .arg(format!("{reg}/{repo}:v1")),
    );
    let v = json(&out);
    let back = &v["referrers"][0]["referrers"][0];
    assert_eq!(back["digest"], image.as_str());
    assert_eq!(back["cycle"], true);
    assert_eq!(back["referrers"].as_array().unwrap().len(), 0);
    let tree = stdout(&run_ok(
        arbor().args(["discover"]).arg(format!("{reg}/{repo}:v1")),
    ));
    assert!(tree.contains("cycle"), "{tree}");
}

#[test]
fn manifest_digest_mismatch_is_refused() {
    let h = harness();
    let repo = unique_repo("corrupt");
    let image = push_image(&h.dist(), &repo, "v1", "corrupt");
    let f = files_dir();
    oras_attach(
        &h.dist(),
        &repo,
        &image,
        "signature/example",
        f.path(),
        &["signature.json:application/json"],
    );
    fault(&h.fault_dist(), &repo, Some(r#"{"corrupt_manifest":true}"#));
    for reference in [":v1".to_string(), format!("@{image}")] {
        let out = arbor()
            .args(["fetch"])
            .arg(format!("{}/{repo}{reference}", h.fault_dist()))
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(out.stdout.is_empty(), "nothing unverified is printed");
        let err = stderr(&out);
        assert!(err.contains("digest mismatch"), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    }
    // Discovery reads the fallback index (a manifest): corrupted, it is refused too.
    let out = arbor()
        .args(["discover"])
        .arg(format!("{}/{repo}:v1", h.fault_dist()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));
    fault(&h.fault_dist(), &repo, None);
}

#[test]
fn fetch_prints_the_exact_bytes_served() {
    let h = harness();
    let repo = unique_repo("fetch");
    let image = push_image(&h.refs_spec(), &repo, "v1", "fetch");
    let out = run_ok(
        arbor()
            .args(["fetch"])
            .arg(format!("{}/{repo}:v1", h.refs_spec())),
    );
    assert_eq!(sha256(&out.stdout), image);
    let pretty = run_ok(
        arbor()
            .args(["fetch", "--pretty"])
            .arg(format!("{}/{repo}@{image}", h.refs_spec())),
    );
    assert!(stdout(&pretty).contains("\n  \"schemaVersion\": 2"));
}

#[test]
fn tags_hide_fallback_tags_unless_all() {
    let h = harness();
    let repo = unique_repo("hidden");
    let w = seed_walkthrough(&h.dist(), &repo);
    let plain = stdout(&run_ok(
        arbor().args(["tags"]).arg(format!("{}/{repo}", h.dist())),
    ));
    assert_eq!(plain.trim(), "v1");
    let all = stdout(&run_ok(
        arbor()
            .args(["tags", "--all"])
            .arg(format!("{}/{repo}", h.dist())),
    ));
    assert!(
        all.contains(&format!("sha256-{}", w.image.trim_start_matches("sha256:"))),
        "{all}"
    );
}

#[test]
fn distribution_spec_forces_the_referrers_mechanism() {
    let h = harness();
    let repo = unique_repo("force");
    seed_walkthrough(&h.dist(), &repo);
    let out = arbor()
        .args(["discover", "--distribution-spec", "v1.1-referrers-api"])
        .arg(format!("{}/{repo}:v1", h.dist()))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("does not serve the referrers API"),
        "{}",
        stderr(&out)
    );
    let forced = arbor_discover(
        &h.dist(),
        &repo,
        ":v1",
        &["--distribution-spec", "v1.1-referrers-tag"],
    );
    assert_eq!(count_nodes(&forced), 5);
    // oras writes no fallback tags on an API registry, so the tag schema finds nothing there.
    let repo2 = unique_repo("force-api");
    seed_walkthrough(&h.refs_spec(), &repo2);
    let tagged = arbor_discover(
        &h.refs_spec(),
        &repo2,
        ":v1",
        &["--distribution-spec", "v1.1-referrers-tag"],
    );
    assert_eq!(count_nodes(&tagged), 1);
}

/// Discovery over the tag fallback has a fixed request budget, whatever the graph's depth: one
/// resolve, one referrers-API probe, one tag listing and one GET per fallback index (prefetched
/// together); referrers without an index of their own cost nothing.
#[test]
fn fallback_discovery_stays_within_its_request_budget() {
    let h = harness();
    let repo = unique_repo("reqcount");
    seed_walkthrough(&h.dist(), &repo);
    let proxy = h.fault_dist();
    fault(&proxy, &repo, Some("{}"));
    let out = run_ok(
        arbor()
            .args(["discover", "--format", "json"])
            .arg(format!("{proxy}/{repo}:v1")),
    );
    let stats = fault_stats(&proxy, &repo);
    fault(&proxy, &repo, None);
    assert_eq!(count_nodes(&json(&out)), 5, "the whole graph was found");
    // The walkthrough has two fallback indexes: the image's and the SBOM's.
    let budget = 1 + 1 + 1 + 2;
    let requests = stats["requests"].as_u64().unwrap();
    assert!(
        requests <= budget,
        "arbor made {requests} requests, budget {budget}: {stats}"
    );
}

#[test]
fn basic_auth_registry_with_password_stdin() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_BASIC");
    let user = h.var("ARBOR_TEST_BASIC_USER");
    let pass = h.secret("ARBOR_TEST_BASIC_PASSWORD_FILE");
    let repo = unique_repo("basic");
    let f = files_dir();
    let subject = format!("{reg}/{repo}:v1");
    let o = run_with_stdin(
        oras()
            .current_dir(f.path())
            .args([
                "push",
                "--plain-http",
                "-u",
                &user,
                "--password-stdin",
                "--artifact-type",
                "demo/app",
            ])
            .arg(&subject)
            .arg("readme.md:text/markdown"),
        &pass,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run_with_stdin(
        oras()
            .current_dir(f.path())
            .args([
                "attach",
                "--plain-http",
                "-u",
                &user,
                "--password-stdin",
                "--artifact-type",
                "signature/example",
            ])
            .arg(&subject)
            .arg("signature.json:application/json"),
        &pass,
    );
    assert!(o.status.success(), "{}", stderr(&o));

    let ok = run_with_stdin(
        arbor()
            .args([
                "discover",
                "--format",
                "json",
                "-u",
                &user,
                "--password-stdin",
            ])
            .arg(&subject),
        &pass,
    );
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(json(&ok)["referrers"].as_array().unwrap().len(), 1);

    let wrong = run_with_stdin(
        arbor()
            .args(["discover", "-u", &user, "--password-stdin"])
            .arg(&subject),
        "not-the-password",
    );
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("refused"), "{}", stderr(&wrong));
    assert!(!stderr(&wrong).contains("not-the-password"));

    let anon = arbor().args(["discover"]).arg(&subject).output().unwrap();
    assert!(!anon.status.success());
    assert!(
        stderr(&anon).contains("this registry needs credentials"),
        "{}",
        stderr(&anon)
    );
}

#[test]
fn invalid_reference_gives_one_clear_line() {
    let out = arbor().args(["discover", "Bad Ref"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.starts_with("arbor: error: invalid reference"), "{err}");
    assert_eq!(err.trim().lines().count(), 1);
}

#[test]
fn tls_is_verified_unless_told_otherwise() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_TLS");
    let ca = h.var("ARBOR_TEST_TLS_CA");
    // Unknown CA: refused, with the reason.
    let out = arbor()
        .args(["repos", "--plain-http=false"])
        .arg(&reg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out).to_lowercase();
    assert!(
        err.contains("certificate") || err.contains("unknownissuer"),
        "{err}"
    );
    // Trusted through --ca-file, or verification skipped on request.
    run_ok(arbor().args(["repos", "--ca-file", &ca]).arg(&reg));
    run_ok(arbor().args(["repos", "--insecure"]).arg(&reg));
}

#[test]
fn discover_draws_dot_and_mermaid_with_hostile_labels_kept_inside_their_strings() {
    let h = harness();
    let (reg, repo) = (h.dist(), unique_repo("export"));
    let w = seed_walkthrough(&reg, &repo);
    // A referrer whose artifact type tries to close its label and add nodes and markup.
    let hostile = "x\"];evil[\"<b>|\u{1b}[2J\u{202e}";
    let config = push_blob(&reg, &repo, b"{}");
    let m = serde_json::json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": hostile,
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
        "layers": [],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": w.signature, "size": 1},
    });
    let (evil, size) = put_by_digest(
        &reg,
        &repo,
        "application/vnd.oci.image.manifest.v1+json",
        &m,
    );
    // Its fallback index entry, written by hand (oras refuses such a type).
    let idx = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": evil, "size": size, "artifactType": hostile}]});
    put_manifest(
        &reg,
        &repo,
        &format!("sha256-{}", &w.signature[7..]),
        "application/vnd.oci.image.index.v1+json",
        &serde_json::to_vec(&idx).unwrap(),
    );

    let dot = stdout(&run_ok(
        arbor()
            .args(["discover", "--format", "dot"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    assert!(
        dot.starts_with("digraph arbor {") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    let nodes = dot
        .lines()
        .filter(|l| l.trim_start().starts_with('n') && l.contains(" [label=") && !l.contains("->"))
        .count();
    assert_eq!(nodes, 6, "image, 4 referrers, the hostile one: {dot}");
    assert!(dot.contains(&w.sbom_signature[..19]), "{dot}");
    assert!(dot.contains("[label=\"tag fallback\"]"), "{dot}");
    assert!(dot.contains("x\\\"];evil[\\\"<b>|U+001B[2JU+202E"), "{dot}");
    assert!(!dot.contains('\u{1b}'));

    let mermaid = stdout(&run_ok(
        arbor()
            .args(["discover", "--format", "mermaid"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    assert_eq!(mermaid.matches("-->").count(), 5, "{mermaid}");
    for line in mermaid.lines().skip(1) {
        assert_eq!(
            line.matches('"').count(),
            2,
            "one quoted label a line: {line}"
        );
    }
    assert!(
        !mermaid.contains("<b>") && !mermaid.contains('\u{202e}'),
        "{mermaid}"
    );
}
