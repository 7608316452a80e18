//! How to reach a registry: plain HTTP or TLS (and which CAs), credentials, the user agent,
//! how long a request may take, how many entries a listing may bring, who hears of retries.
use super::credential::{CredentialSource, Credentials};
use crate::store::Limits;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The total deadline of one request when the user sets none (`--timeout`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

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
    /// Total deadline of a manifest, listing, referrers or token request, and the window a
    /// blob body must keep its minimum throughput over; `None`: [`DEFAULT_TIMEOUT`].
    pub timeout: Option<Duration>,
    /// Entry caps of tag, catalog and referrers listings.
    pub limits: Limits,
    /// Told before a request waits to be retried (rate limited, registry busy, reset).
    pub on_retry: Option<RetryNotify>,
    /// `--flavor`: treat the registry as ACR, Harbor or generic instead of probing.
    pub flavor: Option<crate::listing::RegistryKind>,
}

impl ClientOptions {
    /// The deadline in force.
    pub fn timeout(&self) -> Duration {
        self.timeout
            .filter(|t| !t.is_zero())
            .unwrap_or(DEFAULT_TIMEOUT)
    }
}

/// A request about to be retried, for whoever shows progress (CLI stderr, the TUI's status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryNotice {
    /// What the request was for (`tags of host/repo`).
    pub what: String,
    /// `rate limited`, `registry unavailable (503)`, `connection reset`…
    pub reason: String,
    pub wait: Duration,
    /// This retry's number, and how many there may be.
    pub retry: u32,
    pub retries: u32,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}, retrying in {:.1} s ({}; retry {} of {})",
            self.reason,
            self.wait.as_secs_f64(),
            self.what,
            self.retry,
            self.retries
        )
    }
}

/// A callback for [`RetryNotice`]s.
#[derive(Clone)]
pub struct RetryNotify(pub Arc<dyn Fn(&RetryNotice) + Send + Sync>);

impl RetryNotify {
    pub fn new(f: impl Fn(&RetryNotice) + Send + Sync + 'static) -> Self {
        RetryNotify(Arc::new(f))
    }
}

impl fmt::Debug for RetryNotify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RetryNotify(..)")
    }
}
