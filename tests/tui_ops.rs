//! Attach, pull, delete and the untagged view, driven headless on a layout like the demo:
//! dialog snapshots and flows. (The layout is read-only, so the dialogs that need a writable
//! store are drawn with the flag set; tests/tui_registry.rs writes to a real registry.)
mod tui_common;

use arbor::graph::inventory::Class;
use arbor::tui::action::{Cmd, InputKey, OpDone, PullStatus};
use arbor::tui::harness::Harness;
use arbor::tui::open_layout_read_only;
use arbor::tui::state::dialog::Dialog;
use arbor::tui::state::Screen;
use tui_common::{build_layout, settings, SBOM};

async fn app(reference: Option<&str>, height: u16) -> (Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut h = Harness::new(
        open_layout_read_only(&dir, reference).expect("open"),
        120,
        height,
    );
    h.settle().await;
    (h, tmp)
}

macro_rules! snap {
    ($name:expr, $h:expr) => {{
        let mut s = settings();
        s.add_filter(r"/tmp/\.tmp\w+", "[tmp]");
        s.add_filter(r"\d+(\.\d)? (B|KiB)\b", "[size]");
        s.bind(|| insta::assert_snapshot!($name, $h.screen_text()))
    }};
}

fn cursor_to(h: &mut Harness, artifact_type: &str) {
    let n = h
        .state
        .tree
        .nodes
        .iter()
        .position(|n| n.desc.artifact_type.as_deref() == Some(artifact_type))
        .expect("node");
    while h.state.tree.cursor != n {
        h.cmd(Cmd::Down);
    }
}

fn backspaces(h: &mut Harness, n: usize) {
    for _ in 0..n {
        h.send(InputKey::Backspace);
    }
}

#[tokio::test]
async fn read_only_store_refuses_attach_and_delete_but_offers_pull() {
    let (mut h, _t) = app(Some("v1"), 32).await;
    assert!(h.screen_text().contains("READ-ONLY"));
    h.cmd(Cmd::Attach);
    assert!(h.state.dialog.is_none());
    assert!(h.state.flash.error && h.state.flash.text.contains("read-only"));
    h.cmd(Cmd::Delete);
    assert!(h.state.dialog.is_none());
    h.cmd(Cmd::Pull);
    assert!(matches!(h.state.dialog, Some(Dialog::Pull(_))));
}

#[tokio::test]
async fn attach_form_completes_paths_and_types_then_previews_the_manifest() {
    let files = tempfile::tempdir().expect("tmp");
    std::fs::write(
        files.path().join("sbom.spdx.json"),
        "{\"spdxVersion\":\"SPDX-2.3\"}",
    )
    .unwrap();
    std::fs::write(files.path().join("notes.md"), "# notes\n").unwrap();
    let (mut h, _t) = app(Some("v1"), 42).await;
    h.state.facts.writable = true;
    h.cmd(Cmd::Attach);
    // Tab completes the unique file name from the filesystem (an effect: its answer comes back).
    h.type_text(&format!("{}/sb", files.path().display()));
    h.cmd(Cmd::Complete);
    h.settle().await;
    h.type_text(",");
    h.type_text(&format!("{}/notes.md:text/plain", files.path().display()));
    h.cmd(Cmd::DialogNext);
    // Tab offers the artifact types already seen in this repository.
    h.type_text("spdx");
    h.cmd(Cmd::Complete);
    h.cmd(Cmd::DialogNext);
    h.type_text("org.example.team=net");
    let Some(Dialog::Attach(f)) = &h.state.dialog else {
        panic!("attach form")
    };
    assert!(f.files.contains("sbom.spdx.json,"), "{}", f.files);
    assert_eq!(f.artifact_type, SBOM);
    snap!("attach_form", h);
    h.cmd(Cmd::Submit);
    h.settle().await;
    let Some(Dialog::Attach(f)) = &h.state.dialog else {
        panic!("attach form")
    };
    let p = f.preview.as_ref().expect("preview");
    assert_eq!(p.request.files.len(), 2);
    let text = h.screen_text();
    assert!(text.contains("\"artifactType\": \"application/spdx+json\""));
    assert!(text.contains("\"mediaType\": \"text/plain\""));
    snap!("attach_preview", h);
    // The JSON is longer than the box: pgdn scrolls to the manifest annotations.
    assert!(!h.screen_text().contains("org.example.team"));
    h.cmd(Cmd::PageDown);
    assert!(h.screen_text().contains("\"org.example.team\": \"net\""));
    h.cmd(Cmd::PageUp);
    // Edit goes back to the fields; esc leaves with nothing pushed.
    h.cmd(Cmd::DialogNext);
    h.cmd(Cmd::Submit);
    assert!(matches!(&h.state.dialog, Some(Dialog::Attach(f)) if f.preview.is_none()));
    h.cmd(Cmd::Cancel);
    assert!(h.state.dialog.is_none());
    assert!(h.state.flash.text.contains("nothing was pushed"));
}

#[tokio::test]
async fn attach_form_says_what_is_missing() {
    let (mut h, _t) = app(Some("v1"), 32).await;
    h.state.facts.writable = true;
    h.cmd(Cmd::Attach);
    h.cmd(Cmd::Submit);
    assert!(
        matches!(&h.state.dialog, Some(Dialog::Attach(f)) if f.error.as_deref().is_some_and(|e| e.contains("at least one file")))
    );
}

