//! How the lists are ordered: tags by name, created or image size (rows not fetched yet last),
//! the untagged view by kind or size, repositories by name; each list keeps its own order.
use crate::tui::state::prefs::{Sort, SortKey};
use crate::tui::state::{DetailState, Fix, State, TagRow, UntaggedRow};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Orders the visible tag rows: by name (untagged rows last), created or image size. Rows whose
/// value is not known yet go last whichever the direction.
pub fn sort_tags(
    visible: &mut [usize],
    rows: &[TagRow],
    details: &HashMap<String, DetailState>,
    sort: Sort,
) {
    let detail = |i: usize| match rows.get(i).and_then(|r| details.get(&r.key())) {
        Some(DetailState::Ready(d)) => Some(d),
        _ => None,
    };
    let rev = |o: Ordering| if sort.reverse { o.reverse() } else { o };
    match sort.key {
        SortKey::Name => {
            let name = |i: usize| rows.get(i).and_then(|r| r.tag.as_deref());
            let ordered = |a: &usize, b: &usize| match (name(*a), name(*b)) {
                (Some(x), Some(y)) => rev(x.cmp(y)),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => a.cmp(b),
            };
            // Registries list tags in order already: then there is nothing to do.
            if !visible.is_sorted_by(|a, b| ordered(a, b).is_le()) {
                visible.sort_by(ordered);
            }
        }
        SortKey::Created => sort_keyed(
            visible,
            |i| detail(i).and_then(|d| d.created.as_deref()),
            rev,
        ),
        SortKey::Size => sort_keyed(visible, |i| detail(i).and_then(|d| d.image_size), rev),
    }
}

/// Sorts `visible` by `key`, looked up once per row (not twice per comparison), stable.
fn sort_keyed<K: Ord>(
    visible: &mut [usize],
    key: impl Fn(usize) -> Option<K>,
    rev: impl Fn(Ordering) -> Ordering,
) {
    let mut keyed: Vec<(Option<K>, usize)> = visible.iter().map(|&i| (key(i), i)).collect();
    keyed.sort_by(|a, b| known_last(a.0.as_ref(), b.0.as_ref(), &rev));
    for (v, (_, i)) in visible.iter_mut().zip(keyed) {
        *v = i;
    }
}

/// Compares two values in a direction, with unknown ones after every known one.
fn known_last<T: Ord>(a: Option<T>, b: Option<T>, rev: impl Fn(Ordering) -> Ordering) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => rev(x.cmp(&y)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// Orders the untagged view: by kind and parent (as listed), or by size with what hangs below;
/// rows with a fix (stale indexes, dangling tags) after the manifests, by tag.
pub fn sort_untagged(s: &mut State) {
    let sort = s.sorts.untagged;
    let u = &mut s.untagged;
    let keep = u.selected().map(UntaggedRow::reference);
    let mut order: Vec<usize> = (0..u.rows.len()).collect();
    let rows = &u.rows;
    order.sort_by(|&a, &b| {
        let (x, y) = match (rows[a].manifest(), rows[b].manifest()) {
            (Some(x), Some(y)) => (x, y),
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => {
                let key =
                    |r: &UntaggedRow| (r.fix().is_some_and(|f| f == Fix::RemoveTag), r.reference());
                return key(&rows[a]).cmp(&key(&rows[b]));
            }
        };
        let o = match sort.key {
            SortKey::Name => {
                (x.class, &x.subject, &x.digest).cmp(&(y.class, &y.subject, &y.digest))
            }
            SortKey::Created => (&x.created, &x.digest).cmp(&(&y.created, &y.digest)),
            SortKey::Size => x.image_size.cmp(&y.image_size),
        };
        if sort.reverse {
            o.reverse()
        } else {
            o
        }
    });
    u.view.visible = order;
    if let Some(r) = keep {
        if let Some(p) = u
            .view
            .visible
            .iter()
            .position(|&i| rows[i].reference() == r)
        {
            u.view.cursor = p;
        }
    }
    let bh = s.body_height();
    s.untagged.view.keep_in_view(bh);
}

/// Orders the repositories by name, either way.
pub fn rebuild_repos_visible(s: &mut State) {
    let f = s.repos.view.filter.to_lowercase();
    let items = &s.repos.items;
    let mut v: Vec<usize> = items
        .iter()
        .enumerate()
        .filter(|(_, r)| f.is_empty() || r.to_lowercase().contains(&f))
        .map(|(i, _)| i)
        .collect();
    if s.sorts.repos.reverse {
        v.reverse();
    }
    s.repos.view.visible = v;
    let bh = s.body_height();
    s.repos.view.keep_in_view(bh);
}
