//! `arbor discover`: the referrers graph as a tree, oras-compatible JSON, DOT or Mermaid, down to
//! `--depth` levels (where the walk stopped is said, on the nodes and on stderr).
use super::args::{DiscoverArgs, TreeFormat};
use super::{graph_json, tree};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::{discover, export, DiscoverOptions, Expansion};
use crate::text::escape;
use anyhow::{bail, Result};
use std::io::{BufWriter, Write};

pub async fn run(a: DiscoverArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let root = t.store.resolve(&t.repo, t.require_reference()?).await?;
    let dopts = DiscoverOptions {
        artifact_type: a.artifact_type,
        depth: Some(a.depth),
        // The tree and the drawings show cosign tags and index children; oras-compatible JSON
        // leaves cosign tags out.
        index_children: a.full || matches!(a.format, TreeFormat::Dot | TreeFormat::Mermaid),
        cosign_tags: a.full || a.format != TreeFormat::Json,
        ..Default::default()
    };
    let found = discover(t.store.as_ref(), &t.repo, root, &dopts).await?;
    let graph = &found.root;
    {
        let mut out = BufWriter::with_capacity(64 * 1024, &mut *out);
        match a.format {
            TreeFormat::Json => graph_json::write(&mut out, &t.display_name, graph, a.full)?,
            TreeFormat::Tree => tree::write(&mut out, &t.display_name, graph)?,
            TreeFormat::Dot => write!(out, "{}", export::to_dot(&t.display_name, graph))?,
            TreeFormat::Mermaid => write!(out, "{}", export::to_mermaid(&t.display_name, graph))?,
        }
        out.flush()?;
    }
    if a.format == TreeFormat::Tree {
        if let Some(src) = t.store.referrers_source(&t.repo) {
            eprintln!("referrers from: {src}");
        }
    }
    for note in &found.notes {
        eprintln!("note: {}", escape(note));
    }
    let walked = graph.walk();
    if walked.iter().any(|n| n.expansion == Expansion::DepthLimit) {
        eprintln!(
            "note: depth limit reached ({} levels): referrers below it were not fetched; --depth N goes further",
            a.depth
        );
    }
    let errors = graph.errors();
    if let Some((d, e)) = errors.first() {
        bail!(
            "{} node(s) could not be expanded; first: {d}: {e}",
            errors.len()
        );
    }
    Ok(t)
}
