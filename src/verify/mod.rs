//! Signature verification: Notation (JWS and COSE, trust policy and trust store, as the
//! Notary Project specifications and `notation verify` have it) and cosign (keys, Sigstore
//! bundles, attestations; keyless against a given trusted root).
//!
//! [`verify_reference`] finds every signature attached to a subject (referrers API or tag
//! fallback, and cosign's `.sig`/`.att` tags) and verifies each; [`verify_signature`]
//! verifies the signatures one manifest carries, for callers that walk the graph themselves.
//! Nothing here prints: results are [`SignatureVerdict`]s.
pub mod config;
pub mod cosign;
pub mod crypto;
pub mod notation;
pub mod sigstore;
pub mod verdict;
pub mod x509;

pub use config::{VerifyConfig, VerifyOptions, VerifySettings};
pub use verdict::{Kind, SignatureVerdict, Status, VerifyReport};

use crate::graph::{cosign_tags, expand_one, EdgeSource};
use crate::oci::Descriptor;
use crate::store::{FetchedManifest, Store, StoreError, StoreKind};
use futures::StreamExt;

/// Signatures looked at per subject at most.
pub const MAX_SIGNATURES: usize = 256;
/// Bytes read from one signature blob at most.
pub const MAX_SIGNATURE_BYTES: usize = 4 * 1024 * 1024;
/// Signature manifests fetched and verified at once.
const CONCURRENCY: usize = 8;

/// What a signature is attached to: the subject's descriptor and the repository scope
/// (`host/repository`, or `local/<name>` for an OCI layout) trust policies match against.
#[derive(Debug, Clone)]
pub struct Subject {
    pub repo: String,
    pub scope: String,
    pub descriptor: Descriptor,
}

impl Subject {
    /// The subject `descriptor` in `repo` of `store`.
    pub fn new(store: &dyn Store, repo: &str, descriptor: Descriptor) -> Self {
        let info = store.info();
        let scope = match info.kind {
            StoreKind::Registry => format!("{}/{repo}", info.name),
            StoreKind::Layout => format!("local/{repo}"),
        };
        Subject {
            repo: repo.to_string(),
            scope,
            descriptor,
        }
    }
}

/// How a signature manifest was found, as `discover --full` names it.
pub fn source_name(s: EdgeSource) -> &'static str {
    match s {
        EdgeSource::ReferrersApi => "referrers-api",
        EdgeSource::ReferrersTag => "referrers-tag",
        EdgeSource::Layout => "layout",
        EdgeSource::CosignTag => "cosign-tag",
        EdgeSource::BuildxAttestation => "buildx-attestation",
        EdgeSource::Index => "index",
        EdgeSource::Root => "root",
    }
}

/// Verifies every signature a manifest carries (a cosign `.sig` manifest may carry several;
/// a manifest that is no signature gives none). `source` says how it was found.
pub async fn verify_signature(
    store: &dyn Store,
    subject: &Subject,
    signature: &Descriptor,
    source: EdgeSource,
    cfg: &VerifyConfig,
) -> Vec<SignatureVerdict> {
    let src = source_name(source);
    let fetched = match store
        .manifest(&subject.repo, &signature.digest.to_string())
        .await
    {
        Ok(f) => f,
        Err(e) => {
            return vec![SignatureVerdict::error(
                signature,
                src,
                format!("signature manifest could not be read: {e}"),
            )]
        }
    };
    verify_manifest(store, subject, &fetched, src, cfg).await
}

/// The signature-carrying layers of a manifest, by what they hold.
enum Carrier {
    Notation(Descriptor),
    SimpleSigning(Descriptor),
    Dsse(Descriptor),
    Bundle(Descriptor),
}

fn carriers(m: &FetchedManifest) -> Vec<Carrier> {
    let mf = &m.manifest;
    let notation = mf.effective_artifact_type().as_deref() == Some(notation::ARTIFACT_TYPE);
    mf.files()
        .iter()
        .take(crate::inspect::MAX_FILES)
        .filter_map(|l| {
            let mt = l.media_type.split(';').next().unwrap_or("").trim();
            Some(match mt {
                "application/jose+json" | "application/cose" if notation => {
                    Carrier::Notation(l.clone())
                }
                crate::inspect::cosign::SIMPLE_SIGNING => Carrier::SimpleSigning(l.clone()),
                "application/vnd.dsse.envelope.v1+json" => Carrier::Dsse(l.clone()),
                t if t.starts_with("application/vnd.dev.sigstore.bundle") => {
                    Carrier::Bundle(l.clone())
                }
                _ => return None,
            })
        })
        .collect()
}

/// [`verify_signature`] on a manifest already fetched.
pub async fn verify_manifest(
    store: &dyn Store,
    subject: &Subject,
    m: &FetchedManifest,
    source: &str,
    cfg: &VerifyConfig,
) -> Vec<SignatureVerdict> {
    let mut out = Vec::new();
    let layers = carriers(m);
    let several = layers.len() > 1;
    for c in layers {
        let (Carrier::Notation(l)
        | Carrier::SimpleSigning(l)
        | Carrier::Dsse(l)
        | Carrier::Bundle(l)) = &c;
        let mut v = match store
            .blob_bytes(&subject.repo, l, MAX_SIGNATURE_BYTES)
            .await
        {
            Err(e) => SignatureVerdict::error(
                &m.descriptor,
                source,
                format!("signature blob could not be read: {e}"),
            ),
            Ok(bytes) => match &c {
                Carrier::Notation(l) => notation::verify(&bytes, &l.media_type, subject, cfg),
                Carrier::SimpleSigning(l) => cosign::verify_simple_signing(&bytes, l, subject, cfg),
                Carrier::Dsse(l) => cosign::verify_dsse_layer(&bytes, l, subject, cfg),
                Carrier::Bundle(_) => cosign::verify_bundle(store, &bytes, subject, cfg).await,
            },
        };
        v.digest = m.descriptor.digest.to_string();
        v.source = source.to_string();
        if several {
            v.file = Some(l.digest.to_string());
        }
        out.push(v);
    }
    out
}

/// Finds and verifies every signature attached to `subject`: referrers (API or tag
/// fallback) and cosign's legacy tags. Manifests that are no signature are left out.
pub async fn verify_reference(
    store: &dyn Store,
    subject: &Subject,
    reference: &str,
    cfg: &VerifyConfig,
) -> Result<VerifyReport, StoreError> {
    // Best effort, as before: a repository whose tags cannot be listed has no cosign tags here.
    let (tags, skipped) = cosign_tags(store, &subject.repo).await;
    if let Some(why) = skipped {
        tracing::debug!(%why, "verifying without cosign tags");
    }
    let found = expand_one(
        store,
        &subject.repo,
        &subject.descriptor,
        None,
        false,
        &tags,
    )
    .await?;
    let mut candidates = found.attached();
    let total = candidates.len();
    candidates.truncate(MAX_SIGNATURES);
    let verdicts: Vec<Vec<SignatureVerdict>> = futures::stream::iter(candidates)
        .map(|(d, s)| async move { verify_signature(store, subject, &d, s, cfg).await })
        .buffered(CONCURRENCY)
        .collect()
        .await;
    let signatures: Vec<SignatureVerdict> = verdicts.into_iter().flatten().collect();
    Ok(VerifyReport {
        reference: reference.to_string(),
        subject: subject.descriptor.digest.to_string(),
        verified: signatures.iter().any(|s| s.verified),
        signatures,
        not_examined: total.saturating_sub(MAX_SIGNATURES),
    })
}
