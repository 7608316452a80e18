//! `arbor cp` between the registry kinds (fallback ↔ referrers API) and OCI layouts, checked by
//! the peers: oras discover on the destination equals the source, cosign and notation verify,
//! fallback indexes consistent; mounts counted by the fault proxy; ctrl-c leaves it consistent.
mod common;
mod copy_common;
use common::*;
use copy_common::*;
use serde_json::Value;

/// oras's view of the graph below the index and below the amd64 manifest, and arbor's full
/// view (cosign tags and buildx attestations too), host-independent.
fn graphs(reg: &str, repo: &str, s: &Signed) -> (Value, Value, Value) {
    let name = format!("{reg}/{repo}");
    let full = json(&run_ok(
        arbor()
            .args(["discover", "--full", "--format", "json"])
            .arg(format!("{name}@{}", s.index)),
    ));
    (
        oras_graph(&name, &s.index, false),
        oras_graph(&name, &s.amd64, false),
        rehost(&normalise_full(&full), &name, "NAME"),
    )
}

/// `discover --full` with children and referrers sorted by digest at every level.
fn normalise_full(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for key in ["referrers", "manifests"] {
            if let Some(Value::Array(a)) = o.get(key) {
                let mut a: Vec<Value> = a.iter().map(normalise_full).collect();
                a.sort_by(|x, y| x["digest"].as_str().cmp(&y["digest"].as_str()));
                o.insert(key.into(), Value::Array(a));
            }
        }
        // Where an edge came from depends on the registry kind, not on the graph.
        if o.get("source")
            .and_then(|s| s.as_str())
            .is_some_and(|s| s.starts_with("referrers"))
        {
            o.insert("source".into(), "referrer".into());
        }
    }
    v
}

