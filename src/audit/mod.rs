//! Signing and SBOM coverage of every tag of a repository (or of every repository of a
//! registry): is it signed, does a signature verify, does it carry an SBOM, provenance, other
//! attestations, a scan result — one [`TagAudit`] per tag, and the tags that miss what
//! `require` asks for.
//!
//! Each repository's tags are listed once; that one listing also gives cosign's legacy tags and
//! the referrers tag-schema indexes (prefetched together). Tags are audited a few at a time.
//! Nothing here prints: progress goes to a callback.
pub mod classify;

pub use classify::{Category, Found};

use crate::graph::{cosign_tags, expand_one, CosignTags, EdgeSource};
use crate::oci::{media, tags::is_hidden_tag, Descriptor};
use crate::store::{Store, StoreError};
use crate::verify::{self, SignatureVerdict, Status, Subject, VerifyConfig};
use futures::StreamExt;
use serde::Serialize;

/// Attached manifests of one tag read at once.
const PER_TAG_CONCURRENCY: usize = 4;

/// What a tag can be required to have (`--require signed,sbom,…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Requirement {
    /// At least one signature (Notation or cosign), verified or not.
    Signed,
    /// At least one signature that verifies.
    Verified,
    /// An SBOM (SPDX, CycloneDX), attached or attested.
    Sbom,
    /// SLSA provenance.
    Provenance,
    /// Any in-toto attestation.
    Attestation,
    /// A scan result (SARIF, Trivy, cosign vuln).
    Scan,
}

impl Requirement {
    pub const ALL: [Requirement; 6] = [
        Requirement::Signed,
        Requirement::Verified,
        Requirement::Sbom,
        Requirement::Provenance,
        Requirement::Attestation,
        Requirement::Scan,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Requirement::Signed => "signed",
            Requirement::Verified => "verified",
            Requirement::Sbom => "sbom",
            Requirement::Provenance => "provenance",
            Requirement::Attestation => "attestation",
            Requirement::Scan => "scan",
        }
    }
}

impl std::str::FromStr for Requirement {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Requirement::ALL
            .into_iter()
            .find(|r| r.name() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = Requirement::ALL.iter().map(|r| r.name()).collect();
                format!("unknown requirement {s:?} (one of {})", names.join(", "))
            })
    }
}

/// Something attached to a tag that is not a signature of the tag itself.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attachment {
    pub digest: String,
    /// How it was found: `referrers-api`, `referrers-tag`, `cosign-tag`, `buildx-attestation`, `layout`.
    pub source: String,
    pub category: Category,
    pub format: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// For a signed attestation: how its signature fared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Status>,
}

/// The coverage of one tag.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TagAudit {
    pub repository: String,
    pub tag: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub signed: bool,
    /// At least one signature verified (or was accepted by a `skip` trust policy).
    pub verified: bool,
    /// Formats found, without repeats.
    pub sbom: Vec<String>,
    pub provenance: Vec<String>,
    /// Predicate types of every attestation (SBOM and provenance attestations included).
    pub attestations: Vec<String>,
    pub scan: Vec<String>,
    /// What `require` asked for and this tag lacks.
    pub missing: Vec<Requirement>,
    /// The tag's own signatures, each verified.
    pub signatures: Vec<SignatureVerdict>,
    pub attached: Vec<Attachment>,
    /// Attached manifests beyond the bound that were not looked at.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_examined: usize,
    /// Why the tag, or part of what is attached to it, could not be read: its row is incomplete.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl TagAudit {
    fn new(repository: &str, tag: &str) -> Self {
        TagAudit {
            repository: repository.to_string(),
            tag: tag.to_string(),
            digest: None,
            media_type: None,
            signed: false,
            verified: false,
            sbom: Vec::new(),
            provenance: Vec::new(),
            attestations: Vec::new(),
            scan: Vec::new(),
            missing: Vec::new(),
            signatures: Vec::new(),
            attached: Vec::new(),
            not_examined: 0,
            errors: Vec::new(),
        }
    }

    /// True when the tag has what `r` asks for.
    pub fn has(&self, r: Requirement) -> bool {
        match r {
            Requirement::Signed => self.signed,
            Requirement::Verified => self.verified,
            Requirement::Sbom => !self.sbom.is_empty(),
            Requirement::Provenance => !self.provenance.is_empty(),
            Requirement::Attestation => !self.attestations.is_empty(),
            Requirement::Scan => !self.scan.is_empty(),
        }
    }

    /// The overall verification mark: verified, failed (every signature), not verifiable, or unsigned.
    pub fn verification(&self) -> Option<Status> {
        let any = |s: Status| self.signatures.iter().any(|v| v.status == s);
        if self.signatures.is_empty() {
            None
        } else if self.verified {
            Some(if any(Status::Verified) {
                Status::Verified
            } else {
                Status::Skipped
            })
        } else if any(Status::Failed) {
            Some(Status::Failed)
        } else {
            Some(Status::Unverifiable)
        }
    }

    fn add(&mut self, a: Attachment) {
        let list = match a.category {
            Category::Sbom => Some(&mut self.sbom),
            Category::Provenance => Some(&mut self.provenance),
            Category::Scan => Some(&mut self.scan),
            Category::Attestation | Category::Signature | Category::Other => None,
        };
        if let Some(l) = list {
            if !l.contains(&a.format) {
                l.push(a.format.clone());
            }
        }
        let attested = Found {
            category: a.category,
            format: a.format.clone(),
            predicate_type: a.predicate_type.clone(),
        }
        .is_attestation();
        if attested {
            let p = a.predicate_type.clone().unwrap_or_else(|| a.format.clone());
            if !self.attestations.contains(&p) {
                self.attestations.push(p);
            }
        }
        self.attached.push(a);
    }

    fn settle(&mut self, require: &[Requirement]) {
        self.signed = !self.signatures.is_empty();
        self.verified = self.signatures.iter().any(|s| s.verified);
        self.missing = require.iter().copied().filter(|r| !self.has(*r)).collect();
    }
}

