//! Keys while a dialog is open: typed text goes to the focused field; the dialog keys move
//! focus, complete, activate the focused button or cancel. Nothing else reaches the screen.
use super::dialog_key::Key;
use crate::tui::action::{Cmd, InputKey};
use crate::tui::effect::{Control, Effect, OpJob, TermJob};
use crate::tui::state::dialog::Dialog;
use crate::tui::state::State;
use std::path::PathBuf;

/// Typed text goes to the focused field; enter and esc act as the dialog keys.
pub fn input(s: &mut State, k: InputKey) -> Vec<Effect> {
    let c = match k {
        InputKey::Submit => return command(s, Cmd::Submit),
        InputKey::Cancel => return command(s, Cmd::Cancel),
        InputKey::Char(c) | InputKey::Hidden(c) => Some(c),
        InputKey::Backspace => None,
    };
    let edit = |text: &mut String| match c {
        Some(c) => text.push(c),
        None => {
            text.pop();
        }
    };
    match s.dialog.as_mut() {
        Some(Dialog::Attach(f)) => {
            if let Some(text) = f.field_mut() {
                edit(text);
                f.candidates.clear();
                f.type_prefix = None;
                f.error = None;
            }
        }
        Some(Dialog::Pull(p)) if !p.running && p.focus == 0 => edit(&mut p.dir),
        Some(Dialog::Copy(f)) => super::copy::input(f, c),
        Some(Dialog::AddTag(d)) if !d.busy => {
            edit(&mut d.text);
            d.error = None;
        }
        Some(Dialog::Export(d)) if !d.busy && d.focus == 0 => {
            edit(&mut d.path);
            d.overwrite = None;
            d.error = None;
        }
        Some(
            Dialog::Pull(_)
            | Dialog::Delete(_)
            | Dialog::Report(_)
            | Dialog::Commands(_)
            | Dialog::AddTag(_)
            | Dialog::TagDelete(_)
            | Dialog::Export(_),
        )
        | None => {}
    }
    vec![]
}

/// Dialog keys: move focus, complete, activate, cancel.
pub fn command(s: &mut State, c: Cmd) -> Vec<Effect> {
    let key = Key::from(c);
    if let Key::PageDown | Key::PageUp = key {
        let page = s.body_height().saturating_sub(8).max(1) as i64;
        let d = if key == Key::PageDown { page } else { -page };
        s.dialog_scroll = (s.dialog_scroll as i64 + d).max(0) as usize;
        return vec![];
    }
    match s.dialog.as_ref() {
        Some(Dialog::Attach(_)) => attach(s, key),
        Some(Dialog::Pull(_)) => pull(s, key),
        Some(Dialog::Delete(_)) => delete(s, key),
        Some(Dialog::Report(_)) => {
            if let Key::Submit | Key::Cancel = key {
                s.dialog = None;
            }
            vec![]
        }
        Some(Dialog::Commands(_)) => commands(s, key),
        Some(Dialog::Copy(_)) => super::copy::key(s, key),
        Some(Dialog::AddTag(_)) => super::tagging::add_tag_key(s, key),
        Some(Dialog::TagDelete(_)) => super::tagging::delete_choice_key(s, key),
        Some(Dialog::Export(_)) => super::tagging::export_key(s, key),
        None => vec![],
    }
}

