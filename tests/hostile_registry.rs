//! arbor against the harness's hostile-registry scenarios (faultproxy in front of real
//! registries): what holds today. The scenarios themselves are checked first, from outside
//! arbor with curl and oras, so a later test that relies on one relies on something real.
mod common;
use common::hostile::*;
use common::*;
use std::time::Duration;

// ---- the scenarios do what tests/harness/README.md says ----

#[test]
fn scenario_drip_sends_one_byte_per_interval_and_hang_sends_nothing() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/drip");
    h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"drip": ["tags"], "drip_ms": 200, "hang": ["manifests"]}),
    );
    // 1.1 s of a 200 ms drip: the headers, then about 6 bytes of the body, never all of it.
    let out = curl_get(
        &format!("http://{}/v2/{repo}/tags/list", h.addr),
        &["-N", "-m", "1.1"],
    );
    let body = body_of(&out);
    assert!(
        (3..=8).contains(&body.len()),
        "drip: {:?} after 1.1 s",
        body
    );
    let out = curl_get(
        &format!("http://{}/v2/{repo}/manifests/v1", h.addr),
        &["-m", "1"],
    );
    assert_eq!(out.status.code(), Some(28), "hang: curl should time out");
    assert!(stdout(&out).is_empty(), "hang sent {:?}", stdout(&out));
}

#[test]
fn scenario_rate_limit_counts_requests_and_sends_retry_after() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/ratelimit");
    h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"rate_limit": 2, "retry_after": "3"}),
    );
    let url = format!("http://{}/v2/{repo}/tags/list", h.addr);
    for _ in 0..2 {
        let out = curl_get(&url, &[]);
        let text = stdout(&out);
        assert!(text.starts_with("HTTP/1.1 429"), "{text}");
        assert!(text.contains("Retry-After: 3"), "{text}");
    }
    assert!(stdout(&curl_get(&url, &[])).starts_with("HTTP/1.1 200"));
    let s = h.stats(&repo);
    assert_eq!(s["requests"], 3);
    assert_eq!(s["log"].as_array().map(Vec::len), Some(3));
}

#[test]
fn scenario_endless_pages_never_repeat_and_escape_errors_carry_escapes() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/endless");
    h.set(
        &repo,
        serde_json::json!({"endless": ["tags", "referrers"], "endless_page": 5}),
    );
    let mut url = format!("/v2/{repo}/tags/list");
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        let out = curl_get(&format!("http://{}{url}", h.addr), &[]);
        let text = stdout(&out);
        let link = text
            .lines()
            .find_map(|l| l.strip_prefix("Link: <"))
            .and_then(|l| l.split_once('>'))
            .map(|(u, _)| u.to_string())
            .expect("a next link on every page");
        let v: serde_json::Value = serde_json::from_str(&body_of(&out)).expect("json");
        for t in v["tags"].as_array().expect("tags") {
            assert!(seen.insert(t.as_str().unwrap().to_string()), "repeated {t}");
        }
        url = link;
    }
    assert_eq!(seen.len(), 20);

    let repo = unique_repo("hostile/errors");
    h.set(&repo, serde_json::json!({"escape_errors": 403}));
    let out = curl_get(&format!("http://{}/v2/{repo}/tags/list", h.addr), &[]);
    assert!(stdout(&out).starts_with("HTTP/1.1 403"));
    let v: serde_json::Value = serde_json::from_str(&body_of(&out)).expect("json");
    let msg = v["errors"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("\x1b]52;") && msg.contains('\u{202e}'),
        "{msg:?}"
    );
    assert!(!terminal_hazards(msg.as_bytes()).is_empty());
}

