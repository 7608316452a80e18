//! Commands on a screen (no dialog open): moving, opening, filtering, refreshing, and the keys
//! that start graph operations. Every command is matched by name.
use super::nav::{
    back, expand, expand_all, load_repos, open_describe, open_doc, open_repo, open_tree,
    rebuild_tags_visible, want_details,
};
use super::ops;
use crate::graph::EdgeSource;
use crate::oci::Descriptor;
use crate::tui::action::{Cmd, DocKind};
use crate::tui::effect::{Control, Effect};
use crate::tui::layout;
use crate::tui::state::tree::{Load, RowKind};
use crate::tui::state::{Prompt, Screen, State, TagRow};

pub fn command(s: &mut State, c: Cmd) -> Vec<Effect> {
    let screen = s.screen();
    let bh = s.body_height() as i64;
    match c {
        Cmd::Up => move_cursor(s, -1),
        Cmd::Down => move_cursor(s, 1),
        Cmd::Top => move_cursor(s, i64::MIN / 2),
        Cmd::Bottom => move_cursor(s, i64::MAX / 2),
        Cmd::PageUp => move_cursor(s, -bh),
        Cmd::PageDown => move_cursor(s, bh),
        Cmd::Quit => {
            s.quit = true;
            vec![]
        }
        Cmd::Help if screen == Screen::Help => back(s),
        Cmd::Help => {
            s.help_scroll = 0;
            s.stack.push(Screen::Help);
            vec![]
        }
        Cmd::Back => back(s),
        Cmd::Filter => {
            let cur = match screen {
                Screen::Repos => s.repos.view.filter.clone(),
                Screen::Tags => s.tags.view.filter.clone(),
                Screen::Inspect | Screen::Describe => {
                    s.doc.as_ref().map(|d| d.search.clone()).unwrap_or_default()
                }
                Screen::Tree | Screen::Help | Screen::Untagged => String::new(),
            };
            s.prompt = Some(Prompt::Filter(cur));
            vec![]
        }
        Cmd::Command => {
            s.prompt = Some(Prompt::Command(String::new()));
            vec![]
        }
        Cmd::Refresh => refresh(s),
        Cmd::Pull => ops::pull(s),
        Cmd::Attach => ops::attach(s),
        Cmd::Delete => ops::delete(s),
        Cmd::Mark => {
            ops::mark(s);
            vec![]
        }
        Cmd::Untagged => match screen {
            Screen::Tags | Screen::Untagged => ops::toggle_untagged(s),
            Screen::Repos | Screen::Tree | Screen::Inspect | Screen::Describe | Screen::Help => {
                vec![]
            }
        },
        Cmd::Open | Cmd::Right => open(s, c, screen),
        Cmd::Left => match screen {
            Screen::Repos | Screen::Tags | Screen::Untagged => back(s),
            Screen::Tree => collapse_or_climb(s),
            Screen::Inspect | Screen::Describe | Screen::Help => vec![],
        },
        Cmd::ExpandAll if screen == Screen::Tree => expand_all(s, s.tree.cursor),
        Cmd::ExpandAll => vec![],
        Cmd::Inspect | Cmd::Describe => match screen {
            Screen::Tags | Screen::Tree | Screen::Untagged => inspect(s, c, screen),
            Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => vec![],
        },
        Cmd::ToggleHidden if screen == Screen::Tags => {
            s.tags.show_hidden = !s.tags.show_hidden;
            rebuild_tags_visible(s);
            s.say(if s.tags.show_hidden {
                "showing sha256-* and cosign tags"
            } else {
                "hiding sha256-* and cosign tags"
            });
            want_details(s)
        }
        Cmd::ToggleHidden => vec![],
        Cmd::NextMatch | Cmd::PrevMatch => {
            if matches!(screen, Screen::Inspect | Screen::Describe) {
                next_match(s, c == Cmd::NextMatch);
            }
            vec![]
        }
        Cmd::NextDoc => match s.doc.clone() {
            Some(d) if screen == Screen::Inspect => {
                let kind = match d.kind {
                    DocKind::Manifest => DocKind::Config,
                    DocKind::Config => DocKind::Manifest,
                };
                s.stack.pop();
                open_doc(s, d.repo, d.reference, kind, false)
            }
            _ => vec![],
        },
        // Dialog keys: only bound in dialogs, which take them before this.
        Cmd::DialogNext | Cmd::DialogPrev | Cmd::Complete | Cmd::Submit | Cmd::Cancel => vec![],
    }
}

