//! Plans and reports in words, one line per string: what the CLI prints and the TUI's plan
//! dialog shows, so both list the same things. Lines carry registry text as it came: the front
//! end escapes each line for its terminal.
use super::{DeletePlan, DeleteReport, ItemKind, PlannedManifest};
use crate::listing::ListingSource;
use crate::oci::Digest;

/// Names manifests as `host/repo@sha256:…` (`host` empty: `repo@sha256:…`).
fn named(host: &str, plan: &DeletePlan, d: &Digest) -> String {
    if host.is_empty() {
        format!("{}@{d}", plan.repository)
    } else {
        format!("{host}/{}@{d}", plan.repository)
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn manifest_lines(host: &str, plan: &DeletePlan, m: &PlannedManifest) -> [String; 2] {
    let mut line = format!(
        "  {}  {}  {}",
        named(host, plan, &m.digest),
        m.class,
        m.kind
    );
    if let Some(p) = &m.platform {
        line.push_str(&format!(" {p}"));
    }
    if !m.tags.is_empty() {
        line.push_str(&format!("  tags: {}", m.tags.join(", ")));
    }
    [line, format!("      why: {}", m.reason)]
}

/// The plan: a summary line, every manifest (in delete order) with why, every tag, every
/// fallback index, and what is kept and why.
pub fn plan_lines(host: &str, plan: &DeletePlan) -> Vec<String> {
    let mut out = vec![format!(
        "Delete plan for {}: {} manifest(s) ({} bytes of manifests), {} tag(s), {} fallback index(es)",
        plan.targets.join(", "),
        plan.manifests.len(),
        plan.manifest_bytes(),
        plan.tags.len(),
        plan.fallback_indexes.len()
    )];
    if !plan.manifests.is_empty() {
        out.push("Manifests deleted, in this order:".into());
        for m in &plan.manifests {
            out.extend(manifest_lines(host, plan, m));
        }
    }
    out.push(format!("Tags removed: {}", list(&plan.tags)));
    out.push(format!(
        "Fallback indexes removed or rewritten: {}",
        list(&plan.fallback_indexes)
    ));
    for r in &plan.fallback_rewrites {
        let entries: Vec<String> = r.remove.iter().map(|d| d.to_string()).collect();
        out.push(format!(
            "  {} rewritten without {}",
            r.tag,
            entries.join(", ")
        ));
    }
    if !plan.kept.is_empty() {
        out.push("Kept:".into());
        for k in &plan.kept {
            out.push(format!(
                "  {}  {}  {}",
                named(host, plan, &k.digest),
                k.kind,
                k.reason
            ));
        }
    }
    if plan.source == ListingSource::OciLayout && !plan.is_empty() {
        // The report counts what the collection removed: the plan says it will run.
        out.push("Then: blobs nothing in the layout references any more are removed".into());
    }
    out
}

/// What was done, in the plan's terms, then every difference and a closing count.
pub fn report_lines(host: &str, plan: &DeletePlan, r: &DeleteReport) -> Vec<String> {
    let mut out = Vec::new();
    for m in &r.done.manifests {
        out.push(format!("Deleted {}", named(host, plan, &m.digest)));
    }
    for t in &r.done.tags {
        out.push(format!("Removed tag {t}"));
    }
    for rw in &r.done.fallback_rewrites {
        out.push(format!(
            "Rewrote fallback index {} ({} entry(ies) out)",
            rw.tag,
            rw.remove.len()
        ));
    }
    for n in &r.not_done {
        let what = match n.what {
            ItemKind::Manifest => "manifest",
            ItemKind::Tag => "tag",
            ItemKind::FallbackIndex => "fallback index",
        };
        out.push(format!("NOT DONE: {what} {}: {}", n.item, n.reason));
    }
    for n in &r.unplanned {
        out.push(format!("NOT PLANNED: tag {}: {}", n.item, n.reason));
    }
    if let Some((n, bytes)) = r.garbage_collected {
        out.push(format!("Removed {n} unreferenced blob(s), {bytes} bytes"));
    }
    if let Some(e) = &r.garbage_collection_failed {
        out.push(format!("Collecting unreferenced blobs failed: {e}"));
    }
    out.push(format!(
        "Done: {} of {} manifest(s), {} of {} tag(s), {} of {} fallback index(es){}",
        r.done.manifests.len(),
        plan.manifests.len(),
        r.done.tags.len().saturating_sub(r.unplanned.len()),
        plan.tags.len(),
        r.done.fallback_indexes.len(),
        plan.fallback_indexes.len(),
        if r.matches_plan() {
            " — as planned"
        } else {
            " — differs from the plan"
        }
    ));
    out
}
