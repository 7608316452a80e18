//! `arbor delete`: the plan, a confirmation, then exactly the plan, reported in its terms.
use super::args::{DeleteArgs, ListFormat};
use super::format::human;
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::delete::{execute, plan_delete, DeletePlan};
use crate::text::{escape, tag_label};
use anyhow::{bail, Result};
use std::io::{BufRead, IsTerminal, Write};

/// Levels of indentation the plan draws at most; deeper items say their depth instead.
const MAX_INDENT: usize = 32;

/// Tags as shown: a valid one as itself, anything else escaped and marked.
fn tag_list<'a>(tags: impl IntoIterator<Item = &'a str>) -> String {
    let shown: Vec<String> = tags
        .into_iter()
        .map(|t| tag_label(t).into_owned())
        .collect();
    shown.join(", ")
}

/// The plan as a person reads it (every registry string escaped).
pub fn print_plan(name: &str, plan: &DeletePlan, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Delete plan for {}: {} manifest(s), {} (manifests only), leaves first:",
        escape(name),
        plan.items.len(),
        human(plan.total_size)
    )?;
    for i in &plan.items {
        let ty = i.descriptor.artifact_type.clone().unwrap_or_else(|| {
            crate::oci::media::short_label(&i.descriptor.media_type).to_string()
        });
        let tags = if i.tags.is_empty() {
            String::new()
        } else {
            format!("  tags: {}", tag_list(i.tags.iter().map(String::as_str)))
        };
        let deep = if i.depth > MAX_INDENT {
            format!("[depth {}] ", i.depth)
        } else {
            String::new()
        };
        writeln!(
            out,
            "  {:indent$}{deep}{}  {}  {}{}",
            "",
            i.descriptor.digest,
            escape(&ty),
            human(i.descriptor.size),
            tags,
            indent = i.depth.min(MAX_INDENT) * 2
        )?;
    }
    let tags = plan.tags();
    writeln!(
        out,
        "Tags removed: {}",
        if tags.is_empty() {
            "none".to_string()
        } else {
            tag_list(tags)
        }
    )?;
    if !plan.fallback_tags.is_empty() {
        writeln!(
            out,
            "Fallback index tags removed: {}",
            plan.fallback_tags.len()
        )?;
    }
    if let Some(s) = &plan.detach_from {
        writeln!(
            out,
            "Entry removed from the fallback index of its subject {s}"
        )?;
    }
    if !plan.tags_checked {
        writeln!(out, "Note: the repository has too many tags to check; other tags may point at these manifests.")?;
    }
    Ok(())
}

fn confirm(prompt: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to delete without confirmation: standard input is not a terminal (use -y)");
    }
    eprint!("{prompt} [y/N] ");
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub async fn run(a: DeleteArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    delete(&t, &a, out).await?;
    Ok(t)
}

async fn delete(t: &Target, a: &DeleteArgs, out: &mut dyn Write) -> Result<()> {
    let (dry_run, yes, format) = (a.dry_run, a.yes, a.format);
    let reference = t.require_reference()?;
    let plan = plan_delete(t.store.as_ref(), &t.repo, reference, a.cascade, a.depth).await?;
    match format {
        ListFormat::Json if dry_run => {
            writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            return Ok(());
        }
        ListFormat::Json => {}
        ListFormat::Text => print_plan(&format!("{}:{reference}", t.display_name), &plan, out)?,
    }
    if dry_run {
        writeln!(out, "Dry run: nothing deleted.")?;
        return Ok(());
    }
    out.flush()?;
    if !yes && !confirm(&format!("Delete these {} manifest(s)?", plan.items.len()))? {
        bail!("cancelled; nothing deleted");
    }
    let report = execute(t.store.as_ref(), &plan, |_| {}).await?;
    if format == ListFormat::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        for d in &report.deleted {
            writeln!(out, "Deleted {d}")?;
        }
        for tag in &report.fallback_indexes_removed {
            writeln!(out, "Removed fallback index {tag}")?;
        }
        for tag in &report.fallback_indexes_updated {
            writeln!(out, "Updated fallback index {tag}")?;
        }
        if let Some((n, bytes)) = report.garbage_collected {
            writeln!(
                out,
                "Removed {n} unreferenced blob(s), {}",
                human(bytes as i64)
            )?;
        }
    }
    if let Some((step, err)) = &report.failed {
        let not: Vec<String> = report.not_deleted.iter().map(|d| d.to_string()).collect();
        bail!(
            "{step} failed: {err}. Deleted {} of {} manifest(s); not deleted: {}",
            report.deleted.len(),
            plan.items.len(),
            if not.is_empty() {
                "none".into()
            } else {
                not.join(", ")
            }
        );
    }
    Ok(())
}
