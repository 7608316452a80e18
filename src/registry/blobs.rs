//! Blobs: streamed downloads (paced), existence checks, cross-repository mounts, and uploads —
//! one streamed PUT, or PATCHed chunks where the registry asks for them (`OCI-Chunk-Min-Length`)
//! or refuses a whole blob in one request (413). Every upload runs under the upload deadline.
use super::answer::{header, status_error};
use super::deadline::paced;
use super::transport::{transport_error, OnceStream, ReqBody};
use super::RegistryStore;
use crate::oci::{Descriptor, Digest};
use crate::store::{verify_stream, BlobSource, ByteStream, Result, StoreError};
use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Chunk size when a registry refused a whole blob (413) and names no minimum: under the most
/// common proxy body limit (nginx's 1 MiB default).
const FALLBACK_CHUNK: u64 = 1024 * 1024 - 4096;

/// Chunks are never smaller than this, whatever minimum a registry names.
const MIN_CHUNK: u64 = 1024 * 1024;

/// An upload session the registry opened.
struct Session {
    location: String,
    /// `OCI-Chunk-Min-Length`: the registry wants chunks of at least this size.
    chunk_min: Option<u64>,
    /// The token scope the session was opened with (later requests reuse it, so a streamed
    /// body is sent with a token up front, never answered by a 401 it cannot be replayed for).
    scope: String,
}

fn octet_stream() -> HeaderValue {
    HeaderValue::from_static("application/octet-stream")
}

impl RegistryStore {
    pub(super) async fn get_blob(&self, repo: &str, desc: &Descriptor) -> Result<ByteStream> {
        let what = format!("blob {}/{repo}@{}", self.client.host(), desc.digest);
        let resp = self
            .client
            .request(Method::GET, &format!("/v2/{repo}/blobs/{}", desc.digest))
            .repo(repo)
            .streamed()
            .send_ok(&what)
            .await?;
        let w = what.clone();
        let body = resp
            .bytes_stream()
            .map(move |r| r.map_err(|e| transport_error(&w, e, None)));
        Ok(paced(body, what, self.client.timeout()))
    }

