//! Decoders for what artifacts carry: signatures (cosign, Sigstore bundles, Notation), SBOMs
//! (SPDX, CycloneDX), in-toto attestations (SLSA provenance) and scan results (SARIF, Trivy).
//!
//! Every decoder reads bounded, digest-verified bytes and never panics on hostile input; what
//! it cannot read becomes a message in the report. Signatures are decoded, not verified: the
//! report says so.
pub(crate) mod cert;
pub(crate) mod cosign;
mod generic;
pub mod image;
pub(crate) mod intoto;
pub(crate) mod notation;
pub(crate) mod notation_envelope;
mod render;
mod sbom;
mod scan;

pub use render::{render_lines, summary_lines, UNVERIFIED};

use crate::oci::{Descriptor, Digest};
use crate::store::{Store, StoreError};
use serde::Serialize;

/// Bytes read from one blob at most.
pub const MAX_BLOB_BYTES: usize = 16 * 1024 * 1024;
/// Files (layers or blobs) of one manifest decoded at most.
pub const MAX_FILES: usize = 16;
/// Entries listed at most in any list of a report (packages, findings, certificates…).
pub const MAX_LISTED: usize = 50;

/// Why an inspection could not be made at all (a file that cannot be decoded is reported
/// inside the [`Inspection`] instead).
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = InspectError> = std::result::Result<T, E>;

/// What kind of thing a manifest carries, decided from its decoded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Sbom,
    Attestation,
    CosignSignature,
    SigstoreBundle,
    NotationSignature,
    ScanResult,
    Index,
    /// A container image (its layers are listed, not decoded).
    Image,
    Other,
}

impl Kind {
    /// The kind in words, as the describe view and `arbor inspect` say it.
    pub fn word(self) -> &'static str {
        match self {
            Kind::Sbom => "SBOM",
            Kind::Attestation => "attestation",
            Kind::CosignSignature => "cosign signature",
            Kind::SigstoreBundle => "Sigstore bundle",
            Kind::NotationSignature => "Notation signature",
            Kind::ScanResult => "scan result",
            Kind::Index => "index",
            Kind::Image => "container image",
            Kind::Other => "artifact",
        }
    }
}

/// A decoded manifest: what it is, what each file says, and whether it is bound to its subject.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    pub reference: String,
    pub digest: String,
    pub media_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact_type: Option<String>,
    /// The subject's digest: the manifest's `subject`, or the digest a cosign tag names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub kind: Kind,
    pub files: Vec<FileReport>,
    /// Index entries, when the manifest is an index.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manifests: Vec<Descriptor>,
    pub binding: Binding,
    /// Always false for now: arbor decodes signatures, it does not check them.
    pub signature_verified: bool,
    /// Files not decoded (over [`MAX_FILES`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub files_skipped: usize,
    /// What an image's config says (images only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<image::ImageSummary>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One layer (or ORAS blob) and what it decoded to.
#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub media_type: String,
    pub digest: String,
    pub size: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub decoded: Decoded,
}

/// The decoded content of one file.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "format", rename_all = "kebab-case")]
pub enum Decoded {
    Sbom(sbom::SbomSummary),
    InToto(intoto::StatementSummary),
    CosignSimpleSigning(cosign::SimpleSigning),
    SigstoreBundle(cosign::BundleSummary),
    Notation(notation::NotationSummary),
    Scan(scan::ScanSummary),
    Raw(generic::RawPreview),
    /// An image layer: listed, not downloaded.
    Layer,
    /// The file could not be read or decoded; the message says why.
    Error {
        message: String,
    },
}

