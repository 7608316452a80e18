//! Bytes on the wire: the HTTP client (TLS, deadlines), one request sent as given (its
//! redirects and retries included), and network failures as typed errors. Reading answers is
//! `answer`'s.
use super::deadline::{timed_out, Deadline, TimeLimit, MAX_CONNECT};
use super::options::{ClientOptions, RetryNotice, RetryNotify};
use super::retry;
use crate::store::{ByteStream, Result, StoreError};
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, RequestBuilder, Response};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use url::Url;

/// A request body that can be sent again (after a 401 challenge): bytes, or a file re-read;
/// or a stream, which can be sent only once.
#[derive(Debug, Clone)]
pub enum ReqBody {
    Bytes(Bytes),
    /// A file streamed from disk, never held in memory whole.
    File(PathBuf),
    Stream(OnceStream),
}

/// A streamed body, taken by the first send (a retry after a 401 cannot replay it).
#[derive(Clone)]
pub struct OnceStream(Arc<Mutex<Option<ByteStream>>>);

impl OnceStream {
    pub fn new(stream: ByteStream) -> Self {
        OnceStream(Arc::new(Mutex::new(Some(stream))))
    }
}

impl std::fmt::Debug for OnceStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnceStream")
    }
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
            ReqBody::Stream(s) => {
                let taken = s.0.lock().ok().and_then(|mut g| g.take());
                taken
                    .map(reqwest::Body::wrap_stream)
                    .ok_or_else(|| StoreError::Invalid {
                        what: what.to_string(),
                        detail: "a streamed body cannot be sent twice (the registry asked to authenticate again mid-upload)".into(),
                    })
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
    /// `scheme://host:port` of the registry: credentials go to no other origin.
    origin: url::Origin,
    timeout: Duration,
    on_retry: Option<RetryNotify>,
}

/// Redirects followed at most for one request.
const MAX_REDIRECTS: usize = 10;

/// Why one exchange failed: on the network (maybe worth a retry), or for good.
enum Failure {
    Net(reqwest::Error, Option<Duration>),
    Final(StoreError),
}

impl Transport {
    /// A client with arbor's timeouts and the TLS settings of `opts` for the registry at
    /// `base` (`plain`: no trust store needed). Redirects are followed by [`Transport::send`]
    /// itself, so it decides where credentials go.
    pub fn new(base: &str, opts: &ClientOptions, plain: bool) -> Result<Self> {
        let timeout = opts.timeout();
        let mut b = reqwest::Client::builder()
            .user_agent(
                opts.user_agent
                    .clone()
                    .unwrap_or_else(|| format!("arbor/{}", env!("CARGO_PKG_VERSION"))),
            )
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(timeout.min(MAX_CONNECT))
            .read_timeout(timeout)
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
        let what = format!("registry {base}");
        let http = b.build().map_err(|e| StoreError::Transport {
            what: what.clone(),
            source: Box::new(e),
        })?;
        let origin = Url::parse(base)
            .map_err(|e| StoreError::Invalid {
                what,
                detail: e.to_string(),
            })?
            .origin();
        Ok(Transport {
            http,
            requests: AtomicU64::new(0),
            origin,
            timeout,
            on_retry: opts.on_retry.clone(),
        })
    }

    /// Requests sent so far (including token requests and retries).
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// True when `url` is on the registry's own `scheme://host:port`.
    pub fn is_origin(&self, url: &Url) -> bool {
        url.origin() == self.origin
    }

