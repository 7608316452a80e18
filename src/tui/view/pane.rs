//! The detail pane beside the tag list and the tree: what the row under the cursor is, and
//! what it decodes to (the describe view's decoders, fetched lazily and cached).
use super::style::{block, fitted, styled, text};
use super::theme::Theme;
use crate::inspect::summary_lines;
use crate::tui::label::{count, human_size, kind_label};
use crate::tui::state::{DetailState, Screen, State};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(s: &State, t: &Theme, base: Screen, f: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = Vec::new();
    // Values are cut in the middle to the pane's width (`c` copies a whole digest).
    let room = area.width.saturating_sub(12) as usize;
    let field = |k: &str, v: String| {
        Line::from(vec![
            styled(format!("{k:<10}"), t.muted),
            fitted(&v, room, Default::default()),
        ])
    };
    match base {
        Screen::Tags => {
            let row = s.tags.view.selected().and_then(|i| s.tags.rows.get(i));
            match row.and_then(|r| s.tags.details.get(&r.key())) {
                Some(DetailState::Ready(d)) => {
                    lines.push(field("digest", d.descriptor.digest.to_string()));
                    lines.push(field(
                        "type",
                        kind_label(&d.descriptor.media_type, d.artifact_type.as_deref()),
                    ));
                    lines.push(field(
                        "size",
                        match d.image_size {
                            Some(n) => format!(
                                "{} (manifest {})",
                                human_size(n as i64),
                                human_size(d.descriptor.size)
                            ),
                            None => format!("manifest {}", human_size(d.descriptor.size)),
                        },
                    ));
                    if !d.platforms.is_empty() {
                        lines.push(field("platforms", d.platforms.join(", ")));
                    }
                    if let Some(c) = &d.created {
                        lines.push(field("created", c.clone()));
                    }
                    if !d.badges.is_empty() {
                        lines.push(field("attached", d.badges.join(" ")));
                    }
                }
                Some(DetailState::Failed(e)) => {
                    lines.push(Line::from(styled(format!("✗ {e}"), t.error)))
                }
                None => lines.push(Line::from(styled("loading…", t.muted))),
            }
        }
        Screen::Tree => {
            if let Some(n) = s.tree.selected().and_then(|i| s.tree.node(i)) {
                let d = &n.desc;
                lines.push(field("digest", d.digest.to_string()));
                lines.push(field(
                    "type",
                    kind_label(&d.media_type, d.artifact_type.as_deref()),
                ));
                lines.push(field("manifest", human_size(d.size)));
                if !n.kids.is_empty() {
                    lines.push(field("below", count(n.kids.len(), "manifest")));
                }
            } else if let Some(g) = s
                .tree
                .group
                .and_then(|g| s.tree.groups(s.tree.cursor).get(g).cloned())
            {
                lines.push(field("group", format!("{} ×{}", g.word, g.kids.len())));
                lines.push(Line::from(styled("enter opens the group", t.muted)));
            }
        }
        Screen::Contexts
        | Screen::Repos
        | Screen::Untagged
        | Screen::Inspect
        | Screen::Describe
        | Screen::Help => {}
    }
    if let Some((digest, subject)) = s.selected_manifest() {
        lines.push(Line::default());
        match (
            s.inspections.get(&(digest.clone(), subject)),
            s.summary_failed.get(&digest),
        ) {
            (Some(i), _) => {
                lines.extend(summary_lines(i).into_iter().map(|l| Line::from(text(l))));
            }
            (None, Some(e)) => lines.push(Line::from(styled(format!("✗ {e}"), t.error))),
            (None, None) => lines.push(Line::from(styled("decoding…", t.muted))),
        }
    }
    let title = format!(
        " Details ({}) ",
        s.keymap.keys_of(crate::tui::action::Cmd::TogglePane)
    );
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block(t, title)),
        area,
    );
}
