//! The issue-14 TUI on real registries, checked by the peers: copy -r from distribution to the
//! referrers-API registry (oras discover on the destination equals the source), add a tag
//! (oras sees it on the same digest), remove a tag only (where the registry can; where it
//! cannot, the explanation and nothing changed), the Mermaid file (the CLI's text), and a
//! cancelled copy (no tag on a missing manifest). Needs the harness (ARBOR_HARNESS_ENV).
mod common;
mod copy_common;

use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::action::{Cmd, InputKey};
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::state::copy::CopyStage;
use arbor::tui::state::dialog::{Dialog, TagDeleteDialog};
use arbor::tui::state::Screen;
use arbor::tui::update::Start;
use common::*;
use copy_common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Registries on a shared, slow machine: wait longer than the harness default.
async fn settle(h: &mut Harness) {
    h.settle_within(Duration::from_secs(120)).await;
}

async fn open(reg: &str, start: Start) -> Harness {
    let store =
        RegistryStore::new(reg, &ClientOptions::default(), ReferrersMode::Auto).expect("store");
    let mut h = Harness::new(open_store(Arc::new(store), start), 120, 40);
    settle(&mut h).await;
    h
}

fn at_ref(repo: &str, reference: &str) -> Start {
    Start::Ref {
        repo: repo.into(),
        reference: reference.into(),
        untagged: Vec::new(),
    }
}

fn at_tags(repo: &str) -> Start {
    Start::Tags {
        repo: repo.into(),
        untagged: Vec::new(),
    }
}

fn stage(h: &Harness) -> &CopyStage {
    match &h.state.dialog {
        Some(Dialog::Copy(f)) => &f.stage,
        other => panic!("copy dialog: {other:?}; flash {:?}", h.state.flash),
    }
}

fn oras_descriptor_digest(reference: &str) -> String {
    let out = run_ok(
        oras()
            .args(["manifest", "fetch", "--plain-http", "--descriptor"])
            .arg(reference),
    );
    json(&out)["digest"].as_str().expect("digest").to_string()
}

/// Puts the cursor on the tag row `tag`.
fn cursor_to_tag(h: &mut Harness, tag: &str) {
    for _ in 0..h.state.tags.rows.len() {
        let at = h
            .state
            .tags
            .view
            .selected()
            .and_then(|i| h.state.tags.rows.get(i))
            .and_then(|r| r.tag.clone());
        if at.as_deref() == Some(tag) {
            return;
        }
        h.cmd(Cmd::Down);
    }
    panic!("no row {tag}: {}", h.screen_text());
}

#[tokio::test]
async fn copy_recursive_through_the_tui_from_distribution_to_the_referrers_api() {
    let hs = harness();
    let (dist, refs) = (hs.dist(), hs.refs_spec());
    let repo = unique_repo("tui-cp-src");
    let s = build_signed(&dist, &repo);
    let dst = unique_repo("tui-cp-dst");
    let mut h = open(&dist, at_ref(&repo, "v1")).await;
    h.cmd(Cmd::CopyGraph);
    h.type_text(&format!("{refs}/{dst}"));
    h.send(InputKey::Submit);
    settle(&mut h).await;
    let CopyStage::Preview(job) = stage(&h) else {
        panic!("plan: {:?}", h.state.dialog)
    };
    // The plan in the CLI's words: the same lines `arbor cp -r --dry-run` prints.
    let cli = stdout(&run_ok(
        arbor()
            .args(["cp", "-r", "--dry-run"])
            .arg(format!("{dist}/{repo}:v1"))
            .arg(format!("{refs}/{dst}")),
    ));
    let cli: Vec<&str> = cli
        .lines()
        .filter(|l| *l != "Dry run: nothing copied.")
        .collect();
    let tui: Vec<&str> = job
        .0
        .lines
        .iter()
        .map(String::as_str)
        .filter(|l| !l.starts_with("note: "))
        .collect();
    assert_eq!(tui, cli, "the preview says what arbor cp --dry-run says");
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    let CopyStage::Done(Ok(done)) = stage(&h) else {
        panic!("result: {:?}", stage(&h))
    };
    assert_eq!(
        done.root.to_string(),
        s.index,
        "the root digest is the source's"
    );
    assert!(
        done.lines.iter().any(|l| l == "Tagged v1"),
        "the destination keeps the source's tag: {:?}",
        done.lines
    );
    // The peers decide: oras discover on the destination equals the source (normalised).
    let src_name = format!("{dist}/{repo}");
    let dst_name = format!("{refs}/{dst}");
    for d in [&s.index, &s.amd64] {
        assert_eq!(
            oras_graph(&dst_name, d, false),
            oras_graph(&src_name, d, false),
            "graph below {d}"
        );
    }
    assert_eq!(oras_descriptor_digest(&format!("{dst_name}:v1")), s.index);
    // "Open destination": the other registry, opened as a context is, on the copied root.
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    assert_eq!(h.state.facts.name, refs, "{:?}", h.state.flash);
    assert_eq!(h.state.screen(), Screen::Tree);
    assert_eq!(h.state.tree.nodes[0].desc.digest.to_string(), s.index);
}

