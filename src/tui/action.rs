//! The messages `update` reacts to: user commands and the answers effects send back.
use crate::attach::{AttachReport, AttachRequest};
use crate::credentials::SavedTo;
use crate::graph::delete::{DeletePlan, DeleteReport};
use crate::graph::inventory::Inventory;
use crate::graph::EdgeSource;
use crate::inspect::Inspection;
use crate::listing::ListingSource;
use crate::oci::{Descriptor, Digest, Manifest};
use crate::store::ReferrersSource;
use bytes::Bytes;
use std::fmt;
use std::sync::Arc;

pub use super::carried::{
    CopyDone, CopyJob, CopyPrepared, CopyStatus, Exported, Place, UntagAnswer,
};

/// A named command the keymap binds keys to (the name is what users override in keymap.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmd {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Right,
    Left,
    Back,
    ExpandAll,
    Inspect,
    Describe,
    Filter,
    Command,
    Help,
    Refresh,
    ToggleHidden,
    NextMatch,
    PrevMatch,
    NextDoc,
    Quit,
    Pull,
    Attach,
    Delete,
    Mark,
    Untagged,
    DialogNext,
    DialogPrev,
    Complete,
    Submit,
    Cancel,
    Sort,
    SortReverse,
    TogglePane,
    PaneWider,
    PaneNarrower,
    CopyDigest,
    CopyReference,
    CopyCommand,
    Redraw,
    /// The untagged view's fixes (planned and shown like a delete).
    RemoveTag,
    Repair,
    /// `x`: the copy form (destination, recursive, platforms; a plan first).
    CopyGraph,
    /// `t`: new tags for the manifest under the cursor.
    AddTag,
    /// `m`: the tree as Mermaid, to a file or the clipboard.
    Mermaid,
}

/// Keys typed while a text prompt (filter, command, search) is open.
#[derive(Clone, PartialEq, Eq)]
pub enum InputKey {
    Char(char),
    /// A character typed into the password prompt (redacted in Debug output).
    Hidden(char),
    Backspace,
    Submit,
    Cancel,
}

impl fmt::Debug for InputKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputKey::Char(c) => f.debug_tuple("Char").field(c).finish(),
            InputKey::Hidden(_) => f.write_str("Hidden(*)"),
            InputKey::Backspace => f.write_str("Backspace"),
            InputKey::Submit => f.write_str("Submit"),
            InputKey::Cancel => f.write_str("Cancel"),
        }
    }
}

/// Everything `update` reacts to, in three groups; each group is routed whole to one module.
// Messages are moved once through a channel; boxing the big ones buys nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action {
    /// What the user did (`update::keys`, `update::prompt`, `update::dialog`).
    Ui(Ui),
    /// Answers of store reads, `Effect::Load` (`update::loaded`).
    Load(Loaded),
    /// Answers of graph operations, `Effect::Op` (`update::op_done`).
    Op(OpDone),
}

/// Terminal input, already read through the keymap.
#[derive(Debug, Clone)]
pub enum Ui {
    Cmd(Cmd),
    Input(InputKey),
    Resize(u16, u16),
    /// Mouse wheel: positive = down.
    Scroll(i32),
    /// Mouse click on a terminal row.
    Click(u16),
    /// ctrl-c, SIGTERM, SIGINT, SIGHUP.
    Quit,
    /// The flash line numbered so has been shown long enough.
    FlashExpired(u64),
}

