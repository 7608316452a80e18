//! What signatures are verified against: cosign public keys, Notation's trust policy and
//! trust store (by default where `notation` keeps them), a Sigstore trusted root and the
//! identity keyless certificates must carry.
use super::crypto::PublicKey;
use super::notation::policy::TrustPolicy;
use super::sigstore::root::TrustedRoot;
use std::path::{Path, PathBuf};

/// Bytes read from a key, policy or trusted-root file at most.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// Where to find what verification needs (all optional).
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// cosign public keys (PEM).
    pub keys: Vec<PathBuf>,
    /// Notation trust policy; default `<notation config>/trustpolicy.oci.json` or `trustpolicy.json`.
    pub trust_policy: Option<PathBuf>,
    /// Notation trust store (the directory holding `x509/`); default `<notation config>/truststore`.
    pub trust_store: Option<PathBuf>,
    /// Notation's configuration directory; default `$XDG_CONFIG_HOME/notation`.
    pub notation_dir: Option<PathBuf>,
    /// Sigstore `trusted_root.json` for keyless signatures.
    pub trusted_root: Option<PathBuf>,
    pub certificate_identity: Option<String>,
    pub certificate_identity_regexp: Option<String>,
    pub certificate_oidc_issuer: Option<String>,
    pub certificate_oidc_issuer_regexp: Option<String>,
}

/// The `[verify]` section of arbor's config.toml: what signatures are verified against when
/// no flag says otherwise. Relative paths are relative to the config file's directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySettings {
    /// cosign public keys (PEM).
    #[serde(default)]
    pub keys: Vec<PathBuf>,
    /// Sigstore `trusted_root.json` for keyless signatures.
    pub trusted_root: Option<PathBuf>,
    /// Notation trust policy and trust store, when not Notation's own.
    pub trust_policy: Option<PathBuf>,
    pub trust_store: Option<PathBuf>,
    pub certificate_identity: Option<String>,
    pub certificate_identity_regexp: Option<String>,
    pub certificate_oidc_issuer: Option<String>,
    pub certificate_oidc_issuer_regexp: Option<String>,
}

/// `p` as written in a config file in `dir`: `~/` is the home directory, a relative path is
/// relative to `dir`.
fn config_path(p: &Path, dir: &Path) -> PathBuf {
    if let Ok(rest) = p.strip_prefix("~") {
        if let Some(home) = directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()) {
            return home.join(rest);
        }
    }
    if p.is_relative() {
        dir.join(p)
    } else {
        p.to_path_buf()
    }
}

impl VerifyOptions {
    /// These options (from flags), with what they leave out taken from config.toml's
    /// `[verify]` section, read from a file in `dir`. Keys given as flags replace the file's;
    /// an identity or issuer given either way (exact or regexp) replaces both of the file's.
    pub fn or_settings(mut self, s: &VerifySettings, dir: &Path) -> VerifyOptions {
        if self.keys.is_empty() {
            self.keys = s.keys.iter().map(|k| config_path(k, dir)).collect();
        }
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| config_path(p, dir));
        self.trusted_root = self.trusted_root.or_else(|| path(&s.trusted_root));
        self.trust_policy = self.trust_policy.or_else(|| path(&s.trust_policy));
        self.trust_store = self.trust_store.or_else(|| path(&s.trust_store));
        if self.certificate_identity.is_none() && self.certificate_identity_regexp.is_none() {
            self.certificate_identity = s.certificate_identity.clone();
            self.certificate_identity_regexp = s.certificate_identity_regexp.clone();
        }
        if self.certificate_oidc_issuer.is_none() && self.certificate_oidc_issuer_regexp.is_none() {
            self.certificate_oidc_issuer = s.certificate_oidc_issuer.clone();
            self.certificate_oidc_issuer_regexp = s.certificate_oidc_issuer_regexp.clone();
        }
        self
    }
}