fn attach(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Attach(f)) = s.dialog.as_mut() else {
        return vec![];
    };
    match key {
        // Tab: a path from the filesystem (an effect), an artifact type seen here, or move on.
        Key::Complete => match (f.preview.is_none(), f.focus) {
            (true, 0) => {
                return vec![OpJob::CompletePath {
                    req: f.req,
                    text: f.files.clone(),
                    from: f.last_path_start(),
                }
                .into()]
            }
            (true, 1) => f.cycle_type(),
            _ => f.move_focus(1),
        },
        Key::Next => f.move_focus(1),
        Key::Prev => f.move_focus(-1),
        Key::Cancel => return close(s, "attach cancelled — nothing was pushed"),
        Key::Submit => return submit_attach(s),
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

fn pull(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Pull(p)) = s.dialog.as_mut() else {
        return vec![];
    };
    match key {
        Key::Complete if !p.running && p.focus == 0 => {
            return vec![OpJob::CompletePath {
                req: p.id,
                text: p.dir.clone(),
                from: 0,
            }
            .into()]
        }
        Key::Complete | Key::Next | Key::Prev if !p.running => {
            let step = if key == Key::Prev { -1 } else { 1 };
            p.focus = (p.focus as i64 + step).rem_euclid(3) as usize;
        }
        Key::Cancel if p.running => {
            p.cancelling = true;
            let id = p.id;
            s.say("cancelling the pull…");
            return vec![Control::CancelPull { id }.into()];
        }
        Key::Cancel => return close(s, "pull cancelled"),
        Key::Submit if !p.running && p.focus == 2 => return close(s, "pull cancelled"),
        Key::Submit if !p.running => {
            p.running = true;
            let dir = match p.dir.trim() {
                "" => ".",
                d => d,
            };
            let fx = OpJob::Pull {
                id: p.id,
                repo: p.repo.clone(),
                reference: p.reference.clone(),
                dir: PathBuf::from(dir),
            };
            let msg = format!("pulling into {dir}… (esc cancels)");
            s.say(msg);
            return vec![fx.into()];
        }
        Key::Complete
        | Key::Next
        | Key::Prev
        | Key::Submit
        | Key::PageUp
        | Key::PageDown
        | Key::Other => {}
    }
    vec![]
}

fn delete(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Delete(dd)) = s.dialog.as_mut() else {
        return vec![];
    };
    match key {
        _ if dd.running => s.say("deleting — this cannot be stopped half-way"),
        Key::Complete | Key::Next | Key::Prev => dd.focus = 1 - dd.focus.min(1),
        Key::Cancel => return close(s, "delete cancelled — nothing was changed"),
        Key::Submit if dd.focus == 0 && dd.plans.is_some() => {
            dd.running = true;
            let fx: Vec<Effect> = dd
                .plans
                .clone()
                .map(|plans| OpJob::Delete { id: dd.id, plans }.into())
                .into_iter()
                .collect();
            s.say("deleting…");
            return fx;
        }
        Key::Submit => return close(s, "delete cancelled — nothing was changed"),
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

/// The "copy as command" list: move, enter copies the focused command.
fn commands(s: &mut State, key: Key) -> Vec<Effect> {
    let Some(Dialog::Commands(c)) = s.dialog.as_mut() else {
        return vec![];
    };
    let n = c.items.len().max(1) as i64;
    match key {
        Key::Next | Key::Complete => c.focus = (c.focus as i64 + 1).rem_euclid(n) as usize,
        Key::Prev => c.focus = (c.focus as i64 - 1).rem_euclid(n) as usize,
        Key::Cancel => return close(s, "nothing copied"),
        Key::Submit => {
            let Some((_, cmd)) = c.items.get(c.focus).cloned() else {
                return close(s, "nothing copied");
            };
            s.dialog = None;
            s.say(format!("copied {cmd}"));
            return vec![TermJob::Copy(cmd).into()];
        }
        Key::PageUp | Key::PageDown | Key::Other => {}
    }
    vec![]
}

fn close(s: &mut State, why: &str) -> Vec<Effect> {
    s.dialog = None;
    s.say(why);
    vec![]
}

/// Enter in the attach form: Preview (asks for the manifest), Push (exactly the previewed
/// request), Edit (back to the fields), Cancel.
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
            vec![OpJob::Attach {
                req: f.req,
                repo: f.repo.clone(),
                subject: f.subject.clone(),
                request: p.request,
            }
            .into()]
        }
        _ => match f.request() {
            Err(e) => {
                f.error = Some(e);
                vec![]
            }
            Ok(request) => {
                f.busy = Some("hashing the files and building the manifest…");
                f.error = None;
                vec![OpJob::PreviewAttach {
                    req: f.req,
                    repo: f.repo.clone(),
                    subject: f.subject.clone(),
                    request,
                }
                .into()]
            }
        },
    }
}
