//! `update(&mut State, Action) -> Vec<Effect>`: plain, synchronous, unit-testable.
use super::action::{Action, Cmd, DocKind, Effect};
pub(super) use super::nav::{
    cache_inspection, compose_describe, expand, expand_all, load_repos, open_describe, open_doc,
    open_repo, open_tree, rebuild_tags_visible, row_for_tag, set_doc_lines, want_details,
};
use super::ops;
use super::state::{Prompt, Screen, State, TagRow, BODY_TOP};
use super::tree::{Load, RowKind};
use crate::graph::EdgeSource;
use crate::oci::Descriptor;

/// Where the app starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// A registry: the repositories pane.
    Repos,
    /// A repository's tags; `untagged` = manifests known without a tag (layout index.json).
    Tags {
        repo: String,
        untagged: Vec<Descriptor>,
    },
    /// A manifest, with the tags underneath to go back to.
    Ref {
        repo: String,
        reference: String,
        untagged: Vec<Descriptor>,
    },
}

/// Sets up the first screens and the effects that load them.
pub fn boot(s: &mut State, start: Start) -> Vec<Effect> {
    match start {
        Start::Repos => {
            s.stack = vec![Screen::Repos];
            load_repos(s, None)
        }
        Start::Tags { repo, untagged } => open_repo(s, repo, untagged),
        Start::Ref {
            repo,
            reference,
            untagged,
        } => {
            let mut fx = open_repo(s, repo.clone(), untagged);
            fx.extend(open_tree(s, &repo, &reference));
            fx
        }
    }
}

pub fn update(s: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Cmd(c) => command(s, c),
        Action::Input(k) if s.dialog.is_some() => ops::dialog_input(s, k),
        Action::Input(k) => super::input::input(s, k),
        Action::Resize(w, h) => {
            s.width = w;
            s.height = h;
            let bh = s.body_height();
            s.repos.view.keep_in_view(bh);
            s.tags.view.keep_in_view(bh);
            want_details(s)
        }
        Action::Scroll(n) => command(s, if n > 0 { Cmd::Down } else { Cmd::Up })
            .into_iter()
            .chain(if n.abs() > 1 {
                update(s, Action::Scroll(n - n.signum()))
            } else {
                vec![]
            })
            .collect(),
        Action::Click(row) => click(s, row),
        Action::Status { auth, referrers } => {
            s.facts.auth = auth;
            if referrers.is_some() {
                s.facts.referrers = referrers;
            }
            vec![]
        }
        Action::Quit => {
            s.quit = true;
            vec![]
        }
        Action::LoggedIn { host, user, result } => {
            super::input::logged_in(s, &host, &user, result);
            vec![]
        }
        a @ (Action::AttachPreviewed { .. }
        | Action::Attached { .. }
        | Action::PullProgress { .. }
        | Action::Pulled { .. }
        | Action::Planned { .. }
        | Action::DeleteProgress { .. }
        | Action::Deleted { .. }
        | Action::UntaggedListed { .. }) => ops::result(s, a),
        other => super::results::result(s, other),
    }
}