/// A cosign key and the name it was given by (its file name).
#[derive(Debug, Clone)]
pub struct NamedKey {
    pub name: String,
    pub key: PublicKey,
}

/// The Notation trust policy as found.
#[derive(Debug, Clone)]
pub enum PolicyState {
    Loaded(TrustPolicy),
    /// No policy file: why (where it was looked for).
    Missing(String),
    /// A policy file that is not valid: what is wrong.
    Invalid(String),
}

/// Exact text or a regular expression (matched anywhere, as cosign's Go regexps are).
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    Regex(regex::Regex),
}

impl Matcher {
    pub fn matches(&self, s: &str) -> bool {
        match self {
            Matcher::Exact(e) => e == s,
            Matcher::Regex(r) => r.is_match(s),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(e) => write!(f, "{e:?}"),
            Matcher::Regex(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// Everything verification is checked against, loaded.
#[derive(Debug, Clone)]
pub struct VerifyConfig {
    pub keys: Vec<NamedKey>,
    pub policy: PolicyState,
    pub trust_store: PathBuf,
    pub trusted_root: Option<TrustedRoot>,
    pub identity: Option<Matcher>,
    pub issuer: Option<Matcher>,
    /// The time checks are made at; `None`: now.
    pub now: Option<time::OffsetDateTime>,
}

/// A file given on the command line that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn read(p: &Path, what: &str) -> Result<Vec<u8>, ConfigError> {
    use std::io::Read;
    let f =
        std::fs::File::open(p).map_err(|e| ConfigError(format!("{what} {}: {e}", p.display())))?;
    let mut buf = Vec::new();
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| ConfigError(format!("{what} {}: {e}", p.display())))?;
    if buf.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError(format!("{what} {}: too large", p.display())));
    }
    Ok(buf)
}

/// Notation's configuration directory, as `notation` finds it (`os.UserConfigDir()/notation`).
pub fn default_notation_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|b| b.config_dir().join("notation"))
}

fn matcher(
    exact: &Option<String>,
    re: &Option<String>,
    flag: &str,
) -> Result<Option<Matcher>, ConfigError> {
    match (exact, re) {
        (Some(_), Some(_)) => Err(ConfigError(format!(
            "--{flag} and --{flag}-regexp cannot be used together"
        ))),
        (Some(e), None) => Ok(Some(Matcher::Exact(e.clone()))),
        (None, Some(r)) => regex::Regex::new(r)
            .map(|r| Some(Matcher::Regex(r)))
            .map_err(|e| ConfigError(format!("--{flag}-regexp: {e}"))),
        (None, None) => Ok(None),
    }
}

fn load_policy(o: &VerifyOptions, dir: Option<&Path>) -> Result<PolicyState, ConfigError> {
    if let Some(p) = &o.trust_policy {
        // Given explicitly: it must be usable.
        let bytes = read(p, "trust policy")?;
        return TrustPolicy::parse(&bytes)
            .map(PolicyState::Loaded)
            .map_err(|e| ConfigError(format!("trust policy {}: {e}", p.display())));
    }
    let Some(dir) = dir else {
        return Ok(PolicyState::Missing(
            "no Notation trust policy: no configuration directory".into(),
        ));
    };
    for name in ["trustpolicy.oci.json", "trustpolicy.json"] {
        let p = dir.join(name);
        match std::fs::symlink_metadata(&p) {
            Err(_) => continue,
            Ok(m) if m.file_type().is_symlink() || !m.is_file() => {
                return Ok(PolicyState::Invalid(format!(
                    "{} is not a regular file (symbolic links are not accepted)",
                    p.display()
                )))
            }
            Ok(_) => {}
        }
        return Ok(match read(&p, "trust policy") {
            Err(e) => PolicyState::Invalid(e.0),
            Ok(bytes) => match TrustPolicy::parse(&bytes) {
                Ok(t) => PolicyState::Loaded(t),
                Err(e) => PolicyState::Invalid(format!("{}: {e}", p.display())),
            },
        });
    }
    Ok(PolicyState::Missing(format!(
        "no Notation trust policy ({}/trustpolicy.oci.json)",
        dir.display()
    )))
}

