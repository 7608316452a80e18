//! cosign and notation with a signing identity of their own (a cosign key pair, a notation test
//! certificate) in a HOME made once per test process.
use super::{harness, run_ok};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// A HOME for cosign and notation with a cosign key pair and a notation test certificate,
/// made once per test process.
pub fn signer_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let d = tempfile::Builder::new()
            .prefix("arbor-signer-home")
            .tempdir()
            .expect("tempdir")
            .keep();
        run_ok(
            tool(&d, "ARBOR_TEST_COSIGN")
                .current_dir(&d)
                .env("COSIGN_PASSWORD", "")
                .args(["generate-key-pair"]),
        );
        run_ok(tool(&d, "ARBOR_TEST_NOTATION").args([
            "cert",
            "generate-test",
            "--default",
            "arbor.inspect",
        ]));
        d
    })
}

/// A peer tool (`ARBOR_TEST_COSIGN`, `_NOTATION`…) with `home` as its HOME and no prompts.
pub fn tool(home: &Path, var: &str) -> Command {
    let mut c = Command::new(harness().var(var));
    c.env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("COSIGN_PASSWORD", "")
        .env("COSIGN_YES", "true")
        .env("TUF_ROOT", home.join(".sigstore"))
        .stdin(std::process::Stdio::null());
    c
}

/// `cosign` signing with the test key, offline (no signing config, no transparency log).
pub fn cosign(args: &[&str]) -> Command {
    let home = signer_home();
    let mut c = tool(home, "ARBOR_TEST_COSIGN");
    c.current_dir(home).args(args).args([
        "--key",
        "cosign.key",
        "--use-signing-config=false",
        "--tlog-upload=false",
        "--allow-http-registry",
        "--allow-insecure-registry",
    ]);
    c
}

/// `notation` from the harness with the signer's HOME.
pub fn notation_cmd() -> Command {
    tool(signer_home(), "ARBOR_TEST_NOTATION")
}

/// `cosign sign` with the test key: legacy tag mode (`sha256-<hex>.sig`), or with `oci11` an
/// OCI 1.1 referrer.
pub fn cosign_sign(subject: &str, oci11: bool) {
    if oci11 {
        run_ok(
            cosign(&[
                "sign",
                "--new-bundle-format=false",
                "--registry-referrers-mode=oci-1-1",
            ])
            .env("COSIGN_EXPERIMENTAL", "1")
            .arg(subject),
        );
    } else {
        run_ok(cosign(&["sign", "--new-bundle-format=false"]).arg(subject));
    }
}

/// `notation sign` with the test certificate: through the referrers API where the registry has
/// it, else the tag schema.
pub fn notation_sign(reference: &str) {
    run_ok(
        notation_cmd()
            .args(["sign", "--insecure-registry", "--force-referrers-tag=false"])
            .arg(reference),
    );
}
