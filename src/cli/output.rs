//! Output formats shared by the subcommands: oras-compatible discover JSON and the tree view.
use crate::graph::{EdgeSource, Expansion, Node};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

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

#[cfg(test)]
mod pretty_tests {
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
