//! The TUI writing to real registries (both referrers kinds): attach through the form, see the
//! node appear, delete it through the dialog, see it gone — and oras/arbor agree.
//! Needs the harness (ARBOR_HARNESS_ENV): without it these fail, they do not skip.
mod common;

use arbor::graph::inventory::Kind;
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::action::{Cmd, InputKey};
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::state::dialog::Dialog;
use arbor::tui::update::Start;
use common::*;
use std::sync::Arc;

/// Registries on a shared, slow machine: wait longer than the harness default.
async fn settle(h: &mut Harness) {
    h.settle_within(std::time::Duration::from_secs(60)).await;
}

const NOTES: &str = "application/vnd.example.notes.v1";

fn referrer_digests(tool: &str, reg: &str, repo: &str, subject: &str) -> Vec<String> {
    let out = match tool {
        "arbor" => run_ok(
            arbor()
                .args(["discover", "--format", "json"])
                .arg(format!("{reg}/{repo}@{subject}")),
        ),
        _ => run_ok(
            oras()
                .args(["discover", "--plain-http", "--format", "json"])
                .arg(format!("{reg}/{repo}@{subject}")),
        ),
    };
    json(&out)["referrers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["digest"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

async fn open(reg: &str, repo: &str) -> Harness {
    let store =
        RegistryStore::new(reg, &ClientOptions::default(), ReferrersMode::Auto).expect("store");
    let start = Start::Ref {
        repo: repo.to_string(),
        reference: "v1".into(),
        untagged: Vec::new(),
    };
    let mut h = Harness::new(open_store(Arc::new(store), start), 120, 40);
    settle(&mut h).await;
    h
}

async fn attach_then_delete_through_the_dialogs(reg: &str) {
    let repo = unique_repo("tui-write");
    let image = push_image(reg, &repo, "v1", "#!/bin/sh\necho tui\n");
    let files = tempfile::tempdir().expect("tmp");
    let path = files.path().join("notes.md");
    std::fs::write(&path, "# notes from the TUI\n").expect("write");

    let mut h = open(reg, &repo).await;
    assert!(h.state.facts.writable);
    assert!(!h.screen_text().contains("READ-ONLY"));
    assert_eq!(h.state.tree.nodes[0].desc.digest.to_string(), image);
    assert!(h.state.tree.nodes[0].kids.is_empty());

    // Attach: the form, the preview, push.
    h.cmd(Cmd::Attach);
    h.type_text(&path.display().to_string());
    h.cmd(Cmd::DialogNext);
    h.type_text(NOTES);
    h.cmd(Cmd::DialogNext);
    h.type_text("org.example.from=tui");
    h.send(InputKey::Submit);
    settle(&mut h).await;
    let Some(Dialog::Attach(f)) = &h.state.dialog else {
        panic!("attach form: {:?}", h.state.flash)
    };
    let previewed = f
        .preview
        .as_ref()
        .unwrap_or_else(|| panic!("preview: {:?}", f.error))
        .digest
        .to_string();
    assert!(h
        .screen_text()
        .contains(&format!("\"artifactType\": \"{NOTES}\"")));
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.flash);
    assert!(
        h.state.flash.text.starts_with("attached "),
        "{:?}",
        h.state.flash
    );

    // The new node sits under its subject, without a reload, and the cursor is on it.
    let kids = &h.state.tree.nodes[0].kids;
    assert_eq!(kids.len(), 1);
    let node = &h.state.tree.nodes[kids[0]];
    assert_eq!(
        node.desc.digest.to_string(),
        previewed,
        "pushed exactly what was previewed"
    );
    assert_eq!(node.desc.artifact_type.as_deref(), Some(NOTES));
    assert_eq!(h.state.tree.cursor, kids[0]);
    assert_eq!(
        referrer_digests("oras", reg, &repo, &image),
        vec![previewed.clone()]
    );

    // Delete: plan, Cancel focused, move to Delete, enter.
    h.cmd(Cmd::Delete);
    settle(&mut h).await;
    let Some(Dialog::Delete(d)) = &h.state.dialog else {
        panic!("delete dialog: {:?}", h.state.flash)
    };
    assert_eq!(d.focus, 1);
    let plan = d.plans.as_ref().expect("planned").0.clone();
    assert!(plan
        .manifests
        .iter()
        .any(|m| m.digest.to_string() == previewed));
    // Where the referrer was listed in a fallback index, that index goes too (it lists nothing else).
    assert!(plan
        .manifests
        .iter()
        .all(|m| m.digest.to_string() == previewed || m.kind == Kind::FallbackIndex));
    let text = h.screen_text();
    assert!(
        text.contains("Manifests deleted, in this order:") && text.contains("why: "),
        "{text}"
    );
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    assert!(h.state.dialog.is_none());
    assert!(
        h.state.flash.text.starts_with(&format!(
            "as planned: deleted {} manifest{}",
            plan.manifests.len(),
            if plan.manifests.len() == 1 { "" } else { "s" }
        )),
        "{:?}",
        h.state.flash
    );
    assert!(
        h.state.tree.nodes[0].kids.is_empty(),
        "the node is gone from the tree"
    );
    assert_eq!(h.state.tree.cursor, 0);
    assert!(referrer_digests("arbor", reg, &repo, &image).is_empty());
    assert!(referrer_digests("oras", reg, &repo, &image).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_attach_then_delete_on_a_tag_fallback_registry() {
    attach_then_delete_through_the_dialogs(&harness().dist()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_attach_then_delete_on_a_referrers_api_registry() {
    attach_then_delete_through_the_dialogs(&harness().refs_spec()).await;
}

/// On a registry that lists every manifest (the ACR stand-in), the untagged view shows the
/// predecessors of a re-pushed tag; marked together they go in one plan, and nothing else does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_deletes_marked_untagged_manifests_together() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("tui-marks");
    let image = push_image(&reg, &repo, "v1", "kept");
    let old: Vec<String> = ["one", "two"]
        .iter()
        .map(|c| push_image(&reg, &repo, "nightly", c))
        .collect();
    let newest = push_image(&reg, &repo, "nightly", "three");
    let mut h = open(&reg, &repo).await;
    h.cmd(Cmd::Back);
    h.cmd(Cmd::Untagged);
    settle(&mut h).await;
    let listed: Vec<String> = h
        .state
        .untagged
        .rows
        .iter()
        .map(|r| r.reference())
        .collect();
    let mut want = old.clone();
    want.sort();
    assert_eq!(listed, want, "exactly the re-pushed tag's predecessors");
    assert!(h.screen_text().contains("ACR manifest listing, complete"));
    h.cmd(Cmd::Mark);
    h.cmd(Cmd::Down);
    h.cmd(Cmd::Mark);
    assert_eq!(h.state.marks.len(), 2);
    h.cmd(Cmd::Delete);
    settle(&mut h).await;
    assert!(
        matches!(&h.state.dialog, Some(Dialog::Delete(d)) if d.plans.as_ref().is_some_and(|p| p.0.manifests.len() == 2))
    );
    assert!(
        h.screen_text().contains("2 manifest(s)"),
        "{}",
        h.screen_text()
    );
    h.cmd(Cmd::DialogNext);
    h.cmd(Cmd::Submit);
    settle(&mut h).await;
    assert!(
        h.state
            .flash
            .text
            .starts_with("as planned: deleted 2 manifest"),
        "{:?}",
        h.state.flash
    );
    assert!(h.state.marks.is_empty());
    for d in &old {
        let out = oras()
            .args(["manifest", "fetch", "--plain-http"])
            .arg(format!("{reg}/{repo}@{d}"))
            .output()
            .expect("oras");
        assert!(!out.status.success(), "{d} still there");
    }
    for (t, d) in [("v1", &image), ("nightly", &newest)] {
        let out = run_ok(
            oras()
                .args(["resolve", "--plain-http"])
                .arg(format!("{reg}/{repo}:{t}")),
        );
        assert_eq!(stdout(&out).trim(), d.as_str(), "{t} untouched");
    }
    assert!(
        h.state.untagged.rows.is_empty(),
        "{:?}",
        h.state.untagged.rows
    );
}
