//! Text prompts: `/` filter or search, `:` commands, the `:login` password.
use super::doc_text;
use super::nav::{
    back, open_repo, open_repos, open_tree, rebuild_tags_visible, remember, want_details,
};
use super::order::rebuild_repos_visible;
use crate::credentials::SavedTo;
use crate::store::StoreKind;
use crate::tui::action::{InputKey, Secret, Then};
use crate::tui::effect::{Control, Effect, OpJob};
use crate::tui::label::short_ref;
use crate::tui::state::tree::RowKind;
use crate::tui::state::{ContextRow, Prompt, Screen, State};

pub fn input(s: &mut State, k: InputKey) -> Vec<Effect> {
    let Some(prompt) = s.prompt.clone() else {
        return vec![];
    };
    let k = match (&prompt, k) {
        (Prompt::Filter(_) | Prompt::Command(_), InputKey::Hidden(c)) => InputKey::Char(c),
        (_, k) => k,
    };
    match (prompt, k) {
        (Prompt::Filter(mut text), InputKey::Char(c)) => {
            text.push(c);
            s.prompt = Some(Prompt::Filter(text.clone()));
            apply_filter(s, &text)
        }
        (Prompt::Filter(mut text), InputKey::Backspace) => {
            text.pop();
            s.prompt = Some(Prompt::Filter(text.clone()));
            apply_filter(s, &text)
        }
        (Prompt::Filter(text), InputKey::Submit) => {
            s.prompt = None;
            if !text.is_empty() {
                s.say(format!("filter: {text}"));
            }
            vec![]
        }
        (Prompt::Filter(_), InputKey::Cancel) => {
            s.prompt = None;
            apply_filter(s, "")
        }
        (Prompt::Command(mut text), InputKey::Char(c)) => {
            text.push(c);
            s.prompt = Some(Prompt::Command(text));
            vec![]
        }
        (Prompt::Command(mut text), InputKey::Backspace) => {
            text.pop();
            s.prompt = Some(Prompt::Command(text));
            vec![]
        }
        (Prompt::Command(text), InputKey::Submit) => {
            s.prompt = None;
            run_command(s, text.trim())
        }
        (Prompt::Command(_), InputKey::Cancel) => {
            s.prompt = None;
            vec![]
        }
        (
            Prompt::Password {
                host,
                user,
                mut text,
            },
            InputKey::Char(c) | InputKey::Hidden(c),
        ) => {
            text.push(c);
            s.prompt = Some(Prompt::Password { host, user, text });
            vec![]
        }
        (
            Prompt::Password {
                host,
                user,
                mut text,
            },
            InputKey::Backspace,
        ) => {
            text.pop();
            s.prompt = Some(Prompt::Password { host, user, text });
            vec![]
        }
        (Prompt::Password { host, user, text }, InputKey::Submit) => {
            s.prompt = None;
            if text.is_empty() {
                s.fail("no password typed — login cancelled");
                return vec![];
            }
            s.say(format!("logging in to {host} as {user}…"));
            vec![OpJob::Login {
                host,
                user,
                password: text,
            }
            .into()]
        }
        (Prompt::Password { .. }, InputKey::Cancel) => {
            s.prompt = None;
            s.say("login cancelled");
            vec![]
        }
        // Filter and command prompts took hidden characters as plain ones above.
        (_, InputKey::Hidden(_)) => vec![],
    }
}

fn apply_filter(s: &mut State, text: &str) -> Vec<Effect> {
    match s.screen() {
        Screen::Repos => {
            s.repos.view.filter = text.to_string();
            s.repos.view.cursor = 0;
            s.repos.view.offset = 0;
            rebuild_repos_visible(s);
            vec![]
        }
        Screen::Tags => {
            s.tags.view.filter = text.to_string();
            s.tags.view.cursor = 0;
            s.tags.view.offset = 0;
            rebuild_tags_visible(s);
            want_details(s)
        }
        Screen::Tree => {
            // Search: the cursor jumps to the first visible node whose label or digest matches.
            let f = text.to_lowercase();
            if f.is_empty() {
                return vec![];
            }
            let rows = s.tree.rows();
            let hit = rows.iter().find_map(|r| match r.kind {
                RowKind::Node(n) => {
                    let node = s.tree.node(n)?;
                    let hay = format!(
                        "{} {} {}",
                        s.tree.label(n),
                        node.desc.digest,
                        node.desc.artifact_type.as_deref().unwrap_or("")
                    )
                    .to_lowercase();
                    hay.contains(&f).then_some(n)
                }
                _ => None,
            });
            if let Some(n) = hit {
                s.tree.select(n);
                s.tree.keep_in_view(&rows, s.body_height());
            }
            vec![]
        }
        Screen::Inspect | Screen::Describe => {
            if let Some(d) = s.doc.as_mut() {
                d.search = text.to_string();
                doc_text::find_matches(d);
                if let Some(&m) = d.matches.first() {
                    d.scroll = m;
                }
            }
            vec![]
        }
        Screen::Contexts | Screen::Help | Screen::Untagged => vec![],
    }
}

