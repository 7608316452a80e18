//! The copy dialog (`x`): the form, the library's plan, the copy with progress and cancel, the
//! result and "Open destination". Keys arrive from `dialog.rs`, answers from `op_done.rs`.
use super::dialog_key::Key;
use super::nav::reload_tags;
use super::ops::target;
use super::prompt::open_ref;
use crate::store::StoreKind;
use crate::tui::action::{CopyDone, CopyJob, CopyStatus, Place, Then};
use crate::tui::effect::{Control, Effect, OpJob};
use crate::tui::state::copy::{is_layout_path, CopyForm, CopyStage};
use crate::tui::state::dialog::Dialog;
use crate::tui::state::{ContextRow, Screen, State};
use std::collections::HashSet;

/// `x`: the form on the manifest under the cursor.
pub fn open(s: &mut State) -> Vec<Effect> {
    let (Some(repo), Some((mut reference, label))) = (s.repo.clone(), target(s)) else {
        s.fail("copy: move to a manifest first");
        return vec![];
    };
    // The root of a tree opened by tag is copied by that tag (the destination keeps it).
    let root_tag = &s.tree.reference;
    if s.screen() == Screen::Tree
        && s.tree.selected() == Some(0)
        && !root_tag.is_empty()
        && root_tag.parse::<crate::oci::Digest>().is_err()
    {
        reference = root_tag.clone();
    }
    let id = s.req();
    let mut f = CopyForm::new(id, repo, reference, label);
    f.known = known_places(s);
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::Copy(Box::new(f)));
    vec![]
}

/// What destination completion offers: this registry and repository, config.toml's
/// registries, the references opened recently.
fn known_places(s: &State) -> Vec<String> {
    let mut out = Vec::new();
    if s.facts.kind == StoreKind::Registry {
        if let Some(r) = &s.repo {
            out.push(format!("{}/{r}", s.facts.name));
        }
        out.push(format!("{}/", s.facts.name));
    }
    for r in &s.contexts.rows {
        match r {
            ContextRow::Registry(c) => out.push(format!("{}/", c.host)),
            ContextRow::Recent(r) => out.push(r.clone()),
        }
    }
    out.extend(s.recent.iter().cloned());
    let mut seen = HashSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out
}

/// Typed text: into the focused field; space on Recursive toggles it.
pub fn input(f: &mut CopyForm, c: Option<char>) {
    if !matches!(f.stage, CopyStage::Form) {
        return;
    }
    if f.focus == 1 {
        if c == Some(' ') {
            f.recursive = !f.recursive;
        }
        return;
    }
    if let Some(text) = f.field_mut() {
        match c {
            Some(c) => text.push(c),
            None => {
                text.pop();
            }
        }
        f.candidates.clear();
        f.prefix = None;
        f.error = None;
    }
}