/// A repository that could not be audited at all.
#[derive(Debug, Clone, Serialize)]
pub struct RepositoryError {
    pub repository: String,
    pub error: String,
}

/// Tag counts over the whole audit.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub repositories: usize,
    pub tags: usize,
    pub signed: usize,
    pub verified: usize,
    pub sbom: usize,
    pub provenance: usize,
    pub attestation: usize,
    pub scan: usize,
    /// Tags that lack something `require` asks for.
    pub failing: usize,
    /// Tags whose row is incomplete, and repositories that could not be read.
    pub incomplete: usize,
}

/// Every tag audited.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditReport {
    pub require: Vec<Requirement>,
    pub tags: Vec<TagAudit>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RepositoryError>,
    pub counts: Counts,
}

impl AuditReport {
    fn count(&mut self, repositories: usize) {
        let n = |r: Requirement| self.tags.iter().filter(|t| t.has(r)).count();
        self.counts = Counts {
            repositories,
            tags: self.tags.len(),
            signed: n(Requirement::Signed),
            verified: n(Requirement::Verified),
            sbom: n(Requirement::Sbom),
            provenance: n(Requirement::Provenance),
            attestation: n(Requirement::Attestation),
            scan: n(Requirement::Scan),
            failing: self.tags.iter().filter(|t| !t.missing.is_empty()).count(),
            incomplete: self.tags.iter().filter(|t| !t.errors.is_empty()).count()
                + self.errors.len(),
        };
    }

    /// True when every tag was read in full and has what was required.
    pub fn passed(&self) -> bool {
        self.counts.failing == 0 && self.counts.incomplete == 0
    }
}

/// How the audit goes, for a progress display.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// Starting on repository `index` (from 0) of `total`, which has `tags` tags to audit.
    Repository {
        name: &'a str,
        index: usize,
        total: usize,
        tags: usize,
    },
    /// One more tag done.
    Tag,
}

/// What the audit runs with.
pub struct AuditOptions<'a> {
    pub require: Vec<Requirement>,
    /// Tags audited at once.
    pub concurrency: usize,
    pub verify: &'a VerifyConfig,
    pub progress: &'a (dyn Fn(Progress) + Send + Sync),
}

/// Audits every tag of every repository in `repositories` (one tag when `only` names it).
pub async fn audit(
    store: &dyn Store,
    repositories: &[String],
    only: Option<&str>,
    opts: &AuditOptions<'_>,
) -> AuditReport {
    let mut report = AuditReport {
        require: opts.require.clone(),
        tags: Vec::new(),
        errors: Vec::new(),
        counts: Counts::default(),
    };
    for (index, repo) in repositories.iter().enumerate() {
        let tags = match only {
            Some(t) => Ok(vec![t.to_string()]),
            None => listed_tags(store, repo).await,
        };
        let tags = match tags {
            Ok(t) => t,
            Err(e) => {
                report.errors.push(RepositoryError {
                    repository: repo.clone(),
                    error: e.to_string(),
                });
                continue;
            }
        };
        (opts.progress)(Progress::Repository {
            name: repo,
            index,
            total: repositories.len(),
            tags: tags.len(),
        });
        report
            .tags
            .extend(audit_repository(store, repo, &tags, opts).await);
    }
    report.count(repositories.len());
    report
}

/// The tags an operator sees, by name: cosign's and the tag schema's own tags left out.
async fn listed_tags(store: &dyn Store, repo: &str) -> Result<Vec<String>, StoreError> {
    let all = store.tag_list(repo).await?;
    let mut tags: Vec<String> = all.iter().filter(|t| !is_hidden_tag(t)).cloned().collect();
    // Registries list in their own order; rows in name order read (and diff) the same each run.
    tags.sort();
    Ok(tags)
}

