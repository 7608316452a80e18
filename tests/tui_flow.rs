//! The app driven headless by actions: the walkthrough, slow and failing stores, stale answers.
mod tui_common;

use arbor::tui::action::{Cmd, Loaded};
use arbor::tui::harness::Harness;
use arbor::tui::open_layout_read_only;
use arbor::tui::state::tree::Load;
use arbor::tui::state::{Decoding, Screen};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tui_common::{build_big_layout, build_layout, settings, Faults, Wrapped};

fn wrapped_app(
    dir: &std::path::Path,
    faults: Faults,
    reference: Option<&str>,
) -> (Harness, Arc<Wrapped>) {
    let store = Arc::new(Wrapped::new(dir, faults));
    let mut opened = open_layout_read_only(dir, reference).expect("open");
    opened.store = store.clone();
    (Harness::new(opened, 120, 30), store)
}

#[tokio::test]
async fn walkthrough_open_repo_select_tag_expand_inspect_back() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut opened = open_layout_read_only(&dir, None).expect("open");
    opened.start = arbor::tui::update::Start::Repos;
    let mut h = Harness::new(opened, 120, 30);
    h.settle().await;
    assert_eq!(h.state.screen(), Screen::Repos);
    h.cmd(Cmd::Open);
    h.settle().await;
    assert_eq!(h.state.screen(), Screen::Tags);
    assert!(h.screen_text().contains("v1"));
    h.cmd(Cmd::Open);
    h.settle().await;
    assert_eq!(h.state.screen(), Screen::Tree);
    assert_eq!(
        h.state.tree.nodes[0].kids.len(),
        3,
        "v1 has signature, readme and sbom"
    );
    // Down to the sbom (referrers sorted by digest: find it), expand it.
    let sbom = h
        .state
        .tree
        .nodes
        .iter()
        .position(|n| n.desc.artifact_type.as_deref() == Some(tui_common::SBOM))
        .expect("sbom");
    while h.state.tree.cursor != sbom {
        h.cmd(Cmd::Down);
    }
    h.cmd(Cmd::Right);
    h.settle().await;
    assert_eq!(h.state.tree.nodes[sbom].kids.len(), 1, "the sbom is signed");
    // The layout is named after its one repository: said once, not `net-monitor › net-monitor`.
    let crumbs = arbor::tui::view::breadcrumbs(&h.state);
    assert_eq!(crumbs, ["net-monitor", "v1", "sbom"]);
    h.cmd(Cmd::Inspect);
    h.settle().await;
    assert_eq!(h.state.screen(), Screen::Inspect);
    assert!(h
        .screen_text()
        .contains("\"artifactType\": \"application/spdx+json\""));
    h.cmd(Cmd::Back);
    assert_eq!(h.state.screen(), Screen::Tree);
    h.cmd(Cmd::Back);
    assert_eq!(h.state.screen(), Screen::Tags);
    h.cmd(Cmd::Back);
    assert_eq!(h.state.screen(), Screen::Repos);
}

#[tokio::test]
async fn slow_referrers_show_a_loading_row_without_blocking() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let faults = Faults {
        referrers_delay: Some(Duration::from_millis(400)),
        ..Default::default()
    };
    let (mut h, _s) = wrapped_app(&dir, faults, Some("v1"));
    h.apply_arrivals_for(Duration::from_millis(50)).await;
    assert!(h.screen_text().contains("loading…"), "{}", h.screen_text());
    // The UI still answers keys meanwhile.
    h.cmd(Cmd::Help);
    assert_eq!(h.state.screen(), Screen::Help);
    h.cmd(Cmd::Back);
    h.settle().await;
    assert!(!h.screen_text().contains("loading…"));
    assert_eq!(h.state.tree.nodes[0].load, Load::Loaded);
}

#[tokio::test]
async fn failing_referrers_show_an_inline_error_row() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let (mut h, _s) = wrapped_app(
        &dir,
        Faults {
            fail_referrers: true,
            ..Default::default()
        },
        Some("v1"),
    );
    h.settle().await;
    let text = h.screen_text();
    assert!(matches!(h.state.tree.nodes[0].load, Load::Failed(_)));
    assert!(text.contains("✗ referrers of"), "{text}");
    settings().bind(|| insta::assert_snapshot!("tree_error_row", text));
}

#[tokio::test]
async fn stale_tree_answers_are_dropped() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let (mut h, _s) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    let gen = h.state.tree.gen;
    let before = h.state.tree.nodes.len();
    h.send(Loaded::Expanded {
        gen: gen - 1,
        node: 0,
        result: Err("old answer".into()),
    });
    assert_eq!(h.state.tree.nodes.len(), before);
    assert_eq!(h.state.tree.nodes[0].load, Load::Loaded);
}

#[tokio::test]
async fn moving_fast_over_many_tags_fetches_only_what_is_on_screen() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_big_layout(tmp.path(), 2000);
    let faults = Faults {
        manifest_delay: Some(Duration::from_millis(5)),
        ..Default::default()
    };
    let (mut h, store) = wrapped_app(&dir, faults, None);
    h.settle().await;
    assert_eq!(h.state.tags.rows.len(), 2000);
    store.manifest_calls.store(0, Ordering::SeqCst);
    for _ in 0..1000 {
        h.cmd(Cmd::Down);
    }
    h.settle().await;
    let calls = store.manifest_calls.load(Ordering::SeqCst);
    assert!(calls < 100, "1000 moves made {calls} manifest fetches");
    // The rows now on screen have their details (the newest request won).
    let sel = h.state.tags.view.selected().expect("selected");
    let key = h.state.tags.rows[sel].key();
    assert!(h.state.tags.details.contains_key(&key));
}

