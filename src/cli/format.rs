//! Plain output shared by the subcommands: lists as lines or JSON, sizes for people.
use super::args::ListFormat;
use anyhow::Result;
use std::borrow::Cow;
use std::io::Write;

/// A list of names: one a line (each as `label` shows it: escaped, marked if need be), or
/// `{"<key>": [...]}` with the names exactly as they are.
pub fn print_list(
    out: &mut dyn Write,
    items: &[String],
    format: ListFormat,
    key: &str,
    label: fn(&str) -> Cow<'_, str>,
) -> Result<()> {
    match format {
        ListFormat::Text => {
            let mut out = std::io::BufWriter::new(out);
            for i in items {
                writeln!(out, "{}", label(i))?;
            }
            out.flush()?;
        }
        ListFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ key: items }))?
        )?,
    }
    Ok(())
}

pub use crate::text::human;

/// A plain table: a header row and aligned columns, no borders (cells already terminal-safe).
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for r in rows {
        t.add_row(r);
    }
    for c in t.column_iter_mut() {
        c.set_padding((0, 2));
    }
    t.lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
