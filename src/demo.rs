//! The embedded demo OCI layout (assets/demo), unpacked on first use.
use std::path::PathBuf;

/// Unpacks the demo layout (if needed) and returns its directory.
pub fn demo_layout() -> anyhow::Result<PathBuf> {
    anyhow::bail!("the demo layout is not built yet")
}
