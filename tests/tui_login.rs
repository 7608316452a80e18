//! `:login USER` in the TUI against the harness's basic-auth registry: the password prompt,
//! the library login, the flash, the saved docker config entry, and the reload using it.
//! Needs the harness (ARBOR_HARNESS_ENV): without it these fail, they do not skip.
mod common;

use arbor::connection::LoginOptions;
use arbor::credentials::LookupOptions;
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::action::{Action, Cmd, InputKey, Secret};
use arbor::tui::effect::{Effect, OpJob};
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::state::Prompt;
use arbor::tui::update::Start;
use common::*;
use std::path::Path;
use std::sync::Arc;

/// Registries on a shared, slow machine: a longer limit than the harness default.
async fn settle(h: &mut Harness) {
    h.settle_within(std::time::Duration::from_secs(60)).await;
}

/// The TUI on `reg`'s repository list, with saved credentials read from (and `:login` saving
/// to) `config` only — no keyring, no HOME.
async fn open(reg: &str, config: &Path) -> Harness {
    let lookup = LookupOptions {
        registry_config: Some(config.to_path_buf()),
        no_keyring: true,
    };
    let copts = ClientOptions {
        credential_source: Some(Arc::new(lookup.clone())),
        ..Default::default()
    };
    let store = RegistryStore::new(reg, &copts, ReferrersMode::Auto).expect("store");
    let mut opened = open_store(Arc::new(store), Start::Repos);
    opened.login = LoginOptions {
        client: copts,
        lookup,
    };
    let mut h = Harness::new(opened, 120, 30);
    settle(&mut h).await;
    h
}

fn login(h: &mut Harness, user: &str, password: &str) {
    h.cmd(Cmd::Command);
    h.type_text(&format!("login {user}"));
    h.send(InputKey::Submit);
    assert!(
        matches!(h.state.prompt, Some(Prompt::Password { .. })),
        "{:?}",
        h.state.prompt
    );
    h.type_text(password);
    let screen = h.screen_text();
    assert!(!screen.contains(password), "{screen}");
    assert!(
        screen.contains(&"•".repeat(password.chars().count())),
        "{screen}"
    );
    assert!(!format!("{:?}", h.state).contains(password));
    h.send(InputKey::Submit);
    assert!(h.state.prompt.is_none());
}

#[tokio::test]
async fn tui_login_saves_credentials_and_refresh_uses_them() {
    let hv = harness();
    let (reg, user, pass) = (
        hv.var("ARBOR_TEST_BASIC"),
        hv.var("ARBOR_TEST_BASIC_USER"),
        hv.secret("ARBOR_TEST_BASIC_PASSWORD_FILE"),
    );
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("docker").join("config.json");
    let mut h = open(&reg, &config).await;
    // Anonymous: the catalog is refused, and the message says how to sign in from here.
    let refused = h.state.repos.error.clone().unwrap_or_default();
    assert!(refused.contains(":login USER"), "{refused}");

    login(&mut h, &user, &pass);
    settle(&mut h).await;
    let flash = h.state.flash.text.clone();
    assert!(!h.state.flash.error, "{flash}");
    assert!(
        flash.contains(&format!(
            "signed in to {reg} as {user}; saved to {}",
            config.display()
        )),
        "{flash}"
    );
    assert!(flash.contains("unencrypted"), "{flash}");
    assert!(!flash.contains(&pass));
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).expect("config written")).unwrap();
    assert!(saved["auths"][reg.as_str()]["auth"].is_string(), "{saved}");

    // The registry was opened again and the screen reloaded: no ctrl-r needed, and the
    // header says who arbor is signed in as.
    assert!(h.state.repos.error.is_none(), "{:?}", h.state.repos.error);
    assert!(!h.state.repos.items.is_empty(), "{}", h.screen_text());
    assert!(h.state.facts.auth.contains(&user), "{}", h.state.facts.auth);
}

#[tokio::test]
async fn tui_login_with_a_wrong_password_says_why_and_saves_nothing() {
    let hv = harness();
    let (reg, user) = (hv.var("ARBOR_TEST_BASIC"), hv.var("ARBOR_TEST_BASIC_USER"));
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.json");
    let mut h = open(&reg, &config).await;
    login(&mut h, &user, "not-the-password");
    settle(&mut h).await;
    assert!(h.state.flash.error);
    assert!(
        h.state
            .flash
            .text
            .contains(&format!("login to {reg} failed")),
        "{}",
        h.state.flash.text
    );
    assert!(!h.state.flash.text.contains("not-the-password"));
    assert!(!config.exists());
}

#[test]
fn login_effect_and_password_prompt_debug_redact_the_password() {
    let password = Secret::new("s3cret-pw");
    let effect = Effect::Op(OpJob::Login {
        host: "r.example".into(),
        user: "u".into(),
        password: password.clone(),
    });
    let prompt = Prompt::Password {
        host: "r.example".into(),
        user: "u".into(),
        text: password,
    };
    for dbg in [
        format!("{effect:?}"),
        format!("{prompt:?}"),
        format!("{:?}", Action::from(InputKey::Hidden('s'))),
    ] {
        assert!(!dbg.contains("s3cret"), "{dbg}");
        assert!(!dbg.contains("'s'"), "{dbg}");
    }
}
