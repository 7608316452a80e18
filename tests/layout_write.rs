//! Writable OCI layouts: attach, tag, untag, cascade delete and garbage collect on a layout
//! oras wrote, and `cp -r` registry → layout → registry; oras (`--oci-layout`) reads the
//! results, cosign and notation verify what came back out.
mod common;
mod copy_common;
use common::*;
use copy_common::*;
use serde_json::Value;
use std::path::Path;

fn layout_arg(dir: &Path) -> String {
    dir.display().to_string()
}

/// `oras manifest fetch --oci-layout DIR<ref>`: the bytes, or None when oras finds nothing.
fn oras_fetch(dir: &Path, reference: &str) -> Option<Vec<u8>> {
    let out = oras()
        .args(["manifest", "fetch", "--oci-layout"])
        .arg(format!("{}{reference}", dir.display()))
        .output()
        .unwrap();
    out.status.success().then_some(out.stdout)
}

fn index_json(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap()
}

#[test]
fn layout_attach_tag_cascade_delete_and_gc_agree_with_oras() {
    let h = harness();
    let reg = h.dist();
    let repo = unique_repo("layout-w");
    let w = seed_walkthrough(&reg, &repo);
    let other = push_image(&reg, &repo, "keep", "another image that stays");
    let d = layout_dir();
    let dir = d.path().join("net-monitor");
    for (tag, digest) in [("v1", &w.image), ("keep", &other)] {
        run_ok(
            oras()
                .args(["cp", "-r", "--from-plain-http"])
                .arg(format!("{reg}/{repo}@{digest}"))
                .arg("--to-oci-layout")
                .arg(format!("{}:{tag}", dir.display())),
        );
    }
    let keep_blobs = {
        let m: Value = serde_json::from_slice(&oras_fetch(&dir, ":keep").unwrap()).unwrap();
        let mut v: Vec<String> = m["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["digest"].as_str().unwrap().to_string())
            .collect();
        v.push(m["config"]["digest"].as_str().unwrap().to_string());
        v
    };

    // attach: a new referrer oras finds.
    let f = files_dir();
    let att = json(&run_ok(
        arbor()
            .current_dir(f.path())
            .args([
                "attach",
                "--oci-layout",
                &layout_arg(&dir),
                "--format",
                "json",
                "--artifact-type",
                "vuln/example",
                "v1",
            ])
            .arg("readme.md"),
    ));
    let att = att["descriptor"]["digest"].as_str().unwrap().to_string();
    let g = json(&run_ok(
        oras()
            .args(["discover", "--format", "json", "--oci-layout"])
            .arg(format!("{}:v1", dir.display())),
    ));
    let found: Vec<&str> = g["referrers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["digest"].as_str().unwrap())
        .collect();
    assert!(
        found.contains(&att.as_str()),
        "oras finds the attached referrer: {g:#}"
    );
    assert_eq!(found.len(), 4, "{g:#}");
    let ours = json(&run_ok(arbor().args([
        "discover",
        "--oci-layout",
        &layout_arg(&dir),
        "--format",
        "json",
        "v1",
    ])));
    assert_eq!(
        normalise(&ours)["referrers"].as_array().unwrap().len(),
        normalise(&g)["referrers"].as_array().unwrap().len()
    );

    // tag / untag.
    run_ok(arbor().args([
        "tag",
        "--oci-layout",
        &layout_arg(&dir),
        "v1",
        "v2",
        "stable",
    ]));
    assert_eq!(oras_fetch(&dir, ":v2"), oras_fetch(&dir, ":v1"));
    run_ok(arbor().args(["untag", "--oci-layout", &layout_arg(&dir), "v2"]));
    assert_eq!(oras_fetch(&dir, ":v2"), None, "v2 is gone");
    assert_eq!(
        oras_fetch(&dir, ":stable"),
        oras_fetch(&dir, ":v1"),
        "the other tags stay"
    );

    // cascade delete: the graph goes, every blob only it used goes, the other image stays whole.
    let out = stdout(&run_ok(arbor().args([
        "delete",
        "--oci-layout",
        &layout_arg(&dir),
        "--cascade",
        "-y",
        "v1",
    ])));
    assert!(out.contains("unreferenced blob(s)"), "{out}");
    for digest in [
        &w.image,
        &w.signature,
        &w.sbom,
        &w.sbom_signature,
        &w.readme,
        &att,
    ] {
        assert_eq!(
            oras_fetch(&dir, &format!("@{digest}")),
            None,
            "{digest} still fetchable"
        );
        assert!(
            !dir.join("blobs/sha256").join(&digest[7..]).exists(),
            "{digest} blob left"
        );
    }
    let idx = index_json(&dir);
    let entries: Vec<&str> = idx["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["digest"].as_str().unwrap())
        .collect();
    assert_eq!(
        entries,
        vec![other.as_str()],
        "only the other image is listed: {idx:#}"
    );
    assert!(oras_fetch(&dir, ":keep").is_some());
    let mut want = keep_blobs.clone();
    want.push(other.clone());
    want.sort();
    let have: Vec<String> = layout_blobs(&dir)
        .into_iter()
        .map(|b| format!("sha256:{b}"))
        .collect();
    assert_eq!(
        have, want,
        "no unreferenced blob remains, no referenced one went"
    );
    for b in &keep_blobs {
        run_ok(
            oras()
                .args(["blob", "fetch", "--oci-layout", "--output", "/dev/null"])
                .arg(format!("{}@{b}", dir.display())),
        );
    }
}

#[test]
fn cp_registry_to_layout_and_back_keeps_every_signature() {
    let h = harness();
    let (dist, refs) = (h.dist(), h.refs_spec());
    let repo = unique_repo("cp-layout");
    let s = build_signed(&dist, &repo);
    let name = format!("{dist}/{repo}");
    let d = layout_dir();
    let dir = d.path().join("app");
    let out = stdout(&arbor_cp(&[
        "-r",
        &format!("{name}:v1"),
        "--to-oci-layout",
        &format!("{}:v1", dir.display()),
    ]));
    assert!(out.contains(&format!("Digest: {}", s.index)), "{out}");
    let lname = dir.display().to_string();
    for digest in [&s.index, &s.amd64] {
        assert_eq!(
            oras_graph(&lname, digest, true),
            oras_graph(&name, digest, false),
            "oras reads the same graph from the layout"
        );
    }
    assert_eq!(
        oras_fetch(&dir, ":v1").map(|b| sha256(&b)),
        Some(s.index.clone())
    );
    // The cosign tag came along under its name.
    assert_eq!(
        oras_fetch(&dir, &format!(":sha256-{}.sig", &s.index[7..])).map(|b| sha256(&b)),
        Some(s.cosign_tag_sig.clone())
    );

    let back = unique_repo("cp-layout-back");
    arbor_cp(&[
        "-r",
        "--from-oci-layout",
        &format!("{}:v1", dir.display()),
        &format!("{refs}/{back}"),
    ]);
    assert_eq!(
        oras_graph(&format!("{refs}/{back}"), &s.index, false),
        oras_graph(&name, &s.index, false)
    );
    assert_signatures_verify(&refs, &back, &s);

    // Copying into the layout again changes nothing.
    let before = std::fs::read(dir.join("index.json")).unwrap();
    let again = json(&run_ok(
        arbor()
            .args(["cp", "-r", "--format", "json"])
            .arg(format!("{name}:v1"))
            .arg("--to-oci-layout")
            .arg(format!("{}:v1", dir.display())),
    ));
    assert_eq!(again["manifests_pushed"], 0, "{again:#}");
    assert_eq!(std::fs::read(dir.join("index.json")).unwrap(), before);
}
