//! `discover --format json`: oras's shape (oras 1.3), written node by node from an explicit
//! stack, so a graph thousands deep costs neither stack nor a second copy of itself, and
//! indentation stops growing past [`MAX_INDENT`] levels (still the same JSON value).
use crate::graph::{EdgeSource, Expansion, Node};
use serde_json::{json, Value};
use std::io::{self, Write};

/// Levels of indentation at most; deeper values are written at this indentation.
pub const MAX_INDENT: usize = 100;

fn ind(level: usize) -> String {
    "  ".repeat(level.min(MAX_INDENT))
}

fn comma(c: bool) -> &'static str {
    if c {
        ","
    } else {
        ""
    }
}

/// `"key": value,` on its own line; a multi-line value is indented to match.
fn field(out: &mut dyn Write, level: usize, key: &str, v: &Value) -> io::Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(io::Error::other)?;
    let pad = ind(level);
    let text = text.replace('\n', &format!("\n{pad}"));
    writeln!(out, "{pad}\"{key}\": {text},")
}

enum Step<'a> {
    Node {
        n: &'a Node,
        root: bool,
        level: usize,
        comma: bool,
    },
    List {
        key: &'static str,
        items: Vec<&'a Node>,
        level: usize,
        comma: bool,
    },
    End {
        level: usize,
        close: char,
        comma: bool,
    },
}

