//! Dialogs drawn over the screen: the attach form and preview, pull, delete plan, reports.
//! The focused button is bracketed (`▶ Cancel ◀`) so it shows without colour too.
use super::dialog_parts::{body, boxed, buttons, field, wrapped};
use super::style::{styled, text};
use super::theme::Theme;
use crate::graph::delete::plan_lines;
use crate::tui::label::{count, human_size, short_ref};
use crate::tui::state::dialog::{
    AttachForm, CommandsDialog, DeleteDialog, Dialog, PlanSummary, PullDialog, Report,
    ATTACH_FIELDS,
};
use crate::tui::state::Fix;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(d: &Dialog, t: &Theme, scroll: usize, f: &mut Frame, area: Rect) {
    match d {
        Dialog::Attach(a) => attach(a, t, scroll, f, area),
        Dialog::Pull(p) => pull(p, t, f, area),
        Dialog::Delete(dd) => delete(dd, t, scroll, f, area),
        Dialog::Report(r) => report(r, t, scroll, f, area),
        Dialog::Commands(c) => commands(c, t, f, area),
        Dialog::Copy(c) => super::copy_dialog::draw(c, t, scroll, f, area),
        Dialog::AddTag(a) => super::tag_dialogs::add_tag(a, t, f, area),
        Dialog::TagDelete(d) => super::tag_dialogs::tag_delete(d, t, f, area),
        Dialog::Export(e) => super::tag_dialogs::export(e, t, f, area),
    }
}

/// `!`: the commands, the focused one marked and reversed; enter copies it.
fn commands(c: &CommandsDialog, t: &Theme, f: &mut Frame, area: Rect) {
    let longest = c
        .items
        .iter()
        .map(|(_, cmd)| cmd.chars().count())
        .max()
        .unwrap_or(40);
    let w = (longest as u16 + 8).max(50);
    let h = (c.items.len() * 2 + 4) as u16;
    let inner = boxed(
        f,
        t,
        area,
        w,
        h,
        " Copy as a command (enter copies, esc closes) ".into(),
        false,
    );
    let mut lines = Vec::new();
    for (i, (what, cmd)) in c.items.iter().enumerate() {
        let focused = i == c.focus;
        lines.push(Line::from(styled(format!("  {what}"), t.muted)));
        let mark = if focused { "› " } else { "  " };
        let st = if focused { t.selection } else { Style::new() };
        lines.push(Line::from(vec![text(mark), styled(cmd.clone(), st)]));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn attach(a: &AttachForm, t: &Theme, scroll: usize, f: &mut Frame, area: Rect) {
    let title = format!(" Attach to {} ({}) ", a.label, short_ref(&a.subject));
    let mut lines: Vec<Line> = Vec::new();
    let bottom: Vec<Line>;
    if let Some(p) = &a.preview {
        lines.push(Line::from(vec![
            styled("Manifest to push ", t.muted),
            styled(p.digest.to_string(), t.title),
        ]));
        lines.extend(p.lines.iter().map(|l| Line::from(text(l.clone()))));
        bottom = vec![buttons(a.buttons(), Some(a.focus))];
    } else {
        let values = [&a.files, &a.artifact_type, &a.annotations];
        for (i, (label, value)) in ATTACH_FIELDS.iter().zip(values).enumerate() {
            lines.push(field(t, label, value, a.focus == i));
            match i {
                0 => {
                    for (path, mt) in a.file_types() {
                        lines.push(Line::from(styled(
                            format!("                {path} → {mt}"),
                            t.muted,
                        )));
                    }
                    lines.push(
                        Line::from(styled("                paths separated by , or space; path:media/type overrides the type", t.muted)),
                    );
                }
                1 => {
                    let seen = if a.seen_types.is_empty() {
                        "none seen in this repository yet".to_string()
                    } else {
                        a.seen_types.join(" · ")
                    };
                    lines.push(Line::from(styled(
                        format!("                seen here: {seen}"),
                        t.muted,
                    )));
                }
                _ => lines.push(Line::from(styled(
                    "                key=value, separated by commas",
                    t.muted,
                ))),
            }
            if a.focus == i && !a.candidates.is_empty() {
                lines.push(Line::from(styled(
                    format!("                tab: {}", a.candidates.join("  ")),
                    t.accent,
                )));
            }
        }
        let focus = a.focus.checked_sub(ATTACH_FIELDS.len());
        bottom = vec![buttons(a.buttons(), focus)];
    }
    let mut bottom = bottom;
    if let Some(b) = a.busy {
        bottom.insert(0, Line::from(styled(b, t.accent)));
    }
    if let Some(e) = &a.error {
        bottom.insert(0, Line::from(styled(format!("✗ {e}"), t.error)));
    }
    let h = (lines.len() + bottom.len() + 3) as u16;
    let inner = boxed(f, t, area, 100, h, title, false);
    let [top, _, low] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(bottom.len() as u16),
    ])
    .areas(inner);
    let scroll = if a.preview.is_some() { scroll } else { 0 };
    f.render_widget(body(lines, scroll, top), top);
    f.render_widget(Paragraph::new(bottom).wrap(Wrap { trim: false }), low);
}

