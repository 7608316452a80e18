//! Graph operations from the keyboard: attach, pull, delete, marks and the untagged view.
//! Dialog keys are handled here; the answers from effects are in `outcome.rs`.
use super::action::{Cmd, Effect, InputKey};
use super::dialog::{AttachForm, DeleteDialog, Dialog, PullDialog};
use super::state::{DetailState, Screen, State, TagRow, UntaggedList};
use std::path::PathBuf;

pub use super::outcome::result;

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
            Some((k.clone(), super::view::short_ref(&k)))
        }
        Screen::Untagged => {
            let d = selected_untagged(s)?;
            Some((d.clone(), super::view::short_ref(&d)))
        }
        _ => None,
    }
}

/// Digest of the untagged row under the cursor.
pub fn selected_untagged(s: &State) -> Option<String> {
    let u = &s.untagged;
    let row = u.view.selected().and_then(|i| u.rows.get(i))?;
    Some(row.descriptor.digest.to_string())
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
                .filter_map(|r| r.descriptor.artifact_type.clone()),
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
    vec![Effect::PlanDelete { id, repo, refs }]
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
        _ => {}
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

pub fn load_untagged(s: &mut State) -> Vec<Effect> {
    let Some(repo) = s.repo.clone() else {
        return vec![];
    };
    let req = s.req();
    s.untagged = UntaggedList {
        loading: true,
        req,
        ..Default::default()
    };
    s.say(format!("listing untagged manifests and orphans of {repo}…"));
    vec![Effect::LoadUntagged { req, repo }]
}

/// Typed text goes to the focused field.
pub fn dialog_input(s: &mut State, k: InputKey) -> Vec<Effect> {
    let edit = |text: &mut String| match &k {
        InputKey::Char(c) | InputKey::Hidden(c) => text.push(*c),
        InputKey::Backspace => {
            text.pop();
        }
        _ => {}
    };
    match (&k, s.dialog.as_mut()) {
        (InputKey::Submit, _) => return dialog_cmd(s, Cmd::Submit),
        (InputKey::Cancel, _) => return dialog_cmd(s, Cmd::Cancel),
        (_, Some(Dialog::Attach(f))) => {
            if let Some(text) = f.field_mut() {
                edit(text);
                f.candidates.clear();
                f.type_prefix = None;
                f.error = None;
            }
        }
        (_, Some(Dialog::Pull(p))) if !p.running && p.focus == 0 => edit(&mut p.dir),
        _ => {}
    }
    vec![]
}

/// Dialog keys: move focus, complete, activate, cancel.
pub fn dialog_cmd(s: &mut State, c: Cmd) -> Vec<Effect> {
    let Some(d) = s.dialog.as_mut() else {
        return vec![];
    };
    let step = match c {
        Cmd::DialogNext => 1,
        Cmd::DialogPrev => -1,
        _ => 0,
    };
    if let Cmd::PageDown | Cmd::PageUp = c {
        let page = s.body_height().saturating_sub(8).max(1) as i64;
        let d = if c == Cmd::PageDown { page } else { -page };
        s.dialog_scroll = (s.dialog_scroll as i64 + d).max(0) as usize;
        return vec![];
    }
    match d {
        Dialog::Attach(f) => match c {
            Cmd::Complete => f.complete(),
            Cmd::DialogNext | Cmd::DialogPrev => f.move_focus(step),
            Cmd::Cancel => return close(s, "attach cancelled — nothing was pushed"),
            Cmd::Submit => return submit_attach(s),
            _ => {}
        },
        Dialog::Pull(p) => match c {
            Cmd::Complete if !p.running && p.focus == 0 => {
                if let (Some(done), _) = super::dialog::complete_path(&p.dir) {
                    p.dir = done;
                }
            }
            Cmd::Complete | Cmd::DialogNext | Cmd::DialogPrev if !p.running => {
                let step = if c == Cmd::DialogPrev { -1 } else { 1 };
                p.focus = (p.focus as i64 + step).rem_euclid(3) as usize;
            }
            Cmd::Cancel if p.running => {
                p.cancelling = true;
                let id = p.id;
                s.say("cancelling the pull…");
                return vec![Effect::CancelPull { id }];
            }
            Cmd::Cancel => return close(s, "pull cancelled"),
            Cmd::Submit if !p.running && p.focus == 2 => return close(s, "pull cancelled"),
            Cmd::Submit if !p.running => {
                p.running = true;
                let dir = match p.dir.trim() {
                    "" => ".",
                    d => d,
                };
                let fx = Effect::Pull {
                    id: p.id,
                    repo: p.repo.clone(),
                    reference: p.reference.clone(),
                    dir: PathBuf::from(dir),
                };
                let msg = format!("pulling into {dir}… (esc cancels)");
                s.say(msg);
                return vec![fx];
            }
            _ => {}
        },
        Dialog::Delete(dd) => match c {
            _ if dd.running => s.say("deleting — this cannot be stopped half-way"),
            Cmd::Complete | Cmd::DialogNext | Cmd::DialogPrev => dd.focus = 1 - dd.focus.min(1),
            Cmd::Cancel => return close(s, "delete cancelled — nothing was changed"),
            Cmd::Submit if dd.focus == 0 && dd.plans.is_some() => {
                dd.running = true;
                let fx: Vec<Effect> = dd
                    .plans
                    .clone()
                    .map(|plans| Effect::Delete { id: dd.id, plans })
                    .into_iter()
                    .collect();
                s.say("deleting…");
                return fx;
            }
            Cmd::Submit => return close(s, "delete cancelled — nothing was changed"),
            _ => {}
        },
        Dialog::Report(_) => {
            if matches!(c, Cmd::Submit | Cmd::Cancel) {
                s.dialog = None;
            }
        }
    }
    vec![]
}

fn close(s: &mut State, why: &str) -> Vec<Effect> {
    s.dialog = None;
    s.say(why);
    vec![]
}

fn submit_attach(s: &mut State) -> Vec<Effect> {
    let Some(Dialog::Attach(f)) = s.dialog.as_mut() else {
        return vec![];
    };
    if f.busy.is_some() {
        return vec![];
    }
    match (f.button(), f.preview.clone()) {
        (Some("Cancel"), _) => close(s, "attach cancelled — nothing was pushed"),
        (Some("Edit"), _) => {
            f.preview = None;
            f.focus = 0;
            vec![]
        }
        (Some("Push"), Some(p)) => {
            f.busy = Some("pushing…");
            vec![Effect::Attach {
                req: f.req,
                repo: f.repo.clone(),
                subject: f.subject.clone(),
                request: p.request,
            }]
        }
        _ => match f.request() {
            Err(e) => {
                f.error = Some(e);
                vec![]
            }
            Ok(request) => {
                f.busy = Some("hashing the files and building the manifest…");
                f.error = None;
                vec![Effect::PreviewAttach {
                    req: f.req,
                    repo: f.repo.clone(),
                    subject: f.subject.clone(),
                    request,
                }]
            }
        },
    }
}

/// The tag rows minus the untagged rows that are gone; the tags are listed again.
pub fn reload_tags(
    s: &mut State,
    gone: &std::collections::HashSet<crate::oci::Digest>,
) -> Vec<Effect> {
    let Some(repo) = s.repo.clone() else {
        return vec![];
    };
    let req = s.req();
    let keep: Vec<TagRow> = s
        .tags
        .rows
        .iter()
        .filter(|r| r.tag.is_none())
        .filter(|r| {
            r.descriptor
                .as_ref()
                .is_none_or(|d| !gone.contains(&d.digest))
        })
        .cloned()
        .collect();
    s.tags.rows = keep;
    s.tags.details.clear();
    s.tags.wanted.clear();
    s.tags.loading = true;
    s.tags.keep_flash = true;
    s.tags.req = req;
    super::nav::rebuild_tags_visible(s);
    vec![Effect::LoadTags { req, repo }]
}
