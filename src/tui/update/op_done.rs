//! Answers of graph operations (`Action::Op`): path completions, attach previews and pushes,
//! pull progress, delete plans and reports, `:login`. The tree and lists change in place (no
//! full reload).
use super::doc_text;
use super::nav::{expand, load_untagged, reload_tags, want_details};
use super::prompt::logged_in;
use crate::graph::delete::DeleteReport;
use crate::graph::EdgeSource;
use crate::oci::Digest;
use crate::tui::action::OpDone;
use crate::tui::effect::{Control, Effect};
use crate::tui::label::{count, ellipsize_middle};
use crate::tui::state::copy::CopyStage;
use crate::tui::state::dialog::{AttachPreview, Dialog, Report};
use crate::tui::state::tree::Load;
use crate::tui::state::{DetailState, Screen, State};
use std::collections::HashSet;

pub fn apply(s: &mut State, a: OpDone) -> Vec<Effect> {
    match a {
        OpDone::PathCompleted {
            req,
            text,
            completed,
            candidates,
        } => {
            // Only into the field it was asked for, and only if nothing was typed since.
            match s.dialog.as_mut().filter(|d| dialog_req(d) == req) {
                Some(Dialog::Attach(f))
                    if f.preview.is_none() && f.focus == 0 && f.files == text =>
                {
                    if let Some(c) = completed {
                        f.files = c;
                    }
                    f.candidates = candidates;
                }
                Some(Dialog::Pull(p)) if !p.running && p.focus == 0 && p.dir == text => {
                    if let Some(c) = completed {
                        p.dir = c;
                    }
                }
                Some(Dialog::Copy(f))
                    if matches!(f.stage, CopyStage::Form)
                        && f.focus == 0
                        && f.destination == text =>
                {
                    if let Some(c) = completed {
                        f.destination = c;
                    }
                    f.candidates = candidates;
                }
                Some(Dialog::Export(d)) if !d.busy && d.focus == 0 && d.path == text => {
                    if let Some(c) = completed {
                        d.path = c;
                        d.overwrite = None;
                    }
                }
                Some(
                    Dialog::Attach(_)
                    | Dialog::Pull(_)
                    | Dialog::Delete(_)
                    | Dialog::Report(_)
                    | Dialog::Commands(_)
                    | Dialog::Copy(_)
                    | Dialog::AddTag(_)
                    | Dialog::TagDelete(_)
                    | Dialog::Export(_),
                )
                | None => {}
            }
            vec![]
        }
        OpDone::AttachPreviewed { req, result } => {
            if let Some(Dialog::Attach(f)) = s.dialog.as_mut().filter(|d| dialog_req(d) == req) {
                f.busy = None;
                match result {
                    Ok((request, bytes)) => {
                        f.preview = Some(AttachPreview {
                            request,
                            digest: Digest::sha256_of(&bytes),
                            lines: doc_text::pretty(&bytes),
                        });
                        f.focus = 0;
                        s.dialog_scroll = 0;
                    }
                    Err(e) => f.error = Some(e),
                }
            }
            vec![]
        }
        OpDone::Attached { req, result } => {
            let Some(Dialog::Attach(f)) = s.dialog.as_mut().filter(|d| dialog_req(d) == req) else {
                return vec![];
            };
            let report = match result {
                Ok(r) => r,
                Err(e) => {
                    f.busy = None;
                    f.error = Some(e.clone());
                    s.fail(format!("attach failed, nothing was tagged: {e}"));
                    return vec![];
                }
            };
            let (repo, label) = (f.repo.clone(), f.label.clone());
            s.dialog = None;
            let how = match (report.fallback_index_updated, report.referrers_source) {
                (true, _) => "; the sha256-… fallback index was updated".to_string(),
                (false, Some(src)) => format!("; listed by the {src}"),
                (false, None) => String::new(),
            };
            s.say(format!(
                "attached {} {} to {label} ({} uploaded, {} already there{how})",
                report
                    .descriptor
                    .artifact_type
                    .as_deref()
                    .unwrap_or("artifact"),
                report.descriptor.digest.short(),
                count(report.uploaded, "blob"),
                report.skipped,
            ));
            // The subject's row in the tag list shows new badges once fetched again.
            s.tags.details.retain(|_, d| {
                !matches!(d, DetailState::Ready(d) if d.descriptor.digest == report.subject.digest)
            });
            s.tags.wanted.clear();
            let mut fx = want_details(s);
            if s.tree.repo == repo {
                if let Some(&i) = s.tree.seen.get(&report.subject.digest) {
                    let loaded = s.tree.node(i).is_some_and(|n| n.load == Load::Loaded);
                    if loaded {
                        let edge = report
                            .referrers_source
                            .map(EdgeSource::from)
                            .unwrap_or(EdgeSource::ReferrersApi);
                        if let Some(n) = s.tree.add_child(i, report.descriptor, edge) {
                            s.tree.select(n);
                            let rows = s.tree.rows();
                            s.tree.keep_in_view(&rows, s.body_height());
                        }
                    } else {
                        fx.extend(expand(s, i));
                    }
                }
            }
            fx
        }
        OpDone::PullProgress { id, progress } => {
            if let Some(Dialog::Pull(p)) = s.dialog.as_mut().filter(|d| dialog_req(d) == id) {
                p.status = progress;
            }
            vec![]
        }
        OpDone::Pulled { id, result } => {
            if s.dialog.as_ref().is_some_and(|d| dialog_req(d) == id) {
                s.dialog = None;
            }
            match result {
                Ok(m) => s.say(m),
                Err(e) => s.fail(e),
            }
            vec![]
        }
        OpDone::Planned { id, result } => {
            let Some(Dialog::Delete(d)) = s.dialog.as_mut().filter(|d| dialog_req(d) == id) else {
                return vec![];
            };
            match result {
                Ok(plans) => {
                    d.plans = Some(plans);
                    d.focus = 1;
                    s.say("review what goes — Cancel is the default");
                }
                Err(e) => {
                    // The reason is longer than a flash line (a locked manifest, named): said
                    // whole in a report, first words in the flash.
                    s.fail(format!("delete: planning failed, nothing was changed: {e}"));
                    s.dialog_scroll = 0;
                    s.dialog = Some(Dialog::Report(Report {
                        title: "Delete: nothing was changed".into(),
                        lines: refusal_lines(&e),
                        error: true,
                    }));
                }
            }
            vec![]
        }
        OpDone::DeleteProgress { id, deleted } => {
            if let Some(Dialog::Delete(d)) = s.dialog.as_mut().filter(|d| dialog_req(d) == id) {
                d.deleted = deleted;
            }
            vec![]
        }
        OpDone::Deleted { id, reports, error } => {
            if s.dialog.as_ref().is_none_or(|d| dialog_req(d) != id) {
                return vec![];
            }
            s.dialog = None;
            deleted(s, reports, error)
        }
        OpDone::LoggedIn { host, user, result } => logged_in(s, &host, &user, result),
        OpDone::CopyPlanned { id, result } => super::copy::planned(s, id, result),
        OpDone::CopyProgress { id, status } => super::copy::progress(s, id, status),
        OpDone::Copied { id, result } => super::copy::copied(s, id, result),
        OpDone::Tagged { id, result } => super::tagging::tagged(s, id, result),
        OpDone::Untagged { id, result } => super::tagging::untagged(s, id, result),
        OpDone::Exported { id, result } => super::tagging::exported(s, id, result),
    }
}

