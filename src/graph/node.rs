//! The graph's model: a manifest [`Node`], how it hangs off its parent ([`EdgeSource`]) and
//! what is known below it ([`Expansion`]), with walks that never recurse over its depth.
use crate::oci::{Descriptor, Digest};
use crate::store::ReferrersSource;

/// How a node hangs off its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EdgeSource {
    /// The root itself.
    Root,
    ReferrersApi,
    ReferrersTag,
    /// Found by scanning an OCI layout.
    Layout,
    /// A platform manifest of an index.
    Index,
    /// A cosign `sha256-<hex>.sig|.att|.sbom` tag in the same repository.
    CosignTag,
    /// A Docker buildx attestation manifest of an index, shown under the platform manifest it describes.
    BuildxAttestation,
}

impl Clone for Node {
    /// Iterative: every node is copied alone, then attached to its parent from the bottom up.
    fn clone(&self) -> Self {
        let order = self.walk_indexed();
        let mut built: Vec<Node> = order
            .iter()
            .map(|w| Node {
                descriptor: w.node.descriptor.clone(),
                source: w.node.source,
                referrers: Vec::new(),
                children: Vec::new(),
                expansion: w.node.expansion.clone(),
            })
            .collect();
        // In reverse, each node is complete when it moves under its parent; its lists were
        // filled last first, so they are put back in order just before.
        for i in (1..order.len()).rev() {
            let Some(p) = order[i].parent else { continue };
            let placeholder = Node::leaf(Descriptor::empty(), EdgeSource::Root);
            let mut n = std::mem::replace(&mut built[i], placeholder);
            n.children.reverse();
            n.referrers.reverse();
            if n.source == EdgeSource::Index {
                built[p].children.push(n);
            } else {
                built[p].referrers.push(n);
            }
        }
        built[0].children.reverse();
        built[0].referrers.reverse();
        built.swap_remove(0)
    }
}

impl Drop for Node {
    /// Iterative, so dropping a deep chain cannot overflow the stack.
    fn drop(&mut self) {
        let mut stack: Vec<Node> = std::mem::take(&mut self.children);
        stack.append(&mut self.referrers);
        while let Some(mut n) = stack.pop() {
            stack.append(&mut n.children);
            stack.append(&mut n.referrers);
        }
    }
}

impl From<ReferrersSource> for EdgeSource {
    fn from(s: ReferrersSource) -> Self {
        match s {
            ReferrersSource::ReferrersApi => EdgeSource::ReferrersApi,
            ReferrersSource::ReferrersTag => EdgeSource::ReferrersTag,
            ReferrersSource::Layout => EdgeSource::Layout,
        }
    }
}

/// What is known below a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expansion {
    /// Referrers were fetched (possibly none).
    Done,
    /// Not fetched: the depth limit was reached.
    DepthLimit,
    /// This digest already appears higher up or elsewhere in the graph: not followed again.
    Cycle,
    /// Fetching its referrers failed.
    Failed(String),
}

/// One node of [`Node::walk_indexed`].
#[derive(Debug, Clone, Copy)]
pub struct Walked<'a> {
    pub node: &'a Node,
    pub depth: usize,
    pub parent: Option<usize>,
}

/// A manifest in the graph. Every walk over it is iterative, its drop too: a hostile chain
/// thousands deep costs heap, never stack.
#[derive(Debug)]
pub struct Node {
    pub descriptor: Descriptor,
    pub source: EdgeSource,
    pub referrers: Vec<Node>,
    /// Platform manifests, when the node is an index and children were asked for.
    pub children: Vec<Node>,
    pub expansion: Expansion,
}

impl Node {
    pub fn leaf(descriptor: Descriptor, source: EdgeSource) -> Self {
        Node {
            descriptor,
            source,
            referrers: Vec::new(),
            children: Vec::new(),
            expansion: Expansion::DepthLimit,
        }
    }

    /// Every node below and including this one, depth first (children, then referrers).
    pub fn walk(&self) -> Vec<&Node> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(n.children.iter().chain(n.referrers.iter()).rev());
        }
        out
    }

    /// Every node with its depth (the root at 0) and its parent's index in the list, depth
    /// first (a parent always comes before its children).
    pub fn walk_indexed(&self) -> Vec<Walked<'_>> {
        let mut out = Vec::new();
        let mut stack: Vec<(&Node, usize, Option<usize>)> = vec![(self, 0, None)];
        while let Some((node, depth, parent)) = stack.pop() {
            let me = out.len();
            out.push(Walked {
                node,
                depth,
                parent,
            });
            for c in node.children.iter().chain(node.referrers.iter()).rev() {
                stack.push((c, depth + 1, Some(me)));
            }
        }
        out
    }

    /// Errors recorded anywhere in the graph, with the digest they belong to.
    pub fn errors(&self) -> Vec<(Digest, String)> {
        self.walk()
            .into_iter()
            .filter_map(|n| match &n.expansion {
                Expansion::Failed(e) => Some((n.descriptor.digest.clone(), e.clone())),
                _ => None,
            })
            .collect()
    }
}
