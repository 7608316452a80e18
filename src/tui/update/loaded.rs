//! Answers of store reads (`Action::Load`): pages, details, tree levels, documents, decodings,
//! the untagged listing. Stale answers (older request ids/generations) are dropped.
use super::doc_text;
use super::nav::{
    append_tags, cache_inspection, compose_describe, expand, set_doc_lines, want_details,
};
use crate::graph::inventory::Class;
use crate::tui::action::{DocKind, Loaded};
use crate::tui::effect::Effect;
use crate::tui::state::{Decoding, DetailState, State};

pub fn apply(s: &mut State, a: Loaded) -> Vec<Effect> {
    match a {
        Loaded::Notice { text, error } => {
            if error {
                s.fail(text);
            } else {
                s.say(text);
            }
            vec![]
        }
        Loaded::Status { auth, referrers } => {
            s.facts.auth = auth;
            if referrers.is_some() {
                s.facts.referrers = referrers;
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
                    let f = s.repos.view.filter.to_lowercase();
                    s.repos.view.visible = s
                        .repos
                        .items
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.to_lowercase().contains(&f))
                        .map(|(i, _)| i)
                        .collect();
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
                        s.say(format!("{n} tags in {}", s.repo.as_deref().unwrap_or("?")));
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
                        compose_describe(d);
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
                compose_describe(d);
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
                    // What no tag leads to: untagged first, then orphans.
                    let mut rows: Vec<_> = inv
                        .manifests
                        .iter()
                        .filter(|m| matches!(m.class, Class::Untagged | Class::Orphan))
                        .cloned()
                        .collect();
                    rows.sort_by(|a, b| (a.class, &a.digest).cmp(&(b.class, &b.digest)));
                    u.view.visible = (0..rows.len()).collect();
                    u.rows = rows;
                    u.inventory = Some(inv);
                    let bh = s.body_height();
                    s.untagged.view.keep_in_view(bh);
                    if s.untagged.keep_flash {
                        return vec![];
                    }
                    s.say(format!(
                        "{} untagged manifest(s) and orphan(s) in {repo}",
                        s.untagged.rows.len()
                    ));
                }
                Err(e) => {
                    u.error = Some(e.clone());
                    s.fail(e);
                }
            }
            vec![]
        }
    }
}
