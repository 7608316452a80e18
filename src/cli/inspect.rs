//! `arbor inspect REF`: what an artifact carries, decoded (signatures, SBOMs, attestations, scans).
use super::args::ListFormat;
use crate::connection::Target;
use anyhow::{anyhow, Result};
use std::io::Write;

/// Decodes the manifest `t` points at and prints the report as text or JSON.
pub async fn run(t: &Target, format: ListFormat, out: &mut dyn Write) -> Result<()> {
    let r = t
        .reference
        .clone()
        .ok_or_else(|| anyhow!("a tag or digest is required"))?;
    let i = crate::inspect::inspect(t.store.as_ref(), &t.repo, &r).await?;
    match format {
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&i)?)?,
        ListFormat::Text => {
            for l in crate::inspect::render_lines(&i) {
                writeln!(out, "{l}")?;
            }
        }
    }
    Ok(())
}
