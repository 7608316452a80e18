//! Registry authentication: `WWW-Authenticate` challenges, basic credentials, bearer tokens
//! cached per scope until they expire.
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
        let margin = Duration::from_secs(5).min(ttl / 4);
        if let Ok(mut map) = self.tokens.lock() {
            map.insert(scope.to_string(), (token, Instant::now() + ttl - margin));
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

impl TokenResponse {
    pub fn bearer(&self) -> Option<&str> {
        self.token
            .as_deref()
            .filter(|t| !t.is_empty())
            .or(self.access_token.as_deref().filter(|t| !t.is_empty()))
    }
    /// Lifetime; the token spec's default is 60 s.
    pub fn ttl(&self) -> Duration {
        Duration::from_secs(self.expires_in.unwrap_or(60).max(1))
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
