//! Navigation: opening repositories, trees and documents, going back, and the store reads
//! that fill them (list windows ask only for the rows on screen).
use super::doc_text;
use crate::inspect::Inspection;
use crate::oci::tags::is_hidden_tag;
use crate::oci::{Descriptor, Digest};
use crate::store::StoreKind;
use crate::tui::action::{Cmd, DocKind};
use crate::tui::effect::{Control, Effect, LoadJob, VerifyItem};
use crate::tui::state::prefs::SortKey;
use crate::tui::state::verify::Verifications;
use crate::tui::state::{
    ContextRow, Decoding, DocView, Screen, State, TagRow, UntaggedList, MAX_INSPECTIONS,
};
use std::collections::HashSet;
use std::sync::Arc;

pub fn load_repos(s: &mut State, cursor: Option<String>) -> Vec<Effect> {
    let req = s.req();
    s.repos.req = req;
    s.repos.loading = true;
    vec![LoadJob::Repos { req, cursor }.into()]
}

pub fn open_repo(s: &mut State, repo: String, untagged: Vec<Descriptor>) -> Vec<Effect> {
    let req = s.req();
    if s.repo.as_deref() != Some(repo.as_str()) {
        s.marks.clear();
    }
    s.repo = Some(repo.clone());
    s.tags = Default::default();
    s.tags.req = req;
    s.tags.loading = true;
    s.tags.rows = untagged
        .into_iter()
        .map(|d| TagRow {
            tag: None,
            descriptor: Some(Box::new(d)),
            hidden: false,
        })
        .collect();
    rebuild_tags_visible(s);
    s.stack
        .retain(|x| matches!(x, Screen::Repos | Screen::Contexts));
    s.stack.push(Screen::Tags);
    vec![LoadJob::Tags { req, repo }.into()]
}

/// Keeps a registry reference the user opened among the recent ones (this run's list and the
/// saved file).
pub fn remember(s: &mut State, repo: &str, reference: Option<&str>) -> Vec<Effect> {
    if s.facts.kind != StoreKind::Registry {
        return vec![];
    }
    let r = match reference {
        Some(r) if r.contains(':') => format!("{}/{repo}@{r}", s.facts.name),
        Some(r) => format!("{}/{repo}:{r}", s.facts.name),
        None => format!("{}/{repo}", s.facts.name),
    };
    s.recent = crate::config::push_recent(&s.recent, &r);
    vec![Control::Remember { reference: r }.into()]
}

pub fn open_tree(s: &mut State, repo: &str, reference: &str) -> Vec<Effect> {
    keep_tree(s);
    s.tree.reset(repo, reference);
    if let Some(p) = s
        .stack
        .iter()
        .rposition(|x| matches!(x, Screen::Tags | Screen::Untagged))
    {
        s.stack.truncate(p + 1);
    }
    s.stack.push(Screen::Tree);
    vec![LoadJob::Resolve {
        gen: s.tree.gen,
        repo: repo.to_string(),
        reference: reference.to_string(),
    }
    .into()]
}

/// Remembers what is open in the tree shown, for the next time its subject is shown.
pub fn keep_tree(s: &mut State) {
    if let Some(root) = s.tree.node(0) {
        let key = (s.tree.repo.clone(), root.desc.digest.clone());
        let r = s.tree.remember();
        s.trees.insert(key, r);
    }
}

pub fn expand(s: &mut State, i: usize) -> Vec<Effect> {
    match s.tree.begin_expand(i) {
        Some(desc) => vec![LoadJob::Expand {
            gen: s.tree.gen,
            node: i,
            repo: s.tree.repo.clone(),
            desc,
        }
        .into()],
        None => vec![],
    }
}

pub fn expand_all(s: &mut State, i: usize) -> Vec<Effect> {
    let mut fx = Vec::new();
    let mut stack = vec![i];
    while let Some(n) = stack.pop() {
        let Some(node) = s.tree.nodes.get_mut(n) else {
            continue;
        };
        if node.cycle {
            continue;
        }
        node.subtree = true;
        stack.extend(node.kids.iter().copied());
        fx.extend(expand(s, n));
    }
    s.say("expanding the whole subtree");
    fx
}

pub fn open_doc(
    s: &mut State,
    repo: String,
    reference: String,
    kind: DocKind,
    describe: bool,
) -> Vec<Effect> {
    let req = s.req();
    s.doc = Some(DocView {
        req,
        repo: repo.clone(),
        reference: reference.clone(),
        kind,
        describe,
        title: format!("{reference} (loading…)"),
        lines: Vec::new(),
        loading: true,
        error: None,
        scroll: 0,
        search: String::new(),
        matches: Vec::new(),
        fields: Vec::new(),
        decoded: Decoding::Off,
        verify: None,
    });
    s.stack.push(if describe {
        Screen::Describe
    } else {
        Screen::Inspect
    });
    vec![LoadJob::Fetch {
        req,
        repo,
        reference,
        kind,
    }
    .into()]
}

