//! Every view, dialog and the help screen, drawn into a TestBackend on a layout like the demo.
mod tui_common;

use arbor::graph::EdgeSource;
use arbor::tui::action::{Cmd, InputKey, Ui};
use arbor::tui::harness::Harness;
use arbor::tui::{open_layout_read_only, Opened};
use std::sync::Arc;
use tui_common::{build_layout, settings, Faults, Wrapped};

async fn app(reference: Option<&str>) -> (Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut h = Harness::new(
        open_layout_read_only(&dir, reference).expect("open"),
        120,
        32,
    );
    h.settle().await;
    (h, tmp)
}

macro_rules! snap {
    ($name:expr, $h:expr) => {
        settings().bind(|| insta::assert_snapshot!($name, $h.screen_text()))
    };
}

#[tokio::test]
async fn tags_view_lists_tags_untagged_and_badges() {
    let (h, _t) = app(None).await;
    snap!("tags", h);
}

#[tokio::test]
async fn tags_view_shows_hidden_tags_when_toggled() {
    let (mut h, _t) = app(None).await;
    h.cmd(Cmd::ToggleHidden);
    h.settle().await;
    snap!("tags_hidden_shown", h);
}

#[tokio::test]
async fn filter_prompt_narrows_the_list() {
    let (mut h, _t) = app(None).await;
    h.cmd(Cmd::Filter);
    h.type_text("v2");
    h.settle().await;
    snap!("tags_filter", h);
}

#[tokio::test]
async fn reference_lands_on_tree_with_first_level() {
    let (h, _t) = app(Some("v1")).await;
    snap!("tree_first_level", h);
}

#[tokio::test]
async fn star_expands_whole_subtree_of_an_index() {
    let (mut h, _t) = app(Some("v2")).await;
    h.cmd(Cmd::ExpandAll);
    h.settle().await;
    snap!("tree_index_expanded", h);
}

#[tokio::test]
async fn inspector_shows_pretty_json_and_search() {
    let (mut h, _t) = app(Some("v1")).await;
    h.cmd(Cmd::Inspect);
    h.settle().await;
    snap!("inspect_json", h);
    h.cmd(Cmd::Filter);
    h.type_text("created");
    h.send(InputKey::Submit);
    snap!("inspect_search", h);
    h.cmd(Cmd::NextDoc);
    h.settle().await;
    snap!("inspect_config", h);
}

#[tokio::test]
async fn describe_view_lists_fields_annotations_and_layers() {
    let (mut h, _t) = app(Some("v1")).await;
    h.cmd(Cmd::Down);
    h.cmd(Cmd::Describe);
    h.settle().await;
    snap!("describe", h);
}

#[tokio::test]
async fn help_is_generated_from_the_keymap() {
    let (mut h, _t) = app(None).await;
    h.send(Ui::Resize(120, 40));
    h.cmd(Cmd::Help);
    snap!("help", h);
    // The key list outgrows 40 rows: it scrolls.
    h.cmd(Cmd::Bottom);
    snap!("help_scrolled", h);
}

#[tokio::test]
async fn command_prompt_and_unavailable_write_actions() {
    let (mut h, _t) = app(None).await;
    h.cmd(Cmd::Delete);
    snap!("flash_not_available", h);
    h.cmd(Cmd::Command);
    h.type_text("ref v2");
    snap!("command_prompt", h);
}

#[tokio::test]
async fn repositories_pane_without_catalog_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let store = Arc::new(Wrapped::new(
        &dir,
        Faults {
            no_catalog: true,
            ..Default::default()
        },
    ));
    let mut opened: Opened = open_layout_read_only(&dir, None).expect("open");
    opened.store = store;
    opened.start = arbor::tui::update::Start::Repos;
    let mut h = Harness::new(opened, 100, 16);
    h.settle().await;
    snap!("repos_no_catalog", h);
}

#[tokio::test]
async fn repositories_pane_lists_repos() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut opened = open_layout_read_only(&dir, None).expect("open");
    opened.start = arbor::tui::update::Start::Repos;
    let mut h = Harness::new(opened, 100, 12);
    h.settle().await;
    snap!("repos", h);
}

async fn decode_app(reference: &str, height: u16) -> (Harness, tempfile::TempDir) {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tui_common::build_decode_layout(tmp.path());
    let mut h = Harness::new(
        open_layout_read_only(&dir, Some(reference)).expect("open"),
        120,
        height,
    );
    h.settle().await;
    (h, tmp)
}

/// Moves the tree cursor to the first node that fits.
fn tree_to(h: &mut Harness, fits: impl Fn(&arbor::tui::state::tree::TreeNode) -> bool) {
    h.state.tree.cursor = h.state.tree.nodes.iter().position(fits).expect("node");
}

#[tokio::test]
async fn tree_marks_cosign_tag_referrers_and_hangs_buildx_attestations_under_platform() {
    let (mut h, _t) = decode_app("v1", 16).await;
    snap!("tree_cosign_tag", h);
    h.cmd(Cmd::Command);
    h.type_text("ref multi");
    h.send(InputKey::Submit);
    h.settle().await;
    h.cmd(Cmd::ExpandAll);
    h.settle().await;
    snap!("tree_buildx_attestation", h);
}

#[tokio::test]
async fn describe_view_decodes_a_cosign_tag_signature() {
    let (mut h, _t) = decode_app("v1", 40).await;
    tree_to(&mut h, |n| n.edge == EdgeSource::CosignTag);
    h.cmd(Cmd::Describe);
    h.settle().await;
    // The decoded section comes below the descriptor fields: jump to it.
    h.cmd(Cmd::Filter);
    h.type_text("Decoded");
    h.send(InputKey::Submit);
    snap!("describe_signature", h);
}

#[tokio::test]
async fn describe_view_decodes_an_sbom_and_lists_packages() {
    let (mut h, _t) = decode_app("v1", 40).await;
    tree_to(&mut h, |n| {
        n.desc.artifact_type.as_deref() == Some(tui_common::SBOM)
    });
    h.cmd(Cmd::Describe);
    h.settle().await;
    h.cmd(Cmd::Filter);
    h.type_text("Decoded");
    h.send(InputKey::Submit);
    snap!("describe_sbom", h);
}

#[tokio::test]
async fn login_password_prompt_is_masked() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = build_layout(tmp.path());
    let mut opened: Opened = open_layout_read_only(&dir, None).expect("open");
    // A layout standing in for a registry: `:login` only looks at the store's kind and name.
    opened.facts.kind = arbor::store::StoreKind::Registry;
    opened.facts.name = "registry.example".into();
    let mut h = Harness::new(opened, 100, 16);
    h.settle().await;
    h.cmd(Cmd::Command);
    h.type_text("login alice");
    h.send(InputKey::Submit);
    h.type_text("hunter2");
    let screen = h.screen_text();
    assert!(!screen.contains("hunter2"), "{screen}");
    let debug = format!("{:?}", h.state);
    assert!(!debug.contains("hunter2"), "{debug}");
    snap!("login_password_masked", h);
}
