//! Commands on a screen (no dialog open): moving, opening, filtering, refreshing, and the keys
//! that start graph operations. Every command is matched by name.
use super::nav::{
    back, expand, expand_all, load_repos, open_context, open_describe, open_doc, open_repo,
    open_tree, rebuild_tags_visible, remember, want_details,
};
use super::ops;
use super::order::{rebuild_repos_visible, sort_untagged};
use super::{copy, tagging};
use crate::oci::Descriptor;
use crate::tui::action::{Cmd, DocKind};
use crate::tui::effect::{Control, Effect, TermJob};
use crate::tui::layout;
use crate::tui::state::prefs::{TAG_SORTS, UNTAGGED_SORTS};
use crate::tui::state::tree::{Load, RowKind};
use crate::tui::state::{DetailState, Fix, Prompt, Screen, State, TagRow};

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
                Screen::Tree | Screen::Help | Screen::Untagged | Screen::Contexts => String::new(),
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
        Cmd::Delete => tagging::delete(s),
        Cmd::RemoveTag => ops::fix(s, Fix::RemoveTag),
        Cmd::Repair => ops::fix(s, Fix::Repair),
        Cmd::Mark => {
            ops::mark(s);
            vec![]
        }
        Cmd::Untagged => match screen {
            Screen::Tags | Screen::Untagged => ops::toggle_untagged(s),
            Screen::Contexts
            | Screen::Repos
            | Screen::Tree
            | Screen::Inspect
            | Screen::Describe
            | Screen::Help => vec![],
        },
        Cmd::Open | Cmd::Right => open(s, c, screen),
        Cmd::Left => match screen {
            Screen::Repos | Screen::Tags | Screen::Untagged => back(s),
            Screen::Tree => collapse_or_climb(s),
            Screen::Contexts | Screen::Inspect | Screen::Describe | Screen::Help => vec![],
        },
        Cmd::ExpandAll if screen == Screen::Tree => match s.tree.selected() {
            Some(n) => expand_all(s, n),
            None => vec![],
        },
        Cmd::ExpandAll => vec![],
        Cmd::Inspect | Cmd::Describe => match screen {
            Screen::Tags | Screen::Tree | Screen::Untagged => inspect(s, c, screen),
            Screen::Contexts
            | Screen::Repos
            | Screen::Inspect
            | Screen::Describe
            | Screen::Help => {
                vec![]
            }
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
        Cmd::Sort | Cmd::SortReverse => sort(s, c == Cmd::SortReverse),
        Cmd::TogglePane => {
            s.pane.on = !s.pane.on;
            if s.width < crate::tui::state::prefs::PANE_MIN_TERMINAL {
                s.say(format!(
                    "the detail pane shows on terminals {} columns wide or more",
                    crate::tui::state::prefs::PANE_MIN_TERMINAL
                ));
            } else {
                s.say(if s.pane.on {
                    "detail pane on"
                } else {
                    "detail pane off"
                });
            }
            vec![]
        }
        Cmd::PaneWider => {
            s.pane.resize(4);
            vec![]
        }
        Cmd::PaneNarrower => {
            s.pane.resize(-4);
            vec![]
        }
        Cmd::CopyDigest => ops::copy(s, ops::CopyWhat::Digest),
        Cmd::CopyReference => ops::copy(s, ops::CopyWhat::Reference),
        Cmd::CopyCommand => ops::copy_commands(s),
        Cmd::Redraw => vec![TermJob::Redraw.into()],
        Cmd::CopyGraph => copy::open(s),
        Cmd::AddTag => tagging::add_tag(s),
        Cmd::Mermaid => tagging::mermaid(s),
        // Dialog keys: only bound in dialogs, which take them before this.
        Cmd::DialogNext | Cmd::DialogPrev | Cmd::Complete | Cmd::Submit | Cmd::Cancel => vec![],
    }
}

/// `s` cycles the list's sort key, `S` reverses it; each view keeps its own.
fn sort(s: &mut State, reverse: bool) -> Vec<Effect> {
    let flip = |mut x: crate::tui::state::prefs::Sort, keys| {
        if reverse {
            x.reverse = !x.reverse;
            x
        } else {
            x.cycle(keys)
        }
    };
    match s.screen() {
        Screen::Tags => {
            s.sorts.tags = flip(s.sorts.tags, TAG_SORTS);
            rebuild_tags_visible(s);
            let t = &s.tags;
            let known = t
                .view
                .visible
                .iter()
                .filter_map(|&i| t.rows.get(i))
                .filter(|r| matches!(t.details.get(&r.key()), Some(DetailState::Ready(_))))
                .count();
            let note = if s.sorts.tags.key == crate::tui::state::prefs::SortKey::Name {
                String::new()
            } else {
                format!(
                    " ({known} of {} known; rows not fetched yet go last)",
                    t.view.visible.len()
                )
            };
            s.say(format!("tags sorted by {}{note}", s.sorts.tags.label()));
            want_details(s)
        }
        Screen::Untagged => {
            s.sorts.untagged = flip(s.sorts.untagged, UNTAGGED_SORTS);
            sort_untagged(s);
            s.say(format!("sorted by {}", s.sorts.untagged.label()));
            vec![]
        }
        Screen::Repos => {
            s.sorts.repos.reverse = !s.sorts.repos.reverse;
            rebuild_repos_visible(s);
            s.say(format!("repositories sorted by {}", s.sorts.repos.label()));
            vec![]
        }
        Screen::Contexts | Screen::Tree | Screen::Inspect | Screen::Describe | Screen::Help => {
            vec![]
        }
    }
}

