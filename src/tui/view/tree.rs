//! The referrers tree (tui-tree-widget), rebuilt from the arena each frame.
use super::style::{badge_colour, text, ACCENT};
use crate::graph::EdgeSource;
use crate::oci::media;
use crate::tui::label::{badge, human_size, kind_label, short_ref};
use crate::tui::layout;
use crate::tui::state::tree::{Load, TreeModel};
use crate::tui::state::State;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget};
use ratatui::Frame;
use std::collections::BTreeSet;
use tui_tree_widget::{Tree, TreeItem, TreeState};

const LOADING: u64 = 1 << 32;
const ERROR: u64 = 2 << 32;
const PLACEHOLDER: u64 = 3 << 32;

pub fn draw(s: &State, f: &mut Frame, area: Rect) {
    let t = &s.tree;
    let title = format!(" Referrers of {} ", short_ref(&t.reference));
    let block = layout::pane()
        .title(Line::from(text(title)).bold())
        .border_style(Style::new().fg(Color::DarkGray));
    if t.nodes.is_empty() {
        let text = match (&t.error, t.resolving) {
            (Some(e), _) => Line::from(text(format!("✗ {e}"))).red(),
            (None, true) => Line::from(text(format!("resolving {}…", t.reference))).dark_gray(),
            (None, false) => Line::from("nothing here"),
        };
        f.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let items = vec![item(t, &s.marks, 0)];
    let Ok(widget) = Tree::new(&items) else {
        return;
    };
    let widget = widget.block(block).highlight_style(
        Style::new()
            .bg(Color::DarkGray)
            .add_modifier(Modifier::BOLD),
    );
    let mut state = TreeState::default();
    for (i, n) in t.nodes.iter().enumerate() {
        if n.open {
            state.open(t.path(i).into_iter().map(|x| x as u64).collect());
        }
    }
    state.select(t.path(t.cursor).into_iter().map(|x| x as u64).collect());
    // TreeState keeps its offset private: a scratch render teaches it the row count, then scroll.
    let mut scratch = Buffer::empty(area);
    widget.clone().render(area, &mut scratch, &mut state);
    state.scroll_up(usize::MAX);
    state.scroll_down(t.offset);
    f.render_stateful_widget(widget, area, &mut state);
}

fn item(t: &TreeModel, marks: &BTreeSet<String>, i: usize) -> TreeItem<'static, u64> {
    let n = &t.nodes[i];
    let mut line = node_line(t, i);
    if marks.contains(&n.desc.digest.to_string()) {
        line.spans.insert(0, Span::raw("✓ ").fg(ACCENT));
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
                Line::from("loading…").dark_gray().italic(),
            )),
            Load::Failed(e) => v.push(TreeItem::new_leaf(
                ERROR | id,
                Line::from(text(format!("✗ {e}"))).red(),
            )),
            Load::Loaded if n.kids.is_empty() && i == 0 => v.push(TreeItem::new_leaf(
                LOADING | id,
                Line::from("no referrers").dark_gray().italic(),
            )),
            _ => {}
        }
        v.extend(n.kids.iter().map(|&k| item(t, marks, k)));
        v
    };
    if kids.is_empty() {
        TreeItem::new_leaf(id, line)
    } else {
        TreeItem::new(id, line.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(id, line))
    }
}

fn node_line(t: &TreeModel, i: usize) -> Line<'static> {
    let n = &t.nodes[i];
    let d = &n.desc;
    let label = t.label(i);
    let mut spans = vec![];
    if i > 0 {
        let b = badge(d.artifact_type.as_deref());
        if n.edge == EdgeSource::Index {
            spans.push(Span::raw(" PLATFORM ").fg(Color::Black).bg(Color::Cyan));
        } else {
            spans.push(
                Span::raw(format!(" {b} "))
                    .fg(Color::Black)
                    .bg(badge_colour(b)),
            );
        }
        spans.push(Span::raw(" "));
    }
    spans.push(text(label).bold());
    spans.push(Span::raw("  "));
    let kind = kind_label(&d.media_type, d.artifact_type.as_deref());
    spans.push(text(kind).fg(ACCENT));
    spans.push(Span::raw(format!("  {}", d.digest.short())).dark_gray());
    spans.push(Span::raw(format!("  {}", human_size(d.size))));
    if let Some(c) = d
        .annotations
        .as_ref()
        .and_then(|a| a.get(media::ANN_CREATED))
    {
        spans.push(text(format!("  {c}")).dark_gray());
    }
    match n.edge {
        EdgeSource::CosignTag => spans.push(Span::raw("  (cosign tag)").magenta()),
        EdgeSource::BuildxAttestation => spans.push(Span::raw("  (buildx attestation)").magenta()),
        _ => {}
    }
    if n.cycle {
        spans.push(Span::raw("  ↺ shown above").yellow());
    }
    Line::from(spans)
}
