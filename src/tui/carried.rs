//! What the copy, tag and export operations carry between `update` and the tasks: a planned
//! copy (with the destination store it was planned on), its progress and result, where it
//! went, and the answers of untag and the Mermaid export.
use crate::oci::Digest;
use std::fmt;
use std::sync::Arc;

/// A copy planned and ready to run: exactly this plan is carried out, against the same
/// destination store it was planned on.
#[derive(Clone)]
pub struct CopyJob(pub Arc<CopyPrepared>);

/// What a copy needs once planned.
pub struct CopyPrepared {
    pub plan: crate::copy::CopyPlan,
    pub opts: crate::copy::CopyOptions,
    /// The plan as `arbor cp --dry-run` prints it (notes first).
    pub lines: Vec<String>,
    pub destination: Arc<dyn crate::store::Store>,
    pub destination_repo: String,
    pub place: Place,
}

impl fmt::Debug for CopyJob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopyJob")
            .field("root", &self.0.plan.root.digest)
            .field("destination", &self.0.plan.destination)
            .finish()
    }
}

/// Where a copy went, to open it from the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The store open now: a repository and a tag or digest in it.
    Here { repo: String, reference: String },
    /// Another registry.
    Registry {
        host: String,
        repo: String,
        reference: String,
    },
    /// An OCI layout directory (its one repository).
    Layout {
        dir: std::path::PathBuf,
        repo: String,
        reference: String,
    },
}

/// A running copy, from the library's progress callbacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CopyStatus {
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub blobs_done: usize,
    pub blobs_total: usize,
    pub manifests_pushed: usize,
    pub manifests_total: usize,
    /// Blobs streaming now: digest, bytes so far, size.
    pub in_flight: Vec<(Digest, u64, u64)>,
    /// The last tag written.
    pub tagged: Option<String>,
}

/// A finished copy.
#[derive(Debug, Clone)]
pub struct CopyDone {
    /// The report as `arbor cp` prints it.
    pub lines: Vec<String>,
    pub root: Digest,
    pub place: Place,
}

/// How a "remove this tag only" went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UntagAnswer {
    /// Gone; the manifest (this digest) stays.
    Removed(Digest),
    /// The registry removes tags only with their manifest: `arbor untag`'s explanation.
    Refused(String),
}

/// Where a Mermaid export went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exported {
    File(String),
    /// The text, for the clipboard.
    Clipboard(String),
    /// The file is there already and overwriting was not asked for.
    Exists(String),
}
