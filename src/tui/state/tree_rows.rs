//! What the tree shows, row by row: open nodes depth first, referrers folded into groups by
//! kind past a screenful, and the cursor's moves over node and group rows.
use super::tree::{Group, Load, Row, RowKind, TreeModel};
use crate::graph::EdgeSource;
use crate::tui::label::group_word;

impl TreeModel {
    /// The referrers of node `i` grouped by kind, when there are more than a screenful.
    pub fn groups(&self, i: usize) -> Vec<Group> {
        let Some(n) = self.nodes.get(i) else {
            return Vec::new();
        };
        let refs: Vec<usize> = n
            .kids
            .iter()
            .copied()
            .filter(|&k| !is_platform(self.nodes[k].edge))
            .collect();
        if self.group_over == 0 || refs.len() <= self.group_over {
            return Vec::new();
        }
        let mut out: Vec<Group> = Vec::new();
        for k in refs {
            let w = group_word(&self.nodes[k].desc);
            match out.iter_mut().find(|g| g.word == w) {
                Some(g) => g.kids.push(k),
                None => out.push(Group {
                    word: w,
                    kids: vec![k],
                }),
            }
        }
        out
    }

    /// Visible rows, depth first through open nodes (and open groups).
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
        let groups = self.groups(i);
        if groups.is_empty() {
            for &k in &n.kids {
                self.push_rows(k, depth + 1, out);
            }
            return;
        }
        for &k in n.kids.iter().filter(|&&k| is_platform(self.nodes[k].edge)) {
            self.push_rows(k, depth + 1, out);
        }
        for (g, group) in groups.iter().enumerate() {
            out.push(Row {
                kind: RowKind::Group(i, g),
                depth: depth + 1,
            });
            if n.groups_open.contains(&group.word) {
                for &k in &group.kids {
                    self.push_rows(k, depth + 2, out);
                }
            }
        }
    }

    /// Opens or closes group `g` of node `i`.
    pub fn toggle_group(&mut self, i: usize, g: usize) {
        let Some(word) = self.groups(i).get(g).map(|x| x.word.clone()) else {
            return;
        };
        if let Some(n) = self.nodes.get_mut(i) {
            if !n.groups_open.remove(&word) {
                n.groups_open.insert(word);
            }
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

    /// The row kind the cursor is on.
    pub fn cursor_kind(&self) -> RowKind {
        match self.group {
            Some(g) => RowKind::Group(self.cursor, g),
            None => RowKind::Node(self.cursor),
        }
    }

    /// Moves the cursor over node and group rows by `delta`, keeping it in a window `height` tall.
    pub fn move_by(&mut self, delta: i64, height: usize) {
        let rows = self.rows();
        let spots: Vec<RowKind> = rows
            .iter()
            .map(|r| r.kind)
            .filter(|k| matches!(k, RowKind::Node(_) | RowKind::Group(..)))
            .collect();
        if spots.is_empty() {
            return;
        }
        let here = self.cursor_kind();
        let pos = spots.iter().position(|&k| k == here).unwrap_or(0) as i64;
        let new = (pos + delta).clamp(0, spots.len() as i64 - 1) as usize;
        match spots[new] {
            RowKind::Group(n, g) => {
                self.cursor = n;
                self.group = Some(g);
            }
            RowKind::Node(n) => self.select(n),
            RowKind::Loading(_) | RowKind::Error(_) => {}
        }
        self.keep_in_view(&rows, height);
    }

    /// Scrolls so the cursor's row shows, and no further than the last row needs.
    pub fn keep_in_view(&mut self, rows: &[Row], height: usize) {
        let h = height.max(1);
        self.offset = self.offset.min(rows.len().saturating_sub(h));
        let here = self.cursor_kind();
        let Some(pos) = rows.iter().position(|r| r.kind == here) else {
            return;
        };
        if pos < self.offset {
            self.offset = pos;
        } else if pos >= self.offset + h {
            self.offset = pos + 1 - h;
        }
    }
}

pub fn is_platform(e: EdgeSource) -> bool {
    matches!(e, EdgeSource::Index | EdgeSource::BuildxAttestation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oci::{media, Descriptor, Digest};
    use crate::tui::action::Level;
    use crate::tui::state::tree::TreeModel;

    fn desc(seed: &str, artifact_type: Option<&str>) -> Descriptor {
        Descriptor {
            media_type: media::OCI_MANIFEST.into(),
            digest: Digest::sha256_of(seed.as_bytes()),
            size: 10,
            artifact_type: artifact_type.map(str::to_string),
            annotations: None,
            platform: None,
            urls: None,
        }
    }

    fn level(referrers: Vec<Descriptor>) -> Level {
        Level {
            children: vec![],
            referrers,
            source: None,
            cosign: vec![],
            leaves: Default::default(),
            locked: Default::default(),
        }
    }

    /// A root with `sigs` signatures and `sboms` SBOMs, shown grouped past `over`.
    fn tree(sigs: usize, sboms: usize, over: usize) -> TreeModel {
        let mut t = TreeModel {
            group_over: over,
            ..Default::default()
        };
        t.reset("app", "v1");
        t.set_root(desc("root", None));
        t.begin_expand(0);
        let refs = (0..sigs)
            .map(|i| {
                desc(
                    &format!("sig{i}"),
                    Some("application/vnd.dev.cosign.artifact.sig.v1+json"),
                )
            })
            .chain((0..sboms).map(|i| desc(&format!("sbom{i}"), Some("application/spdx+json"))))
            .collect();
        t.finish_expand(0, Ok(level(refs)));
        t
    }

    #[test]
    fn more_referrers_than_a_screenful_are_grouped_by_kind() {
        let t = tree(400, 3, 30);
        let g = t.groups(0);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].word.as_str(), g[0].kids.len()), ("signature", 400));
        assert_eq!((g[1].word.as_str(), g[1].kids.len()), ("sbom", 3));
        assert_eq!(t.rows().len(), 3, "the root and two folded groups");
        let few = tree(5, 3, 30);
        assert!(few.groups(0).is_empty(), "a screenful shows flat");
        assert_eq!(few.rows().len(), 9);
    }

    #[test]
    fn the_cursor_walks_groups_and_opens_them() {
        let mut t = tree(400, 3, 30);
        t.move_by(1, 20);
        assert_eq!((t.cursor, t.group, t.selected()), (0, Some(0), None));
        t.toggle_group(0, 0);
        assert_eq!(t.rows().len(), 403);
        t.move_by(1, 20);
        assert!(t.selected().is_some_and(|n| n > 0), "into the open group");
        assert!(t.offset <= 1);
        t.move_by(1000, 20);
        assert_eq!(t.group, Some(1), "the last row is the folded sbom group");
        assert_eq!(t.offset, 403 - 20 + 1 - 1, "scrolled to show it");
    }

    #[test]
    fn what_was_open_is_opened_again() {
        let mut t = tree(2, 1, 30);
        let sbom = t
            .nodes
            .iter()
            .position(|n| n.desc.artifact_type.as_deref() == Some("application/spdx+json"))
            .expect("sbom");
        t.begin_expand(sbom);
        t.finish_expand(sbom, Ok(level(vec![desc("sbom-sig", Some("signature/x"))])));
        t.select(sbom);
        let r = t.remember();
        assert!(r.open.contains(&t.nodes[sbom].desc.digest));
        let mut again = TreeModel::default();
        again.reset("app", "v1");
        again.restore = Some(r);
        again.set_root(desc("root", None));
        again.begin_expand(0);
        let next = again.finish_expand(
            0,
            Ok(level(vec![
                desc(
                    "sig0",
                    Some("application/vnd.dev.cosign.artifact.sig.v1+json"),
                ),
                desc(
                    "sig1",
                    Some("application/vnd.dev.cosign.artifact.sig.v1+json"),
                ),
                desc("sbom0", Some("application/spdx+json")),
            ])),
        );
        let sbom_again = again.seen[&desc("sbom0", None).digest];
        assert_eq!(next, vec![sbom_again], "the sbom opens again");
        assert_eq!(
            again.selected(),
            Some(sbom_again),
            "the cursor is back on it"
        );
    }

    #[test]
    fn known_leaves_have_nothing_to_expand() {
        let mut t = TreeModel::default();
        t.reset("app", "v1");
        t.set_root(desc("root", None));
        t.begin_expand(0);
        let leaf = desc("leaf", Some("signature/x"));
        let mut l = level(vec![leaf.clone(), desc("other", Some("sbom/x"))]);
        l.leaves.insert(leaf.digest.clone());
        t.finish_expand(0, Ok(l));
        let n = t.seen[&leaf.digest];
        assert_eq!(t.nodes[n].load, Load::Loaded, "no ▶ on a known leaf");
        assert_eq!(
            t.nodes[t.seen[&desc("other", None).digest]].load,
            Load::Unloaded
        );
    }

    #[test]
    fn a_fallback_index_opened_itself_lists_referrers_not_platforms() {
        let root = desc("subject", None);
        let mut t = TreeModel::default();
        t.reset("app", &crate::oci::tags::fallback_tag(&root.digest));
        t.set_root(desc("index", None));
        t.begin_expand(0);
        let mut l = level(vec![]);
        l.children = vec![desc("a-sig", Some("signature/x"))];
        t.finish_expand(0, Ok(l));
        assert_eq!(t.nodes[1].edge, EdgeSource::ReferrersTag);
        assert!(!is_platform(t.nodes[1].edge));
    }
}
