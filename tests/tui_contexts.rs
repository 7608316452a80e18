//! Contexts: `arbor` with no target and a config.toml naming registries opens the context
//! list; enter connects (a new store) and lists the repositories; recent references are
//! remembered. Against the harness's real registry (ARBOR_HARNESS_ENV).
mod common;

use arbor::config::Config;
use arbor::connection::ConnectOptions;
use arbor::credentials::LookupOptions;
use arbor::registry::ClientOptions;
use arbor::tui::action::{Cmd, InputKey};
use arbor::tui::harness::Harness;
use arbor::tui::state::{ContextRow, Screen};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contexts_open_a_registry_and_remember_what_was_opened() {
    let reg = harness().dist();
    let repo = unique_repo("tui-ctx");
    push_image(&reg, &repo, "v1", "#!/bin/sh\necho ctx\n");
    let home = tempfile::tempdir().expect("tmp");
    let cfg_path = home.path().join("config.toml");
    std::fs::write(
        &cfg_path,
        format!("[[registry]]\nname = \"local\"\nhost = \"{reg}\"\nplain_http = true\n"),
    )
    .expect("config");
    // The recent list is kept beside ARBOR_CONFIG (this test's own directory).
    std::env::set_var("ARBOR_CONFIG", &cfg_path);
    let config = Config::load(&cfg_path).expect("config parses");
    let conn = ConnectOptions::new(ClientOptions::default(), LookupOptions::from_env(None));

    let opened = arbor::tui::open(None, &conn, Some(&config)).expect("open");
    let mut h = Harness::new(opened, 120, 30);
    h.settle().await;
    assert_eq!(h.state.screen(), Screen::Contexts, "{}", h.screen_text());
    assert!(matches!(&h.state.contexts.rows[0], ContextRow::Registry(c) if c.name == "local"));
    assert!(
        h.screen_text().contains("plain HTTP"),
        "{}",
        h.screen_text()
    );

    h.cmd(Cmd::Open);
    h.settle_within(std::time::Duration::from_secs(60)).await;
    assert_eq!(h.state.screen(), Screen::Repos, "{}", h.screen_text());
    assert_eq!(h.state.facts.name, reg);
    assert!(
        h.state.repos.items.contains(&repo),
        "{:?}",
        h.state.repos.items
    );

    // Open the repository by name: it is remembered, in this run and on disk.
    h.cmd(Cmd::Command);
    h.type_text(&format!("repo {repo}"));
    h.send(InputKey::Submit);
    h.settle_within(std::time::Duration::from_secs(60)).await;
    assert!(h.screen_text().contains("v1"), "{}", h.screen_text());
    let recent = arbor::config::load_recent(&cfg_path.with_extension("recent"));
    assert_eq!(recent.first(), Some(&format!("{reg}/{repo}")));

    // :ctx lists the registry and the recent reference; enter on the recent one reopens it.
    h.cmd(Cmd::Command);
    h.type_text("ctx");
    h.send(InputKey::Submit);
    assert_eq!(h.state.screen(), Screen::Contexts);
    let at = h
        .state
        .contexts
        .rows
        .iter()
        .position(|r| matches!(r, ContextRow::Recent(x) if x.ends_with(&repo)))
        .expect("recent row");
    for _ in 0..at {
        h.cmd(Cmd::Down);
    }
    h.cmd(Cmd::Open);
    h.settle_within(std::time::Duration::from_secs(60)).await;
    assert_eq!(h.state.screen(), Screen::Tags, "{}", h.screen_text());
    assert_eq!(h.state.repo.as_deref(), Some(repo.as_str()));
}

/// Two runs of the app, each in its own process with the same temporary HOME (so the state
/// directory is resolved as on a user's machine): the pane width and the tag list's order set
/// in the first are what the second starts with.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pane_width_and_sort_orders_survive_a_restart() {
    const NAME: &str = "pane_width_and_sort_orders_survive_a_restart";
    if let Ok(phase) = std::env::var("ARBOR_PREFS_RUN") {
        return prefs_run(&phase).await;
    }
    let home = tempfile::tempdir().expect("tmp");
    for phase in ["first", "second"] {
        let out = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env("ARBOR_PREFS_RUN", phase)
            .env("HOME", home.path())
            .env_remove("ARBOR_CONFIG")
            .env_remove("XDG_STATE_HOME")
            .env_remove("XDG_DATA_HOME")
            .output()
            .expect("the test binary runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{phase} run failed:\n{said}");
        assert!(
            said.contains("1 passed"),
            "{phase} run did not run the test:\n{said}"
        );
    }
    let file = home.path().join(".local/state/arbor/prefs.toml");
    let text = std::fs::read_to_string(&file).expect("kept in the XDG state directory");
    assert!(text.contains("width = 60"), "{text}");
}

async fn prefs_run(phase: &str) {
    let conn = ConnectOptions::new(ClientOptions::default(), LookupOptions::from_env(None));
    let opened = arbor::tui::open(None, &conn, None).expect("the demo opens");
    let (mut h, warning) = Harness::with_saved_prefs(opened, 160, 45);
    assert_eq!(warning, None);
    h.settle().await;
    use arbor::tui::state::prefs::SortKey;
    match phase {
        "first" => {
            assert_eq!(h.state.pane.width, 48, "nothing saved yet: the default");
            assert_eq!(h.state.pane_columns(), 48);
            for _ in 0..3 {
                h.cmd(Cmd::PaneWider);
            }
            h.cmd(Cmd::Sort);
            h.cmd(Cmd::SortReverse);
            assert_eq!(h.state.sorts.tags.key, SortKey::Created);
        }
        _ => {
            assert_eq!(h.state.pane.width, 60, "{}", h.screen_text());
            assert_eq!(h.state.pane_columns(), 60, "drawn at the saved width");
            assert_eq!(h.state.sorts.tags.key, SortKey::Created);
            assert!(h.state.sorts.tags.reverse);
            assert!(
                h.screen_text().contains("created ↓"),
                "the list says its saved order:\n{}",
                h.screen_text()
            );
        }
    }
    h.exit().expect("saved");
}
