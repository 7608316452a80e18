//! The layer rules of ARCHITECTURE.md, read from the imports of `src/`: lower layers import
//! nothing from higher ones, the library knows nothing of the terminal, the TUI no clap type,
//! and no file imports a file that imports it back.
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

/// Every `.rs` file under `src/` with its module path (`src/registry/client.rs` → registry::client).
fn files() -> BTreeMap<Module, (PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut todo = vec![root.clone()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("src is readable") {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                todo.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(&root).expect("under src").with_extension("");
                let mut m: Module = rel
                    .iter()
                    .map(|s| s.to_string_lossy().into_owned())
                    .collect();
                if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    m.pop();
                }
                let text = std::fs::read_to_string(&p).expect("source is UTF-8");
                out.insert(m, (p, text));
            }
        }
    }
    out
}

/// The source without its unit tests (`#[cfg(test)] mod tests { … }` at the end of a file, or
/// a file that is itself a test module).
fn non_test(m: &Module, text: &str) -> String {
    if m.iter().any(|s| s == "tests") {
        return String::new();
    }
    match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

/// Paths named after `crate::` and `super::` in `text`, made absolute.
fn paths(m: &Module, text: &str) -> Vec<Module> {
    let re = regex::Regex::new(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)+)").unwrap();
    let mut out = Vec::new();
    for c in re.captures_iter(text) {
        let rest: Vec<String> = c[2]
            .trim_start_matches("::")
            .split("::")
            .map(str::to_string)
            .collect();
        let mut base: Module = if &c[1] == "crate" {
            Vec::new()
        } else {
            // `super` of `a/b.rs` and of `a/b/mod.rs` (both module a::b) is a.
            let mut b = m.clone();
            b.pop();
            b
        };
        base.extend(rest);
        out.push(base);
    }
    out
}

/// The longest prefix of `p` that is a file's module.
fn owner<'a>(all: &'a BTreeMap<Module, (PathBuf, String)>, p: &Module) -> Option<&'a Module> {
    (1..=p.len())
        .rev()
        .find_map(|n| all.get_key_value(&p[..n]).map(|(k, _)| k))
}

/// Which file imports which (by module path), tests left out.
fn edges() -> BTreeMap<Module, BTreeSet<Module>> {
    let all = files();
    let mut out = BTreeMap::new();
    for (m, (_, text)) in &all {
        let mut to = BTreeSet::new();
        for p in paths(m, &non_test(m, text)) {
            if let Some(o) = owner(&all, &p) {
                if o != m {
                    to.insert(o.clone());
                }
            }
        }
        out.insert(m.clone(), to);
    }
    out
}

fn top(m: &Module) -> &str {
    m.first().map_or("", String::as_str)
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let e = edges();
    let mut cycles = Vec::new();
    for (a, to) in &e {
        for b in to {
            if a < b && e.get(b).is_some_and(|t| t.contains(a)) {
                cycles.push(format!("{} <-> {}", a.join("::"), b.join("::")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles: {cycles:#?}");
}

#[test]
fn lower_layers_import_nothing_from_higher_ones() {
    let forbidden: &[(&str, &[&str])] = &[
        ("oci", &["*"]),
        ("registry", &["cli", "tui", "credentials", "connection"]),
        ("layout", &["cli", "tui", "credentials", "connection"]),
        ("graph", &["cli", "tui", "credentials", "connection"]),
        ("inspect", &["cli", "tui", "credentials", "connection"]),
        ("store", &["cli", "tui", "credentials", "connection"]),
        ("tui", &["cli"]),
        ("cli", &["tui"]),
    ];
    let mut bad = Vec::new();
    for (a, to) in edges() {
        for (layer, banned) in forbidden {
            if top(&a) != *layer {
                continue;
            }
            for b in &to {
                let t = top(b);
                if t != *layer && (banned.contains(&"*") || banned.contains(&t)) {
                    bad.push(format!("{} imports {}", a.join("::"), b.join("::")));
                }
            }
        }
    }
    assert!(bad.is_empty(), "layer violations: {bad:#?}");
}

#[test]
fn only_the_tui_knows_the_terminal_and_only_the_cli_knows_clap() {
    let mut bad = Vec::new();
    for (m, (_, text)) in files() {
        let code = non_test(&m, &text);
        let t = top(&m);
        for krate in ["ratatui", "crossterm"] {
            if t != "tui" && code.contains(&format!("{krate}::")) {
                bad.push(format!("{} uses {krate}", m.join("::")));
            }
        }
        // main.rs parses the arguments; the TUI takes ConnectOptions, never clap types.
        if t == "tui" && code.contains("clap") {
            bad.push(format!("{} uses clap", m.join("::")));
        }
        if t == "tui" && (code.contains("reqwest") || code.contains("hyper::")) {
            bad.push(format!("{} builds HTTP requests", m.join("::")));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
