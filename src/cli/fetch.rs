//! `arbor fetch`: a manifest exactly as served (verified), pretty-printed, or its descriptor.
use super::args::FetchArgs;
use crate::connection::{open_target, ConnectOptions, Target};
use anyhow::Result;
use serde_json::Value;
use std::io::Write;

pub async fn run(a: FetchArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let m = t.store.manifest(&t.repo, t.require_reference()?).await?;
    if a.descriptor {
        writeln!(out, "{}", serde_json::to_string_pretty(&m.descriptor)?)?;
    } else if a.pretty {
        let what = format!("manifest {}", m.descriptor.digest);
        writeln!(out, "{}", pretty_json(&m.bytes, &what)?)?;
    } else {
        out.write_all(&m.bytes)?;
    }
    Ok(t)
}

/// serde_json's nesting limit, which `fetch --pretty` inherits.
pub const MAX_JSON_DEPTH: usize = 128;

/// Manifest bytes re-indented for `fetch --pretty`; the error says what stopped it.
pub fn pretty_json(bytes: &[u8], what: &str) -> anyhow::Result<String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.to_string().starts_with("recursion limit exceeded") {
            anyhow::anyhow!(
                "{what}: JSON nested deeper than {MAX_JSON_DEPTH} levels; --pretty cannot re-indent it (without --pretty it is printed as served)"
            )
        } else {
            anyhow::anyhow!("{what}: --pretty cannot re-indent it: {e}")
        }
    })?;
    Ok(serde_json::to_string_pretty(&v)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_named_in_the_pretty_error() {
        let deep = format!("{{\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        let e = pretty_json(deep.as_bytes(), "manifest r:v1").unwrap_err();
        assert_eq!(
            e.to_string(),
            "manifest r:v1: JSON nested deeper than 128 levels; --pretty cannot re-indent it (without --pretty it is printed as served)"
        );
        let ok = format!("{{\"x\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert!(pretty_json(ok.as_bytes(), "m").unwrap().contains("\n"));
        assert!(pretty_json(b"{", "m")
            .unwrap_err()
            .to_string()
            .starts_with("m: "));
    }
}
