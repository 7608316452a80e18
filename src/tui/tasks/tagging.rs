//! Tagging from the TUI (`tag::add_tags`, `tag::untag`) and the tree as Mermaid
//! (`graph::export::to_mermaid`, the text `arbor discover --format mermaid` prints).
use super::complete::expand_home;
use crate::graph::{discover, export, DiscoverOptions};
use crate::oci::Digest;
use crate::store::{Store, StoreKind};
use crate::tag::Untagged;
use crate::tui::action::{Exported, UntagAnswer};
use crate::tui::effect::ExportTo;
use std::io::Write;

pub async fn add_tags(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    tags: Vec<String>,
) -> Result<(Digest, Vec<String>), String> {
    let d = crate::tag::add_tags(store, repo, reference, &tags)
        .await
        .map_err(|e| e.to_string())?;
    Ok((d, tags))
}

pub async fn untag(store: &dyn Store, repo: &str, tag: &str) -> Result<UntagAnswer, String> {
    match crate::tag::untag(store, repo, tag).await {
        Ok(Untagged::Removed(d)) => Ok(UntagAnswer::Removed(d)),
        Ok(Untagged::Refused(r)) => {
            let info = store.info();
            let name = match info.kind {
                StoreKind::Registry => format!("{}/{repo}", info.name),
                StoreKind::Layout => info.name,
            };
            Ok(UntagAnswer::Refused(r.explain(&name, tag)))
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Discovers the graph as `arbor discover --format mermaid` does, and writes it out.
pub async fn export_mermaid(
    store: &dyn Store,
    repo: &str,
    digest: &str,
    title: &str,
    to: ExportTo,
) -> Result<Exported, String> {
    let root = store
        .resolve(repo, digest)
        .await
        .map_err(|e| e.to_string())?;
    let opts = DiscoverOptions {
        depth: Some(crate::graph::DEFAULT_DEPTH),
        index_children: true,
        cosign_tags: true,
        ..Default::default()
    };
    let found = discover(store, repo, root, &opts)
        .await
        .map_err(|e| e.to_string())?;
    let text = export::to_mermaid(title, &found.root);
    match to {
        ExportTo::Clipboard => Ok(Exported::Clipboard(text)),
        ExportTo::File { path, overwrite } => {
            let shown = path.display().to_string();
            let path = expand_home(&path);
            tokio::task::spawn_blocking(move || write_file(&path, text.as_bytes(), overwrite))
                .await
                .map_err(|e| e.to_string())?
                .map(|written| {
                    if written {
                        Exported::File(shown.clone())
                    } else {
                        Exported::Exists(shown.clone())
                    }
                })
                .map_err(|e| format!("writing {shown}: {e}"))
        }
    }
}

/// Writes `bytes` to `path`: false when it exists and `overwrite` is off (nothing written).
fn write_file(path: &std::path::Path, bytes: &[u8], overwrite: bool) -> std::io::Result<bool> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true);
    if overwrite {
        o.create(true).truncate(true);
    } else {
        // Atomic: never replaces a file that appeared since it was checked.
        o.create_new(true);
    }
    match o.open(path) {
        Ok(mut f) => {
            f.write_all(bytes)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}
