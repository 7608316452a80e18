//! Attach files to a manifest as a new OCI 1.1 referrer (`artifactType` + `subject`), and keep
//! the `sha256-<hex>` fallback index up to date where the registry has no referrers API.
use crate::graph::fallback;
use crate::oci::manifest::canonical_json;
use crate::oci::{media, Descriptor, Digest, Manifest};
use crate::store::{BlobSource, ReferrersSource, Result, Store, StoreError};
use bytes::Bytes;
use oci_spec::image::{DescriptorBuilder, ImageManifestBuilder, MediaType};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

/// One file to attach.
#[derive(Debug, Clone)]
pub struct AttachFile {
    pub path: PathBuf,
    /// Media type; `None` picks one from the file name.
    pub media_type: Option<String>,
    /// Annotations for this file's layer (the title is added).
    pub annotations: BTreeMap<String, String>,
}

/// What to attach.
#[derive(Debug, Clone, Default)]
pub struct AttachRequest {
    pub artifact_type: String,
    pub files: Vec<AttachFile>,
    /// Manifest annotations; `org.opencontainers.image.created` is set to now unless given.
    pub annotations: BTreeMap<String, String>,
}

/// What an attach did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AttachReport {
    pub descriptor: Descriptor,
    pub subject: Descriptor,
    /// Blobs uploaded (the rest were already there).
    pub uploaded: usize,
    pub skipped: usize,
    pub referrers_source: Option<ReferrersSource>,
    /// True when the `sha256-<hex>` fallback index was written.
    pub fallback_index_updated: bool,
}

/// A media type for a file by its name, as a user would expect (`.json` → `application/json`).
pub fn media_type_for(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let special = [
        (".spdx.json", "application/spdx+json"),
        (".cdx.json", "application/vnd.cyclonedx+json"),
        (".sarif", "application/sarif+json"),
        (".sarif.json", "application/sarif+json"),
        (".intoto.jsonl", "application/vnd.in-toto+json"),
        (".md", "text/markdown"),
        (".tar.gz", "application/vnd.oci.image.layer.v1.tar+gzip"),
        (".tgz", "application/vnd.oci.image.layer.v1.tar+gzip"),
        (".tar", "application/vnd.oci.image.layer.v1.tar"),
    ];
    for (suffix, mt) in special {
        if name.ends_with(suffix) {
            return mt.to_string();
        }
    }
    match mime_guess::from_path(&name).first() {
        Some(m) => m.essence_str().to_string(),
        // oras's default for a file of unknown type.
        None => "application/vnd.oci.image.layer.v1.tar".to_string(),
    }
}

/// sha256 and size of a file, read in chunks (never whole into memory).
pub fn hash_file(path: &Path) -> std::io::Result<(Digest, i64)> {
    let mut f = std::fs::File::open(path)?;
    let probe = Digest::sha256_of(b"");
    let mut h = probe.hasher();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0i64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as i64;
        h.update(&buf[..n]);
    }
    Ok((h.finish(), size))
}

/// Now, as the `org.opencontainers.image.created` annotation wants it (RFC 3339, seconds).
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

fn oci_desc(d: &Descriptor, what: &str) -> Result<oci_spec::image::Descriptor> {
    let digest: oci_spec::image::Digest =
        d.digest
            .to_string()
            .parse()
            .map_err(|e| StoreError::Invalid {
                what: what.into(),
                detail: format!("{e}"),
            })?;
    let mut b = DescriptorBuilder::default()
        .media_type(MediaType::from(d.media_type.as_str()))
        .digest(digest)
        .size(d.size.max(0) as u64);
    if let Some(a) = &d.annotations {
        b = b.annotations(
            a.iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<HashMap<_, _>>(),
        );
    }
    if let Some(t) = &d.artifact_type {
        b = b.artifact_type(MediaType::from(t.as_str()));
    }
    b.build().map_err(|e| StoreError::Invalid {
        what: what.into(),
        detail: e.to_string(),
    })
}

