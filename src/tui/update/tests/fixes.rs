//! The untagged view's fix rows: `x` / `r` plan the row's fix through the delete dialog, only on
//! a row that has that fix, and the footer offers each key there alone.
use super::{case, desc, next_req, run, tags};
use crate::graph::inventory::{DanglingTag, StaleFallbackIndex};
use crate::oci::Digest;
use crate::tui::action::Cmd;
use crate::tui::effect::OpJob;
use crate::tui::state::dialog::Dialog;
use crate::tui::state::{Fix, Screen, State, UntaggedRow};

/// `app`'s untagged view: a stale fallback index, a dangling tag; cursor on `at`.
fn untagged(at: usize) -> State {
    let mut s = tags();
    s.facts.writable = true;
    s.stack.push(Screen::Untagged);
    let subject = Digest::sha256_of(b"subject");
    s.untagged.rows = vec![
        UntaggedRow::Stale(StaleFallbackIndex {
            tag: format!("sha256-{}", subject.hex()),
            digest: desc("index").digest,
            subject,
            subject_missing: false,
            missing_entries: vec![Digest::sha256_of(b"gone")],
        }),
        UntaggedRow::Dangling(DanglingTag {
            tag: "old".into(),
            digest: None,
        }),
    ];
    s.untagged.view.visible = vec![0, 1];
    s.untagged.view.cursor = at;
    s
}

fn fix_of(s: &State) -> Option<Fix> {
    match &s.dialog {
        Some(Dialog::Delete(d)) => d.fix,
        _ => None,
    }
}

#[test]
fn fix_keys_plan_the_row_by_its_tag() {
    let stale = untagged(0);
    let stale_tag = format!("sha256-{}", Digest::sha256_of(b"subject").hex());
    let stale_id = next_req(&stale);
    let dangling = untagged(1);
    let dangling_id = next_req(&dangling);
    let ctrl_d = untagged(1);
    let ctrl_d_id = next_req(&ctrl_d);
    run(vec![
        case(
            "r on a stale index plans its tag",
            stale,
            Cmd::Repair,
            vec![OpJob::PlanDelete {
                id: stale_id,
                repo: "app".into(),
                refs: vec![stale_tag],
            }
            .into()],
            |s| assert_eq!(fix_of(s), Some(Fix::Repair)),
        ),
        case(
            "x on a dangling tag plans its removal by name",
            dangling,
            Cmd::RemoveTag,
            vec![OpJob::PlanDelete {
                id: dangling_id,
                repo: "app".into(),
                refs: vec!["old".into()],
            }
            .into()],
            |s| assert_eq!(fix_of(s), Some(Fix::RemoveTag)),
        ),
        case(
            "ctrl-d on a dangling tag is the same plan, titled as the fix",
            ctrl_d,
            Cmd::Delete,
            vec![OpJob::PlanDelete {
                id: ctrl_d_id,
                repo: "app".into(),
                refs: vec!["old".into()],
            }
            .into()],
            |s| assert_eq!(fix_of(s), Some(Fix::RemoveTag)),
        ),
        case(
            "x on a stale index does nothing but say where it acts",
            untagged(0),
            Cmd::RemoveTag,
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert!(
                    s.flash.error && s.flash.text.contains("dangling tag"),
                    "{:?}",
                    s.flash
                );
            },
        ),
        case(
            "attach on a dangling tag refuses: there is no manifest",
            untagged(1),
            Cmd::Attach,
            vec![],
            |s| {
                assert!(s.dialog.is_none());
                assert!(s.flash.text.contains("manifest is gone"), "{:?}", s.flash);
            },
        ),
    ]);
}

#[test]
fn the_footer_offers_a_fix_only_on_its_row_and_only_where_writes_are_allowed() {
    let s = untagged(0);
    assert!(s.acts(Cmd::Repair) && !s.acts(Cmd::RemoveTag));
    let s = untagged(1);
    assert!(s.acts(Cmd::RemoveTag) && !s.acts(Cmd::Repair));
    let mut s = untagged(1);
    s.facts.writable = false;
    assert!(!s.acts(Cmd::RemoveTag));
    // On the tag list neither acts.
    let mut s = tags();
    s.facts.writable = true;
    assert!(!s.acts(Cmd::RemoveTag) && !s.acts(Cmd::Repair));
}
