//! The tag list's SIZE is the image size: config + layers for an image, the sum over its
//! platforms for an index — equal to what `crane manifest` and `crane config` say about the
//! same images on a real registry. Needs the harness (ARBOR_HARNESS_ENV).
mod common;

use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::state::DetailState;
use arbor::tui::update::Start;
use common::*;
use std::sync::Arc;

/// config.size + Σ layers.size, read from `crane manifest` (and checked against `crane config`).
fn crane_image_size(reference: &str) -> u64 {
    let m: serde_json::Value = serde_json::from_str(&stdout(&run_ok(crane().args([
        "manifest",
        "--insecure",
        reference,
    ]))))
    .expect("manifest json");
    let config = stdout(&run_ok(crane().args(["config", "--insecure", reference])));
    let config_size = m["config"]["size"].as_u64().expect("config size");
    assert_eq!(
        config.len() as u64,
        config_size,
        "crane config is the config blob"
    );
    let layers: u64 = m["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .map(|l| l["size"].as_u64().expect("layer size"))
        .sum();
    config_size + layers
}

#[tokio::test]
async fn sizes_are_the_image_sizes_crane_computes() {
    let reg = harness().dist();
    let repo = unique_repo("tui-sizes");
    push_image(
        &reg,
        &repo,
        "amd",
        "#!/bin/sh\necho amd64 build with a longer body\n",
    );
    push_image(&reg, &repo, "arm", "#!/bin/sh\necho arm\n");
    run_ok(crane().args([
        "index",
        "append",
        "--insecure",
        "-m",
        &format!("{reg}/{repo}:amd"),
        "-m",
        &format!("{reg}/{repo}:arm"),
        "-t",
        &format!("{reg}/{repo}:multi"),
    ]));
    let amd = crane_image_size(&format!("{reg}/{repo}:amd"));
    let arm = crane_image_size(&format!("{reg}/{repo}:arm"));
    let index: serde_json::Value = serde_json::from_str(&stdout(&run_ok(crane().args([
        "manifest",
        "--insecure",
        &format!("{reg}/{repo}:multi"),
    ]))))
    .expect("index json");
    let children: u64 = index["manifests"]
        .as_array()
        .expect("manifests")
        .iter()
        .map(|d| {
            let digest = d["digest"].as_str().expect("digest");
            crane_image_size(&format!("{reg}/{repo}@{digest}"))
        })
        .sum();
    assert_eq!(children, amd + arm);

    let store =
        RegistryStore::new(&reg, &ClientOptions::default(), ReferrersMode::Auto).expect("store");
    let start = Start::Tags {
        repo: repo.clone(),
        untagged: Vec::new(),
    };
    let mut h = Harness::new(open_store(Arc::new(store), start), 160, 30);
    h.settle_within(std::time::Duration::from_secs(60)).await;
    let size = |h: &Harness, tag: &str| match h.state.tags.details.get(tag) {
        Some(DetailState::Ready(d)) => d.image_size,
        other => panic!("{tag}: {other:?}\n{}", h.screen_text()),
    };
    assert_eq!(size(&h, "amd"), Some(amd));
    assert_eq!(size(&h, "arm"), Some(arm));
    assert_eq!(
        size(&h, "multi"),
        Some(amd + arm),
        "an index: the sum over its platforms"
    );
    // And the manifest's own size is not what the column shows.
    let text = h.screen_text();
    let human = arbor::tui::label::human_size((amd + arm) as i64);
    assert!(
        text.lines()
            .any(|l| l.contains("multi") && l.contains(&human)),
        "{text}"
    );
}
