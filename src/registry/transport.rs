//! Bytes on the wire: the HTTP client (TLS, timeouts), one request sent as given, bounded
//! reads of answers, and a registry's error answers turned into typed errors.
use super::challenge::{challenge_of, Challenge};
use super::options::ClientOptions;
use crate::store::{Result, StoreError};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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
                Ok(reqwest::Body::wrap_stream(
                    tokio_util::io::ReaderStream::with_capacity(f, 256 * 1024),
                ))
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

/// The HTTP client for one registry host (and its token realm), counting what it sends.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    requests: AtomicU64,
}

impl Transport {
    /// A client with arbor's timeouts and the TLS settings of `opts` (`plain`: no trust store needed).
    pub fn new(host: &str, opts: &ClientOptions, plain: bool) -> Result<Self> {
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
        } else if !opts.insecure {
            b = super::trust::with_system_roots(b).0;
        }
        if opts.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        if let Some(path) = &opts.ca_file {
            let what = format!("CA file {}", path.display());
            let pem = std::fs::read(path).map_err(|e| StoreError::Io {
                what: what.clone(),
                source: e,
            })?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| StoreError::Invalid {
                    what,
                    detail: e.to_string(),
                })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let http = b.build().map_err(|e| StoreError::Transport {
            what: format!("registry {host}"),
            source: Box::new(e),
        })?;
        Ok(Transport {
            http,
            requests: AtomicU64::new(0),
        })
    }

    /// Requests sent so far (including token requests and retries).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Sends one request as given (with `auth` as its Authorization header).
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        headers: HeaderMap,
        body: Option<&ReqBody>,
        auth: Option<&HeaderValue>,
        what: &str,
    ) -> Result<Response> {
        let mut req = self.http.request(method, url).headers(headers);
        if let Some(a) = auth {
            req = req.header(AUTHORIZATION, a.clone());
        }
        if let Some(b) = body {
            req = req.body(b.to_body(what).await?);
        }
        tracing::debug!(url, "request");
        self.dispatch(req, what).await
    }

    /// A request to a token realm, built by the caller (form or query, basic auth).
    pub fn token_request(&self, method: Method, realm: &str) -> RequestBuilder {
        self.http.request(method, realm)
    }

    /// Sends a built request, counting it; failures to connect or read become typed errors.
    pub async fn dispatch(&self, req: RequestBuilder, what: &str) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        req.send().await.map_err(|e| transport_error(what, e))
    }
}

/// A transport failure (connect, TLS, timeout, reset) with every cause in its message.
pub fn transport_error(what: &str, e: reqwest::Error) -> StoreError {
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
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(what, e))? {
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

/// A response header as text, if present and readable.
pub fn header<'a>(resp: &'a Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
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
    let challenge = challenge_of(&resp);
    let detail = error_detail(resp).await;
    match status {
        StatusCode::NOT_FOUND => StoreError::NotFound { what: what.into() },
        StatusCode::UNAUTHORIZED => StoreError::Unauthorized {
            what: what.into(),
            detail,
        },
        StatusCode::FORBIDDEN => {
            let detail = match challenge {
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
    use super::is_loopback;

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