/// Recomputes which tag rows pass the hidden-tag toggle and the filter, keeping the cursor's row.
pub fn rebuild_tags_visible(s: &mut State) {
    let t = &mut s.tags;
    let keep = t.view.selected();
    let f = t.view.filter.to_lowercase();
    t.view.visible = t
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| tag_shown(r, t.show_hidden, &f))
        .map(|(i, _)| i)
        .collect();
    super::order::sort_tags(&mut t.view.visible, &t.rows, &t.details, s.sorts.tags);
    t.view.cursor = keep
        .and_then(|k| t.view.visible.iter().position(|&i| i == k))
        .unwrap_or(t.view.cursor);
    let bh = s.body_height();
    s.tags.view.keep_in_view(bh);
}

/// Asks for the decoded summary of the manifest under the cursor when the detail pane shows
/// and it is not known yet (asked once per digest; the answer is cached with `d`'s).
pub fn want_summary(s: &mut State) -> Vec<Effect> {
    if s.pane_columns() == 0 {
        return vec![];
    }
    let (Some((digest, subject)), Some(repo)) = (s.selected_manifest(), s.repo.clone()) else {
        return vec![];
    };
    let known = s
        .inspections
        .contains_key(&(digest.clone(), subject.clone()))
        || s.summary_failed.contains_key(&digest)
        || s.summary_wanted.as_ref() == Some(&digest);
    if known {
        return vec![];
    }
    s.summary_wanted = Some(digest.clone());
    let repo = if s.screen() == Screen::Tree {
        s.tree.repo.clone()
    } else {
        repo
    };
    vec![Control::WantSummary {
        repo,
        digest,
        subject,
    }
    .into()]
}

/// Enter on the contexts screen: a registry opens its repositories, a recent reference opens
/// itself (on its registry).
pub fn open_context(s: &mut State) -> Vec<Effect> {
    let Some(row) = s
        .contexts
        .view
        .selected()
        .and_then(|i| s.contexts.rows.get(i))
        .cloned()
    else {
        return vec![];
    };
    match row {
        ContextRow::Registry(c) => {
            s.say(format!("connecting to {} ({})…", c.name, c.host));
            vec![Control::Connect {
                context: c,
                then: crate::tui::action::Then::Repos,
            }
            .into()]
        }
        ContextRow::Recent(r) => match crate::oci::Reference::parse_repository(&r) {
            Ok(parsed) => {
                let context = crate::config::Context {
                    name: parsed.registry.clone(),
                    host: parsed.registry.clone(),
                    ..Default::default()
                };
                let then = if parsed.tag.is_some() || parsed.digest.is_some() {
                    crate::tui::action::Then::Ref(
                        parsed.repository.clone(),
                        parsed.manifest_reference(),
                    )
                } else {
                    crate::tui::action::Then::Repo(parsed.repository.clone())
                };
                s.say(format!("opening {r}…"));
                vec![Control::Connect { context, then }.into()]
            }
            Err(e) => {
                s.fail(format!("{r}: {e}"));
                vec![]
            }
        },
    }
}

/// Whether a row passes the hidden-tag switch and the (lower-cased) filter.
fn tag_shown(r: &TagRow, show_hidden: bool, filter: &str) -> bool {
    (show_hidden || !r.hidden) && (filter.is_empty() || r.key().to_lowercase().contains(filter))
}

