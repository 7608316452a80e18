//! The terminal app: key events become actions, `update` changes the state and asks for
//! effects, effects run against the [`Store`] and come back as actions, `draw` renders.
//! Nothing here speaks HTTP; everything goes through `Arc<dyn Store>`.
pub mod action;
mod app;
pub mod effect;
#[cfg(feature = "test-support")]
pub mod harness;
pub mod keymap;
pub mod label;
pub mod layout;
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
}

/// Runs the terminal UI. A registry's retry waits ("rate limited, retrying in 2 s") reach
/// the flash line as they happen.
pub async fn run(target: Option<String>, mut conn: ConnectOptions) -> Result<()> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let notices = tx.clone();
    conn.client.on_retry = Some(RetryNotify::new(move |n| {
        let _ = notices.send(action::Action::Load(action::Loaded::Notice {
            text: n.to_string(),
            error: false,
        }));
    }));
    let opened = open(target.as_deref(), &conn)?;
    app::run(opened, tx, rx).await
}

/// Opens what the command line names: a layout (or the demo), a registry, a repository or a reference.
pub fn open(target: Option<&str>, conn: &ConnectOptions) -> Result<Opened> {
    if let Some(dir) = &conn.oci_layout {
        return open_layout(dir, target, false);
    }
    let Some(t) = target else {
        let dir = crate::demo::demo_layout().context("opening the embedded demo layout")?;
        return open_layout(&dir, None, true);
    };
    if !t.contains('/') {
        let store = open_registry(conn, t)?.store;
        let facts = facts_of(store.as_ref(), false);
        return Ok(Opened {
            store,
            facts,
            start: Start::Repos,
            login: conn.login_options(),
        });
    }
    let tg = open_target(conn, Some(t), true)?;
    let facts = facts_of(tg.store.as_ref(), false);
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
    })
}

/// Opens an OCI layout; untagged index.json entries are listed as rows too.
pub fn open_layout(dir: &Path, reference: Option<&str>, demo: bool) -> Result<Opened> {
    let layout =
        LayoutStore::open(dir).with_context(|| format!("opening OCI layout {}", dir.display()))?;
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
    let facts = facts_of(store.as_ref(), demo);
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
    })
}

fn facts_of(store: &dyn Store, demo: bool) -> StoreFacts {
    let i = store.info();
    StoreFacts {
        name: i.name,
        kind: i.kind,
        auth: i.auth,
        demo,
        referrers: None,
        writable: store.writable(),
    }
}

/// Opens the app on any store (a registry store built by the caller, say) at `start`.
pub fn open_store(store: Arc<dyn Store>, start: Start) -> Opened {
    let facts = facts_of(store.as_ref(), false);
    Opened {
        store,
        facts,
        start,
        login: LoginOptions {
            client: ClientOptions::default(),
            lookup: LookupOptions::from_env(None),
        },
    }
}
