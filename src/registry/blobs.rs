//! Blobs: streamed downloads, existence checks, and uploads (one monolithic, streamed PUT).
use super::answer::{header, status_error};
use super::deadline::paced;
use super::transport::{transport_error, ReqBody};
use super::RegistryStore;
use crate::oci::{Descriptor, Digest};
use crate::store::{BlobSource, ByteStream, Result, StoreError};
use bytes::Bytes;
use futures::StreamExt;
use reqwest::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, StatusCode};

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
        let what = format!(
            "upload of blob {} to {}/{repo}",
            desc.digest,
            self.client.host()
        );
        let resp = self
            .client
            .request(Method::POST, &format!("/v2/{repo}/blobs/uploads/"))
            .repo(repo)
            .body(Bytes::new())
            .send(&what)
            .await?;
        if resp.status() != StatusCode::ACCEPTED && !resp.status().is_success() {
            return Err(status_error(resp, &what).await);
        }
        let location = header(&resp, reqwest::header::LOCATION.as_str())
            .ok_or_else(|| StoreError::Invalid {
                what: what.clone(),
                detail: "upload started without a Location".into(),
            })?
            .to_string();
        // Monolithic PUT, streamed: every registry accepts it, and it is one request.
        let mut url =
            url::Url::parse(&self.client.url(&location)).map_err(|e| StoreError::Invalid {
                what: what.clone(),
                detail: format!("bad upload Location: {e}"),
            })?;
        url.query_pairs_mut()
            .append_pair("digest", &desc.digest.to_string());
        let body = match source {
            BlobSource::Bytes(b) => ReqBody::Bytes(b),
            BlobSource::File(p) => ReqBody::File(p),
        };
        // A Location on another origin is used without credentials (see `Client::execute`).
        self.client
            .request(Method::PUT, url.as_str())
            .repo(repo)
            .upload(desc.size.max(0) as u64)
            .header(
                CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )
            .header(CONTENT_LENGTH, HeaderValue::from(desc.size.max(0) as u64))
            .body(body)
            .send_ok(&what)
            .await?;
        Ok(true)
    }
}
