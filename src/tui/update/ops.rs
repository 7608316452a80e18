//! Graph operations from the keyboard: attach, pull and delete open their dialogs (keys in
//! them: `dialog.rs`; answers: `op_done.rs`), marks for bulk delete, the untagged view.
use super::nav::load_untagged;
use crate::tui::action::Cmd;
use crate::tui::effect::{Effect, OpJob};
use crate::tui::label::short_ref;
use crate::tui::state::dialog::{AttachForm, DeleteDialog, Dialog, PullDialog};
use crate::tui::state::{DetailState, Screen, State};

/// The reference under the cursor (tag or digest) and a word for it.
fn target(s: &State) -> Option<(String, String)> {
    match s.screen() {
        Screen::Tree => {
            let n = s.tree.node(s.tree.cursor)?;
            Some((n.desc.digest.to_string(), s.tree.label(s.tree.cursor)))
        }
        Screen::Tags => {
            let k = s
                .tags
                .view
                .selected()
                .and_then(|i| s.tags.rows.get(i))?
                .key();
            Some((k.clone(), short_ref(&k)))
        }
        Screen::Untagged => {
            let d = s.untagged.selected_digest()?;
            Some((d.clone(), short_ref(&d)))
        }
        Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => None,
    }
}

fn read_only(s: &mut State, what: &str) -> bool {
    if s.facts.writable {
        return false;
    }
    s.fail(format!(
        "{what}: this store is read-only (an OCI layout); {what} needs a registry"
    ));
    true
}

pub fn attach(s: &mut State) -> Vec<Effect> {
    if read_only(s, "attach") {
        return vec![];
    }
    let (Some(repo), Some((subject, label))) = (s.repo.clone(), target(s)) else {
        s.fail("attach: move to a manifest first");
        return vec![];
    };
    let mut seen: Vec<String> = s
        .tree
        .nodes
        .iter()
        .filter_map(|n| n.desc.artifact_type.clone())
        .chain(s.tags.details.values().filter_map(|d| match d {
            DetailState::Ready(d) => d.artifact_type.clone(),
            DetailState::Failed(_) => None,
        }))
        .chain(
            s.untagged
                .rows
                .iter()
                .filter_map(|r| r.artifact_type.clone()),
        )
        .filter(|t| t != crate::oci::media::OCI_CONFIG && t != crate::oci::media::DOCKER_CONFIG)
        .collect();
    seen.sort();
    seen.dedup();
    let req = s.req();
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::Attach(Box::new(AttachForm {
        req,
        repo,
        subject,
        label,
        seen_types: seen,
        ..Default::default()
    })));
    vec![]
}

pub fn pull(s: &mut State) -> Vec<Effect> {
    let (Some(repo), Some((reference, label))) = (s.repo.clone(), target(s)) else {
        s.fail("pull: move to a manifest first");
        return vec![];
    };
    let id = s.req();
    s.dialog = Some(Dialog::Pull(PullDialog {
        id,
        repo,
        reference,
        label,
        dir: ".".into(),
        focus: 0,
        running: false,
        cancelling: false,
        status: Default::default(),
    }));
    vec![]
}

pub fn delete(s: &mut State) -> Vec<Effect> {
    if read_only(s, "delete") {
        return vec![];
    }
    let Some(repo) = s.repo.clone() else {
        s.fail("delete: open a repository first");
        return vec![];
    };
    let refs: Vec<String> = if s.marks.is_empty() {
        target(s).map(|t| vec![t.0]).unwrap_or_default()
    } else {
        s.marks.iter().cloned().collect()
    };
    if refs.is_empty() {
        s.fail("delete: move to a manifest (or mark some with space) first");
        return vec![];
    }
    let id = s.req();
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::Delete(DeleteDialog {
        id,
        repo: repo.clone(),
        refs: refs.clone(),
        plans: None,
        focus: 1,
        running: false,
        deleted: 0,
    }));
    s.say("planning the delete…");
    vec![OpJob::PlanDelete { id, repo, refs }.into()]
}

pub fn mark(s: &mut State) {
    let Some((r, label)) = target(s) else {
        s.fail("mark: nothing to mark here");
        return;
    };
    if !s.marks.remove(&r) {
        s.marks.insert(r);
        s.say(format!(
            "marked {label} ({} marked; {} deletes them)",
            s.marks.len(),
            s.keymap.keys_of(Cmd::Delete)
        ));
    } else {
        s.say(format!("unmarked {label} ({} marked)", s.marks.len()));
    }
    let bh = s.body_height() as i64;
    // Marking moves on, as in a file manager.
    match s.screen() {
        Screen::Tags => s.tags.view.move_by(1, bh as usize),
        Screen::Untagged => s.untagged.view.move_by(1, bh as usize),
        Screen::Tree => s.tree.move_by(1, bh as usize),
        Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => {}
    }
}

pub fn toggle_untagged(s: &mut State) -> Vec<Effect> {
    if s.screen() == Screen::Untagged {
        s.stack.pop();
        s.say("tags");
        return vec![];
    }
    s.stack.push(Screen::Untagged);
    load_untagged(s)
}