    pub(super) async fn head_blob(&self, repo: &str, digest: &Digest) -> Result<bool> {
        let what = format!("blob {}/{repo}@{digest}", self.client.host());
        // Asked with the push scope: it comes before an upload, whose token it then shares.
        let resp = self
            .client
            .request(Method::HEAD, &format!("/v2/{repo}/blobs/{digest}"))
            .scope(super::Client::scope_for(repo, &Method::PUT))
            .send(&what)
            .await?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(status_error(resp, &what).await),
        }
    }

    fn upload_what(&self, repo: &str, digest: &Digest) -> String {
        format!("upload of blob {digest} to {}/{repo}", self.client.host())
    }

    /// `POST …/blobs/uploads/` (with `?mount=&from=` when mounting): the session, or `None`
    /// when the registry mounted the blob (201).
    async fn open_session(
        &self,
        repo: &str,
        mount: Option<(&Digest, &str)>,
        what: &str,
    ) -> Result<Option<Session>> {
        let push = super::Client::scope_for(repo, &Method::POST);
        let (path, scope) = match mount {
            // The pull scope on the source first: a scope ending in `:pull` would be widened to push.
            Some((digest, from)) => (
                format!("/v2/{repo}/blobs/uploads/?mount={digest}&from={from}"),
                format!("repository:{from}:pull {push}"),
            ),
            None => (format!("/v2/{repo}/blobs/uploads/"), push),
        };
        let resp = self
            .client
            .request(Method::POST, &path)
            .scope(scope.clone())
            .body(Bytes::new())
            .send(what)
            .await?;
        if mount.is_some() && resp.status() == StatusCode::CREATED {
            return Ok(None);
        }
        if resp.status() != StatusCode::ACCEPTED && !resp.status().is_success() {
            return Err(status_error(resp, what).await);
        }
        let location = header(&resp, reqwest::header::LOCATION.as_str())
            .ok_or_else(|| StoreError::Invalid {
                what: what.to_string(),
                detail: "upload started without a Location".into(),
            })?
            .to_string();
        let chunk_min = header(&resp, "oci-chunk-min-length").and_then(|v| v.parse::<u64>().ok());
        Ok(Some(Session {
            location: self.client.url(&location),
            chunk_min,
            scope,
        }))
    }

    /// The session URL with `digest=` added (the request that completes an upload).
    fn completing_url(location: &str, digest: &Digest, what: &str) -> Result<String> {
        let mut url = url::Url::parse(location).map_err(|e| StoreError::Invalid {
            what: what.to_string(),
            detail: format!("bad upload Location: {e}"),
        })?;
        url.query_pairs_mut()
            .append_pair("digest", &digest.to_string());
        Ok(url.into())
    }

    /// Monolithic PUT of the whole body to the session.
    async fn put_whole(
        &self,
        s: &Session,
        desc: &Descriptor,
        body: ReqBody,
        what: &str,
    ) -> Result<()> {
        let url = Self::completing_url(&s.location, &desc.digest, what)?;
        let resp = self
            .client
            .request(Method::PUT, &url)
            .scope(s.scope.clone())
            .upload(desc.size.max(0) as u64)
            .header(CONTENT_TYPE, octet_stream())
            .header(CONTENT_LENGTH, HeaderValue::from(desc.size.max(0) as u64))
            .body(body)
            .send(what)
            .await?;
        if resp.status() == StatusCode::PAYLOAD_TOO_LARGE {
            // Remembered: the caller's retry (a fresh stream) goes in chunks.
            self.needs_chunks.store(true, Ordering::Relaxed);
            let e = status_error(resp, what).await;
            return Err(StoreError::Status {
                what: what.to_string(),
                status: 413,
                detail: format!("{e}; the registry refuses whole-blob uploads, so arbor sends chunks from now on"),
            });
        }
        if !resp.status().is_success() {
            return Err(status_error(resp, what).await);
        }
        Ok(())
    }

    /// PATCHes the stream in chunks of `chunk` bytes, then completes with an empty PUT.
    async fn put_chunked(
        &self,
        s: Session,
        desc: &Descriptor,
        stream: ByteStream,
        chunk: u64,
        what: &str,
    ) -> Result<()> {
        let size = desc.size.max(0) as u64;
        let source = Arc::new(tokio::sync::Mutex::new(Pending { stream, rest: None }));
        let mut location = s.location.clone();
        let mut start = 0u64;
        while start < size {
            let len = chunk.min(size - start);
            let body = chunk_stream(source.clone(), len);
            let resp = self
                .client
                .request(Method::PATCH, &location)
                .scope(s.scope.clone())
                .upload(len)
                .header(CONTENT_TYPE, octet_stream())
                .header(CONTENT_LENGTH, HeaderValue::from(len))
                .header(
                    CONTENT_RANGE,
                    HeaderValue::from_str(&format!("{start}-{}", start + len - 1)).map_err(
                        |_| StoreError::Invalid {
                            what: what.to_string(),
                            detail: "bad range".into(),
                        },
                    )?,
                )
                .body(ReqBody::Stream(OnceStream::new(body)))
                .send(what)
                .await?;
            if !resp.status().is_success() {
                return Err(status_error(resp, what).await);
            }
            if let Some(l) = header(&resp, reqwest::header::LOCATION.as_str()) {
                location = self.client.url(l);
            }
            start += len;
        }
        let done = Session { location, ..s };
        self.put_whole(
            &done,
            &Descriptor {
                size: 0,
                ..desc.clone()
            },
            ReqBody::Bytes(Bytes::new()),
            what,
        )
        .await
    }

    /// Uploads a blob unless the repository has it; true when it was uploaded.
    pub(super) async fn upload_blob(
        &self,
        repo: &str,
        desc: &Descriptor,
        source: BlobSource,
    ) -> Result<bool> {
        if self.head_blob(repo, &desc.digest).await? {
            return Ok(false);
        }
        let what = self.upload_what(repo, &desc.digest);
        let Some(session) = self.open_session(repo, None, &what).await? else {
            return Ok(true);
        };
        let body = match source {
            BlobSource::Bytes(b) => ReqBody::Bytes(b),
            BlobSource::File(p) => ReqBody::File(p),
        };
        self.put_whole(&session, desc, body, &what).await?;
        Ok(true)
    }

    /// Uploads a stream, verified on the way: one PUT, or chunks where the registry needs them.
    pub(super) async fn upload_stream(
        &self,
        repo: &str,
        desc: &Descriptor,
        stream: ByteStream,
    ) -> Result<()> {
        let what = self.upload_what(repo, &desc.digest);
        let stream = verify_stream(stream, desc, &what);
        let Some(session) = self.open_session(repo, None, &what).await? else {
            return Ok(());
        };
        let chunked = session.chunk_min.map(|m| m.max(MIN_CHUNK)).or_else(|| {
            self.needs_chunks
                .load(Ordering::Relaxed)
                .then_some(FALLBACK_CHUNK)
        });
        match chunked {
            Some(chunk) if desc.size > 0 => {
                self.put_chunked(session, desc, stream, chunk, &what).await
            }
            _ => {
                let body = ReqBody::Stream(OnceStream::new(stream));
                self.put_whole(&session, desc, body, &what).await
            }
        }
    }

    /// Cross-repository mount from `from` on this registry: true when the registry mounted it.
    pub(super) async fn mount(&self, repo: &str, digest: &Digest, from: &str) -> Result<bool> {
        let what = format!(
            "mount of blob {digest} from {from} to {}/{repo}",
            self.client.host()
        );
        // A registry that cannot mount opens an ordinary session instead; it is left to expire.
        Ok(self
            .open_session(repo, Some((digest, from)), &what)
            .await?
            .is_none())
    }
}

/// The rest of an upload's source, shared by the chunks that send it in turn.
struct Pending {
    stream: ByteStream,
    /// Bytes read past the end of the previous chunk.
    rest: Option<Bytes>,
}

/// The next `len` bytes of `source`, as a stream (a chunk's request body).
fn chunk_stream(source: Arc<tokio::sync::Mutex<Pending>>, len: u64) -> ByteStream {
    futures::stream::unfold((source, len), |(source, left)| async move {
        if left == 0 {
            return None;
        }
        let mut p = source.lock().await;
        let piece = match p.rest.take() {
            Some(b) => Ok(b),
            None => match p.stream.next().await {
                Some(r) => r,
                None => Err(StoreError::Invalid {
                    what: "chunked upload".into(),
                    detail: "the source ended early".into(),
                }),
            },
        };
        let mut piece = match piece {
            Ok(b) => b,
            Err(e) => {
                drop(p);
                return Some((Err(e), (source, 0)));
            }
        };
        if piece.len() as u64 > left {
            p.rest = Some(piece.split_off(left as usize));
        }
        let n = piece.len() as u64;
        drop(p);
        Some((Ok(piece), (source, left - n)))
    })
    .boxed()
}
