//! The one table of keys: translation, help screen and footer hints all read it.
mod defaults;
mod key;

pub use key::{Key, Scope};

use crate::tui::action::Cmd;
use defaults::DEFAULTS;
use std::path::Path;

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub cmd: Cmd,
    /// The name users override in keymap.toml.
    pub name: &'static str,
    pub keys: Vec<Key>,
    pub desc: &'static str,
    pub scopes: &'static [Scope],
    /// Shown in the footer.
    pub hint: bool,
}

/// The key table in effect (defaults patched by the user's config).
#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULTS
            .iter()
            .map(|r| Binding {
                cmd: r.cmd,
                name: r.name,
                keys: r.keys.iter().filter_map(|k| Key::parse(k)).collect(),
                desc: r.desc,
                scopes: r.scopes,
                hint: r.hint,
            })
            .collect();
        Keymap { bindings }
    }
}

#[derive(serde::Deserialize)]
struct ConfigFile {
    #[serde(default)]
    keys: std::collections::BTreeMap<String, OneOrMany>,
}

#[derive(serde::Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl Keymap {
    /// Patches the named actions from TOML text (`[keys] inspect = "Y"`); returns warnings.
    pub fn patch_toml(&mut self, text: &str) -> Vec<String> {
        let cfg: ConfigFile = match toml::from_str(text) {
            Ok(c) => c,
            Err(e) => return vec![format!("keymap config ignored: {}", e.message().trim())],
        };
        let mut warnings = Vec::new();
        for (name, keys) in cfg.keys {
            let keys = match keys {
                OneOrMany::One(k) => vec![k],
                OneOrMany::Many(k) => k,
            };
            let Some(b) = self.bindings.iter_mut().find(|b| b.name == name) else {
                warnings.push(format!(
                    "keymap.toml: unknown action {name:?} (ignored; ? lists the actions)"
                ));
                continue;
            };
            let parsed: Vec<Key> = keys.iter().filter_map(|k| Key::parse(k)).collect();
            if parsed.len() != keys.len() || parsed.is_empty() {
                warnings.push(format!("keymap: cannot read the keys of {name:?}"));
                continue;
            }
            b.keys = parsed;
        }
        warnings
    }

    /// Defaults patched by `keymap.toml` in the XDG config dir (or `ARBOR_KEYMAP`), with warnings.
    pub fn load() -> (Keymap, Vec<String>) {
        let mut km = Keymap::default();
        let path = std::env::var_os("ARBOR_KEYMAP")
            .map(std::path::PathBuf::from)
            .or_else(|| {
                directories::ProjectDirs::from("", "", "arbor")
                    .map(|d| d.config_dir().join("keymap.toml"))
            });
        let warnings = match path {
            Some(p) => km.patch_file(&p),
            None => Vec::new(),
        };
        (km, warnings)
    }

    fn patch_file(&mut self, path: &Path) -> Vec<String> {
        match std::fs::read_to_string(path) {
            Ok(text) => self.patch_toml(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => vec![format!("keymap {}: {e}", path.display())],
        }
    }

    /// The command bound to `key` in `scope` (scope-specific bindings win over global ones).
    pub fn lookup(&self, scope: Scope, key: Key) -> Option<Cmd> {
        let hit = |b: &&Binding| b.keys.contains(&key);
        let own = self
            .bindings
            .iter()
            .filter(|b| b.scopes.contains(&scope))
            .find(hit);
        if scope == Scope::Dialog {
            // A dialog owns the keyboard: nothing global fires behind it.
            return own.map(|b| b.cmd);
        }
        own.or_else(|| {
            self.bindings
                .iter()
                .filter(|b| b.scopes.contains(&Scope::Global))
                .find(hit)
        })
        .map(|b| b.cmd)
    }

    /// Footer hints for a scope, `(command, key, description)`, for the commands `acts` keeps.
    pub fn hints(
        &self,
        scope: Scope,
        acts: impl Fn(Cmd) -> bool,
    ) -> Vec<(Cmd, String, &'static str)> {
        self.bindings
            .iter()
            .filter(|b| {
                b.hint
                    && (b.scopes.contains(&scope)
                        || (scope != Scope::Dialog && b.scopes.contains(&Scope::Global)))
                    && acts(b.cmd)
            })
            .filter_map(|b| b.keys.first().map(|k| (b.cmd, k.label(), short(b.desc))))
            .collect()
    }

    /// The keys of a command, joined for display.
    pub fn keys_of(&self, cmd: Cmd) -> String {
        self.bindings
            .iter()
            .find(|b| b.cmd == cmd)
            .map(|b| b.keys.iter().map(Key::label).collect::<Vec<_>>().join("/"))
            .unwrap_or_default()
    }
}

fn short(desc: &'static str) -> &'static str {
    desc.split(" (").next().unwrap_or(desc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_patches_only_named_actions() {
        let mut km = Keymap::default();
        let w =
            km.patch_toml("[keys]\ninspect = \"Y\"\nquit = [\"Q\", \"ctrl-q\"]\nbogus = \"x\"\n");
        assert_eq!(w.len(), 1);
        assert_eq!(
            km.lookup(Scope::Tree, Key::parse("Y").unwrap()),
            Some(Cmd::Inspect)
        );
        assert_eq!(km.lookup(Scope::Tree, Key::parse("y").unwrap()), None);
        assert_eq!(
            km.lookup(Scope::Tags, Key::parse("ctrl-q").unwrap()),
            Some(Cmd::Quit)
        );
        assert_eq!(
            km.lookup(Scope::Tags, Key::parse("j").unwrap()),
            Some(Cmd::Down)
        );
    }
}
