//! The small write dialogs: new tags, the choice on a tag row's delete (Cancel first), and
//! the Mermaid export's file or clipboard.
use super::dialog_parts::{boxed, buttons, field};
use super::style::styled;
use super::theme::Theme;
use crate::tui::label::short_ref;
use crate::tui::state::dialog::{AddTagDialog, ExportDialog, TagDeleteDialog};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn add_tag(d: &AddTagDialog, t: &Theme, f: &mut Frame, area: Rect) {
    let short = short_ref(&d.reference);
    let title = if short == d.label {
        format!(" Add tags to {} ", d.label)
    } else {
        format!(" Add tags to {} ({short}) ", d.label)
    };
    let mut lines = vec![
        field(t, "New tags", &d.text, !d.busy),
        Line::from(styled(
            "                one or more, separated by spaces or commas; no blob is sent",
            t.muted,
        )),
    ];
    if let Some(e) = &d.error {
        lines.push(Line::from(styled(format!("✗ {e}"), t.error)));
    }
    lines.push(Line::from(if d.busy {
        styled("tagging…", t.accent)
    } else {
        styled("  enter tags it · esc cancels", t.muted)
    }));
    let h = lines.len() as u16 + 2;
    let inner = boxed(f, t, area, 80, h, title, false);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn tag_delete(d: &TagDeleteDialog, t: &Theme, f: &mut Frame, area: Rect) {
    let title = format!(" Delete {} from {} ", d.tag, d.repo);
    let w = area.width.saturating_sub(2).clamp(20, 96);
    let mut lines = Vec::new();
    match &d.refused {
        None => {
            let how = if d.layout {
                "removes it from index.json; the manifest stays"
            } else {
                "a DELETE by tag; the manifest and its other tags stay (some registries refuse: they delete tags only with their manifest)"
            };
            lines.push(Line::from(styled(
                format!("{}: {how}.", TagDeleteDialog::REMOVE),
                t.muted,
            )));
            lines.push(Line::from(styled(
                format!(
                    "{}: the manifest, every tag pointing at it and every referrer below it, after a plan.",
                    TagDeleteDialog::WHOLE
                ),
                t.muted,
            )));
        }
        Some(why) => {
            lines.push(Line::from(styled(
                "✗ The tag was not removed (nothing changed):",
                t.error,
            )));
            lines.push(Line::from(styled(why.clone(), t.warn)));
        }
    }
    lines.push(Line::from(""));
    lines.push(if d.running {
        Line::from(styled("removing the tag…", t.accent))
    } else {
        buttons(d.buttons(), Some(d.focus))
    });
    let text_w = w.saturating_sub(2).max(8) as usize;
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(text_w).max(1))
        .sum();
    let inner = boxed(f, t, area, w, rows as u16 + 2, title, true);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

pub fn export(d: &ExportDialog, t: &Theme, f: &mut Frame, area: Rect) {
    let title = format!(" The tree of {} as Mermaid ", short_ref(&d.digest));
    let mut lines = vec![
        field(t, "File", &d.path, !d.busy && d.focus == 0),
        Line::from(styled(
            "                tab completes paths; an existing file is never replaced without asking",
            t.muted,
        )),
        Line::from(styled(
            "                the same text as arbor discover REF --format mermaid",
            t.muted,
        )),
    ];
    if let Some(e) = &d.error {
        lines.push(Line::from(styled(format!("✗ {e}"), t.error)));
    }
    lines.push(Line::from(""));
    lines.push(if d.busy {
        Line::from(styled("discovering the graph…", t.accent))
    } else {
        buttons(&ExportDialog::BUTTONS, d.focus.checked_sub(1))
    });
    let h = lines.len() as u16 + 2;
    let inner = boxed(f, t, area, 90, h, title, false);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
