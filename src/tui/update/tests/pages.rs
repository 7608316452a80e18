//! Tag pages appended as they arrive: the visible list grows by the page alone when it lands in
//! order, and ends as a full rebuild would make it either way (filter, hidden tags, the sort,
//! untagged rows last, the cursor on its row or at the top).
use super::tags;
use crate::oci::{tags::fallback_tag, Digest};
use crate::tui::action::{Action, Loaded};
use crate::tui::state::prefs::{Sort, SortKey};
use crate::tui::update::nav::rebuild_tags_visible;
use crate::tui::update::update;

#[test]
fn appended_pages_match_a_full_rebuild_and_leave_the_cursor_in_place() {
    let hidden = fallback_tag(&Digest::sha256_of(b"x"));
    // Among the tags shown (as a layout may list them), then after them (a registry's pages),
    // one of those not in order itself ("e0x10" before "e0x2", say).
    let pages: Vec<Vec<String>> = vec![
        vec!["v15".into(), "a1".into(), "b2".into(), hidden.clone()],
        vec![],
        vec!["v4".into(), "v3".into()],
        vec!["w1".into(), "z".into()],
    ];
    let sorts = [
        Sort::default(),
        Sort {
            key: SortKey::Name,
            reverse: true,
        },
        Sort {
            key: SortKey::Created,
            reverse: false,
        },
    ];
    for (filter, show_hidden, sort) in ["", "1"]
        .into_iter()
        .flat_map(|f| [false, true].map(|h| (f, h)))
        .flat_map(|(f, h)| sorts.map(|o| (f, h, o)))
    {
        // On a row (a tag, or the last, untagged one), the cursor stays on it; at the top, it
        // stays there.
        for start in [0, 1, usize::MAX] {
            let top = start == 0;
            let mut s = tags();
            s.tags.req = 7;
            s.tags.loading = true;
            s.tags.show_hidden = show_hidden;
            s.tags.view.filter = filter.into();
            s.sorts.tags = sort;
            rebuild_tags_visible(&mut s);
            s.tags.view.cursor = start.min(s.tags.view.visible.len() - 1);
            let row =
                |s: &crate::tui::state::State| s.tags.view.selected().map(|i| s.tags.rows[i].key());
            let on = row(&s);
            for (n, page) in pages.iter().enumerate() {
                let done = n + 1 == pages.len();
                update(
                    &mut s,
                    Action::Load(Loaded::TagsPage {
                        req: 7,
                        result: Ok((page.clone(), done)),
                    }),
                );
                let mut full = s.clone();
                rebuild_tags_visible(&mut full);
                let case = format!(
                    "filter {filter:?}, hidden {show_hidden}, {sort:?}, from {start}, page {n}"
                );
                assert_eq!(s.tags.view.visible, full.tags.view.visible, "{case}");
                if top {
                    assert_eq!(s.tags.view.cursor, 0, "{case}");
                } else {
                    assert_eq!(row(&s), on, "{case}");
                }
                assert!(s.tags.rows.last().unwrap().tag.is_none(), "{case}");
            }
            let keys: Vec<String> = s.tags.rows.iter().map(|r| r.key()).collect();
            assert_eq!(&keys[..2], ["v1", "v2"]);
            assert_eq!(
                &keys[2..10],
                ["v15", "a1", "b2", hidden.as_str(), "v4", "v3", "w1", "z"]
            );
        }
    }
}

#[test]
fn a_notice_reaches_the_flash_line() {
    let mut s = tags();
    update(
        &mut s,
        Action::Load(Loaded::Notice {
            text: "rate limited, retrying in 1.0 s".into(),
            error: false,
        }),
    );
    assert_eq!(s.flash.text, "rate limited, retrying in 1.0 s");
    assert!(!s.flash.error);
    update(
        &mut s,
        Action::Load(Loaded::Notice {
            text: "internal error".into(),
            error: true,
        }),
    );
    assert!(s.flash.error);
}
