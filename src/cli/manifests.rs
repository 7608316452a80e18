//! `arbor manifests`: a repository's inventory by class — by default what no tag leads to —
//! as a table or as JSON, saying where the listing came from and whether it is complete.
use super::args::{ManifestsArgs, TableFormat};
use super::format::{human, table};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::inventory::{inventory, Class, Inventory, InventoryManifest, InventoryOptions};
use crate::text::escape;
use anyhow::Result;
use std::io::Write;

/// Which classes a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    Untagged,
    Orphans,
    All,
}

impl Which {
    fn of(a: &ManifestsArgs) -> Which {
        match (a.all, a.orphans) {
            (true, _) => Which::All,
            (_, true) => Which::Orphans,
            _ => Which::Untagged,
        }
    }

    fn shows(self, c: Class) -> bool {
        match self {
            Which::All => true,
            Which::Orphans => c == Class::Orphan,
            Which::Untagged => matches!(c, Class::Untagged | Class::Orphan),
        }
    }

    fn words(self) -> &'static str {
        match self {
            Which::All => "manifests",
            Which::Orphans => "orphan manifests",
            Which::Untagged => "untagged or orphan manifests",
        }
    }
}

pub async fn run(a: ManifestsArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, a.repository.as_deref(), true)?;
    let inv = inventory(t.store.as_ref(), &t.repo, &InventoryOptions::default()).await?;
    let which = Which::of(&a);
    let shown: Vec<&InventoryManifest> = inv
        .manifests
        .iter()
        .filter(|m| which.shows(m.class))
        .collect();
    match a.format {
        TableFormat::Json => {
            let mut v = serde_json::to_value(&inv)?;
            v["manifests"] = serde_json::to_value(&shown)?;
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        TableFormat::Table => print_table(&t.display_name, &inv, &shown, which, out)?,
    }
    Ok(t)
}

/// A class as shown everywhere: `attached to v1` names the tag it hangs below.
pub fn class_label(m: &InventoryManifest) -> String {
    match (&m.class, &m.attached_to) {
        (Class::Attached, Some(tag)) => format!("attached to {}", escape(tag)),
        (c, _) => c.to_string(),
    }
}

/// The artifact type, else the manifest media type in short.
pub fn type_label(m: &InventoryManifest) -> String {
    escape(
        m.artifact_type
            .as_deref()
            .unwrap_or_else(|| crate::oci::media::short_label(&m.media_type)),
    )
    .into_owned()
}

fn size(s: Option<u64>) -> String {
    s.map(|s| human(s.min(i64::MAX as u64) as i64))
        .unwrap_or_else(|| "?".into())
}

/// A PUSHED column (the registry's own time) after CREATED, where the listing gives one.
fn pushed_column(rows: &[&InventoryManifest], header: &mut Vec<&str>, at: usize) -> bool {
    let any = rows.iter().any(|m| m.registry_time.is_some());
    if any {
        header.insert(at, "PUSHED");
    }
    any
}

fn pushed_cell(shown: bool, m: &InventoryManifest, row: &mut Vec<String>, at: usize) {
    if shown {
        row.insert(
            at,
            escape(m.registry_time.as_deref().unwrap_or("")).into_owned(),
        );
    }
}

fn print_table(
    name: &str,
    inv: &Inventory,
    shown: &[&InventoryManifest],
    which: Which,
    out: &mut dyn Write,
) -> Result<()> {
    writeln!(out, "{}: {}", escape(name), inv.headline())?;
    if let (true, Some(note)) = (inv.complete, &inv.note) {
        writeln!(out, "Note: {}", escape(note))?;
    }
    let mut rows: Vec<&InventoryManifest> = shown.to_vec();
    rows.sort_by(|a, b| (a.class, &a.digest).cmp(&(b.class, &b.digest)));
    if rows.is_empty() {
        let found = if inv.complete {
            format!("No {}.", which.words())
        } else {
            format!(
                "No {} found among what tags lead to (others cannot be seen here).",
                which.words()
            )
        };
        writeln!(out, "{found}")?;
    } else if which == Which::All {
        let mut header = vec![
            "DIGEST",
            "CLASS",
            "KIND",
            "TAGS",
            "TYPE",
            "IMAGE SIZE",
            "MANIFEST",
            "CREATED",
            "PLATFORM",
            "LOCKED",
        ];
        let pushed = pushed_column(&rows, &mut header, 8);
        let body = rows
            .iter()
            .map(|m| {
                let mut row = vec![
                    m.digest.to_string(),
                    class_label(m),
                    m.kind.to_string(),
                    escape(&m.tags.join(",")).into_owned(),
                    type_label(m),
                    size(m.image_size),
                    size(Some(m.manifest_size)),
                    escape(m.created.as_deref().unwrap_or("")).into_owned(),
                    m.platform
                        .as_ref()
                        .map(|p| escape(&p.to_string()).into_owned())
                        .unwrap_or_default(),
                    if m.locked { "locked" } else { "" }.to_string(),
                ];
                pushed_cell(pushed, m, &mut row, 8);
                row
            })
            .collect();
        writeln!(out, "{}", table(&header, body))?;
    } else {
        let mut header = vec![
            "DIGEST",
            "CLASS",
            "KIND",
            "TYPE",
            "IMAGE SIZE",
            "CREATED",
            "SUBJECT",
        ];
        let pushed = pushed_column(&rows, &mut header, 6);
        let body = rows
            .iter()
            .map(|m| {
                let mut row = vec![
                    m.digest.to_string(),
                    class_label(m),
                    m.kind.to_string(),
                    type_label(m),
                    size(m.image_size),
                    escape(m.created.as_deref().unwrap_or("")).into_owned(),
                    m.subject
                        .as_ref()
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                ];
                pushed_cell(pushed, m, &mut row, 6);
                row
            })
            .collect();
        writeln!(out, "{}", table(&header, body))?;
    }
    if !inv.dangling_tags.is_empty() {
        writeln!(
            out,
            "Dangling tags (the manifest is gone; `arbor delete {}:TAG` removes one):",
            escape(name)
        )?;
        for d in &inv.dangling_tags {
            let to = d
                .digest
                .as_ref()
                .map(|d| format!(" → {d}"))
                .unwrap_or_default();
            writeln!(out, "  {}{to}", escape(&d.tag))?;
        }
    }
    if !inv.stale_fallback_indexes.is_empty() {
        writeln!(
            out,
            "Stale fallback indexes (`arbor delete {}:TAG` repairs one):",
            escape(name)
        )?;
        for s in &inv.stale_fallback_indexes {
            let why = if s.subject_missing {
                "its subject is gone".to_string()
            } else {
                format!("{} entry(ies) gone", s.missing_entries.len())
            };
            writeln!(out, "  {}  {}: {why}", escape(&s.tag), s.digest)?;
        }
    }
    for w in &inv.warnings {
        writeln!(out, "Warning: {}", escape(w))?;
    }
    Ok(())
}