/// Builds the referrer manifest (bytes) for `req` attached to `subject`, given the file layers.
pub fn build_manifest(
    req: &AttachRequest,
    subject: &Descriptor,
    layers: &[Descriptor],
) -> Result<Bytes> {
    let what = "attach manifest";
    let empty = Descriptor::empty();
    let mut config = oci_desc(&empty, what)?;
    config.set_data(Some("e30=".into()));
    let mut annotations = req.annotations.clone();
    annotations
        .entry(media::ANN_CREATED.into())
        .or_insert_with(now_rfc3339);
    let subject = Descriptor {
        artifact_type: None,
        annotations: None,
        platform: None,
        urls: None,
        ..subject.clone()
    };
    let manifest = ImageManifestBuilder::default()
        .schema_version(2u32)
        .media_type(MediaType::ImageManifest)
        .artifact_type(MediaType::from(req.artifact_type.as_str()))
        .config(config)
        .layers(
            layers
                .iter()
                .map(|l| oci_desc(l, what))
                .collect::<Result<Vec<_>>>()?,
        )
        .subject(oci_desc(&subject, what)?)
        .annotations(annotations.into_iter().collect::<HashMap<_, _>>())
        .build()
        .map_err(|e| StoreError::Invalid {
            what: what.into(),
            detail: e.to_string(),
        })?;
    serde_json::to_value(&manifest)
        .and_then(canonical_json)
        .map(Bytes::from)
        .map_err(|e| StoreError::Invalid {
            what: what.into(),
            detail: e.to_string(),
        })
}

/// The layer descriptors for the files (hashing each), checking titles are plain, unique names.
pub fn layers_for(files: &[AttachFile]) -> Result<Vec<Descriptor>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for f in files {
        let what = format!("file {}", f.path.display());
        let title = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| StoreError::Invalid {
                what: what.clone(),
                detail: "not a file name".into(),
            })?;
        if !seen.insert(title.clone()) {
            return Err(StoreError::Invalid {
                what,
                detail: format!("two files are named {title:?}; titles must be unique"),
            });
        }
        let meta = std::fs::metadata(&f.path).map_err(|e| StoreError::Io {
            what: what.clone(),
            source: e,
        })?;
        if !meta.is_file() {
            return Err(StoreError::Invalid {
                what,
                detail: "not a regular file".into(),
            });
        }
        let (digest, size) = hash_file(&f.path).map_err(|e| StoreError::Io {
            what: what.clone(),
            source: e,
        })?;
        let mut ann = f.annotations.clone();
        ann.insert(media::ANN_TITLE.into(), title);
        out.push(Descriptor {
            media_type: f
                .media_type
                .clone()
                .unwrap_or_else(|| media_type_for(&f.path)),
            digest,
            size,
            artifact_type: None,
            annotations: Some(ann),
            platform: None,
            urls: None,
        });
    }
    Ok(out)
}

