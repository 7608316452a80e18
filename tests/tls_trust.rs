//! Which CAs arbor trusts: the system's store (here pointed at with SSL_CERT_FILE, which
//! rustls-native-certs honours like OpenSSL) and nothing else; Mozilla's bundled roots only
//! when the system store is empty, and then the log says so.
mod common;
use common::*;
use std::process::Command;

fn tls() -> (String, String) {
    let h = harness();
    (h.var("ARBOR_TEST_TLS"), h.var("ARBOR_TEST_TLS_CA"))
}

#[test]
fn the_system_store_decides_which_registries_are_trusted() {
    let (reg, ca) = tls();
    // The harness CA in the "system" store: trusted without --ca-file.
    run_ok(
        arbor()
            .env("SSL_CERT_FILE", &ca)
            .args(["repos", "--plain-http=false", &reg]),
    );
    // Another CA in the store instead: refused, the certificate named as the reason.
    let d = tempfile::tempdir().unwrap();
    let other = d.path().join("other.crt");
    run_ok(
        Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-nodes", "-days", "1", "-subj", "/CN=other CA", "-keyout"])
            .arg(d.path().join("other.key"))
            .arg("-out")
            .arg(&other),
    );
    let out = arbor()
        .env("SSL_CERT_FILE", &other)
        .args(["repos", "--plain-http=false", &reg])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out).to_lowercase();
    assert!(
        err.contains("certificate") || err.contains("unknownissuer"),
        "{err}"
    );
}

#[test]
fn an_empty_system_store_falls_back_to_bundled_roots_and_says_so() {
    let (reg, _) = tls();
    let d = tempfile::tempdir().unwrap();
    let empty = d.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let log = d.path().join("arbor.log");
    let out = arbor()
        .env("SSL_CERT_FILE", &empty)
        .env("SSL_CERT_DIR", d.path().join("no-such-dir"))
        .arg("--log-file")
        .arg(&log)
        .args(["repos", "--plain-http=false", &reg])
        .output()
        .unwrap();
    // Mozilla's roots do not include the harness CA.
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("no CA certificates in the system store; using the bundled Mozilla roots"),
        "{text}"
    );
}
