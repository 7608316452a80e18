//! `arbor purge`: retention across repositories — the plan for every repository first, one
//! confirmation, then each plan carried out and reported in its terms.
use super::args::{ListFormat, PurgeArgs};
use super::delete::{confirm, differs, host_of, print_plan, print_report};
use crate::connection::{open_registry, open_target, ConnectOptions, Target};
use crate::graph::delete::{execute, DeleteOptions};
use crate::graph::purge::{is_pattern, matching_repositories, plan_purge, PurgePlan, PurgeRules};
use crate::text::escape;
use anyhow::{bail, Result};
use std::io::Write;
use time::OffsetDateTime;

/// The store and the repositories `a.repositories` names.
async fn targets(a: &PurgeArgs, conn: &ConnectOptions) -> Result<(Target, Vec<String>)> {
    if conn.oci_layout.is_some() || !is_pattern(&a.repositories) {
        let input = (conn.oci_layout.is_none()).then_some(a.repositories.as_str());
        let t = open_target(conn, input, true)?;
        let repo = t.repo.clone();
        return Ok((t, vec![repo]));
    }
    let Some((host, pattern)) = a.repositories.split_once('/') else {
        bail!("a repository pattern is `registry/pattern`, e.g. `localhost:5000/team/*`");
    };
    let t = open_registry(conn, host)?;
    let repos = matching_repositories(t.store.as_ref(), pattern).await?;
    if repos.is_empty() {
        bail!(
            "no repository of {} matches {}",
            escape(host),
            escape(pattern)
        );
    }
    Ok((t, repos))
}

fn print_decisions(p: &PurgePlan, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Tags of {} the filter matches:",
        escape(&p.plan.repository)
    )?;
    if p.decisions.is_empty() {
        writeln!(out, "  none")?;
    }
    for d in &p.decisions {
        // The time the age was measured from, named as such.
        let (word, time) = match &d.registry_time {
            Some(t) => ("pushed", Some(t)),
            None => ("created", d.created.as_ref()),
        };
        writeln!(
            out,
            "  {} {}  {word} {}  {}",
            if d.selected { "-" } else { "=" },
            escape(&d.tag),
            escape(time.map(String::as_str).unwrap_or("?")),
            escape(&d.reason)
        )?;
    }
    Ok(())
}

pub async fn run(a: PurgeArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let (t, repos) = targets(&a, conn).await?;
    let rules = PurgeRules {
        filter: a.filter.clone(),
        older_than: a.ago,
        keep: a.keep,
        untagged: a.untagged,
        now: OffsetDateTime::now_utc(),
    };
    let mut plans = Vec::new();
    for repo in &repos {
        plans.push(plan_purge(t.store.as_ref(), repo, &rules, a.concurrency).await?);
    }
    let host = host_of(&t);
    match a.format {
        ListFormat::Json if a.dry_run => {
            writeln!(out, "{}", serde_json::to_string_pretty(&plans)?)?;
            return Ok(t);
        }
        ListFormat::Json => {}
        ListFormat::Text => {
            for p in &plans {
                print_decisions(p, out)?;
                print_plan(&host, &p.plan, out)?;
            }
        }
    }
    if a.dry_run {
        writeln!(out, "Dry run: nothing changed.")?;
        return Ok(t);
    }
    let work: Vec<&PurgePlan> = plans.iter().filter(|p| !p.plan.is_empty()).collect();
    if work.is_empty() {
        if a.format == ListFormat::Text {
            writeln!(out, "Nothing to purge.")?;
        }
        return Ok(t);
    }
    out.flush()?;
    let manifests: usize = work.iter().map(|p| p.plan.manifests.len()).sum();
    if !a.yes
        && !confirm(&format!(
            "Carry out these plans ({manifests} manifest(s) in {} repository(ies))?",
            work.len()
        ))?
    {
        bail!("cancelled; nothing changed");
    }
    let opts = DeleteOptions {
        concurrency: a.concurrency,
    };
    let mut reports = Vec::new();
    for p in &work {
        let r = execute(t.store.as_ref(), &p.plan, &opts, |_| {}).await?;
        if a.format == ListFormat::Text {
            print_report(&host, &p.plan, &r, out)?;
        }
        reports.push(r);
    }
    if a.format == ListFormat::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(&reports)?)?;
    }
    if let Some(r) = reports.iter().find(|r| !r.matches_plan()) {
        return Err(differs(r));
    }
    Ok(t)
}
