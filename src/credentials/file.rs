//! docker's `config.json` and containers' `auth.json`: `credHelpers`, `credsStore` and
//! `auths` entries, read and written (atomically, 0600) without disturbing other keys.
use super::CredentialError;
use crate::registry::Credentials;
use base64::Engine;
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The `auths` key and helper server URL docker uses for a host.
pub fn server_key(host: &str) -> String {
    if is_docker_hub(host) {
        "https://index.docker.io/v1/".to_string()
    } else {
        host.to_string()
    }
}

fn is_docker_hub(host: &str) -> bool {
    matches!(
        host,
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    )
}

/// The host an `auths`/`credHelpers` key names: scheme and path dropped, docker.io aliases merged.
/// `None` for repository-scoped keys (`host/namespace`), which containers' auth.json allows.
fn key_host(key: &str) -> Option<String> {
    let (had_scheme, rest) = match key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
    {
        Some(r) => (true, r),
        None => (false, key),
    };
    let host = match rest.split_once('/') {
        Some((h, path)) if had_scheme || path.is_empty() => h,
        Some(_) => return None,
        None => rest,
    };
    Some(if is_docker_hub(host) {
        "docker.io".to_string()
    } else {
        host.to_string()
    })
}

fn same_host(key: &str, host: &str) -> bool {
    let want = if is_docker_hub(host) {
        "docker.io"
    } else {
        host
    };
    key_host(key).is_some_and(|k| k == want)
}

/// One credentials file, kept as JSON so unknown keys survive a rewrite.
#[derive(Debug)]
pub struct AuthFile {
    pub path: PathBuf,
    root: Map<String, Value>,
}

