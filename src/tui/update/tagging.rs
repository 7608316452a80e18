//! Tags from the TUI: `t` adds tags to the manifest under the cursor; `ctrl-d` on a tag row
//! first asks "this tag only, or the whole graph?" (Cancel first); `m` writes the tree as
//! Mermaid. Keys arrive from `dialog.rs`, answers from `op_done.rs`.
use super::dialog_key::Key;
use super::nav::reload_tags;
use super::ops::{start_delete, target};
use crate::oci::Digest;
use crate::store::StoreKind;
use crate::tui::action::{Exported, UntagAnswer};
use crate::tui::effect::{Effect, ExportTo, OpJob, TermJob};
use crate::tui::state::dialog::{AddTagDialog, Dialog, ExportDialog, TagDeleteDialog};
use crate::tui::state::{Screen, State};
use std::collections::HashSet;
use std::path::PathBuf;

/// `sha256:abcd12345678…`
fn short(d: &Digest) -> String {
    format!("{}:{}…", d.algorithm().name(), d.short())
}

/// `t`: a prompt for new tag names.
pub fn add_tag(s: &mut State) -> Vec<Effect> {
    if !s.facts.writable {
        s.fail("add tag: this store is read-only (an OCI layout on a read-only filesystem)");
        return vec![];
    }
    let (Some(repo), Some((reference, label))) = (s.repo.clone(), target(s)) else {
        s.fail("add tag: move to a manifest first");
        return vec![];
    };
    let id = s.req();
    s.dialog = Some(Dialog::AddTag(AddTagDialog {
        id,
        repo,
        reference,
        label,
        text: String::new(),
        busy: false,
        error: None,
    }));
    vec![]
}

pub fn add_tag_key(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::AddTag(d)) = s.dialog.as_mut() else {
        return vec![];
    };
    match key {
        _ if d.busy => {}
        Key::Cancel => {
            s.dialog = None;
            s.say("no tag added");
        }
        Key::Submit => match d.tags() {
            Err(e) => d.error = Some(e),
            Ok(tags) => {
                d.busy = true;
                d.error = None;
                return vec![OpJob::AddTags {
                    id: d.id,
                    repo: d.repo.clone(),
                    reference: d.reference.clone(),
                    tags,
                }
                .into()];
            }
        },
        Key::Next | Key::Prev | Key::Complete | Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

pub fn tagged(
    s: &mut State,
    id: u64,
    result: Result<(Digest, Vec<String>), String>,
) -> Vec<Effect> {
    let Some(Dialog::AddTag(d)) = s
        .dialog
        .as_mut()
        .filter(|d| matches!(d, Dialog::AddTag(a) if a.id == id))
    else {
        return vec![];
    };
    match result {
        Err(e) => {
            d.busy = false;
            d.error = Some(e);
            vec![]
        }
        Ok((digest, tags)) => {
            let repo = d.repo.clone();
            s.dialog = None;
            s.say(format!("tagged {} as {}", short(&digest), tags.join(", ")));
            if s.repo.as_deref() == Some(repo.as_str()) {
                return reload_tags(s, &HashSet::new());
            }
            vec![]
        }
    }
}

/// `ctrl-d`: on one tag row (nothing marked, a writable store) the choice comes before any
/// plan; everything else goes to the plan as it always has.
pub fn delete(s: &mut State) -> Vec<Effect> {
    let tag = (s.facts.writable && s.marks.is_empty() && s.screen() == Screen::Tags)
        .then(|| {
            s.tags
                .view
                .selected()
                .and_then(|i| s.tags.rows.get(i))
                .and_then(|r| r.tag.clone())
        })
        .flatten();
    match (s.repo.clone(), tag) {
        (Some(repo), Some(tag)) => delete_choice(s, repo, tag),
        _ => super::ops::delete(s),
    }
}

fn delete_choice(s: &mut State, repo: String, tag: String) -> Vec<Effect> {
    let id = s.req();
    let mut d = TagDeleteDialog {
        id,
        repo,
        tag,
        layout: s.facts.kind == StoreKind::Layout,
        focus: 0,
        running: false,
        refused: None,
    };
    d.focus = d.cancel_focus();
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::TagDelete(d));
    vec![]
}

