//! The untagged view's fixes and the listing-backed columns through the TUI, on real registries
//! judged by oras: a dangling tag removed on go-containerregistry (which keeps tags after a delete
//! by digest), a stale fallback index repaired on distribution, CREATED from the ACR stand-in's
//! own times, locked nodes marked in the tree, and delete plans that list afresh.
//! Needs the harness (ARBOR_HARNESS_ENV): without it these fail, they do not skip.
mod common;

use arbor::listing::RegistryKind;
use arbor::registry::{ClientOptions, RegistryStore};
use arbor::store::ReferrersMode;
use arbor::tui::action::{Cmd, Ui};
use arbor::tui::harness::Harness;
use arbor::tui::open_store;
use arbor::tui::state::dialog::{Dialog, TagDeleteDialog};
use arbor::tui::state::prefs::Look;
use arbor::tui::state::{DetailState, Screen, UntaggedRow};
use arbor::tui::update::Start;
use common::scenario::{crane_delete, oras_attach_tag_schema};
use common::*;
use std::sync::Arc;
use std::time::Duration;

/// Registries on a shared, slow machine: wait longer than the harness default.
async fn settle(h: &mut Harness) {
    h.settle_within(Duration::from_secs(60)).await;
}

fn store(reg: &str, flavor: Option<RegistryKind>) -> Arc<RegistryStore> {
    let opts = ClientOptions {
        flavor,
        ..Default::default()
    };
    Arc::new(RegistryStore::new(reg, &opts, ReferrersMode::Auto).expect("store"))
}

async fn open(store: Arc<RegistryStore>, start: Start) -> Harness {
    let mut h = Harness::new(open_store(store, start), 120, 40);
    settle(&mut h).await;
    h
}

fn tags_start(repo: &str) -> Start {
    Start::Tags {
        repo: repo.to_string(),
        untagged: Vec::new(),
    }
}

/// Opens the untagged view and puts the cursor on the row `pick` picks.
async fn untagged_row(h: &mut Harness, pick: impl Fn(&UntaggedRow) -> bool) {
    h.cmd(Cmd::Untagged);
    settle(h).await;
    assert_eq!(h.state.screen(), Screen::Untagged);
    h.untagged_cursor_to(pick);
}

/// Presses the dialog's action button (Cancel is focused first), waits for the result, and
/// checks the report equals the plan (else a report dialog lists the differences).
async fn confirm_as_planned(h: &mut Harness) {
    h.cmd(Cmd::DialogPrev);
    h.cmd(Cmd::Submit);
    settle(h).await;
    assert!(h.state.dialog.is_none(), "{}", h.screen_text());
    assert!(
        h.state.flash.text.starts_with("as planned:"),
        "the report equals the plan: {:?}",
        h.state.flash
    );
}

