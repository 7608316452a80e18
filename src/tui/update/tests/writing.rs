//! The issue-14 write paths, step by step: the copy form (plan, run, cancel, result, open the
//! destination), `t` add tags, the tag row's delete choice, `m` Mermaid export.
use super::{desc, next_req, tags, tree};
use crate::tui::action::{
    Action, Cmd, CopyDone, CopyJob, CopyPrepared, Exported, InputKey, OpDone, Place, Then,
    UntagAnswer,
};
use crate::tui::effect::{Control, Effect, ExportTo, OpJob, TermJob};
use crate::tui::state::copy::{CopyForm, CopyStage};
use crate::tui::state::dialog::{Dialog, ExportDialog, TagDeleteDialog};
use crate::tui::state::{Screen, State};
use crate::tui::update::update;
use std::path::PathBuf;
use std::sync::Arc;

fn step(s: &mut State, a: impl Into<Action>) -> Vec<String> {
    update(s, a.into())
        .iter()
        .map(|e| format!("{e:?}"))
        .collect()
}

fn show(fx: Vec<Effect>) -> Vec<String> {
    fx.iter().map(|e| format!("{e:?}")).collect()
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        assert!(step(s, InputKey::Char(c)).is_empty());
    }
}

fn form(s: &State) -> &CopyForm {
    match &s.dialog {
        Some(Dialog::Copy(f)) => f,
        other => panic!("copy form: {other:?}"),
    }
}

/// A planned copy of nothing much, against a layout store in `dir`.
fn job(dir: &std::path::Path, place: Place) -> CopyJob {
    let store = crate::layout::LayoutStore::open_or_create(dir).expect("layout");
    let root = desc("v1");
    CopyJob(Arc::new(CopyPrepared {
        plan: crate::copy::CopyPlan {
            source: "reg.example/app@x".into(),
            destination: "other.example/mirror".into(),
            root,
            source_root: None,
            recursive: true,
            manifests: Vec::new(),
            blobs: Vec::new(),
            tags: Vec::new(),
            destination_referrers: None,
            notes: Vec::new(),
        },
        opts: Default::default(),
        lines: vec!["Copy reg.example/app@x -> other.example/mirror (with referrers)".into()],
        destination: Arc::new(store),
        destination_repo: "mirror".into(),
        place,
    }))
}

/// Marks the open copy as running and answers it as finished into `place`.
fn finish(s: &mut State, id: u64, place: Place) {
    if let Some(Dialog::Copy(f)) = &mut s.dialog {
        f.stage = CopyStage::Running(Default::default());
    }
    step(
        s,
        OpDone::Copied {
            id,
            result: Ok(CopyDone {
                lines: vec!["Copied a -> b".into()],
                root: desc("v1").digest,
                place,
            }),
        },
    );
}

#[test]
fn copy_form_checks_what_was_typed_then_asks_for_a_plan() {
    let mut s = tags();
    let id = next_req(&s);
    assert!(step(&mut s, Cmd::CopyGraph).is_empty());
    let f = form(&s);
    assert!(f.recursive, "recursive is on by default");
    assert_eq!(f.reference, "v1");
    assert_eq!(
        f.known[0], "reg.example/app",
        "this registry's repository first"
    );
    // Nothing typed: said inline, nothing asked of the library.
    assert!(step(&mut s, Cmd::Submit).is_empty());
    assert!(form(&s)
        .error
        .as_deref()
        .unwrap()
        .contains("name a destination"));
    // Tab offers the known places that contain what was typed.
    typed(&mut s, "reg.ex");
    assert!(step(&mut s, Cmd::Complete).is_empty());
    assert_eq!(form(&s).destination, "reg.example/app");
    assert!(form(&s).error.is_none(), "typing clears the error");
    for _ in 0.."reg.example/app".len() {
        step(&mut s, InputKey::Backspace);
    }
    typed(&mut s, "other.example/mirror:v9");
    // Space on Recursive toggles it; a bad platform is refused inline.
    step(&mut s, Cmd::DialogNext);
    step(&mut s, InputKey::Char(' '));
    assert!(!form(&s).recursive);
    step(&mut s, InputKey::Char(' '));
    step(&mut s, Cmd::DialogNext);
    typed(&mut s, "linux");
    assert!(step(&mut s, Cmd::Submit).is_empty());
    assert!(form(&s).error.is_some(), "{:?}", form(&s).error);
    typed(&mut s, "/amd64, linux/arm64/v8");
    let fx = step(&mut s, Cmd::Submit);
    let want = show(vec![OpJob::PlanCopy {
        id,
        repo: "app".into(),
        reference: "v1".into(),
        destination: "other.example/mirror:v9".into(),
        layout: false,
        recursive: true,
        platforms: vec![
            "linux/amd64".parse().unwrap(),
            "linux/arm64/v8".parse().unwrap(),
        ],
    }
    .into()]);
    assert_eq!(fx, want);
    assert!(form(&s).busy.is_some());
}

