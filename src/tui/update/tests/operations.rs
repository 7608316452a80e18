//! Graph operations from the keyboard (`ops`) and keys in their dialogs (`dialog`).
use super::{
    attach, attach_form, case, delete_dialog, desc, next_req, plans, pull, pull_dialog, run, tags,
    tree, with_dialog,
};
use crate::attach::{AttachFile, AttachRequest};
use crate::tui::action::{Cmd, InputKey};
use crate::tui::effect::{Control, LoadJob, OpJob};
use crate::tui::state::dialog::{Dialog, Report};
use crate::tui::state::Screen;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[test]
fn starting_operations() {
    let tree_state = tree();
    let delete_id = next_req(&tree_state);
    let s2 = tags();
    let untagged_req = next_req(&s2);
    let mut read_only = tags();
    read_only.facts.writable = false;
    let mut marked = tags();
    marked.marks.insert("v2".into());
    let marked_id = next_req(&marked);
    run(vec![
        case(
            "ctrl-d on a tree node plans the delete and opens the dialog on Cancel",
            tree_state,
            Cmd::Delete,
            vec![OpJob::PlanDelete {
                id: delete_id,
                repo: "app".into(),
                refs: vec![desc("v1").digest.to_string()],
            }
            .into()],
            |s| {
                assert!(
                    matches!(&s.dialog, Some(Dialog::Delete(d)) if d.focus == 1 && d.plans.is_none())
                );
            },
        ),
        case(
            "ctrl-d with marks plans the marked ones",
            marked,
            Cmd::Delete,
            vec![OpJob::PlanDelete {
                id: marked_id,
                repo: "app".into(),
                refs: vec!["v2".into()],
            }
            .into()],
            |s| assert!(s.dialog.is_some()),
        ),
        case(
            "a read-only store refuses attach before any dialog",
            read_only,
            Cmd::Attach,
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert!(s.flash.error && s.flash.text.contains("read-only"));
            },
        ),
        case(
            "a opens the form on the row with the types seen so far",
            tree(),
            Cmd::Attach,
            vec![],
            |s| {
                let f = attach(s);
                assert_eq!((f.label.as_str(), f.focus), ("v1", 0));
                assert_eq!(f.subject, desc("v1").digest.to_string());
            },
        ),
        case(
            "p opens the pull dialog on the current directory",
            tree(),
            Cmd::Pull,
            vec![],
            |s| assert_eq!(pull(s).dir, "."),
        ),
        case(
            "space marks the row and moves on",
            tags(),
            Cmd::Mark,
            vec![],
            |s| {
                assert!(s.marks.contains("v1"));
                assert_eq!(s.tags.view.cursor, 1);
            },
        ),
        case(
            "u lists the untagged manifests in place of the tags",
            s2,
            Cmd::Untagged,
            vec![LoadJob::Untagged {
                req: untagged_req,
                repo: "app".into(),
            }
            .into()],
            |s| {
                assert_eq!(s.screen(), Screen::Untagged);
                assert!(s.untagged.loading);
            },
        ),
    ]);
}

