//! `arbor audit` on repositories holding unsigned, signed, badly signed, SBOM-only, attested and
//! fully covered tags, made by the real tools (notation, cosign, oras) on both registry kinds;
//! notation, cosign and oras decide the truth of every row. Also: one tag listing per
//! repository, `--require` and its exit status, the table, and a whole registry through its
//! catalog.
mod common;
mod verify_common;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output};
use verify_common::*;

const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"app","documentNamespace":"https://example.com/app","creationInfo":{"created":"2024-01-01T00:00:00Z","creators":["Tool: arbor-test"]},"packages":[{"name":"busybox","SPDXID":"SPDXRef-busybox","versionInfo":"1.36.1","downloadLocation":"NOASSERTION"}]}"#;
const CYCLONEDX: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"openssl","version":"3.0.13"}]}"#;
const SARIF: &str = r#"{"version":"2.1.0","$schema":"https://json.schemastore.org/sarif-2.1.0.json","runs":[{"tool":{"driver":{"name":"trivy"}},"results":[]}]}"#;
const PROVENANCE: &str =
    r#"{"builder":{"id":"https://example.com/builder@v1"},"buildType":"https://example.com/t"}"#;

/// What a tag is made to carry, and so what arbor must report.
#[derive(Debug, Clone, Copy, Default)]
struct Want {
    signed: bool,
    verified: bool,
    sbom: &'static [&'static str],
    provenance: bool,
    attested: bool,
    scan: bool,
}

/// Writes the documents the tools attach into `dir`.
fn documents(dir: &Path) {
    for (name, body) in [
        ("sbom.spdx.json", SPDX),
        ("bom.cdx.json", CYCLONEDX),
        ("scan.sarif", SARIF),
        ("provenance.json", PROVENANCE),
    ] {
        std::fs::write(dir.join(name), body).expect("write");
    }
}

/// Pushes the tags of the scenario into `reg/repo` and signs, attests and attaches with the
/// real tools; returns each tag with what it must show.
fn seed(reg: &str, repo: &str, s: &Signer) -> Vec<(&'static str, Want)> {
    let dir = tempfile::tempdir().expect("tempdir");
    documents(dir.path());
    let key = |f: &str| s.key(f).display().to_string();
    let image = |tag: &str| {
        let d = push_image(reg, repo, tag, &format!("{repo} {tag}\n"));
        format!("{reg}/{repo}@{d}")
    };
    let doc = |f: &str| dir.path().join(f).display().to_string();
    let attach = |at: &str, subject: &str, file: &str| {
        let d = subject.rsplit('@').next().expect("digest");
        oras_attach(reg, repo, d, at, dir.path(), &[file]);
    };

    image("unsigned");

    let signed = image("signed");
    s.notation_sign(&signed, None, "jws");

    let wrong = image("wrong-key");
    run_ok(
        s.cosign("sign", &key("other.key"))
            .arg("--new-bundle-format=false")
            .arg(&wrong),
    );

    let sbom_only = image("sbom-only");
    attach("application/spdx+json", &sbom_only, "sbom.spdx.json");

    let attested = image("attested");
    run_ok(
        s.cosign("sign", &key("cosign.key"))
            .arg("--new-bundle-format=false")
            .arg(&attested),
    );
    run_ok(
        s.cosign("attest", &key("cosign.key"))
            .args(["--type", "spdxjson", "--new-bundle-format=false"])
            .arg(format!("--predicate={}", doc("sbom.spdx.json")))
            .arg(&attested),
    );

    let full = image("full");
    run_ok(s.cosign("sign", &key("cosign.key")).arg(&full));
    s.notation_sign(&full, None, "cose");
    run_ok(
        s.cosign("attest", &key("cosign.key"))
            .args(["--type", "slsaprovenance"])
            .arg(format!("--predicate={}", doc("provenance.json")))
            .arg(&full),
    );
    attach("application/vnd.cyclonedx+json", &full, "bom.cdx.json");
    attach("application/sarif+json", &full, "scan.sarif");

    vec![
        ("unsigned", Want::default()),
        (
            "signed",
            Want {
                signed: true,
                verified: true,
                ..Default::default()
            },
        ),
        (
            "wrong-key",
            Want {
                signed: true,
                ..Default::default()
            },
        ),
        (
            "sbom-only",
            Want {
                sbom: &["spdx"],
                ..Default::default()
            },
        ),
        (
            "attested",
            Want {
                signed: true,
                verified: true,
                sbom: &["spdx"],
                attested: true,
                ..Default::default()
            },
        ),
        (
            "full",
            Want {
                signed: true,
                verified: true,
                sbom: &["cyclonedx"],
                provenance: true,
                attested: true,
                scan: true,
            },
        ),
    ]
}

