//! A discovered graph as Graphviz DOT or a Mermaid flowchart, for documents and tickets:
//! a node per manifest (kind, short digest, artifact type), an edge per link labelled with
//! where it came from. Every label is escaped for its format, so an artifact type a registry
//! chose cannot break out of its string.
use super::{EdgeSource, Expansion, Node};
use crate::oci::{media, Digest};
use std::collections::HashMap;
use std::fmt::Write as _;

/// What a node is, in a word: `index`, `image`, or the artifact's kind (`signature`, `sbom`…).
pub fn kind(n: &Node) -> String {
    let d = &n.descriptor;
    if media::is_index(&d.media_type) {
        return "index".into();
    }
    match d.artifact_type.as_deref() {
        None | Some(media::OCI_CONFIG) | Some(media::DOCKER_CONFIG) => "image".into(),
        Some(t) => media::artifact_word(t),
    }
}

/// The word an edge is labelled with.
pub fn edge_word(s: EdgeSource) -> &'static str {
    match s {
        EdgeSource::Root => "",
        EdgeSource::ReferrersApi => "referrers API",
        EdgeSource::ReferrersTag => "tag fallback",
        EdgeSource::Layout => "layout",
        EdgeSource::Index => "index",
        EdgeSource::CosignTag => "cosign tag",
        EdgeSource::BuildxAttestation => "buildx attestation",
    }
}

/// Nodes (each digest once) and edges, in tree order.
struct Flat {
    /// Label lines of each node.
    nodes: Vec<Vec<String>>,
    edges: Vec<(usize, usize, EdgeSource)>,
}

