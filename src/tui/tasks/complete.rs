//! The filesystem side of dialogs: tab completion of paths and `~/` in the paths typed.
use std::path::{Path, PathBuf};

/// `~/rest` as a path under the home directory; anything else as it is.
pub fn expand_home(p: &Path) -> PathBuf {
    match (p.to_str().and_then(|s| s.strip_prefix("~/")), home()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => p.to_path_buf(),
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

/// Completes a partial path from the filesystem: the completed text when it grew, and the
/// names that match when more than one does.
pub fn complete_path(partial: &str) -> (Option<String>, Vec<String>) {
    let (dir, prefix) = match partial.rfind('/') {
        Some(i) => (&partial[..=i], &partial[i + 1..]),
        None => ("", partial),
    };
    let read = if dir.is_empty() {
        PathBuf::from(".")
    } else {
        expand_home(Path::new(dir))
    };
    let Ok(entries) = std::fs::read_dir(&read) else {
        return (None, Vec::new());
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.file_type().map(|t| t.is_dir()).unwrap_or(false);
            (name.starts_with(prefix) && (prefix.starts_with('.') || !name.starts_with('.')))
                .then(|| if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    let Some(first) = names.first() else {
        return (None, Vec::new());
    };
    let common = names.iter().fold(first.clone(), |acc, n| {
        acc.chars()
            .zip(n.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a)
            .collect()
    });
    let grown = (common.len() > prefix.len()).then(|| format!("{dir}{common}"));
    let shown = if names.len() > 1 { names } else { Vec::new() };
    (grown, shown)
}

/// The answer to a completion of `text` from byte `from`: the field's new text (when it grew)
/// and the candidates.
pub fn complete_field(text: &str, from: usize) -> (Option<String>, Vec<String>) {
    let (Some(head), Some(partial)) = (text.get(..from), text.get(from..)) else {
        return (None, Vec::new());
    };
    let (grown, candidates) = complete_path(partial);
    (grown.map(|g| format!("{head}{g}")), candidates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_the_path_after_from_and_keeps_the_text_before() {
        let dir = tempfile::tempdir().expect("tmp");
        std::fs::write(dir.path().join("sbom.spdx.json"), "{}").expect("write");
        std::fs::write(dir.path().join("notes.md"), "").expect("write");
        std::fs::write(dir.path().join("notes.txt"), "").expect("write");
        let base = dir.path().display().to_string();
        let text = format!("a.txt,{base}/sb");
        let (done, shown) = complete_field(&text, 6);
        assert_eq!(done, Some(format!("a.txt,{base}/sbom.spdx.json")));
        assert!(shown.is_empty());
        let (done, shown) = complete_field(&format!("{base}/no"), 0);
        assert_eq!(done, Some(format!("{base}/notes.")));
        assert_eq!(shown, ["notes.md", "notes.txt"]);
        assert_eq!(complete_field("x", 5), (None, Vec::new()));
    }
}
