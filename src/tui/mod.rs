//! The terminal app: key events become actions, `update` changes the state and asks for
//! effects, effects run against the [`Store`] and come back as actions, `draw` renders.
//! Nothing here speaks HTTP; everything goes through `Arc<dyn Store>`.
pub mod action;
mod app;
mod carried;
pub mod effect;
#[cfg(feature = "test-support")]
pub mod harness;
pub mod keymap;
pub mod label;
pub mod layout;
mod look;
pub mod prefs_file;
pub mod state;
pub mod tasks;
mod term;
pub mod update;
pub mod view;

use crate::connection::{open_registry, open_target, ConnectOptions, LoginOptions};
use crate::credentials::LookupOptions;
use crate::layout::LayoutStore;
use crate::oci::{media, Descriptor};
use crate::registry::{ClientOptions, RetryNotify};
use crate::store::Store;
use crate::verify::{VerifyConfig, VerifyOptions};
use anyhow::{Context, Result};
use state::StoreFacts;
use std::path::Path;
use std::sync::Arc;
use update::Start;

/// What the app opens: a store, header facts, and the first screen.
pub struct Opened {
    pub store: Arc<dyn Store>,
    pub facts: StoreFacts,
    pub start: Start,
    /// How `:login` reaches the registry and where it saves (the store's TLS settings).
    pub login: LoginOptions,
    /// How a context switch opens a registry.
    pub conn: ConnectOptions,
    /// Said at start (an unreadable config.toml, say).
    pub warnings: Vec<String>,
    /// What signatures are verified against (loaded once, at start).
    pub verify: Arc<VerifyConfig>,
}

/// How the TUI looks, from the command line (the rest comes from the environment and config).
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// `--theme dark|light|auto`.
    pub theme: Option<String>,
    /// `--key`, `--trust-policy`… (config.toml's `[verify]` fills what they leave out).
    pub verify: VerifyOptions,
}

/// Runs the terminal UI. A registry's retry waits ("rate limited, retrying in 2 s") reach
/// the flash line as they happen.
pub async fn run(target: Option<String>, mut conn: ConnectOptions, ui: UiOptions) -> Result<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let notices = tx.clone();
    // Set before opening: a context switch opens its registry with the same options.
    conn.client.on_retry = Some(RetryNotify::new(move |n| {
        let _ = notices.send(action::Action::Load(action::Loaded::Notice {
            text: n.to_string(),
            error: false,
        }));
    }));
    let config_path = crate::config::config_path();
    let config = config_path
        .as_deref()
        .map(crate::config::Config::load)
        .unwrap_or_else(|| Ok(Default::default()));
    let mut opened = open(target.as_deref(), &conn, config.as_ref().ok())?;
    if let (Err(e), Start::Tags { .. } | Start::Ref { .. } | Start::Repos) =
        (&config, &opened.start)
    {
        // Not fatal away from the contexts screen: said once at start, in the flash line.
        opened.warnings.push(format!("config: {e}"));
    }
    let (verify, warning) = load_verify(ui.verify, config.as_ref().ok());
    opened.verify = Arc::new(verify);
    opened.warnings.extend(warning);
    let look = look::choose(ui.theme, config.as_ref().ok().and_then(|c| c.theme.clone()));
    app::run(opened, look, tx, rx).await
}

/// What signatures are verified against: the flags, config.toml's `[verify]` for what they
/// leave out, Notation's own configuration. A file that cannot be used is said at start and
/// verification goes on without it (Notation's configuration alone, or nothing).
fn load_verify(
    flags: VerifyOptions,
    config: Option<&crate::config::Config>,
) -> (VerifyConfig, Option<String>) {
    let dir = crate::config::config_path().and_then(|p| p.parent().map(Path::to_path_buf));
    let o = match (config.and_then(|c| c.verify.as_ref()), dir) {
        (Some(v), Some(dir)) => flags.or_settings(v, &dir),
        _ => flags,
    };
    match VerifyConfig::load(&o) {
        Ok(c) => (c, None),
        Err(e) => (
            VerifyConfig::load(&VerifyOptions::default()).unwrap_or_else(|_| VerifyConfig::empty()),
            Some(format!(
                "signatures are not verified with what was given: {e}"
            )),
        ),
    }
}

