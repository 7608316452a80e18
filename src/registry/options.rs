//! How to reach a registry: plain HTTP or TLS (and which CAs), credentials, the user agent.
use super::credential::{CredentialSource, Credentials};
use std::path::PathBuf;
use std::sync::Arc;

/// How to reach a registry.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// `Some(true)`: plain HTTP; `Some(false)`: HTTPS; `None`: HTTP for loopback hosts only.
    pub plain_http: Option<bool>,
    /// Skip TLS verification (only when the user asks).
    pub insecure: bool,
    /// Extra PEM CA certificates to trust.
    pub ca_file: Option<PathBuf>,
    /// Credentials given explicitly (flags); they win over any saved ones.
    pub credentials: Option<Credentials>,
    /// Without explicit credentials: where saved ones are looked up, the first time the
    /// registry asks for them.
    pub credential_source: Option<Arc<dyn CredentialSource>>,
    pub user_agent: Option<String>,
    /// `--flavor`: treat the registry as ACR, Harbor or generic instead of probing.
    pub flavor: Option<crate::listing::RegistryKind>,
}
