//! HTTP to one registry: scheme choice, TLS settings, the 401 → challenge → retry dance.
use super::auth::{parse_challenge, Challenge, Credentials, TokenCache, TokenResponse};
use crate::store::{Result, StoreError};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, Response, StatusCode};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

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
    /// Without explicit credentials: look up saved ones (docker config, helpers, keyring)
    /// the first time the registry asks for them.
    pub credential_lookup: Option<crate::credentials::LookupOptions>,
    pub user_agent: Option<String>,
    /// `--flavor`: treat the registry as ACR, Harbor or generic instead of probing.
    pub flavor: Option<crate::listing::RegistryKind>,
}

/// The authorization state, for the header line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthState {
    Anonymous,
    Basic,
    Bearer,
}

/// An authenticated HTTP client for one registry host.
#[derive(Debug)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    host: String,
    /// Explicit credentials, or saved ones once the (lazy) lookup found them.
    creds: OnceLock<Option<Credentials>>,
    lookup: Option<crate::credentials::LookupOptions>,
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
    requests: AtomicU64,
}

/// A request body that can be sent again (after a 401 challenge): bytes, or a file re-read.
#[derive(Debug, Clone)]
pub enum ReqBody {
    Bytes(Bytes),
    /// A file streamed from disk, never held in memory whole.
    File(PathBuf),
}

impl From<Bytes> for ReqBody {
    fn from(b: Bytes) -> Self {
        ReqBody::Bytes(b)
    }
}

impl ReqBody {
    async fn to_body(&self, what: &str) -> Result<reqwest::Body> {
        match self {
            ReqBody::Bytes(b) => Ok(reqwest::Body::from(b.clone())),
            ReqBody::File(p) => {
                let f = tokio::fs::File::open(p).await.map_err(|e| StoreError::Io {
                    what: format!("{what}: {}", p.display()),
                    source: e,
                })?;
                Ok(reqwest::Body::wrap_stream(crate::store::file_stream(f)))
            }
        }
    }
}

