//! Property tests over everything a registry or a user hands arbor's parsers: references,
//! manifests, `WWW-Authenticate` challenges, `Link` headers, and the terminal sanitiser.
//! No registry needed; thousands of cases each, in well under a second per property.
use arbor::oci::tags::is_valid_tag;
use arbor::oci::{Digest, Manifest, Reference};
use arbor::registry::challenge::{parse_challenge, Challenge};
use arbor::registry::link::next_link;
use arbor::text::{escape, escape_bytes, escape_multiline, tag_label, Escaped};
use proptest::prelude::*;
use std::borrow::Cow;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 4096,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Characters that must never reach a terminal raw, listed independently of the sanitiser.
fn is_terminal_hazard(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || matches!(u, 0x061c | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2069 | 0xfeff)
        || matches!(u, 0x2028 | 0x2029 | 0x00ad | 0xe0001 | 0xe0020..=0xe007f)
}

/// Strings rich in what hostile registries send: escapes, C1, bidi, zero-width, plain text.
fn hostile_string() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("\x1b]0;title\x07".to_string()),
        Just("\x1b]52;c;aGk=\x07".to_string()),
        Just("\x1b[2J".to_string()),
        Just("\u{9b}31m".to_string()),
        Just("\u{202e}".to_string()),
        Just("\u{2066}".to_string()),
        Just("\u{200f}".to_string()),
        Just("\u{feff}".to_string()),
        Just("\\x1b".to_string()),
        "[ -~]{0,8}",
        any::<char>().prop_map(String::from),
        "\\PC{0,4}",
    ];
    prop::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

fn digest() -> impl Strategy<Value = Digest> {
    any::<[u8; 8]>().prop_map(|b| Digest::sha256_of(&b))
}

fn component() -> impl Strategy<Value = String> {
    "[a-z0-9]{1,6}((\\.|_|__|-{1,2})[a-z0-9]{1,6}){0,2}"
}

fn tag() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,20}"
}

fn registry() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9]{0,8}\\.[a-z]{2,4}",
        "[a-z][a-z0-9]{0,8}\\.[a-z]{2,4}:[1-9][0-9]{0,4}",
        "localhost:[1-9][0-9]{0,4}",
        "127\\.0\\.0\\.1:[1-9][0-9]{0,4}",
        Just("[::1]:5000".to_string()),
    ]
}

/// A reference built from valid parts: (registry, repository, tag, digest).
fn reference_parts() -> impl Strategy<Value = (String, String, Option<String>, Option<Digest>)> {
    (
        registry(),
        prop::collection::vec(component(), 1..4).prop_map(|v| v.join("/")),
        prop::option::of(tag()),
        prop::option::of(digest()),
    )
}