#[test]
fn destination_completion_offers_contexts_and_recent_references() {
    let mut s = tags();
    s.contexts.rows = vec![crate::tui::state::ContextRow::Registry(
        crate::config::Context {
            name: "prod".into(),
            host: "registry.example.com".into(),
            ..Default::default()
        },
    )];
    s.recent = vec!["reg.example/other:v3".into()];
    step(&mut s, Cmd::CopyGraph);
    assert_eq!(
        form(&s).known,
        [
            "reg.example/app",
            "reg.example/",
            "registry.example.com/",
            "reg.example/other:v3"
        ]
    );
    // Tab cycles through those containing what was typed, and says which they are.
    typed(&mut s, "example.com");
    step(&mut s, Cmd::Complete);
    assert_eq!(form(&s).destination, "registry.example.com/");
    assert_eq!(form(&s).candidates, ["registry.example.com/"]);
}

#[test]
fn the_footer_hints_complete_only_where_tab_completes_the_focused_field() {
    let mut s = tags();
    assert!(!s.acts(Cmd::Complete), "no dialog: nothing completes");
    step(&mut s, Cmd::CopyGraph);
    assert!(s.acts(Cmd::Complete), "the copy destination completes");
    step(&mut s, Cmd::DialogNext);
    assert!(!s.acts(Cmd::Complete), "the Recursive switch does not");
    let mut p = tags();
    step(&mut p, Cmd::Pull);
    assert!(p.acts(Cmd::Complete), "the pull directory completes");
    step(&mut p, Cmd::DialogNext);
    assert!(!p.acts(Cmd::Complete), "the Pull button does not");
    // The tag row's delete choice has no field at all.
    let mut d = tags();
    step(&mut d, Cmd::Delete);
    assert!(matches!(d.dialog, Some(Dialog::TagDelete(_))));
    assert!(!d.acts(Cmd::Complete) && d.acts(Cmd::Submit));
}

#[test]
fn a_path_destination_is_a_layout_and_tab_completes_it_from_the_filesystem() {
    let mut s = tree();
    let id = next_req(&s);
    // A referrer is copied by digest; the root by the tag the tree was opened with.
    let mut below = tree();
    step(&mut below, Cmd::Down);
    step(&mut below, Cmd::CopyGraph);
    assert_eq!(form(&below).reference, desc("sig").digest.to_string());
    step(&mut s, Cmd::CopyGraph);
    assert_eq!(form(&s).reference, "v1");
    typed(&mut s, "./mirr");
    let fx = step(&mut s, Cmd::Complete);
    assert_eq!(
        fx,
        show(vec![OpJob::CompletePath {
            req: id,
            text: "./mirr".into(),
            from: 0
        }
        .into()])
    );
    step(
        &mut s,
        OpDone::PathCompleted {
            req: id,
            text: "./mirr".into(),
            completed: Some("./mirror/".into()),
            candidates: vec![],
        },
    );
    typed(&mut s, ":v1");
    let fx = step(&mut s, Cmd::Submit);
    assert!(
        fx[0].contains("layout: true") && fx[0].contains("./mirror/:v1"),
        "{fx:?}"
    );
}