impl Decoded {
    /// Digests this payload claims to be about (for the binding check).
    fn claims(&self) -> Vec<String> {
        match self {
            Decoded::InToto(s) => s.subject_digests(),
            Decoded::CosignSimpleSigning(s) => s.docker_manifest_digest.iter().cloned().collect(),
            Decoded::SigstoreBundle(b) => b
                .statement
                .as_ref()
                .map(|s| s.subject_digests())
                .unwrap_or_default(),
            Decoded::Notation(n) => n.target_digest.iter().cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn kind(&self) -> Option<Kind> {
        Some(match self {
            Decoded::Sbom(_) => Kind::Sbom,
            Decoded::InToto(s) if s.sbom.is_some() => Kind::Sbom,
            Decoded::InToto(_) => Kind::Attestation,
            Decoded::CosignSimpleSigning(_) => Kind::CosignSignature,
            Decoded::SigstoreBundle(_) => Kind::SigstoreBundle,
            Decoded::Notation(_) => Kind::NotationSignature,
            Decoded::Scan(_) => Kind::ScanResult,
            Decoded::Raw(_) | Decoded::Layer | Decoded::Error { .. } => return None,
        })
    }
}

/// Whether the payload names the subject it is attached to.
#[derive(Debug, Clone, Serialize)]
pub struct Binding {
    pub status: BindingStatus,
    /// Digests the payloads name as their target.
    pub claimed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BindingStatus {
    /// Every payload that names a target names the subject.
    Ok,
    /// A payload names a target other than the subject.
    Mismatch,
    /// Payloads name a target, but the manifest has no subject to compare with.
    NoSubject,
    /// No payload names a target.
    NotApplicable,
}

fn binding(subject: Option<&str>, files: &[FileReport]) -> Binding {
    let mut claimed: Vec<String> = Vec::new();
    let mut any_mismatch = false;
    for f in files {
        let c = f.decoded.claims();
        if let (Some(s), false) = (subject, c.is_empty()) {
            // An in-toto statement may name several subjects: one of them must be ours.
            if !c.iter().any(|d| d == s) {
                any_mismatch = true;
            }
        }
        for d in c {
            if !claimed.contains(&d) && claimed.len() < MAX_LISTED {
                claimed.push(d);
            }
        }
    }
    let status = match (claimed.is_empty(), subject, any_mismatch) {
        (true, _, _) => BindingStatus::NotApplicable,
        (false, None, _) => BindingStatus::NoSubject,
        (false, Some(_), true) => BindingStatus::Mismatch,
        (false, Some(_), false) => BindingStatus::Ok,
    };
    Binding { status, claimed }
}

/// Decodes one file from its media type, the manifest's artifact type, then its content.
pub fn decode(
    media_type: &str,
    artifact_type: Option<&str>,
    annotations: Option<&std::collections::BTreeMap<String, String>>,
    bytes: &[u8],
) -> Decoded {
    let at = artifact_type.unwrap_or("");
    let mt = media_type.split(';').next().unwrap_or("").trim();
    let r = match mt {
        "application/spdx+json" | "text/spdx+json" => sbom::decode_spdx(bytes),
        "application/vnd.cyclonedx+json" => sbom::decode_cyclonedx(bytes),
        "application/vnd.dsse.envelope.v1+json" => intoto::decode_dsse(bytes).map(Decoded::InToto),
        "application/vnd.in-toto+json" => intoto::decode_statement(bytes).map(Decoded::InToto),
        cosign::SIMPLE_SIGNING => {
            cosign::decode_simple_signing(bytes, annotations).map(Decoded::CosignSimpleSigning)
        }
        t if t.starts_with("application/vnd.dev.sigstore.bundle") => {
            cosign::decode_bundle(bytes).map(Decoded::SigstoreBundle)
        }
        "application/jose+json" if at == notation::ARTIFACT_TYPE || looks_like_json(bytes) => {
            notation::decode_jws(bytes).map(Decoded::Notation)
        }
        "application/cose" => notation::decode_cose(bytes).map(Decoded::Notation),
        "application/sarif+json" => scan::decode_sarif(bytes).map(Decoded::Scan),
        _ => return sniff(bytes),
    };
    r.unwrap_or_else(|message| Decoded::Error { message })
}

fn looks_like_json(bytes: &[u8]) -> bool {
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Recognises a format from the content itself (artifacts pushed as `application/json`).
fn sniff(bytes: &[u8]) -> Decoded {
    if looks_like_json(bytes) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            let has = |k: &str| v.get(k).is_some();
            let r = if has("spdxVersion") {
                Some(sbom::decode_spdx(bytes))
            } else if v.get("bomFormat").and_then(|f| f.as_str()) == Some("CycloneDX") {
                Some(sbom::decode_cyclonedx(bytes))
            } else if has("payloadType") && has("payload") {
                Some(intoto::decode_dsse(bytes).map(Decoded::InToto))
            } else if has("_type") && has("predicateType") {
                Some(intoto::decode_statement(bytes).map(Decoded::InToto))
            } else if has("runs") && (has("version") || has("$schema")) {
                Some(scan::decode_sarif(bytes).map(Decoded::Scan))
            } else if has("SchemaVersion") && has("Results") {
                Some(scan::decode_trivy(bytes).map(Decoded::Scan))
            } else if has("critical") {
                Some(cosign::decode_simple_signing(bytes, None).map(Decoded::CosignSimpleSigning))
            } else {
                None
            };
            if let Some(r) = r {
                return r.unwrap_or_else(|message| Decoded::Error { message });
            }
        }
    }
    Decoded::Raw(generic::preview(bytes))
}

/// Fetches `reference` (verified), reads its files (bounded, verified) and decodes them.
pub async fn inspect(store: &dyn Store, repo: &str, reference: &str) -> Result<Inspection> {
    inspect_with_subject(store, repo, reference, None).await
}

/// [`inspect`], with the subject known from elsewhere when the manifest names none (a
/// manifest reached through a cosign tag by digest: the tag named the subject).
pub async fn inspect_with_subject(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    subject_hint: Option<&Digest>,
) -> Result<Inspection> {
    let fetched = store.manifest(repo, reference).await?;
    let m = &fetched.manifest;
    let artifact_type = m.effective_artifact_type();
    let subject = m
        .subject
        .as_ref()
        .map(|s| s.digest.to_string())
        .or_else(|| crate::oci::tags::cosign_tag_subject(reference).map(|d| d.to_string()))
        .or_else(|| subject_hint.map(|d| d.to_string()));
    let all = m.files();
    let mut files = Vec::new();
    let image = image::summary(store, repo, m).await;
    for desc in all.iter().take(MAX_FILES) {
        let decoded = if image::is_image_layer(&desc.media_type) {
            Decoded::Layer
        } else {
            match store.blob_bytes(repo, desc, MAX_BLOB_BYTES).await {
                Ok(bytes) => decode(
                    &desc.media_type,
                    artifact_type.as_deref(),
                    desc.annotations.as_ref(),
                    &bytes,
                ),
                Err(e) => Decoded::Error {
                    message: e.to_string(),
                },
            }
        };
        files.push(FileReport {
            media_type: desc.media_type.clone(),
            digest: desc.digest.to_string(),
            size: desc.size,
            title: desc
                .annotations
                .as_ref()
                .and_then(|a| a.get(crate::oci::media::ANN_TITLE))
                .cloned(),
            decoded,
        });
    }
    let kind = if m.is_index() {
        Kind::Index
    } else {
        files
            .iter()
            .find_map(|f| f.decoded.kind())
            .unwrap_or(if image.is_some() {
                Kind::Image
            } else {
                Kind::Other
            })
    };
    let binding = binding(subject.as_deref(), &files);
    Ok(Inspection {
        reference: reference.to_string(),
        digest: fetched.descriptor.digest.to_string(),
        media_type: fetched.descriptor.media_type.clone(),
        artifact_type,
        subject,
        kind,
        files_skipped: all.len().saturating_sub(MAX_FILES),
        files,
        manifests: if m.is_index() {
            m.manifests.iter().take(MAX_LISTED * 4).cloned().collect()
        } else {
            Vec::new()
        },
        binding,
        signature_verified: false,
        image,
    })
}

/// Counts strings and returns the most frequent, most frequent first (ties by name).
pub(crate) fn top_counts<'a>(
    items: impl Iterator<Item = &'a str>,
    n: usize,
) -> Vec<(String, usize)> {
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(k, c)| (k.to_string(), c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Cuts a string from a payload to a displayable length.
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}