/// Answers of the browsing effects; stale ones (older request ids/generations) are dropped.
// Messages are moved once through a channel; boxing the big ones buys nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Loaded {
    /// Store status after a request (auth may change after the first challenge).
    Status {
        auth: String,
        referrers: Option<ReferrersSource>,
        /// The listing source, once the store knows it without a request.
        listing: Option<ListingSource>,
    },
    ReposPage {
        req: u64,
        result: Result<(Vec<String>, Option<String>), Failure>,
    },
    TagsPage {
        req: u64,
        result: Result<(Vec<String>, bool), String>,
    },
    Detail {
        repo: String,
        key: String,
        result: Result<Detail, String>,
    },
    Resolved {
        gen: u64,
        result: Result<Descriptor, String>,
    },
    Expanded {
        gen: u64,
        node: usize,
        result: Result<Level, String>,
    },
    Fetched {
        req: u64,
        result: Result<Doc, String>,
    },
    /// A decoded manifest for the describe view (cached by digest and subject hint).
    Inspected {
        req: u64,
        subject: Option<Digest>,
        result: Result<Arc<Inspection>, String>,
    },
    /// The repository's inventory, for the untagged view.
    UntaggedListed {
        req: u64,
        result: Result<Arc<Inventory>, String>,
    },
    /// A word from the store while work goes on (a retry's wait, a best-effort lookup left
    /// out) or a task that failed outright: for the flash line.
    Notice { text: String, error: bool },
    /// A decoded manifest for the detail pane (cached like the describe view's).
    Summary {
        digest: Digest,
        subject: Option<Digest>,
        result: Result<Arc<Inspection>, String>,
    },
    /// A context switch (or a reconnect after `:login`): the new store's facts, or why not.
    Connected { result: Result<Connected, String> },
    /// A signature manifest verified (one verdict per signature it carries; none when it
    /// carries nothing arbor can verify).
    Verified {
        repo: String,
        digest: Digest,
        verdicts: Arc<Vec<crate::verify::SignatureVerdict>>,
    },
}

/// What is known about a store just opened.
#[derive(Debug, Clone)]
pub struct Connected {
    /// The registry host (a layout: its directory).
    pub name: String,
    /// A registry, or an OCI layout opened from a copy's result.
    pub kind: crate::store::StoreKind,
    pub auth: String,
    /// The listing source, where known without a request (a forced flavor, an ACR host).
    pub listing: Option<ListingSource>,
    pub writable: bool,
    pub plain_http: bool,
    /// The context opened (what `:login` reconnects with).
    pub context: crate::config::Context,
    /// Where to go once connected.
    pub then: Then,
}

/// Where a new connection leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// The repositories pane.
    Repos,
    /// A repository's tags.
    Repo(String),
    /// A reference in a repository.
    Ref(String, String),
    /// The screen that was open (after `:login`): reload it.
    Reload,
}

/// Answers of the graph operations, `:login` and path completion in dialogs.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum OpDone {
    /// Tab in a dialog's path field: `completed` is the field's new text when the completion
    /// grew it, `candidates` the names that match when more than one does. Applied only while
    /// the field still reads `text`.
    PathCompleted {
        req: u64,
        text: String,
        completed: Option<String>,
        candidates: Vec<String>,
    },
    /// The request (its created time now fixed) and the manifest bytes an attach would push.
    AttachPreviewed {
        req: u64,
        result: Result<(AttachRequest, Bytes), String>,
    },
    Attached {
        req: u64,
        result: Result<AttachReport, String>,
    },
    PullProgress {
        id: u64,
        progress: PullStatus,
    },
    /// A one-line summary of what was written, or why nothing was.
    Pulled {
        id: u64,
        result: Result<String, String>,
    },
    Planned {
        id: u64,
        result: Result<Plans, String>,
    },
    DeleteProgress {
        id: u64,
        deleted: usize,
    },
    /// Reports of the plans carried out (in order), and the error that stopped them.
    Deleted {
        id: u64,
        reports: Vec<DeleteReport>,
        error: Option<String>,
    },
    /// `:login` finished: where the credentials were saved, or why not (never the password).
    LoggedIn {
        host: String,
        user: String,
        result: Result<SavedTo, String>,
    },
    /// The copy's plan (nothing copied yet), or why there is none.
    CopyPlanned {
        id: u64,
        result: Result<CopyJob, String>,
    },
    CopyProgress {
        id: u64,
        status: Box<CopyStatus>,
    },
    /// The copy's report, or why it stopped (a cancel says what the destination holds).
    Copied {
        id: u64,
        result: Result<CopyDone, String>,
    },
    /// The manifest's digest and the tags now pointing at it, or why not.
    Tagged {
        id: u64,
        result: Result<(Digest, Vec<String>), String>,
    },
    /// The tag removed, the registry's refusal explained, or a failure.
    Untagged {
        id: u64,
        result: Result<UntagAnswer, String>,
    },
    /// Where the Mermaid text went.
    Exported {
        id: u64,
        result: Result<Exported, String>,
    },
}