/// `enter` / `l`: drill into the row, or expand (enter on an open node closes it).
fn open(s: &mut State, c: Cmd, screen: Screen) -> Vec<Effect> {
    match screen {
        Screen::Untagged => match (s.untagged.selected_digest(), s.repo.clone()) {
            (Some(d), Some(repo)) => open_tree(s, &repo, &d),
            _ => vec![],
        },
        Screen::Repos => {
            let name = s
                .repos
                .view
                .selected()
                .and_then(|i| s.repos.items.get(i))
                .cloned();
            match name {
                Some(name) => open_repo(s, name, Vec::new()),
                None => vec![],
            }
        }
        Screen::Tags => {
            let key = s
                .tags
                .view
                .selected()
                .and_then(|i| s.tags.rows.get(i))
                .map(TagRow::key);
            match (s.repo.clone(), key) {
                (Some(repo), Some(key)) => open_tree(s, &repo, &key),
                _ => vec![],
            }
        }
        Screen::Tree => {
            let i = s.tree.cursor;
            let toggle_closed = c == Cmd::Open
                && s.tree
                    .node(i)
                    .is_some_and(|n| n.open && n.load == Load::Loaded);
            if toggle_closed {
                if let Some(n) = s.tree.nodes.get_mut(i) {
                    n.open = false;
                }
                vec![]
            } else {
                expand(s, i)
            }
        }
        Screen::Inspect | Screen::Describe | Screen::Help => vec![],
    }
}

/// `h` in the tree: close the node, else go to its parent, else back.
fn collapse_or_climb(s: &mut State) -> Vec<Effect> {
    let i = s.tree.cursor;
    match s.tree.nodes.get_mut(i) {
        Some(n) if n.open => n.open = false,
        Some(n) => match n.parent {
            Some(p) => {
                s.tree.cursor = p;
                let rows = s.tree.rows();
                s.tree.keep_in_view(&rows, s.body_height());
            }
            None => return back(s),
        },
        None => return back(s),
    }
    vec![]
}

/// `y` / `d` on a row or node: the raw JSON or the describe view.
fn inspect(s: &mut State, c: Cmd, screen: Screen) -> Vec<Effect> {
    let target = match screen {
        Screen::Tree => s
            .tree
            .node(s.tree.cursor)
            .map(|n| n.desc.digest.to_string()),
        Screen::Untagged => s.untagged.selected_digest(),
        Screen::Tags => s
            .tags
            .view
            .selected()
            .and_then(|i| s.tags.rows.get(i))
            .map(TagRow::key),
        Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => None,
    };
    // A manifest reached through a cosign tag names no subject: the tag named its parent.
    let subject = (screen == Screen::Tree)
        .then(|| s.tree.node(s.tree.cursor))
        .flatten()
        .filter(|n| n.edge == EdgeSource::CosignTag)
        .and_then(|n| n.parent)
        .and_then(|p| s.tree.node(p))
        .map(|p| p.desc.digest.clone());
    match (target, s.repo.clone()) {
        (Some(r), Some(repo)) if c == Cmd::Describe => open_describe(s, repo, r, subject),
        (Some(r), Some(repo)) => open_doc(s, repo, r, DocKind::Manifest, false),
        _ => {
            s.fail("nothing to inspect here");
            vec![]
        }
    }
}

/// `n` / `N`: the next (or previous) search match, wrapping.
fn next_match(s: &mut State, forward: bool) {
    let Some(d) = s.doc.as_mut() else { return };
    let next = if forward {
        d.matches
            .iter()
            .find(|&&m| m > d.scroll)
            .or(d.matches.first())
    } else {
        d.matches
            .iter()
            .rev()
            .find(|&&m| m < d.scroll)
            .or(d.matches.last())
    };
    if let Some(&m) = next {
        d.scroll = m;
    }
}