proptest! {
    #![proptest_config(config())]

    // ---- the sanitiser ----

    #[test]
    fn sanitised_text_holds_no_terminal_hazard(s in hostile_string()) {
        let out = escape(&s);
        prop_assert!(!out.chars().any(is_terminal_hazard), "{:?} -> {:?}", s, out);
        prop_assert!(!out.chars().any(arbor::text::needs_escape));
        prop_assert_eq!(Escaped(&s).to_string(), out.as_ref());
        // Escaping is idempotent: its output has nothing left to escape.
        prop_assert_eq!(escape(&out), out.as_ref());
    }

    #[test]
    fn text_without_hazards_is_borrowed_unchanged(s in "\\PC*") {
        prop_assume!(!s.chars().any(arbor::text::needs_escape));
        prop_assert!(matches!(escape(&s), Cow::Borrowed(b) if b == s));
    }

    #[test]
    fn multiline_escapes_each_line_alone(s in hostile_string(), t in hostile_string()) {
        let joined = format!("{s}\n{t}");
        let want: Vec<Cow<str>> = joined.split('\n').map(escape).collect();
        prop_assert_eq!(escape_multiline(&joined), want.join("\n"));
    }

    #[test]
    fn any_bytes_become_safe_text(b in prop::collection::vec(any::<u8>(), 0..64)) {
        let out = escape_bytes(&b);
        prop_assert!(!out.chars().any(is_terminal_hazard));
        if let Ok(s) = std::str::from_utf8(&b) {
            prop_assert_eq!(out, escape(s));
        }
    }

    #[test]
    fn tag_check_matches_the_distribution_regex(t in "[a-zA-Z0-9_.\\-:/@ \t\u{202e}]{0,130}") {
        let re = regex::Regex::new(r"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$").unwrap();
        prop_assert_eq!(is_valid_tag(&t), re.is_match(&t));
        let label = tag_label(&t);
        prop_assert!(!label.chars().any(is_terminal_hazard));
        prop_assert_eq!(is_valid_tag(&t), label == t);
    }

    #[test]
    fn a_reference_keeps_exactly_the_tags_that_may_be_requested(t in "[a-zA-Z0-9_.\\- \t\u{7f}\u{202e}]{0,130}") {
        let r = Reference::parse(&format!("localhost:5000/repo:{t}"));
        if is_valid_tag(&t) {
            prop_assert_eq!(r.unwrap().tag, Some(t));
        } else {
            prop_assert!(r.is_err(), "{:?} parsed", t);
        }
    }

    // ---- references ----

    #[test]
    fn reference_parsing_never_panics(s in "[a-zA-Z0-9._:/@\\[\\]\\- ]{0,60}|\\PC{0,40}") {
        let _ = Reference::parse(&s);
        let _ = Reference::parse_repository(&s);
        let _ = arbor::oci::reference::parse_registry(&s);
    }

    #[test]
    fn a_parsed_reference_reparses_to_itself(s in "[a-z0-9._:/@\\-]{1,60}") {
        if let Ok(r) = Reference::parse(&s) {
            let again = Reference::parse(&r.to_string());
            prop_assert_eq!(again.as_ref().ok(), Some(&r), "{} -> {}", s, r);
        }
    }

    #[test]
    fn references_built_from_valid_parts_parse_back((reg, repo, tag, digest) in reference_parts()) {
        let mut s = format!("{reg}/{repo}");
        if let Some(t) = &tag {
            s.push(':');
            s.push_str(t);
        }
        if let Some(d) = &digest {
            s.push('@');
            s.push_str(&d.to_string());
        }
        let r = Reference::parse(&s).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&r.registry, &reg);
        prop_assert_eq!(&r.repository, &repo);
        let want_tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        prop_assert_eq!(&r.tag, &want_tag);
        prop_assert_eq!(&r.digest, &digest);
        prop_assert_eq!(Reference::parse(&r.to_string()).ok(), Some(r));
    }

    // ---- manifests ----

    #[test]
    fn manifest_parsing_never_panics_on_bytes(b in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = Manifest::parse(&b, None);
    }

    #[test]
    fn manifest_parsing_never_panics_on_json(v in json_value()) {
        let bytes = serde_json::to_vec(&v).unwrap();
        let _ = Manifest::parse(&bytes, Some("application/vnd.oci.image.index.v1+json"));
        let _ = Manifest::from_reader(bytes.as_slice(), None);
    }

}

