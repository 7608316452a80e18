//! Copying a whole graph from one store to another (`arbor cp`): a manifest, an index's
//! children, every blob, and with `recursive` every referrer below it from every source the
//! tree shows (referrers API, fallback index, cosign tags, buildx attestations).
//!
//! [`plan`] finds everything and checks what the destination has; [`execute`] copies exactly
//! that, in an order that leaves the destination consistent at every step: blobs, then
//! manifests children-first with each referrer after its subject, then the destination's
//! referrers bookkeeping (fallback indexes), then cosign tags, and the tag last.
mod execute;
mod plan;
pub mod platform;
mod publish;
pub mod summary;

pub use execute::execute;
pub use plan::plan;
pub use platform::PlatformFilter;

use crate::graph::EdgeSource;
use crate::oci::{Descriptor, Digest};
use crate::store::{ReferrersSource, Store};
use bytes::Bytes;

/// One end of a copy: a store and the repository in it.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    pub store: &'a dyn Store,
    pub repo: &'a str,
}

/// What to copy and how.
#[derive(Debug, Clone)]
pub struct CopyOptions {
    /// Every referrer below the root, at any depth.
    pub recursive: bool,
    /// Keep only these platforms of a root index (the index is rewritten: its digest changes).
    pub platforms: Vec<PlatformFilter>,
    /// Blobs in flight at once.
    pub concurrency: usize,
    /// Source and destination are the same registry: mount blobs instead of copying them.
    pub mount: bool,
    /// Tags written on the destination once everything else is there.
    pub tags: Vec<String>,
}

impl Default for CopyOptions {
    fn default() -> Self {
        CopyOptions {
            recursive: false,
            platforms: Vec::new(),
            concurrency: DEFAULT_CONCURRENCY,
            mount: false,
            tags: Vec::new(),
        }
    }
}

/// Blob transfers in flight at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Manifest bytes a plan holds at most (the manifests are copied from memory).
pub const MAX_PLAN_BYTES: usize = 256 * 1024 * 1024;

/// One manifest the copy brings over.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlannedManifest {
    /// As it will be on the destination (the root's digest changes when filtered).
    pub descriptor: Descriptor,
    /// How the source's tree reached it (`root`, `index`, `referrers-api`, `cosign-tag`…).
    pub source: EdgeSource,
    /// The manifest it hangs below in the tree.
    pub parent: Option<Digest>,
    /// Its `subject` field.
    pub subject: Option<Digest>,
    /// Already on the destination: not pushed again.
    pub exists: bool,
    /// Pushed after every manifest of a lower level.
    pub level: usize,
    /// Its config and layers.
    pub blobs: Vec<Digest>,
    #[serde(skip)]
    pub bytes: Bytes,
}

/// How a blob gets to the destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlobAction {
    /// Already there.
    Present,
    /// Cross-repository mount on the same registry (copied if the registry declines).
    Mount,
    /// Streamed from the source.
    Copy,
}

/// One blob of the copy.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlannedBlob {
    pub descriptor: Descriptor,
    pub action: BlobAction,
}

/// A tag the copy writes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlannedTag {
    pub tag: String,
    pub digest: Digest,
    /// A cosign `sha256-<hex>.sig|.att|.sbom` tag (else a tag the user named).
    pub cosign: bool,
    /// The name differs from the source's (its subject's digest changed).
    pub renamed_from: Option<String>,
}

/// Everything a copy will do, found before anything is written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CopyPlan {
    pub source: String,
    pub destination: String,
    /// The root as it will be on the destination.
    pub root: Descriptor,
    /// The root's digest on the source, when filtering changed it.
    pub source_root: Option<Digest>,
    pub recursive: bool,
    /// In push order (level by level).
    pub manifests: Vec<PlannedManifest>,
    pub blobs: Vec<PlannedBlob>,
    /// Cosign tags, then the user's tags (the last written).
    pub tags: Vec<PlannedTag>,
    /// How the destination makes referrers discoverable, when known before the first push.
    pub destination_referrers: Option<ReferrersSource>,
    /// Things the user must know (a changed digest, referrers left behind).
    pub notes: Vec<String>,
}

impl CopyPlan {
    /// Bytes of blobs to stream (not there already, not mounted).
    pub fn bytes_to_copy(&self) -> u64 {
        self.blob_bytes(|a| a == BlobAction::Copy)
    }

    /// Bytes of blobs and manifests already on the destination.
    pub fn bytes_present(&self) -> u64 {
        self.blob_bytes(|a| a == BlobAction::Present)
    }

    fn blob_bytes(&self, f: impl Fn(BlobAction) -> bool) -> u64 {
        self.blobs
            .iter()
            .filter(|b| f(b.action))
            .map(|b| b.descriptor.size.max(0) as u64)
            .sum()
    }

    /// Manifests to push.
    pub fn manifests_to_push(&self) -> usize {
        self.manifests.iter().filter(|m| !m.exists).count()
    }

    /// The referrers with a `subject` in the copy, by subject (for the destination's indexes).
    pub fn referrers_by_subject(&self) -> Vec<(Digest, Vec<&PlannedManifest>)> {
        let mut out: Vec<(Digest, Vec<&PlannedManifest>)> = Vec::new();
        for m in &self.manifests {
            let Some(s) = &m.subject else { continue };
            match out.iter_mut().find(|(d, _)| d == s) {
                Some((_, v)) => v.push(m),
                None => out.push((s.clone(), vec![m])),
            }
        }
        out
    }
}

/// How one blob got there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlobDone {
    Copied,
    Mounted,
}

/// What a copy reports as it goes (the CLI draws progress bars from it, the TUI a gauge).
#[derive(Debug, Clone)]
pub enum Progress {
    BlobStarted {
        digest: Digest,
        size: u64,
    },
    BlobBytes {
        digest: Digest,
        bytes: u64,
    },
    /// A failed attempt's bytes are taken back before the one retry.
    BlobRestarted {
        digest: Digest,
    },
    BlobFinished {
        digest: Digest,
        how: BlobDone,
    },
    ManifestPushed {
        digest: Digest,
    },
    Tagged {
        tag: String,
    },
}

/// What a copy did, in the plan's terms.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CopyReport {
    /// The root's digest on the destination.
    pub root: Option<Digest>,
    pub manifests_pushed: usize,
    pub manifests_present: usize,
    pub blobs_copied: usize,
    pub blobs_mounted: usize,
    pub blobs_present: usize,
    pub bytes_copied: u64,
    pub tags: Vec<String>,
    /// `sha256-<hex>` fallback indexes written or merged on the destination.
    pub fallback_indexes: Vec<String>,
    pub destination_referrers: Option<ReferrersSource>,
}
