//! Work `update` asks for, in three groups: store reads for the screens, graph operations, and
//! control the runner applies on the spot. Answers come back as [`Action`](super::action::Action)s.
use super::action::{CopyJob, DocKind, Plans, Secret};
use crate::attach::AttachRequest;
use crate::oci::{Descriptor, Digest};
use std::path::PathBuf;

/// Everything the runner does for `update`.
#[derive(Debug, Clone)]
pub enum Effect {
    /// A store read for a screen, run as a task; answered by `Action::Load`.
    Load(LoadJob),
    /// A graph operation, `:login` or a path completion, run as a task; answered by `Action::Op`.
    Op(OpJob),
    /// Applied by the runner before it returns, so it is in force for every effect after it.
    Control(Control),
    /// Written to the terminal by the event loop (the runner has no terminal).
    Term(TermJob),
}

/// What only the terminal can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TermJob {
    /// Puts `text` on the clipboard with OSC 52.
    Copy(String),
    /// ctrl-l: clears the terminal and draws every cell again.
    Redraw,
}

/// Store reads that fill the screens.
#[derive(Debug, Clone)]
pub enum LoadJob {
    Repos {
        req: u64,
        cursor: Option<String>,
    },
    Tags {
        req: u64,
        repo: String,
    },
    Resolve {
        gen: u64,
        repo: String,
        reference: String,
    },
    Expand {
        gen: u64,
        node: usize,
        repo: String,
        desc: Descriptor,
    },
    Fetch {
        req: u64,
        repo: String,
        reference: String,
        kind: DocKind,
    },
    /// Decodes a manifest's files for the describe view (`subject`: known from a cosign tag).
    Inspect {
        req: u64,
        repo: String,
        reference: String,
        subject: Option<Digest>,
    },
    /// The repository's untagged manifests and orphans.
    Untagged {
        req: u64,
        repo: String,
    },
}

/// Graph operations, `:login`, and reading the filesystem for a dialog.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum OpJob {
    /// Completes the path that starts at byte `from` of a dialog field reading `text`
    /// (`~/` is the home directory).
    CompletePath {
        req: u64,
        text: String,
        from: usize,
    },
    /// Hashes the files and builds the manifest an attach would push (nothing is sent).
    PreviewAttach {
        req: u64,
        repo: String,
        subject: String,
        request: AttachRequest,
    },
    Attach {
        req: u64,
        repo: String,
        subject: String,
        request: AttachRequest,
    },
    Pull {
        id: u64,
        repo: String,
        reference: String,
        dir: PathBuf,
    },
    /// One cascade plan per reference.
    PlanDelete {
        id: u64,
        repo: String,
        refs: Vec<String>,
    },
    Delete {
        id: u64,
        plans: Plans,
    },
    /// Verifies and saves credentials through [`crate::connection::login`] (the password's
    /// Debug output is redacted).
    Login {
        host: String,
        user: String,
        password: Secret,
    },
    /// Opens the destination and plans the copy of `repo@reference` to it (nothing is written
    /// but a missing layout directory).
    PlanCopy {
        id: u64,
        repo: String,
        reference: String,
        destination: String,
        /// `destination` is a layout directory (`DIR[:TAG]`).
        layout: bool,
        recursive: bool,
        platforms: Vec<crate::copy::PlatformFilter>,
    },
    /// Carries out a planned copy (cancelled by [`Control::CancelPull`] with its id).
    Copy {
        id: u64,
        repo: String,
        job: CopyJob,
    },
    AddTags {
        id: u64,
        repo: String,
        reference: String,
        tags: Vec<String>,
    },
    /// Removes one tag, leaving its manifest, where the store can.
    Untag {
        id: u64,
        repo: String,
        tag: String,
    },
    /// The graph below `digest` as `arbor discover --format mermaid` draws it, titled `title`.
    ExportMermaid {
        id: u64,
        repo: String,
        digest: String,
        title: String,
        to: ExportTo,
    },
}

/// Where the Mermaid text goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportTo {
    File { path: PathBuf, overwrite: bool },
    Clipboard,
}