#[tokio::test]
async fn delete_dialog_lists_the_plan_with_cancel_focused() {
    let (mut h, _t) = app(None, 36).await;
    h.state.facts.writable = true;
    h.cmd(Cmd::Delete);
    // A tag row asks first (Cancel focused): the whole graph goes to the plan.
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    snap!("delete_planning", h);
    h.settle().await;
    let Some(Dialog::Delete(d)) = &h.state.dialog else {
        panic!("delete dialog")
    };
    assert_eq!(d.focus, 1, "Cancel is the default");
    let text = h.screen_text();
    assert!(text.contains("5 manifest(s)"), "{text}");
    assert!(
        text.contains("4 manifest(s) go because something above them goes"),
        "{text}"
    );
    assert!(
        text.contains("Tags removed: sha256-") && text.contains(".sig, v1"),
        "the cosign tag by name, and v1: {text}"
    );
    assert!(text.contains("why: "), "every manifest says why: {text}");
    snap!("delete_confirm", h);
    // enter on the default button changes nothing.
    h.cmd(Cmd::Submit);
    assert!(h.state.dialog.is_none());
    assert!(h.state.flash.text.contains("nothing was changed"));
}

#[tokio::test]
async fn delete_on_a_read_only_layout_is_refused_before_any_change() {
    let (mut h, _t) = app(None, 36).await;
    h.state.facts.writable = true;
    h.cmd(Cmd::Delete);
    // A tag row asks first (Cancel focused): the whole graph goes to the plan.
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    h.settle().await;
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    h.settle().await;
    assert!(h.state.flash.error, "{:?}", h.state.flash);
    assert!(
        h.state.flash.text.contains("nothing was changed"),
        "{:?}",
        h.state.flash
    );
    assert!(h.screen_text().contains("v1"));
}

#[tokio::test]
async fn pull_shows_progress_and_writes_the_files() {
    let out = tempfile::tempdir().expect("tmp");
    let (mut h, _t) = app(Some("v1"), 32).await;
    cursor_to(&mut h, SBOM);
    h.cmd(Cmd::Pull);
    backspaces(&mut h, 1);
    h.type_text(&out.path().display().to_string());
    h.cmd(Cmd::Submit);
    let Some(Dialog::Pull(p)) = &h.state.dialog else {
        panic!("pull dialog")
    };
    let id = p.id;
    // The progress the effect sends, applied before its own messages are drained.
    h.send(OpDone::PullProgress {
        id,
        progress: PullStatus {
            files: 1,
            verified: 0,
            done: 13,
            total: 26,
        },
    });
    snap!("pull_progress", h);
    h.settle().await;
    assert!(h.state.dialog.is_none());
    assert!(
        h.state.flash.text.starts_with("pulled "),
        "{:?}",
        h.state.flash
    );
    let body = std::fs::read_to_string(out.path().join("sbom.spdx.json")).expect("pulled file");
    assert!(body.contains("SPDX-2.3"));
}

#[tokio::test]
async fn esc_cancels_a_running_pull_and_leaves_no_files() {
    let parent = tempfile::tempdir().expect("tmp");
    let out = parent.path().join("out");
    let (mut h, _t) = app(Some("v1"), 32).await;
    cursor_to(&mut h, SBOM);
    h.cmd(Cmd::Pull);
    backspaces(&mut h, 1);
    h.type_text(&out.display().to_string());
    h.cmd(Cmd::Submit);
    h.cmd(Cmd::Cancel);
    assert!(matches!(&h.state.dialog, Some(Dialog::Pull(p)) if p.cancelling));
    h.settle().await;
    assert!(h.state.dialog.is_none());
    assert!(
        h.state.flash.error && h.state.flash.text.contains("cancelled"),
        "{:?}",
        h.state.flash
    );
    assert!(!out.exists(), "a cancelled pull leaves nothing");
}

#[tokio::test]
async fn untagged_view_lists_untagged_manifests_and_marks_rows() {
    let (mut h, _t) = app(None, 32).await;
    h.cmd(Cmd::Untagged);
    assert_eq!(h.state.screen(), Screen::Untagged);
    h.settle().await;
    assert!(!h.state.untagged.rows.is_empty());
    // What no tag leads to, in the inventory's words; nothing attached below a tag.
    let classes: Vec<Class> = h
        .state
        .untagged
        .rows
        .iter()
        .filter_map(|r| r.manifest().map(|m| m.class))
        .collect();
    assert!(
        classes.contains(&Class::Untagged)
            && classes
                .iter()
                .all(|c| matches!(c, Class::Untagged | Class::Orphan)),
        "{classes:?}"
    );
    assert!(h.screen_text().contains("OCI layout blobs, complete"));
    h.cmd(Cmd::Mark);
    assert_eq!(h.state.marks.len(), 1);
    snap!("untagged", h);
    // ctrl-d plans the delete of every marked row at once.
    h.state.facts.writable = true;
    h.cmd(Cmd::Delete);
    assert!(matches!(&h.state.dialog, Some(Dialog::Delete(d)) if d.refs.len() == 1));
    h.cmd(Cmd::Cancel);
    h.cmd(Cmd::Untagged);
    assert_eq!(h.state.screen(), Screen::Tags);
}
