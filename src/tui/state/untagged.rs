//! The untagged view's rows: what no tag leads to (untagged manifests, orphans) and what has a
//! fix (dangling tags, stale fallback indexes), each in the inventory's words.
use super::ListView;
use crate::graph::inventory::{DanglingTag, Inventory, InventoryManifest, StaleFallbackIndex};
use crate::oci::Digest;
use std::sync::Arc;

/// What a fix row's fix does; both go through the delete plan dialog (`plan_delete` of the tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// Removes a dangling tag by name.
    RemoveTag,
    /// Rewrites a stale fallback index without its missing entries (removes it when its subject
    /// or every entry is gone).
    Repair,
}

impl Fix {
    /// The fix in words (the plan dialog's title and button say it).
    pub fn words(self) -> &'static str {
        match self {
            Fix::RemoveTag => "remove dangling tag",
            Fix::Repair => "repair stale index",
        }
    }
}

/// One row of the untagged view.
#[derive(Debug, Clone, PartialEq)]
pub enum UntaggedRow {
    /// An untagged or orphaned manifest (boxed: the other rows are small).
    Manifest(Box<InventoryManifest>),
    /// A tag whose manifest is gone.
    Dangling(DanglingTag),
    /// A `sha256-<hex>` index whose subject or some entries are gone.
    Stale(StaleFallbackIndex),
}

impl UntaggedRow {
    /// The rows of an inventory: untagged and orphaned manifests, stale indexes, dangling tags.
    /// A stale index whose subject is gone is also an orphan: it shows once, as the stale index
    /// (the row with the fix).
    pub fn of(inv: &Inventory) -> Vec<UntaggedRow> {
        use crate::graph::inventory::Class;
        let stale: std::collections::HashSet<&Digest> = inv
            .stale_fallback_indexes
            .iter()
            .map(|s| &s.digest)
            .collect();
        inv.manifests
            .iter()
            .filter(|m| matches!(m.class, Class::Untagged | Class::Orphan))
            .filter(|m| !stale.contains(&m.digest))
            .map(|m| UntaggedRow::Manifest(Box::new(m.clone())))
            .chain(
                inv.stale_fallback_indexes
                    .iter()
                    .cloned()
                    .map(UntaggedRow::Stale),
            )
            .chain(inv.dangling_tags.iter().cloned().map(UntaggedRow::Dangling))
            .collect()
    }

    pub fn manifest(&self) -> Option<&InventoryManifest> {
        match self {
            UntaggedRow::Manifest(m) => Some(m),
            UntaggedRow::Dangling(_) | UntaggedRow::Stale(_) => None,
        }
    }

    /// The manifest the row is (none for a dangling tag: what it names is gone).
    pub fn digest(&self) -> Option<&Digest> {
        match self {
            UntaggedRow::Manifest(m) => Some(&m.digest),
            UntaggedRow::Stale(s) => Some(&s.digest),
            UntaggedRow::Dangling(_) => None,
        }
    }

    /// What a delete or a fix of the row names: the digest, or the tag (a fix plans by tag).
    pub fn reference(&self) -> String {
        match self {
            UntaggedRow::Manifest(m) => m.digest.to_string(),
            UntaggedRow::Stale(s) => s.tag.clone(),
            UntaggedRow::Dangling(d) => d.tag.clone(),
        }
    }

    pub fn fix(&self) -> Option<Fix> {
        match self {
            UntaggedRow::Manifest(_) => None,
            UntaggedRow::Dangling(_) => Some(Fix::RemoveTag),
            UntaggedRow::Stale(_) => Some(Fix::Repair),
        }
    }

    /// Its class, in the inventory's words.
    pub fn class_words(&self) -> String {
        match self {
            UntaggedRow::Manifest(m) => m.class.to_string(),
            UntaggedRow::Dangling(_) => "dangling tag".into(),
            UntaggedRow::Stale(_) => "stale index".into(),
        }
    }
}

/// The untagged view of the open repository.
#[derive(Debug, Clone, Default)]
pub struct UntaggedList {
    /// The inventory the rows come from (listing source, dangling tags, stale indexes).
    pub inventory: Option<Arc<Inventory>>,
    /// Its untagged and orphan manifests, stale fallback indexes and dangling tags.
    pub rows: Vec<UntaggedRow>,
    /// A reload after a write: its answer leaves the flash line alone.
    pub keep_flash: bool,
    pub loading: bool,
    pub error: Option<String>,
    pub req: u64,
    pub view: ListView,
}

impl UntaggedList {
    pub fn selected(&self) -> Option<&UntaggedRow> {
        self.view.selected().and_then(|i| self.rows.get(i))
    }

    /// Digest of the row under the cursor (none on a dangling tag).
    pub fn selected_digest(&self) -> Option<String> {
        self.selected()?.digest().map(Digest::to_string)
    }

    /// The fix the row under the cursor offers.
    pub fn selected_fix(&self) -> Option<Fix> {
        self.selected()?.fix()
    }
}