fn flatten(title: &str, root: &Node) -> Flat {
    let mut ids: HashMap<&Digest, usize> = HashMap::new();
    let mut flat = Flat {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    // Iterative (a hostile chain costs heap, not stack); a walked node's id by its walk index.
    let walked = root.walk_indexed();
    let mut id_of = Vec::with_capacity(walked.len());
    for w in &walked {
        let n = w.node;
        let id = match ids.get(&n.descriptor.digest) {
            Some(&id) => id,
            None => {
                let id = flat.nodes.len();
                flat.nodes.push(label_lines(title, n, w.parent.is_none()));
                ids.insert(&n.descriptor.digest, id);
                id
            }
        };
        id_of.push(id);
        if let Some(p) = w.parent.and_then(|p| id_of.get(p)) {
            flat.edges.push((*p, id, n.source));
        }
    }
    flat
}

/// A node's label: (the title, for the root), kind, short digest, platform, artifact type,
/// and why it was not expanded when it was not.
fn label_lines(title: &str, n: &Node, is_root: bool) -> Vec<String> {
    let mut lines = Vec::new();
    if is_root {
        lines.push(title.to_string());
    }
    lines.push(kind(n));
    let d = &n.descriptor.digest;
    lines.push(format!("{}:{}", d.algorithm().name(), d.short()));
    if let Some(p) = &n.descriptor.platform {
        lines.push(p.to_string());
    }
    if let Some(t) = &n.descriptor.artifact_type {
        lines.push(t.clone());
    }
    match &n.expansion {
        Expansion::Failed(e) => lines.push(format!("error: {e}")),
        Expansion::DepthLimit => lines.push("depth limit: not expanded".into()),
        _ => {}
    }
    lines
}

/// Graphviz DOT (`dot -Tsvg graph.dot > graph.svg`).
pub fn to_dot(title: &str, root: &Node) -> String {
    let f = flatten(title, root);
    let mut out = String::from(
        "digraph arbor {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for (i, lines) in f.nodes.iter().enumerate() {
        let label: Vec<String> = lines.iter().map(|l| dot_escape(l)).collect();
        let _ = writeln!(out, "  n{i} [label=\"{}\"];", label.join("\\n"));
    }
    for (a, b, s) in &f.edges {
        let _ = writeln!(
            out,
            "  n{a} -> n{b} [label=\"{}\"];",
            dot_escape(edge_word(*s))
        );
    }
    out.push_str("}\n");
    out
}

/// A Mermaid flowchart (paste into Markdown inside a ```mermaid block).
pub fn to_mermaid(title: &str, root: &Node) -> String {
    let f = flatten(title, root);
    let mut out = String::from("flowchart LR\n");
    for (i, lines) in f.nodes.iter().enumerate() {
        let label: Vec<String> = lines.iter().map(|l| mermaid_escape(l)).collect();
        let _ = writeln!(out, "  n{i}[\"{}\"]", label.join("<br/>"));
    }
    for (a, b, s) in &f.edges {
        let _ = writeln!(
            out,
            "  n{a} -->|\"{}\"| n{b}",
            mermaid_escape(edge_word(*s))
        );
    }
    out
}

/// Text for a DOT double-quoted string: `\` and `"` escaped; whatever the one sanitiser
/// (`text::needs_escape`) would escape written as `U+XXXX`.
fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            c if crate::text::needs_escape(c) => {
                let _ = write!(out, "U+{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a Mermaid quoted label: everything but letters, digits and plain punctuation
/// written as a `#<code>;` entity, so no quote, bracket, pipe or markup survives.
fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || " ./:+_@=,-".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "#{};", c as u32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::Descriptor;

    fn node(data: &[u8], artifact_type: Option<&str>, source: EdgeSource) -> Node {
        let mut n = Node::leaf(
            Descriptor {
                media_type: media::OCI_MANIFEST.into(),
                digest: Digest::sha256_of(data),
                size: 1,
                artifact_type: artifact_type.map(str::to_string),
                annotations: None,
                platform: None,
                urls: None,
            },
            source,
        );
        n.expansion = Expansion::Done;
        n
    }

    fn graph(hostile: &str) -> Node {
        let mut root = node(b"root", None, EdgeSource::Root);
        let mut sig = node(
            b"sig",
            Some("application/vnd.cncf.notary.signature"),
            EdgeSource::ReferrersApi,
        );
        sig.referrers
            .push(node(b"evil", Some(hostile), EdgeSource::ReferrersTag));
        root.referrers.push(sig);
        root
    }

    const HOSTILE: &str = "x\"]; n9 -> n0; evil[\"\n}\u{1b}[2J\u{202e}|`<b>#";

    #[test]
    fn dot_labels_stay_inside_their_strings() {
        let dot = to_dot("reg/repo", &graph(HOSTILE));
        assert!(dot.starts_with("digraph arbor {"));
        let edges = dot
            .lines()
            .filter(|l| l.split('[').next().is_some_and(|head| head.contains("->")))
            .count();
        assert_eq!(edges, 2, "{dot}");
        assert!(dot.contains("signature\\nsha256:"), "{dot}");
        assert!(dot.contains("[label=\"tag fallback\"]"));
        assert!(!dot.contains('\u{1b}') && !dot.contains('\u{202e}'));
        // Every quote inside a label is escaped: the unescaped quotes pair up per line.
        for line in dot.lines() {
            let unescaped = line.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
        }
        assert!(
            dot.contains("x\\\"]; n9 -> n0; evil[\\\"U+000A}U+001B[2JU+202E|`<b>#"),
            "{dot}"
        );
    }

    #[test]
    fn dot_escapes_what_the_one_sanitiser_escapes() {
        // Arabic letter mark, an invisible tag character, an interlinear annotation anchor.
        for (c, shown) in [
            ('\u{061c}', "U+061C"),
            ('\u{e0041}', "U+E0041"),
            ('\u{fff9}', "U+FFF9"),
        ] {
            assert!(crate::text::needs_escape(c));
            let out = dot_escape(&format!("a{c}b"));
            assert_eq!(out, format!("a{shown}b"));
        }
    }

    #[test]
    fn mermaid_labels_are_entities() {
        let m = to_mermaid("reg/repo", &graph(HOSTILE));
        assert!(m.starts_with("flowchart LR\n"));
        assert_eq!(m.matches("-->").count(), 2, "{m}");
        assert!(m.contains("-->|\"referrers API\"|"));
        for line in m.lines().skip(1) {
            assert_eq!(line.matches('"').count(), 2, "{line}");
            assert!(!line.contains('\n') && !line.contains('\u{1b}'));
        }
        assert!(m.contains("x#34;#93;#59; n9 -#62; n0#59;"), "{m}");
        assert!(!m.contains("<b>"));
    }

    #[test]
    fn shared_nodes_are_drawn_once() {
        let mut root = node(b"root", None, EdgeSource::Root);
        let a = node(b"a", Some("sbom/example"), EdgeSource::ReferrersApi);
        let mut b = node(b"b", Some("signature/example"), EdgeSource::ReferrersApi);
        let mut again = a.clone();
        again.expansion = Expansion::Cycle;
        b.referrers.push(again);
        root.referrers.push(a);
        root.referrers.push(b);
        let dot = to_dot("r", &root);
        assert_eq!(dot.matches("[label=\"").count(), 3 + 3, "{dot}");
        assert!(dot.contains("n2 -> n1"), "{dot}");
    }
}