/// True for hosts that are this machine.
pub fn is_loopback(host: &str) -> bool {
    let h = host
        .rsplit_once(':')
        .filter(|(h, p)| p.chars().all(|c| c.is_ascii_digit()) && !h.ends_with(':'))
        .map(|(h, _)| h)
        .unwrap_or(host);
    let h = h.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

impl Client {
    pub fn new(host: &str, opts: &ClientOptions) -> Result<Self> {
        // Loopback defaults to plain HTTP (as docker does) unless TLS settings were given.
        let plain = opts
            .plain_http
            .unwrap_or_else(|| is_loopback(host) && !opts.insecure && opts.ca_file.is_none());
        let what = format!("registry {host}");
        let mut b = reqwest::Client::builder()
            .user_agent(
                opts.user_agent
                    .clone()
                    .unwrap_or_else(|| format!("arbor/{}", env!("CARGO_PKG_VERSION"))),
            )
            .connect_timeout(Duration::from_secs(15))
            .read_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(32);
        if plain && opts.ca_file.is_none() {
            // Plain HTTP needs no trust store; loading the system's costs start-up time.
            b = b.tls_built_in_root_certs(false);
        }
        if opts.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &opts.ca_file {
            let pem = std::fs::read(path).map_err(|e| StoreError::Io {
                what: format!("CA file {}", path.display()),
                source: e,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| StoreError::Invalid {
                    what: format!("CA file {}", path.display()),
                    detail: e.to_string(),
                })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let http = b.build().map_err(|e| StoreError::Transport {
            what: what.clone(),
            source: Box::new(e),
        })?;
        let endpoint = crate::oci::reference::registry_endpoint(host);
        let creds = OnceLock::new();
        if opts.credentials.is_some() || opts.credential_lookup.is_none() {
            let _ = creds.set(opts.credentials.clone());
        }
        Ok(Client {
            http,
            base: format!("{}://{}", if plain { "http" } else { "https" }, endpoint),
            host: host.to_string(),
            creds,
            lookup: opts.credential_lookup.clone(),
            lookup_empty: AtomicBool::new(false),
            lookup_error: Mutex::new(None),
            plain_allowed: opts.plain_http == Some(true),
            password_grant: AtomicU8::new(0),
            tokens: TokenCache::default(),
            challenge: Mutex::new(None),
            requests: AtomicU64::new(0),
        })
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// `scheme://host` requests go to.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// Requests sent so far (including token requests and retries).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn auth_state(&self) -> AuthState {
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

    /// The token scope a request on `repo` with `method` needs: `pull` to read, `pull,push`
    /// to write (PUT/POST/PATCH), `delete` to delete.
    pub fn scope_for(repo: &str, method: &Method) -> String {
        format!("repository:{repo}:{}", actions_for(method))
    }

    /// Credentials: explicit ones, else the saved ones (looked up off the async threads; a
    /// hit is kept, a miss until [`Client::anonymous_refused`]).
    async fn credentials(&self) -> Option<&Credentials> {
        if let Some(c) = self.creds.get() {
            return c.as_ref();
        }
        if self.lookup_empty.load(Ordering::SeqCst) {
            return None;
        }
        let found = match self.lookup.clone() {
            Some(opts) => {
                let host = self.host.clone();
                match tokio::task::spawn_blocking(move || crate::credentials::lookup(&host, &opts))
                    .await
                {
                    Ok(Ok(found)) => {
                        if let Ok(mut le) = self.lookup_error.lock() {
                            *le = None;
                        }
                        found.map(|(c, src)| {
                            tracing::debug!(host = %self.host, source = %src, "using saved credentials");
                            c
                        })
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
            "the registry wants a username and password (use -u and --password-stdin, or `arbor login {}`)",
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

    /// Absolute URL for a path (`/v2/...`) or a Link target (relative or absolute).
    pub fn url(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http://") || path_or_url.starts_with("https://") {
            path_or_url.to_string()
        } else if path_or_url.starts_with('/') {
            format!("{}{}", self.base, path_or_url)
        } else {
            format!("{}/{}", self.base, path_or_url)
        }
    }

    /// Sends a request with auth, answering one 401 with the challenge it carries.
    /// `scope` is the token scope this request needs (`repository:name:pull`).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        scope: &str,
        headers: HeaderMap,
        body: Option<ReqBody>,
        what: &str,
    ) -> Result<Response> {
        let widened = effective_scope(scope, &method);
        let scope = widened.as_str();
        let pre = self.authorization_for(scope);
        let resp = self
            .send_once(
                method.clone(),
                url,
                headers.clone(),
                body.clone(),
                pre.as_ref(),
                what,
            )
            .await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenge = resp
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_challenge);
        let Some(challenge) = challenge else {
            return Err(StoreError::Unauthorized {
                what: what.into(),
                detail: "401 without a usable WWW-Authenticate challenge".into(),
            });
        };
        if let Ok(mut c) = self.challenge.lock() {
            *c = Some(challenge.clone());
        }
        let auth = match &challenge {
            Challenge::Basic { .. } => match self.credentials().await {
                Some(Credentials::Basic { username, password }) => {
                    self.check_basic_transport(&self.base, what)?;
                    basic_header(username, password)
                }
                _ => return Err(self.needs_credentials(what)),
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
                let token = self
                    .fetch_token(realm, service.as_deref(), &want, what)
                    .await?;
                self.tokens.put(scope, token.0.clone(), token.1);
                if want != scope {
                    self.tokens.put(&want, token.0.clone(), token.1);
                }
                bearer_header(&token.0)
            }
        };
        let resp = self
            .send_once(method, url, headers, body, Some(&auth), what)
            .await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            self.anonymous_refused();
            let detail = match &challenge {
                Challenge::Basic { .. } => "username or password refused".to_string(),
                Challenge::Bearer { .. } => {
                    let again = resp
                        .headers()
                        .get(WWW_AUTHENTICATE)
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_challenge);
                    match again {
                        Some(Challenge::Bearer { error: Some(e), .. })
                            if e == "insufficient_scope" =>
                        {
                            let detail = match self.username() {
                                Some(u) => format!("insufficient_scope: user {u} is not granted {scope}"),
                                None => format!(
                                    "insufficient_scope: anonymous access is not granted {scope}; log in with `arbor login {}` or -u",
                                    self.host
                                ),
                            };
                            return Err(StoreError::Denied {
                                what: what.into(),
                                detail,
                            });
                        }
                        Some(Challenge::Bearer { error: Some(e), .. }) => {
                            format!("token refused: {e}")
                        }
                        _ => "token refused".to_string(),
                    }
                }
            };
            return Err(StoreError::Unauthorized {
                what: what.into(),
                detail,
            });
        }
        Ok(resp)
    }

    /// [`Client::send`], with any non-success status turned into a typed error.
    pub async fn send_ok(
        &self,
        method: Method,
        url: &str,
        scope: &str,
        headers: HeaderMap,
        body: Option<ReqBody>,
        what: &str,
    ) -> Result<Response> {
        let resp = self.send(method, url, scope, headers, body, what).await?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(status_error(resp, what).await)
        }
    }

    fn authorization_for(&self, scope: &str) -> Option<HeaderValue> {
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

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<ReqBody>,
        auth: Option<&HeaderValue>,
        what: &str,
    ) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self.http.request(method, url).headers(headers);
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a.clone());
        }
        if let Some(b) = body {
            req = req.body(b.to_body(what).await?);
        }
        tracing::debug!(url, "request");
        req.send().await.map_err(|e| transport(what, e))
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
        realm: &str,
        service: Option<&str>,
        scope: &str,
        what: &str,
    ) -> Result<(String, Duration)> {
        let creds = self.credentials().await;
        if creds.is_some() {
            self.check_basic_transport(realm, what)?;
        }
        let resp = match creds {
            Some(Credentials::IdentityToken { token, .. }) => {
                self.post_token(
                    realm,
                    service,
                    scope,
                    &[
                        ("grant_type", "refresh_token"),
                        ("refresh_token", token.as_str()),
                    ],
                    what,
                )
                .await?
            }
            Some(Credentials::Basic { username, password })
                if self.password_grant.load(Ordering::Relaxed) != 2 =>
            {
                let form = [
                    ("grant_type", "password"),
                    ("username", username.as_str()),
                    ("password", password.as_str()),
                ];
                let resp = self.post_token(realm, service, scope, &form, what).await?;
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
                    self.get_token(realm, service, scope, creds, what).await?
                } else {
                    resp
                }
            }
            creds => self.get_token(realm, service, scope, creds, what).await?,
        };
        let status = resp.status();
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
        let tok = tr.bearer().ok_or_else(|| StoreError::Invalid {
            what: format!("token response from {realm}"),
            detail: "no token in the answer".into(),
        })?;
        Ok((tok.to_string(), tr.ttl()))
    }

    async fn post_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        grant: &[(&str, &str)],
        what: &str,
    ) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut form: Vec<(&str, &str)> = grant.to_vec();
        form.push(("client_id", "arbor"));
        if let Some(s) = service {
            form.push(("service", s));
        }
        if !scope.is_empty() {
            form.push(("scope", scope));
        }
        tracing::debug!(
            realm,
            scope,
            grant = grant.first().map(|g| g.1).unwrap_or(""),
            "token request (POST)"
        );
        self.http
            .post(realm)
            .form(&form)
            .send()
            .await
            .map_err(|e| transport(&format!("token for {what}"), e))
    }

    async fn get_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        creds: Option<&Credentials>,
        what: &str,
    ) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut q: Vec<(&str, &str)> = Vec::new();
        if let Some(s) = service {
            q.push(("service", s));
        }
        for s in scope.split(' ').filter(|s| !s.is_empty()) {
            q.push(("scope", s));
        }
        let mut req = self.http.get(realm).query(&q);
        if let Some(Credentials::Basic { username, password }) = creds {
            req = req.basic_auth(username, Some(password));
        }
        tracing::debug!(realm, scope, "token request (GET)");
        req.send()
            .await
            .map_err(|e| transport(&format!("token for {what}"), e))
    }
}