/// Audits `tags` of `repo`. The first tag goes alone: it shows how the repository serves
/// referrers, so the tag schema's indexes can be fetched together before the others.
async fn audit_repository(
    store: &dyn Store,
    repo: &str,
    tags: &[String],
    opts: &AuditOptions<'_>,
) -> Vec<TagAudit> {
    // The same (cached) tag listing: no second request.
    let (cosign, note) = cosign_tags(store, repo).await;
    let note = note.as_deref();
    let Some((first, rest)) = tags.split_first() else {
        return Vec::new();
    };
    let mut out = vec![audit_tag(store, repo, first, (&cosign, note), opts).await];
    (opts.progress)(Progress::Tag);
    store.prepare_referrers(repo).await;
    let cosign = &cosign;
    let mut rest = futures::stream::iter(rest)
        .map(|t| async move { audit_tag(store, repo, t, (cosign, note), opts).await })
        .buffered(opts.concurrency.max(1));
    while let Some(t) = rest.next().await {
        (opts.progress)(Progress::Tag);
        out.push(t);
    }
    out
}

/// One tag: resolve it, find what is attached (referrers, cosign tags, buildx attestations of
/// an index), verify the signatures and classify the rest.
async fn audit_tag(
    store: &dyn Store,
    repo: &str,
    tag: &str,
    (cosign, cosign_note): (&CosignTags, Option<&str>),
    opts: &AuditOptions<'_>,
) -> TagAudit {
    let mut a = TagAudit::new(repo, tag);
    // Without the cosign tags, "unsigned" would be a claim arbor cannot make: the row is incomplete.
    if let Some(why) = cosign_note {
        a.errors.push(why.to_string());
    }
    let desc = match store.resolve(repo, tag).await {
        Ok(d) => d,
        Err(e) => {
            a.errors.push(e.to_string());
            a.settle(&opts.require);
            return a;
        }
    };
    a.digest = Some(desc.digest.to_string());
    a.media_type = Some(desc.media_type.clone());
    let index = media::is_index(&desc.media_type);
    let found = match expand_one(store, repo, &desc, None, index, cosign).await {
        Ok(f) => f,
        Err(e) => {
            a.errors.push(e.to_string());
            a.settle(&opts.require);
            return a;
        }
    };
    let mut candidates = found.attached();
    a.not_examined = candidates.len().saturating_sub(verify::MAX_SIGNATURES);
    candidates.truncate(verify::MAX_SIGNATURES);
    let subject = Subject::new(store, repo, desc);
    let subject = &subject;
    let results: Vec<Result<Examined, String>> = futures::stream::iter(candidates)
        .map(|(d, s)| async move { examine(store, subject, &d, s, opts.verify).await })
        .buffered(PER_TAG_CONCURRENCY)
        .collect()
        .await;
    for r in results {
        match r {
            Ok(e) => {
                a.signatures.extend(e.signatures);
                for x in e.attached {
                    a.add(x);
                }
            }
            Err(e) => a.errors.push(e),
        }
    }
    a.settle(&opts.require);
    a
}

/// What one attached manifest turned out to be.
struct Examined {
    signatures: Vec<SignatureVerdict>,
    attached: Vec<Attachment>,
}

async fn examine(
    store: &dyn Store,
    subject: &Subject,
    d: &Descriptor,
    source: EdgeSource,
    cfg: &VerifyConfig,
) -> Result<Examined, String> {
    let src = verify::source_name(source);
    let m = store
        .manifest(&subject.repo, &d.digest.to_string())
        .await
        .map_err(|e| format!("attached manifest {} could not be read: {e}", d.digest))?;
    let by_manifest = classify::of_manifest(&m.manifest);
    let attachment = |f: &Found, signature: Option<Status>| Attachment {
        digest: d.digest.to_string(),
        source: src.to_string(),
        category: f.category,
        format: f.format.clone(),
        predicate_type: f.predicate_type.clone(),
        signature,
    };
    let mut out = Examined {
        signatures: Vec::new(),
        attached: Vec::new(),
    };
    // A buildx attestation describes a platform manifest and carries no signature.
    let verdicts = if source == EdgeSource::BuildxAttestation {
        Vec::new()
    } else {
        verify::verify_manifest(store, subject, &m, src, cfg).await
    };
    if verdicts.is_empty() {
        out.attached = by_manifest.iter().map(|f| attachment(f, None)).collect();
        return Ok(out);
    }
    for v in verdicts {
        // The blob's predicate type, once read, outranks what the manifest said.
        let f = match &v.predicate_type {
            Some(p) => classify::of_predicate(p),
            None => by_manifest
                .first()
                .cloned()
                .unwrap_or_else(|| classify::of_predicate(classify::COSIGN_SIGN_PREDICATE)),
        };
        if f.category == Category::Signature {
            out.signatures.push(v);
        } else {
            out.attached.push(attachment(&f, Some(v.status)));
        }
    }
    Ok(out)
}
