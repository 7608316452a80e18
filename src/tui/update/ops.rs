//! Graph operations from the keyboard: attach, pull and delete open their dialogs (keys in
//! them: `dialog.rs`; answers: `op_done.rs`), marks for bulk delete, the untagged view.
use super::nav::load_untagged;
use crate::store::StoreKind;
use crate::tui::action::Cmd;
use crate::tui::effect::{Effect, OpJob, TermJob};
use crate::tui::label::short_ref;
use crate::tui::state::dialog::{AttachForm, CommandsDialog, DeleteDialog, Dialog, PullDialog};
use crate::tui::state::{DetailState, Fix, Screen, State};

/// The reference under the cursor (tag or digest) and a word for it.
pub(super) fn target(s: &State) -> Option<(String, String)> {
    match s.screen() {
        Screen::Tree => {
            let i = s.tree.selected()?;
            let n = s.tree.node(i)?;
            Some((n.desc.digest.to_string(), s.tree.label(i)))
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
        // A fix row is named by its tag: the plan removes or repairs it by name.
        Screen::Untagged => {
            let r = s.untagged.selected()?.reference();
            Some((r.clone(), short_ref(&r)))
        }
        Screen::Contexts | Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => {
            None
        }
    }
}

/// What `c` and `C` copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyWhat {
    Digest,
    Reference,
}

/// The digest under the cursor (a tag row's once its details are in; an untagged row's).
fn selected_digest(s: &State) -> Option<String> {
    match s.screen() {
        Screen::Untagged => s.untagged.selected_digest(),
        _ => s.selected_manifest().map(|(d, _)| d.to_string()),
    }
}

/// `host/repo@sha256:…` (a layout: `DIR@sha256:…`, as oras's `--oci-layout` takes it).
fn full_reference(s: &State, digest: &str) -> String {
    let repo = match s.screen() {
        Screen::Tree => s.tree.repo.clone(),
        _ => s.repo.clone().unwrap_or_default(),
    };
    match s.facts.kind {
        StoreKind::Registry => format!("{}/{repo}@{digest}", s.facts.name),
        StoreKind::Layout => format!("{}@{digest}", s.facts.name),
    }
}

/// `c` / `C`: the digest or the full reference to the clipboard (OSC 52), with a flash.
pub fn copy(s: &mut State, what: CopyWhat) -> Vec<Effect> {
    let Some(d) = selected_digest(s) else {
        s.fail("copy: move to a manifest first (its digest is not known yet)");
        return vec![];
    };
    let text = match what {
        CopyWhat::Digest => d,
        CopyWhat::Reference => full_reference(s, &d),
    };
    s.say(format!("copied {text}"));
    vec![TermJob::Copy(text).into()]
}

pub use crate::text::shell_word;

/// `!`: commands that act on the manifest under the cursor, to copy one.
pub fn copy_commands(s: &mut State) -> Vec<Effect> {
    let Some(d) = selected_digest(s) else {
        s.fail("copy: move to a manifest first (its digest is not known yet)");
        return vec![];
    };
    // A repository name is the registry's to choose: quoted where a shell would read it.
    let r = shell_word(&full_reference(s, &d));
    let (oras, crane, arbor) = match s.facts.kind {
        StoreKind::Layout => ("--oci-layout ", "", ""),
        StoreKind::Registry if s.facts.plain_http => {
            ("--plain-http ", "--insecure ", "--plain-http ")
        }
        StoreKind::Registry => ("", "", ""),
    };
    let arbor_ref = match s.facts.kind {
        StoreKind::Layout => format!("--oci-layout {} {d}", shell_word(&s.facts.name)),
        StoreKind::Registry => format!("{arbor}{r}"),
    };
    let mut items = vec![
        (
            "list what is attached".to_string(),
            format!("oras discover {oras}--format tree {r}"),
        ),
        (
            "the same, with arbor".to_string(),
            format!("arbor discover {arbor_ref}"),
        ),
        (
            "decode it".to_string(),
            format!("arbor inspect {arbor_ref}"),
        ),
        (
            "download its files".to_string(),
            format!("oras pull {oras}{r}"),
        ),
        (
            "the same, with arbor".to_string(),
            format!("arbor pull {arbor_ref} -o ."),
        ),
    ];
    if s.facts.kind == StoreKind::Registry {
        items.push((
            "its manifest, exactly".to_string(),
            format!("crane manifest {crane}{r}"),
        ));
    }
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::Commands(CommandsDialog { items, focus: 0 }));
    vec![]
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

/// True (with a flash) when the cursor is on a dangling tag: there is no manifest to act on.
fn on_dangling(s: &mut State, what: &str) -> bool {
    if s.screen() != Screen::Untagged || s.untagged.selected_fix() != Some(Fix::RemoveTag) {
        return false;
    }
    s.fail(format!(
        "{what}: this tag's manifest is gone; {} removes the tag",
        s.keymap.keys_of(Cmd::RemoveTag)
    ));
    true
}

pub fn attach(s: &mut State) -> Vec<Effect> {
    if read_only(s, "attach") || on_dangling(s, "attach") {
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
                .filter_map(|r| r.manifest().and_then(|m| m.artifact_type.clone())),
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
    if on_dangling(s, "pull") {
        return vec![];
    }
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
    // ctrl-d on a fix row is that row's fix (the same plan either way).
    let fix = match s.screen() {
        Screen::Untagged if s.marks.is_empty() => s.untagged.selected_fix(),
        _ => None,
    };
    plan(s, repo, refs, fix)
}

/// `x` / `r` on a dangling tag / stale fallback index row of the untagged view: the plan of
/// `plan_delete` for its tag (a dangling tag is removed by name; a stale index is rewritten
/// without its missing entries, or removed when its subject or every entry is gone), shown and
/// run by the delete dialog.
pub fn fix(s: &mut State, fix: Fix) -> Vec<Effect> {
    if read_only(s, fix.words()) {
        return vec![];
    }
    let row = match s.screen() {
        Screen::Untagged => s.untagged.selected().filter(|r| r.fix() == Some(fix)),
        _ => None,
    };
    let (Some(repo), Some(row)) = (s.repo.clone(), row) else {
        let what = match fix {
            Fix::RemoveTag => "a dangling tag",
            Fix::Repair => "a stale fallback index",
        };
        s.fail(format!(
            "{}: move to {what} in the untagged view (u) first",
            fix.words()
        ));
        return vec![];
    };
    let refs = vec![row.reference()];
    plan(s, repo, refs, Some(fix))
}

/// The plan dialog for `refs` (Cancel focused), planning started: a plain delete.
pub(super) fn start_delete(s: &mut State, repo: String, refs: Vec<String>) -> Vec<Effect> {
    plan(s, repo, refs, None)
}

/// Opens the plan dialog for `refs` and asks for the plan.
fn plan(s: &mut State, repo: String, refs: Vec<String>, fix: Option<Fix>) -> Vec<Effect> {
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
        fix,
    }));
    s.say(match fix {
        Some(f) => format!("planning: {}…", f.words()),
        None => "planning the delete…".into(),
    });
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
        Screen::Contexts | Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => {}
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
