//! The user's settings file (`~/.config/arbor/config.toml`, or `ARBOR_CONFIG`): the theme and
//! the registries ("contexts") an operator uses; and the references opened recently and the
//! screen settings (kept in the state directory). No terminal code: the TUI and the CLI both read it.
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
    state_file("recent", "recent")
}

/// Where the screen settings (detail pane, sort orders) are kept: beside the recent references.
pub fn prefs_path() -> Option<PathBuf> {
    state_file("prefs.toml", "prefs.toml")
}

/// `ARBOR_CONFIG` with the extension `beside_config`, else `name` in the state directory.
fn state_file(name: &str, beside_config: &str) -> Option<PathBuf> {
    if let Some(c) = std::env::var_os("ARBOR_CONFIG") {
        return Some(PathBuf::from(c).with_extension(beside_config));
    }
    let d = dirs()?;
    Some(
        d.state_dir()
            .unwrap_or_else(|| d.data_local_dir())
            .join(name),
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

/// References opened recently, newest first (one per line in the file). A file arbor cannot
/// use (too large, not text) is an empty list.
pub fn load_recent(path: &Path) -> Vec<String> {
    read_bounded(path)
        .ok()
        .flatten()
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
    let mut text = list.join("\n");
    text.push('\n');
    write_atomic(path, &text)
}

/// Largest state file arbor reads (its own files are a few hundred bytes).
pub const MAX_STATE_FILE: u64 = 64 * 1024;

/// Reads a state file of at most [`MAX_STATE_FILE`] bytes; `None` when there is none, an
/// error (saying why) when it is larger or not UTF-8 text.
pub fn read_bounded(path: &Path) -> Result<Option<String>, String> {
    use std::io::Read;
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut bytes = Vec::new();
    f.take(MAX_STATE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_STATE_FILE {
        return Err(format!(
            "{}: larger than {MAX_STATE_FILE} bytes",
            path.display()
        ));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| format!("{}: not UTF-8 text", path.display()))
}

/// Writes `text` to `path` whole or not at all (a temporary file in the same directory,
/// renamed over it), creating the directory. A symlink at `path` is replaced, not followed.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
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

    #[test]
    fn state_files_are_written_whole_and_read_bounded() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("sub").join("recent");
        assert_eq!(read_bounded(&p), Ok(None));
        save_recent(&p, &["a/b:1".into(), "c/d".into()]).expect("saved");
        assert_eq!(load_recent(&p), vec!["a/b:1", "c/d"]);
        // No temporary file is left beside it.
        assert_eq!(
            std::fs::read_dir(p.parent().expect("dir"))
                .expect("ls")
                .count(),
            1
        );
        std::fs::write(&p, vec![b'x'; MAX_STATE_FILE as usize + 1]).expect("big");
        assert!(read_bounded(&p)
            .expect_err("too big")
            .contains("larger than"));
        assert!(load_recent(&p).is_empty());
        std::fs::write(&p, [0xff, 0xfe, b'\n']).expect("binary");
        assert!(read_bounded(&p).expect_err("binary").contains("UTF-8"));
    }
}