pub fn key(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Copy(f)) = s.dialog.as_mut() else {
        return vec![];
    };
    if let CopyStage::Running(_) = f.stage {
        return match key {
            // Enter on the one button (Cancel), esc, ctrl-c: stop where it stands.
            Key::Cancel | Key::Submit if !f.cancelling => {
                f.cancelling = true;
                let id = f.id;
                s.say("cancelling the copy…");
                vec![Control::CancelPull { id }.into()]
            }
            Key::Cancel
            | Key::Submit
            | Key::Next
            | Key::Prev
            | Key::Complete
            | Key::PageUp
            | Key::PageDown
            | Key::Other => vec![],
        };
    }
    if f.busy.is_some() && key != Key::Cancel {
        return vec![];
    }
    match key {
        // Tab on the destination: a path from the filesystem for a layout, else a known place.
        Key::Complete if matches!(f.stage, CopyStage::Form) && f.focus == 0 => {
            if is_layout_path(&f.destination) {
                return vec![OpJob::CompletePath {
                    req: f.id,
                    text: f.destination.clone(),
                    from: 0,
                }
                .into()];
            }
            f.cycle_destination();
        }
        Key::Complete | Key::Next => f.move_focus(1),
        Key::Prev => f.move_focus(-1),
        Key::Cancel => return close(s),
        Key::Submit => return submit(s),
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

fn close(s: &mut State) -> Vec<Effect> {
    let done = matches!(
        &s.dialog,
        Some(Dialog::Copy(f)) if matches!(f.stage, CopyStage::Done(Ok(_)))
    );
    s.dialog = None;
    if !done {
        s.say("copy cancelled — nothing was copied");
    }
    vec![]
}

/// Enter: toggles Recursive, or acts on the focused button (on a text field: Preview).
fn submit(s: &mut State) -> Vec<Effect> {
    let Some(Dialog::Copy(f)) = s.dialog.as_mut() else {
        return vec![];
    };
    if matches!(f.stage, CopyStage::Form) && f.focus == 1 {
        f.recursive = !f.recursive;
        return vec![];
    }
    match f.button() {
        Some("Cancel") | Some("Close") => close(s),
        Some("Edit") => {
            f.stage = CopyStage::Form;
            f.focus = 0;
            f.error = None;
            vec![]
        }
        Some("Copy") => {
            let CopyStage::Preview(job) = &f.stage else {
                return vec![];
            };
            let job = job.clone();
            f.stage = CopyStage::Running(Box::new(initial_status(&job)));
            f.focus = 0;
            let fx = OpJob::Copy {
                id: f.id,
                repo: f.repo.clone(),
                job,
            };
            s.say("copying… (esc cancels; the destination stays consistent)");
            vec![fx.into()]
        }
        Some("Open destination") => {
            let CopyStage::Done(Ok(d)) = &f.stage else {
                return vec![];
            };
            let place = d.place.clone();
            s.dialog = None;
            open_place(s, place)
        }
        _ => match f.request() {
            Err(e) => {
                f.error = Some(e);
                vec![]
            }
            Ok(r) => {
                f.error = None;
                f.busy = Some("planning… (what to copy, and what the destination has already)");
                vec![OpJob::PlanCopy {
                    id: f.id,
                    repo: f.repo.clone(),
                    reference: f.reference.clone(),
                    destination: r.destination,
                    layout: r.layout,
                    recursive: r.recursive,
                    platforms: r.platforms,
                }
                .into()]
            }
        },
    }
}

/// Totals known from the plan before the first byte moves.
fn initial_status(job: &CopyJob) -> CopyStatus {
    let plan = &job.0.plan;
    let moving: Vec<_> = plan
        .blobs
        .iter()
        .filter(|b| b.action != crate::copy::BlobAction::Present)
        .collect();
    CopyStatus {
        bytes_total: moving.iter().map(|b| b.descriptor.size.max(0) as u64).sum(),
        blobs_total: moving.len(),
        manifests_total: plan.manifests_to_push(),
        ..Default::default()
    }
}

/// "Open destination": the same store by reference, another registry as a context is opened.
fn open_place(s: &mut State, place: Place) -> Vec<Effect> {
    let spell = |repo: &str, r: &str| {
        if r.parse::<crate::oci::Digest>().is_ok() {
            format!("{repo}@{r}")
        } else {
            format!("{repo}:{r}")
        }
    };
    match place {
        Place::Here { repo, reference } => open_ref(s, &spell(&repo, &reference)),
        Place::Registry {
            host,
            repo,
            reference,
        } => {
            let context = s
                .contexts
                .rows
                .iter()
                .find_map(|r| match r {
                    ContextRow::Registry(c) if c.host == host => Some(c.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| crate::config::Context {
                    name: host.clone(),
                    host: host.clone(),
                    ..Default::default()
                });
            s.say(format!("connecting to {host}…"));
            vec![Control::Connect {
                context,
                then: Then::Ref(repo, reference),
            }
            .into()]
        }
        Place::Layout {
            dir,
            repo,
            reference,
        } => {
            s.say(format!("opening the OCI layout {}…", dir.display()));
            vec![Control::OpenLayout {
                dir,
                then: Then::Ref(repo, reference),
            }
            .into()]
        }
    }
}

/// The copy dialog answers with `id` are for, if it is still open.
fn form_mut(s: &mut State, id: u64) -> Option<&mut CopyForm> {
    match s.dialog.as_mut() {
        Some(Dialog::Copy(f)) if f.id == id => Some(f),
        _ => None,
    }
}

/// The plan arrived: shown with Copy focused (nothing has been written).
pub fn planned(s: &mut State, id: u64, result: Result<CopyJob, String>) -> Vec<Effect> {
    let Some(f) = form_mut(s, id) else {
        return vec![];
    };
    f.busy = None;
    match result {
        Ok(job) => {
            f.stage = CopyStage::Preview(job);
            f.focus = 0;
            s.dialog_scroll = 0;
            s.say("review the plan — nothing is copied until Copy");
        }
        Err(e) => f.error = Some(e),
    }
    vec![]
}

pub fn progress(s: &mut State, id: u64, status: Box<CopyStatus>) -> Vec<Effect> {
    if let Some(f) = form_mut(s, id).filter(|f| matches!(f.stage, CopyStage::Running(_))) {
        f.stage = CopyStage::Running(status);
    }
    vec![]
}

/// The copy ended: its report (ending with the root digest), or why it stopped, in the dialog.
pub fn copied(s: &mut State, id: u64, result: Result<CopyDone, String>) -> Vec<Effect> {
    let Some(f) = form_mut(s, id) else {
        return vec![];
    };
    f.cancelling = false;
    f.focus = 0;
    f.stage = CopyStage::Done(result.clone());
    match result {
        Ok(d) => {
            s.say(format!("copied: root {}", d.root));
            match d.place {
                Place::Here { repo, .. } if Some(&repo) == s.repo.as_ref() => {
                    reload_tags(s, &HashSet::new())
                }
                Place::Here { .. } | Place::Registry { .. } | Place::Layout { .. } => vec![],
            }
        }
        Err(e) => {
            s.fail(format!("copy stopped: {e}"));
            vec![]
        }
    }
}
