//! What verification says about one signature, and about a reference: the verdict, the
//! first reason it failed, and every check with its result (for a detailed view).
use crate::oci::Descriptor;
use serde::Serialize;

/// Who made the signature format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Notation,
    Cosign,
    /// A manifest that could not be read far enough to tell.
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Notation => "notation",
            Kind::Cosign => "cosign",
            Kind::Unknown => "unknown",
        }
    }
}

/// The overall result for one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Every enforced check passed.
    Verified,
    /// An enforced check failed.
    Failed,
    /// Nothing to verify it with: no key, no trust policy, no trusted root.
    Unverifiable,
    /// The trust policy's level is `skip`: accepted unverified, as `notation` does.
    Skipped,
}

/// The result of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Failed, and the policy's level only logs this check.
    Logged,
    /// Not performed (the policy skips it, or an earlier check failed).
    Skipped,
}

/// One check and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub check: String,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The verdict on one signature.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignatureVerdict {
    /// The signature manifest's digest.
    pub digest: String,
    /// The layer, when the manifest carries more than one signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub kind: Kind,
    /// `jws`, `cose`, `simple-signing`, `dsse`, `bundle-dsse`, `bundle-message`.
    pub format: String,
    /// How it was found: `referrers-api`, `referrers-tag`, `cosign-tag`, `layout`.
    pub source: String,
    /// True when verified, or accepted unverified by a `skip` trust policy.
    pub verified: bool,
    pub status: Status,
    pub signer: Option<String>,
    pub signing_time: Option<String>,
    /// Why it is not verified: the first check that failed (or what is missing).
    pub reason: Option<String>,
    /// The in-toto predicate type, for attestations and Sigstore bundles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// The trust policy statement and level applied (Notation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Failures the policy's level logs instead of enforcing.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logged: Vec<String>,
    /// What was not checked and why (revocation, transparency log…).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub checks: Vec<Check>,
}

impl SignatureVerdict {
    /// A verdict under construction: no check made yet.
    pub fn new(kind: Kind, format: &str) -> Self {
        SignatureVerdict {
            digest: String::new(),
            file: None,
            kind,
            format: format.to_string(),
            source: String::new(),
            verified: false,
            status: Status::Verified,
            signer: None,
            signing_time: None,
            reason: None,
            predicate_type: None,
            policy: None,
            logged: Vec::new(),
            notes: Vec::new(),
            checks: Vec::new(),
        }
    }

    /// A signature that could not be examined at all.
    pub fn error(d: &Descriptor, source: &str, reason: String) -> Self {
        let mut v = SignatureVerdict::new(Kind::Unknown, "unknown");
        v.digest = d.digest.to_string();
        v.source = source.to_string();
        v.fail("read", reason);
        v.finish()
    }

    /// Records a passed check.
    pub fn pass(&mut self, check: &str, detail: Option<String>) {
        self.checks.push(Check {
            check: check.into(),
            outcome: Outcome::Pass,
            detail,
        });
    }

    /// Records an enforced failure: the signature is not verified; the first one is the
    /// reason (a failure outranks "not verifiable": the signature is known to be bad).
    pub fn fail(&mut self, check: &str, reason: String) {
        if matches!(self.status, Status::Verified | Status::Unverifiable) {
            self.status = Status::Failed;
            self.reason = Some(reason.clone());
        }
        self.checks.push(Check {
            check: check.into(),
            outcome: Outcome::Fail,
            detail: Some(reason),
        });
    }

    /// Records a failure the policy only logs.
    pub fn log(&mut self, check: &str, reason: String) {
        self.logged.push(format!("{check}: {reason}"));
        self.checks.push(Check {
            check: check.into(),
            outcome: Outcome::Logged,
            detail: Some(reason),
        });
    }

    /// Records a check not performed.
    pub fn skip(&mut self, check: &str, why: &str) {
        self.checks.push(Check {
            check: check.into(),
            outcome: Outcome::Skipped,
            detail: Some(why.into()),
        });
    }

    /// Marks the signature as not verifiable with what was given.
    pub fn unverifiable(&mut self, reason: String) {
        if self.status == Status::Verified {
            self.status = Status::Unverifiable;
            self.reason = Some(reason);
        }
    }

    /// True while no enforced check has failed.
    pub fn ok(&self) -> bool {
        self.status == Status::Verified
    }

    /// Settles `verified` from the status.
    pub fn finish(mut self) -> Self {
        self.verified = matches!(self.status, Status::Verified | Status::Skipped);
        self
    }
}

/// Every signature of a reference and the overall answer.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub reference: String,
    pub subject: String,
    /// True when at least one signature verified (under its policy's level).
    pub verified: bool,
    pub signatures: Vec<SignatureVerdict>,
    /// Attached manifests beyond the bound that were not looked at.
    #[serde(skip_serializing_if = "is_zero")]
    pub not_examined: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