pub fn delete_choice_key(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::TagDelete(d)) = s.dialog.as_mut() else {
        return vec![];
    };
    let n = d.buttons().len() as i64;
    match key {
        _ if d.running => s.say("removing the tag…"),
        Key::Next | Key::Complete => d.focus = (d.focus as i64 + 1).rem_euclid(n) as usize,
        Key::Prev => d.focus = (d.focus as i64 - 1).rem_euclid(n) as usize,
        Key::Cancel => {
            s.dialog = None;
            s.say("delete cancelled — nothing was changed");
        }
        Key::Submit => match d.buttons().get(d.focus).copied() {
            Some(TagDeleteDialog::REMOVE) => {
                d.running = true;
                let fx = OpJob::Untag {
                    id: d.id,
                    repo: d.repo.clone(),
                    tag: d.tag.clone(),
                };
                s.say("removing the tag…");
                return vec![fx.into()];
            }
            Some(TagDeleteDialog::WHOLE) => {
                let (repo, tag) = (d.repo.clone(), d.tag.clone());
                return start_delete(s, repo, vec![tag]);
            }
            _ => {
                s.dialog = None;
                s.say("delete cancelled — nothing was changed");
            }
        },
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

pub fn untagged(s: &mut State, id: u64, result: Result<UntagAnswer, String>) -> Vec<Effect> {
    let Some(Dialog::TagDelete(d)) = s
        .dialog
        .as_mut()
        .filter(|d| matches!(d, Dialog::TagDelete(t) if t.id == id))
    else {
        return vec![];
    };
    d.running = false;
    match result {
        Ok(UntagAnswer::Removed(digest)) => {
            let (repo, tag) = (d.repo.clone(), d.tag.clone());
            s.dialog = None;
            s.say(format!(
                "removed the tag {tag}; {} stays, with any other tags",
                short(&digest)
            ));
            if s.repo.as_deref() == Some(repo.as_str()) {
                return reload_tags(s, &HashSet::new());
            }
            vec![]
        }
        Ok(UntagAnswer::Refused(why)) => {
            d.refused = Some(why);
            d.focus = d.cancel_focus();
            s.fail("the registry cannot remove this tag alone — nothing was changed");
            vec![]
        }
        Err(e) => {
            s.dialog = None;
            s.fail(format!("removing the tag failed, nothing was changed: {e}"));
            vec![]
        }
    }
}

/// `m`: where the tree's Mermaid text goes.
pub fn mermaid(s: &mut State) -> Vec<Effect> {
    let root = (s.screen() == Screen::Tree)
        .then(|| s.tree.nodes.first())
        .flatten()
        .map(|n| n.desc.digest.to_string());
    let Some(digest) = root else {
        s.fail("mermaid: open a tree first");
        return vec![];
    };
    let repo = s.tree.repo.clone();
    let title = match s.facts.kind {
        StoreKind::Registry => format!("{}/{repo}", s.facts.name),
        StoreKind::Layout => s.facts.name.clone(),
    };
    let id = s.req();
    s.dialog = Some(Dialog::Export(ExportDialog {
        id,
        path: ExportDialog::default_path(&repo, &digest),
        repo,
        digest,
        title,
        focus: 0,
        overwrite: None,
        busy: false,
        error: None,
    }));
    vec![]
}

pub fn export_key(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Export(d)) = s.dialog.as_mut() else {
        return vec![];
    };
    let n = ExportDialog::BUTTONS.len() as i64 + 1;
    match key {
        _ if d.busy => {}
        Key::Complete if d.focus == 0 => {
            return vec![OpJob::CompletePath {
                req: d.id,
                text: d.path.clone(),
                from: 0,
            }
            .into()]
        }
        Key::Next | Key::Complete => d.focus = (d.focus as i64 + 1).rem_euclid(n) as usize,
        Key::Prev => d.focus = (d.focus as i64 - 1).rem_euclid(n) as usize,
        Key::Cancel => {
            s.dialog = None;
            s.say("nothing exported");
        }
        Key::Submit => {
            let to = match d.focus {
                0 | 1 => {
                    let path = d.path.trim().to_string();
                    if path.is_empty() {
                        d.error = Some("name a file (tab completes paths)".into());
                        return vec![];
                    }
                    let overwrite = d.overwrite.as_deref() == Some(path.as_str());
                    ExportTo::File {
                        path: PathBuf::from(path),
                        overwrite,
                    }
                }
                2 => ExportTo::Clipboard,
                _ => {
                    s.dialog = None;
                    s.say("nothing exported");
                    return vec![];
                }
            };
            d.busy = true;
            d.error = None;
            return vec![OpJob::ExportMermaid {
                id: d.id,
                repo: d.repo.clone(),
                digest: d.digest.clone(),
                title: d.title.clone(),
                to,
            }
            .into()];
        }
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

pub fn exported(s: &mut State, id: u64, result: Result<Exported, String>) -> Vec<Effect> {
    let Some(Dialog::Export(d)) = s
        .dialog
        .as_mut()
        .filter(|d| matches!(d, Dialog::Export(e) if e.id == id))
    else {
        return vec![];
    };
    d.busy = false;
    match result {
        Ok(Exported::Exists(p)) => {
            d.error = Some(format!(
                "{p} exists — Write file again to overwrite it, or change the path"
            ));
            d.overwrite = Some(p);
            d.focus = 1;
            vec![]
        }
        Ok(Exported::File(p)) => {
            s.dialog = None;
            s.say(format!("wrote the tree as Mermaid to {p}"));
            vec![]
        }
        Ok(Exported::Clipboard(text)) => {
            s.dialog = None;
            s.say(format!(
                "copied the tree as Mermaid ({} lines) to the clipboard",
                text.lines().count()
            ));
            vec![TermJob::Copy(text).into()]
        }
        Err(e) => {
            d.error = Some(e);
            vec![]
        }
    }
}
