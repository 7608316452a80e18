//! Everything the screen shows, as plain data. `update` changes it; `draw` only reads it.
pub mod copy;
mod cycle;
pub mod dialog;
pub mod prefs;
pub mod tree;
mod tree_rows;
mod untagged;
pub mod verify;

use crate::inspect::Inspection;
use crate::listing::ListingSource;
use crate::oci::{Descriptor, Digest};
use crate::store::{ReferrersSource, StoreKind};
use crate::tui::action::{Cmd, Detail, DocKind, Secret};
use crate::tui::keymap::{Keymap, Scope};
use crate::tui::layout;
use dialog::Dialog;
use prefs::{Look, Pane, Sorts};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use tree::{Remembered, TreeModel};
pub use untagged::{Fix, UntaggedList, UntaggedRow};

/// Screens, stacked: `back` pops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The registries of config.toml and the references opened recently.
    Contexts,
    Repos,
    Tags,
    Tree,
    Inspect,
    Describe,
    Help,
    /// The repository's untagged manifests and orphans (in place of the tag list).
    Untagged,
}

impl Screen {
    pub fn scope(self) -> Scope {
        match self {
            Screen::Contexts => Scope::Contexts,
            Screen::Repos => Scope::Repos,
            Screen::Tags => Scope::Tags,
            Screen::Untagged => Scope::Untagged,
            Screen::Tree => Scope::Tree,
            Screen::Inspect | Screen::Describe => Scope::Doc,
            Screen::Help => Scope::Help,
        }
    }
}

/// A virtualised list: only indices and a window; rows are never copied per frame.
#[derive(Debug, Clone, Default)]
pub struct ListView {
    pub cursor: usize,
    pub offset: usize,
    pub filter: String,
    /// Indices (into the backing rows) that pass the filter.
    pub visible: Vec<usize>,
}

impl ListView {
    /// Moves the cursor by `delta` rows and keeps it in a window of `height` rows.
    pub fn move_by(&mut self, delta: i64, height: usize) {
        let len = self.visible.len();
        if len == 0 {
            self.cursor = 0;
            self.offset = 0;
            return;
        }
        let c = (self.cursor as i64 + delta).clamp(0, len as i64 - 1) as usize;
        self.cursor = c;
        self.keep_in_view(height);
    }

    pub fn keep_in_view(&mut self, height: usize) {
        let h = height.max(1);
        self.cursor = self.cursor.min(self.visible.len().saturating_sub(1));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + h {
            self.offset = self.cursor + 1 - h;
        }
        self.offset = self.offset.min(self.visible.len().saturating_sub(1));
    }

    /// The backing index under the cursor.
    pub fn selected(&self) -> Option<usize> {
        self.visible.get(self.cursor).copied()
    }

    /// Visible backing indices in the window `height` rows tall.
    pub fn window(&self, height: usize) -> &[usize] {
        let start = self.offset.min(self.visible.len());
        let end = (start + height).min(self.visible.len());
        &self.visible[start..end]
    }
}

/// Repositories pane.
#[derive(Debug, Clone, Default)]
pub struct RepoList {
    pub items: Vec<String>,
    pub next: Option<String>,
    pub loading: bool,
    pub error: Option<String>,
    /// The registry has no catalog.
    pub unsupported: bool,
    pub req: u64,
    pub view: ListView,
}

/// One row of the tag list: a tag, or an untagged manifest.
#[derive(Debug, Clone)]
pub struct TagRow {
    pub tag: Option<String>,
    /// Known up front for untagged manifests (boxed: most rows are tags without one, and an
    /// inline `Option<Descriptor>` would cost its full size for each of 50,000 rows).
    pub descriptor: Option<Box<Descriptor>>,
    pub hidden: bool,
}

impl TagRow {
    /// Cache key and the reference to fetch.
    pub fn key(&self) -> String {
        match (&self.tag, &self.descriptor) {
            (Some(t), _) => t.clone(),
            (None, Some(d)) => d.digest.to_string(),
            (None, None) => String::new(),
        }
    }
}

/// What is known about a row's details.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum DetailState {
    Ready(Detail),
    Failed(String),
}

/// Tags of the open repository.
#[derive(Debug, Clone, Default)]
pub struct TagList {
    pub rows: Vec<TagRow>,
    pub details: HashMap<String, DetailState>,
    /// Keys asked for by the newest details request (shown as "…" until answered).
    pub wanted: HashSet<String>,
    pub show_hidden: bool,
    /// A reload after a write: its answer leaves the flash line (the write's result) alone.
    pub keep_flash: bool,
    pub loading: bool,
    pub error: Option<String>,
    pub req: u64,
    pub view: ListView,
}

