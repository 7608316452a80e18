//! The case matrix of the `arbor verify` agreement tests: what each case expects, how the
//! peer tool checks it, and the run that prints the table and asserts every row.
use super::*;
use serde_json::Value;
use std::path::PathBuf;

/// What a case must end in, for arbor and for the peer alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Want {
    Verified,
    /// Verified, with failures the policy level only logs.
    Logged,
    /// Accepted unverified: the policy level is `skip`.
    Skipped,
    /// Not verified; arbor's reason contains this.
    Fails(&'static str),
}

#[derive(Clone)]
pub enum Peer {
    Notation,
    /// `cosign verify` with these extra arguments (and COSIGN_EXPERIMENTAL=1 when set).
    Cosign(Vec<String>, bool),
    /// `cosign verify-attestation --type slsaprovenance`.
    Attest,
    /// `cosign verify-blob --bundle BUNDLE FILE` (the same bundle arbor finds attached).
    Blob(PathBuf, PathBuf),
}

pub struct Case {
    pub name: &'static str,
    pub reference: String,
    pub key: Option<PathBuf>,
    pub peer: Peer,
    pub want: Want,
}

pub fn cosign_peer(extra: &[&str]) -> Peer {
    Peer::Cosign(extra.iter().map(|s| s.to_string()).collect(), false)
}

fn run_peer(s: &Signer, v: &Verifier, c: &Case) -> bool {
    let key = c.key.clone().unwrap_or_else(|| s.key("cosign.pub"));
    let base = |cmd: &str| {
        let mut t = tool(&s.home, "ARBOR_TEST_COSIGN");
        t.arg(cmd)
            .arg("--key")
            .arg(&key)
            .arg("--insecure-ignore-tlog");
        t
    };
    let out = match &c.peer {
        Peer::Notation => v.notation_verify(&c.reference),
        Peer::Cosign(extra, experimental) => {
            let mut t = base("verify");
            t.args(["--allow-http-registry", "--allow-insecure-registry"])
                .args(extra);
            if *experimental {
                t.env("COSIGN_EXPERIMENTAL", "1");
            }
            t.arg(&c.reference).output().expect("cosign")
        }
        Peer::Attest => base("verify-attestation")
            .args([
                "--type",
                "slsaprovenance",
                "--allow-http-registry",
                "--allow-insecure-registry",
            ])
            .arg(&c.reference)
            .output()
            .expect("cosign"),
        Peer::Blob(bundle, file) => base("verify-blob")
            .arg("--bundle")
            .arg(bundle)
            .arg(file)
            .output()
            .expect("cosign"),
    };
    out.status.success()
}

/// Runs arbor and the peer on a case; returns the table row, or why the row is wrong.
fn check(s: &Signer, v: &Verifier, c: &Case) -> (String, String, Result<(), String>) {
    let mut extra: Vec<String> = Vec::new();
    if let Some(k) = &c.key {
        extra.push("--key".into());
        extra.push(k.display().to_string());
    } else {
        extra.push("--key".into());
        extra.push(s.key("cosign.pub").display().to_string());
    }
    let args: Vec<&str> = extra.iter().map(String::as_str).collect();
    let out = v.arbor_verify(&c.reference, &args);
    let peer_ok = run_peer(s, v, c);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let sigs = report["signatures"].as_array().cloned().unwrap_or_default();
    let sig = sigs.first().cloned().unwrap_or(Value::Null);
    let arbor_ok = out.status.success();
    let arbor_col = match sig["status"].as_str() {
        Some("verified") if sig["logged"].is_array() => "✓ (logged)".to_string(),
        Some("verified") => "✓".to_string(),
        Some("skipped") => "✓ (skip)".to_string(),
        Some(_) => format!("✗ {}", sig["reason"].as_str().unwrap_or("")),
        None => format!("error: {}", stderr(&out).trim()),
    };
    let peer_col = if peer_ok { "✓" } else { "✗" }.to_string();
    let verdict = (|| {
        if sigs.len() != 1 {
            return Err(format!(
                "expected 1 signature, arbor found {}: {}",
                sigs.len(),
                stdout(&out)
            ));
        }
        let ok = !matches!(c.want, Want::Fails(_));
        if arbor_ok != ok || report["verified"] != ok {
            return Err(format!(
                "arbor exit {} / verified {} (stderr {})",
                out.status,
                report["verified"],
                stderr(&out)
            ));
        }
        if peer_ok != ok {
            return Err("the peer disagrees".into());
        }
        match c.want {
            Want::Verified if sig["status"] != "verified" || sig["logged"].is_array() => {
                Err(format!("status {sig}"))
            }
            Want::Logged if sig["status"] != "verified" || !sig["logged"].is_array() => {
                Err(format!("nothing logged: {sig}"))
            }
            Want::Skipped if sig["status"] != "skipped" => Err(format!("status {sig}")),
            Want::Fails(r) if !sig["reason"].as_str().unwrap_or("").contains(r) => {
                Err(format!("reason {:?} lacks {r:?}", sig["reason"]))
            }
            _ => Ok(()),
        }
    })();
    (arbor_col, peer_col, verdict)
}

/// Collects cases on one registry, with the trust policy statements they need.
pub struct Builder<'a> {
    pub reg: &'a str,
    pub s: &'a Signer,
    pub cases: Vec<Case>,
    pub statements: Vec<Value>,
}

impl<'a> Builder<'a> {
    pub fn new(reg: &'a str, s: &'a Signer) -> Self {
        Builder {
            reg,
            s,
            cases: Vec::new(),
            statements: Vec::new(),
        }
    }

    /// A fresh repository with one image; (repository, digest).
    pub fn image(&self, name: &str, content: &str) -> (String, String) {
        let repo = unique_repo(&format!("vfy-{name}"));
        let d = push_image(self.reg, &repo, "v1", content);
        (repo, d)
    }

    pub fn at(&self, repo: &str, d: &str) -> String {
        format!("{}/{repo}@{d}", self.reg)
    }

    pub fn add(
        &mut self,
        name: &'static str,
        reference: String,
        key: Option<PathBuf>,
        peer: Peer,
        want: Want,
    ) {
        self.cases.push(Case {
            name,
            reference,
            key,
            peer,
            want,
        });
    }
}

/// Runs every case (four at a time), prints the table, and asserts every row agrees.
pub fn run(s: &Signer, v: &Verifier, cases: &[Case], kind: &str) {
    let rows: Vec<(String, String, Result<(), String>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = cases
            .chunks(4)
            .map(|chunk| sc.spawn(|| chunk.iter().map(|c| check(s, v, c)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("case thread"))
            .collect()
    });
    println!(
        "\n{:<48} {:<62} {:<6} agree",
        format!("case ({kind})"),
        "arbor",
        "peer"
    );
    let mut failures = Vec::new();
    for (c, (a, p, ok)) in cases.iter().zip(&rows) {
        let a: String = a.chars().take(60).collect();
        println!(
            "{:<48} {:<62} {:<6} {}",
            c.name,
            a,
            p,
            if ok.is_ok() { "yes" } else { "NO" }
        );
        if let Err(e) = ok {
            failures.push(format!("{}: {e}", c.name));
        }
    }
    assert!(
        failures.is_empty(),
        "rows that do not agree or expect otherwise:\n{}",
        failures.join("\n")
    );
}