/// `enter` / `l`: drill into the row, or expand (enter on an open node closes it).
fn open(s: &mut State, c: Cmd, screen: Screen) -> Vec<Effect> {
    match screen {
        Screen::Contexts => open_context(s),
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
                Some(name) => {
                    let mut fx = remember(s, &name, None);
                    fx.extend(open_repo(s, name, Vec::new()));
                    fx
                }
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
                (Some(repo), Some(key)) => {
                    let mut fx = remember(s, &repo, Some(&key));
                    fx.extend(open_tree(s, &repo, &key));
                    fx
                }
                _ => vec![],
            }
        }
        Screen::Tree if s.tree.group.is_some() => {
            let (i, g) = (s.tree.cursor, s.tree.group.unwrap_or(0));
            let word = s.tree.groups(i).get(g).map(|x| x.word.clone());
            let open = word.is_some_and(|w| s.tree.nodes[i].groups_open.contains(&w));
            if !open || c == Cmd::Open {
                s.tree.toggle_group(i, g);
            }
            vec![]
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

/// `h` in the tree: close the node (or group), else go to its parent, else back.
fn collapse_or_climb(s: &mut State) -> Vec<Effect> {
    let i = s.tree.cursor;
    if let Some(g) = s.tree.group {
        let word = s
            .tree
            .groups(i)
            .get(g)
            .map(|x| x.word.clone())
            .unwrap_or_default();
        if s.tree.nodes[i].groups_open.contains(&word) {
            s.tree.toggle_group(i, g);
        } else {
            s.tree.select(i);
        }
        let rows = s.tree.rows();
        s.tree.keep_in_view(&rows, s.body_height());
        return vec![];
    }
    match s.tree.nodes.get_mut(i) {
        Some(n) if n.open => n.open = false,
        Some(n) => match n.parent {
            Some(p) => {
                s.tree.select(p);
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
            .selected()
            .and_then(|i| s.tree.node(i))
            .map(|n| n.desc.digest.to_string()),
        Screen::Untagged => s.untagged.selected_digest(),
        Screen::Tags => s
            .tags
            .view
            .selected()
            .and_then(|i| s.tags.rows.get(i))
            .map(TagRow::key),
        Screen::Contexts | Screen::Repos | Screen::Inspect | Screen::Describe | Screen::Help => {
            None
        }
    };
    let subject = match screen {
        Screen::Tree => s.selected_manifest().and_then(|(_, subject)| subject),
        _ => None,
    };
    let signature = match screen {
        Screen::Tree => s
            .tree
            .selected()
            .and_then(|i| super::verify::item_of_node(&s.tree, i)),
        _ => None,
    };
    match (target, s.repo.clone()) {
        (Some(r), Some(repo)) if c == Cmd::Describe => {
            open_describe(s, repo, r, subject, signature)
        }
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
        Screen::Contexts => {
            s.contexts.view.move_by(d, bh);
            vec![]
        }
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
        Screen::Contexts => match list_row(s.contexts.view.offset) {
            Some(c) => move_cursor(s, c as i64 - s.contexts.view.cursor as i64),
            None => vec![],
        },
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
            match at.and_then(|i| s.tree.rows().get(i).map(|r| r.kind)) {
                Some(RowKind::Node(n)) => s.tree.select(n),
                Some(RowKind::Group(n, g)) => {
                    s.tree.cursor = n;
                    s.tree.group = Some(g);
                }
                Some(RowKind::Loading(_) | RowKind::Error(_)) | None => {}
            }
            vec![]
        }
        Screen::Inspect | Screen::Describe | Screen::Help => vec![],
    }
}

/// `ctrl-r`: the screen loaded again, fresh.
fn refresh(s: &mut State) -> Vec<Effect> {
    let fx = refresh_view(s);
    s.say("refreshed");
    fx
}

/// Drops the repository's caches (before anything reloads), then loads the screen again.
pub fn refresh_view(s: &mut State) -> Vec<Effect> {
    let mut fx: Vec<Effect> = s
        .repo
        .iter()
        .map(|r| Control::Invalidate { repo: r.clone() }.into())
        .collect();
    match s.screen() {
        Screen::Contexts => {}
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
                s.stack
                    .retain(|x| matches!(x, Screen::Repos | Screen::Contexts));
                fx.extend(open_repo(s, repo, untagged));
            }
        }
    }
    fx
}