#[test]
fn cp_recursive_fallback_to_api_and_back_keeps_every_signature() {
    let h = harness();
    let (dist, refs) = (h.dist(), h.refs_spec());
    let repo = unique_repo("cp-signed");
    let s = build_signed(&dist, &repo);
    let source = graphs(&dist, &repo, &s);
    // The tree has everything: 2 platforms, the attestation, 2 cosign + 1 notation + SBOM.
    assert_eq!(
        source.0["referrers"].as_array().unwrap().len(),
        3,
        "{:#}",
        source.0
    );

    // distribution (fallback) -> referrers API.
    let api_repo = unique_repo("cp-to-api");
    let out = arbor_cp(&[
        "-r",
        &format!("{dist}/{repo}:v1"),
        &format!("{refs}/{api_repo}"),
    ]);
    let text = stdout(&out);
    assert!(text.contains(&format!("Digest: {}", s.index)), "{text}");
    assert!(text.contains("the referrers API"), "{text}");
    assert_eq!(graphs(&refs, &api_repo, &s), source, "fallback -> API");
    assert_signatures_verify(&refs, &api_repo, &s);
    let tagged = stdout(&run_ok(
        crane()
            .args(["digest", "--insecure"])
            .arg(format!("{refs}/{api_repo}:v1")),
    ));
    assert_eq!(
        tagged.trim(),
        s.index,
        "the destination keeps the source's tag"
    );

    // referrers API -> distribution (fallback), into a repository that already has an
    // unrelated referrer of the index in its fallback index: it must survive the merge.
    let back = unique_repo("cp-to-fallback");
    run_ok(
        crane()
            .args(["copy", "--insecure"])
            .arg(format!("{refs}/{api_repo}@{}", s.index))
            .arg(format!("{dist}/{back}:pre")),
    );
    let f = files_dir();
    let foreign = oras_attach(
        &dist,
        &back,
        &s.index,
        "readme/example",
        f.path(),
        &["readme.md:text/markdown"],
    );
    arbor_cp(&[
        "-r",
        &format!("{refs}/{api_repo}:v1"),
        &format!("{dist}/{back}:v2"),
    ]);
    let (idx, amd, full) = graphs(&dist, &back, &s);
    assert_eq!(
        (&amd, &full["manifests"]),
        (&source.1, &source.2["manifests"]),
        "API -> fallback"
    );
    let mut want = source.0.clone();
    let refs_of = |v: &Value| -> Vec<String> {
        v["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["digest"].as_str().unwrap().to_string())
            .collect()
    };
    let mut expect = refs_of(&want);
    expect.push(foreign.clone());
    expect.sort();
    assert_eq!(
        refs_of(&idx),
        expect,
        "the foreign entry is kept, ours added"
    );
    want["referrers"] = Value::Array(
        idx["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["digest"] != foreign.as_str())
            .cloned()
            .collect(),
    );
    assert_eq!(want, source.0);
    assert_signatures_verify(&dist, &back, &s);
    assert_fallback_consistent(&dist, &back);
}

#[test]
fn cp_again_copies_nothing_and_dry_run_says_what_exists() {
    let h = harness();
    let (dist, refs) = (h.dist(), h.refs_spec());
    let repo = unique_repo("cp-again");
    let w = seed_walkthrough(&refs, &repo);
    let dst = unique_repo("cp-again-dst");
    let plan = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--dry-run", "--format", "json"])
            .arg(format!("{refs}/{repo}:v1"))
            .arg(format!("{dist}/{dst}")),
    ));
    let manifests = plan["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 5, "{plan:#}");
    assert!(manifests.iter().all(|m| m["exists"] == false));
    assert_eq!(plan["root"]["digest"], w.image.as_str());
    assert!(
        !manifest_exists(&dist, &dst, &w.image),
        "a dry run writes nothing"
    );

    let first = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--format", "json"])
            .arg(format!("{refs}/{repo}:v1"))
            .arg(format!("{dist}/{dst}")),
    ));
    assert_eq!(first["manifests_pushed"], 5, "{first:#}");
    let again = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--dry-run", "--format", "json"])
            .arg(format!("{refs}/{repo}:v1"))
            .arg(format!("{dist}/{dst}")),
    ));
    assert!(
        again["manifests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["exists"] == true),
        "{again:#}"
    );
    assert!(again["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["action"] == "present"));
    let second = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--format", "json"])
            .arg(format!("{refs}/{repo}:v1"))
            .arg(format!("{dist}/{dst}")),
    ));
    assert_eq!(second["manifests_pushed"], 0, "{second:#}");
    assert_eq!(second["blobs_copied"], 0);
    assert_eq!(
        second["fallback_indexes"].as_array().unwrap().len(),
        0,
        "nothing to merge: {second:#}"
    );
    assert_fallback_consistent(&dist, &dst);
}

#[test]
fn cp_on_one_registry_mounts_blobs_instead_of_copying_them() {
    let h = harness();
    let proxy = h.fault_dist();
    let (src, dst) = (unique_repo("mount-src"), unique_repo("mount-dst"));
    let w = seed_walkthrough(&h.dist(), &src);
    fault(&proxy, &src, Some("{}"));
    fault(&proxy, &dst, Some("{}"));
    let out = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--format", "json"])
            .arg(format!("{proxy}/{src}:v1"))
            .arg(format!("{proxy}/{dst}:v1")),
    ));
    assert_eq!(out["blobs_copied"], 0, "{out:#}");
    assert!(out["blobs_mounted"].as_u64().unwrap() >= 4, "{out:#}");
    let src_stats = fault_stats(&proxy, &src);
    let dst_stats = fault_stats(&proxy, &dst);
    // No blob was read from the source or written to the destination: mounts are POSTs.
    assert_eq!(
        src_stats["by_route"]["GET blobs"],
        Value::Null,
        "{src_stats}"
    );
    assert_eq!(
        dst_stats["by_route"]["PUT uploads"],
        Value::Null,
        "{dst_stats}"
    );
    assert_eq!(
        dst_stats["by_route"]["POST uploads"], out["blobs_mounted"],
        "{dst_stats}"
    );
    let a = oras_graph(&format!("{}/{src}", h.dist()), &w.image, false);
    let b = oras_graph(&format!("{}/{dst}", h.dist()), &w.image, false);
    assert_eq!(a, b);
}

