//! What flows through the app: user commands, messages carrying results, and effects to run.
use crate::oci::{Descriptor, Manifest};
use crate::store::ReferrersSource;
use bytes::Bytes;

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
}

/// Keys typed while a text prompt (filter, command, search) is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKey {
    Char(char),
    Backspace,
    Submit,
    Cancel,
}

/// Everything `update` reacts to.
// Messages are moved once through a channel; boxing the big ones buys nothing measurable.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Action {
    Cmd(Cmd),
    Input(InputKey),
    Resize(u16, u16),
    /// Mouse wheel: positive = down.
    Scroll(i32),
    /// Mouse click on a terminal row.
    Click(u16),
    /// Store status after a request (auth may change after the first challenge).
    Status {
        auth: String,
        referrers: Option<ReferrersSource>,
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
    Quit,
}

/// Why a listing failed; `unsupported` = the registry has no catalog.
#[derive(Debug, Clone)]
pub struct Failure {
    pub message: String,
    pub unsupported: bool,
}

/// One level below a tree node.
#[derive(Debug, Clone)]
pub struct Level {
    pub children: Vec<Descriptor>,
    pub referrers: Vec<Descriptor>,
    pub source: Option<ReferrersSource>,
}

/// What is known about a tag (or untagged manifest) row once fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub descriptor: Descriptor,
    pub artifact_type: Option<String>,
    pub platforms: Vec<String>,
    pub created: Option<String>,
    pub badges: Vec<String>,
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

/// Work for the runtime; results come back as [`Action`]s.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadRepos {
        req: u64,
        cursor: Option<String>,
    },
    LoadTags {
        req: u64,
        repo: String,
    },
    /// The rows currently on screen that lack details; replaces any earlier want.
    WantDetails {
        repo: String,
        items: Vec<(String, String)>,
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
    Invalidate {
        repo: String,
    },
}
