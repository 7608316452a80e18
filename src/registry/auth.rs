//! The auth flow: a 401's challenge → credentials (explicit, else saved) → a basic header or a
//! bearer token from the realm → the token cached per scope and sent up front next time.
use super::answer::{error_detail, read_bounded};
use super::challenge::Challenge;
use super::credential::{CredentialSource, Credentials};
use super::options::ClientOptions;
use super::token::{self, TokenCache, TokenResponse};
use super::transport::{is_loopback, Transport};
use crate::store::{Result, StoreError};
use reqwest::header::HeaderValue;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// The authorization state, for the header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthState {
    Anonymous,
    Basic,
    Bearer,
}

/// Who requests to one registry host authenticate as, and the tokens they hold.
#[derive(Debug)]
pub struct Auth {
    host: String,
    /// Explicit credentials, or saved ones once the (lazy) lookup found them.
    creds: OnceLock<Option<Credentials>>,
    saved: Option<Arc<dyn CredentialSource>>,
    /// The lookup found nothing; not asked again until the registry refuses anonymous access
    /// (so a later `arbor login` / TUI `:login` is picked up by the next request).
    lookup_empty: AtomicBool,
    /// Why the saved-credentials lookup failed, for the "credentials needed" message.
    lookup_error: Mutex<Option<String>>,
    /// The user asked for plain HTTP (`--plain-http`): credentials may go over it to any host.
    plain_allowed: bool,
    /// Token realm's POST password grant: 0 untried, 1 works, 2 not supported (use GET).
    password_grant: AtomicU8,
    tokens: TokenCache,
    /// The last challenge seen: lets later requests authenticate up front.
    challenge: Mutex<Option<Challenge>>,
}

impl Auth {
    pub fn new(host: &str, opts: &ClientOptions) -> Self {
        let creds = OnceLock::new();
        if opts.credentials.is_some() || opts.credential_source.is_none() {
            let _ = creds.set(opts.credentials.clone());
        }
        Auth {
            host: host.to_string(),
            creds,
            saved: opts.credential_source.clone(),
            lookup_empty: AtomicBool::new(false),
            lookup_error: Mutex::new(None),
            plain_allowed: opts.plain_http == Some(true),
            password_grant: AtomicU8::new(0),
            tokens: TokenCache::default(),
            challenge: Mutex::new(None),
        }
    }

    pub fn state(&self) -> AuthState {
        match self.challenge.lock().ok().and_then(|c| c.clone()) {
            Some(Challenge::Bearer { .. }) => AuthState::Bearer,
            Some(Challenge::Basic { .. }) => AuthState::Basic,
            None => AuthState::Anonymous,
        }
    }

    /// The user requests authenticate as (once credentials are known).
    pub fn username(&self) -> Option<&str> {
        self.creds
            .get()
            .and_then(Option::as_ref)
            .map(Credentials::username)
    }

    /// The Authorization header to send up front for `scope`, as the last challenge asked.
    pub fn up_front(&self, scope: &str) -> Option<HeaderValue> {
        let ch = self.challenge.lock().ok()?.clone()?;
        match ch {
            Challenge::Basic { .. } => match self.creds.get().and_then(Option::as_ref) {
                Some(Credentials::Basic { username, password }) => {
                    Some(basic_header(username, password))
                }
                _ => None,
            },
            Challenge::Bearer { .. } => self.tokens.get(scope).map(|t| bearer_header(&t)),
        }
    }

    /// Answers a 401's challenge for a request to `url` needing `scope`: the header to retry with.
    pub async fn answer(
        &self,
        transport: &Transport,
        url: &str,
        challenge: &Challenge,
        scope: &str,
        what: &str,
    ) -> Result<HeaderValue> {
        if let Ok(mut c) = self.challenge.lock() {
            *c = Some(challenge.clone());
        }
        match challenge {
            Challenge::Basic { .. } => match self.credentials().await {
                Some(Credentials::Basic { username, password }) => {
                    self.check_basic_transport(url, what)?;
                    Ok(basic_header(username, password))
                }
                _ => Err(self.needs_credentials(what)),
            },
            Challenge::Bearer {
                realm,
                service,
                scope: ch_scope,
                ..
            } => {
                // The token we sent (if any) was refused: drop it and get a fresh one once.
                self.tokens.forget(scope);
                let want = ch_scope.clone().unwrap_or_else(|| scope.to_string());
                let (token, ttl) = self
                    .fetch_token(transport, realm, service.as_deref(), &want, what)
                    .await?;
                self.tokens.put(scope, token.clone(), ttl);
                if want != scope {
                    self.tokens.put(&want, token.clone(), ttl);
                }
                Ok(bearer_header(&token))
            }
        }
    }

