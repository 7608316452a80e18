//! Answers of store reads (`Action::Load`): pages, details, tree levels, documents, decodings,
//! the untagged listing. Stale answers (older request ids/generations) are dropped.
use super::doc_text;
use super::keys::refresh_view;
use super::nav::{
    append_tags, cache_inspection, compose_describe, expand, load_repos, open_repo, open_tree,
    set_doc_lines, want_details,
};
use super::order::{rebuild_repos_visible, sort_untagged};
use crate::tui::action::{Cmd, Connected, DocKind, Loaded, Then};
use crate::tui::effect::Effect;
use crate::tui::label::count;
use crate::tui::state::{Decoding, DetailState, Fix, Screen, State, UntaggedRow};

pub fn apply(s: &mut State, a: Loaded) -> Vec<Effect> {
    match a {
        Loaded::Notice { text, error } => {
            // Background words do not cover an error still showing; a failure does.
            if error {
                s.fail(text);
            } else {
                s.note(text);
            }
            vec![]
        }
        Loaded::Status {
            auth,
            referrers,
            listing,
        } => {
            s.facts.auth = auth;
            if referrers.is_some() {
                s.facts.referrers = referrers;
            }
            if listing.is_some() {
                s.facts.listing = listing;
            }
            vec![]
        }
        Loaded::ReposPage { req, result } => {
            if req != s.repos.req {
                return vec![];
            }
            s.repos.loading = false;
            match result {
                Ok((items, next)) => {
                    s.repos.items.extend(items);
                    s.repos.next = next;
                    let cur = s.repo.clone();
                    rebuild_repos_visible(s);
                    // Coming up from a repository: it stays under the cursor.
                    let at = cur.and_then(|r| {
                        s.repos
                            .view
                            .visible
                            .iter()
                            .position(|&i| s.repos.items.get(i) == Some(&r))
                    });
                    if let (Some(p), true) = (at, s.repos.view.cursor == 0) {
                        s.repos.view.cursor = p;
                        let bh = s.body_height();
                        s.repos.view.keep_in_view(bh);
                    }
                }
                Err(f) => {
                    s.repos.unsupported = f.unsupported;
                    s.repos.error = Some(f.message.clone());
                    if !f.unsupported {
                        s.fail(f.message);
                    }
                }
            }
            vec![]
        }
        Loaded::TagsPage { req, result } => {
            if req != s.tags.req {
                return vec![];
            }
            match result {
                Ok((items, done)) => {
                    s.tags.loading = !done;
                    append_tags(s, items);
                    if done && !s.tags.keep_flash {
                        let n = s.tags.rows.iter().filter(|r| r.tag.is_some()).count();
                        s.note(format!(
                            "{} in {}",
                            count(n, "tag"),
                            s.repo.as_deref().unwrap_or("?")
                        ));
                    }
                    want_details(s)
                }
                Err(e) => {
                    s.tags.loading = false;
                    s.tags.error = Some(e.clone());
                    s.fail(e);
                    vec![]
                }
            }
        }
        Loaded::Detail { repo, key, result } => {
            if s.repo.as_deref() != Some(repo.as_str()) {
                return vec![];
            }
            s.tags.wanted.remove(&key);
            s.tags.details.insert(
                key,
                match result {
                    Ok(d) => DetailState::Ready(d),
                    Err(e) => DetailState::Failed(e),
                },
            );
            vec![]
        }
        Loaded::Resolved { gen, result } => {
            if gen != s.tree.gen {
                return vec![];
            }
            match result {
                Ok(desc) => {
                    // The last visit to this subject: what was open opens again.
                    let key = (s.tree.repo.clone(), desc.digest.clone());
                    s.tree.restore = s.trees.get(&key).cloned();
                    s.tree.set_root(desc);
                    expand(s, 0)
                }
                Err(e) => {
                    s.tree.resolving = false;
                    s.tree.error = Some(e.clone());
                    s.fail(e);
                    vec![]
                }
            }
        }
        Loaded::Expanded { gen, node, result } => {
            if gen != s.tree.gen {
                return vec![];
            }
            if let Err(e) = &result {
                s.fail(format!("expanding {}: {e}", s.tree.label(node)));
            }
            let next = s.tree.finish_expand(node, result);
            let mut fx = Vec::new();
            for n in next {
                fx.extend(expand(s, n));
            }
            let rows = s.tree.rows();
            s.tree.keep_in_view(&rows, s.body_height());
            fx
        }
        Loaded::Fetched { req, result } => {
            let Some(d) = s.doc.as_mut() else {
                return vec![];
            };
            if d.req != req {
                return vec![];
            }
            d.loading = false;
            match result {
                Ok(docu) => {
                    let what = if d.describe {
                        "describe"
                    } else if d.kind == DocKind::Config {
                        "config"
                    } else {
                        "manifest"
                    };
                    d.title = format!(
                        "{what} {} · {} B",
                        docu.descriptor.digest, docu.descriptor.size
                    );
                    if d.describe {
                        d.fields = doc_text::describe(&docu);
                        compose_describe(d, &s.verify);
                    } else {
                        set_doc_lines(d, doc_text::pretty(&docu.bytes));
                    }
                }
                Err(e) => {
                    d.error = Some(e.clone());
                    s.fail(e);
                }
            }
            vec![]
        }
        Loaded::Inspected {
            req,
            subject,
            result,
        } => {
            if let Ok(i) = &result {
                cache_inspection(s, subject, i);
            }
            let Some(d) = s.doc.as_mut().filter(|d| d.req == req && d.describe) else {
                return vec![];
            };
            d.decoded = match result {
                Ok(i) => Decoding::Ready(crate::inspect::render_lines(&i)),
                Err(e) => Decoding::Failed(e),
            };
            // Before the descriptor arrives the view still says "loading…"; the fields come after.
            if !d.loading {
                compose_describe(d, &s.verify);
            }
            vec![]
        }
        Loaded::UntaggedListed { req, result } => {
            let repo = s.repo.clone().unwrap_or_default();
            let u = &mut s.untagged;
            if u.req != req {
                return vec![];
            }
            u.loading = false;
            match result {
                Ok(inv) => {
                    // What no tag leads to, and what has a fix (sorted by the view's order).
                    u.rows = UntaggedRow::of(&inv);
                    // The header names the source from now on (reachable only included).
                    s.facts.listing = Some(inv.source);
                    u.inventory = Some(inv);
                    sort_untagged(s);
                    if s.untagged.keep_flash {
                        return vec![];
                    }
                    let rows = &s.untagged.rows;
                    let n = rows.iter().filter(|r| r.manifest().is_some()).count();
                    let of = |f: Fix| rows.iter().filter(|r| r.fix() == Some(f)).count();
                    let (dangling, stale) = (of(Fix::RemoveTag), of(Fix::Repair));
                    let mut fix_note = String::new();
                    if dangling > 0 {
                        fix_note += &format!(
                            "; {} ({} removes one)",
                            count(dangling, "dangling tag"),
                            s.keymap.keys_of(Cmd::RemoveTag)
                        );
                    }
                    if stale > 0 {
                        fix_note += &format!(
                            "; {} ({} repairs one)",
                            count(stale, "stale fallback index"),
                            s.keymap.keys_of(Cmd::Repair)
                        );
                    }
                    s.note(format!(
                        "{} in {repo} untagged or orphaned{fix_note}",
                        count(n, "manifest")
                    ));
                }
                Err(e) => {
                    u.error = Some(e.clone());
                    s.fail(e);
                }
            }
            vec![]
        }
        Loaded::Summary {
            digest,
            subject,
            result,
        } => {
            match result {
                Ok(i) => cache_inspection(s, subject, &i),
                Err(e) => {
                    s.summary_failed.insert(digest, e);
                }
            }
            vec![]
        }
        Loaded::Connected { result } => connected(s, result),
        Loaded::Verified {
            repo,
            digest,
            verdicts,
        } => super::verify::verified(s, repo, digest, verdicts),
    }
}

