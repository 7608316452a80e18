//! `arbor audit REPO|REGISTRY`: one row per tag — signed, verified, SBOM, provenance,
//! attestations, scan — counts at the end, JSON for scripts; exit 1 when a tag lacks what
//! `--require` names or could not be read in full. Progress goes to stderr.
use super::args::{AuditArgs, TableFormat};
use super::verify::{load_trust, UsageError};
use crate::audit::{self, AuditOptions, AuditReport, Progress, TagAudit};
use crate::connection::{open_registry, open_target, ConnectOptions, Target};
use crate::text::{escape, tag_label};
use crate::verify::Status;
use anyhow::{bail, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{IsTerminal, Write};

/// Runs `arbor audit`.
pub async fn run(a: AuditArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let cfg = load_trust(&a.trust)?;
    let (t, whole_registry) = open(&a, conn)?;
    let repositories = if whole_registry {
        let store = t.store.clone();
        let cap = crate::store::Cap::new(store.limits().repositories, "--max-repos");
        crate::store::collect_pages("catalog", cap, |c: Option<String>| {
            let store = store.clone();
            async move { store.repositories(c.as_deref(), 1000).await }
        })
        .await?
    } else {
        vec![t.repo.clone()]
    };
    let only = t.reference.clone();
    let progress = Bar::new(std::io::stderr().is_terminal());
    let report = audit::audit(
        t.store.as_ref(),
        &repositories,
        only.as_deref(),
        &AuditOptions {
            require: a.require.clone(),
            concurrency: a.concurrency,
            verify: &cfg,
            progress: &|p| progress.on(p),
        },
    )
    .await;
    progress.done();
    match a.format {
        TableFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        TableFormat::Table => write_table(out, &report, whole_registry)?,
    }
    for e in &report.errors {
        eprintln!(
            "arbor: {}: not audited: {}",
            escape(&e.repository),
            escape(&e.error)
        );
    }
    if !report.passed() {
        bail!("{}", verdict_line(&report));
    }
    Ok(t)
}

/// The store and whether a whole registry (every repository of its catalog) is audited.
fn open(a: &AuditArgs, conn: &ConnectOptions) -> Result<(Target, bool)> {
    if conn.oci_layout.is_some() {
        return Ok((open_target(conn, a.target.as_deref(), true)?, false));
    }
    let Some(input) = a.target.as_deref() else {
        return Err(UsageError(
            "a repository or registry is required (or use --oci-layout DIR)".into(),
        )
        .into());
    };
    if !input.contains('/') {
        return Ok((open_registry(conn, input)?, true));
    }
    Ok((open_target(conn, Some(input), true)?, false))
}

/// Draws a bar on a terminal; elsewhere one line per repository.
struct Bar {
    bar: Option<ProgressBar>,
}

impl Bar {
    fn new(terminal: bool) -> Self {
        let bar = terminal.then(|| {
            let b = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            b.set_style(
                ProgressStyle::with_template("audit {msg} [{bar:30}] {pos}/{len} tags")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        Bar { bar }
    }

    fn on(&self, p: Progress) {
        match (p, &self.bar) {
            (Progress::Tag, Some(b)) => b.inc(1),
            (Progress::Tag, None) => {}
            (
                Progress::Repository {
                    name,
                    index,
                    total,
                    tags,
                },
                Some(b),
            ) => {
                b.inc_length(tags as u64);
                b.set_message(format!("{} ({}/{total})", escape(name), index + 1));
            }
            (
                Progress::Repository {
                    name,
                    index,
                    total,
                    tags,
                },
                None,
            ) => eprintln!(
                "audit: {} ({}/{total}): {tags} tag{}",
                escape(name),
                index + 1,
                if tags == 1 { "" } else { "s" }
            ),
        }
    }

    fn done(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// `✓` verified, `✗` every signature failed, `?` none could be verified with what was given,
/// `-` accepted unverified by a `skip` policy, blank when unsigned.
fn mark(t: &TagAudit) -> &'static str {
    match t.verification() {
        Some(Status::Verified) => "✓",
        Some(Status::Skipped) => "-",
        Some(Status::Failed) => "✗",
        Some(Status::Unverifiable) => "?",
        None => "",
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".into()
    } else {
        escape(&items.join(",")).into_owned()
    }
}

fn row(t: &TagAudit, whole_registry: bool) -> Vec<String> {
    let tag = tag_label(&t.tag).into_owned();
    let mut r = Vec::new();
    if whole_registry {
        r.push(escape(&t.repository).into_owned());
    }
    r.push(tag);
    r.push(
        t.digest
            .as_deref()
            .map(|d| d.get(..19).unwrap_or(d).to_string())
            .unwrap_or_else(|| "-".into()),
    );
    r.push(match t.signatures.len() {
        0 => "-".into(),
        n => n.to_string(),
    });
    let verified = t
        .signatures
        .iter()
        .filter(|s| s.status == Status::Verified)
        .count();
    r.push(match mark(t) {
        "" => "-".into(),
        m => format!("{m} {verified}/{}", t.signatures.len()),
    });
    r.push(list(&t.sbom));
    r.push(list(&t.provenance));
    r.push(match t.attestations.len() {
        0 => "-".into(),
        n => n.to_string(),
    });
    r.push(list(&t.scan));
    let mut note = Vec::new();
    if !t.missing.is_empty() {
        let m: Vec<&str> = t.missing.iter().map(|r| r.name()).collect();
        note.push(format!("missing {}", m.join(",")));
    }
    if let Some(e) = t.errors.first() {
        note.push(format!("incomplete: {}", escape(e)));
    }
    r.push(note.join("; "));
    r
}

fn write_table(out: &mut dyn Write, report: &AuditReport, whole_registry: bool) -> Result<()> {
    let mut head = vec![];
    if whole_registry {
        head.push("REPOSITORY");
    }
    head.extend([
        "TAG",
        "DIGEST",
        "SIGNED",
        "VERIFIED",
        "SBOM",
        "PROVENANCE",
        "ATTESTED",
        "SCAN",
        "",
    ]);
    let rows: Vec<Vec<String>> = std::iter::once(head.iter().map(|s| s.to_string()).collect())
        .chain(report.tags.iter().map(|t| row(t, whole_registry)))
        .collect();
    let widths: Vec<usize> = (0..head.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 == r.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(widths[i] - cell.chars().count() + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "{}", summary(report))?;
    Ok(())
}

/// `12 tags in 3 repositories: 9 signed, 7 verified, …`.
fn summary(r: &AuditReport) -> String {
    let c = &r.counts;
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut s = format!(
        "{} in {}: {} signed, {} verified, {} with an SBOM, {} with provenance, {} attested, {} with a scan result",
        plural(c.tags, "tag", "tags"),
        plural(c.repositories, "repository", "repositories"),
        c.signed,
        c.verified,
        c.sbom,
        c.provenance,
        c.attestation,
        c.scan
    );
    if !r.require.is_empty() {
        s.push_str(&format!(
            "; {} lacking --require {}",
            c.failing,
            requirement_list(r)
        ));
    }
    if c.incomplete > 0 {
        s.push_str(&format!("; {} incomplete", c.incomplete));
    }
    s
}

fn requirement_list(r: &AuditReport) -> String {
    r.require
        .iter()
        .map(|x| x.name())
        .collect::<Vec<_>>()
        .join(",")
}

/// Why the audit fails, for the error line.
fn verdict_line(r: &AuditReport) -> String {
    let c = &r.counts;
    let mut parts = Vec::new();
    if c.failing > 0 {
        parts.push(format!(
            "{} of {} tags lack --require {}",
            c.failing,
            c.tags,
            requirement_list(r)
        ));
    }
    if c.incomplete > 0 {
        parts.push(format!(
            "{} tags or repositories could not be read in full",
            c.incomplete
        ));
    }
    format!("audit failed: {}", parts.join("; "))
}