/// Adds a page of tags before the untagged rows (which stay last). Sorted by name (either
/// way), the page is sorted alone and each row placed among the tags shown by a binary search:
/// a page that lands after them (a registry's listing) costs its own size, any other a copy of
/// the visible indices, never a comparison per row, so an endless listing in any order never
/// makes the keys wait. Another sort rebuilds the list. The cursor stays on its row, or on the
/// first one while it is there (a listing opening: its first tag, not the untagged rows).
pub fn append_tags(s: &mut State, items: Vec<String>) {
    let sort = s.sorts.tags;
    let t = &mut s.tags;
    let at = t
        .rows
        .iter()
        .rposition(|r| r.tag.is_some())
        .map_or(0, |i| i + 1);
    let f = t.view.filter.to_lowercase();
    let added = items.len();
    let new: Vec<TagRow> = items.into_iter().map(row_for_tag).collect();
    let mut shown: Vec<usize> = new
        .iter()
        .enumerate()
        .filter(|(_, r)| tag_shown(r, t.show_hidden, &f))
        .map(|(i, _)| at + i)
        .collect();
    t.rows.splice(at..at, new);
    // By name, tagged rows come first and untagged ones (rows from `at` on) last, either way
    // round: only that tail moves down by the page.
    let by_name = sort.key == SortKey::Name;
    let p = if by_name {
        t.view.visible.partition_point(|&i| i < at)
    } else {
        0
    };
    for v in &mut t.view.visible[p..] {
        if *v >= at {
            *v += added;
        }
    }
    let (cursor, at_top) = (t.view.cursor, t.view.cursor == 0);
    if !by_name {
        rebuild_tags_visible(s);
        if at_top {
            s.tags.view.cursor = 0;
        }
    } else {
        let rows = &t.rows;
        let by = |a: usize, b: usize| {
            let o = rows[a].tag.cmp(&rows[b].tag);
            if sort.reverse {
                o.reverse()
            } else {
                o
            }
        };
        shown.sort_by(|&a, &b| by(a, b));
        let v = &mut t.view.visible;
        let old = v.len();
        // Where the page's first row lands among the tagged rows: after them all, the page
        // goes in whole; else each row finds its place by a binary search from the last one's.
        let first = shown
            .first()
            .map_or(p, |&n| v[..p].partition_point(|&x| by(x, n).is_le()));
        // Page rows placed before the cursor's row (it moves down by as many).
        let mut moved = 0;
        if first == p {
            moved = if cursor >= p { shown.len() } else { 0 };
            v.splice(p..p, shown);
        } else {
            let mut merged = Vec::with_capacity(old + shown.len());
            let mut from = 0;
            for &n in &shown {
                let to = from + v[from..p].partition_point(|&x| by(x, n).is_le());
                if to <= cursor {
                    moved += 1;
                }
                merged.extend_from_slice(&v[from..to]);
                merged.push(n);
                from = to;
            }
            merged.extend_from_slice(&v[from..]);
            *v = merged;
        }
        if !at_top && cursor < old {
            t.view.cursor = cursor + moved;
        }
    }
    let bh = s.body_height();
    s.tags.view.keep_in_view(bh);
}

pub fn row_for_tag(tag: String) -> TagRow {
    let hidden = is_hidden_tag(&tag);
    TagRow {
        tag: Some(tag),
        descriptor: None,
        hidden,
    }
}

/// Asks for details of the rows on screen that lack them (newest want replaces older ones).
pub fn want_details(s: &mut State) -> Vec<Effect> {
    let Some(repo) = s.repo.clone() else {
        return vec![];
    };
    if s.screen() != Screen::Tags && s.screen() != Screen::Repos {
        return vec![];
    }
    let bh = s.body_height();
    let items: Vec<(String, String)> = s
        .tags
        .view
        .window(bh)
        .iter()
        .filter_map(|&i| s.tags.rows.get(i))
        .map(TagRow::key)
        .filter(|k| !s.tags.details.contains_key(k))
        .map(|k| (k.clone(), k))
        .collect();
    let keys: HashSet<String> = items.iter().map(|(k, _)| k.clone()).collect();
    if items.is_empty() || keys == s.tags.wanted {
        return vec![];
    }
    s.tags.wanted = keys;
    vec![Control::WantDetails { repo, items }.into()]
}

/// Opens the describe view of `reference` and decodes it alongside (`subject`: the digest a
/// cosign tag named it for, when the manifest names none); a digest decoded before is shown
/// from the cache at once. A signature (`verify`) shows its verification too.
pub fn open_describe(
    s: &mut State,
    repo: String,
    reference: String,
    subject: Option<Digest>,
    verify: Option<VerifyItem>,
) -> Vec<Effect> {
    let mut fx = open_doc(s, repo.clone(), reference.clone(), DocKind::Manifest, true);
    if let Some(d) = s.doc.as_mut() {
        d.verify = verify;
    }
    let cached = reference
        .parse::<Digest>()
        .ok()
        .and_then(|d| s.inspections.get(&(d, subject.clone())).cloned());
    let Some(d) = s.doc.as_mut() else { return fx };
    match cached {
        Some(i) => d.decoded = Decoding::Ready(crate::inspect::render_lines(&i)),
        None => {
            d.decoded = Decoding::Loading;
            fx.push(
                LoadJob::Inspect {
                    req: d.req,
                    repo,
                    reference,
                    subject,
                }
                .into(),
            );
        }
    }
    fx
}

/// Keeps a decoded manifest (by digest and subject hint), bounded.
pub fn cache_inspection(s: &mut State, subject: Option<Digest>, i: &Arc<Inspection>) {
    let Ok(d) = i.digest.parse::<Digest>() else {
        return;
    };
    if s.inspections.len() >= MAX_INSPECTIONS {
        s.inspections.clear();
    }
    s.inspections.insert((d, subject), i.clone());
}

