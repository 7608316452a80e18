//! The referrers tree as an arena: nodes load lazily, cycles are shown once and marked, and a
//! node with more referrers than fit on a screen shows them grouped by kind (`signature ×400`).
use crate::graph::{buildx_attestation_target, EdgeSource};
use crate::oci::{Descriptor, Digest};
use crate::tui::action::Level;
use crate::tui::label::node_word;
use std::collections::{BTreeSet, HashMap, HashSet};

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
    /// Groups of referrers shown open, by their word (when the kids are grouped).
    pub groups_open: BTreeSet<String>,
}

/// What a visible row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Node(usize),
    /// Referrers of a node of one kind, folded: (node, group index).
    Group(usize, usize),
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

/// Referrers of one kind under a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub word: String,
    pub kids: Vec<usize>,
}

/// What was open in a tree, to open again when the same subject is shown again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remembered {
    pub open: HashSet<Digest>,
    pub groups: HashSet<(Digest, String)>,
    pub cursor: Option<Digest>,
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
    /// The node under the cursor, or the node whose group `group` is under it.
    pub cursor: usize,
    pub group: Option<usize>,
    pub offset: usize,
    pub resolving: bool,
    pub error: Option<String>,
    /// Referrers are grouped by kind once a node has more than this many (a screenful).
    pub group_over: usize,
    /// What to open again as levels arrive (the last visit to this subject).
    pub restore: Option<Remembered>,
    /// Nodes the registry refuses to delete (marked `locked` on their line).
    pub locked: HashSet<Digest>,
}

impl TreeModel {
    /// Starts a new tree for `reference` (root unknown until resolved).
    pub fn reset(&mut self, repo: &str, reference: &str) {
        let gen = self.gen + 1;
        let group_over = self.group_over;
        *self = TreeModel {
            gen,
            group_over,
            repo: repo.to_string(),
            reference: reference.to_string(),
            resolving: true,
            ..Default::default()
        };
    }

    pub fn set_root(&mut self, desc: Descriptor) {
        self.resolving = false;
        self.seen.insert(desc.digest.clone(), 0);
        self.nodes = vec![new_node(
            desc,
            EdgeSource::Root,
            None,
            Load::Unloaded,
            false,
        )];
    }

    pub fn node(&self, i: usize) -> Option<&TreeNode> {
        self.nodes.get(i)
    }

    /// The node under the cursor (none when the cursor is on a group).
    pub fn selected(&self) -> Option<usize> {
        match self.group {
            Some(_) => None,
            None => self.nodes.get(self.cursor).map(|_| self.cursor),
        }
    }

    /// Puts the cursor on node `i`.
    pub fn select(&mut self, i: usize) {
        self.cursor = i;
        self.group = None;
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

    /// Records one level; returns nodes to expand next (for `*`, and what was open last time).
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
        self.locked.extend(level.locked.iter().cloned());
        let Some(n) = self.nodes.get_mut(i) else {
            return Vec::new();
        };
        // `*` expands down to the same depth limit `discover` has; deeper takes a key press a level.
        let subtree = n.subtree && self.path(i).len() <= crate::graph::DEFAULT_DEPTH;
        let src = level
            .source
            .map(EdgeSource::from)
            .unwrap_or(EdgeSource::Layout);
        // A `sha256-<hex>` fallback index opened itself: what it lists are referrers.
        let fallback_root =
            i == 0 && crate::oci::tags::from_fallback_tag(&self.reference).is_some();
        // As `arbor discover --full` shows them: platforms first, buildx attestation manifests
        // under the platform they describe, then referrers, then cosign tags not already listed.
        let (attestations, platforms): (Vec<_>, Vec<_>) = level
            .children
            .into_iter()
            .map(|d| (buildx_attestation_target(&d), d))
            .partition(|(t, _)| t.is_some());
        let index_edge = if fallback_root {
            EdgeSource::ReferrersTag
        } else {
            EdgeSource::Index
        };
        let kids = platforms.into_iter().map(|(_, d)| (d, index_edge, None));
        let atts = attestations
            .into_iter()
            .map(|(t, d)| (d, EdgeSource::BuildxAttestation, t));
        let listed: HashSet<Digest> = level.referrers.iter().map(|d| d.digest.clone()).collect();
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
            let leaf = level.leaves.contains(&desc.digest);
            if !cycle {
                self.seen.insert(desc.digest.clone(), id);
                let again = self
                    .restore
                    .as_ref()
                    .is_some_and(|r| r.open.contains(&desc.digest));
                if (subtree || again) && !leaf {
                    next.push(id);
                }
            }
            let load = if cycle || leaf {
                Load::Loaded
            } else {
                Load::Unloaded
            };
            self.nodes
                .push(new_node(desc, edge, Some(parent), load, cycle));
            self.nodes[id].subtree = subtree;
            self.nodes[parent].kids.push(id);
        }
        self.restore_marks(i);
        next
    }

    /// Reopens the groups of node `i` and puts the cursor back where it was, as remembered.
    fn restore_marks(&mut self, i: usize) {
        let Some(r) = self.restore.as_ref() else {
            return;
        };
        let d = self.nodes[i].desc.digest.clone();
        let open: Vec<String> = r
            .groups
            .iter()
            .filter(|(g, _)| *g == d)
            .map(|(_, w)| w.clone())
            .collect();
        let cursor = r.cursor.as_ref().and_then(|c| self.seen.get(c)).copied();
        self.nodes[i].groups_open.extend(open);
        if let Some(c) = cursor {
            self.select(c);
        }
    }

    /// What is open now, to be restored by a later visit.
    pub fn remember(&self) -> Remembered {
        let mut r = Remembered {
            cursor: self.selected().map(|c| self.nodes[c].desc.digest.clone()),
            ..Default::default()
        };
        for n in self.nodes.iter().filter(|n| n.open && !n.cycle) {
            r.open.insert(n.desc.digest.clone());
            for g in &n.groups_open {
                r.groups.insert((n.desc.digest.clone(), g.clone()));
            }
        }
        r
    }

    /// Adds a referrer found without a reload (just attached) under loaded node `i`.
    pub fn add_child(&mut self, i: usize, desc: Descriptor, edge: EdgeSource) -> Option<usize> {
        if self.nodes.len() >= MAX_TREE_NODES || self.seen.contains_key(&desc.digest) {
            return None;
        }
        let id = self.nodes.len();
        self.seen.insert(desc.digest.clone(), id);
        self.nodes
            .push(new_node(desc, edge, Some(i), Load::Loaded, false));
        let parent = self.nodes.get_mut(i)?;
        parent.kids.push(id);
        parent.open = true;
        Some(id)
    }

    /// Unhooks every node whose digest is `gone` (its subtree with it); true when the root went.
    pub fn remove(&mut self, gone: &HashSet<Digest>) -> bool {
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
        self.group = None;
        let shown: HashSet<usize> = self
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

fn new_node(
    desc: Descriptor,
    edge: EdgeSource,
    parent: Option<usize>,
    load: Load,
    cycle: bool,
) -> TreeNode {
    TreeNode {
        desc,
        edge,
        parent,
        kids: Vec::new(),
        load,
        open: false,
        cycle,
        subtree: false,
        groups_open: BTreeSet::new(),
    }
}
