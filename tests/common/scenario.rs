//! The repository every inventory (and, later, cleanup) test starts from, built with the real
//! tools on any harness registry: a multi-arch index signed with cosign (tag mode and OCI 1.1 mode)
//! and notation, a signed SBOM, a re-pushed tag, a manifest pushed by digest, an orphan, stale
//! fallback indexes and — where the registry keeps tags of deleted manifests — dangling tags.
use super::signers::{cosign_sign, notation_sign};
use super::*;
use std::path::Path;

/// The registries the scenario runs on, and what each can and cannot do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reg {
    Dist,
    Refs,
    Acr,
    Harbor,
}

impl Reg {
    pub fn addr(self) -> String {
        harness().var(match self {
            Reg::Dist => "ARBOR_TEST_DIST",
            Reg::Refs => "ARBOR_TEST_REFS",
            Reg::Acr => "ARBOR_TEST_ACR",
            Reg::Harbor => "ARBOR_TEST_HARBOR",
        })
    }
    /// The vendor API lists every manifest.
    pub fn complete(self) -> bool {
        matches!(self, Reg::Acr | Reg::Harbor)
    }
    /// Deleting a subject by digest takes its referrers with it (Harbor's accessories).
    pub fn cascades(self) -> bool {
        self == Reg::Harbor
    }
}

pub fn crane_digest(reference: &str) -> String {
    stdout(&run_ok(crane().args(["digest", "--insecure", reference])))
        .trim()
        .to_string()
}

/// Referrers of `subject` whose manifest has `artifact_type` (its `artifactType`, else its config
/// media type): oras lists them (API or tag schema), crane reads each manifest — so registries
/// that report artifact types their own way (go-containerregistry) are read the same.
pub fn oras_referrers(reg: &str, repo: &str, subject: &str, artifact_type: &str) -> Vec<String> {
    let out = run_ok(
        oras()
            .args([
                "discover",
                "--plain-http",
                "--format",
                "json",
                "--depth",
                "1",
            ])
            .arg(format!("{reg}/{repo}@{subject}")),
    );
    let all: Vec<String> = json(&out)["referrers"]
        .as_array()
        .expect("referrers")
        .iter()
        .map(|r| r["digest"].as_str().expect("digest").to_string())
        .collect();
    all.into_iter()
        .filter(|d| {
            let m: serde_json::Value = crane_manifest(&format!("{reg}/{repo}@{d}"));
            m["artifactType"]
                .as_str()
                .or(m["config"]["mediaType"].as_str())
                == Some(artifact_type)
        })
        .collect()
}

fn one(mut v: Vec<String>, what: &str) -> String {
    assert_eq!(v.len(), 1, "{what}: {v:?}");
    v.remove(0)
}

/// `oras attach` through the referrers tag schema even where the registry has the API.
pub fn oras_attach_tag_schema(
    reg: &str,
    repo: &str,
    subject: &str,
    dir: &Path,
    file: &str,
) -> String {
    let out = run_ok(
        oras()
            .current_dir(dir)
            .args([
                "attach",
                "--plain-http",
                "--distribution-spec",
                "v1.1-referrers-tag",
            ])
            .args([
                "--artifact-type",
                "readme/example",
                "--format",
                "go-template={{.digest}}",
            ])
            .arg(format!("{reg}/{repo}@{subject}"))
            .arg(file),
    );
    stdout(&out).trim().to_string()
}

/// `oras attach` of a small SPDX SBOM (`application/spdx+json`) to `subject`; its digest.
pub fn attach_sbom(reg: &str, repo: &str, subject: &str) -> String {
    let files = files_dir();
    std::fs::write(
        files.path().join("sbom.spdx.json"),
        r#"{"spdxVersion":"SPDX-2.3","name":"app","packages":[]}"#,
    )
    .expect("write");
    oras_attach(
        reg,
        repo,
        subject,
        "application/spdx+json",
        files.path(),
        &["sbom.spdx.json:application/spdx+json"],
    )
}

pub fn crane_delete(reg: &str, repo: &str, digest: &str) {
    run_ok(
        crane()
            .args(["delete", "--insecure"])
            .arg(format!("{reg}/{repo}@{digest}")),
    );
}