#[test]
fn copy_plan_then_run_then_cancel_then_result() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut s = tags();
    let id = next_req(&s);
    step(&mut s, Cmd::CopyGraph);
    typed(&mut s, "other.example/mirror");
    step(&mut s, Cmd::Submit);
    let place = Place::Registry {
        host: "other.example".into(),
        repo: "mirror".into(),
        reference: "v1".into(),
    };
    let j = job(dir.path(), place.clone());
    // A failed plan is said in the dialog; a plan moves focus to Copy.
    step(
        &mut s,
        OpDone::CopyPlanned {
            id,
            result: Err("401 Unauthorized".into()),
        },
    );
    assert_eq!(form(&s).error.as_deref(), Some("401 Unauthorized"));
    step(
        &mut s,
        OpDone::CopyPlanned {
            id,
            result: Ok(j.clone()),
        },
    );
    assert!(matches!(form(&s).stage, CopyStage::Preview(_)));
    assert_eq!(form(&s).button(), Some("Copy"));
    // An answer for another dialog changes nothing.
    step(
        &mut s,
        OpDone::CopyPlanned {
            id: id + 100,
            result: Err("stale".into()),
        },
    );
    assert!(matches!(form(&s).stage, CopyStage::Preview(_)));
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(fx.len(), 1);
    assert!(
        fx[0].starts_with(&format!("Op(Copy {{ id: {id}, repo: \"app\"")),
        "{fx:?}"
    );
    assert!(matches!(form(&s).stage, CopyStage::Running(_)));
    // esc while copying cancels through the library's token (once).
    let fx = step(&mut s, Cmd::Cancel);
    assert_eq!(fx, show(vec![Control::CancelPull { id }.into()]));
    assert!(form(&s).cancelling);
    assert!(step(&mut s, Cmd::Cancel).is_empty());
    step(
        &mut s,
        OpDone::Copied {
            id,
            result: Err("cancelled: the tag was not written".into()),
        },
    );
    assert!(matches!(&form(&s).stage, CopyStage::Done(Err(e)) if e.contains("cancelled")));
    assert!(s.flash.error);
    assert_eq!(form(&s).buttons(), ["Edit", "Close"]);
    // A finished copy: the report, the root digest, and Open destination connects there.
    finish(&mut s, id, place);
    assert_eq!(form(&s).button(), Some("Open destination"));
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(
        fx,
        show(vec![Control::Connect {
            context: crate::config::Context {
                name: "other.example".into(),
                host: "other.example".into(),
                ..Default::default()
            },
            then: Then::Ref("mirror".into(), "v1".into()),
        }
        .into()])
    );
    assert!(s.dialog.is_none());
}

#[test]
fn open_destination_on_the_same_registry_opens_the_reference() {
    let mut s = tags();
    let id = next_req(&s);
    step(&mut s, Cmd::CopyGraph);
    let root = desc("v1").digest;
    let place = Place::Here {
        repo: "mirror".into(),
        reference: root.to_string(),
    };
    finish(&mut s, id, place);
    let fx = step(&mut s, Cmd::Submit);
    assert!(s.dialog.is_none());
    assert_eq!(s.repo.as_deref(), Some("mirror"));
    assert_eq!(s.screen(), Screen::Tree);
    assert!(fx.iter().any(|e| e.contains("Resolve")), "{fx:?}");
}

#[test]
fn open_destination_of_a_layout_opens_the_layout() {
    let mut s = tags();
    let id = next_req(&s);
    step(&mut s, Cmd::CopyGraph);
    let place = Place::Layout {
        dir: PathBuf::from("/srv/mirror"),
        repo: "mirror".into(),
        reference: "v1".into(),
    };
    finish(&mut s, id, place);
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(
        fx,
        show(vec![Control::OpenLayout {
            dir: PathBuf::from("/srv/mirror"),
            then: Then::Ref("mirror".into(), "v1".into()),
        }
        .into()])
    );
}

#[test]
fn add_tag_validates_inline_then_tags_and_reloads() {
    let mut s = tags();
    let id = next_req(&s);
    step(&mut s, Cmd::AddTag);
    typed(&mut s, "v3 -bad");
    assert!(step(&mut s, Cmd::Submit).is_empty());
    let Some(Dialog::AddTag(d)) = &s.dialog else {
        panic!("add tag")
    };
    assert!(
        d.error.as_deref().unwrap().contains("-bad"),
        "{:?}",
        d.error
    );
    for _ in 0..5 {
        step(&mut s, InputKey::Backspace);
    }
    typed(&mut s, ",v4");
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(
        fx,
        show(vec![OpJob::AddTags {
            id,
            repo: "app".into(),
            reference: "v1".into(),
            tags: vec!["v3".into(), "v4".into()],
        }
        .into()])
    );
    let d = desc("v1").digest;
    let fx = step(
        &mut s,
        OpDone::Tagged {
            id,
            result: Ok((d.clone(), vec!["v3".into(), "v4".into()])),
        },
    );
    assert!(s.dialog.is_none());
    assert_eq!(
        s.flash.text,
        format!("tagged sha256:{}… as v3, v4", d.short())
    );
    assert!(fx.iter().any(|e| e.contains("Tags {")), "reloads: {fx:?}");
    // A read-only store refuses before any dialog.
    let mut ro = tags();
    ro.facts.writable = false;
    assert!(step(&mut ro, Cmd::AddTag).is_empty());
    assert!(ro.dialog.is_none() && ro.flash.error);
}

