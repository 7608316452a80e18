//! Moving, opening and refreshing screens (`keys`, `nav`, `prompt`), and the answers of store
//! reads (`loaded`).
use super::{case, desc, next_req, repos, run, tags, tree};
use crate::listing::ListingSource;
use crate::tui::action::{Cmd, DocKind, InputKey, Level, Loaded, Ui};
use crate::tui::effect::{Control, Effect, LoadJob};
use crate::tui::state::tree::Load;
use crate::tui::state::{Decoding, DetailState, Prompt, Screen};

/// What `want_details` asks for when none of `tags()`'s rows has details yet.
fn want_all() -> Effect {
    let untagged = desc("untagged").digest.to_string();
    Control::WantDetails {
        repo: "app".into(),
        items: vec![
            ("v1".into(), "v1".into()),
            ("v2".into(), "v2".into()),
            (untagged.clone(), untagged),
        ],
    }
    .into()
}

#[test]
fn keys_and_navigation() {
    let s = repos();
    let enter_repo = next_req(&s);
    let s2 = tags();
    let refresh_req = next_req(&s2);
    let s3 = tags();
    let describe_req = next_req(&s3);
    let mut root_closed = tree();
    root_closed.tree.nodes[0].open = false;
    let mut at_sig = tree();
    at_sig.tree.cursor = 1;
    let sig = at_sig.tree.nodes[1].desc.clone();
    let mut inspecting = tags();
    let inspect_req = next_req(&inspecting);
    super::super::nav::open_doc(
        &mut inspecting,
        "app".into(),
        "v1".into(),
        DocKind::Manifest,
        false,
    );
    run(vec![
        case(
            "enter on a repository lists its tags (and remembers it among the recent)",
            s,
            Cmd::Open,
            vec![
                Control::Remember {
                    reference: "reg.example/alpha".into(),
                }
                .into(),
                LoadJob::Tags {
                    req: enter_repo,
                    repo: "alpha".into(),
                }
                .into(),
            ],
            |s| {
                assert_eq!(s.stack, [Screen::Repos, Screen::Tags]);
                assert_eq!(s.repo.as_deref(), Some("alpha"));
                assert!(s.tags.loading);
            },
        ),
        case(
            "enter on a tag resolves it for a new tree",
            tags(),
            Cmd::Open,
            vec![
                Control::Remember {
                    reference: "reg.example/app:v1".into(),
                }
                .into(),
                LoadJob::Resolve {
                    gen: 1,
                    repo: "app".into(),
                    reference: "v1".into(),
                }
                .into(),
            ],
            |s| {
                assert_eq!(s.screen(), Screen::Tree);
                assert!(s.tree.resolving);
            },
        ),
        case(
            "down in the tags asks for the details on screen",
            tags(),
            Cmd::Down,
            vec![want_all()],
            |s| assert_eq!(s.tags.view.cursor, 1),
        ),
        case(
            "a click on the second list row selects it",
            tags(),
            Ui::Click(5),
            vec![want_all()],
            |s| assert_eq!(s.tags.view.cursor, 1),
        ),
        case(
            "a click on the pane's border selects nothing",
            tags(),
            Ui::Click(3),
            vec![],
            |s| assert_eq!(s.tags.view.cursor, 0),
        ),
        case(
            "three wheel notches move three rows (clamped)",
            tags(),
            Ui::Scroll(3),
            vec![want_all()],
            |s| assert_eq!(s.tags.view.cursor, 2),
        ),
        case(
            "ctrl-r drops the caches before the tags load again",
            s2,
            Cmd::Refresh,
            vec![
                Control::Invalidate { repo: "app".into() }.into(),
                LoadJob::Tags {
                    req: refresh_req,
                    repo: "app".into(),
                }
                .into(),
            ],
            |s| {
                assert_eq!(s.flash.text, "refreshed");
                assert_eq!(s.tags.rows.len(), 1, "the untagged row stays");
            },
        ),
        case(
            "d fetches the manifest and decodes it alongside",
            s3,
            Cmd::Describe,
            vec![
                LoadJob::Fetch {
                    req: describe_req,
                    repo: "app".into(),
                    reference: "v1".into(),
                    kind: DocKind::Manifest,
                }
                .into(),
                LoadJob::Inspect {
                    req: describe_req,
                    repo: "app".into(),
                    reference: "v1".into(),
                    subject: None,
                }
                .into(),
            ],
            |s| {
                assert_eq!(s.screen(), Screen::Describe);
                assert_eq!(s.doc.as_ref().map(|d| &d.decoded), Some(&Decoding::Loading));
            },
        ),
        case(
            "tab in the inspector switches to the config",
            inspecting,
            Cmd::NextDoc,
            vec![LoadJob::Fetch {
                req: inspect_req + 1,
                repo: "app".into(),
                reference: "v1".into(),
                kind: DocKind::Config,
            }
            .into()],
            |s| assert_eq!(s.stack, [Screen::Repos, Screen::Tags, Screen::Inspect]),
        ),
        case(
            "enter on an open, loaded node closes it",
            tree(),
            Cmd::Open,
            vec![],
            |s| assert!(!s.tree.nodes[0].open),
        ),
        case(
            "l on an unloaded node expands it",
            at_sig,
            Cmd::Right,
            vec![LoadJob::Expand {
                gen: 1,
                node: 1,
                repo: "app".into(),
                desc: sig,
            }
            .into()],
            |s| {
                assert_eq!(s.tree.nodes[1].load, Load::Loading);
                assert!(s.tree.nodes[1].open);
            },
        ),
        case(
            "h on a closed root goes back to the tags, which ask for their rows' details",
            root_closed,
            Cmd::Left,
            vec![want_all()],
            |s| assert_eq!(s.screen(), Screen::Tags),
        ),
        case(
            "esc on the last screen says how to quit",
            repos(),
            Cmd::Back,
            vec![],
            |s| {
                assert_eq!(s.stack, [Screen::Repos]);
                assert_eq!(s.flash.text, "q/ctrl-c to quit");
            },
        ),
        case(
            "? opens help over the screen",
            tags(),
            Cmd::Help,
            vec![],
            |s| assert_eq!(s.screen(), Screen::Help),
        ),
        case(
            "the dialog keys do nothing without a dialog",
            tags(),
            Cmd::Submit,
            vec![],
            |s| assert_eq!(s.screen(), Screen::Tags),
        ),
        case(
            "a resize keeps the cursor in view and asks for details",
            tags(),
            Ui::Resize(100, 20),
            vec![want_all()],
            |s| assert_eq!((s.width, s.height, s.body_height()), (100, 20, 13)),
        ),
        case("ctrl-c quits", tags(), Ui::Quit, vec![], |s| {
            assert!(s.quit)
        }),
    ]);
}

