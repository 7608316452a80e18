//! Answers of the graph operations (`op_done`): completions, plans, pulls.
use super::{attach, attach_form, case, delete_dialog, plans, pull, pull_dialog, run};
use crate::tui::action::{OpDone, PullStatus};
use crate::tui::state::dialog::Dialog;

#[test]
fn answers_of_operations() {
    let mut typed_since = attach_form(0, "a.md,docs/nod", "");
    if let Some(Dialog::Attach(f)) = &mut typed_since.dialog {
        f.candidates = vec!["old".into()];
    }
    run(vec![
        case(
            "a completion lands in the field it was asked for",
            attach_form(0, "a.md,docs/no", ""),
            OpDone::PathCompleted {
                req: 40,
                text: "a.md,docs/no".into(),
                completed: Some("a.md,docs/notes.".into()),
                candidates: vec!["notes.md".into(), "notes.txt".into()],
            },
            vec![],
            |s| {
                assert_eq!(attach(s).files, "a.md,docs/notes.");
                assert_eq!(attach(s).candidates, ["notes.md", "notes.txt"]);
            },
        ),
        case(
            "a completion for text typed over since is dropped",
            typed_since,
            OpDone::PathCompleted {
                req: 40,
                text: "a.md,docs/no".into(),
                completed: Some("a.md,docs/notes.md".into()),
                candidates: vec![],
            },
            vec![],
            |s| {
                assert_eq!(attach(s).files, "a.md,docs/nod");
                assert_eq!(attach(s).candidates, ["old"]);
            },
        ),
        case(
            "a completion fills the pull directory",
            pull_dialog(false, "ou"),
            OpDone::PathCompleted {
                req: 41,
                text: "ou".into(),
                completed: Some("out/".into()),
                candidates: vec![],
            },
            vec![],
            |s| assert_eq!(pull(s).dir, "out/"),
        ),
        case(
            "the plan arrives with Cancel focused",
            delete_dialog(0, false, false),
            OpDone::Planned {
                id: 42,
                result: Ok(plans()),
            },
            vec![],
            |s| {
                assert!(
                    matches!(&s.dialog, Some(Dialog::Delete(d)) if d.focus == 1 && d.plans.is_some())
                )
            },
        ),
        case(
            "a failed plan becomes a report saying why, one clause a line, and that nothing changed",
            delete_dialog(1, false, false),
            OpDone::Planned {
                id: 42,
                result: Err("r@sha256:x: refusing: 1 locked; unlock them first; nothing was changed".into()),
            },
            vec![],
            |s| {
                let Some(Dialog::Report(r)) = &s.dialog else {
                    panic!("{:?}", s.dialog)
                };
                assert!(r.error);
                assert_eq!(
                    r.lines[2..],
                    [
                        "  r@sha256:x: refusing: 1 locked",
                        "  unlock them first",
                        "  nothing was changed"
                    ]
                );
                assert!(s.flash.error && s.flash.text.contains("nothing was changed"));
            },
        ),
        case(
            "an answer for another dialog is dropped",
            delete_dialog(1, false, false),
            OpDone::Deleted {
                id: 7,
                reports: vec![],
                error: None,
            },
            vec![],
            |s| assert!(s.dialog.is_some()),
        ),
        case(
            "a finished pull closes its dialog and says what was written",
            pull_dialog(true, "out"),
            OpDone::Pulled {
                id: 41,
                result: Ok("pulled 1 file".into()),
            },
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert_eq!(s.flash.text, "pulled 1 file");
            },
        ),
        case(
            "pull progress reaches the gauge",
            pull_dialog(true, "out"),
            OpDone::PullProgress {
                id: 41,
                progress: PullStatus {
                    files: 2,
                    verified: 1,
                    done: 10,
                    total: 20,
                },
            },
            vec![],
            |s| assert_eq!(pull(s).status.done, 10),
        ),
    ]);
}
