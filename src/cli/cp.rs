//! `arbor cp`: the plan (printed alone with --dry-run), then the copy with progress bars on a
//! terminal; ctrl-c stops it with the destination consistent; the root digest last.
use super::args::{CpArgs, ListFormat};
use super::bars::Bars;
use crate::connection::{open_copy, ConnectOptions, End, Target};
use crate::copy::{self, BlobAction, CopyOptions, CopyPlan, CopyReport, Progress, Side};
use anyhow::{bail, Result};
use std::io::{IsTerminal, Write};

pub async fn run(a: CpArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let src_end = End::parse(&a.source, a.from_oci_layout)?;
    let dst_end = End::parse(&a.destination, a.to_oci_layout)?;
    let ends = open_copy(conn, &src_end, &dst_end)?;
    let (s, d) = (&ends.source, &ends.destination);
    let reference = s.require_reference()?;
    // Without a tag of its own, the destination keeps the source's.
    let tags: Vec<String> = dst_end
        .tag()
        .or_else(|| src_end.tag())
        .into_iter()
        .collect();
    let opts = CopyOptions {
        recursive: a.recursive,
        platforms: a.platforms,
        concurrency: a.concurrency,
        mount: ends.same_registry && s.repo != d.repo,
        tags,
    };
    let src = Side {
        store: s.store.as_ref(),
        repo: &s.repo,
    };
    let dst = Side {
        store: d.store.as_ref(),
        repo: &d.repo,
    };
    let mut plan = copy::plan(src, reference, dst, &opts).await?;
    plan.source = format!(
        "{}@{}",
        s.display_name,
        plan.source_root.as_ref().unwrap_or(&plan.root.digest)
    );
    plan.destination = d.display_name.clone();
    if let Some(want) = dst_end.digest() {
        if want != plan.root.digest {
            bail!(
                "the destination names {want}, but the copy's root is {}",
                plan.root.digest
            );
        }
    }
    for n in &plan.notes {
        eprintln!("note: {}", crate::text::escape(n));
    }
    if a.dry_run {
        match a.format {
            ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&plan)?)?,
            ListFormat::Text => {
                print_plan(&plan, out)?;
                writeln!(out, "Dry run: nothing copied.")?;
            }
        }
        return Ok(ends.destination);
    }
    let report = copy_with_progress(src, dst, &plan, &opts).await?;
    match a.format {
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        ListFormat::Text => print_report(&plan, &report, out)?,
    }
    Ok(ends.destination)
}

/// The copy with bars on a terminal; ctrl-c or SIGTERM drop it where it stands.
async fn copy_with_progress(
    src: Side<'_>,
    dst: Side<'_>,
    plan: &CopyPlan,
    opts: &CopyOptions,
) -> Result<CopyReport> {
    let moving: u64 = plan
        .blobs
        .iter()
        .filter(|b| b.action != BlobAction::Present)
        .map(|b| b.descriptor.size.max(0) as u64)
        .sum();
    let bars = Bars::new(std::io::stderr().is_terminal(), moving);
    let manifests = plan.manifests_to_push();
    let pushed = std::sync::atomic::AtomicUsize::new(0);
    let on_progress = |p: Progress| match p {
        Progress::BlobStarted { digest, size } => bars.start(&digest, size, "blob"),
        Progress::BlobBytes { digest, bytes } => bars.advance(&digest, bytes),
        Progress::BlobRestarted { digest } => bars.restart(&digest),
        Progress::BlobFinished { digest, how } => {
            if how == copy::BlobDone::Mounted {
                if let Some(b) = plan.blobs.iter().find(|b| b.descriptor.digest == digest) {
                    bars.total.inc(b.descriptor.size.max(0) as u64);
                }
            }
            bars.finish(&digest)
        }
        Progress::ManifestPushed { .. } => {
            let n = pushed.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            bars.total.set_message(format!("manifests {n}/{manifests}"));
        }
        Progress::Tagged { tag } => bars
            .total
            .set_message(format!("tagged {}", crate::text::tag_label(&tag))),
    };
    let result = tokio::select! {
        r = copy::execute(src, dst, plan, opts, &on_progress) => r,
        _ = super::signals::interrupted() => {
            bars.clear();
            bail!("interrupted: the destination holds only complete manifests, each referrer after its subject; the tag was not written (run the same command again to finish)");
        }
    };
    bars.clear();
    Ok(result?)
}

/// The plan as a person reads it: every manifest and blob, and what the destination has.
pub fn print_plan(plan: &CopyPlan, out: &mut dyn Write) -> Result<()> {
    for l in copy::summary::plan_lines(plan) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// What was done, in the plan's terms.
fn print_report(plan: &CopyPlan, r: &CopyReport, out: &mut dyn Write) -> Result<()> {
    for l in copy::summary::report_lines(plan, r) {
        writeln!(out, "{l}")?;
    }
    Ok(())
}
