//! Answers of the graph-operation effects: previews, attach, pull progress, delete plans and
//! reports, the untagged listing. The tree and lists change in place (no full reload).
use super::action::{Action, Effect};
use super::dialog::{AttachPreview, Dialog, Report};
use super::doc;
use super::nav::expand;
use super::ops::reload_tags;
use super::state::{DetailState, Screen, State};
use super::tree::Load;
use crate::graph::delete::DeleteReport;
use crate::graph::EdgeSource;
use crate::oci::Digest;
use std::collections::HashSet;

pub fn result(s: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::AttachPreviewed { req, result } => {
            if let Some(Dialog::Attach(f)) = s.dialog.as_mut().filter(|d| dialog_req(d) == req) {
                f.busy = None;
                match result {
                    Ok((request, bytes)) => {
                        f.preview = Some(AttachPreview {
                            request,
                            digest: Digest::sha256_of(&bytes),
                            lines: doc::pretty(&bytes),
                        });
                        f.focus = 0;
                        s.dialog_scroll = 0;
                    }
                    Err(e) => f.error = Some(e),
                }
            }
            vec![]
        }
        Action::Attached { req, result } => {
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
                "attached {} {} to {label} ({} blob(s) uploaded, {} already there{how})",
                report
                    .descriptor
                    .artifact_type
                    .as_deref()
                    .unwrap_or("artifact"),
                report.descriptor.digest.short(),
                report.uploaded,
                report.skipped,
            ));
            // The subject's row in the tag list shows new badges once fetched again.
            s.tags.details.retain(|_, d| {
                !matches!(d, DetailState::Ready(d) if d.descriptor.digest == report.subject.digest)
            });
            s.tags.wanted.clear();
            let mut fx = super::nav::want_details(s);
            if s.tree.repo == repo {
                if let Some(&i) = s.tree.seen.get(&report.subject.digest) {
                    let loaded = s.tree.node(i).is_some_and(|n| n.load == Load::Loaded);
                    if loaded {
                        let edge = report
                            .referrers_source
                            .map(EdgeSource::from)
                            .unwrap_or(EdgeSource::ReferrersApi);
                        if let Some(n) = s.tree.add_child(i, report.descriptor, edge) {
                            s.tree.cursor = n;
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
        Action::PullProgress { id, progress } => {
            if let Some(Dialog::Pull(p)) = s.dialog.as_mut().filter(|d| dialog_req(d) == id) {
                p.status = progress;
            }
            vec![]
        }
        Action::Pulled { id, result } => {
            if s.dialog.as_ref().is_some_and(|d| dialog_req(d) == id) {
                s.dialog = None;
            }
            match result {
                Ok(m) => s.say(m),
                Err(e) => s.fail(e),
            }
            vec![]
        }
        Action::Planned { id, result } => {
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
                    s.dialog = None;
                    s.fail(format!("delete: planning failed, nothing was changed: {e}"));
                }
            }
            vec![]
        }
        Action::DeleteProgress { id, deleted } => {
            if let Some(Dialog::Delete(d)) = s.dialog.as_mut().filter(|d| dialog_req(d) == id) {
                d.deleted = deleted;
            }
            vec![]
        }
        Action::Deleted { id, reports, error } => {
            if s.dialog.as_ref().is_none_or(|d| dialog_req(d) != id) {
                return vec![];
            }
            s.dialog = None;
            deleted(s, reports, error)
        }
        Action::UntaggedListed { req, result } => {
            let repo = s.repo.clone().unwrap_or_default();
            let u = &mut s.untagged;
            if u.req != req {
                return vec![];
            }
            u.loading = false;
            match result {
                Ok(mut rows) => {
                    // The library walks tags in hash order: group by kind, then a stable order.
                    rows.sort_by(|a, b| {
                        (a.kind, &a.parent, &a.descriptor.digest).cmp(&(
                            b.kind,
                            &b.parent,
                            &b.descriptor.digest,
                        ))
                    });
                    u.view.visible = (0..rows.len()).collect();
                    u.rows = rows;
                    let bh = s.body_height();
                    s.untagged.view.keep_in_view(bh);
                    if s.untagged.keep_flash {
                        return vec![];
                    }
                    s.say(format!(
                        "{} untagged manifest(s) and orphan(s) in {repo}",
                        s.untagged.rows.len()
                    ));
                }
                Err(e) => {
                    u.error = Some(e.clone());
                    s.fail(e);
                }
            }
            vec![]
        }
        _ => vec![],
    }
}

/// The id a dialog's answers carry.
fn dialog_req(d: &Dialog) -> u64 {
    match d {
        Dialog::Attach(f) => f.req,
        Dialog::Pull(p) => p.id,
        Dialog::Delete(d) => d.id,
        Dialog::Report(_) => 0,
    }
}

/// Removes what went from the tree and the lists; a partial delete gets a report dialog.
fn deleted(s: &mut State, reports: Vec<DeleteReport>, error: Option<String>) -> Vec<Effect> {
    let gone: HashSet<Digest> = reports.iter().flat_map(|r| r.deleted.clone()).collect();
    let failed = reports.iter().find_map(|r| r.failed.clone());
    s.marks.clear();
    let mut fx = Vec::new();
    if !gone.is_empty() && s.tree.remove(&gone) {
        // The root itself went: back to the list it was opened from.
        if let Some(p) = s.stack.iter().position(|x| *x == Screen::Tree) {
            s.stack.truncate(p);
            s.doc = None;
        }
    }
    if !gone.is_empty() {
        fx.extend(reload_tags(s, &gone));
        if s.stack.contains(&Screen::Untagged) {
            fx.extend(super::ops::load_untagged(s));
            s.untagged.keep_flash = true;
        }
    }
    let fallback: usize = reports
        .iter()
        .map(|r| r.fallback_indexes_removed.len() + r.fallback_indexes_updated.len())
        .sum();
    match (error, failed) {
        (None, None) => s.say(format!(
            "deleted {} manifest(s){}",
            gone.len(),
            if fallback > 0 {
                format!("; {fallback} fallback index(es) removed or updated")
            } else {
                String::new()
            }
        )),
        (Some(e), None) if gone.is_empty() => {
            s.fail(format!("delete refused, nothing was changed: {e}"))
        }
        (e, f) => {
            let mut lines = Vec::new();
            if let Some((step, why)) = f {
                lines.push(format!("Failed at: {step}"));
                lines.push(format!("  {why}"));
            }
            if let Some(e) = e {
                lines.push(format!("Stopped: {e}"));
            }
            lines.push(format!("Deleted ({}):", gone.len()));
            for r in &reports {
                lines.extend(r.deleted.iter().map(|d| format!("  ✓ {d}")));
            }
            let not: Vec<&Digest> = reports.iter().flat_map(|r| &r.not_deleted).collect();
            lines.push(format!("Not deleted ({}):", not.len()));
            lines.extend(not.iter().map(|d| format!("  ✗ {d}")));
            s.fail(format!(
                "delete stopped half-way: {} deleted, {} not — see the report",
                gone.len(),
                not.len()
            ));
            s.dialog_scroll = 0;
            s.dialog = Some(Dialog::Report(Report {
                title: "Delete stopped half-way".into(),
                lines,
                error: true,
            }));
        }
    }
    fx
}
