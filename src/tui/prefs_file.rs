//! The detail pane and the sort orders, kept across runs in a small TOML file beside the
//! recent references: read at start, written at exit when they changed. A file arbor cannot
//! use is ignored (said in one line); a value out of range is brought into range; keys arbor
//! does not know are skipped (a newer arbor may have written them).
use super::state::prefs::{
    Pane, Sort, SortKey, Sorts, PANE_MAX_WIDTH, PANE_MIN_WIDTH, REPO_SORTS, TAG_SORTS,
    UNTAGGED_SORTS,
};
use super::state::State;
use serde::Deserialize;
use std::path::Path;

/// What is kept across runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Saved {
    pub pane: Pane,
    pub sorts: Sorts,
}

#[derive(Deserialize, Default)]
struct FileShape {
    pane: Option<PaneShape>,
    sort: Option<SortsShape>,
}

#[derive(Deserialize)]
struct PaneShape {
    on: Option<bool>,
    width: Option<i64>,
}

#[derive(Deserialize)]
struct SortsShape {
    repos: Option<SortShape>,
    tags: Option<SortShape>,
    untagged: Option<SortShape>,
}

#[derive(Deserialize)]
struct SortShape {
    key: Option<String>,
    reverse: Option<bool>,
}

/// A list's order from the file: a key the list does not sort by keeps the default key.
fn sort_of(shape: Option<SortShape>, keys: &[SortKey]) -> Sort {
    let Some(s) = shape else {
        return Sort::default();
    };
    Sort {
        key: s
            .key
            .as_deref()
            .and_then(SortKey::parse)
            .filter(|k| keys.contains(k))
            .unwrap_or_default(),
        reverse: s.reverse.unwrap_or(false),
    }
}

impl Saved {
    /// Reads the file's text; an error says why it cannot be used.
    pub fn parse(text: &str) -> Result<Saved, String> {
        let f: FileShape = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut pane = Pane::default();
        if let Some(p) = f.pane {
            pane.on = p.on.unwrap_or(pane.on);
            if let Some(w) = p.width {
                pane.width = w.clamp(PANE_MIN_WIDTH.into(), PANE_MAX_WIDTH.into()) as u16;
            }
        }
        let sorts = match f.sort {
            Some(s) => Sorts {
                repos: sort_of(s.repos, REPO_SORTS),
                tags: sort_of(s.tags, TAG_SORTS),
                untagged: sort_of(s.untagged, UNTAGGED_SORTS),
            },
            None => Sorts::default(),
        };
        Ok(Saved { pane, sorts })
    }

    /// The file's text.
    pub fn to_text(&self) -> String {
        let sort = |name: &str, s: Sort| {
            format!(
                "\n[sort.{name}]\nkey = \"{}\"\nreverse = {}\n",
                s.key.word(),
                s.reverse
            )
        };
        format!(
            "# arbor's screen settings, rewritten by arbor at exit.\n[pane]\non = {}\nwidth = {}\n{}{}{}",
            self.pane.on,
            self.pane.width,
            sort("repos", self.sorts.repos),
            sort("tags", self.sorts.tags),
            sort("untagged", self.sorts.untagged),
        )
    }

    /// Reads `path`: no file is the defaults; a file arbor cannot use is the defaults and one
    /// line saying why (escaped: the file may hold anything).
    pub fn load(path: &Path) -> (Saved, Option<String>) {
        let bad = |why: &str| {
            Some(format!(
                "screen settings in {} ignored: {}",
                path.display(),
                crate::text::escape(why)
            ))
        };
        match crate::config::read_bounded(path) {
            Ok(None) => (Saved::default(), None),
            Ok(Some(text)) => match Saved::parse(&text) {
                Ok(s) => (s, None),
                Err(e) => (Saved::default(), bad(&e)),
            },
            Err(e) => (Saved::default(), bad(&e)),
        }
    }

    /// Writes `path` whole or not at all.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::config::write_atomic(path, &self.to_text())
    }

    /// What `s` shows now.
    pub fn of(s: &State) -> Saved {
        Saved {
            pane: s.pane,
            sorts: s.sorts,
        }
    }

    /// Sets `s` up as these settings say (before anything is listed).
    pub fn apply(self, s: &mut State) {
        s.pane = self.pane;
        s.sorts = self.sorts;
    }
}

/// At start: the settings of the last run (from [`crate::config::prefs_path`]) and, when the
/// file could not be used, the line saying why.
pub fn load() -> (Saved, Option<String>) {
    crate::config::prefs_path()
        .map(|p| Saved::load(&p))
        .unwrap_or_default()
}

/// At exit: writes `s`'s settings when they differ from those `loaded`; the error says why not.
pub fn keep(s: &State, loaded: &Saved) -> Result<(), String> {
    let now = Saved::of(s);
    match crate::config::prefs_path() {
        Some(p) if now != *loaded => now
            .save(&p)
            .map_err(|e| format!("screen settings not saved to {}: {e}", p.display())),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_it_writes() {
        let s = Saved {
            pane: Pane {
                on: false,
                width: 72,
            },
            sorts: Sorts {
                repos: Sort {
                    key: SortKey::Name,
                    reverse: true,
                },
                tags: Sort {
                    key: SortKey::Created,
                    reverse: true,
                },
                untagged: Sort {
                    key: SortKey::Size,
                    reverse: false,
                },
            },
        };
        assert_eq!(Saved::parse(&s.to_text()), Ok(s));
        assert_eq!(Saved::parse(""), Ok(Saved::default()));
    }

    #[test]
    fn out_of_range_widths_are_clamped_and_unknown_keys_ignored() {
        let s = Saved::parse("[pane]\nwidth = 5000\nshade = \"blue\"\n[extra]\nx = 1\n")
            .expect("usable");
        assert_eq!(s.pane.width, PANE_MAX_WIDTH);
        assert!(s.pane.on, "not named: the default");
        let s = Saved::parse("[pane]\nwidth = -3\n").expect("usable");
        assert_eq!(s.pane.width, PANE_MIN_WIDTH);
        // A key a list does not sort by keeps that list's default; the direction still counts.
        let s = Saved::parse(
            "[sort.untagged]\nkey = \"created\"\nreverse = true\n[sort.tags]\nkey = \"bogus\"\n[sort.repos]\nkey = \"size\"\n",
        )
        .expect("usable");
        assert_eq!(
            s.sorts.untagged,
            Sort {
                key: SortKey::Name,
                reverse: true
            }
        );
        assert_eq!(s.sorts.tags, Sort::default());
        assert_eq!(s.sorts.repos.key, SortKey::Name);
    }

    #[test]
    fn a_malformed_or_hostile_file_is_ignored_in_one_escaped_line() {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("prefs.toml");
        assert_eq!(
            Saved::load(&p),
            (Saved::default(), None),
            "no file: no word"
        );
        for text in [
            "[pane\nwidth = 4",
            "[pane]\nwidth = \"\u{1b}]52;c;aGk=\u{7}\"\n",
            "[pane]\non = 3\n",
        ] {
            std::fs::write(&p, text).expect("write");
            let (s, why) = Saved::load(&p);
            assert_eq!(s, Saved::default(), "{text:?}");
            let why = why.expect("said");
            assert!(why.contains("ignored"), "{why}");
            assert!(!why.contains('\n') && !why.contains('\u{1b}'), "{why:?}");
        }
        std::fs::write(&p, vec![b'#'; crate::config::MAX_STATE_FILE as usize + 10]).expect("big");
        assert!(Saved::load(&p).1.expect("said").contains("larger than"));
    }
}
