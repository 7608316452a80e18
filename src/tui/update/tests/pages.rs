//! Tag pages appended as they arrive: the visible list grows by the page alone, and ends as a
//! full rebuild would make it (filter, hidden tags, untagged rows last, the cursor in place).
use super::tags;
use crate::oci::{tags::fallback_tag, Digest};
use crate::tui::action::{Action, Loaded};
use crate::tui::update::nav::rebuild_tags_visible;
use crate::tui::update::update;

#[test]
fn appended_pages_match_a_full_rebuild_and_leave_the_cursor_in_place() {
    let hidden = fallback_tag(&Digest::sha256_of(b"x"));
    let pages: Vec<Vec<String>> = vec![
        vec!["a1".into(), "b2".into(), hidden.clone()],
        vec![],
        vec!["c1".into(), "v10".into(), "z".into()],
    ];
    for filter in ["", "1"] {
        for show_hidden in [false, true] {
            let mut s = tags();
            s.tags.req = 7;
            s.tags.loading = true;
            s.tags.show_hidden = show_hidden;
            s.tags.view.filter = filter.into();
            rebuild_tags_visible(&mut s);
            s.tags.view.cursor = s.tags.view.visible.len() - 1;
            let cursor = s.tags.view.cursor;
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
                let case = format!("filter {filter:?}, hidden shown {show_hidden}, page {n}");
                assert_eq!(s.tags.view.visible, full.tags.view.visible, "{case}");
                assert_eq!(s.tags.view.cursor, cursor, "{case}");
                assert!(s.tags.rows.last().unwrap().tag.is_none(), "{case}");
            }
            let keys: Vec<String> = s.tags.rows.iter().map(|r| r.key()).collect();
            assert_eq!(&keys[..2], ["v1", "v2"]);
            assert_eq!(&keys[2..8], ["a1", "b2", hidden.as_str(), "c1", "v10", "z"]);
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
