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

use crate::listing::ListingSource;
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
use style::{fitted, styled, text};

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

/// The header's first line: where arbor is and what it knows of the store. When it is wider
/// than the terminal, whole pieces go, lowest rank first (ref and repo first: the breadcrumbs
/// below repeat them); the place and READ-ONLY always stay, the place cut in its middle last.
fn draw_header(s: &State, t: &theme::Theme, f: &mut Frame, area: Rect) {
    let place = match (s.facts.kind, s.facts.demo) {
        (StoreKind::Layout, true) => ("demo layout", "(embedded)".to_string()),
        (StoreKind::Layout, false) => ("layout", s.facts.name.clone()),
        (StoreKind::Registry, _) => ("registry", s.facts.name.clone()),
    };
    // (rank, key, value)
    let mut pieces: Vec<(u8, &str, String)> = Vec::new();
    if let Some(r) = &s.repo {
        pieces.push((2, "repo", r.clone()));
    }
    if matches!(
        s.screen(),
        Screen::Tree | Screen::Inspect | Screen::Describe
    ) && !s.tree.reference.is_empty()
    {
        pieces.push((1, "ref", short_ref(&s.tree.reference)));
    }
    pieces.push((5, "auth", s.facts.auth.clone()));
    let referrers = match s.facts.referrers {
        Some(ReferrersSource::ReferrersApi) => "API",
        Some(ReferrersSource::ReferrersTag) => "tag fallback",
        Some(ReferrersSource::Layout) => "layout scan",
        None => "not asked yet",
    };
    pieces.push((4, "referrers", referrers.to_string()));
    if let Some(l) = s.facts.listing {
        pieces.push((3, "listing", listing_words(l).to_string()));
    }
    const LOGO: &str = " arbor ";
    const READ_ONLY: &str = " READ-ONLY ";
    let kv_w = |k: &str, v: &str| width(k) + 1 + width(&crate::text::escape(v));
    let read_only = match s.facts.writable {
        true => 0,
        false => 1 + width(READ_ONLY),
    };
    // Everything but the place's value, which takes what is left.
    let rest = |ps: &[(u8, &str, String)]| {
        width(LOGO)
            + 1
            + width(place.0)
            + 1
            + read_only
            + ps.iter().map(|(_, k, v)| 3 + kv_w(k, v)).sum::<usize>()
    };
    let room = area.width as usize;
    let place_w = width(&crate::text::escape(&place.1));
    while rest(&pieces) + place_w > room {
        let lowest = pieces.iter().enumerate().min_by_key(|(_, p)| p.0);
        let Some((i, _)) = lowest else { break };
        pieces.remove(i);
    }
    let place_room = room.saturating_sub(rest(&pieces)).max(1);
    let mut l1 = vec![
        styled(LOGO, t.logo),
        text(" "),
        styled(format!("{} ", place.0), t.muted),
        fitted(&place.1, place_room, t.header_value),
    ];
    for (_, k, v) in pieces {
        l1.push(styled(" │ ", t.muted));
        l1.push(styled(format!("{k} "), t.muted));
        l1.push(styled(v, t.header_value));
    }
    if !s.facts.writable {
        l1.push(text(" "));
        l1.push(styled(READ_ONLY, t.read_only));
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

/// The header's word for a listing source, as the untagged view's title says it.
fn listing_words(l: ListingSource) -> &'static str {
    match l {
        ListingSource::Acr => "ACR",
        ListingSource::Harbor => "Harbor",
        ListingSource::OciLayout => "layout",
        ListingSource::Reachable => "reachable only",
    }
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
