//! Table tests for `update`: given a state and an action, the new state and the exact effects.
//! No runtime, no store: what `update` asks for is compared as written.
mod fixes;
mod moving;
mod op_done;
mod operations;
mod pages;
mod screens;
mod verify;
mod writing;

use super::update;
use crate::oci::{media, Descriptor, Digest};
use crate::store::StoreKind;
use crate::tui::action::{Action, Plans};
use crate::tui::effect::Effect;
use crate::tui::keymap::Keymap;
use crate::tui::state::dialog::{AttachForm, DeleteDialog, Dialog, PullDialog};
use crate::tui::state::tree::Load;
use crate::tui::state::{Screen, State, StoreFacts, TagRow};
use std::sync::Arc;

/// One row of a table.
struct Case {
    name: &'static str,
    given: State,
    action: Action,
    effects: Vec<Effect>,
    then: Box<dyn Fn(&State)>,
}

fn case(
    name: &'static str,
    given: State,
    action: impl Into<Action>,
    effects: Vec<Effect>,
    then: impl Fn(&State) + 'static,
) -> Case {
    Case {
        name,
        given,
        action: action.into(),
        effects,
        then: Box::new(then),
    }
}

/// Runs every row; effects are compared exactly (through Debug: some payloads have no `Eq`).
fn run(cases: Vec<Case>) {
    for c in cases {
        let mut s = c.given;
        let got = update(&mut s, c.action);
        let show = |fx: &[Effect]| fx.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>();
        assert_eq!(show(&got), show(&c.effects), "{}: effects", c.name);
        (c.then)(&s);
    }
}

fn desc(seed: &str) -> Descriptor {
    Descriptor {
        media_type: media::OCI_MANIFEST.into(),
        digest: Digest::sha256_of(seed.as_bytes()),
        size: 100,
        artifact_type: None,
        annotations: None,
        platform: None,
        urls: None,
    }
}

/// A writable registry, 120×40, on the repositories pane with two repositories.
fn repos() -> State {
    let facts = StoreFacts {
        name: "reg.example".into(),
        kind: StoreKind::Registry,
        auth: "anonymous".into(),
        demo: false,
        referrers: None,
        listing: None,
        writable: true,
        plain_http: false,
    };
    let mut s = State::new(facts, Arc::new(Keymap::default()));
    // The detail pane asks for summaries of its own; these tables are about the rest.
    s.pane.on = false;
    s.stack = vec![Screen::Repos];
    s.repos.items = vec!["alpha".into(), "app".into()];
    s.repos.view.visible = vec![0, 1];
    s
}

/// Repository `app` open on its tags: v1, v2 and one untagged manifest.
fn tags() -> State {
    let mut s = repos();
    s.repo = Some("app".into());
    s.stack.push(Screen::Tags);
    s.tags.rows = vec![
        tag_row("v1"),
        tag_row("v2"),
        TagRow {
            tag: None,
            descriptor: Some(Box::new(desc("untagged"))),
            hidden: false,
        },
    ];
    s.tags.view.visible = vec![0, 1, 2];
    s
}

fn tag_row(t: &str) -> TagRow {
    TagRow {
        tag: Some(t.into()),
        descriptor: None,
        hidden: false,
    }
}

/// v1's tree: the root loaded and open with two referrers not loaded yet; cursor on the root.
fn tree() -> State {
    let mut s = tags();
    s.stack.push(Screen::Tree);
    s.tree.reset("app", "v1");
    s.tree.set_root(desc("v1"));
    s.tree.begin_expand(0);
    let level = crate::tui::action::Level {
        children: vec![],
        referrers: vec![desc("sig"), desc("sbom")],
        source: None,
        cosign: vec![],
        leaves: Default::default(),
        locked: Default::default(),
    };
    s.tree.finish_expand(0, Ok(level));
    assert_eq!(s.tree.nodes[0].load, Load::Loaded);
    s
}

/// The request id the next `s.req()` hands out.
fn next_req(s: &State) -> u64 {
    s.next_req + 1
}

/// `tree()` with a dialog open over it.
fn with_dialog(d: Dialog) -> State {
    let mut s = tree();
    s.dialog = Some(d);
    s
}

fn attach_form(focus: usize, files: &str, artifact_type: &str) -> State {
    with_dialog(Dialog::Attach(Box::new(AttachForm {
        req: 40,
        repo: "app".into(),
        subject: desc("v1").digest.to_string(),
        label: "v1".into(),
        files: files.into(),
        artifact_type: artifact_type.into(),
        focus,
        seen_types: vec!["application/spdx+json".into(), "text/markdown".into()],
        ..Default::default()
    })))
}

fn pull_dialog(running: bool, dir: &str) -> State {
    with_dialog(Dialog::Pull(PullDialog {
        id: 41,
        repo: "app".into(),
        reference: desc("sig").digest.to_string(),
        label: "signature".into(),
        dir: dir.into(),
        focus: 0,
        running,
        cancelling: false,
        status: Default::default(),
    }))
}

fn delete_dialog(focus: usize, planned: bool, running: bool) -> State {
    with_dialog(Dialog::Delete(DeleteDialog {
        id: 42,
        repo: "app".into(),
        refs: vec!["v1".into()],
        plans: planned.then(plans),
        focus,
        running,
        deleted: 0,
        fix: None,
    }))
}

fn plans() -> Plans {
    Plans(Arc::new(crate::graph::delete::DeletePlan {
        repository: "app".into(),
        targets: vec!["app:v1".into()],
        complete: false,
        source: crate::listing::ListingSource::Reachable,
        manifests: Vec::new(),
        tags: Vec::new(),
        fallback_indexes: Vec::new(),
        fallback_rewrites: Vec::new(),
        kept: Vec::new(),
    }))
}

fn attach(s: &State) -> &AttachForm {
    match &s.dialog {
        Some(Dialog::Attach(f)) => f,
        other => panic!("attach form: {other:?}"),
    }
}

fn pull(s: &State) -> &PullDialog {
    match &s.dialog {
        Some(Dialog::Pull(p)) => p,
        other => panic!("pull dialog: {other:?}"),
    }
}
