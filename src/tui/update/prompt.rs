//! Text prompts: `/` filter or search, `:` commands, the `:login` password.
use super::doc_text;
use super::nav::{back, open_repo, open_tree, rebuild_tags_visible, want_details};
use crate::credentials::SavedTo;
use crate::store::StoreKind;
use crate::tui::action::{InputKey, Secret};
use crate::tui::effect::{Effect, OpJob};
use crate::tui::state::tree::RowKind;
use crate::tui::state::{Prompt, Screen, State};

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
            let f = text.to_lowercase();
            let v = &mut s.repos.view;
            v.filter = text.to_string();
            v.visible = s
                .repos
                .items
                .iter()
                .enumerate()
                .filter(|(_, r)| r.to_lowercase().contains(&f))
                .map(|(i, _)| i)
                .collect();
            v.cursor = 0;
            v.offset = 0;
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
                s.tree.cursor = n;
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
        Screen::Help | Screen::Untagged => vec![],
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
        ("repo", name) if !name.is_empty() => {
            s.say(format!("opened repository {name}"));
            open_repo(s, name.to_string(), Vec::new())
        }
        ("ref", r) if !r.is_empty() => match s.repo.clone() {
            Some(repo) => {
                let r = r.trim_start_matches('@').trim_start_matches(':');
                s.say(format!("opened {repo}:{r}"));
                open_tree(s, &repo, r)
            }
            None => {
                s.fail(":ref needs a repository first — use :repo NAME");
                vec![]
            }
        },
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
                "unknown command :{text} — try :repo NAME, :ref REF, :login USER, :q"
            ));
            vec![]
        }
    }
}

/// The flash after `:login`. The store looks saved credentials up again on its next refused
/// anonymous request, so ctrl-r (refresh) uses them — unless it already holds credentials.
pub fn logged_in(s: &mut State, host: &str, user: &str, result: Result<SavedTo, String>) {
    match result {
        Ok(saved) => {
            let unencrypted = if saved.is_unencrypted() {
                " (warning: stored unencrypted; configure a credential helper to keep them safe)"
            } else {
                ""
            };
            let auth = s.facts.auth.as_str();
            let anonymous = auth.starts_with("anonymous") || auth == "basic ?";
            let next = if anonymous {
                "ctrl-r to use them"
            } else {
                "restart arbor to use them"
            };
            s.say(format!(
                "logged in to {host} as {user}; saved to {saved}{unencrypted} — {next}"
            ));
        }
        Err(e) => s.fail(e),
    }
}
