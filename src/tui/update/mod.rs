//! `update(&mut State, Action) -> Vec<Effect>`: plain, synchronous, unit-testable. It routes
//! each group of actions whole to one module:
//! - `Action::Ui`: keys on a screen → [`keys`], keys in a dialog → [`dialog`], typed text →
//!   [`prompt`] or [`dialog`];
//! - `Action::Load` (answers of store reads) → [`loaded`];
//! - `Action::Op` (answers of graph operations) → [`op_done`].
//!
//! [`nav`] opens screens and asks for their loads; [`ops`] starts graph operations; [`verify`]
//! asks for the verification of the signatures on screen.
mod copy;
mod dialog;
mod dialog_key;
mod doc_text;
mod keys;
mod loaded;
mod nav;
mod op_done;
pub(crate) mod ops;
mod order;
mod prompt;
mod tagging;
#[cfg(test)]
mod tests;
mod verify;
mod verify_text;

use super::action::{Action, Cmd, Ui};
use super::effect::Effect;
use super::state::{ContextRow, Screen, State};
use crate::oci::Descriptor;

/// Where the app starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// The registries of config.toml and the references opened recently.
    Contexts {
        contexts: Vec<crate::config::Context>,
        recent: Vec<String>,
        error: Option<String>,
    },
    /// A registry: the repositories pane.
    Repos,
    /// A repository's tags; `untagged` = manifests known without a tag (layout index.json).
    Tags {
        repo: String,
        untagged: Vec<Descriptor>,
    },
    /// A manifest, with the tags underneath to go back to.
    Ref {
        repo: String,
        reference: String,
        untagged: Vec<Descriptor>,
    },
}

/// Sets up the first screens and the effects that load them.
pub fn boot(s: &mut State, start: Start) -> Vec<Effect> {
    match start {
        Start::Contexts {
            contexts,
            recent,
            error,
        } => {
            s.stack = vec![Screen::Contexts];
            s.recent = recent.clone();
            s.contexts.rows = contexts
                .into_iter()
                .map(ContextRow::Registry)
                .chain(recent.into_iter().map(ContextRow::Recent))
                .collect();
            s.contexts.view.visible = (0..s.contexts.rows.len()).collect();
            if let Some(e) = &error {
                s.fail(format!("config: {e}"));
            }
            s.contexts.error = error;
            vec![]
        }
        Start::Repos => {
            s.stack = vec![Screen::Repos];
            nav::load_repos(s, None)
        }
        Start::Tags { repo, untagged } => nav::open_repo(s, repo, untagged),
        Start::Ref {
            repo,
            reference,
            untagged,
        } => {
            let mut fx = nav::open_repo(s, repo.clone(), untagged);
            fx.extend(nav::open_tree(s, &repo, &reference));
            fx
        }
    }
}

pub fn update(s: &mut State, a: Action) -> Vec<Effect> {
    let mut fx = match a {
        Action::Ui(u) => ui(s, u),
        Action::Load(l) => loaded::apply(s, l),
        Action::Op(o) => op_done::apply(s, o),
    };
    // Whatever moved the cursor or brought a digest in, the detail pane follows it, and the
    // signatures that came on screen are verified.
    fx.extend(nav::want_summary(s));
    fx.extend(verify::want(s));
    fx
}

fn ui(s: &mut State, u: Ui) -> Vec<Effect> {
    match u {
        Ui::Cmd(c) => command(s, c),
        Ui::Input(k) if s.dialog.is_some() => dialog::input(s, k),
        Ui::Input(k) => prompt::input(s, k),
        Ui::Resize(w, h) => {
            s.width = w;
            s.height = h;
            let bh = s.body_height();
            s.contexts.view.keep_in_view(bh);
            s.repos.view.keep_in_view(bh);
            s.tags.view.keep_in_view(bh);
            s.untagged.view.keep_in_view(bh);
            // More referrers than fit on the screen are grouped by kind.
            s.tree.group_over = bh.saturating_sub(2).max(8);
            let rows = s.tree.rows();
            s.tree.keep_in_view(&rows, bh);
            nav::want_details(s)
        }
        Ui::Scroll(n) => {
            let c = if n > 0 { Cmd::Down } else { Cmd::Up };
            (0..n.unsigned_abs().max(1))
                .flat_map(|_| command(s, c))
                .collect()
        }
        Ui::Click(row) => keys::click(s, row),
        Ui::Quit => {
            s.quit = true;
            vec![]
        }
        Ui::FlashExpired(seq) => {
            if s.flash.seq == seq && s.prompt.is_none() {
                s.flash.text.clear();
                s.flash.error = false;
            }
            vec![]
        }
    }
}

/// A command goes to the open dialog, else to the screen.
fn command(s: &mut State, c: Cmd) -> Vec<Effect> {
    if s.dialog.is_some() {
        dialog::command(s, c)
    } else {
        keys::command(s, c)
    }
}
