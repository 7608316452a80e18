//! The issue-14 dialogs on a writable OCI layout (no registry needed): the copy form, its
//! plan, progress and result; the add-tag prompt; the tag row's delete choice — snapshots at
//! 80×24 and 160×45 (one under NO_COLOR) and the flows they start, checked on disk.
mod tui_common;

use arbor::layout::LayoutStore;
use arbor::store::Store;
use arbor::tui::action::{Cmd, CopyStatus, InputKey, OpDone, UntagAnswer};
use arbor::tui::harness::Harness;
use arbor::tui::state::copy::CopyStage;
use arbor::tui::state::dialog::{Dialog, TagDeleteDialog};
use arbor::tui::state::prefs::Look;
use tui_common::{layout_app, settings};

async fn app(reference: Option<&str>, w: u16, h: u16) -> (Harness, tempfile::TempDir) {
    layout_app(reference, w, h).await
}

macro_rules! snap {
    ($name:expr, $text:expr) => {{
        let text = $text;
        let mut s = settings();
        s.add_filter(r"/tmp/\.tmp\w+", "[tmp]");
        s.add_filter(r"\d+(\.\d)? (B|KiB)\b", "[size]");
        s.bind(|| insta::assert_snapshot!($name, text))
    }};
}

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

fn stage(h: &Harness) -> &CopyStage {
    match &h.state.dialog {
        Some(Dialog::Copy(f)) => &f.stage,
        other => panic!("copy dialog: {other:?}; flash {:?}", h.state.flash),
    }
}

#[tokio::test]
async fn copy_form_plan_progress_and_result_between_layouts() {
    for (w, ht) in SIZES {
        let (mut h, tmp) = app(Some("v1"), w, ht).await;
        let root = h.state.tree.nodes[0].desc.digest.clone();
        let dest = tmp.path().join("mirror");
        h.cmd(Cmd::CopyGraph);
        snap!(format!("copy_form_{w}x{ht}"), h.screen_text());
        h.type_text(&format!("{}:v1", dest.display()));
        h.send(InputKey::Submit);
        h.settle().await;
        assert!(
            matches!(stage(&h), CopyStage::Preview(_)),
            "{:?}",
            h.state.dialog
        );
        let CopyStage::Preview(job) = stage(&h) else {
            unreachable!()
        };
        let lines = job.0.lines.join("\n");
        assert!(lines.contains("(with referrers)"), "{lines}");
        assert!(lines.contains("Tags (written last): v1"), "{lines}");
        assert!(
            lines.contains("Manifests: 5 (5 to push, 0 already there)"),
            "{lines}"
        );
        snap!(format!("copy_preview_{w}x{ht}"), h.screen_text());
        let id = match &h.state.dialog {
            Some(Dialog::Copy(f)) => f.id,
            _ => unreachable!(),
        };
        h.cmd(Cmd::Submit);
        // The progress the task sends, applied before its own answers are drained.
        h.send(OpDone::CopyProgress {
            id,
            status: Box::new(CopyStatus {
                bytes_done: 300,
                bytes_total: 1200,
                blobs_done: 2,
                blobs_total: 7,
                manifests_pushed: 0,
                manifests_total: 5,
                in_flight: vec![(root.clone(), 100, 400)],
                tagged: None,
            }),
        });
        snap!(format!("copy_progress_{w}x{ht}"), h.screen_text());
        h.settle().await;
        let CopyStage::Done(Ok(done)) = stage(&h) else {
            panic!("result: {:?}", stage(&h))
        };
        assert_eq!(done.root, root, "the root digest is the source's");
        assert!(
            done.lines.iter().any(|l| l == "Tagged v1"),
            "{:?}",
            done.lines
        );
        snap!(format!("copy_result_{w}x{ht}"), h.screen_text());
        // What the result says is on disk: v1 resolves to the same digest, referrers listed.
        let l = LayoutStore::open(&dest).expect("destination layout");
        let repo = l.repository_name().to_string();
        assert_eq!(l.resolve(&repo, "v1").await.expect("v1").digest, root);
        let refs = l.referrers(&repo, &root, None).await.expect("referrers");
        assert_eq!(refs.descriptors.len(), 3, "signature, readme and SBOM");
        // "Open destination": the layout opened in place of this one, on the copied root.
        h.cmd(Cmd::Submit);
        h.settle().await;
        assert!(h.state.dialog.is_none());
        assert_eq!(
            h.state.facts.name,
            dest.display().to_string(),
            "{:?}",
            h.state.flash
        );
        assert_eq!(h.state.screen(), arbor::tui::state::Screen::Tree);
        assert_eq!(h.state.tree.nodes[0].desc.digest, root);
        assert_eq!(
            h.state.tree.nodes[0].kids.len(),
            3,
            "its referrers, from the copy"
        );
    }
}

#[tokio::test]
async fn copy_form_says_what_is_wrong_in_the_dialog() {
    let (mut h, _t) = app(Some("v1"), 80, 24).await;
    h.cmd(Cmd::CopyGraph);
    h.type_text("localhost:1/nowhere:v1");
    h.send(InputKey::Submit);
    h.settle_within(std::time::Duration::from_secs(60)).await;
    let Some(Dialog::Copy(f)) = &h.state.dialog else {
        panic!("the dialog stays open")
    };
    assert!(f.error.is_some(), "an unreachable destination is an error");
    assert!(matches!(f.stage, CopyStage::Form));
}

