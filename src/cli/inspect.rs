//! `arbor inspect REF`: what an artifact carries, decoded (signatures, SBOMs, attestations, scans).
use super::args::{InspectArgs, ListFormat};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::text::escape;
use anyhow::Result;
use std::io::Write;

/// Decodes the manifest the reference names and prints the report as text or JSON.
pub async fn run(a: InspectArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let i = crate::inspect::inspect(t.store.as_ref(), &t.repo, t.require_reference()?).await?;
    match a.format {
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&i)?)?,
        ListFormat::Text => {
            // Decoded content is the artifact's: each line escaped, one line each.
            for l in crate::inspect::render_lines(&i) {
                writeln!(out, "{}", escape(&l))?;
            }
        }
    }
    Ok(t)
}