#[tokio::test]
async fn add_tag_through_the_tui_points_at_the_same_digest() {
    let reg = harness().refs_spec();
    let repo = unique_repo("tui-tag");
    let d = push_image(&reg, &repo, "v1", "tag me from the tui");
    let mut h = open(&reg, at_ref(&repo, "v1")).await;
    h.cmd(Cmd::AddTag);
    h.type_text("v2");
    h.send(InputKey::Submit);
    settle(&mut h).await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.dialog);
    let short = &d["sha256:".len().."sha256:".len() + 12];
    assert_eq!(h.state.flash.text, format!("tagged sha256:{short}… as v2"));
    assert_eq!(Vec::from_iter(oras_tags(&reg, &repo)), ["v1", "v2"]);
    assert_eq!(oras_descriptor_digest(&format!("{reg}/{repo}:v2")), d);
}

/// `reg/repo` with v1 and v2 on one image, opened on its tags; "Remove this tag only" asked
/// for v2. The harness, the repository and the image's digest.
async fn remove_v2_only(reg: &str, prefix: &str) -> (Harness, String, String) {
    let repo = unique_repo(prefix);
    let d = push_image(reg, &repo, "v1", prefix);
    run_ok(
        oras()
            .args(["tag", "--plain-http"])
            .arg(format!("{reg}/{repo}:v1"))
            .arg("v2"),
    );
    let mut h = open(reg, at_tags(&repo)).await;
    cursor_to_tag(&mut h, "v2");
    h.cmd(Cmd::Delete);
    h.cmd(Cmd::DialogNext);
    assert!(
        matches!(&h.state.dialog, Some(Dialog::TagDelete(t)) if t.buttons()[t.focus] == TagDeleteDialog::REMOVE)
    );
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    (h, repo, d)
}

#[tokio::test]
async fn remove_this_tag_only_on_the_referrers_api_registry() {
    let reg = harness().refs_spec();
    let (h, repo, d) = remove_v2_only(&reg, "tui-untag").await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.dialog);
    assert!(
        h.state.flash.text.starts_with("removed the tag v2"),
        "{:?}",
        h.state.flash
    );
    assert_eq!(
        Vec::from_iter(oras_tags(&reg, &repo)),
        ["v1"],
        "only v2 went"
    );
    assert_eq!(oras_descriptor_digest(&format!("{reg}/{repo}@{d}")), d);
    assert!(!h.screen_text().contains("v2 "), "the list reloaded");
}

