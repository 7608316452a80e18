//! Deleting from a repository, terraform-style: a plan computed from the inventory — every
//! manifest with its class and why it goes, every tag that disappears (cosign and fallback tags by
//! name), the fallback indexes removed or rewritten, what is kept and why — then execution that
//! checks the registry afterwards and reports in the plan's own keys, so the two can be diffed.
//!
//! ```text
//! inventory ─▶ plan (select + closure + kept + order) ─▶ execute (steps, rewrites) ─▶ verify
//! ```
mod describe;
mod execute;
mod plan;

pub use describe::{plan_lines, report_lines};
pub use execute::{execute, DeleteOptions};
pub use plan::{plan_delete, plan_selection, registry_host, unlock_command, Selection};

use crate::graph::inventory::{Class, Kind};
use crate::listing::ListingSource;
use crate::oci::{Digest, Platform};
use serde::Serialize;

/// One manifest the plan deletes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedManifest {
    pub digest: Digest,
    pub class: Class,
    pub kind: Kind,
    /// Why it is in the plan, in words.
    pub reason: String,
    /// Tags pointing at it: they disappear with it.
    pub tags: Vec<String>,
    pub media_type: String,
    pub artifact_type: Option<String>,
    pub platform: Option<Platform>,
    pub manifest_size: u64,
    /// Its subject (or the digest its cosign or fallback tag names).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Digest>,
    /// An index's entries (a fallback index: the referrers it lists).
    #[serde(skip)]
    pub children: Vec<Digest>,
    /// Asked for (rather than taken along because something above it goes).
    #[serde(skip)]
    pub named: bool,
    /// Deleted in this step: whatever refers to it (a referrer, an index listing it) goes in an
    /// earlier one — except that a fallback index goes after the entries it lists, so a failure
    /// never leaves referrers no index lists; one step's manifests are deleted concurrently.
    #[serde(skip)]
    pub step: usize,
}

/// A manifest the delete reaches but leaves, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeptManifest {
    pub digest: Digest,
    pub kind: Kind,
    pub reason: String,
}

/// A `sha256-<hex>` fallback index that stays, with entries taken out of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FallbackRewrite {
    pub tag: String,
    pub subject: Digest,
    pub remove: Vec<Digest>,
}

/// Everything a delete changes. The report of a delete is the same shape, holding what was done.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletePlan {
    pub repository: String,
    /// What was asked for, as `repo@sha256:…` or `repo:tag`.
    pub targets: Vec<String>,
    /// The listing behind the plan was complete (otherwise only what tags lead to was seen).
    pub complete: bool,
    pub source: ListingSource,
    /// In delete order.
    pub manifests: Vec<PlannedManifest>,
    /// Every tag that disappears, sorted: plain, cosign and fallback tags, and dangling tags.
    pub tags: Vec<String>,
    /// Tags of the fallback indexes removed or rewritten, sorted.
    pub fallback_indexes: Vec<String>,
    pub fallback_rewrites: Vec<FallbackRewrite>,
    pub kept: Vec<KeptManifest>,
}

impl DeletePlan {
    /// True when the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.manifests.is_empty() && self.tags.is_empty() && self.fallback_indexes.is_empty()
    }

    /// Manifest bytes the plan removes (manifests only; blobs are the registry's garbage collection).
    pub fn manifest_bytes(&self) -> u64 {
        self.manifests.iter().map(|m| m.manifest_size).sum()
    }
}

/// What kind of item a report line is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    Manifest,
    Tag,
    FallbackIndex,
}

/// A planned change that did not happen (or one that happened unplanned), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotDone {
    pub item: String,
    pub what: ItemKind,
    pub reason: String,
}

/// What a delete did, in the plan's keys, plus what was not done and what happened unplanned.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteReport {
    #[serde(flatten)]
    pub done: DeletePlan,
    pub not_done: Vec<NotDone>,
    /// Changes seen afterwards that the plan did not list (a tag another tool's delete took).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unplanned: Vec<NotDone>,
    /// Blobs the store's garbage collection removed afterwards, and their bytes (an OCI layout;
    /// registries collect their own garbage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub garbage_collected: Option<(usize, u64)>,
    /// Why that garbage collection failed (the deletes themselves are reported above).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub garbage_collection_failed: Option<String>,
}

impl DeleteReport {
    /// True when the report's sets equal the plan's.
    pub fn matches_plan(&self) -> bool {
        self.not_done.is_empty() && self.unplanned.is_empty()
    }
}

/// `repo@sha256:…`: how a manifest is named in plans and reports.
pub fn at_digest(repo: &str, d: &Digest) -> String {
    format!("{repo}@{d}")
}

/// Why a manifest of this class is a cleanup candidate, for plan reasons.
pub fn class_reason(class: Class) -> &'static str {
    match class {
        Class::Untagged => "untagged: no tag leads to it",
        Class::Orphan => "orphan: its subject is gone",
        Class::Tagged => "tagged",
        Class::Attached => "attached",
    }
}

#[cfg(test)]
mod tests;