/// The digests of one repository built by [`build`].
#[derive(Debug, Clone)]
pub struct Scenario {
    pub index: String,
    pub amd64: String,
    pub arm64: String,
    pub cosign_tag_sig: String,
    pub cosign_oci_sig: String,
    pub notation_sig: String,
    pub sbom: String,
    pub sbom_sig: String,
    pub nightly_old: String,
    pub nightly_new: String,
    pub by_digest: String,
    /// An SBOM whose subject (`doomed`) was deleted.
    pub orphan: String,
    pub doomed: String,
    /// A readme attached through the tag schema to `kept`, which was deleted.
    pub stale_readme: String,
    pub kept: String,
    /// `kept2`, a readme attached through the tag schema to it and deleted itself, and a second
    /// readme that stays (not on Harbor, which refuses to delete a manifest an index references).
    pub kept2: Option<(String, String, String)>,
}

pub fn build(r: Reg, repo: &str) -> Scenario {
    let reg = r.addr();
    let src = format!("{repo}-src");
    let files = files_dir();

    // v1: a two-platform index; the platform images are in the repository by digest only.
    push_image(&reg, &src, "base", "#!/bin/sh\necho app\n");
    for p in ["amd64", "arm64"] {
        run_ok(
            crane()
                .args(["mutate", "--insecure", "--set-platform"])
                .arg(format!("linux/{p}"))
                .arg(format!("{reg}/{src}:base"))
                .arg("-t")
                .arg(format!("{reg}/{src}:{p}")),
        );
    }
    run_ok(
        crane()
            .args(["index", "append", "--insecure"])
            .args([
                "-m",
                &format!("{reg}/{src}:amd64"),
                "-m",
                &format!("{reg}/{src}:arm64"),
            ])
            .args(["-t", &format!("{reg}/{repo}:v1")]),
    );
    let index = crane_digest(&format!("{reg}/{repo}:v1"));
    let amd64 = crane_digest(&format!("{reg}/{src}:amd64"));
    let arm64 = crane_digest(&format!("{reg}/{src}:arm64"));
    let subject = format!("{reg}/{repo}@{index}");

    // cosign: legacy tag mode, then OCI 1.1 mode; notation through the API where there is one.
    cosign_sign(&subject, false);
    let cosign_tag_sig = crane_digest(&format!("{reg}/{repo}:sha256-{}.sig", &index[7..]));
    cosign_sign(&subject, true);
    let cosign_oci_sig = one(
        oras_referrers(
            &reg,
            repo,
            &index,
            "application/vnd.dev.cosign.artifact.sig.v1+json",
        ),
        "cosign OCI 1.1 signature",
    );
    notation_sign(&subject);
    let notation_sig = one(
        oras_referrers(&reg, repo, &index, "application/vnd.cncf.notary.signature"),
        "notation signature",
    );
    let sbom = attach_sbom(&reg, repo, &index);
    notation_sign(&format!("{reg}/{repo}@{sbom}"));
    let sbom_sig = one(
        oras_referrers(&reg, repo, &sbom, "application/vnd.cncf.notary.signature"),
        "SBOM signature",
    );

    // A re-pushed tag, and a manifest pushed by digest.
    let nightly_old = push_image(&reg, repo, "nightly", "nightly 1");
    let nightly_new = push_image(&reg, repo, "nightly", "nightly 2");
    let by_digest = push_image(&reg, &src, "by-digest", "pushed by digest");
    run_ok(
        crane()
            .args(["copy", "--insecure"])
            .arg(format!("{reg}/{src}@{by_digest}"))
            .arg(format!("{reg}/{repo}@{by_digest}")),
    );

    // An orphan: the subject of an SBOM deleted by digest (crane leaves referrers alone).
    let doomed = push_image(&reg, repo, "doomed", "doomed");
    let orphan = attach_sbom(&reg, repo, &doomed);
    crane_delete(&reg, repo, &doomed);

    // A fallback index whose subject is gone.
    let kept = push_image(&reg, repo, "kept", "kept");
    let stale_readme = oras_attach_tag_schema(&reg, repo, &kept, files.path(), "readme.md");
    crane_delete(&reg, repo, &kept);

    // A fallback index with an entry that is gone.
    let kept2 = (!r.cascades()).then(|| {
        let kept2 = push_image(&reg, repo, "kept2", "kept 2");
        let readme = oras_attach_tag_schema(&reg, repo, &kept2, files.path(), "details.md");
        let live = oras_attach_tag_schema(&reg, repo, &kept2, files.path(), "readme.md");
        crane_delete(&reg, repo, &readme);
        (kept2, readme, live)
    });

    Scenario {
        index,
        amd64,
        arm64,
        cosign_tag_sig,
        cosign_oci_sig,
        notation_sig,
        sbom,
        sbom_sig,
        nightly_old,
        nightly_new,
        by_digest,
        orphan,
        doomed,
        stale_readme,
        kept,
        kept2,
    }
}
