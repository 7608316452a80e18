//! The referrers tree as an arena: nodes load lazily, cycles are shown once and marked.
use crate::graph::{buildx_attestation_target, EdgeSource};
use crate::oci::{Descriptor, Digest};
use crate::tui::action::Level;
use crate::tui::label::node_word;
use std::collections::HashMap;

/// Bound on nodes one tree holds, so `*` on a hostile graph cannot run away.
pub const MAX_TREE_NODES: usize = 5_000;

/// Whether a node's children are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    Unloaded,
    Loading,
    Loaded,
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct TreeNode {
    pub desc: Descriptor,
    pub edge: EdgeSource,
    pub parent: Option<usize>,
    pub kids: Vec<usize>,
    pub load: Load,
    pub open: bool,
    /// Already shown elsewhere in this tree: not followed again.
    pub cycle: bool,
    /// Expand everything that appears below (the `*` key).
    pub subtree: bool,
}

/// What a visible row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Node(usize),
    /// "loading…" under a node.
    Loading(usize),
    /// The error under a node that failed to expand.
    Error(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    pub depth: usize,
}

/// The tree below one root manifest.
#[derive(Debug, Clone, Default)]
pub struct TreeModel {
    /// Bumped for every new root or refresh: answers for an older generation are dropped.
    pub gen: u64,
    pub repo: String,
    /// What the user opened (tag or digest).
    pub reference: String,
    pub nodes: Vec<TreeNode>,
    pub seen: HashMap<Digest, usize>,
    pub cursor: usize,
    pub offset: usize,
    pub resolving: bool,
    pub error: Option<String>,
}

impl TreeModel {
    /// Starts a new tree for `reference` (root unknown until resolved).
    pub fn reset(&mut self, repo: &str, reference: &str) {
        let gen = self.gen + 1;
        *self = TreeModel {
            gen,
            repo: repo.to_string(),
            reference: reference.to_string(),
            resolving: true,
            ..Default::default()
        };
    }

    pub fn set_root(&mut self, desc: Descriptor) {
        self.resolving = false;
        self.seen.insert(desc.digest.clone(), 0);
        self.nodes = vec![TreeNode {
            desc,
            edge: EdgeSource::Root,
            parent: None,
            kids: Vec::new(),
            load: Load::Unloaded,
            open: false,
            cycle: false,
            subtree: false,
        }];
    }

    pub fn node(&self, i: usize) -> Option<&TreeNode> {
        self.nodes.get(i)
    }

    /// Marks a node loading and opens it; returns its descriptor when a fetch is needed.
    pub fn begin_expand(&mut self, i: usize) -> Option<Descriptor> {
        let n = self.nodes.get_mut(i)?;
        if n.cycle {
            return None;
        }
        n.open = true;
        match n.load {
            Load::Unloaded | Load::Failed(_) => {
                n.load = Load::Loading;
                Some(n.desc.clone())
            }
            _ => None,
        }
    }

    /// Records one level; returns nodes to expand next (for `*`).
    pub fn finish_expand(&mut self, i: usize, result: Result<Level, String>) -> Vec<usize> {
        let Some(n) = self.nodes.get_mut(i) else {
            return Vec::new();
        };
        let level = match result {
            Ok(l) => l,
            Err(e) => {
                n.load = Load::Failed(e);
                return Vec::new();
            }
        };
        n.load = Load::Loaded;
        // `*` expands down to the same depth limit `discover` has; deeper takes a key press a level.
        let subtree = n.subtree && self.path(i).len() <= crate::graph::DEFAULT_DEPTH;
        let src = level
            .source
            .map(EdgeSource::from)
            .unwrap_or(EdgeSource::Layout);
        // As `arbor discover --full` shows them: platforms first, buildx attestation manifests
        // under the platform they describe, then referrers, then cosign tags not already listed.
        let (attestations, platforms): (Vec<_>, Vec<_>) = level
            .children
            .into_iter()
            .map(|d| (buildx_attestation_target(&d), d))
            .partition(|(t, _)| t.is_some());
        let kids = platforms
            .into_iter()
            .map(|(_, d)| (d, EdgeSource::Index, None));
        let atts = attestations
            .into_iter()
            .map(|(t, d)| (d, EdgeSource::BuildxAttestation, t));
        let listed: std::collections::HashSet<Digest> =
            level.referrers.iter().map(|d| d.digest.clone()).collect();
        let refs = level.referrers.into_iter().map(|d| (d, src, None));
        let cosign = level
            .cosign
            .into_iter()
            .filter(|d| !listed.contains(&d.digest))
            .map(|d| (d, EdgeSource::CosignTag, None));
        let mut platform_of: HashMap<Digest, usize> = HashMap::new();
        let mut next = Vec::new();
        for (desc, edge, under) in kids.chain(atts).chain(refs).chain(cosign) {
            if self.nodes.len() >= MAX_TREE_NODES {
                break;
            }
            let parent = under
                .and_then(|t| platform_of.get(&t).copied())
                .unwrap_or(i);
            if edge == EdgeSource::Index {
                platform_of.insert(desc.digest.clone(), self.nodes.len());
            }
            let id = self.nodes.len();
            let cycle = self.seen.contains_key(&desc.digest);
            if !cycle {
                self.seen.insert(desc.digest.clone(), id);
                if subtree {
                    next.push(id);
                }
            }
            self.nodes.push(TreeNode {
                desc,
                edge,
                parent: Some(parent),
                kids: Vec::new(),
                load: if cycle { Load::Loaded } else { Load::Unloaded },
                open: false,
                cycle,
                subtree,
            });
            self.nodes[parent].kids.push(id);
        }
        next
    }

