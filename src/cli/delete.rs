//! `arbor delete`: the plan, a confirmation, then exactly the plan, reported in its terms;
//! exit status 1 when the result differs from the plan.
use super::args::{DeleteArgs, ListFormat};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::delete::{
    execute, plan_delete, plan_lines, report_lines, DeleteOptions, DeletePlan, DeleteReport,
};
use crate::text::escape;
use anyhow::{bail, Result};
use std::io::{BufRead, IsTerminal, Write};

/// The plan as a person reads it: `host` prefixes names (empty for a layout).
pub fn print_plan(host: &str, plan: &DeletePlan, out: &mut dyn Write) -> Result<()> {
    for l in plan_lines(host, plan) {
        writeln!(out, "{}", escape(&l))?;
    }
    Ok(())
}

/// What was done, in the plan's terms, and every difference.
pub fn print_report(
    host: &str,
    plan: &DeletePlan,
    r: &DeleteReport,
    out: &mut dyn Write,
) -> Result<()> {
    for l in report_lines(host, plan, r) {
        writeln!(out, "{}", escape(&l))?;
    }
    Ok(())
}

/// Asks on the terminal; refuses when standard input is not one.
pub fn confirm(prompt: &str) -> Result<bool> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        bail!("refusing to delete without confirmation: standard input is not a terminal (use -y)");
    }
    eprint!("{prompt} [y/N] ");
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// The error a report that differs from its plan ends in (exit status 1).
pub fn differs(r: &DeleteReport) -> anyhow::Error {
    anyhow::anyhow!(
        "the result differs from the plan: {} item(s) not done, {} change(s) not planned",
        r.not_done.len(),
        r.unplanned.len()
    )
}

/// The registry host names are shown with (nothing for a layout).
pub fn host_of(t: &Target) -> String {
    t.registry
        .as_ref()
        .map(|r| r.client().host().to_string())
        .unwrap_or_default()
}

pub async fn run(a: DeleteArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let reference = t.require_reference()?.to_string();
    let plan = plan_delete(t.store.as_ref(), &t.repo, &[reference], a.cascade, a.depth).await?;
    let host = host_of(&t);
    match a.format {
        ListFormat::Json if a.dry_run => {
            writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?;
            return Ok(t);
        }
        ListFormat::Json => {}
        ListFormat::Text => print_plan(&host, &plan, out)?,
    }
    if a.dry_run {
        writeln!(out, "Dry run: nothing changed.")?;
        return Ok(t);
    }
    if plan.is_empty() {
        if a.format == ListFormat::Text {
            writeln!(out, "Nothing to delete.")?;
        }
        return Ok(t);
    }
    out.flush()?;
    if !a.yes && !confirm("Carry out this plan?")? {
        bail!("cancelled; nothing changed");
    }
    let report = execute(t.store.as_ref(), &plan, &DeleteOptions::default(), |_| {}).await?;
    match a.format {
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        ListFormat::Text => print_report(&host, &plan, &report, out)?,
    }
    if !report.matches_plan() {
        return Err(differs(&report));
    }
    Ok(t)
}