/// After a fix the untagged view reloads, and no row is what `fixed` picks any more.
async fn reloaded_without(h: &mut Harness, fixed: impl Fn(&UntaggedRow) -> bool) {
    settle(h).await;
    let rows = &h.state.untagged.rows;
    assert!(
        !rows.is_empty() || h.state.untagged.inventory.is_some(),
        "reloaded"
    );
    assert!(!rows.iter().any(fixed), "{rows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_removes_a_dangling_tag_on_the_referrers_api_registry() {
    let reg = harness().refs();
    let repo = unique_repo("tui-dangling");
    push_image(&reg, &repo, "v1", "kept");
    let doomed = push_image(&reg, &repo, "doomed", "doomed");
    // go-containerregistry keeps the tag of a manifest deleted by digest: a dangling tag.
    crane_delete(&reg, &repo, &doomed);
    assert!(oras_tags(&reg, &repo).contains("doomed"));

    let mut h = open(store(&reg, None), tags_start(&repo)).await;
    untagged_row(
        &mut h,
        |r| matches!(r, UntaggedRow::Dangling(d) if d.tag == "doomed"),
    )
    .await;
    assert!(
        h.screen_text().contains("dangling tag"),
        "{}",
        h.screen_text()
    );
    h.cmd(Cmd::RemoveTag);
    settle(&mut h).await;
    let plan = h.plan();
    assert!(plan.manifests.is_empty(), "{plan:?}");
    assert_eq!(plan.tags, vec!["doomed".to_string()]);
    let text = h.screen_text();
    assert!(text.contains("Tags removed: doomed"), "{text}");
    confirm_as_planned(&mut h).await;
    assert!(
        h.state
            .flash
            .text
            .starts_with("as planned: deleted 0 manifests, 1 tag gone (doomed)"),
        "{:?}",
        h.state.flash
    );
    let tags = oras_tags(&reg, &repo);
    assert!(!tags.contains("doomed") && tags.contains("v1"), "{tags:?}");
    reloaded_without(&mut h, |r| matches!(r, UntaggedRow::Dangling(_))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tui_repairs_a_stale_fallback_index_on_distribution() {
    let reg = harness().dist();
    let repo = unique_repo("tui-stale");
    let files = files_dir();
    let subject = push_image(&reg, &repo, "v1", "subject");
    let lost = oras_attach_tag_schema(&reg, &repo, &subject, files.path(), "details.md");
    let live = oras_attach_tag_schema(&reg, &repo, &subject, files.path(), "readme.md");
    // crane deletes by digest and leaves the fallback index listing it: stale.
    crane_delete(&reg, &repo, &lost);
    let tag = format!("sha256-{}", &subject[7..]);

    let mut h = open(store(&reg, None), tags_start(&repo)).await;
    untagged_row(
        &mut h,
        |r| matches!(r, UntaggedRow::Stale(s) if s.tag == tag),
    )
    .await;
    h.cmd(Cmd::Repair);
    settle(&mut h).await;
    let plan = h.plan();
    assert!(plan.manifests.is_empty(), "nothing deleted: {plan:?}");
    assert_eq!(plan.fallback_indexes, vec![tag.clone()]);
    assert_eq!(plan.fallback_rewrites.len(), 1);
    let removed: Vec<String> = plan.fallback_rewrites[0]
        .remove
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        removed,
        vec![lost.clone()],
        "exactly the entry that is gone"
    );
    let text = h.screen_text();
    assert!(text.contains("rewritten without"), "{text}");
    confirm_as_planned(&mut h).await;
    assert!(
        h.state.flash.text.starts_with(
            "as planned: deleted 0 manifests, 0 tags gone, 1 fallback index removed or rewritten (sha256-"
        ),
        "{:?}",
        h.state.flash
    );
    let index = stdout(&run_ok(
        oras()
            .args(["manifest", "fetch", "--plain-http"])
            .arg(format!("{reg}/{repo}:{tag}")),
    ));
    assert!(
        !index.contains(&lost) && index.contains(&live),
        "repaired: {index}"
    );
    reloaded_without(&mut h, |r| matches!(r, UntaggedRow::Stale(_))).await;
}

/// ctrl-d on a tag row, then "Delete the whole graph" in the choice it asks first; waits for
/// the plan.
async fn whole_graph(h: &mut Harness) {
    h.cmd(Cmd::Delete);
    let Some(Dialog::TagDelete(d)) = &h.state.dialog else {
        panic!("the tag row's choice: {}", h.screen_text())
    };
    let at = d
        .buttons()
        .iter()
        .position(|b| *b == TagDeleteDialog::WHOLE)
        .expect("offered");
    for _ in at..d.focus {
        h.cmd(Cmd::DialogPrev);
    }
    assert!(
        matches!(&h.state.dialog, Some(Dialog::TagDelete(d)) if d.buttons()[d.focus] == TagDeleteDialog::WHOLE)
    );
    h.cmd(Cmd::Submit);
    settle(h).await;
}

/// A refused plan: the report dialog says why in full (the flash line is cut on a narrow
/// terminal); OK closes it. Returns the screen with the report.
fn refused_in_a_report(h: &mut Harness) -> String {
    let text = h.screen_text();
    assert!(
        matches!(h.state.dialog, Some(Dialog::Report(_))),
        "a report: {text}"
    );
    for words in [
        "refused before any change",
        "locked manifest",
        "unlock them first",
    ] {
        assert!(text.contains(words), "{words:?}: {text}");
    }
    h.cmd(Cmd::Submit);
    assert!(
        h.state.dialog.is_none(),
        "OK closes it: {}",
        h.screen_text()
    );
    text
}

fn created(h: &Harness, tag: &str) -> Option<String> {
    match h.state.tags.details.get(tag) {
        Some(DetailState::Ready(d)) => d.created.clone(),
        other => panic!("{tag}: {other:?}\n{}", h.screen_text()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_list_created_comes_from_the_acr_listing_when_the_config_has_none() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("tui-created");
    let bare = push_config_image(&reg, &repo, "bare", None);
    push_config_image(&reg, &repo, "built", Some("2001-02-03T04:05:06Z"));
    let pushed = acr_created(&reg, &repo, &bare);

    // The kind forced (as `--flavor acr` or a context's flavor does): the listing's time.
    let h = open(store(&reg, Some(RegistryKind::Acr)), tags_start(&repo)).await;
    let shown = created(&h, "bare").expect("the registry's time");
    assert_eq!(shown.get(..19), pushed.get(..19), "{shown} vs {pushed}");
    assert_eq!(
        created(&h, "built").as_deref(),
        Some("2001-02-03T04:05:06Z"),
        "the config's time comes first"
    );
    let text = h.screen_text();
    assert!(text.contains(&pushed[..10]), "on screen: {text}");

    // Not forced, not detected yet: no probe, no listing, nothing to show.
    let plain = store(&reg, None);
    let mut h = open(plain.clone(), tags_start(&repo)).await;
    assert_eq!(created(&h, "bare"), None);
    // The untagged view takes the inventory, which detects ACR; a refresh then shows the time.
    h.cmd(Cmd::Untagged);
    settle(&mut h).await;
    h.cmd(Cmd::Untagged);
    h.cmd(Cmd::Refresh);
    settle(&mut h).await;
    let shown = created(&h, "bare").expect("detected this session: the registry's time");
    assert_eq!(shown.get(..19), pushed.get(..19));
}

fn snapshot_settings(reg: &str, repo: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(reg), "[registry]");
    s.add_filter(&regex_escape(repo), "[repo]");
    s.add_filter(r"sha256:[0-9a-f]{64}", "sha256:[digest]");
    s.add_filter(r"sha256-[0-9a-f]{64}", "sha256-[digest]");
    s.add_filter(r"\b[0-9a-f]{12}\b", "[short]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "[time]");
    // The host, repository and flash lengths vary by run: styled text compares the tree's rows.
    s.add_filter(r#" +","#, r#"","#);
    s.add_filter(r"x: \d+, y: (0|1|22), ", "x: [x], y: $1, ");
    s.set_prepend_module_to_snapshot(false);
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = ".+*?()|[]{}^$\\".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// The header's first two lines.
fn header(h: &Harness) -> String {
    h.screen_text()
        .lines()
        .take(2)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The header names the listing source once it is known, never by a probe of its own and never
/// as "not known": on the ACR stand-in (a plain host) once `u` found its listing API, at once
/// with a forced flavor, and "reachable only" on distribution once `u` found no listing API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_names_the_listing_source_once_it_is_known() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("tui-source");
    push_image(&reg, &repo, "v1", "first");
    push_image(&reg, &repo, "v1", "second");
    let mut h = open(store(&reg, None), tags_start(&repo)).await;
    assert!(!header(&h).contains("│ listing"), "{}", header(&h));
    h.cmd(Cmd::Untagged);
    settle(&mut h).await;
    assert_eq!(h.state.untagged.rows.len(), 1, "{}", h.screen_text());
    assert!(header(&h).contains("│ listing ACR"), "{}", header(&h));
    let settings = snapshot_settings(&reg, &repo);
    h.send(Ui::Resize(160, 45));
    settings.bind(|| insta::assert_snapshot!("header_listing_acr_160x45", header(&h)));
    // At 80 columns whole pieces give way (repo first: the breadcrumbs say it), none is cut.
    h.send(Ui::Resize(80, 24));
    settings.bind(|| insta::assert_snapshot!("header_listing_acr_80x24", header(&h)));
    h.send(Ui::Resize(120, 40));
    h.cmd(Cmd::Untagged);
    settle(&mut h).await;
    assert_eq!(h.state.screen(), Screen::Tags);
    assert!(header(&h).contains("│ listing ACR"), "{}", header(&h));

    // A forced flavor is known from the first frame.
    let h = open(store(&reg, Some(RegistryKind::Acr)), tags_start(&repo)).await;
    assert!(header(&h).contains("│ listing ACR"), "{}", header(&h));

    let dist = harness().dist();
    let repo = unique_repo("tui-source");
    push_image(&dist, &repo, "v1", "only");
    let mut h = open(store(&dist, None), tags_start(&repo)).await;
    assert!(!header(&h).contains("│ listing"), "{}", header(&h));
    h.cmd(Cmd::Untagged);
    settle(&mut h).await;
    assert!(
        header(&h).contains("│ listing reachable only"),
        "{}",
        header(&h)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tree_marks_locked_manifests_and_plans_list_afresh() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("tui-locked");
    let files = files_dir();
    let image = push_image(&reg, &repo, "v1", "locked below");
    let sig = oras_attach(
        &reg,
        &repo,
        &image,
        "application/vnd.example.signature",
        files.path(),
        &["signature.json"],
    );
    acr_lock(&reg, &repo, &sig);
    let start = Start::Ref {
        repo: repo.clone(),
        reference: "v1".into(),
        untagged: Vec::new(),
    };
    let settings = snapshot_settings(&reg, &repo);
    for (w, ht) in [(160, 45), (80, 24)] {
        let mut h = Harness::new(
            open_store(store(&reg, Some(RegistryKind::Acr)), start.clone()),
            w,
            ht,
        );
        settle(&mut h).await;
        let text = h.screen_text();
        let line = text
            .lines()
            .find(|l| l.contains(&sig[7..19]))
            .unwrap_or_else(|| panic!("the signature's node: {text}"));
        assert!(line.contains("[locked]"), "{line}");
        let root = text
            .lines()
            .find(|l| l.contains(&image[7..19]))
            .unwrap_or("");
        assert!(!root.contains("[locked]"), "{root}");
        settings.bind(|| insta::assert_snapshot!(format!("tree_locked_{w}x{ht}"), text));
        if w == 80 {
            h.state.look = Look::Mono;
            settings.bind(|| insta::assert_snapshot!("tree_locked_mono_80x24", h.styled_text()));
        }
    }

    // A delete of the locked node refuses up front, naming it; nothing changes.
    let mut h = open(store(&reg, Some(RegistryKind::Acr)), start.clone()).await;
    h.cmd(Cmd::Down);
    h.cmd(Cmd::Delete);
    settle(&mut h).await;
    refused_in_a_report(&mut h);
    let flash = h.state.flash.text.clone();
    assert!(
        h.state.flash.error && flash.contains("locked") && flash.contains(&sig),
        "{flash}"
    );
    assert!(oras_tags(&reg, &repo).contains("v1"));

    // The image locked after the tree was drawn: the tree still shows the session's listing, but
    // the delete plan lists afresh and refuses, naming the image.
    acr_lock(&reg, &repo, &image);
    h.cmd(Cmd::Top);
    let text = h.screen_text();
    let root = text
        .lines()
        .find(|l| l.contains(&image[7..19]))
        .unwrap_or("");
    assert!(!root.contains("[locked]"), "the cached listing: {root}");
    h.cmd(Cmd::Delete);
    settle(&mut h).await;
    let flash = h.state.flash.text.clone();
    assert!(
        flash.contains("locked") && flash.contains(&image),
        "{flash}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tag_list_marks_locked_tags_and_their_delete_is_refused_naming_them() {
    let reg = harness().var("ARBOR_TEST_ACR");
    let repo = unique_repo("tui-taglock");
    let locked = push_image(&reg, &repo, "v1", "a locked release");
    let free = push_image(&reg, &repo, "v2", "an unlocked release");
    acr_lock(&reg, &repo, &locked);
    let mut settings = snapshot_settings(&reg, &repo);
    // At 80 columns the header is cut where the host and repository lengths (which vary by run)
    // say; the rows are what this compares.
    settings.add_filter(r"(?m)^ arbor  registry .*$", " arbor [header]");
    settings.add_filter(r#"" arbor  registry .*","#, r#"" arbor [header]","#);
    settings.add_filter(r"(?m)^ +x: \[x\], y: [01], .*\n", "");
    let row = |text: &str, digest: &str| -> String {
        text.lines()
            .find(|l| l.contains(&digest[7..19]))
            .unwrap_or_else(|| panic!("the row of {digest}: {text}"))
            .to_string()
    };
    for (w, ht) in [(160, 45), (80, 24)] {
        let mut h = Harness::new(
            open_store(store(&reg, Some(RegistryKind::Acr)), tags_start(&repo)),
            w,
            ht,
        );
        settle(&mut h).await;
        let text = h.screen_text();
        assert!(row(&text, &locked).contains("locked"), "{text}");
        assert!(!row(&text, &free).contains("locked"), "{text}");
        settings.bind(|| insta::assert_snapshot!(format!("tag_list_locked_{w}x{ht}"), text));
        if w == 80 {
            // Said in a word: no colour needed.
            h.state.look = Look::Mono;
            assert!(row(&h.screen_text(), &locked).contains("locked"));
            settings
                .bind(|| insta::assert_snapshot!("tag_list_locked_mono_80x24", h.styled_text()));
        }
    }

    // On a terminal too narrow for the ATTACHED column the mark goes with it; TAG and DIGEST stay.
    let h = Harness::new(
        open_store(store(&reg, Some(RegistryKind::Acr)), tags_start(&repo)),
        40,
        12,
    );
    let mut h = h;
    settle(&mut h).await;
    let line = row(&h.screen_text(), &locked);
    assert!(line.contains("v1") && !line.contains("locked"), "{line}");

    // ctrl-d on the locked tag: the plan refuses before any change, naming the manifest and its
    // tag, and saying how to unlock it.
    let mut h = open(store(&reg, Some(RegistryKind::Acr)), tags_start(&repo)).await;
    h.cmd(Cmd::Top);
    assert!(row(&h.screen_text(), &locked).contains('›'), "cursor on v1");
    whole_graph(&mut h).await;
    let text = refused_in_a_report(&mut h);
    assert!(text.contains(&locked[7..40]), "the digest, wrapped: {text}");
    let flash = h.state.flash.text.clone();
    assert!(h.state.flash.error, "{flash}");
    for word in [
        "locked",
        locked.as_str(),
        "tags v1",
        "unlock",
        "nothing was changed",
    ] {
        assert!(flash.contains(word), "{word:?} in {flash}");
    }
    assert_eq!(
        oras_tags(&reg, &repo),
        ["v1", "v2"].map(String::from).into_iter().collect()
    );

    // The unlocked tag next to it deletes as planned.
    h.cmd(Cmd::Down);
    assert!(row(&h.screen_text(), &free).contains('›'));
    whole_graph(&mut h).await;
    confirm_as_planned(&mut h).await;
    assert_eq!(
        oras_tags(&reg, &repo),
        ["v1"].map(String::from).into_iter().collect()
    );
}
