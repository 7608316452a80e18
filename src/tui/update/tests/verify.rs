//! Verification of the signatures on screen: asked for once per signature digest, the answer
//! sets the badge, a cached digest is not asked again, `d` on a signature shows every check.
use super::{case, desc, next_req, run, tags, tree};
use crate::graph::EdgeSource;
use crate::oci::{Descriptor, Digest};
use crate::tui::action::{Cmd, Detail, DocKind, Loaded};
use crate::tui::effect::{Control, Effect, LoadJob, VerifyItem};
use crate::tui::state::verify::Mark;
use crate::tui::state::{DetailState, State};
use crate::verify::{Kind, SignatureVerdict};
use std::sync::Arc;

const COSIGN_SIG: &str = "application/vnd.dev.cosign.artifact.sig.v1+json";

fn sig_desc(seed: &str) -> Descriptor {
    Descriptor {
        artifact_type: Some(COSIGN_SIG.into()),
        ..desc(seed)
    }
}

/// `tree()` whose first referrer is a cosign signature (the second stays an unknown artifact).
fn signed_tree() -> State {
    let mut s = tree();
    s.tree.nodes[1].desc = sig_desc("sig");
    s
}

fn item() -> VerifyItem {
    VerifyItem {
        signature: sig_desc("sig"),
        subject: desc("v1"),
        source: EdgeSource::Layout,
    }
}

fn key(d: &Digest) -> (String, Digest) {
    ("app".to_string(), d.clone())
}

fn want(items: Vec<VerifyItem>) -> Effect {
    Control::WantVerify {
        repo: "app".into(),
        items,
    }
    .into()
}

fn verdict(ok: bool) -> Arc<Vec<SignatureVerdict>> {
    let mut v = SignatureVerdict::new(Kind::Cosign, "simple-signing");
    v.digest = sig_desc("sig").digest.to_string();
    v.source = "layout".into();
    if ok {
        v.signer = Some("key cosign.pub".into());
        v.pass("signature", Some("ECDSA P-256 key cosign.pub".into()));
    } else {
        v.fail("signature", "signature does not verify with the key".into());
    }
    v.pass("payload", Some("names the subject".into()));
    v.notes.push("transparency log not checked".into());
    Arc::new(vec![v.finish()])
}

fn verified(ok: bool) -> Loaded {
    Loaded::Verified {
        repo: "app".into(),
        digest: sig_desc("sig").digest,
        verdicts: verdict(ok),
    }
}

#[test]
fn signatures_on_screen_are_verified_once() {
    let mut asked = signed_tree();
    asked.verify.wanted.insert(key(&sig_desc("sig").digest));
    let mut answered = asked.clone();
    answered
        .verify
        .insert(key(&sig_desc("sig").digest), verdict(true));
    let mut describe = signed_tree();
    describe.tree.select(1);
    let req = next_req(&describe);
    let sig = sig_desc("sig").digest.to_string();
    run(vec![
        case(
            "a signature node on screen asks for its verification",
            signed_tree(),
            Cmd::Down,
            vec![want(vec![item()])],
            |s| {
                assert!(s.verify.wanted.contains(&key(&sig_desc("sig").digest)));
                assert_eq!(
                    s.verify.mark_of("app", &sig_desc("sig").digest),
                    Some(Mark::Pending)
                );
            },
        ),
        case(
            "asked once: the same signatures on screen ask nothing more",
            asked.clone(),
            Cmd::Down,
            vec![],
            |_| {},
        ),
        case(
            "the answer sets the badge's mark (✓)",
            asked.clone(),
            verified(true),
            vec![],
            |s| {
                assert_eq!(
                    s.verify.mark_of("app", &sig_desc("sig").digest),
                    Some(Mark::Verified)
                );
                assert!(s.verify.wanted.is_empty());
            },
        ),
        case(
            "a failed verification marks it ✗",
            asked,
            verified(false),
            vec![],
            |s| {
                assert_eq!(
                    s.verify.mark_of("app", &sig_desc("sig").digest),
                    Some(Mark::Failed)
                )
            },
        ),
        case(
            "a cached digest is not asked again",
            answered.clone(),
            Cmd::Down,
            vec![],
            |s| assert!(s.verify.wanted.is_empty()),
        ),
        case(
            "d on a signature: the describe view asks for the document, the decoding and the verification",
            describe,
            Cmd::Describe,
            vec![
                LoadJob::Fetch {
                    req,
                    repo: "app".into(),
                    reference: sig.clone(),
                    kind: DocKind::Manifest,
                }
                .into(),
                LoadJob::Inspect {
                    req,
                    repo: "app".into(),
                    reference: sig.clone(),
                    subject: None,
                }
                .into(),
                want(vec![item()]),
            ],
            |s| assert_eq!(s.doc.as_ref().and_then(|d| d.verify.clone()), Some(item())),
        ),
    ]);
}