#[test]
fn cp_platform_filter_rewrites_the_index_and_says_so() {
    let h = harness();
    let (dist, refs) = (h.dist(), h.refs_spec());
    let repo = unique_repo("cp-platform");
    let s = build_signed(&refs, &repo);
    let dst = unique_repo("cp-platform-dst");
    let out = run_ok(
        arbor()
            .args(["cp", "-r", "--platform", "linux/amd64", "--format", "json"])
            .arg(format!("{refs}/{repo}:v1"))
            .arg(format!("{dist}/{dst}")),
    );
    let err = stderr(&out);
    assert!(err.contains("its digest changes from"), "{err}");
    assert!(
        err.contains("referrer(s) of the original index are not copied"),
        "{err}"
    );
    assert!(
        err.contains(&format!("sha256-{}.sig is recreated as", &s.index[7..])),
        "{err}"
    );
    let report = json(&out);
    let root = report["root"].as_str().unwrap().to_string();
    assert_ne!(root, s.index);
    let index: Value = crane_manifest(&format!("{dist}/{dst}:v1"));
    let kept: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        kept,
        vec![s.amd64.as_str(), s.attestation.as_str()],
        "amd64 and its attestation"
    );
    assert!(!manifest_exists(&dist, &dst, &s.arm64));
    // The amd64 manifest's own signature came along and still verifies.
    assert!(notation_verify(&format!("{dist}/{dst}@{}", s.amd64))
        .status
        .success());
    // The cosign signature was re-tagged for the new digest (it signs the old one).
    let moved = stdout(&run_ok(
        crane()
            .args(["digest", "--insecure"])
            .arg(format!("{dist}/{dst}:sha256-{}.sig", &root[7..])),
    ));
    assert_eq!(moved.trim(), s.cosign_tag_sig);
    assert_fallback_consistent(&dist, &dst);
}

#[test]
fn tag_and_untag_where_the_registry_allows_it_and_where_it_refuses() {
    let h = harness();
    // The ACR stand-in sits on distribution 2.8.3, which refuses a DELETE by tag: arbor untags
    // there through ACR's own `DELETE /acr/v1/{repo}/_tags/{tag}`.
    let acr = h.var("ARBOR_TEST_ACR");
    for (reg, allows) in [(h.refs_spec(), true), (acr, true), (h.dist(), false)] {
        let repo = unique_repo("untag");
        let d = push_image(&reg, &repo, "v1", "untag me");
        let out = stdout(&run_ok(
            arbor()
                .args(["tag"])
                .arg(format!("{reg}/{repo}:v1"))
                .args(["v2", "v3"]),
        ));
        assert!(out.contains(&format!("Digest: {d}")), "{out}");
        for t in ["v2", "v3"] {
            let got = stdout(&run_ok(
                crane()
                    .args(["digest", "--insecure"])
                    .arg(format!("{reg}/{repo}:{t}")),
            ));
            assert_eq!(got.trim(), d);
        }
        let out = arbor()
            .args(["untag"])
            .arg(format!("{reg}/{repo}:v2"))
            .output()
            .unwrap();
        let tags = stdout(&run_ok(arbor().args(["tags"]).arg(format!("{reg}/{repo}"))));
        if allows {
            assert!(out.status.success(), "{reg}: {}", stderr(&out));
            assert_eq!(
                tags.lines().collect::<Vec<_>>(),
                vec!["v1", "v3"],
                "only v2 went"
            );
        } else {
            assert!(!out.status.success());
            let err = stderr(&out);
            assert!(
                err.contains("cannot be removed on its own") && err.contains("arbor delete"),
                "{err}"
            );
            assert!(
                err.contains("v1, v2, v3"),
                "names every tag that would go: {err}"
            );
            assert_eq!(tags.lines().count(), 3, "nothing changed");
        }
    }
}