#[tokio::test]
async fn cycles_are_shown_once_and_marked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let (mut h, _s) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    // Feed the root's own digest back as a referrer of a child: it must not be followed again.
    let root = h.state.tree.nodes[0].desc.clone();
    let child = h.state.tree.nodes[0].kids[0];
    h.state.tree.begin_expand(child);
    let gen = h.state.tree.gen;
    h.send(Loaded::Expanded {
        gen,
        node: child,
        result: Ok(arbor::tui::action::Level {
            children: vec![],
            referrers: vec![root],
            source: None,
            cosign: vec![],
            leaves: Default::default(),
            locked: Default::default(),
        }),
    });
    let last = h.state.tree.nodes.last().expect("node");
    assert!(last.cycle);
    assert!(
        h.screen_text().contains("↺ shown above"),
        "{}",
        h.screen_text()
    );
}

#[test]
fn keymap_config_overrides_only_named_actions() {
    let mut km = arbor::tui::keymap::Keymap::default();
    let warnings = km.patch_toml("[keys]\ninspect = \"Y\"\n");
    assert!(warnings.is_empty());
    let y = arbor::tui::keymap::Key::parse("Y").expect("key");
    assert_eq!(
        km.lookup(arbor::tui::keymap::Scope::Tree, y),
        Some(Cmd::Inspect)
    );
    assert_eq!(km.keys_of(Cmd::Describe), "d");
}

#[tokio::test]
async fn cosign_tag_referrer_appears_in_the_tree_marked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_decode_layout(tmp.path());
    let (mut h, _s) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    let t = &h.state.tree;
    let sig = t
        .nodes
        .iter()
        .position(|n| n.edge == arbor::graph::EdgeSource::CosignTag)
        .expect("cosign tag node");
    assert_eq!(t.nodes[sig].parent, Some(0));
    assert!(!t.nodes[sig].cycle);
    assert!(
        h.screen_text().contains("(cosign tag)"),
        "{}",
        h.screen_text()
    );
}

#[tokio::test]
async fn cosign_tag_naming_a_listed_referrer_is_not_shown_twice() {
    // The demo-like layout tags its v1 signature `sha256-<v1>.sig` and it names v1 as subject.
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let (mut h, _s) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    let t = &h.state.tree;
    assert!(t.nodes.iter().all(|n| !n.cycle), "{}", h.screen_text());
    assert!(!h.screen_text().contains("(cosign tag)"));
}

#[tokio::test]
async fn describe_decodes_without_blocking_and_caches_by_digest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_decode_layout(tmp.path());
    let (mut h, store) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    h.state.tree.cursor = h
        .state
        .tree
        .nodes
        .iter()
        .position(|n| n.desc.artifact_type.as_deref() == Some(tui_common::SBOM))
        .expect("sbom node");
    h.cmd(Cmd::Describe);
    // Nothing has answered yet: the view says so and the UI goes on.
    let d = h.state.doc.as_ref().expect("doc");
    assert!(d.loading);
    assert_eq!(d.decoded, Decoding::Loading);
    h.settle().await;
    let d = h.state.doc.as_ref().expect("doc");
    assert!(matches!(d.decoded, Decoding::Ready(_)), "{:?}", d.decoded);
    assert!(d.lines.iter().any(|l| l.contains("openssl 3.0.13")));
    // Back and describe again: the decoding comes from the cache (only the manifest is fetched).
    h.cmd(Cmd::Back);
    let before = store.manifest_calls.load(Ordering::SeqCst);
    h.cmd(Cmd::Describe);
    assert!(matches!(
        h.state.doc.as_ref().expect("doc").decoded,
        Decoding::Ready(_)
    ));
    h.settle().await;
    assert_eq!(store.manifest_calls.load(Ordering::SeqCst), before + 1);
}

#[tokio::test]
async fn describe_shows_a_decoding_failure_inline() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_decode_layout(tmp.path());
    let (mut h, _s) = wrapped_app(&dir, Faults::default(), Some("v1"));
    h.settle().await;
    h.cmd(Cmd::Describe);
    let req = h.state.doc.as_ref().expect("doc").req;
    h.settle().await;
    h.send(Loaded::Inspected {
        req,
        subject: None,
        result: Err("registry went away".into()),
    });
    let text = h.screen_text();
    assert!(
        text.contains("✗ decoding failed: registry went away"),
        "{text}"
    );
    // An answer for an older request is dropped.
    h.send(Loaded::Inspected {
        req: req - 1,
        subject: None,
        result: Err("stale".into()),
    });
    assert!(!h.screen_text().contains("stale"));
}

#[tokio::test]
async fn login_on_a_layout_says_there_is_nothing_to_log_in_to() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut h = Harness::new(open_layout_read_only(&dir, None).expect("open"), 120, 30);
    h.settle().await;
    h.cmd(Cmd::Command);
    h.type_text("login alice");
    h.send(arbor::tui::action::InputKey::Submit);
    assert!(h.state.prompt.is_none());
    assert!(h.state.flash.error);
    assert!(
        h.state.flash.text.contains("nothing to log in to"),
        "{}",
        h.state.flash.text
    );
}
