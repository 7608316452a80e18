//! `arbor discover`: the referrers graph as a tree, or as oras-compatible JSON.
use super::args::{DiscoverArgs, TreeFormat};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::{discover, DiscoverOptions, EdgeSource, Expansion, Node};
use anyhow::{bail, Result};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

pub async fn run(a: DiscoverArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let root = t.store.resolve(&t.repo, t.require_reference()?).await?;
    let dopts = DiscoverOptions {
        artifact_type: a.artifact_type,
        depth: a.depth,
        // The tree and the drawings show cosign tags; oras-compatible JSON leaves them out.
        cosign_tags: a.full || a.format != TreeFormat::Json,
        index_children: a.full || matches!(a.format, TreeFormat::Dot | TreeFormat::Mermaid),
        ..Default::default()
    };
    let graph = discover(t.store.as_ref(), &t.repo, root, &dopts).await?;
    match a.format {
        TreeFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&discover_json(&t.display_name, &graph, a.full))?
        )?,
        TreeFormat::Dot => write!(
            out,
            "{}",
            crate::graph::export::to_dot(&t.display_name, &graph)
        )?,
        TreeFormat::Mermaid => write!(
            out,
            "{}",
            crate::graph::export::to_mermaid(&t.display_name, &graph)
        )?,
        TreeFormat::Tree => {
            write!(out, "{}", discover_tree(&t.display_name, &graph))?;
            if let Some(src) = t.store.referrers_source(&t.repo) {
                eprintln!("referrers from: {src}");
            }
        }
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

/// `oras discover --format json` shape (oras 1.3): reference, mediaType, digest, size,
/// annotations, artifactType, nested referrers. `full` adds index children and edge sources.
pub fn discover_json(repo_name: &str, root: &Node, full: bool) -> Value {
    fn node(repo_name: &str, n: &Node, is_root: bool, full: bool) -> Value {
        let d = &n.descriptor;
        let mut m = Map::new();
        m.insert(
            "reference".into(),
            json!(format!("{repo_name}@{}", d.digest)),
        );
        m.insert("mediaType".into(), json!(d.media_type));
        m.insert("digest".into(), json!(d.digest.to_string()));
        m.insert("size".into(), json!(d.size));
        if !is_root {
            if let Some(a) = d.annotations.as_ref().filter(|a| !a.is_empty()) {
                m.insert("annotations".into(), json!(a));
            }
            if let Some(t) = d.artifact_type.as_ref().filter(|t| !t.is_empty()) {
                m.insert("artifactType".into(), json!(t));
            }
        }
        if full {
            if let Some(p) = &d.platform {
                m.insert("platform".into(), json!(p));
            }
            m.insert("source".into(), json!(n.source));
            match &n.expansion {
                Expansion::Cycle => {
                    m.insert("cycle".into(), json!(true));
                }
                Expansion::Failed(e) => {
                    m.insert("error".into(), json!(e));
                }
                _ => {}
            }
            if !n.children.is_empty() {
                m.insert(
                    "manifests".into(),
                    Value::Array(
                        n.children
                            .iter()
                            .map(|c| node(repo_name, c, false, full))
                            .collect(),
                    ),
                );
            }
        }
        // oras knows only the referrers API and its tag schema: other edges are `--full` only.
        let shown = n.referrers.iter().filter(|c| {
            full || !matches!(
                c.source,
                EdgeSource::CosignTag | EdgeSource::BuildxAttestation
            )
        });
        m.insert(
            "referrers".into(),
            Value::Array(shown.map(|c| node(repo_name, c, false, full)).collect()),
        );
        Value::Object(m)
    }
    node(repo_name, root, true, full)
}

/// The tree view: referrers grouped by artifact type, annotations sorted.
pub fn discover_tree(repo_name: &str, root: &Node) -> String {
    fn build(n: &Node) -> Vec<termtree::Tree<String>> {
        let mut groups: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
        let mut order: Vec<String> = Vec::new();
        for c in n.children.iter().chain(n.referrers.iter()) {
            let key = if c.source == EdgeSource::Index {
                format!(
                    "[platform] {}",
                    c.descriptor
                        .platform
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| "unknown".into())
                )
            } else {
                c.descriptor
                    .artifact_type
                    .clone()
                    .unwrap_or_else(|| c.descriptor.media_type.clone())
            };
            if !groups.contains_key(&key) {
                order.push(key.clone());
            }
            groups.entry(key).or_default().push(c);
        }
        order
            .into_iter()
            .map(|k| {
                let members = groups.remove(&k).unwrap_or_default();
                let leaves = members.into_iter().map(one).collect::<Vec<_>>();
                termtree::Tree::new(k).with_leaves(leaves)
            })
            .collect()
    }
    fn one(n: &Node) -> termtree::Tree<String> {
        let mut label = n.descriptor.digest.to_string();
        match n.source {
            EdgeSource::CosignTag => label.push_str("  (cosign tag)"),
            EdgeSource::BuildxAttestation => label.push_str("  (buildx attestation)"),
            _ => {}
        }
        match &n.expansion {
            Expansion::Cycle => label.push_str("  (cycle: shown above, not followed)"),
            Expansion::Failed(e) => label.push_str(&format!("  (error: {e})")),
            _ => {}
        }
        let mut t = termtree::Tree::new(label);
        if let Some(a) = n.descriptor.annotations.as_ref().filter(|a| !a.is_empty()) {
            let ann: Vec<termtree::Tree<String>> = a
                .iter()
                .map(|(k, v)| termtree::Tree::new(format!("{k}: {v:?}")))
                .collect();
            t.push(termtree::Tree::new("[annotations]".to_string()).with_leaves(ann));
        }
        for g in build(n) {
            t.push(g);
        }
        t
    }
    let mut t = termtree::Tree::new(format!("{repo_name}@{}", root.descriptor.digest));
    for g in build(root) {
        t.push(g);
    }
    t.to_string()
}