/// Opens what the command line names: a layout (or the demo), a registry, a repository or a
/// reference; with nothing named, config.toml's contexts (or the demo when there are none).
pub fn open(
    target: Option<&str>,
    conn: &ConnectOptions,
    config: Option<&crate::config::Config>,
) -> Result<Opened> {
    if let Some(dir) = &conn.oci_layout {
        return open_layout(dir, target, false).map(|o| o.with_conn(conn));
    }
    let Some(t) = target else {
        let dir = crate::demo::demo_layout().context("opening the embedded demo layout")?;
        let mut opened = open_layout(&dir, None, true)?.with_conn(conn);
        let contexts = config.map(|c| c.registries.clone()).unwrap_or_default();
        if !contexts.is_empty() {
            let recent = crate::config::recent_path()
                .map(|p| crate::config::load_recent(&p))
                .unwrap_or_default();
            opened.start = Start::Contexts {
                contexts,
                recent,
                error: None,
            };
        }
        return Ok(opened);
    };
    if !t.contains('/') {
        let tg = open_registry(conn, t)?;
        let facts = facts_of(&tg, false);
        return Ok(Opened {
            store: tg.store,
            facts,
            start: Start::Repos,
            login: conn.login_options(),
            conn: conn.clone(),
            warnings: Vec::new(),
            verify: Arc::new(VerifyConfig::empty()),
        });
    }
    let tg = open_target(conn, Some(t), true)?;
    let facts = facts_of(&tg, false);
    let start = match tg.reference {
        Some(reference) => Start::Ref {
            repo: tg.repo,
            reference,
            untagged: Vec::new(),
        },
        None => Start::Tags {
            repo: tg.repo,
            untagged: Vec::new(),
        },
    };
    Ok(Opened {
        store: tg.store,
        facts,
        start,
        login: conn.login_options(),
        conn: conn.clone(),
        warnings: Vec::new(),
        verify: Arc::new(VerifyConfig::empty()),
    })
}

/// Opens an OCI layout; untagged index.json entries are listed as rows too.
pub fn open_layout(dir: &Path, reference: Option<&str>, demo: bool) -> Result<Opened> {
    let layout =
        LayoutStore::open(dir).with_context(|| format!("opening OCI layout {}", dir.display()))?;
    opened_layout(layout, reference, demo)
}

/// Opens an OCI layout for browsing only: every write action refused, the READ-ONLY badge shown.
pub fn open_layout_read_only(dir: &Path, reference: Option<&str>) -> Result<Opened> {
    let layout =
        LayoutStore::open(dir).with_context(|| format!("opening OCI layout {}", dir.display()))?;
    opened_layout(layout.read_only(), reference, false)
}

fn opened_layout(layout: LayoutStore, reference: Option<&str>, demo: bool) -> Result<Opened> {
    let repo = layout.repository_name().to_string();
    let untagged: Vec<Descriptor> = layout
        .index_entries()?
        .into_iter()
        .filter(|d| {
            d.annotations
                .as_ref()
                .is_none_or(|a| !a.contains_key(media::ANN_REF_NAME))
        })
        .collect();
    let store: Arc<dyn Store> = Arc::new(layout);
    let facts = store_facts(store.as_ref(), demo, false);
    let start = match reference
        .map(|r| r.trim_start_matches('@'))
        .filter(|r| !r.is_empty())
    {
        Some(r) => Start::Ref {
            repo,
            reference: r.to_string(),
            untagged,
        },
        None => Start::Tags { repo, untagged },
    };
    Ok(Opened {
        store,
        facts,
        start,
        login: LoginOptions::default(),
        conn: ConnectOptions::default(),
        warnings: Vec::new(),
        verify: Arc::new(VerifyConfig::empty()),
    })
}

impl Opened {
    /// The same, verifying signatures against `cfg`.
    pub fn with_verify(mut self, cfg: VerifyConfig) -> Opened {
        self.verify = Arc::new(cfg);
        self
    }

    /// The same, with the connection options a context switch starts from.
    pub fn with_conn(mut self, conn: &ConnectOptions) -> Opened {
        self.conn = conn.clone();
        self.login = conn.login_options();
        self
    }
}

fn facts_of(t: &crate::connection::Target, demo: bool) -> StoreFacts {
    let plain = t.registry.as_ref().is_some_and(|r| r.client().plain_http());
    store_facts(t.store.as_ref(), demo, plain)
}

fn store_facts(store: &dyn Store, demo: bool, plain_http: bool) -> StoreFacts {
    let i = store.info();
    StoreFacts {
        name: i.name,
        kind: i.kind,
        auth: i.auth,
        demo,
        referrers: None,
        listing: i.listing,
        writable: store.writable(),
        plain_http,
    }
}

/// Opens the app on any store (a registry store built by the caller, say) at `start`.
pub fn open_store(store: Arc<dyn Store>, start: Start) -> Opened {
    let facts = store_facts(store.as_ref(), false, false);
    let conn = ConnectOptions::new(ClientOptions::default(), LookupOptions::from_env(None));
    Opened {
        store,
        facts,
        start,
        login: conn.login_options(),
        conn,
        warnings: Vec::new(),
        verify: Arc::new(VerifyConfig::empty()),
    }
}