/// Token actions a method needs.
fn actions_for(method: &Method) -> &'static str {
    match *method {
        Method::PUT | Method::POST | Method::PATCH => "pull,push",
        Method::DELETE => "delete",
        _ => "pull",
    }
}

/// A `repository:NAME:pull` scope widened to what a write or delete needs, so callers
/// that pass the read scope still get a token that allows the request.
fn effective_scope(scope: &str, method: &Method) -> String {
    let want = actions_for(method);
    match scope.strip_suffix(":pull") {
        Some(base) if want != "pull" && base.starts_with("repository:") => format!("{base}:{want}"),
        _ => scope.to_string(),
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

pub(crate) fn transport(what: &str, e: reqwest::Error) -> StoreError {
    let mut detail = e.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        src = s.source();
    }
    StoreError::Transport {
        what: what.to_string(),
        source: detail.into(),
    }
}

/// Reads a body, refusing more than `limit` bytes (by header and by count).
pub async fn read_bounded(mut resp: Response, limit: usize, what: &str) -> Result<Bytes> {
    if let Some(len) = resp.content_length() {
        if len > limit as u64 {
            return Err(StoreError::TooLarge {
                what: what.into(),
                size: len,
                limit: limit as u64,
            });
        }
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport(what, e))? {
        if buf.len() + chunk.len() > limit {
            return Err(StoreError::TooLarge {
                what: what.into(),
                size: (buf.len() + chunk.len()) as u64,
                limit: limit as u64,
            });
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
}

/// The registry's error message from an error response body (`{"errors":[{code,message}]}`).
pub async fn error_detail(resp: Response) -> String {
    let status = resp.status();
    let body = read_bounded(resp, 64 * 1024, "error body")
        .await
        .unwrap_or_default();
    #[derive(serde::Deserialize)]
    struct Errs {
        errors: Vec<Err1>,
    }
    #[derive(serde::Deserialize)]
    struct Err1 {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(e) = serde_json::from_slice::<Errs>(&body) {
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|e| format!("{} {}", e.code, e.message).trim().to_string())
            .collect();
        if !parts.is_empty() {
            return parts.join("; ");
        }
    }
    let text = String::from_utf8_lossy(&body);
    let text: String = text
        .trim()
        .chars()
        .take(200)
        .filter(|c| !c.is_control())
        .collect();
    if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    }
}

/// Maps a non-success response to a typed error.
pub async fn status_error(resp: Response, what: &str) -> StoreError {
    let status = resp.status();
    let www = resp
        .headers()
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let detail = error_detail(resp).await;
    match status {
        StatusCode::NOT_FOUND => StoreError::NotFound { what: what.into() },
        StatusCode::UNAUTHORIZED => StoreError::Unauthorized {
            what: what.into(),
            detail,
        },
        StatusCode::FORBIDDEN => {
            let detail = match www.as_deref().and_then(parse_challenge) {
                Some(Challenge::Bearer { error: Some(e), .. }) => format!("{e}: {detail}"),
                _ => detail,
            };
            StoreError::Denied {
                what: what.into(),
                detail,
            }
        }
        s => StoreError::Status {
            what: what.into(),
            status: s.as_u16(),
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{effective_scope, is_loopback, Client, Method};

    #[test]
    fn passwords_go_over_plain_http_only_to_loopback_or_when_allowed() {
        let c = Client::new("registry.example", &super::ClientOptions::default()).unwrap();
        assert!(c
            .check_basic_transport("https://auth.example/token", "t")
            .is_ok());
        assert!(c
            .check_basic_transport("http://auth.example/token", "t")
            .is_err());
        assert!(c
            .check_basic_transport("http://127.0.0.1:5001/token", "t")
            .is_ok());
        let opts = super::ClientOptions {
            plain_http: Some(true),
            ..Default::default()
        };
        let c = Client::new("registry.example", &opts).unwrap();
        assert!(c
            .check_basic_transport("http://auth.example/token", "t")
            .is_ok());
    }

    #[test]
    fn scopes_follow_the_method() {
        assert_eq!(
            Client::scope_for("a/b", &Method::GET),
            "repository:a/b:pull"
        );
        assert_eq!(
            Client::scope_for("a/b", &Method::HEAD),
            "repository:a/b:pull"
        );
        for m in [Method::PUT, Method::POST, Method::PATCH] {
            assert_eq!(Client::scope_for("a/b", &m), "repository:a/b:pull,push");
        }
        assert_eq!(
            Client::scope_for("a/b", &Method::DELETE),
            "repository:a/b:delete"
        );
        assert_eq!(
            effective_scope("repository:a/b:pull", &Method::POST),
            "repository:a/b:pull,push"
        );
        assert_eq!(
            effective_scope("repository:a/b:pull", &Method::GET),
            "repository:a/b:pull"
        );
        assert_eq!(
            effective_scope("registry:catalog:*", &Method::GET),
            "registry:catalog:*"
        );
        assert_eq!(effective_scope("", &Method::GET), "");
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5100",
            "[::1]:5000",
            "127.8.9.1",
        ] {
            assert!(is_loopback(h), "{h}");
        }
        for h in [
            "ghcr.io",
            "10.0.0.1:5000",
            "myregistry.azurecr.io",
            "[2001:db8::1]:443",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
