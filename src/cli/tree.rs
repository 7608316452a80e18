//! `discover`'s tree: referrers grouped by artifact type, annotations sorted, drawn line by
//! line from an explicit stack (no recursion over the graph's depth). Every string the
//! registry chose goes through the sanitiser; indentation stops growing past [`MAX_INDENT`].
use crate::graph::{EdgeSource, Expansion, Node};
use crate::text::escape;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Levels drawn at most; deeper lines show the last levels after `… `.
pub const MAX_INDENT: usize = 128;

/// What a line of the tree is.
enum Entry<'a> {
    Node(&'a Node),
    Group(String, Vec<&'a Node>),
    Annotations(&'a Node),
    Text(String),
}

/// Writes the tree for `root`, named `repo_name@digest`.
pub fn write(out: &mut dyn Write, repo_name: &str, root: &Node) -> io::Result<()> {
    writeln!(out, "{repo_name}@{}", root.descriptor.digest)?;
    // (entry, level, last among its siblings); `open[l]`: level l has siblings still to come.
    let mut stack: Vec<(Entry, usize, bool)> = Vec::new();
    push_all(
        &mut stack,
        groups(root).into_iter().map(|(k, v)| Entry::Group(k, v)),
        1,
    );
    let mut open: Vec<bool> = Vec::new();
    while let Some((entry, level, last)) = stack.pop() {
        open.truncate(level - 1);
        let mut prefix = String::new();
        let skip = open.len().saturating_sub(MAX_INDENT);
        if skip > 0 {
            prefix.push_str("… ");
        }
        for &more in &open[skip..] {
            prefix.push_str(if more { "│   " } else { "    " });
        }
        prefix.push_str(if last { "└── " } else { "├── " });
        open.push(!last);
        match entry {
            Entry::Group(heading, members) => {
                writeln!(out, "{prefix}{heading}")?;
                push_all(&mut stack, members.into_iter().map(Entry::Node), level + 1);
            }
            Entry::Node(n) => {
                writeln!(out, "{prefix}{}", label(n))?;
                let mut below: Vec<Entry> = Vec::new();
                if n.descriptor
                    .annotations
                    .as_ref()
                    .is_some_and(|a| !a.is_empty())
                {
                    below.push(Entry::Annotations(n));
                }
                below.extend(groups(n).into_iter().map(|(k, v)| Entry::Group(k, v)));
                push_all(&mut stack, below, level + 1);
            }
            Entry::Annotations(n) => {
                writeln!(out, "{prefix}[annotations]")?;
                let lines = n.descriptor.annotations.iter().flatten().map(|(k, v)| {
                    // Debug quotes the value; the sanitiser catches what Debug leaves as is.
                    Entry::Text(format!("{}: {}", escape(k), escape(&format!("{v:?}"))))
                });
                push_all(&mut stack, lines, level + 1);
            }
            Entry::Text(t) => writeln!(out, "{prefix}{t}")?,
        }
    }
    Ok(())
}

/// Pushes `entries` so they pop in order, the last one marked last.
fn push_all<'a>(
    stack: &mut Vec<(Entry<'a>, usize, bool)>,
    entries: impl IntoIterator<Item = Entry<'a>>,
    level: usize,
) {
    let entries: Vec<Entry> = entries.into_iter().collect();
    let n = entries.len();
    for (i, e) in entries.into_iter().enumerate().rev() {
        stack.push((e, level, i + 1 == n));
    }
}

/// A node's children and referrers by heading (platform, else artifact or media type), in
/// the order they first appear.
fn groups(n: &Node) -> Vec<(String, Vec<&Node>)> {
    let mut groups: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for c in n.children.iter().chain(n.referrers.iter()) {
        let key = if c.source == EdgeSource::Index {
            let p = c.descriptor.platform.as_ref().map(|p| p.to_string());
            format!("[platform] {}", escape(p.as_deref().unwrap_or("unknown")))
        } else {
            let t = c.descriptor.artifact_type.as_ref();
            escape(t.unwrap_or(&c.descriptor.media_type)).into_owned()
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
            (k, members)
        })
        .collect()
}

/// A node's line: its digest and what is special about it.
fn label(n: &Node) -> String {
    let mut label = n.descriptor.digest.to_string();
    match n.source {
        EdgeSource::CosignTag => label.push_str("  (cosign tag)"),
        EdgeSource::BuildxAttestation => label.push_str("  (buildx attestation)"),
        _ => {}
    }
    match &n.expansion {
        Expansion::Cycle => label.push_str("  (cycle: shown above, not followed)"),
        Expansion::Failed(e) => label.push_str(&format!("  (error: {})", escape(e))),
        Expansion::DepthLimit => {
            label.push_str("  (depth limit reached: referrers not fetched; --depth N goes further)")
        }
        Expansion::Done => {}
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{Descriptor, Digest};

    fn node(name: &str, ty: &str, source: EdgeSource) -> Node {
        let mut d = Descriptor::empty();
        d.digest = Digest::sha256_of(name.as_bytes());
        d.media_type = "application/vnd.oci.image.manifest.v1+json".into();
        d.artifact_type = Some(ty.into());
        let mut n = Node::leaf(d, source);
        n.expansion = Expansion::Done;
        n
    }

    fn text(root: &Node) -> String {
        let mut out = Vec::new();
        write(&mut out, "r/x", root).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn draws_groups_nodes_and_annotations_as_a_tree() {
        let mut root = node("root", "", EdgeSource::Root);
        let mut sig = node("sig", "application/sig", EdgeSource::ReferrersApi);
        let mut ann = std::collections::BTreeMap::new();
        ann.insert("k".to_string(), "v".to_string());
        sig.descriptor.annotations = Some(ann);
        sig.referrers
            .push(node("sig2", "application/sig", EdgeSource::ReferrersApi));
        root.referrers.push(sig);
        let mut sbom = node("sbom", "application/sbom", EdgeSource::ReferrersApi);
        sbom.expansion = Expansion::DepthLimit;
        root.referrers.push(sbom);
        let d = |s: &str| Digest::sha256_of(s.as_bytes()).to_string();
        let want = format!(
            "r/x@{}\n├── application/sig\n│   └── {}\n│       ├── [annotations]\n│       │   └── k: \"v\"\n│       └── application/sig\n│           └── {}\n└── application/sbom\n    └── {}  (depth limit reached: referrers not fetched; --depth N goes further)\n",
            d("root"),
            d("sig"),
            d("sig2"),
            d("sbom")
        );
        assert_eq!(text(&root), want);
    }

    #[test]
    fn registry_strings_are_escaped() {
        let mut root = node("root", "", EdgeSource::Root);
        let mut n = node(
            "x",
            "application/evil\x1b]0;t\x07\u{202e}",
            EdgeSource::ReferrersApi,
        );
        let mut ann = std::collections::BTreeMap::new();
        ann.insert(
            "key\x1b[2J\u{202e}".to_string(),
            "v\u{2066}\x1b]52;c;x\x07".to_string(),
        );
        n.descriptor.annotations = Some(ann);
        n.expansion = Expansion::Failed("boom\x1b[31m".into());
        root.referrers.push(n);
        let t = text(&root);
        assert!(
            !t.chars().any(|c| c != '\n' && crate::text::needs_escape(c)),
            "{t}"
        );
        assert!(t.contains("application/evil\\x1b]0;t\\x07\\u{202e}"), "{t}");
        assert!(t.contains("key\\x1b[2J\\u{202e}: "), "{t}");
        assert!(t.contains("(error: boom\\x1b[31m)"), "{t}");
    }

    #[test]
    fn a_deep_chain_is_drawn_without_recursion_and_bounded_indentation() {
        let mut n = node("leaf", "t", EdgeSource::ReferrersApi);
        for i in 0..5000 {
            let mut up = node(&format!("n{i}"), "t", EdgeSource::ReferrersApi);
            up.referrers.push(n);
            n = up;
        }
        let mut root = node("root", "", EdgeSource::Root);
        root.referrers.push(n);
        let t = text(&root);
        assert_eq!(t.lines().count(), 1 + 2 * 5001);
        let widest = t.lines().map(|l| l.chars().count()).max().unwrap();
        assert!(widest <= 4 * MAX_INDENT + 100, "{widest}");
    }
}