fn command(s: &mut State, c: Cmd) -> Vec<Effect> {
    if s.dialog.is_some() {
        return ops::dialog_cmd(s, c);
    }
    let screen = s.screen();
    let bh = s.body_height() as i64;
    let step = |c: Cmd| -> Option<i64> {
        match c {
            Cmd::Up => Some(-1),
            Cmd::Down => Some(1),
            Cmd::Top => Some(i64::MIN / 2),
            Cmd::Bottom => Some(i64::MAX / 2),
            Cmd::PageUp => Some(-bh),
            Cmd::PageDown => Some(bh),
            _ => None,
        }
    };
    if let Some(d) = step(c) {
        return move_cursor(s, d);
    }
    match (c, screen) {
        (Cmd::Quit, _) => s.quit = true,
        (Cmd::Help, Screen::Help) => return back(s),
        (Cmd::Help, _) => {
            s.help_scroll = 0;
            s.stack.push(Screen::Help);
        }
        (Cmd::Back, _) => return back(s),
        (Cmd::Filter, _) => {
            let cur = match screen {
                Screen::Repos => s.repos.view.filter.clone(),
                Screen::Tags => s.tags.view.filter.clone(),
                Screen::Inspect | Screen::Describe => {
                    s.doc.as_ref().map(|d| d.search.clone()).unwrap_or_default()
                }
                _ => String::new(),
            };
            s.prompt = Some(Prompt::Filter(cur));
        }
        (Cmd::Command, _) => s.prompt = Some(Prompt::Command(String::new())),
        (Cmd::Refresh, _) => return refresh(s),
        (Cmd::Pull, _) => return ops::pull(s),
        (Cmd::Attach, _) => return ops::attach(s),
        (Cmd::Delete, _) => return ops::delete(s),
        (Cmd::Mark, _) => ops::mark(s),
        (Cmd::Untagged, Screen::Tags | Screen::Untagged) => return ops::toggle_untagged(s),
        (Cmd::Open | Cmd::Right, Screen::Untagged) => {
            if let (Some(d), Some(repo)) = (ops::selected_untagged(s), s.repo.clone()) {
                return open_tree(s, &repo, &d);
            }
        }
        (Cmd::Open | Cmd::Right, Screen::Repos) => {
            if let Some(name) = s
                .repos
                .view
                .selected()
                .and_then(|i| s.repos.items.get(i))
                .cloned()
            {
                return open_repo(s, name, Vec::new());
            }
        }
        (Cmd::Open | Cmd::Right, Screen::Tags) => {
            let Some(repo) = s.repo.clone() else {
                return vec![];
            };
            if let Some(row) = s.tags.view.selected().and_then(|i| s.tags.rows.get(i)) {
                let key = row.key();
                return open_tree(s, &repo, &key);
            }
        }
        (Cmd::Left, Screen::Repos | Screen::Tags | Screen::Untagged) => return back(s),
        (Cmd::Open | Cmd::Right, Screen::Tree) => {
            let i = s.tree.cursor;
            let toggle_closed = c == Cmd::Open
                && s.tree
                    .node(i)
                    .is_some_and(|n| n.open && n.load == Load::Loaded);
            if toggle_closed {
                if let Some(n) = s.tree.nodes.get_mut(i) {
                    n.open = false;
                }
            } else {
                return expand(s, i);
            }
        }
        (Cmd::Left, Screen::Tree) => {
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
        }
        (Cmd::ExpandAll, Screen::Tree) => return expand_all(s, s.tree.cursor),
        (Cmd::Inspect | Cmd::Describe, Screen::Tags | Screen::Tree | Screen::Untagged) => {
            let target = if screen == Screen::Tree {
                s.tree
                    .node(s.tree.cursor)
                    .map(|n| n.desc.digest.to_string())
            } else if screen == Screen::Untagged {
                ops::selected_untagged(s)
            } else {
                s.tags
                    .view
                    .selected()
                    .and_then(|i| s.tags.rows.get(i))
                    .map(TagRow::key)
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
                (Some(r), Some(repo)) if c == Cmd::Describe => {
                    return open_describe(s, repo, r, subject)
                }
                (Some(r), Some(repo)) => return open_doc(s, repo, r, DocKind::Manifest, false),
                _ => s.fail("nothing to inspect here"),
            }
        }
        (Cmd::ToggleHidden, Screen::Tags) => {
            s.tags.show_hidden = !s.tags.show_hidden;
            rebuild_tags_visible(s);
            s.say(if s.tags.show_hidden {
                "showing sha256-* and cosign tags"
            } else {
                "hiding sha256-* and cosign tags"
            });
            return want_details(s);
        }
        (Cmd::NextMatch | Cmd::PrevMatch, Screen::Inspect | Screen::Describe) => {
            if let Some(d) = s.doc.as_mut() {
                let next = if c == Cmd::NextMatch {
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
        }
        (Cmd::NextDoc, Screen::Inspect) => {
            if let Some(d) = s.doc.clone() {
                let kind = if d.kind == DocKind::Manifest {
                    DocKind::Config
                } else {
                    DocKind::Manifest
                };
                s.stack.pop();
                return open_doc(s, d.repo, d.reference, kind, false);
            }
        }
        _ => {}
    }
    vec![]
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

fn click(s: &mut State, row: u16) -> Vec<Effect> {
    if row < BODY_TOP {
        return vec![];
    }
    let idx = (row - BODY_TOP) as usize;
    match s.screen() {
        Screen::Repos => {
            let c = s.repos.view.offset + idx;
            let cur = s.repos.view.cursor as i64;
            move_cursor(s, c as i64 - cur)
        }
        Screen::Tags => {
            let c = s.tags.view.offset + idx;
            let cur = s.tags.view.cursor as i64;
            move_cursor(s, c as i64 - cur)
        }
        Screen::Untagged => {
            let c = s.untagged.view.offset + idx;
            let cur = s.untagged.view.cursor as i64;
            move_cursor(s, c as i64 - cur)
        }
        Screen::Tree => {
            // The tree has no column titles: its first row sits one line higher.
            let rows = s.tree.rows();
            if let Some(RowKind::Node(n)) = rows.get(s.tree.offset + idx + 1).map(|r| r.kind) {
                s.tree.cursor = n;
            }
            vec![]
        }
        _ => vec![],
    }
}

pub(super) fn back(s: &mut State) -> Vec<Effect> {
    if s.stack.len() > 1 {
        if let Some(Screen::Inspect | Screen::Describe) = s.stack.pop() {
            s.doc = None;
        }
    } else {
        s.say(format!("{} to quit", s.keymap.keys_of(Cmd::Quit)));
    }
    vec![]
}

fn refresh(s: &mut State) -> Vec<Effect> {
    let mut fx: Vec<Effect> = s
        .repo
        .iter()
        .map(|r| Effect::Invalidate { repo: r.clone() })
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
        Screen::Untagged => fx.extend(ops::load_untagged(s)),
        _ => {
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
