//! Where registry credentials come from and go to: docker's config.json (credential helpers,
//! `credsStore`, `auths`), containers' auth.json, and the OS keyring; saving after a login, `logout`.
//!
//! Lookup order for a host (after `-u`/`--identity-token` flags, which the CLI handles):
//! docker config `credHelpers[host]`, its `credsStore`, its `auths`; then containers'
//! auth.json (`credHelpers`, `auths`); then arbor's keyring entry. Verifying a login against
//! a registry is `connection::login`'s: this module never talks to a registry.
pub mod file;
pub mod helper;
pub mod keyring_store;

use crate::registry::{CredentialSource, Credentials};
use crate::store::StoreError;
use file::{server_key, AuthFile};
use std::fmt;
use std::path::{Path, PathBuf};

/// Why credentials could not be read, saved or verified.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a valid credentials file: {detail}")]
    Parse { path: String, detail: String },
    #[error("credential helper {helper}: {detail}")]
    Helper { helper: String, detail: String },
    #[error("OS keyring not available: {0}")]
    Keyring(String),
    #[error("login to {host} failed: {source}")]
    Verify {
        host: String,
        #[source]
        source: StoreError,
    },
    #[error("not logged in to {host}: no saved credentials in {looked}")]
    NotLoggedIn { host: String, looked: String },
    #[error(
        "no docker config location: set DOCKER_CONFIG or HOME, or pass --registry-config FILE"
    )]
    NoConfigPath,
}

impl CredentialError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        CredentialError::Io {
            path: path.display().to_string(),
            source,
        }
    }
    fn parse(path: &Path, detail: &str) -> Self {
        CredentialError::Parse {
            path: path.display().to_string(),
            detail: detail.to_string(),
        }
    }
}

/// Where credentials were found or saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// arbor's OS keyring entry.
    Keyring,
    /// A docker credential helper (`docker-credential-NAME`).
    Helper(String),
    /// Inline in a docker config.json `auths` (unencrypted).
    DockerConfig(PathBuf),
    /// Inline in a containers auth.json `auths` (unencrypted).
    ContainersAuth(PathBuf),
}

/// Where `login` saved credentials.
pub type SavedTo = Source;