fn run_command(s: &mut State, text: &str) -> Vec<Effect> {
    let (cmd, arg) = match text.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (text, ""),
    };
    match (cmd, arg) {
        ("q" | "quit", _) => {
            s.quit = true;
            vec![]
        }
        ("repos", _) | ("repo", "") => open_repos(s),
        ("repo", name) => {
            s.say(format!("opened repository {name}"));
            let mut fx = remember(s, name, None);
            fx.extend(open_repo(s, name.to_string(), Vec::new()));
            fx
        }
        ("ref", r) if !r.is_empty() => open_ref(s, r),
        ("ctx" | "context" | "contexts", name) => contexts(s, name),
        ("login", user) if !user.is_empty() && !user.contains(char::is_whitespace) => {
            match s.facts.kind {
                StoreKind::Registry => {
                    s.prompt = Some(Prompt::Password {
                        host: s.facts.name.clone(),
                        user: user.to_string(),
                        text: Secret::default(),
                    });
                }
                StoreKind::Layout => s.fail(format!(
                    "nothing to log in to: {} is an OCI layout, not a registry",
                    s.facts.name
                )),
            }
            vec![]
        }
        ("login", _) => {
            s.fail("usage: :login USER (the password is asked for next)");
            vec![]
        }
        ("back", _) => back(s),
        ("", _) => vec![],
        _ => {
            s.fail(format!(
                "unknown command :{text} — try :repos, :repo NAME, :ref REF, :ctx, :login USER, :q"
            ));
            vec![]
        }
    }
}

/// `:ref TAG`, `:ref sha256:…` (or `@sha256:…`), `:ref REPO:TAG`, `:ref REPO@sha256:…`.
pub(super) fn open_ref(s: &mut State, r: &str) -> Vec<Effect> {
    let r = r.trim_start_matches('@');
    let (repo, reference) = if r.parse::<crate::oci::Digest>().is_ok() {
        (s.repo.clone(), r.to_string())
    } else if let Some((repo, d)) = r.split_once('@') {
        (Some(repo.to_string()), d.to_string())
    } else {
        match r.rsplit_once(':') {
            Some((repo, tag)) if !repo.is_empty() && !tag.contains('/') => {
                (Some(repo.to_string()), tag.to_string())
            }
            _ => (s.repo.clone(), r.trim_start_matches(':').to_string()),
        }
    };
    let Some(repo) = repo else {
        s.fail(":ref needs a repository first — use :repo NAME, or :ref REPO:TAG");
        return vec![];
    };
    let mut fx = Vec::new();
    if s.repo.as_deref() != Some(repo.as_str()) {
        fx.extend(open_repo(s, repo.clone(), Vec::new()));
    }
    s.say(format!("opened {repo} {}", short_ref(&reference)));
    fx.extend(remember(s, &repo, Some(&reference)));
    fx.extend(open_tree(s, &repo, &reference));
    fx
}

/// `:ctx` lists the contexts (config.toml's registries, recent references); `:ctx NAME` opens one.
fn contexts(s: &mut State, name: &str) -> Vec<Effect> {
    if !name.is_empty() {
        let found = s.contexts.rows.iter().find_map(|r| match r {
            ContextRow::Registry(c) if c.name == name || c.host == name => Some(c.clone()),
            _ => None,
        });
        return match found {
            Some(c) => {
                s.say(format!("connecting to {} ({})…", c.name, c.host));
                vec![Control::Connect {
                    context: c,
                    then: Then::Repos,
                }
                .into()]
            }
            None => {
                s.fail(format!(
                    "no context {name:?} in config.toml — :ctx lists them"
                ));
                vec![]
            }
        };
    }
    // The recent references of this run come first.
    let registries: Vec<ContextRow> = s
        .contexts
        .rows
        .iter()
        .filter(|r| matches!(r, ContextRow::Registry(_)))
        .cloned()
        .collect();
    s.contexts.rows = registries
        .into_iter()
        .chain(s.recent.iter().cloned().map(ContextRow::Recent))
        .collect();
    s.contexts.view.visible = (0..s.contexts.rows.len()).collect();
    s.contexts.view.cursor = 0;
    s.contexts.view.offset = 0;
    s.stack.retain(|x| *x != Screen::Contexts);
    s.stack.push(Screen::Contexts);
    vec![]
}

/// After `:login`: the registry is opened again (so the saved credentials are used from the
/// first request) and the screen reloads; the header shows who arbor is signed in as at once.
pub fn logged_in(
    s: &mut State,
    host: &str,
    user: &str,
    result: Result<SavedTo, String>,
) -> Vec<Effect> {
    match result {
        Ok(saved) => {
            let unencrypted = if saved.is_unencrypted() {
                " (warning: stored unencrypted; configure a credential helper to keep them safe)"
            } else {
                ""
            };
            s.facts.auth = format!("as {user}");
            s.say(format!(
                "signed in to {host} as {user}; saved to {saved}{unencrypted} — reloading"
            ));
            let context = s.context.clone().unwrap_or_else(|| crate::config::Context {
                name: host.to_string(),
                host: host.to_string(),
                plain_http: s.facts.plain_http.then_some(true),
                ..Default::default()
            });
            vec![Control::Connect {
                context,
                then: Then::Reload,
            }
            .into()]
        }
        Err(e) => {
            s.fail(e);
            vec![]
        }
    }
}
