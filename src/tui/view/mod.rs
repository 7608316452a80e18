//! Drawing: a pure function of the state (`draw(&State, &mut Frame)`).
mod dialog;
mod docview;
mod help;
mod lists;
mod style;
mod tree;
mod untagged;

use crate::store::StoreKind;
use crate::tui::keymap::Scope;
use crate::tui::label::short_ref;
use crate::tui::layout;
use crate::tui::state::{Prompt, Screen, State};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use style::{styled, text, ACCENT};

/// Draws the whole screen.
pub fn draw(s: &State, f: &mut Frame) {
    let area = f.area();
    let layout::Areas {
        header,
        body,
        flash,
        footer,
    } = layout::areas(area.width, area.height);
    draw_header(s, f, header);
    // Overlays draw over the screen beneath them.
    let base = s
        .stack
        .iter()
        .rev()
        .find(|x| !matches!(x, Screen::Help))
        .copied()
        .unwrap_or(Screen::Tags);
    match base {
        Screen::Repos => lists::repos(s, f, body),
        Screen::Tags => lists::tags(s, f, body),
        Screen::Untagged => untagged::draw(s, f, body),
        Screen::Tree => tree::draw(s, f, body),
        Screen::Inspect | Screen::Describe => docview::draw(s, f, body),
        Screen::Help => {}
    }
    if s.screen() == Screen::Help {
        help::draw(s, f, body);
    }
    if let Some(d) = &s.dialog {
        dialog::draw(d, s.dialog_scroll, f, body);
    }
    draw_flash(s, f, flash);
    draw_footer(s, f, footer);
    style::scrub(f.buffer_mut());
}

fn draw_header(s: &State, f: &mut Frame, area: Rect) {
    let sep = Span::raw(" │ ").dark_gray();
    let kv = |k: &str, v: String| vec![Span::raw(format!("{k} ")).dark_gray(), text(v).bold()];
    let mut l1 = vec![
        Span::raw(" arbor ").bold().fg(Color::Black).bg(ACCENT),
        Span::raw(" "),
    ];
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
    l1.extend(kv(
        "referrers",
        s.facts
            .referrers
            .map(|r| r.to_string())
            .unwrap_or_else(|| "not probed yet".into()),
    ));
    if !s.facts.writable {
        l1.push(Span::raw(" "));
        l1.push(Span::raw(" READ-ONLY ").fg(Color::Black).bg(Color::Yellow));
    }
    let crumbs = breadcrumbs(s);
    let mut l2 = vec![Span::raw(" ")];
    for (i, c) in crumbs.iter().enumerate() {
        if i > 0 {
            l2.push(Span::raw(" › ").dark_gray());
        }
        let st = if i + 1 == crumbs.len() {
            Style::new().fg(ACCENT).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        l2.push(styled(c.clone(), st));
    }
    f.render_widget(Paragraph::new(vec![Line::from(l1), Line::from(l2)]), area);
}

/// `registry › repo › v1 › sbom › signature`
pub fn breadcrumbs(s: &State) -> Vec<String> {
    let mut c = vec![match s.facts.kind {
        StoreKind::Layout => std::path::Path::new(&s.facts.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| s.facts.name.clone()),
        StoreKind::Registry => s.facts.name.clone(),
    }];
    if let Some(r) = &s.repo {
        c.push(r.clone());
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
        _ => {}
    }
    c
}

fn draw_flash(s: &State, f: &mut Frame, area: Rect) {
    let line = match &s.prompt {
        Some(Prompt::Filter(t)) => Line::from(vec![
            Span::raw(" /").fg(ACCENT).bold(),
            text(t.clone()),
            Span::raw("█"),
        ]),
        Some(Prompt::Command(t)) => Line::from(vec![
            Span::raw(" :").fg(ACCENT).bold(),
            text(t.clone()),
            Span::raw("█"),
        ]),
        Some(Prompt::Password {
            host,
            user,
            text: secret,
        }) => Line::from(vec![
            text(format!(" password for {user}@{host}: "))
                .fg(ACCENT)
                .bold(),
            Span::raw("•".repeat(secret.len())),
            Span::raw("█"),
        ]),
        None if s.flash.error => Line::from(vec![
            Span::raw(" ✗ ").red().bold(),
            text(s.flash.text.clone()).red(),
        ]),
        None if !s.flash.text.is_empty() => Line::from(vec![
            Span::raw(" • ").fg(ACCENT),
            text(s.flash.text.clone()),
        ]),
        None => Line::default(),
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_footer(s: &State, f: &mut Frame, area: Rect) {
    let mut spans = vec![Span::raw(" ")];
    let scope = match s.dialog {
        Some(_) => Scope::Dialog,
        None => s.screen().scope(),
    };
    for (i, (k, d)) in s.keymap.hints(scope).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::raw(k).fg(Color::Black).bg(Color::Gray));
        spans.push(Span::raw(format!(" {d}")).dark_gray());
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}