/// Attaches `req` to `repo@subject_ref`.
pub async fn attach(
    store: &dyn Store,
    repo: &str,
    subject_ref: &str,
    req: &AttachRequest,
) -> Result<AttachReport> {
    if req.artifact_type.trim().is_empty() {
        return Err(StoreError::Invalid {
            what: "attach".into(),
            detail: "an artifact type is required".into(),
        });
    }
    let subject = store.resolve(repo, subject_ref).await?;
    let files = req.files.clone();
    let layers = tokio::task::spawn_blocking(move || layers_for(&files))
        .await
        .map_err(|e| StoreError::Invalid {
            what: "attach".into(),
            detail: e.to_string(),
        })??;
    let (mut uploaded, mut skipped) = (0, 0);
    let empty = Descriptor::empty();
    let mut tally = |up: bool| if up { uploaded += 1 } else { skipped += 1 };
    tally(
        store
            .push_blob(repo, &empty, BlobSource::Bytes(Bytes::from_static(b"{}")))
            .await?,
    );
    for (layer, file) in layers.iter().zip(&req.files) {
        tally(
            store
                .push_blob(repo, layer, BlobSource::File(file.path.clone()))
                .await?,
        );
    }
    let bytes = build_manifest(req, &subject, &layers)?;
    let digest = Digest::sha256_of(&bytes);
    let put = store
        .put_manifest(
            repo,
            &digest.to_string(),
            media::OCI_MANIFEST,
            bytes.clone(),
        )
        .await?;
    let manifest =
        Manifest::parse(&bytes, Some(media::OCI_MANIFEST)).map_err(|e| StoreError::Invalid {
            what: "attach".into(),
            detail: e.to_string(),
        })?;
    let descriptor = Descriptor {
        media_type: media::OCI_MANIFEST.into(),
        digest: put.digest.clone(),
        size: bytes.len() as i64,
        artifact_type: Some(req.artifact_type.clone()),
        annotations: manifest.annotations.clone(),
        platform: None,
        urls: None,
    };
    // Which referrers mechanism serves this repository: the PUT answer says so when it carries
    // OCI-Subject; otherwise ask (this probes the API once and remembers).
    let source = if put.oci_subject.is_some() {
        Some(ReferrersSource::ReferrersApi)
    } else {
        match store.referrers_source(repo) {
            Some(s) => Some(s),
            None => {
                store.referrers(repo, &subject.digest, None).await?;
                store.referrers_source(repo)
            }
        }
    };
    let mut fallback_index_updated = false;
    if source == Some(ReferrersSource::ReferrersTag) {
        fallback::add_referrer(store, repo, &subject.digest, &descriptor).await?;
        fallback_index_updated = true;
    }
    store.invalidate(repo);
    Ok(AttachReport {
        descriptor,
        subject,
        uploaded,
        skipped,
        referrers_source: source,
        fallback_index_updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_by_extension() {
        assert_eq!(
            media_type_for(Path::new("a/sbom.spdx.json")),
            "application/spdx+json"
        );
        assert_eq!(media_type_for(Path::new("x.json")), "application/json");
        assert_eq!(media_type_for(Path::new("README.md")), "text/markdown");
        assert_eq!(
            media_type_for(Path::new("blob.unknownext")),
            "application/vnd.oci.image.layer.v1.tar"
        );
    }

    #[test]
    fn manifest_is_an_oci_1_1_referrer_with_sorted_annotations() {
        let subject = Descriptor {
            media_type: media::OCI_MANIFEST.into(),
            digest: Digest::sha256_of(b"s"),
            size: 10,
            artifact_type: Some("x".into()),
            annotations: None,
            platform: None,
            urls: None,
        };
        let mut req = AttachRequest {
            artifact_type: "signature/example".into(),
            ..Default::default()
        };
        req.annotations.insert("z".into(), "1".into());
        req.annotations.insert("a".into(), "2".into());
        req.annotations
            .insert(media::ANN_CREATED.into(), "2024-01-01T00:00:00Z".into());
        let b1 = build_manifest(&req, &subject, &[]).unwrap();
        let b2 = build_manifest(&req, &subject, &[]).unwrap();
        assert_eq!(b1, b2, "deterministic bytes");
        let m = Manifest::parse(&b1, None).unwrap();
        assert_eq!(m.artifact_type.as_deref(), Some("signature/example"));
        assert_eq!(m.subject.unwrap().digest, subject.digest);
        assert_eq!(m.config.unwrap().media_type, media::OCI_EMPTY);
        let text = String::from_utf8(b1.to_vec()).unwrap();
        assert!(text.find("\"a\"").unwrap() < text.find("\"z\"").unwrap());
        assert!(
            !text.contains("\"artifactType\":\"x\""),
            "subject descriptor carries no artifactType"
        );
    }
}