/// Effects with no answer, applied synchronously by the runner.
#[derive(Debug, Clone)]
pub enum Control {
    /// The rows currently on screen that lack details; replaces any earlier want.
    WantDetails {
        repo: String,
        items: Vec<(String, String)>,
    },
    /// Stops a running pull or copy.
    CancelPull { id: u64 },
    /// Drops the store's caches for `repo` (a refresh; the loads that follow see fresh data).
    Invalidate { repo: String },
    /// The manifest under the cursor, decoded for the detail pane; replaces any earlier want.
    WantSummary {
        repo: String,
        digest: Digest,
        subject: Option<Digest>,
    },
    /// Opens `host` (a context, or the same registry again after `:login`) in place of the
    /// store; answered by `Loaded::Connected`.
    Connect {
        context: crate::config::Context,
        then: super::action::Then,
    },
    /// Opens an OCI layout directory in place of the store (a copy's destination); answered
    /// by `Loaded::Connected`.
    OpenLayout {
        dir: PathBuf,
        then: super::action::Then,
    },
    /// Remembers a reference opened (recent references, saved across runs).
    Remember { reference: String },
    /// Signatures on screen whose verification is not known, most wanted first; replaces any
    /// earlier want (a running verification of one still wanted goes on). Answered by
    /// `Loaded::Verified`, one per signature.
    WantVerify {
        repo: String,
        items: Vec<VerifyItem>,
    },
}

/// A signature manifest to verify against the subject it is attached to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyItem {
    pub signature: Descriptor,
    pub subject: Descriptor,
    /// How it was found (the verdict says so).
    pub source: crate::graph::EdgeSource,
}

impl From<LoadJob> for Effect {
    fn from(j: LoadJob) -> Effect {
        Effect::Load(j)
    }
}

impl From<OpJob> for Effect {
    fn from(j: OpJob) -> Effect {
        Effect::Op(j)
    }
}

impl From<TermJob> for Effect {
    fn from(t: TermJob) -> Effect {
        Effect::Term(t)
    }
}

impl From<Control> for Effect {
    fn from(c: Control) -> Effect {
        Effect::Control(c)
    }
}

impl LoadJob {
    /// The repository whose referrers source the header shows after this job.
    pub fn repo(&self) -> Option<&str> {
        match self {
            LoadJob::Repos { .. } => None,
            LoadJob::Tags { repo, .. }
            | LoadJob::Resolve { repo, .. }
            | LoadJob::Expand { repo, .. }
            | LoadJob::Fetch { repo, .. }
            | LoadJob::Inspect { repo, .. }
            | LoadJob::Untagged { repo, .. } => Some(repo),
        }
    }
}

impl OpJob {
    /// The repository whose referrers source the header shows after this job.
    pub fn repo(&self) -> Option<&str> {
        match self {
            OpJob::Attach { repo, .. }
            | OpJob::PlanDelete { repo, .. }
            | OpJob::AddTags { repo, .. }
            | OpJob::Untag { repo, .. } => Some(repo),
            OpJob::PlanCopy { .. } | OpJob::Copy { .. } | OpJob::ExportMermaid { .. } => None,
            OpJob::CompletePath { .. }
            | OpJob::PreviewAttach { .. }
            | OpJob::Pull { .. }
            | OpJob::Delete { .. }
            | OpJob::Login { .. } => None,
        }
    }

    /// The id a running pull or copy is cancelled by.
    pub fn pull_id(&self) -> Option<u64> {
        match self {
            OpJob::Pull { id, .. } | OpJob::Copy { id, .. } => Some(*id),
            OpJob::PlanCopy { .. }
            | OpJob::AddTags { .. }
            | OpJob::Untag { .. }
            | OpJob::ExportMermaid { .. } => None,
            OpJob::CompletePath { .. }
            | OpJob::PreviewAttach { .. }
            | OpJob::Attach { .. }
            | OpJob::PlanDelete { .. }
            | OpJob::Delete { .. }
            | OpJob::Login { .. } => None,
        }
    }
}