#[test]
fn the_describe_view_shows_every_check_through_the_answer() {
    let mut s = signed_tree();
    s.tree.select(1);
    crate::tui::update::update(&mut s, Cmd::Describe.into());
    let req = s.doc.as_ref().map(|d| d.req).unwrap_or_default();
    crate::tui::update::update(
        &mut s,
        Loaded::Fetched {
            req,
            result: Ok(crate::tui::action::Doc {
                descriptor: sig_desc("sig"),
                bytes: bytes::Bytes::from_static(b"{}"),
                manifest: None,
            }),
        }
        .into(),
    );
    let text = |s: &State| {
        s.doc
            .as_ref()
            .map(|d| d.lines.join("\n"))
            .unwrap_or_default()
    };
    assert!(text(&s).contains("verifying…"), "{}", text(&s));
    let fx = crate::tui::update::update(&mut s, verified(false).into());
    assert!(fx.is_empty(), "{fx:?}");
    let t = text(&s);
    for want in [
        "Verification",
        "✗ cosign simple-signing failed",
        "reason        signature does not verify with the key",
        "Checks (2)",
        "✗ signature  signature does not verify with the key",
        "✓ payload  names the subject",
        "Notes (1)",
        "transparency log not checked",
    ] {
        assert!(t.contains(want), "{want:?} in:\n{t}");
    }
}

#[test]
fn a_tag_rows_own_signatures_are_verified_against_it() {
    let sigs = vec![sig_desc("sig")];
    let detail = Detail {
        descriptor: desc("v1"),
        artifact_type: None,
        platforms: vec![],
        created: None,
        badges: vec!["SIG".into()],
        signatures: sigs
            .into_iter()
            .map(|d| (d, EdgeSource::ReferrersApi))
            .collect(),
        image_size: None,
        locked: false,
    };
    let mut known = tags();
    known
        .tags
        .details
        .insert("v1".into(), DetailState::Ready(detail.clone()));
    known
        .verify
        .insert(key(&sig_desc("sig").digest), verdict(true));
    run(vec![
        case(
            "a row's details bring its signatures: verified against the tag's manifest",
            tags(),
            Loaded::Detail {
                repo: "app".into(),
                key: "v1".into(),
                result: Ok(detail.clone()),
            },
            vec![want(vec![VerifyItem {
                signature: sig_desc("sig"),
                subject: desc("v1"),
                source: EdgeSource::ReferrersApi,
            }])],
            |_| {},
        ),
        case(
            "verified before: only the other rows' details are asked for",
            known,
            Cmd::Down,
            vec![Control::WantDetails {
                repo: "app".into(),
                items: ["v2".to_string(), desc("untagged").digest.to_string()]
                    .into_iter()
                    .map(|k| (k.clone(), k))
                    .collect(),
            }
            .into()],
            |_| {},
        ),
    ]);
}

/// A tag signed with cosign's legacy `.sig` tag: its details bring that signature with the
/// referrers' own, each verified as it was found.
#[test]
fn a_tag_rows_cosign_tag_signature_is_verified_as_a_cosign_tag() {
    let mut tagged = desc("sig-tag");
    tagged.annotations = Some(
        [(
            crate::oci::media::ANN_REF_NAME.to_string(),
            format!("{}.sig", desc("v1").digest.to_string().replace(':', "-")),
        )]
        .into_iter()
        .collect(),
    );
    let detail = Detail {
        descriptor: desc("v1"),
        artifact_type: None,
        platforms: vec![],
        created: None,
        badges: vec!["SIG".into()],
        signatures: vec![
            (sig_desc("sig"), EdgeSource::ReferrersTag),
            (tagged.clone(), EdgeSource::CosignTag),
        ],
        image_size: None,
        locked: false,
    };
    run(vec![case(
        "both signatures asked for, each with how it was found",
        tags(),
        Loaded::Detail {
            repo: "app".into(),
            key: "v1".into(),
            result: Ok(detail),
        },
        vec![want(vec![
            VerifyItem {
                signature: sig_desc("sig"),
                subject: desc("v1"),
                source: EdgeSource::ReferrersTag,
            },
            VerifyItem {
                signature: tagged,
                subject: desc("v1"),
                source: EdgeSource::CosignTag,
            },
        ])],
        |_| {},
    )]);
}