impl AuthFile {
    /// Reads the file; `None` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<Self>, CredentialError> {
        let text = match std::fs::read(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(CredentialError::io(path, e)),
        };
        if text.iter().all(u8::is_ascii_whitespace) {
            return Ok(Some(Self::empty(path)));
        }
        let root = match serde_json::from_slice::<Value>(&text) {
            Ok(Value::Object(m)) => m,
            Ok(_) => return Err(CredentialError::parse(path, "not a JSON object")),
            // serde's message names a line and column, never the content.
            Err(e) => return Err(CredentialError::parse(path, &e.to_string())),
        };
        Ok(Some(AuthFile {
            path: path.to_path_buf(),
            root,
        }))
    }

    pub fn load_or_empty(path: &Path) -> Result<Self, CredentialError> {
        Ok(Self::load(path)?.unwrap_or_else(|| Self::empty(path)))
    }

    fn empty(path: &Path) -> Self {
        AuthFile {
            path: path.to_path_buf(),
            root: Map::new(),
        }
    }

    /// The helper `credHelpers` names for this host, if any.
    pub fn cred_helper(&self, host: &str) -> Option<String> {
        let helpers = self.root.get("credHelpers")?.as_object()?;
        helpers
            .iter()
            .find(|(k, _)| same_host(k, host))
            .and_then(|(_, v)| v.as_str())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    /// The default helper (`credsStore`), if any.
    pub fn creds_store(&self) -> Option<String> {
        self.root
            .get("credsStore")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }

    fn auths(&self) -> Option<&Map<String, Value>> {
        self.root.get("auths")?.as_object()
    }

    /// Credentials stored inline in `auths` for this host (`auth`, `username`/`password`, `identitytoken`).
    pub fn auth_entry(&self, host: &str) -> Result<Option<Credentials>, CredentialError> {
        let Some(auths) = self.auths() else {
            return Ok(None);
        };
        // An exact key wins over an equivalent spelling (`https://host`).
        let entry = auths.get(host).or_else(|| {
            auths
                .iter()
                .find(|(k, _)| same_host(k, host))
                .map(|(_, v)| v)
        });
        let Some(entry) = entry.and_then(Value::as_object) else {
            return Ok(None);
        };
        let field = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let (mut username, mut password) = (
            field("username").map(str::to_string),
            field("password").map(str::to_string),
        );
        if let Some(auth) = field("auth") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|_| {
                    CredentialError::parse(
                        &self.path,
                        &format!("auths entry for {host}: `auth` is not base64"),
                    )
                })?;
            let text = String::from_utf8(bytes).map_err(|_| {
                CredentialError::parse(
                    &self.path,
                    &format!("auths entry for {host}: `auth` is not UTF-8"),
                )
            })?;
            let (u, p) = text.split_once(':').ok_or_else(|| {
                CredentialError::parse(
                    &self.path,
                    &format!("auths entry for {host}: `auth` is not user:password"),
                )
            })?;
            username = Some(u.to_string());
            password = Some(p.to_string()).filter(|p| !p.is_empty());
        }
        if let Some(token) = field("identitytoken") {
            return Ok(Some(Credentials::IdentityToken {
                username: username.unwrap_or_default(),
                token: token.to_string(),
            }));
        }
        Ok(match (username, password) {
            (Some(username), Some(password)) => Some(Credentials::Basic { username, password }),
            _ => None,
        })
    }

    /// Sets the `auths` entry for a host (as docker writes it: `auth`, plus `identitytoken`).
    pub fn set_auth(&mut self, host: &str, creds: &Credentials) {
        self.remove_auth(host);
        let enc = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut entry = Map::new();
        match creds {
            Credentials::Basic { username, password } => {
                entry.insert(
                    "auth".into(),
                    Value::String(enc(&format!("{username}:{password}"))),
                );
            }
            Credentials::IdentityToken { username, token } => {
                entry.insert("auth".into(), Value::String(enc(&format!("{username}:"))));
                entry.insert("identitytoken".into(), Value::String(token.clone()));
            }
        }
        let auths = self
            .root
            .entry("auths")
            .or_insert_with(|| Value::Object(Map::new()));
        if !auths.is_object() {
            *auths = Value::Object(Map::new());
        }
        if let Value::Object(m) = auths {
            m.insert(server_key(host), Value::Object(entry));
        }
    }

    /// Removes every `auths` entry for the host; true if there was one.
    pub fn remove_auth(&mut self, host: &str) -> bool {
        let Some(Value::Object(auths)) = self.root.get_mut("auths") else {
            return false;
        };
        let before = auths.len();
        auths.retain(|k, _| !same_host(k, host));
        auths.len() != before
    }

    /// Writes the file atomically (temporary file + rename), readable by its owner only.
    pub fn save(&self) -> Result<(), CredentialError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| CredentialError::io(&dir, e))?;
        let body = serde_json::to_vec_pretty(&self.root)
            .map_err(|e| CredentialError::parse(&self.path, &e.to_string()))?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".arbor-auth")
            .tempfile_in(&dir)
            .map_err(|e| CredentialError::io(&dir, e))?;
        set_owner_only(tmp.as_file()).map_err(|e| CredentialError::io(tmp.path(), e))?;
        tmp.write_all(&body)
            .and_then(|_| tmp.write_all(b"\n"))
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| CredentialError::io(tmp.path(), e))?;
        // Follow a symlinked config (dotfile managers) instead of replacing the link.
        let target = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        tmp.persist(&target)
            .map_err(|e| CredentialError::io(&target, e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn set_owner_only(f: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn set_owner_only(_f: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> (tempfile::TempDir, AuthFile) {
        let d = tempfile::tempdir().expect("tempdir");
        let p = d.path().join("config.json");
        std::fs::write(&p, json).expect("write");
        let f = AuthFile::load(&p).expect("load").expect("exists");
        (d, f)
    }

    #[test]
    fn auths_keys_match_with_scheme_and_docker_hub_aliases() {
        let (_d, f) = file(
            r#"{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"},"https://ghcr.io":{"auth":"YTpi"},"quay.io/team":{"auth":"eDp5"}}}"#,
        );
        let basic = |u: &str, p: &str| {
            Some(Credentials::Basic {
                username: u.into(),
                password: p.into(),
            })
        };
        assert_eq!(f.auth_entry("docker.io").unwrap(), basic("u", "p"));
        assert_eq!(
            f.auth_entry("registry-1.docker.io").unwrap(),
            basic("u", "p")
        );
        assert_eq!(f.auth_entry("ghcr.io").unwrap(), basic("a", "b"));
        // Repository-scoped keys are not host credentials.
        assert_eq!(f.auth_entry("quay.io").unwrap(), None);
    }

    #[test]
    fn identity_token_entries_become_identity_tokens() {
        let (_d, f) = file(
            r#"{"auths":{"myreg.azurecr.io":{"auth":"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==","identitytoken":"rt"}}}"#,
        );
        assert_eq!(
            f.auth_entry("myreg.azurecr.io").unwrap(),
            Some(Credentials::IdentityToken {
                username: "00000000-0000-0000-0000-000000000000".into(),
                token: "rt".into()
            })
        );
    }

    #[test]
    fn helpers_by_host() {
        let (_d, f) = file(
            r#"{"credsStore":"desktop","credHelpers":{"https://gcr.io":"gcloud","ecr.example":""}}"#,
        );
        assert_eq!(f.cred_helper("gcr.io").as_deref(), Some("gcloud"));
        assert_eq!(f.cred_helper("ecr.example"), None);
        assert_eq!(f.creds_store().as_deref(), Some("desktop"));
    }

    #[test]
    fn save_keeps_other_keys_and_is_owner_only() {
        let (d, mut f) = file(r#"{"auths":{"a.io":{"auth":"YTpi"}},"psFormat":"table"}"#);
        f.set_auth(
            "b.io",
            &Credentials::Basic {
                username: "u".into(),
                password: "p".into(),
            },
        );
        assert!(f.remove_auth("a.io"));
        f.save().unwrap();
        let text = std::fs::read_to_string(d.path().join("config.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["psFormat"], "table");
        assert_eq!(v["auths"]["b.io"]["auth"], "dTpw");
        assert!(v["auths"].get("a.io").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(d.path().join("config.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn malformed_file_error_names_the_file_not_the_content() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config.json");
        std::fs::write(&p, "{\"auths\": {\"x\": s3cret").unwrap();
        let e = AuthFile::load(&p).unwrap_err().to_string();
        assert!(e.contains("config.json"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }
}
