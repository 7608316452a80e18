//! The referrers tree (tui-tree-widget), rebuilt from the arena each frame. A node line reads
//! badge, name, digest, then the (long) media type, size and time; more referrers than fit on
//! a screen are folded into groups by kind.
use super::style::{block, position, styled, text, CURSOR};
use super::theme::Theme;
use crate::graph::EdgeSource;
use crate::oci::media;
use crate::tui::label::{badge, count, human_size, kind_label, node_badge, short_ref};
use crate::tui::state::tree::{Load, TreeModel};
use crate::tui::state::verify::{Mark, Verifications};
use crate::tui::state::State;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, StatefulWidget};
use ratatui::Frame;
use std::collections::BTreeSet;
use tui_tree_widget::{Tree, TreeItem, TreeState};

const LOADING: u64 = 1 << 32;
const ERROR: u64 = 2 << 32;
const PLACEHOLDER: u64 = 3 << 32;
const GROUP: u64 = 4 << 32;
/// A group's id: its node in the high bits, its index in the low 12.
const GROUP_SHIFT: u64 = 12;

fn group_id(node: usize, g: usize) -> u64 {
    GROUP | ((node as u64) << GROUP_SHIFT) | g as u64
}

pub fn draw(s: &State, t: &Theme, f: &mut Frame, area: Rect) {
    let tm = &s.tree;
    let rows = tm.rows();
    let here = rows.iter().position(|r| r.kind == tm.cursor_kind());
    let title = format!(
        " Referrers of {}{} ",
        short_ref(&tm.reference),
        here.map(|p| format!(" {}", position(p, rows.len())))
            .unwrap_or_default()
    );
    let blk = block(t, title);
    if tm.nodes.is_empty() {
        let line = match (&tm.error, tm.resolving) {
            (Some(e), _) => Line::from(styled(format!("✗ {e}"), t.error)),
            (None, true) => Line::from(styled(format!("resolving {}…", tm.reference), t.muted)),
            (None, false) => Line::from(text("nothing here")),
        };
        f.render_widget(Paragraph::new(line).block(blk), area);
        return;
    }
    let items = vec![item(tm, t, &s.marks, &s.verify, 0)];
    let Ok(widget) = Tree::new(&items) else {
        return;
    };
    let widget = widget
        .block(blk)
        .highlight_style(t.selection)
        .highlight_symbol(CURSOR);
    let mut state = TreeState::default();
    for (i, n) in tm.nodes.iter().enumerate() {
        if !n.open {
            continue;
        }
        let path = tree_path(tm, i);
        state.open(path.clone());
        for (g, group) in tm.groups(i).iter().enumerate() {
            if n.groups_open.contains(&group.word) {
                let mut p = path.clone();
                p.push(group_id(i, g));
                state.open(p);
            }
        }
    }
    let mut sel = tree_path(tm, tm.cursor);
    if let Some(g) = tm.group {
        sel.push(group_id(tm.cursor, g));
    }
    state.select(sel);
    // TreeState keeps its offset private: a scratch render teaches it the row count, then scroll.
    let mut scratch = Buffer::empty(area);
    widget.clone().render(area, &mut scratch, &mut state);
    state.scroll_up(usize::MAX);
    state.scroll_down(tm.offset);
    f.render_stateful_widget(widget, area, &mut state);
}

/// The widget's identifier path of node `i`: node ids, with a group's id wherever the next
/// node sits in a group of the one before.
fn tree_path(tm: &TreeModel, i: usize) -> Vec<u64> {
    let nodes = tm.path(i);
    let mut out = Vec::with_capacity(nodes.len() + 1);
    for (k, &n) in nodes.iter().enumerate() {
        out.push(n as u64);
        if let Some(&next) = nodes.get(k + 1) {
            if let Some(g) = tm.groups(n).iter().position(|g| g.kids.contains(&next)) {
                out.push(group_id(n, g));
            }
        }
    }
    out
}

