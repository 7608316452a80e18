//! Results coming back from effects; stale answers (older request ids/generations) are dropped.
use super::action::{Action, DocKind, Effect};
use super::doc;
use super::state::Decoding;
use super::state::{DetailState, State};
use super::update::{
    cache_inspection, compose_describe, expand, rebuild_tags_visible, row_for_tag, set_doc_lines,
    want_details,
};

pub fn result(s: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::ReposPage { req, result } => {
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
        Action::TagsPage { req, result } => {
            if req != s.tags.req {
                return vec![];
            }
            match result {
                Ok((items, done)) => {
                    s.tags.loading = !done;
                    // Untagged rows stay last.
                    let at = s
                        .tags
                        .rows
                        .iter()
                        .position(|r| r.tag.is_none())
                        .unwrap_or(s.tags.rows.len());
                    let new: Vec<_> = items.into_iter().map(row_for_tag).collect();
                    s.tags.rows.splice(at..at, new);
                    rebuild_tags_visible(s);
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
        Action::Detail { repo, key, result } => {
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
        Action::Resolved { gen, result } => {
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
        Action::Expanded { gen, node, result } => {
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
        Action::Fetched { req, result } => {
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
                        d.fields = doc::describe(&docu);
                        compose_describe(d);
                    } else {
                        set_doc_lines(d, doc::pretty(&docu.bytes));
                    }
                }
                Err(e) => {
                    d.error = Some(e.clone());
                    s.fail(e);
                }
            }
            vec![]
        }
        Action::Inspected {
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
        _ => vec![],
    }
}