#[test]
fn scenario_escape_tags_are_listed_and_requests_for_them_counted() {
    let h = hostile_refs();
    let repo = unique_repo("hostile/tags");
    h.seed(&repo);
    h.set(&repo, serde_json::json!({"escape_tags": true}));
    let out = curl_get(&format!("http://{}/v2/{repo}/tags/list", h.addr), &[]);
    let v: serde_json::Value = serde_json::from_str(&body_of(&out)).expect("json");
    let tags: Vec<&str> = v["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert!(tags.contains(&"v1"), "{tags:?}");
    for t in HOSTILE_TAGS {
        assert!(tags.contains(t), "{t:?} missing from {tags:?}");
    }
    // What a URL parser makes of "trimmed\t", and a tag outside the grammar, both counted.
    curl_get(
        &format!("http://{}/v2/{repo}/manifests/trimmed", h.addr),
        &[],
    );
    curl_get(
        &format!("http://{}/v2/{repo}/manifests/a%1b%5b2J", h.addr),
        &[],
    );
    let s = h.stats(&repo);
    assert_eq!(
        (
            s["shadow_tag_requests"].as_u64(),
            s["invalid_tag_requests"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[test]
fn scenario_seeded_escape_graph_is_what_oras_discovers_and_arbor_json_keeps_it_exact() {
    for h in [hostile_dist(), hostile_refs()] {
        let repo = unique_repo("hostile/seed");
        let s = h.seed(&repo);
        let subject = format!("{}@{}", h.repo(&repo), s.subject);
        let oras = json(&run_ok(
            oras()
                .args(["discover", "--plain-http", "--format", "json"])
                .arg(&subject),
        ));
        let ours = json(&run_ok(
            arbor().args(["discover", "--format", "json"]).arg(&subject),
        ));
        assert_eq!(
            normalise(&ours),
            normalise(&oras),
            "arbor and oras differ on {subject}"
        );
        let types: Vec<&str> = ours["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["artifactType"].as_str())
            .collect();
        assert!(types.contains(&HOSTILE_TYPE), "{types:?}");
        let annotated = ours["referrers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["digest"] == s.annotated.as_str())
            .expect("annotated referrer");
        assert_eq!(annotated["annotations"][HOSTILE_KEY], HOSTILE_VALUE);
        assert_eq!(ours["referrers"].as_array().map(Vec::len), Some(4));
        assert_eq!(s.referrers_api, h.addr == harness().fault_refs());
    }
}

#[test]
fn scenario_generated_chain_is_10000_deep_and_verifies_like_a_real_one() {
    for tags in [false, true] {
        let h = hostile_refs();
        let repo = unique_repo("hostile/chain");
        h.set(
            &repo,
            serde_json::json!({"chain_depth": 10000, "chain_tags": tags}),
        );
        let reference = format!("{}:chain", h.repo(&repo));
        // oras (digest-verifying) and arbor agree on the first levels.
        let mut o = oras();
        o.args([
            "discover",
            "--plain-http",
            "--format",
            "json",
            "--depth",
            "3",
        ]);
        if tags {
            o.args(["--distribution-spec", "v1.1-referrers-tag"]);
        }
        let oras = json(&run_ok(o.arg(&reference)));
        let ours = json(&run_ok(
            arbor()
                .args(["discover", "--format", "json", "--depth", "3"])
                .arg(&reference),
        ));
        assert_eq!(normalise(&ours), normalise(&oras), "chain_tags={tags}");
        let mut n = &ours;
        for depth in 1..=3 {
            let r = &n["referrers"];
            assert_eq!(
                r.as_array().map(Vec::len),
                Some(1),
                "one referrer at depth {depth}"
            );
            assert_eq!(
                r[0]["annotations"]["vnd.arbor.chain.depth"],
                depth.to_string()
            );
            n = &r[0];
        }
        // The deepest link exists: its subject chain is 10000 long.
        let tags_list = curl_get(&format!("http://{}/v2/{repo}/tags/list", h.addr), &[]);
        let v: serde_json::Value = serde_json::from_str(&body_of(&tags_list)).unwrap();
        assert_eq!(
            v["tags"].as_array().map(Vec::len),
            Some(if tags { 10001 } else { 1 })
        );
    }
}

// ---- arbor against them: what phase 1 fixed ----

/// A token whose `expires_in` is near u64::MAX used to overflow `Instant + ttl` (a panic).
#[test]
fn a_token_that_never_expires_is_clamped_and_reused() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/forever");
    let s = h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"auth": "bearer", "token_expires_in": u64::MAX}),
    );
    let out = run_bounded(
        arbor().args(["discover", "--format", "json"]).arg(format!(
            "{}@{}",
            h.repo(&repo),
            s.subject
        )),
        Duration::from_secs(60),
    );
    assert!(out.out.status.success(), "{}", stderr(&out.out));
    assert_eq!(
        json(&out.out)["referrers"].as_array().map(Vec::len),
        Some(4)
    );
    // One token served every request after it.
    let st = h.stats(&repo);
    assert_eq!(st["tokens_issued"], 1, "{st}");
}

/// A token with CR/LF and spaces is an error naming the token server, never an empty or
/// injected Authorization header.
#[test]
fn a_token_no_header_can_carry_is_a_clear_error() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/badtoken");
    h.seed(&repo);
    h.set(
        &repo,
        serde_json::json!({"auth": "bearer", "token_invalid": true}),
    );
    let out = arbor().args(["tags"]).arg(h.repo(&repo)).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("token response from http://") && err.contains("cannot carry"),
        "{err}"
    );
    let st = h.stats(&repo);
    let log = st["log"].as_array().unwrap();
    assert!(
        log.iter()
            .filter(|e| e["kind"] == "tags")
            .all(|e| e["auth"] == ""),
        "a request went out with the bad token: {st}"
    );
}

/// A blob GET redirected to another origin (as registries do to their CDN) is followed
/// without the credentials.
#[test]
fn a_blob_redirect_to_another_origin_carries_no_credentials() {
    let h = hostile_dist();
    let repo = unique_repo("hostile/redirect");
    let s = h.seed(&repo);
    let password = "hostile-secret-password";
    h.set(
        &repo,
        serde_json::json!({"auth": "basic", "user": "arbor", "password": password, "cross_origin": ["redirect"]}),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        arbor()
            .args(["pull", "-u", "arbor", "--password-stdin", "-o"])
            .arg(dir.path())
            .arg(format!("{}@{}", h.repo(&repo), s.sbom)),
        password,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(dir.path().join("sbom.spdx.json").exists());
    let c = h.collected(&repo);
    assert!(
        c["requests"].as_u64().unwrap_or(0) >= 1,
        "the redirect was not followed: {c}"
    );
    assert_eq!(
        c["with_authorization"], 0,
        "credentials crossed origin: {c}"
    );
    // The proxy itself did get them (the gate let the pull through).
    let st = h.stats(&repo);
    assert!(st["log"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["auth"] == "basic"));
}

/// `fetch --pretty` on JSON nested past serde_json's limit names the cause; without
/// `--pretty` the bytes come out exactly as served.
#[test]
fn fetch_pretty_names_json_nested_too_deep() {
    let reg = harness().dist();
    let repo = unique_repo("hostile/nested");
    let config = push_blob(&reg, &repo, b"{}");
    let body = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{config}","size":2}},"layers":[],"annotations":{{"x":"y"}},"deep":{}1{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    put_manifest(
        &reg,
        &repo,
        "v1",
        "application/vnd.oci.image.manifest.v1+json",
        body.as_bytes(),
    );
    let reference = format!("{reg}/{repo}:v1");
    let out = arbor()
        .args(["fetch", "--pretty", &reference])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("JSON nested deeper than 128 levels"), "{err}");
    assert!(
        err.contains(&sha256(body.as_bytes())),
        "names the manifest: {err}"
    );
    let out = run_ok(arbor().args(["fetch", &reference]));
    assert_eq!(out.stdout, body.as_bytes());
}
