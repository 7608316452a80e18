//! The default key table: one row per command — its name (what keymap.toml overrides), keys,
//! description, the screens it acts on, and whether the footer hints it.
use super::key::Scope;
use crate::tui::action::Cmd;

use Scope::{Contexts, Dialog, Doc, Global, Repos, Tags, Tree, Untagged};

/// One row of the table.
pub struct Row {
    pub cmd: Cmd,
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub desc: &'static str,
    pub scopes: &'static [Scope],
    pub hint: bool,
}

const fn row(
    cmd: Cmd,
    name: &'static str,
    keys: &'static [&'static str],
    desc: &'static str,
    scopes: &'static [Scope],
    hint: bool,
) -> Row {
    Row {
        cmd,
        name,
        keys,
        desc,
        scopes,
        hint,
    }
}

/// Screens that show one manifest per row.
const MANIFESTS: &[Scope] = &[Tags, Untagged, Tree];
const LISTS: &[Scope] = &[Repos, Tags, Untagged];
const OPENABLE: &[Scope] = &[Contexts, Repos, Tags, Untagged, Tree];
const PANE: &[Scope] = &[Tags, Tree];

#[rustfmt::skip]
pub const DEFAULTS: &[Row] = &[
    row(Cmd::Up, "up", &["k", "up"], "move up", &[Global], false),
    row(Cmd::Down, "down", &["j", "down"], "move down", &[Global], false),
    row(Cmd::Top, "top", &["g", "home"], "go to top", &[Global], false),
    row(Cmd::Bottom, "bottom", &["G", "end"], "go to bottom", &[Global], false),
    row(Cmd::PageUp, "page_up", &["pgup", "ctrl-u"], "page up (scrolls dialogs too)", &[Global, Dialog], false),
    row(Cmd::PageDown, "page_down", &["pgdn", "ctrl-f"], "page down (scrolls dialogs too)", &[Global, Dialog], false),
    row(Cmd::Open, "open", &["enter"], "open / expand", OPENABLE, true),
    // Before the other hints: on a row with a fix, its key is the one the footer must keep.
    row(Cmd::RemoveTag, "remove_tag", &["X"], "remove dangling tag (the row's; after a plan)", &[Untagged], true),
    row(Cmd::Repair, "repair", &["r"], "repair stale index (the row's; after a plan)", &[Untagged], true),
    row(Cmd::Right, "right", &["l", "right"], "drill in / expand", OPENABLE, false),
    row(Cmd::Left, "left", &["h", "left"], "collapse / back", &[Tags, Untagged, Tree], false),
    row(Cmd::Back, "back", &["esc", "-"], "back (up to the repositories from a repository)", &[Global], true),
    row(Cmd::ExpandAll, "expand_all", &["*"], "expand the whole subtree", &[Tree], true),
    row(Cmd::Inspect, "inspect", &["y"], "raw JSON", MANIFESTS, true),
    row(Cmd::Describe, "describe", &["d"], "describe", MANIFESTS, true),
    row(Cmd::Filter, "filter", &["/"], "filter / search", &[Repos, Tags, Tree, Doc], true),
    row(Cmd::Command, "command", &[":"], "command (:repos, :repo NAME, :ref REF, :ctx, :login USER, :q)", &[Global], false),
    row(Cmd::Sort, "sort", &["s"], "sort (name, created, size; untagged: name, size)", &[Tags, Untagged], true),
    row(Cmd::SortReverse, "sort_reverse", &["S"], "reverse the sort", LISTS, false),
    row(Cmd::TogglePane, "detail_pane", &["i"], "detail pane on/off (wide terminals)", PANE, true),
    row(Cmd::PaneWider, "pane_wider", &["<"], "detail pane wider", PANE, false),
    row(Cmd::PaneNarrower, "pane_narrower", &[">"], "detail pane narrower", PANE, false),
    row(Cmd::CopyDigest, "copy_digest", &["c"], "copy the digest (OSC 52)", MANIFESTS, true),
    row(Cmd::CopyReference, "copy_reference", &["C"], "copy the full reference host/repo@digest", MANIFESTS, false),
    row(Cmd::CopyCommand, "copy_command", &["!"], "copy as a command (oras, crane, arbor)", MANIFESTS, false),
    row(Cmd::Help, "help", &["?"], "help", &[Global], true),
    row(Cmd::Refresh, "refresh", &["ctrl-r"], "refresh", &[Global], false),
    row(Cmd::Redraw, "redraw", &["ctrl-l"], "redraw the whole screen", &[Global], false),
    row(Cmd::ToggleHidden, "toggle_hidden", &["."], "show/hide sha256-* and cosign tags", &[Tags], false),
    row(Cmd::NextMatch, "next_match", &["n"], "next match", &[Doc], true),
    row(Cmd::PrevMatch, "prev_match", &["N"], "previous match", &[Doc], false),
    row(Cmd::NextDoc, "next_doc", &["tab"], "manifest ⇄ config", &[Doc], true),
    row(Cmd::Pull, "pull", &["p"], "pull the artifact's files into a directory", MANIFESTS, false),
    row(Cmd::Attach, "attach", &["a"], "attach files as a referrer (form + preview; registries)", MANIFESTS, false),
    row(Cmd::Delete, "delete", &["ctrl-d"], "delete after a plan (a tag: tag only or graph)", MANIFESTS, false),
    row(Cmd::CopyGraph, "copy_graph", &["x"], "copy with referrers to a repo/layout (plan first)", &[Tags, Untagged, Tree], false),
    row(Cmd::AddTag, "add_tag", &["t"], "add tags to this manifest", MANIFESTS, false),
    row(Cmd::Mermaid, "mermaid", &["m"], "the tree as Mermaid, to a file or the clipboard", &[Tree], false),
    row(Cmd::Mark, "mark", &["space"], "mark / unmark for bulk delete (registries)", MANIFESTS, false),
    row(Cmd::Untagged, "untagged", &["u"], "untagged manifests & orphans ⇄ tags", &[Tags, Untagged], false),
    row(Cmd::DialogNext, "dialog_next", &["down", "right"], "next field / button", &[Dialog], false),
    row(Cmd::DialogPrev, "dialog_prev", &["up", "left", "backtab"], "previous field / button", &[Dialog], false),
    row(Cmd::Complete, "complete", &["tab"], "complete / next (paths, types, destinations)", &[Dialog], true),
    row(Cmd::Submit, "submit", &["enter"], "activate (the focused button)", &[Dialog], true),
    row(Cmd::Cancel, "cancel", &["esc", "ctrl-c"], "cancel (stops a running pull)", &[Dialog], true),
    row(Cmd::Quit, "quit", &["q", "ctrl-c"], "quit", &[Global], true),
];
