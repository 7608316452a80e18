//! `arbor manifests`: a repository's untagged manifests, or its orphaned referrers.
use super::args::{ListFormat, ManifestsArgs};
use super::format::human;
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::orphans;
use crate::text::escape;
use anyhow::Result;
use std::io::Write;

pub async fn run(a: ManifestsArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, a.repository.as_deref(), true)?;
    // --untagged is the default listing; it only excludes --orphans.
    let listed = if a.orphans {
        orphans::orphans(t.store.as_ref(), &t.repo).await?
    } else {
        orphans::untagged(t.store.as_ref(), &t.repo).await?
    };
    match a.format {
        ListFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "manifests": listed }))?
        )?,
        ListFormat::Text => {
            for l in &listed {
                let ty = l.descriptor.artifact_type.clone().unwrap_or_else(|| {
                    crate::oci::media::short_label(&l.descriptor.media_type).to_string()
                });
                let parent = l
                    .parent
                    .as_ref()
                    .map(|p| format!(" of {}", p.short()))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "{}  {:9}{}  {}  {}  +{} below ({})",
                    l.descriptor.digest,
                    l.kind,
                    parent,
                    escape(&ty),
                    human(l.descriptor.size),
                    l.below,
                    human(l.size_with_below)
                )?;
            }
            if listed.is_empty() {
                writeln!(out, "none")?;
            }
        }
    }
    Ok(t)
}