#[test]
fn ctrl_c_during_a_copy_leaves_the_destination_consistent() {
    let h = harness();
    let proxy = h.fault_refs();
    let repo = unique_repo("cp-intr");
    let s = build_signed(&h.dist(), &repo);
    let dst = unique_repo("cp-intr-dst");
    // Every destination request waits, so the copy is mid-way when interrupted.
    fault(&proxy, &dst, Some(r#"{"delay_ms":150}"#));
    let mut child = arbor()
        .args(["cp", "-r"])
        .arg(format!("{}/{repo}:v1", h.dist()))
        .arg(format!("{proxy}/{dst}:v1"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once some manifests are there (polled; bounded).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let stats = fault_stats(&proxy, &dst);
        if stats["by_route"]["PUT manifests"].as_u64().unwrap_or(0) >= 2 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the copy never pushed a manifest: {stats}"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the copy ended before it was interrupted"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    fault(&proxy, &dst, None);
    let reg = h.refs_spec();
    assert_interrupted_copy_consistent(&reg, &dst, &s);
    // Running it again finishes the job.
    arbor_cp(&[
        "-r",
        &format!("{}/{repo}:v1", h.dist()),
        &format!("{reg}/{dst}:v1"),
    ]);
    assert_signatures_verify(&reg, &dst, &s);
}

#[test]
fn cp_uploads_in_chunks_where_the_registry_needs_them() {
    let h = harness();
    let proxy = h.fault_dist();
    let repo = unique_repo("chunks-src");
    let s = build_signed(&h.refs_spec(), &repo);
    for rule in [
        r#"{"chunk_min_length":1048576}"#,
        r#"{"refuse_monolithic":true}"#,
    ] {
        let dst = unique_repo("chunks-dst");
        fault(&proxy, &dst, Some(rule));
        let out = json(&run_ok(
            arbor()
                .args(["cp", "--format", "json"])
                .arg(format!("{}/{repo}@{}", h.refs_spec(), s.amd64))
                .arg(format!("{proxy}/{dst}:amd64")),
        ));
        assert_eq!(out["blobs_copied"], 3, "{rule}: {out:#}");
        let stats = fault_stats(&proxy, &dst);
        // The 3 MiB layer alone takes four chunks of 1 MiB at most.
        assert!(
            stats["by_route"]["PATCH uploads"].as_u64().unwrap_or(0) >= 4,
            "{rule}: {stats}"
        );
        fault(&proxy, &dst, None);
        let layers = oras_graph(&format!("{}/{dst}", h.dist()), &s.amd64, false);
        assert_eq!(layers["digest"], s.amd64.as_str());
        // Every layer reads back as exactly its digest.
        let m = crane_manifest(&format!("{}/{dst}:amd64", h.dist()));
        for l in m["layers"].as_array().unwrap() {
            let d = l["digest"].as_str().unwrap();
            let got = run_ok(
                std::process::Command::new("curl")
                    .args(["-sf"])
                    .arg(format!("http://{}/v2/{dst}/blobs/{d}", h.dist())),
            )
            .stdout;
            assert_eq!(sha256(&got), d);
        }
    }
}

#[test]
fn cp_refuses_a_corrupted_blob_and_stores_nothing_of_it() {
    let h = harness();
    let proxy = h.fault_dist();
    let repo = unique_repo("corrupt-src");
    let d = push_image(&h.dist(), &repo, "v1", "corrupted on the way");
    fault(&proxy, &repo, Some(r#"{"corrupt_blob":true}"#));
    let dst = unique_repo("corrupt-dst");
    let out = arbor()
        .args(["cp"])
        .arg(format!("{proxy}/{repo}:v1"))
        .arg(format!("{}/{dst}:v1", h.refs_spec()))
        .output()
        .unwrap();
    fault(&proxy, &repo, None);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));
    assert!(!manifest_exists(&h.refs_spec(), &dst, &d));
    let m = crane_manifest(&format!("{}/{repo}:v1", h.dist()));
    for l in m["layers"].as_array().unwrap() {
        let code = std::process::Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "-I"])
            .arg(format!(
                "http://{}/v2/{dst}/blobs/{}",
                h.dist(),
                l["digest"].as_str().unwrap()
            ))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&code.stdout),
            "404",
            "the bad blob was not stored"
        );
    }
}