fn pull(p: &PullDialog, t: &Theme, f: &mut Frame, area: Rect) {
    let title = format!(" Pull {} ({}) ", p.label, short_ref(&p.reference));
    let inner = boxed(f, t, area, 80, 8, title, false);
    let [a, _, c, d] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    f.render_widget(
        Paragraph::new(vec![
            field(t, "Directory", &p.dir, !p.running && p.focus == 0),
            Line::from(styled(
                "                created if missing; nothing partial is left on failure",
                t.muted,
            )),
        ]),
        a,
    );
    if p.running {
        let st = p.status;
        let ratio = if st.total == 0 {
            0.0
        } else {
            (st.done as f64 / st.total as f64).clamp(0.0, 1.0)
        };
        let label = format!(
            "{} / {} · {}/{} file(s){}",
            human_size(st.done as i64),
            human_size(st.total as i64),
            st.verified,
            count(st.files, "file"),
            if p.cancelling {
                " · cancelling…"
            } else {
                ""
            }
        );
        f.render_widget(
            Gauge::default()
                .ratio(ratio)
                .label(label)
                .gauge_style(t.accent.add_modifier(Modifier::REVERSED)),
            c,
        );
        f.render_widget(
            Paragraph::new(Line::from(styled("esc cancels", t.muted))),
            d,
        );
    } else {
        let focus = p.focus.checked_sub(1);
        f.render_widget(Paragraph::new(buttons(&PullDialog::BUTTONS, focus)), d);
    }
}

/// The plan dialog: as wide as the terminal allows, the CLI's lines wrapped, scrolled by pgup/pgdn.
fn delete(d: &DeleteDialog, t: &Theme, scroll: usize, f: &mut Frame, area: Rect) {
    let what = if d.refs.len() == 1 {
        short_ref(&d.refs[0])
    } else {
        format!("{} marked manifests", d.refs.len())
    };
    // `boxed` draws the title through the sanitiser.
    let title = match d.fix {
        Some(Fix::RemoveTag) => format!(" Remove dangling tag {what} from {} ", d.repo),
        Some(Fix::Repair) => format!(" Repair stale index {what} in {} ", d.repo),
        None => format!(" Delete {what} from {} ", d.repo),
    };
    let Some(plans) = &d.plans else {
        let inner = boxed(f, t, area, 70, 4, title, true);
        f.render_widget(
            Paragraph::new(vec![
                Line::from(text(
                    "planning… (finding every referrer and every tag that goes)",
                )),
                Line::from(styled("esc cancels", t.muted)),
            ]),
            inner,
        );
        return;
    };
    let sum = PlanSummary::of(plans);
    // The whole body's width: a box one column inside the pane's border would show both.
    let w = area.width.max(20);
    let text_w = w.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    if sum.below > 0 {
        let why = format!(
            "{} manifest(s) go because something above them goes (shown with why).",
            sum.below
        );
        for part in textwrap::wrap(&why, text_w.max(8)) {
            lines.push(Line::from(styled(part.into_owned(), t.warn)));
        }
    }
    lines.extend(wrapped(&plan_lines("", &plans.0), text_w));
    let bottom = if d.running {
        Line::from(format!("deleting… {}/{} done", d.deleted, sum.manifests))
    } else {
        buttons(&d.buttons(), Some(d.focus))
    };
    let h = (lines.len() + 4) as u16;
    let inner = boxed(f, t, area, w, h, title, true);
    let [top, _, low] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(inner);
    let more = lines.len() > top.height as usize;
    f.render_widget(body(lines, scroll, top), top);
    let hint = if more { "   pgup/pgdn scroll" } else { "" };
    f.render_widget(
        Paragraph::new(Line::from(vec![
            Span::raw(bottom.to_string()),
            styled(hint, t.muted),
        ])),
        low,
    );
}

fn report(r: &Report, t: &Theme, scroll: usize, f: &mut Frame, area: Rect) {
    // Long lines (a reason naming digests) wrap inside the box rather than run off it.
    let w = 90.min(area.width);
    let lines = wrapped(&r.lines, w.saturating_sub(2) as usize);
    let h = (lines.len() + 4) as u16;
    let inner = boxed(f, t, area, w, h, format!(" {} ", r.title), r.error);
    let [top, low] = Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
    f.render_widget(body(lines, scroll, top), top);
    f.render_widget(
        Paragraph::new(vec![Line::from(""), buttons(&["OK"], Some(0))]),
        low,
    );
}
