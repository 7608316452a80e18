//! Logging in: check credentials against the registry, then save them (CLI `login`, TUI `:login`).
use crate::credentials::{save, CredentialError, LookupOptions, SavedTo};
use crate::registry::{ClientOptions, Credentials, RegistryStore};
use crate::store::ReferrersMode;

/// How `login` reaches the registry and where it may save.
#[derive(Debug, Clone, Default)]
pub struct LoginOptions {
    /// TLS / plain-HTTP settings (its credentials and credential source are ignored).
    pub client: ClientOptions,
    pub lookup: LookupOptions,
}

/// Checks the credentials against the registry (`GET /v2/` through the challenge, so a
/// token registry issues a token), then saves them.
pub async fn login(
    host: &str,
    username: &str,
    password: &str,
    opts: &LoginOptions,
) -> Result<SavedTo, CredentialError> {
    let creds = Credentials::Basic {
        username: username.to_string(),
        password: password.to_string(),
    };
    login_with(host, creds, opts).await
}

/// [`login`] for any kind of credentials (an identity token too).
pub async fn login_with(
    host: &str,
    creds: Credentials,
    opts: &LoginOptions,
) -> Result<SavedTo, CredentialError> {
    verify(host, &creds, &opts.client).await?;
    let (host_owned, lookup) = (host.to_string(), opts.lookup.clone());
    tokio::task::spawn_blocking(move || save(&host_owned, &creds, &lookup))
        .await
        .map_err(|e| CredentialError::Keyring(format!("saving credentials: {e}")))?
}

/// `GET /v2/` with exactly these credentials (no saved ones).
pub async fn verify(
    host: &str,
    creds: &Credentials,
    client: &ClientOptions,
) -> Result<(), CredentialError> {
    let copts = ClientOptions {
        credentials: Some(creds.clone()),
        credential_source: None,
        ..client.clone()
    };
    let verr = |source| CredentialError::Verify {
        host: host.to_string(),
        source,
    };
    let store = RegistryStore::new(host, &copts, ReferrersMode::Auto).map_err(verr)?;
    store.ping().await.map_err(verr)
}