    /// Adds a referrer found without a reload (just attached) under loaded node `i`.
    pub fn add_child(&mut self, i: usize, desc: Descriptor, edge: EdgeSource) -> Option<usize> {
        if self.nodes.len() >= MAX_TREE_NODES || self.seen.contains_key(&desc.digest) {
            return None;
        }
        let id = self.nodes.len();
        self.seen.insert(desc.digest.clone(), id);
        self.nodes.push(TreeNode {
            desc,
            edge,
            parent: Some(i),
            kids: Vec::new(),
            load: Load::Loaded,
            open: false,
            cycle: false,
            subtree: false,
        });
        let parent = self.nodes.get_mut(i)?;
        parent.kids.push(id);
        parent.open = true;
        Some(id)
    }

    /// Unhooks every node whose digest is `gone` (its subtree with it); true when the root went.
    pub fn remove(&mut self, gone: &std::collections::HashSet<Digest>) -> bool {
        if self
            .nodes
            .first()
            .is_some_and(|r| gone.contains(&r.desc.digest))
        {
            return true;
        }
        for n in 0..self.nodes.len() {
            let kids = std::mem::take(&mut self.nodes[n].kids);
            self.nodes[n].kids = kids
                .into_iter()
                .filter(|&k| !gone.contains(&self.nodes[k].desc.digest))
                .collect();
        }
        self.seen.retain(|d, _| !gone.contains(d));
        // The cursor climbs to the nearest ancestor still shown.
        let shown: std::collections::HashSet<usize> = self
            .rows()
            .iter()
            .filter_map(|r| match r.kind {
                RowKind::Node(n) => Some(n),
                _ => None,
            })
            .collect();
        while !shown.contains(&self.cursor) {
            match self.nodes.get(self.cursor).and_then(|n| n.parent) {
                Some(p) => self.cursor = p,
                None => {
                    self.cursor = 0;
                    break;
                }
            }
        }
        false
    }

    /// Visible rows, depth first through open nodes.
    pub fn rows(&self) -> Vec<Row> {
        let mut out = Vec::new();
        if !self.nodes.is_empty() {
            self.push_rows(0, 0, &mut out);
        }
        out
    }

    fn push_rows(&self, i: usize, depth: usize, out: &mut Vec<Row>) {
        out.push(Row {
            kind: RowKind::Node(i),
            depth,
        });
        let n = &self.nodes[i];
        if !n.open {
            return;
        }
        match &n.load {
            Load::Loading => out.push(Row {
                kind: RowKind::Loading(i),
                depth: depth + 1,
            }),
            Load::Failed(_) => out.push(Row {
                kind: RowKind::Error(i),
                depth: depth + 1,
            }),
            _ => {}
        }
        for &k in &n.kids {
            self.push_rows(k, depth + 1, out);
        }
    }

    /// Path of node ids from the root to `i`.
    pub fn path(&self, i: usize) -> Vec<usize> {
        let mut p = vec![i];
        let mut cur = i;
        while let Some(parent) = self.nodes.get(cur).and_then(|n| n.parent) {
            p.push(parent);
            cur = parent;
        }
        p.reverse();
        p
    }

    /// Moves the cursor over node rows by `delta`, keeping it in a window `height` tall.
    pub fn move_by(&mut self, delta: i64, height: usize) {
        let rows = self.rows();
        let nodes: Vec<usize> = rows
            .iter()
            .filter_map(|r| {
                if let RowKind::Node(n) = r.kind {
                    Some(n)
                } else {
                    None
                }
            })
            .collect();
        if nodes.is_empty() {
            return;
        }
        let pos = nodes.iter().position(|&n| n == self.cursor).unwrap_or(0) as i64;
        let new = (pos + delta).clamp(0, nodes.len() as i64 - 1) as usize;
        self.cursor = nodes[new];
        self.keep_in_view(&rows, height);
    }

    pub fn keep_in_view(&mut self, rows: &[Row], height: usize) {
        let h = height.max(1);
        let Some(pos) = rows
            .iter()
            .position(|r| r.kind == RowKind::Node(self.cursor))
        else {
            return;
        };
        if pos < self.offset {
            self.offset = pos;
        } else if pos >= self.offset + h {
            self.offset = pos + 1 - h;
        }
    }

    /// A short word for a node: platform, artifact kind, or media type.
    pub fn label(&self, i: usize) -> String {
        let Some(n) = self.nodes.get(i) else {
            return String::new();
        };
        if i == 0 {
            return self.reference.clone();
        }
        node_word(&n.desc)
    }
}
