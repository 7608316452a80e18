//! The k9s-style moves: up from a repository, `:repos`, `:ref` with a digest, sorting, copying,
//! the detail pane's summary requests, the flash timer, the tree's scroll on a resize.
use super::{case, desc, next_req, run, tags, tree};
use crate::oci::Digest;
use crate::tui::action::{Cmd, Detail, InputKey, Loaded, Ui};
use crate::tui::effect::{Control, LoadJob, TermJob};
use crate::tui::state::prefs::SortKey;
use crate::tui::state::{DetailState, Prompt, Screen};

fn ready(tag: &str, size: u64, created: &str) -> DetailState {
    DetailState::Ready(Detail {
        descriptor: desc(tag),
        artifact_type: None,
        platforms: vec![],
        created: Some(created.into()),
        badges: vec![],
        signatures: vec![],
        image_size: Some(size),
        locked: false,
    })
}

#[test]
fn moving_like_k9s() {
    // Started on a repository (no repositories pane below it).
    let mut started = tags();
    started.stack = vec![Screen::Tags];
    started.repos = Default::default();
    let up = next_req(&started);
    let mut on_ref = tags();
    on_ref.prompt = Some(Prompt::Command(format!("ref {}", desc("v2").digest)));
    let mut repos_cmd = tree();
    repos_cmd.prompt = Some(Prompt::Command("repos".into()));
    let mut sized = tags();
    sized
        .tags
        .details
        .insert("v1".into(), ready("v1", 500, "2024-01-02T00:00:00Z"));
    sized
        .tags
        .details
        .insert("v2".into(), ready("v2", 9000, "2024-01-01T00:00:00Z"));
    // The untagged row's details are asked for already.
    sized.tags.wanted = [desc("untagged").digest.to_string()].into_iter().collect();
    let v2 = desc("v2").digest.to_string();
    let mut on_v1 = tags();
    on_v1.tags.details.insert("v1".into(), ready("v1", 1, "t"));
    let mut wide = tags();
    wide.pane.on = true;
    wide.width = 160;
    wide.tags.details.insert("v1".into(), ready("v1", 1, "t"));
    let mut flashed = tags();
    flashed.say("expanding the whole subtree");
    let seq = flashed.flash.seq;
    run(vec![
        case(
            "esc on a repository goes up to the registry's repositories",
            started,
            Cmd::Back,
            vec![LoadJob::Repos {
                req: up,
                cursor: None,
            }
            .into()],
            |s| assert_eq!(s.stack, [Screen::Repos]),
        ),
        case(
            ":ref accepts a digest",
            on_ref,
            InputKey::Submit,
            vec![
                Control::Remember {
                    reference: format!("reg.example/app@{v2}"),
                }
                .into(),
                LoadJob::Resolve {
                    gen: 1,
                    repo: "app".into(),
                    reference: v2.clone(),
                }
                .into(),
            ],
            |s| assert_eq!(s.screen(), Screen::Tree),
        ),
        case(
            ":repos opens the repositories pane (already listed: no load)",
            repos_cmd,
            InputKey::Submit,
            vec![],
            |s| assert_eq!(s.stack, [Screen::Repos]),
        ),
        case(
            "s cycles to created, S reverses; rows without details go last",
            sized.clone(),
            Cmd::Sort,
            vec![],
            |s| {
                assert_eq!(s.sorts.tags.key, SortKey::Created);
                assert_eq!(s.tags.view.visible, [1, 0, 2], "v2 older, untagged unknown");
            },
        ),
        case(
            "S reverses the name order",
            sized,
            Cmd::SortReverse,
            vec![],
            |s| assert_eq!(s.tags.view.visible, [1, 0, 2], "v2, v1; untagged last"),
        ),
        case(
            "c copies the digest through the terminal, with a flash",
            on_v1,
            Cmd::CopyDigest,
            vec![TermJob::Copy(desc("v1").digest.to_string()).into()],
            |s| assert!(s.flash.text.starts_with("copied sha256:")),
        ),
        case(
            "the detail pane asks once for the row under the cursor",
            wide,
            Ui::Resize(160, 40),
            vec![
                Control::WantDetails {
                    repo: "app".into(),
                    items: vec![
                        ("v2".into(), "v2".into()),
                        (
                            desc("untagged").digest.to_string(),
                            desc("untagged").digest.to_string(),
                        ),
                    ],
                }
                .into(),
                Control::WantSummary {
                    repo: "app".into(),
                    digest: desc("v1").digest,
                    subject: None,
                }
                .into(),
            ],
            |s| assert_eq!(s.summary_wanted, Some(desc("v1").digest)),
        ),
        case(
            "a flash line clears when its own timer fires",
            flashed,
            Ui::FlashExpired(seq),
            vec![],
            |s| assert!(s.flash.text.is_empty()),
        ),
    ]);
}

#[test]
fn a_flash_timer_for_an_older_message_leaves_the_new_one() {
    let mut s = tags();
    s.say("first");
    let old = s.flash.seq;
    s.say("second");
    super::super::update(&mut s, Ui::FlashExpired(old).into());
    assert_eq!(s.flash.text, "second");
}

#[test]
fn a_resize_keeps_the_tree_cursor_in_view() {
    let mut s = tree();
    s.height = 10;
    s.tree.offset = 2;
    s.tree.select(0);
    super::super::update(&mut s, Ui::Resize(120, 40).into());
    assert_eq!(s.tree.offset, 0, "grown: the top rows come back");
    let last = *s.tree.nodes[0].kids.last().expect("kid");
    s.tree.select(last);
    super::super::update(&mut s, Ui::Resize(120, 7).into());
    let rows = s.tree.rows();
    let at = rows
        .iter()
        .position(|r| r.kind == s.tree.cursor_kind())
        .expect("row");
    assert!(
        at >= s.tree.offset && at < s.tree.offset + s.body_height(),
        "shrunk: still shown"
    );
}

#[test]
fn the_summary_answer_is_cached_and_not_asked_again() {
    let mut s = tags();
    s.pane.on = true;
    s.width = 160;
    let d: Digest = desc("v1").digest;
    s.tags.details.insert("v1".into(), ready("v1", 1, "t"));
    let fx = super::super::update(&mut s, Ui::Resize(160, 40).into());
    assert!(format!("{fx:?}").contains("WantSummary"), "{fx:?}");
    let fx = super::super::update(
        &mut s,
        Loaded::Summary {
            digest: d.clone(),
            subject: None,
            result: Err("boom".into()),
        }
        .into(),
    );
    assert!(fx.is_empty());
    assert_eq!(s.summary_failed.get(&d).map(String::as_str), Some("boom"));
    s.summary_wanted = None;
    let fx = super::super::update(&mut s, Cmd::Down.into());
    assert!(
        !format!("{fx:?}").contains("WantSummary"),
        "a failed digest is not asked again: {fx:?}"
    );
}

#[test]
fn commands_quote_what_a_shell_would_read() {
    use crate::tui::update::ops::shell_word;
    assert_eq!(
        shell_word("localhost:5000/app@sha256:ab"),
        "localhost:5000/app@sha256:ab"
    );
    assert_eq!(shell_word("reg/a b;rm -rf ~"), "'reg/a b;rm -rf ~'");
    assert_eq!(shell_word("it's"), "'it'\\''s'");
}
