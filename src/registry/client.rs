//! HTTP to one registry: where requests go (scheme, base URL), and [`Request`], the one way a
//! request is made — sent with up-front auth, a 401 answered through the auth flow, retried once.
//! Credentials go only to the registry's own origin: a URL the registry chose elsewhere (a
//! `Location`, a redirect) is requested without them.
use super::answer::status_error;
use super::auth::{Auth, AuthState};
use super::challenge::challenge_of;
use super::deadline::Deadline;
use super::options::ClientOptions;
use super::transport::{is_loopback, ReqBody, Transport};
use crate::store::{Result, StoreError};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use url::Url;

/// An authenticated HTTP client for one registry host.
#[derive(Debug)]
pub struct Client {
    transport: Transport,
    auth: Auth,
    base: String,
    host: String,
}

impl Client {
    pub fn new(host: &str, opts: &ClientOptions) -> Result<Self> {
        // Loopback defaults to plain HTTP (as docker does) unless TLS settings were given.
        let plain = opts
            .plain_http
            .unwrap_or_else(|| is_loopback(host) && !opts.insecure && opts.ca_file.is_none());
        let endpoint = crate::oci::reference::registry_endpoint(host);
        let base = format!("{}://{}", if plain { "http" } else { "https" }, endpoint);
        Ok(Client {
            transport: Transport::new(&base, opts, plain)?,
            auth: Auth::new(host, opts),
            base,
            host: host.to_string(),
        })
    }

    /// True when requests go over plain HTTP (asked for, or a loopback registry).
    pub fn plain_http(&self) -> bool {
        self.base.starts_with("http://")
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
        self.transport.request_count()
    }

    /// The deadline of one request (and the throughput window of a blob body).
    pub fn timeout(&self) -> std::time::Duration {
        self.transport.timeout()
    }

    pub fn auth_state(&self) -> AuthState {
        self.auth.state()
    }

    /// The user requests authenticate as (once credentials are known).
    pub fn username(&self) -> Option<&str> {
        self.auth.username()
    }

    /// The token scope a request on `repo` with `method` needs: `pull` to read, `pull,push`
    /// to write (PUT/POST/PATCH), `delete` to delete.
    pub fn scope_for(repo: &str, method: &Method) -> String {
        format!("repository:{repo}:{}", actions_for(method))
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

    /// True when `url` (a path, or a URL a registry gave) is on this registry's origin.
    pub fn is_origin(&self, path_or_url: &str) -> bool {
        Url::parse(&self.url(path_or_url)).is_ok_and(|u| self.transport.is_origin(&u))
    }

    /// The `rel="next"` page a response links to. Only on the registry's own origin: a listing
    /// has no business continuing elsewhere, so such a link is refused rather than followed.
    pub fn next_page(&self, resp: &Response, what: &str) -> Result<Option<String>> {
        let link = resp.headers().get("link").and_then(|v| v.to_str().ok());
        let Some(next) = link.and_then(super::link::next_link) else {
            return Ok(None);
        };
        if !self.is_origin(&next) {
            return Err(StoreError::Invalid {
                what: what.into(),
                detail: format!(
                    "the next page is on another server ({}); refused",
                    crate::text::escape(&next)
                ),
            });
        }
        Ok(Some(next))
    }

    /// A request to a path (`/v2/...`) or a URL a registry gave (a Link, a Location).
    pub fn request(&self, method: Method, path_or_url: &str) -> Request<'_> {
        Request {
            client: self,
            method,
            url: self.url(path_or_url),
            scope: String::new(),
            headers: HeaderMap::new(),
            body: None,
            deadline: Deadline::Total,
        }
    }

    /// Sends with auth, answering one 401 with the challenge it carries (on the registry's
    /// origin only: elsewhere nothing is sent that could authenticate).
    async fn execute(&self, r: Request<'_>, what: &str) -> Result<Response> {
        let url = Url::parse(&r.url).map_err(|e| StoreError::Invalid {
            what: what.into(),
            detail: format!("bad URL {}: {e}", r.url),
        })?;
        let ours = self.transport.is_origin(&url);
        let widened = effective_scope(&r.scope, &r.method);
        let scope = widened.as_str();
        let pre = self.auth.up_front(scope).filter(|_| ours);
        let resp = self
            .transport
            .send(
                r.method.clone(),
                &url,
                r.headers.clone(),
                r.body.as_ref(),
                pre.as_ref(),
                r.deadline,
                what,
            )
            .await?;
        if resp.status() != StatusCode::UNAUTHORIZED || !ours {
            return Ok(resp);
        }
        let Some(challenge) = challenge_of(&resp) else {
            return Err(crate::store::StoreError::Unauthorized {
                what: what.into(),
                detail: "401 without a usable WWW-Authenticate challenge".into(),
            });
        };
        let auth = self
            .auth
            .answer(&self.transport, url.as_str(), &challenge, scope, what)
            .await?;
        let resp = self
            .transport
            .send(
                r.method,
                &url,
                r.headers,
                r.body.as_ref(),
                Some(&auth),
                r.deadline,
                what,
            )
            .await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(self
                .auth
                .refused(&challenge, challenge_of(&resp), scope, what));
        }
        Ok(resp)
    }
}

/// One request to a registry, built up and then sent: `client.request(GET, path).repo(repo).send_ok(what)`.
#[must_use = "a request does nothing until it is sent"]
pub struct Request<'a> {
    client: &'a Client,
    method: Method,
    url: String,
    scope: String,
    headers: HeaderMap,
    body: Option<ReqBody>,
    deadline: Deadline,
}

impl Request<'_> {
    /// A blob download: headers within the deadline, then a minimum throughput (the caller
    /// reads the body through [`super::deadline::paced`]).
    pub fn streamed(mut self) -> Self {
        self.deadline = Deadline::Stream;
        self
    }

    /// An upload of `size` bytes: the deadline plus the time it takes at the minimum throughput.
    pub fn upload(mut self, size: u64) -> Self {
        self.deadline = Deadline::Upload(size);
        self
    }

    /// The token scope to ask for (`repository:NAME:pull`, `registry:catalog:*`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = scope.into();
        self
    }

    /// A request on `repo`: the scope its method needs there.
    pub fn repo(self, repo: &str) -> Self {
        let scope = Client::scope_for(repo, &self.method);
        self.scope(scope)
    }

    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    pub fn body(mut self, body: impl Into<ReqBody>) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Sends it; any status comes back as a response (`what` names it in errors).
    pub async fn send(self, what: &str) -> Result<Response> {
        self.client.execute(self, what).await
    }

    /// Sends it; a status other than success becomes a typed error.
    pub async fn send_ok(self, what: &str) -> Result<Response> {
        let resp = self.send(what).await?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(status_error(resp, what).await)
        }
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

#[cfg(test)]
mod tests {
    use super::{effective_scope, Client, Method};

    #[test]
    fn only_the_registry_origin_is_its_own() {
        let c = Client::new("127.0.0.1:5000", &Default::default()).unwrap();
        for ours in [
            "/acr/v1/a/_manifests?n=1",
            "v2/x/tags/list",
            "http://127.0.0.1:5000/api/v2.0/x?page=2",
        ] {
            assert!(c.is_origin(ours), "{ours}");
        }
        for theirs in [
            "http://evil.example/acr/v1/a",
            "http://127.0.0.1:5000.evil.example/x",
            "https://127.0.0.1:5000/x",
            "http://127.0.0.1:5001/x",
            "http://user@127.0.0.1:5000@evil.example/x",
        ] {
            assert!(!c.is_origin(theirs), "{theirs}");
        }
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
}
