//! What a command means inside a dialog (every dialog's keys are read through this).
use crate::tui::action::Cmd;

/// What a command means inside a dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Next,
    Prev,
    Complete,
    Submit,
    Cancel,
    PageUp,
    PageDown,
    /// A screen command (a wheel scroll, say): dialogs ignore it.
    Other,
}

impl From<Cmd> for Key {
    fn from(c: Cmd) -> Key {
        match c {
            Cmd::DialogNext => Key::Next,
            Cmd::DialogPrev => Key::Prev,
            Cmd::Complete => Key::Complete,
            Cmd::Submit => Key::Submit,
            Cmd::Cancel => Key::Cancel,
            Cmd::PageUp => Key::PageUp,
            Cmd::PageDown => Key::PageDown,
            Cmd::Up
            | Cmd::Down
            | Cmd::Top
            | Cmd::Bottom
            | Cmd::Open
            | Cmd::Right
            | Cmd::Left
            | Cmd::Back
            | Cmd::ExpandAll
            | Cmd::Inspect
            | Cmd::Describe
            | Cmd::Filter
            | Cmd::Command
            | Cmd::Help
            | Cmd::Refresh
            | Cmd::ToggleHidden
            | Cmd::NextMatch
            | Cmd::PrevMatch
            | Cmd::NextDoc
            | Cmd::Quit
            | Cmd::Pull
            | Cmd::Attach
            | Cmd::Delete
            | Cmd::Mark
            | Cmd::Untagged
            | Cmd::Sort
            | Cmd::SortReverse
            | Cmd::TogglePane
            | Cmd::PaneWider
            | Cmd::PaneNarrower
            | Cmd::CopyDigest
            | Cmd::CopyReference
            | Cmd::CopyCommand
            | Cmd::CopyGraph
            | Cmd::AddTag
            | Cmd::Mermaid
            | Cmd::RemoveTag
            | Cmd::Repair
            | Cmd::Redraw => Key::Other,
        }
    }
}