/// The describe view's lines: descriptor fields, what the manifest decodes to, and for a
/// signature its verification.
pub fn compose_describe(d: &mut DocView, v: &Verifications) {
    let mut lines = d.fields.clone();
    match &d.decoded {
        Decoding::Off => {}
        Decoding::Loading => {
            lines.push(String::new());
            lines.push("Decoded".to_string());
            lines.push("  decoding…".to_string());
        }
        Decoding::Failed(e) => {
            lines.push(String::new());
            lines.push("Decoded".to_string());
            lines.push(format!("  ✗ decoding failed: {e}"));
        }
        Decoding::Ready(r) => {
            lines.push(String::new());
            lines.push("Decoded".to_string());
            // A signature's verification follows: the decoder's "not verified" points to it.
            lines.extend(r.iter().map(|l| match l.trim() {
                crate::inspect::UNVERIFIED if d.verify.is_some() => {
                    "    signature verification: see Verification below".to_string()
                }
                _ => format!("  {l}"),
            }));
        }
    }
    if let Some(item) = &d.verify {
        lines.extend(super::verify_text::lines(&d.repo, item, v));
    }
    set_doc_lines(d, lines);
}

/// Rebuilds a doc view's lines and search matches.
pub fn set_doc_lines(d: &mut DocView, lines: Vec<String>) {
    d.lines = lines;
    doc_text::find_matches(d);
}

/// Pops the screen on top. From a registry's repository it goes up to the repositories pane;
/// on the first screen it says how to quit instead.
pub fn back(s: &mut State) -> Vec<Effect> {
    if s.stack.len() > 1 {
        match s.stack.pop() {
            Some(Screen::Inspect | Screen::Describe) => s.doc = None,
            Some(Screen::Tree) => keep_tree(s),
            _ => {}
        }
        // Back on a list: the rows on screen that lack details ask for them (a tree opened
        // first left the tag list underneath unfetched).
        return want_details(s);
    }
    if s.screen() == Screen::Tags && s.facts.kind == StoreKind::Registry {
        return open_repos(s);
    }
    s.say(format!("{} to quit", s.keymap.keys_of(Cmd::Quit)));
    vec![]
}

/// The registry's repositories pane (`:repos`, `esc` from a repository), listed if not yet.
pub fn open_repos(s: &mut State) -> Vec<Effect> {
    if s.facts.kind != StoreKind::Registry {
        s.fail(format!(
            "{} is an OCI layout: its one repository is {}",
            s.facts.name,
            s.repo.as_deref().unwrap_or("shown")
        ));
        return vec![];
    }
    if s.screen() == Screen::Tree {
        keep_tree(s);
    }
    s.doc = None;
    s.stack.retain(|x| *x == Screen::Contexts);
    s.stack.push(Screen::Repos);
    // Where we came from stays selected.
    if let Some(i) = s
        .repo
        .as_ref()
        .and_then(|r| s.repos.items.iter().position(|x| x == r))
    {
        if let Some(p) = s.repos.view.visible.iter().position(|&v| v == i) {
            s.repos.view.cursor = p;
            let bh = s.body_height();
            s.repos.view.keep_in_view(bh);
        }
    }
    if s.repos.items.is_empty() && !s.repos.loading {
        s.repos.error = None;
        s.repos.unsupported = false;
        return load_repos(s, None);
    }
    vec![]
}

/// Lists the repository's untagged manifests and orphans again.
pub fn load_untagged(s: &mut State) -> Vec<Effect> {
    let Some(repo) = s.repo.clone() else {
        return vec![];
    };
    let req = s.req();
    s.untagged = UntaggedList {
        loading: true,
        req,
        ..Default::default()
    };
    s.say(format!("listing untagged manifests and orphans of {repo}…"));
    vec![LoadJob::Untagged { req, repo }.into()]
}

/// The tag rows minus the untagged rows that are gone; the tags are listed again.
pub fn reload_tags(s: &mut State, gone: &HashSet<Digest>) -> Vec<Effect> {
    let Some(repo) = s.repo.clone() else {
        return vec![];
    };
    let req = s.req();
    let keep: Vec<TagRow> = s
        .tags
        .rows
        .iter()
        .filter(|r| r.tag.is_none())
        .filter(|r| {
            r.descriptor
                .as_ref()
                .is_none_or(|d| !gone.contains(&d.digest))
        })
        .cloned()
        .collect();
    s.tags.rows = keep;
    s.tags.details.clear();
    s.tags.wanted.clear();
    s.tags.loading = true;
    s.tags.keep_flash = true;
    s.tags.req = req;
    rebuild_tags_visible(s);
    vec![LoadJob::Tags { req, repo }.into()]
}