impl VerifyConfig {
    /// Reads keys, policy, trust store location and trusted root. Files named explicitly
    /// must be usable; Notation's own configuration is optional.
    pub fn load(o: &VerifyOptions) -> Result<Self, ConfigError> {
        let mut keys = Vec::new();
        for p in &o.keys {
            let bytes = read(p, "key")?;
            let key = PublicKey::from_pem(&bytes)
                .map_err(|e| ConfigError(format!("key {}: {e}", p.display())))?;
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| p.display().to_string());
            keys.push(NamedKey { name, key });
        }
        let dir = o.notation_dir.clone().or_else(default_notation_dir);
        let policy = load_policy(o, dir.as_deref())?;
        let trust_store = o
            .trust_store
            .clone()
            .or_else(|| dir.as_ref().map(|d| d.join("truststore")))
            .unwrap_or_else(|| PathBuf::from("truststore"));
        let trusted_root = match &o.trusted_root {
            Some(p) => Some(
                TrustedRoot::parse(&read(p, "trusted root")?)
                    .map_err(|e| ConfigError(format!("trusted root {}: {e}", p.display())))?,
            ),
            None => None,
        };
        Ok(VerifyConfig {
            keys,
            policy,
            trust_store,
            trusted_root,
            identity: matcher(
                &o.certificate_identity,
                &o.certificate_identity_regexp,
                "certificate-identity",
            )?,
            issuer: matcher(
                &o.certificate_oidc_issuer,
                &o.certificate_oidc_issuer_regexp,
                "certificate-oidc-issuer",
            )?,
            now: None,
        })
    }

    /// Nothing to verify with: no key, no policy, no trusted root (every signature is `?`).
    pub fn empty() -> Self {
        VerifyConfig {
            keys: Vec::new(),
            policy: PolicyState::Missing("no Notation trust policy".into()),
            trust_store: PathBuf::new(),
            trusted_root: None,
            identity: None,
            issuer: None,
            now: None,
        }
    }

    /// The time checks are made at.
    pub fn now(&self) -> time::OffsetDateTime {
        self.now.unwrap_or_else(time::OffsetDateTime::now_utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_config_file_and_its_paths_are_relative_to_it() {
        let s: VerifySettings = toml::from_str(
            "keys = [\"cosign.pub\", \"/etc/keys/team.pub\"]\ntrusted_root = \"root.json\"\ncertificate_identity = \"a@example.com\"\ncertificate_oidc_issuer = \"https://issuer\"\n",
        )
        .expect("settings");
        let dir = Path::new("/home/u/.config/arbor");
        let none = VerifyOptions::default().or_settings(&s, dir);
        assert_eq!(
            none.keys,
            [dir.join("cosign.pub"), PathBuf::from("/etc/keys/team.pub")]
        );
        assert_eq!(none.trusted_root, Some(dir.join("root.json")));
        assert_eq!(none.certificate_identity.as_deref(), Some("a@example.com"));
        let flags = VerifyOptions {
            keys: vec![PathBuf::from("mine.pub")],
            trusted_root: Some(PathBuf::from("other.json")),
            certificate_identity_regexp: Some("^b@".into()),
            ..Default::default()
        }
        .or_settings(&s, dir);
        assert_eq!(flags.keys, [PathBuf::from("mine.pub")]);
        assert_eq!(flags.trusted_root, Some(PathBuf::from("other.json")));
        // An identity regexp from a flag replaces the file's exact identity (never both).
        assert_eq!(flags.certificate_identity, None);
        assert_eq!(
            flags.certificate_oidc_issuer.as_deref(),
            Some("https://issuer")
        );
        assert!(
            toml::from_str::<VerifySettings>("key = []").is_err(),
            "typos are refused"
        );
    }
}