#[tokio::test]
async fn add_tag_prompt_tags_the_manifest_in_the_layout() {
    let (mut h, tmp) = app(None, 80, 24).await;
    h.cmd(Cmd::AddTag);
    h.type_text("v1.1 .bad");
    h.send(InputKey::Submit);
    snap!("add_tag_error_80x24", h.screen_text());
    for _ in 0..5 {
        h.send(InputKey::Backspace);
    }
    h.type_text(",stable");
    snap!("add_tag_prompt_80x24", h.screen_text());
    h.send(InputKey::Submit);
    h.settle().await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.dialog);
    assert!(
        h.state.flash.text.starts_with("tagged sha256:")
            && h.state.flash.text.ends_with("as v1.1, stable"),
        "{:?}",
        h.state.flash
    );
    let l = LayoutStore::open(tmp.path().join("net-monitor")).expect("layout");
    let repo = l.repository_name().to_string();
    let v1 = l.resolve(&repo, "v1").await.expect("v1").digest;
    for t in ["v1.1", "stable"] {
        assert_eq!(l.resolve(&repo, t).await.expect(t).digest, v1);
    }
    assert!(h.screen_text().contains("stable"), "the list reloads");
}

#[tokio::test]
async fn add_tag_and_mermaid_dialogs_on_a_wide_terminal() {
    let (mut h, _t) = app(Some("v1"), 160, 45).await;
    h.cmd(Cmd::AddTag);
    h.type_text("v1.1");
    snap!("add_tag_prompt_160x45", h.screen_text());
    h.cmd(Cmd::Cancel);
    assert!(h.state.dialog.is_none());
    h.cmd(Cmd::Mermaid);
    let text = h.screen_text();
    assert!(text.contains("net-monitor-"), "the default path: {text}");
    snap!("mermaid_dialog_160x45", text);
}

#[tokio::test]
async fn a_refused_untag_explains_and_offers_the_whole_graph() {
    let (mut h, _t) = app(None, 80, 24).await;
    h.cmd(Cmd::Delete);
    h.cmd(Cmd::DialogNext);
    let Some(Dialog::TagDelete(d)) = &h.state.dialog else {
        panic!("the choice")
    };
    let id = d.id;
    // What distribution answers, in `arbor untag`'s words (the library's explanation).
    let refusal = arbor::tag::Refusal {
        digest: h.state.tree.nodes.first().map_or_else(
            || arbor::oci::Digest::sha256_of(b"v1"),
            |n| n.desc.digest.clone(),
        ),
        detail: "the registry answered 405: tags are deleted with their manifest".into(),
        same: vec!["v1".into(), "v1.0".into()],
    };
    h.send(OpDone::Untagged {
        id,
        result: Ok(UntagAnswer::Refused(
            refusal.explain("localhost:5000/net-monitor", "v1"),
        )),
    });
    let Some(Dialog::TagDelete(d)) = &h.state.dialog else {
        panic!("the choice stays open")
    };
    assert_eq!(d.buttons(), [TagDeleteDialog::WHOLE, "Cancel"]);
    assert_eq!(d.buttons()[d.focus], "Cancel");
    let text = h.screen_text();
    assert!(text.contains("cannot be removed on its own"), "{text}");
    snap!("tag_delete_refused_80x24", text);
}

#[tokio::test]
async fn tag_row_delete_asks_first_with_cancel_focused() {
    for (w, ht) in SIZES {
        let (mut h, _t) = app(None, w, ht).await;
        h.cmd(Cmd::Delete);
        let Some(Dialog::TagDelete(d)) = &h.state.dialog else {
            panic!("the choice first")
        };
        assert_eq!(d.buttons()[d.focus], "Cancel");
        snap!(format!("tag_delete_choice_{w}x{ht}"), h.screen_text());
    }
    let (mut h, tmp) = app(None, 80, 24).await;
    h.state.look = Look::Mono;
    h.cmd(Cmd::Delete);
    snap!("tag_delete_choice_mono_80x24", h.styled_text());
    // "Remove this tag only": index.json loses v1, the manifest stays.
    let l = LayoutStore::open(tmp.path().join("net-monitor")).expect("layout");
    let repo = l.repository_name().to_string();
    let v1 = l.resolve(&repo, "v1").await.expect("v1");
    h.cmd(Cmd::DialogNext);
    assert!(
        matches!(&h.state.dialog, Some(Dialog::TagDelete(d)) if d.buttons()[d.focus] == TagDeleteDialog::REMOVE)
    );
    h.cmd(Cmd::Submit);
    h.settle().await;
    assert!(h.state.dialog.is_none(), "{:?}", h.state.dialog);
    assert!(
        h.state.flash.text.starts_with("removed the tag v1"),
        "{:?}",
        h.state.flash
    );
    let l = LayoutStore::open(tmp.path().join("net-monitor")).expect("layout");
    assert!(l.resolve(&repo, "v1").await.is_err(), "v1 is gone");
    let still = l
        .manifest(&repo, &v1.digest.to_string())
        .await
        .expect("by digest");
    assert_eq!(still.descriptor.digest, v1.digest);
}