#[test]
fn prompts() {
    let mut filtering = tags();
    filtering.prompt = Some(Prompt::Filter("v".into()));
    let mut commanding = tags();
    commanding.prompt = Some(Prompt::Command("repo other".into()));
    let other_req = next_req(&commanding);
    let mut login = repos();
    login.prompt = Some(Prompt::Command("login alice".into()));
    run(vec![
        case(
            "typing in the filter narrows the tags and asks for what shows",
            filtering,
            InputKey::Char('2'),
            vec![Control::WantDetails {
                repo: "app".into(),
                items: vec![("v2".into(), "v2".into())],
            }
            .into()],
            |s| {
                assert_eq!(s.tags.view.visible, [1]);
                assert_eq!(s.prompt, Some(Prompt::Filter("v2".into())));
            },
        ),
        case(
            ":repo NAME opens that repository",
            commanding,
            InputKey::Submit,
            vec![
                Control::Remember {
                    reference: "reg.example/other".into(),
                }
                .into(),
                LoadJob::Tags {
                    req: other_req,
                    repo: "other".into(),
                }
                .into(),
            ],
            |s| assert_eq!(s.repo.as_deref(), Some("other")),
        ),
        case(
            ":login USER asks for the password, masked",
            login,
            InputKey::Submit,
            vec![],
            |s| {
                assert!(matches!(&s.prompt, Some(Prompt::Password { user, .. }) if user == "alice"))
            },
        ),
    ]);
}