/// What the peers say of a tag: (verified, SBOM formats, provenance, scan).
fn peers(s: &Signer, v: &Verifier, reference: &str) -> (bool, Vec<String>, bool, bool) {
    let cosign = |cmd: &str, extra: &[&str]| {
        tool(&s.home, "ARBOR_TEST_COSIGN")
            .arg(cmd)
            .arg("--key")
            .arg(s.key("cosign.pub"))
            .args([
                "--insecure-ignore-tlog",
                "--allow-http-registry",
                "--allow-insecure-registry",
            ])
            .args(extra)
            .arg(reference)
            .output()
            .expect("cosign")
            .status
            .success()
    };
    let verified = v.notation_verify(reference).status.success() || cosign("verify", &[]);
    let provenance = cosign("verify-attestation", &["--type", "slsaprovenance"]);
    let discovered = run_ok(
        oras()
            .args(["discover", "--plain-http", "--format", "json"])
            .arg(reference),
    );
    let types: Vec<String> = json(&discovered)["referrers"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["artifactType"].as_str().map(str::to_string))
        .collect();
    let mut sbom: Vec<String> = ["spdx", "cyclonedx"]
        .into_iter()
        .filter(|f| types.iter().any(|t| t.contains(f)))
        .map(str::to_string)
        .collect();
    if !sbom.contains(&"spdx".to_string()) && cosign("verify-attestation", &["--type", "spdxjson"])
    {
        sbom.push("spdx".into());
    }
    let scan = types.iter().any(|t| t.contains("sarif"));
    (verified, sbom, provenance, scan)
}