#[test]
fn keys_in_dialogs() {
    let request = AttachRequest {
        artifact_type: "text/markdown".into(),
        files: vec![AttachFile {
            path: PathBuf::from("~/notes.md"),
            media_type: None,
            annotations: BTreeMap::new(),
        }],
        annotations: BTreeMap::new(),
    };
    let mut typing = attach_form(0, "a.md", "");
    if let Some(Dialog::Attach(f)) = &mut typing.dialog {
        f.candidates = vec!["a.md".into(), "a.mdx".into()];
    }
    run(vec![
        case(
            "tab in the files field asks the filesystem for the last path",
            attach_form(0, "a.md,docs/no", ""),
            Cmd::Complete,
            vec![OpJob::CompletePath {
                req: 40,
                text: "a.md,docs/no".into(),
                from: 5,
            }
            .into()],
            |s| {
                assert_eq!(
                    attach(s).files,
                    "a.md,docs/no",
                    "nothing changes until it answers"
                )
            },
        ),
        case(
            "tab in the type field cycles the types seen here",
            attach_form(1, "a.md", "mark"),
            Cmd::Complete,
            vec![],
            |s| assert_eq!(attach(s).artifact_type, "text/markdown"),
        ),
        case(
            "typing edits the focused field and drops stale candidates",
            typing,
            InputKey::Char('x'),
            vec![],
            |s| {
                assert_eq!(attach(s).files, "a.mdx");
                assert!(attach(s).candidates.is_empty());
            },
        ),
        case(
            "Preview with no file says what is missing",
            attach_form(3, "", "text/markdown"),
            Cmd::Submit,
            vec![],
            |s| {
                assert!(attach(s)
                    .error
                    .as_deref()
                    .is_some_and(|e| e.contains("at least one file")))
            },
        ),
        case(
            "Preview asks for the manifest (~ is expanded by the task, not here)",
            attach_form(3, "~/notes.md", "text/markdown"),
            Cmd::Submit,
            vec![OpJob::PreviewAttach {
                req: 40,
                repo: "app".into(),
                subject: desc("v1").digest.to_string(),
                request,
            }
            .into()],
            |s| assert!(attach(s).busy.is_some()),
        ),
        case(
            "esc closes the form, nothing pushed",
            attach_form(0, "a.md", ""),
            InputKey::Cancel,
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert_eq!(s.flash.text, "attach cancelled — nothing was pushed");
            },
        ),
        case(
            "tab in the pull directory asks the filesystem",
            pull_dialog(false, "~/out"),
            Cmd::Complete,
            vec![OpJob::CompletePath {
                req: 41,
                text: "~/out".into(),
                from: 0,
            }
            .into()],
            |s| assert_eq!(pull(s).dir, "~/out"),
        ),
        case(
            "enter on the directory starts the pull",
            pull_dialog(false, " out "),
            Cmd::Submit,
            vec![OpJob::Pull {
                id: 41,
                repo: "app".into(),
                reference: desc("sig").digest.to_string(),
                dir: PathBuf::from("out"),
            }
            .into()],
            |s| assert!(pull(s).running),
        ),
        case(
            "esc during a pull cancels it",
            pull_dialog(true, "out"),
            Cmd::Cancel,
            vec![Control::CancelPull { id: 41 }.into()],
            |s| assert!(pull(s).cancelling),
        ),
        case(
            "enter on the default Cancel deletes nothing",
            delete_dialog(1, true, false),
            Cmd::Submit,
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert_eq!(s.flash.text, "delete cancelled — nothing was changed");
            },
        ),
        case(
            "enter on Delete carries out exactly the plans shown",
            delete_dialog(0, true, false),
            Cmd::Submit,
            vec![OpJob::Delete {
                id: 42,
                plans: plans(),
            }
            .into()],
            |s| assert!(matches!(&s.dialog, Some(Dialog::Delete(d)) if d.running)),
        ),
        case(
            "Delete before the plan arrives deletes nothing",
            delete_dialog(0, false, false),
            Cmd::Submit,
            vec![],
            |s| assert!(s.dialog.is_none()),
        ),
        case(
            "a running delete cannot be cancelled",
            delete_dialog(0, true, true),
            Cmd::Cancel,
            vec![],
            |s| {
                assert!(s.dialog.is_some());
                assert!(s.flash.text.contains("cannot be stopped"));
            },
        ),
        case(
            "a dialog takes screen keys without acting on them",
            delete_dialog(1, true, false),
            Cmd::Down,
            vec![],
            |s| assert_eq!(s.tree.cursor, 0),
        ),
        case(
            "enter closes a report",
            with_dialog(Dialog::Report(Report {
                title: "t".into(),
                lines: vec![],
                error: false,
            })),
            Cmd::Submit,
            vec![],
            |s| assert!(s.dialog.is_none()),
        ),
    ]);
}