/// The inspector / describe view.
#[derive(Debug, Clone)]
pub struct DocView {
    pub req: u64,
    pub repo: String,
    /// Tag or digest of the manifest the view is about.
    pub reference: String,
    pub kind: DocKind,
    pub describe: bool,
    pub title: String,
    pub lines: Vec<String>,
    pub loading: bool,
    pub error: Option<String>,
    pub scroll: usize,
    pub search: String,
    pub matches: Vec<usize>,
    /// The describe view's descriptor fields (`lines` = these + the decoded section).
    pub fields: Vec<String>,
    /// The describe view's decoded section.
    pub decoded: Decoding,
    /// The signature described, and what it is attached to: its verification is shown too.
    pub verify: Option<crate::tui::effect::VerifyItem>,
}

/// Where the describe view's decoding of the manifest is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoding {
    /// Not asked for (the JSON inspector).
    Off,
    Loading,
    Ready(Vec<String>),
    Failed(String),
}

/// Decoded manifests by digest and the subject they were decoded against.
pub type InspectCache = HashMap<(Digest, Option<Digest>), Arc<Inspection>>;

/// Decoded manifests kept at most (the cache is dropped whole past this).
pub const MAX_INSPECTIONS: usize = 256;

/// A text prompt at the bottom.
#[derive(Clone, PartialEq, Eq)]
pub enum Prompt {
    Filter(String),
    Command(String),
    /// `:login USER`: the password for `user` at `host`, drawn masked.
    Password {
        host: String,
        user: String,
        text: Secret,
    },
}

impl fmt::Debug for Prompt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Prompt::Filter(t) => f.debug_tuple("Filter").field(t).finish(),
            Prompt::Command(t) => f.debug_tuple("Command").field(t).finish(),
            Prompt::Password { host, user, text } => f
                .debug_struct("Password")
                .field("host", host)
                .field("user", user)
                .field("text", text)
                .finish(),
        }
    }
}

/// The flash line; `seq` numbers each message so a timer clears only the one it was set for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
    pub seq: u64,
}

/// One row of the contexts screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextRow {
    Registry(crate::config::Context),
    /// A reference opened before (`host/repo:tag`).
    Recent(String),
}

/// The contexts screen: config.toml's registries, then recent references.
#[derive(Debug, Clone, Default)]
pub struct ContextList {
    pub rows: Vec<ContextRow>,
    pub view: ListView,
    /// Why config.toml could not be read, if it could not.
    pub error: Option<String>,
}

/// The header facts about the store.
#[derive(Debug, Clone)]
pub struct StoreFacts {
    pub name: String,
    pub kind: StoreKind,
    pub auth: String,
    pub demo: bool,
    pub referrers: Option<ReferrersSource>,
    /// Where the repository's manifests are listed from; `None` until known (never probed for).
    pub listing: Option<ListingSource>,
    /// Write actions (attach, delete) are offered.
    pub writable: bool,
    /// How the registry is reached (`--plain-http` in commands copied from here).
    pub plain_http: bool,
}

/// The whole app state.
#[derive(Debug, Clone)]
pub struct State {
    pub facts: StoreFacts,
    pub keymap: Arc<Keymap>,
    pub stack: Vec<Screen>,
    pub repo: Option<String>,
    pub repos: RepoList,
    pub tags: TagList,
    pub tree: TreeModel,
    pub untagged: UntaggedList,
    /// References (tags or digests) marked with `space` for a bulk delete.
    pub marks: BTreeSet<String>,
    pub dialog: Option<Dialog>,
    /// First line of a long dialog body shown (preview JSON, delete plan, report).
    pub dialog_scroll: usize,
    /// First help line shown (the key list outgrows short terminals).
    pub help_scroll: usize,
    pub doc: Option<DocView>,
    pub inspections: InspectCache,
    pub prompt: Option<Prompt>,
    pub flash: Flash,
    pub width: u16,
    pub height: u16,
    pub next_req: u64,
    pub quit: bool,
    pub look: Look,
    pub sorts: Sorts,
    pub pane: Pane,
    pub contexts: ContextList,
    /// What was open in each tree shown so far, by repository and root digest.
    pub trees: HashMap<(String, Digest), Remembered>,
    /// The digest the detail pane asked a summary for last (asked again only when it changes).
    pub summary_wanted: Option<Digest>,
    /// Summaries that could not be made, by digest.
    pub summary_failed: HashMap<Digest, String>,
    /// References opened, newest first (saved across runs by `Control::Remember`).
    pub recent: Vec<String>,
    /// The context the store was opened from (`:ctx`), if any.
    pub context: Option<crate::config::Context>,
    /// Verdicts of the signatures shown.
    pub verify: verify::Verifications,
}

impl State {
    pub fn new(facts: StoreFacts, keymap: Arc<Keymap>) -> State {
        State {
            facts,
            keymap,
            stack: Vec::new(),
            repo: None,
            repos: RepoList::default(),
            tags: TagList::default(),
            tree: TreeModel::default(),
            untagged: UntaggedList::default(),
            marks: BTreeSet::new(),
            dialog: None,
            dialog_scroll: 0,
            help_scroll: 0,
            doc: None,
            inspections: InspectCache::new(),
            prompt: None,
            flash: Flash::default(),
            width: 120,
            height: 40,
            next_req: 1,
            quit: false,
            look: Look::default(),
            sorts: Sorts::default(),
            pane: Pane::default(),
            contexts: ContextList::default(),
            trees: HashMap::new(),
            summary_wanted: None,
            summary_failed: HashMap::new(),
            recent: Vec::new(),
            context: None,
            verify: verify::Verifications::default(),
        }
    }

