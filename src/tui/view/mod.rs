//! Drawing: a pure function of the state (`draw(&State, &mut Frame)`), in the theme the state
//! names.
mod contexts;
mod copy_dialog;
mod dialog;
mod dialog_parts;
mod docview;
mod help;
mod lists;
mod pane;
mod style;
mod tag_dialogs;
mod theme;
mod tree;
mod untagged;

pub use lists::{tag_columns, Col};
pub use theme::Theme;

use crate::store::{ReferrersSource, StoreKind};
use crate::tui::action::Cmd;
use crate::tui::keymap::Scope;
use crate::tui::label::{short_ref, width};
use crate::tui::layout;
use crate::tui::state::{Prompt, Screen, State};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use style::{styled, text};

/// Draws the whole screen.
pub fn draw(s: &State, f: &mut Frame) {
    let t = Theme::of(s.look);
    let area = f.area();
    let layout::Areas {
        header,
        body,
        flash,
        footer,
    } = layout::areas(area.width, area.height);
    draw_header(s, t, f, header);
    // Overlays draw over the screen beneath them.
    let base = s
        .stack
        .iter()
        .rev()
        .find(|x| !matches!(x, Screen::Help))
        .copied()
        .unwrap_or(Screen::Tags);
    let pane_cols = match base {
        Screen::Tags | Screen::Tree => s.pane.columns(area.width),
        _ => 0,
    };
    let (main, side) = if pane_cols > 0 {
        let [m, p] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Length(pane_cols)]).areas(body);
        (m, Some(p))
    } else {
        (body, None)
    };
    match base {
        Screen::Contexts => contexts::draw(s, t, f, main),
        Screen::Repos => lists::repos(s, t, f, main),
        Screen::Tags => lists::tags(s, t, f, main),
        Screen::Untagged => untagged::draw(s, t, f, main),
        Screen::Tree => tree::draw(s, t, f, main),
        Screen::Inspect | Screen::Describe => docview::draw(s, t, f, main),
        Screen::Help => {}
    }
    if let Some(p) = side {
        pane::draw(s, t, base, f, p);
    }
    if s.screen() == Screen::Help {
        help::draw(s, t, f, body);
    }
    if let Some(d) = &s.dialog {
        dialog::draw(d, t, s.dialog_scroll, f, body);
    }
    draw_flash(s, t, f, flash);
    draw_footer(s, t, f, footer);
    style::scrub(f.buffer_mut());
}

fn draw_header(s: &State, t: &theme::Theme, f: &mut Frame, area: Rect) {
    let sep = styled(" │ ", t.muted);
    let kv = |k: &str, v: String| vec![styled(format!("{k} "), t.muted), styled(v, t.header_value)];
    let mut l1 = vec![styled(" arbor ", t.logo), text(" ")];
    let place = match (s.facts.kind, s.facts.demo) {
        (StoreKind::Layout, true) => kv("demo layout", "(embedded)".to_string()),
        (StoreKind::Layout, false) => kv("layout", s.facts.name.clone()),
        (StoreKind::Registry, _) => kv("registry", s.facts.name.clone()),
    };
    l1.extend(place);
    if let Some(r) = &s.repo {
        l1.push(sep.clone());
        l1.extend(kv("repo", r.clone()));
    }
    if matches!(
        s.screen(),
        Screen::Tree | Screen::Inspect | Screen::Describe
    ) && !s.tree.reference.is_empty()
    {
        l1.push(sep.clone());
        l1.extend(kv("ref", short_ref(&s.tree.reference)));
    }
    l1.push(sep.clone());
    l1.extend(kv("auth", s.facts.auth.clone()));
    l1.push(sep.clone());
    let referrers = match s.facts.referrers {
        Some(ReferrersSource::ReferrersApi) => "API",
        Some(ReferrersSource::ReferrersTag) => "tag fallback",
        Some(ReferrersSource::Layout) => "layout scan",
        None => "not asked yet",
    };
    l1.extend(kv("referrers", referrers.to_string()));
    if !s.facts.writable {
        l1.push(text(" "));
        l1.push(styled(" READ-ONLY ", t.read_only));
    }
    let crumbs = breadcrumbs(s);
    let mut l2 = vec![text(" ")];
    for (i, c) in crumbs.iter().enumerate() {
        if i > 0 {
            l2.push(styled(" › ", t.muted));
        }
        let st = if i + 1 == crumbs.len() {
            t.accent.patch(t.header_value)
        } else {
            Default::default()
        };
        l2.push(styled(c.clone(), st));
    }
    f.render_widget(Paragraph::new(vec![Line::from(l1), Line::from(l2)]), area);
}