impl Source {
    /// True when the secret sits in a plain file (the user should be warned).
    pub fn is_unencrypted(&self) -> bool {
        matches!(self, Source::DockerConfig(_) | Source::ContainersAuth(_))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Keyring => f.write_str("the OS keyring"),
            Source::Helper(n) => write!(f, "credential helper docker-credential-{n}"),
            Source::DockerConfig(p) => write!(f, "{}", p.display()),
            Source::ContainersAuth(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Which stores to consult.
#[derive(Debug, Clone, Default)]
pub struct LookupOptions {
    /// docker config file to use instead of `$DOCKER_CONFIG/config.json` / `~/.docker/config.json`.
    pub registry_config: Option<PathBuf>,
    /// Leave the OS keyring alone (ARBOR_NO_KEYRING=1; tests set it).
    pub no_keyring: bool,
}

impl LookupOptions {
    /// Options from the environment (ARBOR_NO_KEYRING), with an optional docker config path.
    pub fn from_env(registry_config: Option<PathBuf>) -> Self {
        let no_keyring = std::env::var("ARBOR_NO_KEYRING").is_ok_and(|v| !v.is_empty() && v != "0");
        LookupOptions {
            registry_config,
            no_keyring,
        }
    }

    /// The docker config.json in use.
    pub fn docker_config_path(&self) -> Option<PathBuf> {
        if let Some(p) = &self.registry_config {
            return Some(p.clone());
        }
        if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
            return Some(PathBuf::from(d).join("config.json"));
        }
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(".docker").join("config.json"))
    }

    /// containers' auth.json (`$REGISTRY_AUTH_FILE`, else `$XDG_RUNTIME_DIR/containers/auth.json`).
    pub fn containers_auth_path(&self) -> Option<PathBuf> {
        if self.registry_config.is_some() {
            // An explicit file is the only one consulted, as with oras --registry-config.
            return None;
        }
        if let Some(p) = std::env::var_os("REGISTRY_AUTH_FILE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(p));
        }
        std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map(|d| PathBuf::from(d).join("containers").join("auth.json"))
    }
}

/// A docker-format credentials file, and how to name an inline hit in it.
type FileSlot = (Option<PathBuf>, fn(PathBuf) -> Source);

/// The files consulted, in order: docker config.json, then containers auth.json.
fn credential_files(opts: &LookupOptions) -> [FileSlot; 2] {
    [
        (opts.docker_config_path(), Source::DockerConfig),
        (opts.containers_auth_path(), Source::ContainersAuth),
    ]
}

/// Credentials in one docker-format file: `credHelpers[host]`, then `credsStore`, then `auths`.
fn lookup_file(
    file: &AuthFile,
    host: &str,
    inline: fn(PathBuf) -> Source,
) -> Result<Option<(Credentials, Source)>, CredentialError> {
    let url = server_key(host);
    for name in [file.cred_helper(host), file.creds_store()]
        .into_iter()
        .flatten()
    {
        if let Some(c) = helper::get(&name, &url)? {
            return Ok(Some((c, Source::Helper(name))));
        }
    }
    Ok(file
        .auth_entry(host)?
        .map(|c| (c, inline(file.path.clone()))))
}

/// The saved credentials for a registry host, and where they came from.
///
/// A source that fails (a malformed file, a broken helper, no keyring) is skipped with a
/// warning in the log; its error is returned only if no later source has credentials.
pub fn lookup(
    host: &str,
    opts: &LookupOptions,
) -> Result<Option<(Credentials, Source)>, CredentialError> {
    let mut first_err: Option<CredentialError> = None;
    let note = |e: CredentialError, first_err: &mut Option<CredentialError>| {
        tracing::warn!(host, error = %e, "credential source skipped");
        first_err.get_or_insert(e);
    };
    for (path, inline) in credential_files(opts) {
        let Some(path) = path else { continue };
        let found = AuthFile::load(&path).and_then(|f| match f {
            Some(f) => lookup_file(&f, host, inline),
            None => Ok(None),
        });
        match found {
            Ok(Some(hit)) => {
                tracing::debug!(host, source = %hit.1, user = hit.0.username(), "credentials found");
                return Ok(Some(hit));
            }
            Ok(None) => {}
            Err(e) => note(e, &mut first_err),
        }
    }
    if !opts.no_keyring {
        match keyring_store::get(host) {
            Ok(Some(c)) => {
                tracing::debug!(
                    host,
                    source = "keyring",
                    user = c.username(),
                    "credentials found"
                );
                return Ok(Some((c, Source::Keyring)));
            }
            Ok(None) => {}
            // No Secret Service (headless) is the common case: not worth surfacing.
            Err(e) => tracing::debug!(host, error = %e, "keyring skipped"),
        }
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(None),
    }
}

/// The client's saved-credentials source: [`lookup`] in these stores.
impl CredentialSource for LookupOptions {
    fn credentials(
        &self,
        host: &str,
    ) -> Result<Option<Credentials>, crate::registry::credential::SourceError> {
        match lookup(host, self)? {
            Some((c, source)) => {
                tracing::debug!(host, %source, "using saved credentials");
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }
}

/// Saves credentials: the OS keyring when it works, else the docker config's helper
/// (`credHelpers[host]`, `credsStore`), else the docker config's `auths` (unencrypted).
pub fn save(
    host: &str,
    creds: &Credentials,
    opts: &LookupOptions,
) -> Result<SavedTo, CredentialError> {
    if !opts.no_keyring {
        match keyring_store::set(host, creds) {
            Ok(()) => return Ok(Source::Keyring),
            Err(e) => tracing::debug!(host, error = %e, "keyring not used"),
        }
    }
    let path = opts
        .docker_config_path()
        .ok_or(CredentialError::NoConfigPath)?;
    let mut file = AuthFile::load_or_empty(&path)?;
    if let Some(name) = file.cred_helper(host).or_else(|| file.creds_store()) {
        helper::store(&name, &server_key(host), creds)?;
        return Ok(Source::Helper(name));
    }
    file.set_auth(host, creds);
    file.save()?;
    Ok(Source::DockerConfig(path))
}

/// Removes a host's credentials from every store arbor reads; lists where they were.
pub fn logout(host: &str, opts: &LookupOptions) -> Result<Vec<Source>, CredentialError> {
    let mut removed = Vec::new();
    let mut looked = Vec::new();
    if !opts.no_keyring {
        looked.push("the OS keyring".to_string());
        match keyring_store::delete(host) {
            Ok(true) => removed.push(Source::Keyring),
            Ok(false) => {}
            Err(e) => tracing::debug!(host, error = %e, "keyring skipped"),
        }
    }
    for (path, inline) in credential_files(opts) {
        let Some(path) = path else { continue };
        looked.push(path.display().to_string());
        let Some(mut file) = AuthFile::load(&path)? else {
            continue;
        };
        for name in [file.cred_helper(host), file.creds_store()]
            .into_iter()
            .flatten()
        {
            if !removed.contains(&Source::Helper(name.clone()))
                && helper::erase(&name, &server_key(host))?
            {
                removed.push(Source::Helper(name));
            }
        }
        if file.remove_auth(host) {
            file.save()?;
            removed.push(inline(path));
        }
    }
    if removed.is_empty() {
        return Err(CredentialError::NotLoggedIn {
            host: host.to_string(),
            looked: looked.join(", "),
        });
    }
    Ok(removed)
}