    pub fn screen(&self) -> Screen {
        self.stack.last().copied().unwrap_or(Screen::Tags)
    }

    /// The screen's bands at its current size.
    pub fn areas(&self) -> layout::Areas {
        layout::areas(self.width, self.height)
    }

    /// Rows available to a list body.
    pub fn body_height(&self) -> usize {
        layout::list_rows(self.areas().body).height.max(1) as usize
    }

    pub fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    pub fn say(&mut self, text: impl Into<String>) {
        self.flash = Flash {
            text: text.into(),
            error: false,
            seq: self.flash.seq + 1,
        };
    }

    pub fn fail(&mut self, text: impl Into<String>) {
        self.flash = Flash {
            text: text.into(),
            error: true,
            seq: self.flash.seq + 1,
        };
    }

    /// A notice from work finishing in the background: it does not cover an error.
    pub fn note(&mut self, text: impl Into<String>) {
        if !self.flash.error || self.flash.text.is_empty() {
            self.say(text);
        }
    }

    /// The detail pane's columns now (0 when hidden or the screen has none).
    pub fn pane_columns(&self) -> u16 {
        match self.screen() {
            Screen::Tags | Screen::Tree if self.dialog.is_none() => self.pane.columns(self.width),
            _ => 0,
        }
    }

    /// The manifest under the cursor on a screen with a detail pane, and its cosign subject hint.
    pub fn selected_manifest(&self) -> Option<(Digest, Option<Digest>)> {
        let s = self;
        match s.screen() {
            Screen::Tags => {
                let row = s.tags.view.selected().and_then(|i| s.tags.rows.get(i))?;
                match (s.tags.details.get(&row.key()), &row.descriptor) {
                    (Some(DetailState::Ready(d)), _) => Some((d.descriptor.digest.clone(), None)),
                    (_, Some(d)) => Some((d.digest.clone(), None)),
                    _ => None,
                }
            }
            Screen::Tree => {
                let n = s.tree.node(s.tree.selected()?)?;
                // A manifest reached through a cosign tag names no subject: the tag named its parent.
                let subject = (n.edge == crate::graph::EdgeSource::CosignTag)
                    .then_some(n.parent)
                    .flatten()
                    .and_then(|p| s.tree.node(p))
                    .map(|p| p.desc.digest.clone());
                Some((n.desc.digest.clone(), subject))
            }
            Screen::Contexts
            | Screen::Repos
            | Screen::Untagged
            | Screen::Inspect
            | Screen::Describe
            | Screen::Help => None,
        }
    }

    /// True when `cmd` does something on the screen shown (the footer hints only those).
    fn fix_here(&self, fix: Fix) -> bool {
        self.facts.writable
            && self.screen() == Screen::Untagged
            && self.untagged.selected_fix() == Some(fix)
    }

    pub fn acts(&self, cmd: Cmd) -> bool {
        let screen = self.screen();
        let registry = self.facts.kind == crate::store::StoreKind::Registry;
        match cmd {
            Cmd::Back => self.stack.len() > 1 || (screen == Screen::Tags && registry),
            Cmd::Attach | Cmd::Delete | Cmd::Mark | Cmd::AddTag => self.facts.writable,
            // Only on a row that has that fix: the footer hints it there alone.
            Cmd::RemoveTag => self.fix_here(Fix::RemoveTag),
            Cmd::Repair => self.fix_here(Fix::Repair),
            Cmd::TogglePane | Cmd::PaneWider | Cmd::PaneNarrower => {
                self.width >= prefs::PANE_MIN_TERMINAL
            }
            Cmd::Filter => screen != Screen::Help,
            Cmd::Complete => self.dialog.as_ref().is_some_and(Dialog::completes),
            Cmd::Up
            | Cmd::Down
            | Cmd::Top
            | Cmd::Bottom
            | Cmd::PageUp
            | Cmd::PageDown
            | Cmd::Open
            | Cmd::Right
            | Cmd::Left
            | Cmd::ExpandAll
            | Cmd::Inspect
            | Cmd::Describe
            | Cmd::Command
            | Cmd::Help
            | Cmd::Refresh
            | Cmd::ToggleHidden
            | Cmd::NextMatch
            | Cmd::PrevMatch
            | Cmd::NextDoc
            | Cmd::Quit
            | Cmd::Pull
            | Cmd::Untagged
            | Cmd::DialogNext
            | Cmd::DialogPrev
            | Cmd::Submit
            | Cmd::Cancel
            | Cmd::Sort
            | Cmd::SortReverse
            | Cmd::CopyDigest
            | Cmd::CopyReference
            | Cmd::CopyCommand
            | Cmd::CopyGraph
            | Cmd::Mermaid
            | Cmd::Redraw => true,
        }
    }
}