/// `registry › repo › v1 › sbom › signature`
pub fn breadcrumbs(s: &State) -> Vec<String> {
    let mut c = vec![match (s.facts.kind, s.facts.demo) {
        (StoreKind::Layout, true) => "demo".to_string(),
        (StoreKind::Layout, false) => std::path::Path::new(&s.facts.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| s.facts.name.clone()),
        (StoreKind::Registry, _) => s.facts.name.clone(),
    }];
    if s.screen() == Screen::Contexts {
        return vec!["contexts".into()];
    }
    if let Some(r) = s.repo.as_ref().filter(|_| s.screen() != Screen::Repos) {
        // A layout named after its repository (the demo's net-monitor) is not said twice.
        if c.last() != Some(r) {
            c.push(r.clone());
        }
    }
    if s.stack.contains(&Screen::Tree) && !s.tree.reference.is_empty() {
        if s.tree.nodes.is_empty() {
            c.push(short_ref(&s.tree.reference));
        } else {
            for n in s.tree.path(s.tree.cursor) {
                c.push(if n == 0 {
                    short_ref(&s.tree.reference)
                } else {
                    s.tree.label(n)
                });
            }
        }
    }
    match s.screen() {
        Screen::Inspect => c.push("json".into()),
        Screen::Describe => c.push("describe".into()),
        Screen::Help => c.push("help".into()),
        Screen::Untagged => c.push("untagged".into()),
        Screen::Repos => c.push("repositories".into()),
        Screen::Contexts | Screen::Tags | Screen::Tree => {}
    }
    c
}

fn draw_flash(s: &State, t: &theme::Theme, f: &mut Frame, area: Rect) {
    let line = match &s.prompt {
        Some(Prompt::Filter(q)) => {
            Line::from(vec![styled(" /", t.accent), text(q.clone()), text("█")])
        }
        Some(Prompt::Command(q)) => {
            Line::from(vec![styled(" :", t.accent), text(q.clone()), text("█")])
        }
        Some(Prompt::Password {
            host,
            user,
            text: p,
        }) => Line::from(vec![
            styled(format!(" password for {user}@{host}: "), t.accent),
            text("•".repeat(p.len())),
            text("█"),
        ]),
        None if s.flash.error && !s.flash.text.is_empty() => Line::from(vec![
            styled(" ✗ ", t.bad),
            styled(s.flash.text.clone(), t.error),
        ]),
        None if !s.flash.text.is_empty() => {
            Line::from(vec![styled(" • ", t.accent), text(s.flash.text.clone())])
        }
        None => Line::default(),
    };
    f.render_widget(Paragraph::new(line), area);
}

/// Key hints for the keys that act here, cut to the width — `? help` always stays.
fn draw_footer(s: &State, t: &theme::Theme, f: &mut Frame, area: Rect) {
    let scope = match s.dialog {
        Some(_) => Scope::Dialog,
        None => s.screen().scope(),
    };
    let hints = s.keymap.hints(scope, |c| s.acts(c));
    // `? help` on a screen and `esc cancel` in a dialog are never cut.
    let (help, others): (Vec<_>, Vec<_>) = hints
        .into_iter()
        .partition(|h| matches!(h.0, Cmd::Help | Cmd::Cancel));
    let piece = |k: &str, d: &str| width(k) + width(d) + 3;
    let mut room = (area.width as usize).saturating_sub(1);
    room = room.saturating_sub(help.iter().map(|h| piece(&h.1, h.2)).sum::<usize>());
    let mut shown = Vec::new();
    for h in others {
        let w = piece(&h.1, h.2);
        if w > room {
            break;
        }
        room -= w;
        shown.push(h);
    }
    shown.extend(help);
    let mut spans: Vec<Span> = vec![text(" ")];
    for (i, (_, k, d)) in shown.into_iter().enumerate() {
        if i > 0 {
            spans.push(text("  "));
        }
        spans.push(styled(k, t.footer_key));
        spans.push(text(format!(" {d}")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
