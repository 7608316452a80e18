//! The user's settings file (`~/.config/arbor/config.toml`, or `ARBOR_CONFIG`): the theme and
//! the registries ("contexts") an operator uses; and the references opened recently (kept in
//! the state directory). No terminal code: the TUI and the CLI both read it.
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// References remembered at most.
pub const MAX_RECENT: usize = 20;

/// What config.toml says.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `dark`, `light` or `auto` (ask the terminal).
    pub theme: Option<String>,
    #[serde(default, rename = "registry")]
    pub registries: Vec<Context>,
    /// `[verify]`: keys, trust policy and trusted root signatures are verified against.
    pub verify: Option<crate::verify::VerifySettings>,
}

/// A registry the operator uses, by a short name.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Context {
    pub name: String,
    pub host: String,
    pub plain_http: Option<bool>,
    pub ca_file: Option<PathBuf>,
    /// `generic`, `acr` or `harbor` (which listing API to use; probed when absent).
    pub flavor: Option<String>,
}

impl Context {
    /// The registry kind `flavor` forces, if it names one.
    pub fn registry_kind(&self) -> Option<crate::listing::RegistryKind> {
        use crate::listing::RegistryKind;
        match self.flavor.as_deref()?.to_ascii_lowercase().as_str() {
            "acr" => Some(RegistryKind::Acr),
            "harbor" => Some(RegistryKind::Harbor),
            "generic" => Some(RegistryKind::Generic),
            _ => None,
        }
    }
}

/// Where config.toml is read from: `ARBOR_CONFIG`, else the XDG config directory.
pub fn config_path() -> Option<PathBuf> {
    std::env::var_os("ARBOR_CONFIG")
        .map(PathBuf::from)
        .or_else(|| dirs().map(|d| d.config_dir().join("config.toml")))
}

/// Where recent references are kept: beside `ARBOR_CONFIG` when set, else the state directory.
pub fn recent_path() -> Option<PathBuf> {
    if let Some(c) = std::env::var_os("ARBOR_CONFIG") {
        return Some(PathBuf::from(c).with_extension("recent"));
    }
    let d = dirs()?;
    Some(
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join("recent"),
    )
}

fn dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "arbor")
}

impl Config {
    /// Reads `path`; a missing file is an empty config, an unreadable one an error that says why.
    pub fn load(path: &Path) -> Result<Config, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text).map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    pub fn parse(text: &str) -> Result<Config, String> {
        let c: Config = toml::from_str(text).map_err(|e| e.message().to_string())?;
        for r in &c.registries {
            if r.name.trim().is_empty() || r.host.trim().is_empty() {
                return Err("every [[registry]] needs a name and a host".into());
            }
        }
        c.check()?;
        Ok(c)
    }

    /// Checks what the types cannot: a flavor arbor knows.
    fn check(&self) -> Result<(), String> {
        for r in &self.registries {
            if let Some(f) = &r.flavor {
                if r.registry_kind().is_none() {
                    return Err(format!(
                        "registry {:?}: flavor {f:?} is not acr, harbor or generic",
                        r.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The context called `name`.
    pub fn context(&self, name: &str) -> Option<&Context> {
        self.registries.iter().find(|c| c.name == name)
    }
}

/// Verification options from flags, with what they leave out taken from config.toml's
/// `[verify]` (paths relative to the file); an unreadable config.toml is an error saying why.
pub fn verify_options(
    flags: crate::verify::VerifyOptions,
) -> Result<crate::verify::VerifyOptions, String> {
    let Some(path) = config_path() else {
        return Ok(flags);
    };
    let c = Config::load(&path)?;
    Ok(match (&c.verify, path.parent()) {
        (Some(v), Some(dir)) => flags.or_settings(v, dir),
        _ => flags,
    })
}

/// References opened recently, newest first (one per line in the file).
pub fn load_recent(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|t| {
            t.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.chars().any(char::is_control))
                .take(MAX_RECENT)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `reference` first, then the others without it, at most [`MAX_RECENT`].
pub fn push_recent(list: &[String], reference: &str) -> Vec<String> {
    std::iter::once(reference.to_string())
        .chain(list.iter().filter(|r| *r != reference).cloned())
        .take(MAX_RECENT)
        .collect()
}

/// Writes the list (creating the directory); best effort, the error says why not.
pub fn save_recent(path: &Path, list: &[String]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut text = list.join("\n");
    text.push('\n');
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_registries_and_refuses_unknown_keys() {
        let c = Config::parse(
            "theme = \"light\"\n[[registry]]\nname = \"local\"\nhost = \"localhost:5000\"\nplain_http = true\n[[registry]]\nname = \"acr\"\nhost = \"x.azurecr.io\"\nflavor = \"acr\"\n",
        )
        .expect("config");
        assert_eq!(c.theme.as_deref(), Some("light"));
        assert_eq!(c.registries.len(), 2);
        assert_eq!(c.context("local").and_then(|c| c.plain_http), Some(true));
        assert!(Config::parse("[[registry]]\nname = \"x\"\nhots = \"typo\"\n").is_err());
        assert!(Config::parse("[[registry]]\nname = \"\"\nhost = \"h\"\n").is_err());
        assert!(
            Config::parse("[[registry]]\nname = \"x\"\nhost = \"h\"\nflavor = \"quay\"\n").is_err()
        );
    }

    #[test]
    fn a_verify_section_is_read_and_its_typos_refused() {
        let c = Config::parse("[verify]\nkeys = [\"cosign.pub\"]\ntrusted_root = \"root.json\"\n")
            .expect("config");
        let v = c.verify.expect("[verify]");
        assert_eq!(v.keys, [std::path::PathBuf::from("cosign.pub")]);
        assert_eq!(v.trusted_root, Some("root.json".into()));
        assert!(Config::parse("[verify]\nkey = \"cosign.pub\"\n").is_err());
    }

    #[test]
    fn recent_keeps_newest_first_without_duplicates() {
        let l = push_recent(&["a".into(), "b".into()], "b");
        assert_eq!(l, vec!["b", "a"]);
        let many: Vec<String> = (0..30).map(|i| i.to_string()).collect();
        assert_eq!(push_recent(&many, "new").len(), MAX_RECENT);
    }
}