#[test]
fn answers_of_store_reads() {
    let mut resolving = tags();
    super::super::nav::open_tree(&mut resolving, "app", "v1");
    let root = desc("v1");
    let mut listing = tags();
    listing.tags.req = 7;
    listing.tags.loading = true;
    let mut expanding = tree();
    expanding.tree.begin_expand(1);
    run(vec![
        case(
            "a resolved root is expanded at once",
            resolving.clone(),
            Loaded::Resolved {
                gen: 1,
                result: Ok(root.clone()),
            },
            vec![LoadJob::Expand {
                gen: 1,
                node: 0,
                repo: "app".into(),
                desc: root.clone(),
            }
            .into()],
            |s| assert_eq!(s.tree.nodes[0].load, Load::Loading),
        ),
        case(
            "an answer for an older tree is dropped",
            resolving,
            Loaded::Resolved {
                gen: 0,
                result: Ok(root),
            },
            vec![],
            |s| assert!(s.tree.nodes.is_empty() && s.tree.resolving),
        ),
        case(
            "the last tag page lands before the untagged rows",
            listing.clone(),
            Loaded::TagsPage {
                req: 7,
                result: Ok((vec!["v3".into()], true)),
            },
            vec![Control::WantDetails {
                repo: "app".into(),
                items: vec![
                    ("v1".into(), "v1".into()),
                    ("v2".into(), "v2".into()),
                    ("v3".into(), "v3".into()),
                    (
                        desc("untagged").digest.to_string(),
                        desc("untagged").digest.to_string(),
                    ),
                ],
            }
            .into()],
            |s| {
                assert_eq!(s.tags.rows[2].tag.as_deref(), Some("v3"));
                assert!(!s.tags.loading);
                assert_eq!(s.flash.text, "3 tags in app");
            },
        ),
        case(
            "a tag page for an older listing is dropped",
            listing,
            Loaded::TagsPage {
                req: 6,
                result: Ok((vec!["old".into()], true)),
            },
            vec![],
            |s| assert_eq!(s.tags.rows.len(), 3),
        ),
        case(
            "a failed detail is kept as failed",
            tags(),
            Loaded::Detail {
                repo: "app".into(),
                key: "v1".into(),
                result: Err("boom".into()),
            },
            vec![],
            |s| assert_eq!(s.tags.details["v1"], DetailState::Failed("boom".into())),
        ),
        case(
            "a failed level shows under its node",
            expanding,
            Loaded::Expanded {
                gen: 1,
                node: 1,
                result: Err::<Level, _>("500".into()),
            },
            vec![],
            |s| {
                assert_eq!(s.tree.nodes[1].load, Load::Failed("500".into()));
                assert!(s.flash.error);
            },
        ),
        case(
            "the store's status reaches the header",
            tags(),
            Loaded::Status {
                auth: "bearer alice".into(),
                referrers: None,
                listing: Some(ListingSource::Acr),
            },
            vec![],
            |s| {
                assert_eq!(s.facts.auth, "bearer alice");
                assert_eq!(s.facts.listing, Some(ListingSource::Acr));
            },
        ),
        case(
            "a status that does not know the listing source leaves the known one",
            {
                let mut s = tags();
                s.facts.listing = Some(ListingSource::Reachable);
                s
            },
            Loaded::Status {
                auth: "anonymous".into(),
                referrers: None,
                listing: None,
            },
            vec![],
            |s| assert_eq!(s.facts.listing, Some(ListingSource::Reachable)),
        ),
    ]);
}