    /// The error for a retry refused again (`again`: the challenge of that second 401).
    pub fn refused(
        &self,
        challenge: &Challenge,
        again: Option<Challenge>,
        scope: &str,
        what: &str,
    ) -> StoreError {
        self.anonymous_refused();
        let detail = match (challenge, again) {
            (Challenge::Basic { .. }, _) => "username or password refused".to_string(),
            (_, Some(Challenge::Bearer { error: Some(e), .. })) if e == "insufficient_scope" => {
                let detail = match self.username() {
                    Some(u) => format!("insufficient_scope: user {u} is not granted {scope}"),
                    None => format!(
                        "insufficient_scope: anonymous access is not granted {scope}; log in with `arbor login {}` or -u",
                        self.host
                    ),
                };
                return StoreError::Denied {
                    what: what.into(),
                    detail,
                };
            }
            (_, Some(Challenge::Bearer { error: Some(e), .. })) => format!("token refused: {e}"),
            _ => "token refused".to_string(),
        };
        StoreError::Unauthorized {
            what: what.into(),
            detail,
        }
    }

    /// Credentials: explicit ones, else the saved ones (looked up off the async threads; a
    /// hit is kept, a miss until [`Auth::anonymous_refused`]).
    async fn credentials(&self) -> Option<&Credentials> {
        if let Some(c) = self.creds.get() {
            return c.as_ref();
        }
        if self.lookup_empty.load(Ordering::SeqCst) {
            return None;
        }
        let found = match self.saved.clone() {
            Some(source) => {
                let host = self.host.clone();
                match tokio::task::spawn_blocking(move || source.credentials(&host)).await {
                    Ok(Ok(found)) => {
                        if let Ok(mut le) = self.lookup_error.lock() {
                            *le = None;
                        }
                        found
                    }
                    Ok(Err(e)) => {
                        if let Ok(mut le) = self.lookup_error.lock() {
                            *le = Some(e.to_string());
                        }
                        None
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "credential lookup task failed");
                        None
                    }
                }
            }
            None => None,
        };
        match found {
            Some(c) => {
                let _ = self.creds.set(Some(c));
                self.creds.get().and_then(Option::as_ref)
            }
            None => {
                self.lookup_empty.store(true, Ordering::SeqCst);
                None
            }
        }
    }

    /// The registry refused a request made without credentials: the next one looks for saved
    /// credentials again (the user may have logged in meanwhile).
    fn anonymous_refused(&self) {
        if self.creds.get().is_none() {
            self.lookup_empty.store(false, Ordering::SeqCst);
        }
    }

    fn needs_credentials(&self, what: &str) -> StoreError {
        self.anonymous_refused();
        let mut detail = format!(
            "this registry needs credentials (use -u and --password-stdin, or `arbor login {}`)",
            self.host
        );
        if let Some(e) = self.lookup_error.lock().ok().and_then(|e| e.clone()) {
            detail.push_str(&format!("; saved credentials could not be read: {e}"));
        }
        StoreError::Unauthorized {
            what: what.into(),
            detail,
        }
    }

    /// Refuses to send a password over plain HTTP the user did not allow: `--plain-http`, or a
    /// loopback host (plain HTTP is the default there).
    fn check_basic_transport(&self, url: &str, what: &str) -> Result<()> {
        let Some(rest) = url.strip_prefix("http://") else {
            return Ok(());
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        if self.plain_allowed || is_loopback(host) {
            return Ok(());
        }
        Err(StoreError::Unauthorized {
            what: what.into(),
            detail: format!("refusing to send credentials over plain HTTP to {host} (use HTTPS, or --plain-http if you trust this network)"),
        })
    }

    /// Asks the token realm for a bearer token: a refresh-token POST for identity tokens; for
    /// a password, the OAuth2 password-grant POST, falling back to GET with basic auth when
    /// the realm does not take it (as oras does); GET without auth when anonymous.
    async fn fetch_token(
        &self,
        transport: &Transport,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        what: &str,
    ) -> Result<(String, Duration)> {
        let creds = self.credentials().await;
        if creds.is_some() {
            self.check_basic_transport(realm, what)?;
        }
        let token_for = format!("token for {what}");
        let resp = match creds {
            Some(Credentials::IdentityToken { token, .. }) => {
                let grant = [
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                ];
                token::post(transport, realm, service, scope, &grant, &token_for).await?
            }
            Some(Credentials::Basic { username, password })
                if self.password_grant.load(Ordering::Relaxed) != 2 =>
            {
                let grant = [
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ];
                let resp =
                    token::post(transport, realm, service, scope, &grant, &token_for).await?;
                let status = resp.status();
                if status.is_success() {
                    self.password_grant.store(1, Ordering::Relaxed);
                    resp
                } else if self.password_grant.load(Ordering::Relaxed) == 0
                    && matches!(status.as_u16(), 400 | 401 | 403 | 404 | 405)
                {
                    // Not an OAuth2 endpoint (or it only takes basic auth): GET from now on.
                    tracing::debug!(realm, %status, "password grant not accepted; using GET with basic auth");
                    self.password_grant.store(2, Ordering::Relaxed);
                    token::get(transport, realm, service, scope, creds, &token_for).await?
                } else {
                    resp
                }
            }
            creds => token::get(transport, realm, service, scope, creds, &token_for).await?,
        };
        let status = resp.status();
        if !status.is_success() && creds.is_none() && matches!(status.as_u16(), 401 | 403) {
            // No credentials were sent: the token server's "bad credentials" is misleading.
            return Err(self.needs_credentials(what));
        }
        if !status.is_success() {
            self.anonymous_refused();
            let detail = error_detail(resp).await;
            return Err(StoreError::Unauthorized {
                what: what.into(),
                detail: format!("token server {realm} answered {status}: {detail}"),
            });
        }
        let body = read_bounded(resp, 1 << 20, "token response").await?;
        let tr: TokenResponse = serde_json::from_slice(&body).map_err(|e| StoreError::Invalid {
            what: format!("token response from {realm}"),
            detail: e.to_string(),
        })?;
        let tok = tr.bearer().map_err(|detail| StoreError::Invalid {
            what: format!("token response from {realm}"),
            detail: detail.into(),
        })?;
        Ok((tok.to_string(), tr.ttl()))
    }
}

fn basic_header(user: &str, pass: &str) -> HeaderValue {
    use base64::Engine;
    let enc = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    let mut v =
        HeaderValue::from_str(&format!("Basic {enc}")).unwrap_or(HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

fn bearer_header(token: &str) -> HeaderValue {
    let mut v =
        HeaderValue::from_str(&format!("Bearer {token}")).unwrap_or(HeaderValue::from_static(""));
    v.set_sensitive(true);
    v
}

#[cfg(test)]
mod tests {
    use super::{Auth, ClientOptions};

    #[test]
    fn passwords_go_over_plain_http_only_to_loopback_or_when_allowed() {
        let a = Auth::new("registry.example", &ClientOptions::default());
        assert!(a
            .check_basic_transport("https://auth.example/token", "t")
            .is_ok());
        assert!(a
            .check_basic_transport("http://auth.example/token", "t")
            .is_err());
        assert!(a
            .check_basic_transport("http://127.0.0.1:5001/token", "t")
            .is_ok());
        let opts = ClientOptions {
            plain_http: Some(true),
            ..Default::default()
        };
        let a = Auth::new("registry.example", &opts);
        assert!(a
            .check_basic_transport("http://auth.example/token", "t")
            .is_ok());
    }
}