/// `arbor audit` with the verifier's Notation configuration and the cosign public key.
fn arbor_audit(s: &Signer, v: &Verifier, args: &[&str]) -> Output {
    arbor()
        .env("XDG_CONFIG_HOME", v.home.join(".config"))
        .arg("audit")
        .arg("--key")
        .arg(s.key("cosign.pub"))
        .args(args)
        .output()
        .expect("arbor")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Seeds a repository on `reg`, audits it through `proxy` (the faultproxy in front of the same
/// registry, which logs every request), and checks every row against the peers and the scenario.
fn audit_agrees(reg: &str, proxy: &str, kind: &str) {
    let s = Signer::new(3600);
    let v = Verifier::new(&s);
    v.write_policy(&[]);
    let repo = unique_repo("audit");
    let want = seed(reg, &repo, &s);
    let _ = Command::new("curl")
        .args(["-sf", "-X", "DELETE"])
        .arg(format!("http://{proxy}/__stats/{repo}"))
        .output();

    let out = arbor_audit(&s, &v, &["--format", "json", &format!("{proxy}/{repo}")]);
    assert!(out.status.success(), "audit failed: {}", stderr(&out));
    let log = fault_stats(proxy, &repo);
    let report = json(&out);
    let rows = report["tags"].as_array().cloned().unwrap_or_default();

    println!(
        "\n{:<12} {:<46} {:<34} agree",
        format!("tag ({kind})"),
        "arbor: signed verified sbom prov attested scan",
        "peers: verified sbom prov scan"
    );
    let mut failures = Vec::new();
    for (tag, w) in &want {
        let row = rows
            .iter()
            .find(|r| r["tag"] == *tag)
            .cloned()
            .unwrap_or(Value::Null);
        let reference = format!("{reg}/{repo}:{tag}");
        let (p_verified, p_sbom, p_prov, p_scan) = peers(&s, &v, &reference);
        let sbom = strings(&row["sbom"]);
        let got = (
            row["signed"].as_bool(),
            row["verified"].as_bool(),
            sbom.clone(),
            !strings(&row["provenance"]).is_empty(),
            !strings(&row["attestations"]).is_empty(),
            !strings(&row["scan"]).is_empty(),
        );
        let expected = (
            Some(w.signed),
            Some(w.verified),
            w.sbom.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
            w.provenance,
            w.attested,
            w.scan,
        );
        let peer_agrees = p_verified == w.verified
            && p_sbom == expected.2
            && p_prov == w.provenance
            && p_scan == w.scan;
        let ok = got == expected && peer_agrees && row["errors"].is_null();
        println!(
            "{:<12} {:<46} {:<34} {}",
            tag,
            format!(
                "{:?} {:?} {:?} {} {} {}",
                got.0, got.1, got.2, got.3, got.4, got.5
            ),
            format!("{p_verified} {p_sbom:?} {p_prov} {p_scan}"),
            if ok { "yes" } else { "NO" }
        );
        if !ok {
            failures.push(format!(
                "{tag}: arbor {row}, peers ({p_verified}, {p_sbom:?}, {p_prov}, {p_scan})"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "rows that disagree:\n{}",
        failures.join("\n")
    );
    assert_eq!(rows.len(), want.len(), "hidden tags are no rows: {rows:?}");

    // The wrong-key signature is there and fails for the reason the key gives.
    let wrong = rows.iter().find(|r| r["tag"] == "wrong-key").expect("row");
    assert_eq!(wrong["signatures"][0]["status"], "failed", "{wrong}");
    let c = &report["counts"];
    assert_eq!(
        (
            c["tags"].as_u64(),
            c["signed"].as_u64(),
            c["verified"].as_u64(),
            c["sbom"].as_u64()
        ),
        (Some(6), Some(4), Some(3), Some(3)),
        "{c}"
    );

    // One tag listing for the repository, however many tags, cosign tags and fallback indexes.
    let listings = log["log"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|e| e["kind"] == "tags" && e["method"] == "GET")
        .count();
    assert_eq!(listings, 1, "tag listings: {}", log["log"]);

    // --require: the tags that lack something are named, and the exit status is 1.
    let out = arbor_audit(
        &s,
        &v,
        &["--require", "signed,sbom", &format!("{proxy}/{repo}")],
    );
    let table = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{table}{}", stderr(&out));
    assert!(
        stderr(&out).contains("4 of 6 tags lack --require signed,sbom"),
        "{}",
        stderr(&out)
    );
    let line = |tag: &str| {
        table
            .lines()
            .find(|l| l.starts_with(&format!("{tag} ")))
            .unwrap_or_else(|| panic!("no row for {tag}:\n{table}"))
            .to_string()
    };
    assert!(line("unsigned").ends_with("missing signed,sbom"), "{table}");
    assert!(line("signed").ends_with("missing sbom"), "{table}");
    assert!(line("sbom-only").ends_with("missing signed"), "{table}");
    assert!(!line("full").contains("missing"), "{table}");
    assert!(line("full").contains(" ✓ 2/2 "), "{table}");
    assert!(line("wrong-key").contains(" ✗ 0/1 "), "{table}");
    assert!(
        table.contains("6 tags in 1 repository: 4 signed, 3 verified, 3 with an SBOM, 1 with provenance, 2 attested, 1 with a scan result; 4 lacking --require signed,sbom"),
        "{table}"
    );

    // One tag, fully covered: exit 0.
    let out = arbor_audit(
        &s,
        &v,
        &[
            "--require",
            "signed,verified,sbom,provenance,attestation,scan",
            &format!("{proxy}/{repo}:full"),
        ],
    );
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

#[test]
fn audit_agrees_with_the_peers_on_distribution_tag_fallback() {
    let h = harness();
    audit_agrees(&h.dist(), &h.fault_dist(), "distribution");
}

#[test]
fn audit_agrees_with_the_peers_on_referrers_api() {
    let h = harness();
    audit_agrees(&h.refs_spec(), &h.fault_refs(), "referrers API");
}

/// A registry of our own (the referrers-API registry of the harness, started here), so its
/// catalog holds only this test's repositories.
struct OwnRegistry {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl OwnRegistry {
    fn start() -> OwnRegistry {
        let dir = tempfile::tempdir().expect("tempdir");
        let addr_file = dir.path().join("addr");
        let child = Command::new(harness().var("ARBOR_TEST_BIN_DIR") + "/refreg")
            .args(["-mode", "spec", "-quiet", "-addr", "127.0.0.1:0", "-blobs"])
            .arg(dir.path().join("blobs"))
            .arg("-addr-file")
            .arg(&addr_file)
            .spawn()
            .expect("refreg");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let addr = loop {
            if let Ok(a) = std::fs::read_to_string(&addr_file) {
                if !a.trim().is_empty() {
                    break a.trim().to_string();
                }
            }
            assert!(
                std::time::Instant::now() < deadline,
                "refreg did not start in 20 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        OwnRegistry {
            child,
            addr,
            _dir: dir,
        }
    }
}

impl Drop for OwnRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// (repository, tag, verified, SBOM formats, missing requirements).
type Row = (String, String, bool, Vec<String>, Vec<String>);

#[test]
fn audit_of_a_registry_covers_every_repository_of_its_catalog() {
    let r = OwnRegistry::start();
    let s = Signer::new(3600);
    let v = Verifier::new(&s);
    v.write_policy(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    documents(dir.path());
    let app = push_image(&r.addr, "team/app", "v1", "app v1\n");
    push_image(&r.addr, "team/app", "v2", "app v2\n");
    s.notation_sign(&format!("{}/team/app@{app}", r.addr), None, "jws");
    let lib = push_image(&r.addr, "lib", "1.0", "lib 1.0\n");
    oras_attach(
        &r.addr,
        "lib",
        &lib,
        "application/spdx+json",
        dir.path(),
        &["sbom.spdx.json"],
    );

    let out = arbor_audit(
        &s,
        &v,
        &["--format", "json", "--require", "signed", &r.addr],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = json(&out);
    let rows: Vec<Row> = report["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| {
            (
                t["repository"].as_str().unwrap_or("").to_string(),
                t["tag"].as_str().unwrap_or("").to_string(),
                t["verified"].as_bool().unwrap_or(false),
                strings(&t["sbom"]),
                strings(&t["missing"]),
            )
        })
        .collect();
    let want: Vec<Row> = vec![
        (
            "lib".into(),
            "1.0".into(),
            false,
            vec!["spdx".into()],
            vec!["signed".into()],
        ),
        ("team/app".into(), "v1".into(), true, vec![], vec![]),
        (
            "team/app".into(),
            "v2".into(),
            false,
            vec![],
            vec!["signed".into()],
        ),
    ];
    assert_eq!(rows, want);
    assert_eq!(report["counts"]["repositories"], 2);
    assert_eq!(report["counts"]["failing"], 2);
    // Progress on stderr, one line per repository when stderr is no terminal.
    let err = stderr(&out);
    assert!(err.contains("audit: lib (1/2): 1 tag"), "{err}");
    assert!(err.contains("audit: team/app (2/2): 2 tags"), "{err}");

    // The table names the repository of each row.
    let out = arbor_audit(&s, &v, &[&r.addr]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = stdout(&out);
    assert!(table.starts_with("REPOSITORY  TAG"), "{table}");
    assert!(
        table.contains("3 tags in 2 repositories: 1 signed, 1 verified, 1 with an SBOM"),
        "{table}"
    );
}