/// Writes the graph as `oras discover --format json` does: reference, mediaType, digest,
/// size, annotations, artifactType, nested referrers. `full` adds index children, where each
/// node came from, cycles, errors, and where the depth limit stopped the walk.
pub fn write(out: &mut dyn Write, repo_name: &str, root: &Node, full: bool) -> io::Result<()> {
    let mut stack = vec![Step::Node {
        n: root,
        root: true,
        level: 0,
        comma: false,
    }];
    while let Some(step) = stack.pop() {
        match step {
            Step::Node {
                n,
                root,
                level,
                comma,
            } => {
                let d = &n.descriptor;
                let f = level + 1;
                writeln!(out, "{}{{", ind(level))?;
                field(
                    out,
                    f,
                    "reference",
                    &json!(format!("{repo_name}@{}", d.digest)),
                )?;
                field(out, f, "mediaType", &json!(d.media_type))?;
                field(out, f, "digest", &json!(d.digest.to_string()))?;
                field(out, f, "size", &json!(d.size))?;
                if !root {
                    if let Some(a) = d.annotations.as_ref().filter(|a| !a.is_empty()) {
                        field(out, f, "annotations", &json!(a))?;
                    }
                    if let Some(t) = d.artifact_type.as_ref().filter(|t| !t.is_empty()) {
                        field(out, f, "artifactType", &json!(t))?;
                    }
                }
                if full {
                    if let Some(p) = &d.platform {
                        field(out, f, "platform", &json!(p))?;
                    }
                    field(out, f, "source", &json!(n.source))?;
                    match &n.expansion {
                        Expansion::Cycle => field(out, f, "cycle", &json!(true))?,
                        Expansion::Failed(e) => field(out, f, "error", &json!(e))?,
                        Expansion::DepthLimit => field(out, f, "depthLimit", &json!(true))?,
                        Expansion::Done => {}
                    }
                }
                // oras knows only the referrers API and its tag schema: other edges are `--full` only.
                let shown: Vec<&Node> = n
                    .referrers
                    .iter()
                    .filter(|c| {
                        full || !matches!(
                            c.source,
                            EdgeSource::CosignTag | EdgeSource::BuildxAttestation
                        )
                    })
                    .collect();
                stack.push(Step::End {
                    level,
                    close: '}',
                    comma,
                });
                stack.push(Step::List {
                    key: "referrers",
                    items: shown,
                    level: f,
                    comma: false,
                });
                if full && !n.children.is_empty() {
                    stack.push(Step::List {
                        key: "manifests",
                        items: n.children.iter().collect(),
                        level: f,
                        comma: true,
                    });
                }
            }
            Step::List {
                key,
                items,
                level,
                comma: c,
            } => {
                if items.is_empty() {
                    writeln!(out, "{}\"{key}\": []{}", ind(level), comma(c))?;
                    continue;
                }
                writeln!(out, "{}\"{key}\": [", ind(level))?;
                stack.push(Step::End {
                    level,
                    close: ']',
                    comma: c,
                });
                let last = items.len() - 1;
                for (i, n) in items.into_iter().enumerate().rev() {
                    stack.push(Step::Node {
                        n,
                        root: false,
                        level: level + 1,
                        comma: i != last,
                    });
                }
            }
            Step::End {
                level,
                close,
                comma: c,
            } => writeln!(out, "{}{close}{}", ind(level), comma(c))?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{Descriptor, Digest};
    use serde_json::Map;

    /// The shape built as one value, recursively: the oracle for small graphs.
    fn as_value(repo_name: &str, n: &Node, is_root: bool, full: bool) -> Value {
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
            if let Some(t) = d.artifact_type.as_ref() {
                m.insert("artifactType".into(), json!(t));
            }
        }
        if full {
            m.insert("source".into(), json!(n.source));
            if n.expansion == Expansion::DepthLimit {
                m.insert("depthLimit".into(), json!(true));
            }
            if !n.children.is_empty() {
                let c = n
                    .children
                    .iter()
                    .map(|c| as_value(repo_name, c, false, full));
                m.insert("manifests".into(), Value::Array(c.collect()));
            }
        }
        let r = n
            .referrers
            .iter()
            .filter(|c| full || c.source != EdgeSource::CosignTag)
            .map(|c| as_value(repo_name, c, false, full));
        m.insert("referrers".into(), Value::Array(r.collect()));
        Value::Object(m)
    }

    fn node(name: &str, source: EdgeSource) -> Node {
        let mut d = Descriptor::empty();
        d.digest = Digest::sha256_of(name.as_bytes());
        d.size = name.len() as i64;
        d.media_type = "application/vnd.oci.image.manifest.v1+json".into();
        if name != "root" {
            d.artifact_type = Some(format!("application/vnd.{name}"));
            let mut a = std::collections::BTreeMap::new();
            a.insert("k\u{202e}".to_string(), "line\nbreak \"q\"".to_string());
            d.annotations = Some(a);
        }
        let mut n = Node::leaf(d, source);
        n.expansion = Expansion::Done;
        n
    }

    #[test]
    fn written_json_equals_the_pretty_printed_value() {
        let mut root = node("root", EdgeSource::Root);
        let mut sig = node("sig", EdgeSource::ReferrersApi);
        sig.referrers
            .push(node("sig-of-sig", EdgeSource::ReferrersApi));
        let mut deep = node("deep", EdgeSource::ReferrersApi);
        deep.expansion = Expansion::DepthLimit;
        sig.referrers.push(deep);
        root.referrers.push(sig);
        root.referrers.push(node("sbom", EdgeSource::ReferrersTag));
        root.referrers.push(node("cosign", EdgeSource::CosignTag));
        root.children.push(node("amd64", EdgeSource::Index));
        for full in [false, true] {
            let mut out = Vec::new();
            write(&mut out, "r/x", &root, full).unwrap();
            let want = serde_json::to_string_pretty(&as_value("r/x", &root, true, full)).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), want + "\n", "full={full}");
        }
    }

    #[test]
    fn a_chain_deeper_than_the_stack_is_written_with_bounded_indentation() {
        let depth = 20_000;
        let mut n = node("leaf", EdgeSource::ReferrersApi);
        for i in 0..depth {
            let mut up = node(&format!("n{i}"), EdgeSource::ReferrersApi);
            up.referrers.push(n);
            n = up;
        }
        let mut out = Vec::new();
        write(&mut out, "r/x", &n, false).unwrap();
        // Balanced outside strings (serde_json itself would recurse 40,000 levels to parse it).
        let (mut open, mut in_str, mut esc) = (0i64, false, false);
        for &b in &out {
            match (in_str, esc, b) {
                (true, true, _) => esc = false,
                (true, false, b'\\') => esc = true,
                (_, false, b'"') => in_str = !in_str,
                (false, _, b'{' | b'[') => open += 1,
                (false, _, b'}' | b']') => {
                    open -= 1;
                    assert!(open >= 0);
                }
                _ => {}
            }
        }
        assert_eq!(open, 0);
        assert!(out.ends_with(b"}\n"));
        let widest = out.split(|b| *b == b'\n').map(|l| l.len()).max().unwrap();
        assert!(widest < 2 * MAX_INDENT + 200, "{widest}");
    }
}