fn move_cursor(s: &mut State, d: i64) -> Vec<Effect> {
    let bh = s.body_height();
    match s.screen() {
        Screen::Repos => {
            s.repos.view.move_by(d, bh);
            let v = &s.repos.view;
            if v.cursor + bh >= v.visible.len() && !s.repos.loading {
                if let Some(next) = s.repos.next.clone() {
                    return load_repos(s, Some(next));
                }
            }
            vec![]
        }
        Screen::Tags => {
            s.tags.view.move_by(d, bh);
            want_details(s)
        }
        Screen::Tree => {
            s.tree.move_by(d, bh);
            vec![]
        }
        Screen::Untagged => {
            s.untagged.view.move_by(d, bh);
            vec![]
        }
        Screen::Inspect | Screen::Describe => {
            if let Some(doc) = s.doc.as_mut() {
                let max = doc.lines.len().saturating_sub(1) as i64;
                doc.scroll = (doc.scroll as i64 + d).clamp(0, max.max(0)) as usize;
            }
            vec![]
        }
        Screen::Help => {
            let max = s.keymap.bindings.len() as i64;
            s.help_scroll = (s.help_scroll as i64 + d).clamp(0, max) as usize;
            vec![]
        }
    }
}

/// A click on a row selects it; the geometry is the one the view draws with.
pub fn click(s: &mut State, row: u16) -> Vec<Effect> {
    let body = s.areas().body;
    let list_row = |offset: usize| layout::row_at(layout::list_rows(body), row).map(|i| offset + i);
    match s.screen() {
        Screen::Repos => match list_row(s.repos.view.offset) {
            Some(c) => move_cursor(s, c as i64 - s.repos.view.cursor as i64),
            None => vec![],
        },
        Screen::Tags => match list_row(s.tags.view.offset) {
            Some(c) => move_cursor(s, c as i64 - s.tags.view.cursor as i64),
            None => vec![],
        },
        Screen::Untagged => match list_row(s.untagged.view.offset) {
            Some(c) => move_cursor(s, c as i64 - s.untagged.view.cursor as i64),
            None => vec![],
        },
        Screen::Tree => {
            let at = layout::row_at(layout::tree_rows(body), row).map(|i| s.tree.offset + i);
            if let Some(RowKind::Node(n)) = at.and_then(|i| s.tree.rows().get(i).map(|r| r.kind)) {
                s.tree.cursor = n;
            }
            vec![]
        }
        Screen::Inspect | Screen::Describe | Screen::Help => vec![],
    }
}

/// `ctrl-r`: drop the repository's caches (before anything reloads), then load the screen again.
fn refresh(s: &mut State) -> Vec<Effect> {
    let mut fx: Vec<Effect> = s
        .repo
        .iter()
        .map(|r| Control::Invalidate { repo: r.clone() }.into())
        .collect();
    match s.screen() {
        Screen::Repos => {
            s.repos.items.clear();
            s.repos.view.visible.clear();
            // A fresh listing: an earlier failure (say, before `:login`) no longer stands.
            s.repos.error = None;
            s.repos.unsupported = false;
            fx.extend(load_repos(s, None));
        }
        Screen::Tree => {
            let (repo, r) = (s.tree.repo.clone(), s.tree.reference.clone());
            s.stack.pop();
            fx.extend(open_tree(s, &repo, &r));
        }
        Screen::Untagged => fx.extend(super::nav::load_untagged(s)),
        Screen::Tags | Screen::Inspect | Screen::Describe | Screen::Help => {
            if let Some(repo) = s.repo.clone() {
                let untagged: Vec<Descriptor> = s
                    .tags
                    .rows
                    .iter()
                    .filter(|r| r.tag.is_none())
                    .filter_map(|r| r.descriptor.as_deref().cloned())
                    .collect();
                s.stack.retain(|x| *x == Screen::Repos);
                fx.extend(open_repo(s, repo, untagged));
            }
        }
    }
    s.say("refreshed");
    fx
}