/// The id a dialog's answers carry.
fn dialog_req(d: &Dialog) -> u64 {
    match d {
        Dialog::Attach(f) => f.req,
        Dialog::Pull(p) => p.id,
        Dialog::Delete(d) => d.id,
        Dialog::Copy(f) => f.id,
        Dialog::AddTag(d) => d.id,
        Dialog::TagDelete(d) => d.id,
        Dialog::Export(d) => d.id,
        Dialog::Report(_) | Dialog::Commands(_) => 0,
    }
}

/// A planning error as report lines: its clauses one to a line (they name manifests and say
/// what to do).
fn refusal_lines(e: &str) -> Vec<String> {
    let mut lines = vec![
        "The plan was refused before any change:".to_string(),
        String::new(),
    ];
    lines.extend(
        e.split("; ")
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| format!("  {l}")),
    );
    lines
}

/// Removes what went from the tree and the lists; a result that differs from the plan gets a
/// report dialog listing every difference.
fn deleted(s: &mut State, reports: Vec<DeleteReport>, error: Option<String>) -> Vec<Effect> {
    let gone: HashSet<Digest> = reports
        .iter()
        .flat_map(|r| r.done.manifests.iter().map(|m| m.digest.clone()))
        .collect();
    s.marks.clear();
    let mut fx = Vec::new();
    if !gone.is_empty() && s.tree.remove(&gone) {
        // The root itself went: back to the list it was opened from.
        if let Some(p) = s.stack.iter().position(|x| *x == Screen::Tree) {
            s.stack.truncate(p);
            s.doc = None;
        }
    }
    let changed = reports.iter().any(|r| !r.done.is_empty());
    if changed {
        // Cached listings (tags, the session's vendor listing) describe the repository before.
        fx.extend(
            s.repo
                .iter()
                .map(|r| Control::Invalidate { repo: r.clone() }.into()),
        );
        fx.extend(reload_tags(s, &gone));
        if s.stack.contains(&Screen::Untagged) {
            fx.extend(load_untagged(s));
            s.untagged.keep_flash = true;
        }
    }
    if let Some(e) = error {
        s.fail(format!("delete refused, nothing was changed: {e}"));
        return fx;
    }
    let Some(r) = reports.first() else {
        return fx;
    };
    if r.matches_plan() {
        // A few names say which (a fix removes one tag, or repairs one index).
        // (A fallback index's 71-character name is cut in the middle: the flash is one line.)
        let names = |v: &[String]| match v.len() {
            1..=3 => format!(
                " ({})",
                v.iter()
                    .map(|n| ellipsize_middle(n, 24))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        };
        s.say(format!(
            "as planned: deleted {}, {} gone{}, {} removed or rewritten{}",
            count(r.done.manifests.len(), "manifest"),
            count(r.done.tags.len(), "tag"),
            names(&r.done.tags),
            count(r.done.fallback_indexes.len(), "fallback index"),
            names(&r.done.fallback_indexes)
        ));
        return fx;
    }
    let mut lines = vec![format!("Deleted ({}):", r.done.manifests.len())];
    lines.extend(r.done.manifests.iter().map(|m| format!("  ✓ {}", m.digest)));
    lines.push(format!("Tags gone ({}):", r.done.tags.len()));
    lines.extend(r.done.tags.iter().map(|t| format!("  ✓ {t}")));
    lines.push(format!("Not done ({}):", r.not_done.len()));
    lines.extend(
        r.not_done
            .iter()
            .map(|n| format!("  ✗ {}: {}", n.item, n.reason)),
    );
    if !r.unplanned.is_empty() {
        lines.push(format!("Not in the plan ({}):", r.unplanned.len()));
        lines.extend(
            r.unplanned
                .iter()
                .map(|n| format!("  ! {}: {}", n.item, n.reason)),
        );
    }
    s.fail(format!(
        "the result differs from the plan: {} not done — see the report",
        r.not_done.len() + r.unplanned.len()
    ));
    s.dialog_scroll = 0;
    s.dialog = Some(Dialog::Report(Report {
        title: "Delete: the result differs from the plan".into(),
        lines,
        error: true,
    }));
    fx
}