#[tokio::test]
async fn remove_this_tag_only_on_distribution_explains_and_changes_nothing() {
    let reg = harness().dist();
    let (mut h, repo, d) = remove_v2_only(&reg, "tui-untag-dist").await;
    let Some(Dialog::TagDelete(t)) = &h.state.dialog else {
        panic!("the explanation stays in the dialog: {:?}", h.state.flash)
    };
    let why = t.refused.as_deref().expect("refused");
    assert!(
        why.contains("cannot be removed on its own") && why.contains("arbor delete"),
        "{why}"
    );
    assert!(
        why.contains("v1, v2"),
        "names every tag that would go: {why}"
    );
    assert_eq!(t.buttons(), [TagDeleteDialog::WHOLE, "Cancel"]);
    assert_eq!(t.buttons()[t.focus], "Cancel");
    assert!(h.screen_text().contains("cannot be removed on its own"));
    assert_eq!(
        Vec::from_iter(oras_tags(&reg, &repo)),
        ["v1", "v2"],
        "nothing changed"
    );
    assert_eq!(oras_descriptor_digest(&format!("{reg}/{repo}:v2")), d);
    h.cmd(Cmd::Submit);
    assert!(h.state.dialog.is_none());
}

#[tokio::test]
async fn mermaid_file_is_what_discover_prints() {
    let reg = harness().dist();
    let repo = unique_repo("tui-mermaid");
    build_signed(&reg, &repo);
    let mut h = open(&reg, at_ref(&repo, "v1")).await;
    let out = tempfile::tempdir().expect("tmp");
    let path = out.path().join("graph.mmd");
    h.cmd(Cmd::Mermaid);
    let Some(Dialog::Export(e)) = &h.state.dialog else {
        panic!("export dialog")
    };
    for _ in 0..e.path.chars().count() {
        h.send(InputKey::Backspace);
    }
    h.type_text(&path.display().to_string());
    h.send(InputKey::Submit);
    settle(&mut h).await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.dialog);
    assert!(
        h.state.flash.text.contains("graph.mmd"),
        "{:?}",
        h.state.flash
    );
    let cli = stdout(&run_ok(
        arbor()
            .args(["discover", "--format", "mermaid"])
            .arg(format!("{reg}/{repo}:v1")),
    ));
    let file = std::fs::read_to_string(&path).expect("written");
    assert!(file.starts_with("graph") || file.contains("-->"), "{file}");
    assert_eq!(file, cli);
    // Again: the file is there, so nothing is written until asked twice.
    std::fs::write(&path, "mine").unwrap();
    h.cmd(Cmd::Mermaid);
    for _ in 0..200 {
        h.send(InputKey::Backspace);
    }
    h.type_text(&path.display().to_string());
    h.send(InputKey::Submit);
    settle(&mut h).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    assert!(h.screen_text().contains("exists"), "{}", h.screen_text());
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), cli);
}

#[tokio::test]
async fn cancel_during_a_tui_copy_leaves_no_tag_on_a_missing_manifest() {
    let hs = harness();
    let proxy = hs.fault_refs();
    let repo = unique_repo("tui-cp-intr");
    let s = build_signed(&hs.dist(), &repo);
    let dst = unique_repo("tui-cp-intr-dst");
    let mut h = open(&hs.dist(), at_ref(&repo, "v1")).await;
    h.cmd(Cmd::CopyGraph);
    h.type_text(&format!("{proxy}/{dst}:v1"));
    h.send(InputKey::Submit);
    settle(&mut h).await;
    assert!(
        matches!(stage(&h), CopyStage::Preview(_)),
        "{:?}",
        h.state.dialog
    );
    // Every destination request waits, so the copy is mid-way when cancelled.
    fault(&proxy, &dst, Some(r#"{"delay_ms":150}"#));
    h.cmd(Cmd::Submit);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        h.apply_arrivals_for(Duration::from_millis(20)).await;
        let stats = fault_stats(&proxy, &dst);
        if stats["by_route"]["PUT manifests"].as_u64().unwrap_or(0) >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "no manifest pushed: {stats}");
        assert!(
            matches!(stage(&h), CopyStage::Running(_)),
            "the copy ended before it was cancelled: {:?}",
            stage(&h)
        );
    }
    h.cmd(Cmd::Cancel);
    settle(&mut h).await;
    let CopyStage::Done(Err(e)) = stage(&h) else {
        panic!("cancelled: {:?}", stage(&h))
    };
    assert!(e.contains("cancelled"), "{e}");
    fault(&proxy, &dst, None);
    assert_interrupted_copy_consistent(&hs.refs_spec(), &dst, &s);
}