fn item(
    tm: &TreeModel,
    t: &Theme,
    marks: &BTreeSet<String>,
    sigs: &Verifications,
    i: usize,
) -> TreeItem<'static, u64> {
    let n = &tm.nodes[i];
    let mut line = node_line(tm, t, sigs, i);
    if marks.contains(&n.desc.digest.to_string()) {
        line.spans.insert(0, styled("✓ ", t.accent));
    }
    let id = i as u64;
    let kids: Vec<TreeItem<'static, u64>> = if !n.open {
        // Closed: one placeholder child makes the widget draw ▶ without building the subtree.
        let expandable = !n.cycle
            && (n.load == Load::Unloaded
                || !n.kids.is_empty()
                || matches!(n.load, Load::Failed(_)));
        if expandable {
            vec![TreeItem::new_leaf(PLACEHOLDER | id, "")]
        } else {
            Vec::new()
        }
    } else {
        let mut v = Vec::new();
        match &n.load {
            Load::Loading => v.push(TreeItem::new_leaf(
                LOADING | id,
                Line::from(styled("loading…", t.muted)),
            )),
            Load::Failed(e) => v.push(TreeItem::new_leaf(
                ERROR | id,
                Line::from(styled(format!("✗ {e}"), t.error)),
            )),
            Load::Loaded if n.kids.is_empty() && i == 0 => v.push(TreeItem::new_leaf(
                LOADING | id,
                Line::from(styled("no referrers", t.muted)),
            )),
            Load::Loaded | Load::Unloaded => {}
        }
        let groups = tm.groups(i);
        if groups.is_empty() {
            v.extend(n.kids.iter().map(|&k| item(tm, t, marks, sigs, k)));
        } else {
            let platforms = n.kids.iter().filter(|&&k| {
                matches!(
                    tm.nodes[k].edge,
                    EdgeSource::Index | EdgeSource::BuildxAttestation
                )
            });
            v.extend(platforms.map(|&k| item(tm, t, marks, sigs, k)));
            for (g, group) in groups.iter().enumerate() {
                let gid = group_id(i, g);
                let label = Line::from(vec![
                    styled(
                        format!(" {} ", group.word),
                        t.badge(badge(Some(&group.word))),
                    ),
                    styled(format!(" ×{}", group.kids.len()), t.header_value),
                    styled(
                        format!("  {}", count(group.kids.len(), "referrer")),
                        t.muted,
                    ),
                ]);
                let kids: Vec<TreeItem<'static, u64>> = if n.groups_open.contains(&group.word) {
                    group
                        .kids
                        .iter()
                        .map(|&k| item(tm, t, marks, sigs, k))
                        .collect()
                } else {
                    vec![TreeItem::new_leaf(PLACEHOLDER | gid, "")]
                };
                if let Ok(it) = TreeItem::new(gid, label, kids) {
                    v.push(it);
                }
            }
        }
        v
    };
    if kids.is_empty() {
        TreeItem::new_leaf(id, line)
    } else {
        TreeItem::new(id, line.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(id, line))
    }
}

fn node_line(tm: &TreeModel, t: &Theme, v: &Verifications, i: usize) -> Line<'static> {
    let n = &tm.nodes[i];
    let d = &n.desc;
    let mut spans = vec![];
    if i > 0 {
        let b = if n.edge == EdgeSource::Index {
            "PLATFORM"
        } else {
            node_badge(d)
        };
        let m = (b == "SIG" && !n.cycle)
            .then(|| v.mark_of(&tm.repo, &d.digest))
            .flatten();
        match m {
            // The glyph says it (NO_COLOR too); the colour only repeats it.
            Some(m) => {
                spans.push(styled(format!(" {b}"), t.badge(b)));
                spans.push(styled(m.glyph(), mark_style(t, m)));
            }
            None => spans.push(styled(format!(" {b} "), t.badge(b))),
        }
        spans.push(text(" "));
    }
    spans.push(styled(tm.label(i), t.header_value));
    spans.push(styled(format!("  {}", d.digest.short()), t.muted));
    if tm.locked.contains(&d.digest) {
        // A word, not a colour: the registry will refuse to delete it.
        spans.push(styled("  [locked]", t.warn));
    }
    let kind = kind_label(&d.media_type, d.artifact_type.as_deref());
    spans.push(styled(format!("  {kind}"), t.accent));
    spans.push(text(format!("  {}", human_size(d.size))));
    if let Some(c) = d
        .annotations
        .as_ref()
        .and_then(|a| a.get(media::ANN_CREATED))
    {
        spans.push(styled(format!("  {c}"), t.muted));
    }
    match n.edge {
        EdgeSource::CosignTag => spans.push(styled("  (cosign tag)", t.warn)),
        EdgeSource::BuildxAttestation => spans.push(styled("  (buildx attestation)", t.warn)),
        EdgeSource::Root
        | EdgeSource::ReferrersApi
        | EdgeSource::ReferrersTag
        | EdgeSource::Layout
        | EdgeSource::Index => {}
    }
    if n.cycle {
        spans.push(styled("  ↺ shown above", t.warn));
    }
    Line::from(spans)
}

/// A verification mark's style: ok, bad, muted (the glyph carries the meaning without colour).
pub fn mark_style(t: &Theme, m: Mark) -> ratatui::style::Style {
    match m {
        Mark::Verified => t.ok,
        Mark::Failed => t.bad,
        Mark::Unknown | Mark::Pending => t.muted,
    }
}