impl From<Ui> for Action {
    fn from(u: Ui) -> Action {
        Action::Ui(u)
    }
}

impl From<Loaded> for Action {
    fn from(l: Loaded) -> Action {
        Action::Load(l)
    }
}

impl From<OpDone> for Action {
    fn from(o: OpDone) -> Action {
        Action::Op(o)
    }
}

impl From<Cmd> for Action {
    fn from(c: Cmd) -> Action {
        Action::Ui(Ui::Cmd(c))
    }
}

impl From<InputKey> for Action {
    fn from(k: InputKey) -> Action {
        Action::Ui(Ui::Input(k))
    }
}

/// Where a running pull is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullStatus {
    pub files: usize,
    pub verified: usize,
    pub done: u64,
    pub total: u64,
}

/// The delete plan (of every marked reference at once), shared between the dialog and the
/// effect that carries it out.
#[derive(Debug, Clone)]
pub struct Plans(pub Arc<DeletePlan>);

/// Why a listing failed; `unsupported` = the registry has no catalog.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    pub unsupported: bool,
}

/// One level below a tree node.
#[derive(Debug, Clone)]
pub struct Level {
    /// Index entries: platform manifests and buildx attestation manifests.
    pub children: Vec<Descriptor>,
    pub referrers: Vec<Descriptor>,
    pub source: Option<ReferrersSource>,
    /// Manifests the repository's cosign legacy tags name this node with.
    pub cosign: Vec<Descriptor>,
    /// Children known to have no referrers (tag fallback: no `sha256-<hex>` tag names them).
    pub leaves: std::collections::HashSet<Digest>,
    /// The node and those below it that the registry refuses to delete (ACR `deleteEnabled:false`),
    /// from the session's listing where there is one (no request on a plain registry).
    pub locked: std::collections::HashSet<Digest>,
}

/// Signatures of one tag row verified at most (the ATTACHED column's ✓/✗).
pub const MAX_ROW_SIGNATURES: usize = 8;

/// What is known about a tag (or untagged manifest) row once fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub descriptor: Descriptor,
    pub artifact_type: Option<String>,
    pub platforms: Vec<String>,
    pub created: Option<String>,
    pub badges: Vec<String>,
    /// The signatures among its referrers and cosign tags (at most [`MAX_ROW_SIGNATURES`]), each
    /// with how it was found; verified when the row is on screen.
    pub signatures: Vec<(Descriptor, EdgeSource)>,
    /// Config + layers; for an index the sum over what it lists (`graph::size`).
    pub image_size: Option<u64>,
    /// The registry's listing says it cannot be deleted (ACR `deleteEnabled: false`).
    pub locked: bool,
}

/// A fetched document for the inspector.
#[derive(Debug, Clone)]
pub struct Doc {
    pub descriptor: Descriptor,
    pub bytes: Bytes,
    pub manifest: Option<Manifest>,
}

/// Which document of a node the inspector shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Manifest,
    Config,
}

/// Text that must not show up in logs or Debug output (a typed password).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The secret itself: only for handing to the credentials library.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn push(&mut self, c: char) {
        self.0.push(c);
    }
    pub fn pop(&mut self) {
        self.0.pop();
    }
    /// Characters typed (what the masked prompt draws).
    pub fn len(&self) -> usize {
        self.0.chars().count()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}