    /// Sends one request, with `auth` as its Authorization header while it stays on the
    /// registry's origin (never on a redirect elsewhere). GET and HEAD follow redirects and
    /// are retried on 429/502/503/504 and connection resets, waiting as `Retry-After` asks.
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        method: Method,
        url: &Url,
        headers: HeaderMap,
        body: Option<&ReqBody>,
        auth: Option<&HeaderValue>,
        deadline: Deadline,
        what: &str,
    ) -> Result<Response> {
        let mut retries = 0;
        loop {
            let r = self
                .exchange(&method, url, &headers, body, auth, deadline, what)
                .await;
            if retry::idempotent(&method) && retries < retry::MAX_RETRIES {
                let again = match &r {
                    Ok(resp) => retry::after_status(resp, retries + 1),
                    Err(Failure::Net(e, _)) => retry::after_error(e, retries + 1),
                    Err(Failure::Final(_)) => None,
                };
                if let Some((reason, wait)) = again {
                    retries += 1;
                    let notice = RetryNotice {
                        what: what.to_string(),
                        reason,
                        wait,
                        retry: retries,
                        retries: retry::MAX_RETRIES,
                    };
                    tracing::debug!(%notice, "retrying");
                    if let Some(n) = &self.on_retry {
                        (n.0)(&notice);
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            return r.map_err(|f| match f {
                Failure::Net(e, limit) => transport_error(what, e, limit),
                Failure::Final(e) => e,
            });
        }
    }

    /// One attempt: the request and, for GET and HEAD, the redirects it leads to.
    #[allow(clippy::too_many_arguments)]
    async fn exchange(
        &self,
        method: &Method,
        url: &Url,
        headers: &HeaderMap,
        body: Option<&ReqBody>,
        auth: Option<&HeaderValue>,
        deadline: Deadline,
        what: &str,
    ) -> std::result::Result<Response, Failure> {
        let limit = deadline.limit(self.timeout);
        let mut url = url.clone();
        for _ in 0..=MAX_REDIRECTS {
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .headers(headers.clone());
            if let Some(a) = auth.filter(|_| self.is_origin(&url)) {
                req = req.header(AUTHORIZATION, a.clone());
            }
            if let Some(b) = body {
                req = req.body(b.to_body(what).await.map_err(Failure::Final)?);
            }
            if let Some(l) = limit {
                req = req.timeout(l);
            }
            tracing::debug!(url = %url, "request");
            self.requests.fetch_add(1, Ordering::Relaxed);
            let sent = match deadline {
                // Headers within the deadline; the body is paced by its reader.
                Deadline::Stream => tokio::time::timeout(self.timeout, req.send())
                    .await
                    .map_err(|_| Failure::Final(timed_out(what, Some(self.timeout))))?,
                _ => req.send().await,
            };
            let mut resp = sent.map_err(|e| Failure::Net(e, limit.or(Some(self.timeout))))?;
            if resp.status().is_redirection() && retry::idempotent(method) {
                if let Some(next) = redirect_target(&resp, &url, what).map_err(Failure::Final)? {
                    url = next;
                    continue;
                }
            }
            if let Some(l) = limit {
                resp.extensions_mut().insert(TimeLimit(l));
            }
            return Ok(resp);
        }
        Err(Failure::Final(StoreError::Invalid {
            what: what.to_string(),
            detail: format!("more than {MAX_REDIRECTS} redirects; stopped"),
        }))
    }

    /// A request to a token realm, built by the caller (form or query, basic auth), under the
    /// total deadline.
    pub fn token_request(&self, method: Method, realm: &str) -> RequestBuilder {
        self.http.request(method, realm).timeout(self.timeout)
    }

    /// Sends a built token request, counting it; failures to connect or read become typed errors.
    pub async fn dispatch(&self, req: RequestBuilder, what: &str) -> Result<Response> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut resp = req
            .send()
            .await
            .map_err(|e| transport_error(what, e, Some(self.timeout)))?;
        resp.extensions_mut().insert(TimeLimit(self.timeout));
        Ok(resp)
    }
}

/// Where a redirect leads (`None`: not a redirect to follow); only to http(s).
fn redirect_target(resp: &Response, from: &Url, what: &str) -> Result<Option<Url>> {
    if !matches!(resp.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let loc = resp.headers().get(reqwest::header::LOCATION);
    let Some(loc) = loc.and_then(|v| v.to_str().ok()) else {
        return Ok(None);
    };
    let to = from.join(loc).map_err(|e| StoreError::Invalid {
        what: what.to_string(),
        detail: format!("bad redirect Location: {e}"),
    })?;
    if !matches!(to.scheme(), "http" | "https") {
        return Err(StoreError::Invalid {
            what: what.to_string(),
            detail: format!("redirect to a {} URL refused", to.scheme()),
        });
    }
    Ok(Some(to))
}

/// A transport failure (connect, TLS, timeout, reset): what failed and why, each cause once.
pub fn transport_error(what: &str, e: reqwest::Error, limit: Option<Duration>) -> StoreError {
    if e.is_timeout() {
        return timed_out(what, limit);
    }
    let mut parts: Vec<String> = Vec::new();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    while let Some(s) = src {
        parts.push(s.to_string());
        src = s.source();
    }
    // reqwest's own text repeats the URL; its causes say what went wrong.
    let mut detail = if parts.is_empty() {
        e.to_string()
    } else {
        String::new()
    };
    for p in parts {
        if !detail.contains(&p) {
            if !detail.is_empty() {
                detail.push_str(": ");
            }
            detail.push_str(&p);
        }
    }
    StoreError::Transport {
        what: what.to_string(),
        source: detail.into(),
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
