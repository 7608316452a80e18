//! Bearer tokens: asking a token realm (OAuth2 POST or docker GET), its answer, and the tokens
//! cached per scope until they expire.
use super::credential::Credentials;
use super::transport::Transport;
use crate::store::Result;
use reqwest::{Method, Response};
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Bearer tokens by scope, each with its expiry.
#[derive(Default)]
pub struct TokenCache {
    tokens: Mutex<HashMap<String, (String, Instant)>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache(..)")
    }
}

impl TokenCache {
    /// A live token for `scope`, if cached.
    pub fn get(&self, scope: &str) -> Option<String> {
        let map = self.tokens.lock().ok()?;
        let (tok, usable_until) = map.get(scope)?;
        (Instant::now() < *usable_until).then(|| tok.clone())
    }

    /// Caches a token; it is treated as expired a little early (5 s, or a quarter of a short
    /// lifetime, so 3 s tokens are still reused for 2.25 s).
    pub fn put(&self, scope: &str, token: String, ttl: Duration) {
        let ttl = ttl.min(MAX_TOKEN_TTL);
        let margin = Duration::from_secs(5).min(ttl / 4);
        let now = Instant::now();
        // Clamped above, so this cannot overflow; `now` (expired) if it ever did.
        let until = now.checked_add(ttl - margin).unwrap_or(now);
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(scope.to_string(), (token, until));
        }
    }

    pub fn forget(&self, scope: &str) {
        if let Ok(mut map) = self.tokens.lock() {
            map.remove(scope);
        }
    }
}

/// A token endpoint's answer.
#[derive(Debug, serde::Deserialize)]
pub struct TokenResponse {
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub access_token: Option<String>,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Longest a token is cached, whatever `expires_in` says (a 401 renews it anyway).
pub const MAX_TOKEN_TTL: Duration = Duration::from_secs(24 * 60 * 60);

impl TokenResponse {
    /// The bearer token (`token`, else `access_token`); an error when there is none or it
    /// could not be sent as a header (only visible ASCII may follow `Bearer `).
    pub fn bearer(&self) -> std::result::Result<&str, &'static str> {
        let tok = self
            .token
            .as_deref()
            .filter(|t| !t.is_empty())
            .or(self.access_token.as_deref().filter(|t| !t.is_empty()))
            .ok_or("no token in the answer")?;
        if tok.bytes().all(|b| b.is_ascii_graphic()) {
            Ok(tok)
        } else {
            Err("the token has characters an HTTP header cannot carry (white space, controls or non-ASCII)")
        }
    }
    /// Lifetime, between 1 s and [`MAX_TOKEN_TTL`]; the token spec's default is 60 s.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.expires_in.unwrap_or(60).max(1)).min(MAX_TOKEN_TTL)
    }
}

/// The OAuth2 token POST (`grant`: password or refresh-token fields).
pub async fn post(
    transport: &Transport,
    realm: &str,
    service: Option<&str>,
    scope: &str,
    grant: &[(&str, &str)],
    what: &str,
) -> Result<Response> {
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
    let req = transport.token_request(Method::POST, realm).form(&form);
    transport.dispatch(req, what).await
}

/// The docker token GET, with basic auth when there is a password.
pub async fn get(
    transport: &Transport,
    realm: &str,
    service: Option<&str>,
    scope: &str,
    creds: Option<&Credentials>,
    what: &str,
) -> Result<Response> {
    let mut q: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = service {
        q.push(("service", s));
    }
    for s in scope.split(' ').filter(|s| !s.is_empty()) {
        q.push(("scope", s));
    }
    let mut req = transport.token_request(Method::GET, realm).query(&q);
    if let Some(Credentials::Basic { username, password }) = creds {
        req = req.basic_auth(username, Some(password));
    }
    tracing::debug!(realm, scope, "token request (GET)");
    transport.dispatch(req, what).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_token_lifetimes_are_clamped() {
        let tr: TokenResponse =
            serde_json::from_str(r#"{"token":"t","expires_in":18446744073709551615}"#).unwrap();
        assert_eq!(tr.ttl(), MAX_TOKEN_TTL);
        let c = TokenCache::default();
        c.put("s", "t".into(), Duration::from_secs(u64::MAX));
        c.put("s2", "t".into(), Duration::MAX);
        assert_eq!(c.get("s").as_deref(), Some("t"));
        assert_eq!(c.get("s2").as_deref(), Some("t"));
    }

    #[test]
    fn tokens_that_cannot_be_a_header_are_errors() {
        for bad in [
            r#"{"token":"abc def"}"#,
            r#"{"token":"abc\r\nX-Injected: 1"}"#,
            r#"{"access_token":"t\u00e9"}"#,
            r#"{"token":"\u0000"}"#,
            r#"{"token":""}"#,
            r#"{}"#,
        ] {
            let tr: TokenResponse = serde_json::from_str(bad).unwrap();
            assert!(tr.bearer().is_err(), "{bad}");
        }
        let tr: TokenResponse =
            serde_json::from_str(r#"{"token":"eyJhbGciOi.J9-_~+/=="}"#).unwrap();
        assert_eq!(tr.bearer(), Ok("eyJhbGciOi.J9-_~+/=="));
    }

    #[test]
    fn token_cache_expires() {
        let c = TokenCache::default();
        c.put("s", "t".into(), Duration::from_secs(60));
        assert_eq!(c.get("s").as_deref(), Some("t"));
        c.put("s2", "t".into(), Duration::ZERO);
        assert_eq!(c.get("s2"), None);
        // A 60 s token stops being used 5 s early; a 2 s one half a second early.
        c.put("s3", "t".into(), Duration::from_secs(2));
        assert_eq!(c.get("s3").as_deref(), Some("t"));
    }
}