/// A new store is in use: new header facts, then the screen it was opened for.
fn connected(s: &mut State, result: Result<Connected, String>) -> Vec<Effect> {
    let c = match result {
        Ok(c) => c,
        Err(e) => {
            s.fail(e);
            return vec![];
        }
    };
    let same = s.facts.name == c.name && s.facts.kind == c.kind;
    s.facts.name = c.name.clone();
    s.facts.kind = c.kind;
    // A store opened again after `:login` has made no request yet: it says "anonymous" until
    // its first one, but the header already knows who signs in.
    if !(c.then == Then::Reload && c.auth == "anonymous") {
        s.facts.auth = c.auth;
    }
    s.facts.demo = false;
    s.facts.writable = c.writable;
    // A store opened again (`:login`) has not detected its kind yet: what was found stands.
    if !same || c.listing.is_some() {
        s.facts.listing = c.listing;
    }
    s.facts.plain_http = c.plain_http;
    if !same {
        s.facts.referrers = None;
        s.repos = Default::default();
        s.inspections.clear();
        s.summary_failed.clear();
        s.summary_wanted = None;
        s.marks.clear();
        s.verify = Default::default();
    }
    s.context = Some(c.context);
    match c.then {
        Then::Repos => {
            s.say(format!("connected to {}", c.name));
            s.stack.retain(|x| *x == Screen::Contexts);
            s.stack.push(Screen::Repos);
            s.repos = Default::default();
            load_repos(s, None)
        }
        Then::Repo(repo) => {
            s.stack.retain(|x| *x == Screen::Contexts);
            open_repo(s, repo, Vec::new())
        }
        Then::Ref(repo, reference) => {
            s.stack.retain(|x| *x == Screen::Contexts);
            let mut fx = open_repo(s, repo.clone(), Vec::new());
            fx.extend(open_tree(s, &repo, &reference));
            fx
        }
        Then::Reload => refresh_view(s),
    }
}
