//! Registry authentication: `WWW-Authenticate` challenges, basic credentials, bearer tokens
//! cached per scope until they expire.
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A user's credentials. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh/identity token (ACR's `--expose-token`, docker's `identitytoken`).
    IdentityToken {
        username: String,
        token: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credentials::IdentityToken { username, .. } => {
                write!(f, "IdentityToken({username}, ***)")
            }
        }
    }
}

impl Credentials {
    pub fn username(&self) -> &str {
        match self {
            Credentials::Basic { username, .. } | Credentials::IdentityToken { username, .. } => {
                username
            }
        }
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    Basic {
        realm: Option<String>,
    },
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
        error: Option<String>,
    },
}

/// Parses the first challenge of a `WWW-Authenticate` header value.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header
        .split_once(char::is_whitespace)
        .unwrap_or((header, ""));
    let params = parse_params(rest);
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic {
            realm: params.get("realm").cloned(),
        }),
        "bearer" => Some(Challenge::Bearer {
            realm: params.get("realm")?.clone(),
            service: params.get("service").cloned(),
            scope: params.get("scope").cloned(),
            error: params.get("error").cloned(),
        }),
        _ => None,
    }
}

/// `k="v", k2=v2` auth-params; quoted values may contain commas and escaped quotes.
fn parse_params(s: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut chars = s.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ',' {
                break;
            }
            key.push(c);
            chars.next();
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut val = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        if let Some(n) = chars.next() {
                            val.push(n)
                        }
                    }
                    '"' => break,
                    c => val.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ',' {
                    break;
                }
                val.push(c);
                chars.next();
            }
        }
        out.insert(key.trim().to_ascii_lowercase(), val.trim().to_string());
    }
    out
}

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
    pub fn bearer(&self) -> Result<&str, &'static str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bearer_challenge() {
        let c = parse_challenge(r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push""#).unwrap();
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/alpine:pull,push".into()),
                error: None
            }
        );
        let c = parse_challenge(r#"Bearer realm="r",error="insufficient_scope""#).unwrap();
        assert!(matches!(c, Challenge::Bearer { error: Some(e), .. } if e == "insufficient_scope"));
    }

    #[test]
    fn parses_basic_and_rejects_unknown() {
        assert_eq!(
            parse_challenge(r#"Basic realm="lab""#),
            Some(Challenge::Basic {
                realm: Some("lab".into())
            })
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge("Bearer service=x"), None);
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

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
