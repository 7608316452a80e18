//! The detail pane beside the tag list and the tree: what the row under the cursor is, and
//! what it decodes to (the describe view's decoders, fetched lazily and cached).
use super::style::{block, fitted, styled, text};
use super::theme::Theme;
use super::tree::mark_style;
use crate::inspect::summary_lines;
use crate::inspect::UNVERIFIED;
use crate::tui::label::{count, human_size, kind_label};
use crate::tui::state::verify::{item_of_node, mark, marks, summary, Mark};
use crate::tui::state::{DetailState, Screen, State};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

/// `verified  ✓ …`: a labelled verification summary, its mark in the mark's colour.
fn mark_field(t: &Theme, label: &str, text: String, m: Mark) -> Line<'static> {
    Line::from(vec![
        styled(format!("{label:<10}"), t.muted),
        styled(text, mark_style(t, m)),
    ])
}

/// A tag's own signatures: how many verified, once they are known.
fn signatures_line(s: &State, t: &Theme, d: &crate::tui::action::Detail) -> Option<Line<'static>> {
    let repo = s.repo.as_deref()?;
    if d.signatures.is_empty() {
        return None;
    }
    let known: Vec<Mark> = d
        .signatures
        .iter()
        .filter_map(|(g, _)| s.verify.done.get(&(repo.to_string(), g.digest.clone())))
        .map(|v| mark(v))
        .collect();
    let ok = known.iter().filter(|m| **m == Mark::Verified).count();
    let m = marks(known.iter().copied())?;
    let waiting = d.signatures.len() - known.len();
    let text = match waiting {
        0 => format!("{} {ok} of {} verified", m.glyph(), d.signatures.len()),
        n => format!(
            "{} {ok} of {} verified, {n} to go",
            m.glyph(),
            d.signatures.len()
        ),
    };
    Some(mark_field(t, "signed", text, m))
}

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
                    if let Some(l) = signatures_line(s, t, d) {
                        lines.push(l);
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
                let i = s.tree.selected().unwrap_or_default();
                if item_of_node(&s.tree, i).is_some() {
                    let key = (s.tree.repo.clone(), d.digest.clone());
                    lines.push(match s.verify.done.get(&key) {
                        Some(v) => mark_field(t, "verified", summary(v), mark(v)),
                        None => field("verified", "verifying…".into()),
                    });
                }
                if !n.kids.is_empty() {
                    lines.push(field("below", count(n.kids.len(), "manifest")));
                }
            } else if let Some(g) = s
                .tree
                .group
                .and_then(|g| s.tree.groups(s.tree.cursor).into_iter().nth(g))
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
                // The verification above says more than the decoder's "not verified".
                let verified = s.screen() == Screen::Tree
                    && s.verify
                        .done
                        .contains_key(&(s.tree.repo.clone(), digest.clone()));
                lines.extend(
                    summary_lines(i)
                        .into_iter()
                        .filter(|l| !(verified && l.trim() == UNVERIFIED))
                        .map(|l| Line::from(text(l))),
                );
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
