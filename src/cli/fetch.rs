//! `arbor fetch`: a manifest exactly as served (verified), pretty-printed, or its descriptor.
use super::args::FetchArgs;
use crate::connection::{open_target, ConnectOptions, Target};
use anyhow::Result;
use std::io::Write;

pub async fn run(a: FetchArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let m = t.store.manifest(&t.repo, t.require_reference()?).await?;
    if a.descriptor {
        writeln!(out, "{}", serde_json::to_string_pretty(&m.descriptor)?)?;
    } else if a.pretty {
        let v: serde_json::Value = serde_json::from_slice(&m.bytes)?;
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        out.write_all(&m.bytes)?;
    }
    Ok(t)
}