#[test]
fn ctrl_d_on_a_tag_row_asks_first_with_cancel_focused() {
    let mut s = tags();
    let id = next_req(&s);
    assert!(step(&mut s, Cmd::Delete).is_empty(), "no plan yet");
    let d = |s: &State| match &s.dialog {
        Some(Dialog::TagDelete(d)) => d.clone(),
        other => panic!("choice: {other:?}"),
    };
    assert_eq!(d(&s).buttons()[d(&s).focus], "Cancel");
    // enter on the default changes nothing.
    let mut cancelled = s.clone();
    assert!(step(&mut cancelled, Cmd::Submit).is_empty());
    assert!(cancelled.dialog.is_none());
    assert!(cancelled.flash.text.contains("nothing was changed"));
    // Right wraps to "Remove this tag only".
    step(&mut s, Cmd::DialogNext);
    assert_eq!(d(&s).buttons()[d(&s).focus], TagDeleteDialog::REMOVE);
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(
        fx,
        show(vec![OpJob::Untag {
            id,
            repo: "app".into(),
            tag: "v1".into()
        }
        .into()])
    );
    // The registry refuses: its explanation, the whole-graph delete offered, Cancel focused.
    step(
        &mut s,
        OpDone::Untagged {
            id,
            result: Ok(UntagAnswer::Refused("cannot be removed on its own".into())),
        },
    );
    assert_eq!(d(&s).buttons(), [TagDeleteDialog::WHOLE, "Cancel"]);
    assert_eq!(d(&s).focus, 1);
    step(&mut s, Cmd::DialogPrev);
    let plan_id = next_req(&s);
    let fx = step(&mut s, Cmd::Submit);
    assert_eq!(
        fx,
        show(vec![OpJob::PlanDelete {
            id: plan_id,
            repo: "app".into(),
            refs: vec!["v1".into()],
        }
        .into()])
    );
    assert!(matches!(&s.dialog, Some(Dialog::Delete(d)) if d.focus == 1));
}

#[test]
fn remove_this_tag_only_reloads_the_tags() {
    let mut s = tags();
    let id = next_req(&s);
    step(&mut s, Cmd::Delete);
    step(&mut s, Cmd::DialogNext);
    step(&mut s, Cmd::Submit);
    let fx = step(
        &mut s,
        OpDone::Untagged {
            id,
            result: Ok(UntagAnswer::Removed(desc("v1").digest)),
        },
    );
    assert!(s.dialog.is_none());
    assert!(
        s.flash.text.starts_with("removed the tag v1"),
        "{:?}",
        s.flash
    );
    assert!(fx.iter().any(|e| e.contains("Tags {")), "{fx:?}");
    // Marked rows keep today's flow: straight to the plan.
    let mut m = tags();
    m.marks.insert("v2".into());
    assert!(step(&mut m, Cmd::Delete)[0].contains("PlanDelete"));
}

#[test]
fn mermaid_export_never_overwrites_without_saying_so() {
    let mut s = tree();
    let id = next_req(&s);
    step(&mut s, Cmd::Mermaid);
    let root = desc("v1").digest;
    let path = format!("./app-{}.mmd", root.short());
    let Some(Dialog::Export(e)) = &s.dialog else {
        panic!("export")
    };
    assert_eq!(e.path, path);
    let file = |overwrite| {
        show(vec![OpJob::ExportMermaid {
            id,
            repo: "app".into(),
            digest: root.to_string(),
            title: "reg.example/app".into(),
            to: ExportTo::File {
                path: PathBuf::from(&path),
                overwrite,
            },
        }
        .into()])
    };
    assert_eq!(step(&mut s, Cmd::Submit), file(false));
    step(
        &mut s,
        OpDone::Exported {
            id,
            result: Ok(Exported::Exists(path.clone())),
        },
    );
    let Some(Dialog::Export(e)) = &s.dialog else {
        panic!("export")
    };
    assert!(e.error.as_deref().unwrap().contains("exists"));
    assert_eq!(ExportDialog::BUTTONS[e.focus - 1], "Write file");
    assert_eq!(
        step(&mut s, Cmd::Submit),
        file(true),
        "asked twice: replaced"
    );
    // The clipboard: the text goes out through OSC 52.
    let mut c = tree();
    let cid = next_req(&c);
    step(&mut c, Cmd::Mermaid);
    step(&mut c, Cmd::DialogNext);
    step(&mut c, Cmd::DialogNext);
    assert!(step(&mut c, Cmd::Submit)[0].contains("Clipboard"));
    let fx = step(
        &mut c,
        OpDone::Exported {
            id: cid,
            result: Ok(Exported::Clipboard("graph TD\n  a\n".into())),
        },
    );
    assert_eq!(
        fx,
        show(vec![TermJob::Copy("graph TD\n  a\n".into()).into()])
    );
    assert!(c.flash.text.contains("2 lines"));
    // Only on a tree.
    let mut t = tags();
    assert!(step(&mut t, Cmd::Mermaid).is_empty());
    assert!(t.dialog.is_none());
}
