//! Manifests: HEAD to resolve, GET verified against the digest, DELETE and the delete probe
//! (PUT is `Store::put_manifest` in `mod.rs`).
use super::answer::{header, read_bounded};
use super::RegistryStore;
use crate::oci::{media, tags, Descriptor, Digest, Manifest};
use crate::store::{
    verify_manifest_bytes, FetchedManifest, Result, StoreError, MAX_MANIFEST_BYTES,
};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::{Method, Response};

/// Every manifest media type arbor reads, as an Accept header.
fn accept() -> HeaderValue {
    HeaderValue::from_str(&media::MANIFEST_ACCEPT.join(", ")).expect("static header")
}

/// The media type a response says it carries, without parameters.
fn content_type(resp: &Response) -> Option<String> {
    header(resp, CONTENT_TYPE.as_str())
        .map(|s| s.split(';').next().unwrap_or("").trim().to_string())
}

impl RegistryStore {
    /// HEAD or GET of a manifest, accepting every manifest type arbor reads. Only a digest or
    /// a tag in the distribution grammar is put in a URL: a listed tag like `v1\t` would be
    /// requested as `v1` (URL parsers trim it), so it is refused instead.
    async fn manifest_request(
        &self,
        method: Method,
        repo: &str,
        reference: &str,
        what: &str,
    ) -> Result<Response> {
        if reference.parse::<Digest>().is_err() && !tags::is_valid_tag(reference) {
            return Err(StoreError::Invalid {
                what: what.into(),
                detail: "not a valid tag; not requested".into(),
            });
        }
        self.client
            .request(method, &format!("/v2/{repo}/manifests/{reference}"))
            .repo(repo)
            .header(ACCEPT, accept())
            .send_ok(what)
            .await
    }

    /// The descriptor a tag or digest resolves to, from a HEAD (a GET when the HEAD says too little).
    pub(super) async fn head_manifest(&self, repo: &str, reference: &str) -> Result<Descriptor> {
        let what = format!("{}/{repo}:{reference}", self.client.host());
        let resp = self
            .manifest_request(Method::HEAD, repo, reference, &what)
            .await?;
        let digest = header(&resp, "docker-content-digest").and_then(|d| d.parse::<Digest>().ok());
        let media_type = content_type(&resp);
        // Not resp.content_length(): for a HEAD that is the (empty) body's length.
        let size = header(&resp, CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<u64>().ok());
        match (digest, media_type, size) {
            (Some(digest), Some(media_type), Some(size))
                if size > 0 && media::is_manifest(&media_type) =>
            {
                if let Ok(d) = reference.parse::<Digest>() {
                    if d != digest {
                        return Err(StoreError::DigestMismatch {
                            what,
                            expected: d.to_string(),
                            actual: digest.to_string(),
                        });
                    }
                }
                Ok(Descriptor {
                    media_type,
                    digest,
                    size: size as i64,
                    artifact_type: None,
                    annotations: None,
                    platform: None,
                    urls: None,
                })
            }
            // HEAD without the headers we need: GET it (verified) instead.
            _ => Ok(self.get_manifest(repo, reference).await?.descriptor),
        }
    }

    /// A manifest by tag or digest: bounded, verified, parsed.
    pub(super) async fn get_manifest(
        &self,
        repo: &str,
        reference: &str,
    ) -> Result<FetchedManifest> {
        let what = format!(
            "manifest {}/{repo}{}{reference}",
            self.client.host(),
            if reference.contains(':') { "@" } else { ":" }
        );
        let resp = self
            .manifest_request(Method::GET, repo, reference, &what)
            .await?;
        let served_type = content_type(&resp);
        let header_digest = header(&resp, "docker-content-digest").map(str::to_string);
        let bytes = read_bounded(resp, MAX_MANIFEST_BYTES, &what).await?;
        // Verify against the digest asked for; for a tag, against the digest the registry announced.
        let expected = match reference.parse::<Digest>() {
            Ok(d) => d,
            Err(_) => match header_digest {
                Some(h) => h.parse::<Digest>().map_err(|e| StoreError::Invalid {
                    what: what.clone(),
                    detail: format!("bad Docker-Content-Digest: {e}"),
                })?,
                None => Digest::sha256_of(&bytes),
            },
        };
        verify_manifest_bytes(&what, &bytes, &expected)?;
        let manifest =
            Manifest::parse(&bytes, served_type.as_deref()).map_err(|e| StoreError::Invalid {
                what: what.clone(),
                detail: e.to_string(),
            })?;
        let media_type = manifest
            .media_type
            .clone()
            .or(served_type)
            .unwrap_or_default();
        Ok(FetchedManifest::new(bytes, expected, media_type, manifest))
    }

    pub(super) async fn remove_manifest(&self, repo: &str, digest: &Digest) -> Result<()> {
        let what = format!("delete of {}/{repo}@{digest}", self.client.host());
        self.client
            .request(Method::DELETE, &format!("/v2/{repo}/manifests/{digest}"))
            .repo(repo)
            .send_ok(&what)
            .await?;
        Ok(())
    }

    /// `DELETE …/manifests/<tag>`: the tag only. Registries that delete by digest alone refuse
    /// it (distribution: 400 DIGEST_INVALID; 405 UNSUPPORTED where deletes are off).
    pub(super) async fn remove_tag(&self, repo: &str, tag: &str) -> Result<()> {
        let what = format!("untag {}/{repo}:{tag}", self.client.host());
        match self
            .client
            .request(Method::DELETE, &format!("/v2/{repo}/manifests/{tag}"))
            .repo(repo)
            .send_ok(&what)
            .await
        {
            Ok(_) => {
                crate::store::Store::invalidate(self, repo);
                Ok(())
            }
            Err(StoreError::Status {
                status: status @ (400 | 405),
                detail,
                ..
            }) => Err(StoreError::Unsupported {
                what,
                detail: format!(
                    "the registry does not delete tags on their own ({status}: {detail})"
                ),
            }),
            Err(e) => Err(e),
        }
    }

    /// Checks deletes are allowed without changing anything.
    pub(super) async fn check_deletes(&self, repo: &str) -> Result<()> {
        // DELETE of a digest nobody has: 404 where deletes are allowed, 405 (UNSUPPORTED)
        // or 401/403 where they are not. Nothing can be removed by it.
        let nobody = Digest::sha256_of(b"arbor delete probe: this content does not exist");
        match self.remove_manifest(repo, &nobody).await {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => Ok(()),
            Err(StoreError::Status {
                status: 405,
                detail,
                ..
            }) => Err(StoreError::Unsupported {
                what: format!("{}/{repo}", self.client.host()),
                detail: format!("the registry refuses deletes ({detail}); nothing was changed"),
            }),
            Err(e) => Err(e),
        }
    }
}