proptest! {
    // Each case hashes and serialises whole manifests: fewer cases keep this under a second.
    #![proptest_config(ProptestConfig { cases: 1024, ..config() })]

    #[test]
    fn a_parsed_manifest_reserialises_to_the_same_manifest(m in manifest_json()) {
        let bytes = serde_json::to_vec(&m).unwrap();
        let first = Manifest::parse(&bytes, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let again = serde_json::to_vec(&first).unwrap();
        let second = Manifest::parse(&again, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(serde_json::to_value(&first).unwrap(), serde_json::to_value(&second).unwrap());
        prop_assert_eq!(first.subject, second.subject);
        prop_assert_eq!(first.layers.len(), m["layers"].as_array().map_or(0, Vec::len));
        prop_assert_eq!(first.annotations.as_ref().map(|a| a.len()), m.get("annotations").and_then(|a| a.as_object()).map(|a| a.len()));
    }
}

proptest! {
    #![proptest_config(config())]

    // ---- WWW-Authenticate ----

    #[test]
    fn challenge_parsing_never_panics(s in "[a-zA-Z=\", \\\\]{0,60}|\\PC{0,60}") {
        let _ = parse_challenge(&s);
    }

    #[test]
    fn bearer_challenges_give_back_their_values(
        realm in quotable(), service in quotable(), scope in quotable(),
        order in Just([0usize, 1, 2]).prop_shuffle(), upper in any::<bool>(), sep in "[ ]{0,2},[ ]{0,2}",
    ) {
        let params = [("realm", &realm), ("service", &service), ("scope", &scope)];
        let body: Vec<String> = order
            .iter()
            .map(|&i| {
                let (k, v) = params[i];
                let k = if upper { k.to_ascii_uppercase() } else { k.to_string() };
                format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
            })
            .collect();
        let header = format!("{} {}", if upper { "BEARER" } else { "Bearer" }, body.join(&sep));
        let c = parse_challenge(&header);
        prop_assert_eq!(c, Some(Challenge::Bearer { realm, service: Some(service), scope: Some(scope), error: None }), "{}", header);
    }

    // ---- Link ----

    #[test]
    fn link_parsing_never_panics(s in "[<>;,=\" a-z/?&]{0,60}|\\PC{0,60}") {
        let _ = next_link(&s);
    }

    #[test]
    fn the_next_link_is_found_among_others(
        next in uri(), others in prop::collection::vec((uri(), "prev|first|last|alternate"), 0..4),
        at in 0usize..5, quoted in any::<bool>(),
    ) {
        let mut links: Vec<String> = others
            .iter()
            .map(|(u, rel)| format!("<{u}>; rel=\"{rel}\"; title=\"a, b; <c>\""))
            .collect();
        let rel = if quoted { "rel=\"next\"".to_string() } else { "rel=next".to_string() };
        links.insert(at.min(links.len()), format!("<{next}>; {rel}"));
        let header = links.join(", ");
        prop_assert_eq!(next_link(&header), Some(next), "{}", header);
    }
}

/// Auth-param values: no leading/trailing white space (the parser trims), anything else.
fn quotable() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9:/._,;=\"\\\\ -]{0,30}".prop_map(|s| s.trim().to_string())
}

/// URI references as registries write them (RFC 3986 characters; no `<`, `>`, `"`, space).
fn uri() -> impl Strategy<Value = String> {
    "(https?://[a-z0-9.:]{1,20})?/v2/[a-z0-9/]{1,20}\\?[a-zA-Z0-9=&%;,._~:@!$'()*+-]{0,40}"
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        prop_oneof![
            "\\PC{0,10}",
            Just("schemaVersion".to_string()),
            Just("sha256:".to_string())
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        let key = prop_oneof![
            Just("schemaVersion"),
            Just("mediaType"),
            Just("config"),
            Just("layers"),
            Just("manifests"),
            Just("subject"),
            Just("digest"),
            Just("size"),
            Just("annotations"),
            Just("artifactType"),
            Just("platform"),
            Just("x"),
        ]
        .prop_map(str::to_string);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key, inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn descriptor_json() -> impl Strategy<Value = serde_json::Value> {
    (
        digest(),
        0i64..1 << 40,
        prop::option::of(hostile_string()),
        prop::collection::btree_map(hostile_string(), hostile_string(), 0..3),
    )
        .prop_map(|(d, size, at, ann)| {
            let mut v = serde_json::json!({
                "mediaType": "application/vnd.oci.image.layer.v1.tar",
                "digest": d.to_string(),
                "size": size,
            });
            if let Some(t) = at {
                v["artifactType"] = t.into();
            }
            if !ann.is_empty() {
                v["annotations"] = serde_json::json!(ann);
            }
            v
        })
}

fn manifest_json() -> impl Strategy<Value = serde_json::Value> {
    (
        descriptor_json(),
        prop::collection::vec(descriptor_json(), 0..4),
        prop::option::of(descriptor_json()),
        prop::collection::btree_map(hostile_string(), hostile_string(), 0..4),
        prop::option::of(hostile_string()),
    )
        .prop_map(|(config, layers, subject, ann, at)| {
            let mut m = serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config,
                "layers": layers,
            });
            if let Some(s) = subject {
                m["subject"] = s;
            }
            if !ann.is_empty() {
                m["annotations"] = serde_json::json!(ann);
            }
            if let Some(t) = at {
                m["artifactType"] = t.into();
            }
            m
        })
}

/// Nesting far past serde_json's limit is an error, never a stack overflow.
#[test]
fn deeply_nested_manifests_are_errors_not_crashes() {
    for depth in [127usize, 129, 10_000, 100_000] {
        let doc = format!(
            "{{\"schemaVersion\":2,\"x\":{}1{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let _ = Manifest::parse(doc.as_bytes(), None);
        let doc = format!(
            "{{\"annotations\":{}",
            "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth + 1)
        );
        assert!(Manifest::parse(doc.as_bytes(), None).is_err());
    }
}
