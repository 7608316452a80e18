//! The plan and the report as a person reads them, line by line: `arbor cp` prints these and
//! the TUI's copy dialog shows the same lines, so both say a copy in the same terms. Every
//! string from a registry goes through the sanitiser here.
use super::{BlobAction, CopyPlan, CopyReport};
use crate::graph::EdgeSource;
use crate::store::ReferrersSource;
use crate::text::{escape, human, tag_label};

fn via(v: Option<ReferrersSource>) -> &'static str {
    match v {
        Some(ReferrersSource::ReferrersApi) => "the referrers API",
        Some(ReferrersSource::ReferrersTag) => {
            "sha256-<hex> fallback indexes (merged with what is there)"
        }
        Some(ReferrersSource::Layout) => "index.json entries",
        None => "decided once the first manifest is there",
    }
}

fn source_label(s: EdgeSource) -> &'static str {
    use EdgeSource::*;
    match s {
        Root => "root",
        ReferrersApi => "referrer (api)",
        ReferrersTag => "referrer (tag)",
        Layout => "referrer",
        Index => "index entry",
        CosignTag => "cosign tag",
        BuildxAttestation => "attestation",
    }
}

/// The plan: every manifest and blob, and what the destination has.
pub fn plan_lines(plan: &CopyPlan) -> Vec<String> {
    let present = plan.manifests.iter().filter(|m| m.exists).count();
    let count = |a| plan.blobs.iter().filter(|b| b.action == a).count();
    let mut out = vec![
        format!(
            "Copy {} -> {}{}",
            escape(&plan.source),
            escape(&plan.destination),
            if plan.recursive {
                " (with referrers)"
            } else {
                ""
            }
        ),
        format!(
            "Manifests: {} ({} to push, {present} already there)",
            plan.manifests.len(),
            plan.manifests.len() - present
        ),
    ];
    for m in &plan.manifests {
        // Both types come from the registry (an unknown media type is shown as it is).
        let ty = escape(
            m.descriptor
                .artifact_type
                .as_deref()
                .unwrap_or_else(|| crate::oci::media::short_label(&m.descriptor.media_type)),
        )
        .into_owned();
        out.push(format!(
            "  {}  {:<14} {}  {}{}",
            m.descriptor.digest,
            source_label(m.source),
            human(m.descriptor.size),
            ty,
            if m.exists { "  (already there)" } else { "" }
        ));
    }
    out.push(format!(
        "Blobs: {} ({} to copy, {}; {} to mount; {} already there, {})",
        plan.blobs.len(),
        count(BlobAction::Copy),
        human(plan.bytes_to_copy() as i64),
        count(BlobAction::Mount),
        count(BlobAction::Present),
        human(plan.bytes_present() as i64)
    ));
    out.push(format!(
        "Referrers on the destination: {}",
        via(plan.destination_referrers)
    ));
    let tags: Vec<String> = plan
        .tags
        .iter()
        .map(|t| tag_label(&t.tag).into_owned())
        .collect();
    out.push(format!(
        "Tags (written last): {}",
        if tags.is_empty() {
            "none".to_string()
        } else {
            tags.join(", ")
        }
    ));
    out.push(format!("Digest: {}", plan.root.digest));
    out
}

/// What was done, in the plan's terms.
pub fn report_lines(plan: &CopyPlan, r: &CopyReport) -> Vec<String> {
    let mut out = vec![
        format!(
            "Copied {} -> {}",
            escape(&plan.source),
            escape(&plan.destination)
        ),
        format!(
            "Manifests: {} pushed, {} already there",
            r.manifests_pushed, r.manifests_present
        ),
        format!(
            "Blobs: {} copied ({}), {} mounted, {} already there",
            r.blobs_copied,
            human(r.bytes_copied as i64),
            r.blobs_mounted,
            r.blobs_present
        ),
    ];
    if plan.recursive || !r.fallback_indexes.is_empty() {
        out.push(format!(
            "Referrers on the destination: {}",
            via(r.destination_referrers)
        ));
    }
    for t in &r.fallback_indexes {
        out.push(format!("Fallback index: {}", tag_label(t)));
    }
    for t in &r.tags {
        out.push(format!("Tagged {}", tag_label(t)));
    }
    if let Some(d) = &r.root {
        out.push(format!("Digest: {d}"));
    }
    out
}
