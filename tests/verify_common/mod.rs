//! Signers and verifiers for the `arbor verify` tests: a signer HOME with real `notation`
//! test certificates, an OpenSSL test CA (P-384 and P-521 leaves, a short-lived leaf) and
//! real `cosign` key pairs; a verifier HOME with Notation's trust store and trust policy; and
//! helpers that copy or tamper with signature artifacts as an attacker would.
#![allow(dead_code)]
pub mod cases;
pub mod keyless;
pub mod matrix;
mod tamper;

pub use tamper::*;

use crate::common::*;
use base64::Engine;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const NOTARY: &str = "application/vnd.cncf.notary.signature";
pub const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
pub const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
pub const B64URL: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A peer tool with HOME (and XDG/DOCKER dirs) in `home`.
pub fn tool(home: &Path, var: &str) -> Command {
    let mut c = Command::new(harness().var(var));
    c.env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("COSIGN_PASSWORD", "")
        .env("COSIGN_YES", "true")
        .env("TUF_ROOT", home.join(".sigstore"))
        .current_dir(home)
        .stdin(std::process::Stdio::null());
    c
}

pub fn openssl(dir: &Path, args: &[&str]) -> Output {
    run_ok(Command::new("openssl").current_dir(dir).args(args))
}

/// UTC time `secs` from now as openssl's `YYYYMMDDHHMMSSZ`.
fn asn1_time(secs: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::seconds(secs);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Everything that signs: notation keys (by name), cosign key files, the test CA.
pub struct Signer {
    pub home: PathBuf,
    _dir: tempfile::TempDir,
}

impl Signer {
    /// A fresh signer: `notation cert generate-test` for `arbor.verify` (default) and
    /// `stranger`; an OpenSSL root with P-384, P-521 and short-lived (`expiring`) leaves
    /// added to notation's signing keys; cosign key pairs `cosign` and `other`, and imported
    /// RSA 2048 and P-384 keys.
    pub fn new(expiring_secs: i64) -> Signer {
        let dir = tempfile::Builder::new()
            .prefix("arbor-verify-signer")
            .tempdir()
            .expect("tempdir");
        let home = dir.path().to_path_buf();
        let s = Signer { home, _dir: dir };
        let n = |args: &[&str]| run_ok(tool(&s.home, "ARBOR_TEST_NOTATION").args(args));
        n(&["cert", "generate-test", "--default", "arbor.verify"]);
        n(&["cert", "generate-test", "stranger"]);
        let c = |args: &[&str]| run_ok(tool(&s.home, "ARBOR_TEST_COSIGN").args(args));
        c(&["generate-key-pair"]);
        c(&["generate-key-pair", "--output-key-prefix", "other"]);
        openssl(&s.home, &["genrsa", "-out", "rsa.pem", "2048"]);
        openssl(
            &s.home,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-out",
                "p384.pem",
            ],
        );
        for k in ["rsa", "p384"] {
            c(&[
                "import-key-pair",
                "--key",
                &format!("{k}.pem"),
                "--output-key-prefix",
                k,
            ]);
        }
        s.make_ca();
        s.add_leaf(
            "ec384",
            "P-384",
            -3600,
            2 * 86400,
            "/C=US/ST=WA/O=arbor test/CN=ec384 signer",
        );
        s.add_leaf(
            "ec521",
            "P-521",
            -3600,
            2 * 86400,
            "/C=US/ST=WA/O=arbor test/CN=ec521 signer",
        );
        s.add_leaf(
            "expiring",
            "P-256",
            -3600,
            expiring_secs,
            "/C=US/ST=WA/O=arbor test/CN=short-lived signer",
        );
        s
    }

    fn ca(&self) -> PathBuf {
        self.home.join("ca")
    }

    fn make_ca(&self) {
        let ca = self.ca();
        std::fs::create_dir_all(ca.join("newcerts")).unwrap();
        std::fs::write(ca.join("index.txt"), "").unwrap();
        std::fs::write(ca.join("serial"), "1000\n").unwrap();
        std::fs::write(
            ca.join("ca.cnf"),
            format!(
                "[ca]\ndefault_ca = d\n[d]\ndatabase = {0}/index.txt\nnew_certs_dir = {0}/newcerts\nserial = {0}/serial\n\
                 default_md = sha384\npolicy = any\nunique_subject = no\ncopy_extensions = none\n\
                 [any]\ncommonName = supplied\n\
                 [leaf]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature\nextendedKeyUsage = codeSigning\n",
                ca.display()
            ),
        )
        .unwrap();
        openssl(
            &ca,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
                "-nodes",
                "-keyout",
                "root.key",
                "-out",
                "root.crt",
                "-days",
                "3",
                "-sha384",
                "-subj",
                "/C=US/ST=WA/O=arbor test/CN=arbor test root",
                "-addext",
                "basicConstraints=critical,CA:true",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }

    /// The test root certificate (PEM).
    pub fn root_pem(&self) -> PathBuf {
        self.ca().join("root.crt")
    }

    /// A leaf issued by the test root, valid from `from` to `until` seconds from now, added
    /// to notation's signing keys as `name` (certificate file: leaf then root).
    pub fn add_leaf(&self, name: &str, curve: &str, from: i64, until: i64, subj: &str) {
        let ca = self.ca();
        let key = format!("{name}.key");
        openssl(
            &ca,
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                &format!("ec_paramgen_curve:{curve}"),
                "-out",
                &key,
            ],
        );
        openssl(
            &ca,
            &[
                "req",
                "-new",
                "-utf8",
                "-key",
                &key,
                "-subj",
                subj,
                "-out",
                &format!("{name}.csr"),
            ],
        );
        openssl(
            &ca,
            &[
                "ca",
                "-batch",
                "-config",
                "ca.cnf",
                "-cert",
                "root.crt",
                "-keyfile",
                "root.key",
                "-in",
                &format!("{name}.csr"),
                "-out",
                &format!("{name}.crt"),
                "-notext",
                "-preserveDN",
                "-extensions",
                "leaf",
                "-startdate",
                &asn1_time(from),
                "-enddate",
                &asn1_time(until),
            ],
        );
        let chain = format!(
            "{}{}",
            std::fs::read_to_string(ca.join(format!("{name}.crt"))).unwrap(),
            std::fs::read_to_string(ca.join("root.crt")).unwrap()
        );
        std::fs::write(ca.join(format!("{name}.chain.pem")), chain).unwrap();
        let keys = self.home.join(".config/notation/signingkeys.json");
        let mut v: Value = serde_json::from_slice(&std::fs::read(&keys).unwrap()).unwrap();
        v["keys"].as_array_mut().unwrap().push(json!({
            "name": name,
            "keyPath": ca.join(&key),
            "certPath": ca.join(format!("{name}.chain.pem")),
        }));
        std::fs::write(&keys, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    }

    /// The generate-test certificate of `name`.
    pub fn notation_cert(&self, name: &str) -> PathBuf {
        self.home
            .join(format!(".config/notation/localkeys/{name}.crt"))
    }

    /// `notation sign` with key `key` (None: the default) in `format` (jws|cose).
    pub fn notation_sign(&self, reference: &str, key: Option<&str>, format: &str) {
        let mut c = tool(&self.home, "ARBOR_TEST_NOTATION");
        c.args(["sign", "--insecure-registry", "--signature-format", format]);
        if let Some(k) = key {
            c.args(["--key", k]);
        }
        run_ok(c.arg(reference));
    }

    /// A cosign key file (`cosign.pub`, `other.key`, `rsa.pub`…).
    pub fn key(&self, file: &str) -> PathBuf {
        self.home.join(file)
    }

    /// `cosign <cmd> --key <key>` with a local registry and no transparency log.
    pub fn cosign(&self, cmd: &str, key: &str) -> Command {
        let mut c = tool(&self.home, "ARBOR_TEST_COSIGN");
        c.args([
            cmd,
            "--key",
            key,
            "--tlog-upload=false",
            "--use-signing-config=false",
        ]);
        if cmd != "sign-blob" {
            c.args(["--allow-http-registry", "--allow-insecure-registry"]);
        }
        c
    }
}

/// Notation's verifying side: a HOME whose trust store `lab` holds the generate-test
/// certificate and the test root, and whose trust policy `arbor` and `notation` both read.
pub struct Verifier {
    pub home: PathBuf,
    _dir: tempfile::TempDir,
}

impl Verifier {
    pub fn new(s: &Signer) -> Verifier {
        let dir = tempfile::Builder::new()
            .prefix("arbor-verify-verifier")
            .tempdir()
            .expect("tempdir");
        let home = dir.path().to_path_buf();
        let store = home.join(".config/notation/truststore/x509/ca/lab");
        std::fs::create_dir_all(&store).unwrap();
        std::fs::copy(
            s.notation_cert("arbor.verify"),
            store.join("arbor.verify.crt"),
        )
        .unwrap();
        std::fs::copy(s.root_pem(), store.join("root.crt")).unwrap();
        Verifier { home, _dir: dir }
    }

    /// Writes the trust policy: `statements` (scoped ones) then a strict global statement.
    /// `trustpolicy.json` is the name both the harness's notation (1.3.2, Debian) and arbor read.
    pub fn write_policy(&self, statements: &[Value]) {
        let mut all = statements.to_vec();
        all.push(json!({
            "name": "lab", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"},
            "trustStores": ["ca:lab"], "trustedIdentities": ["*"]
        }));
        let doc = json!({"version": "1.0", "trustPolicies": all});
        std::fs::write(
            self.home.join(".config/notation/trustpolicy.json"),
            serde_json::to_vec_pretty(&doc).unwrap(),
        )
        .unwrap();
    }

    /// `notation verify` as the verifier.
    pub fn notation_verify(&self, reference: &str) -> Output {
        tool(&self.home, "ARBOR_TEST_NOTATION")
            .args(["verify", "--insecure-registry", reference])
            .output()
            .expect("notation")
    }

    /// `arbor verify --format json` reading Notation's configuration from this HOME.
    pub fn arbor_verify(&self, reference: &str, extra: &[&str]) -> Output {
        arbor()
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .args(["verify", "--format", "json"])
            .args(extra)
            .arg(reference)
            .output()
            .expect("arbor")
    }
}

/// A trust policy statement for one repository.
pub fn scoped(name: &str, scope: &str, level: &str, identities: &[&str]) -> Value {
    if level == "skip" {
        return json!({"name": name, "registryScopes": [scope], "signatureVerification": {"level": "skip"}});
    }
    json!({
        "name": name, "registryScopes": [scope],
        "signatureVerification": {"level": level},
        "trustStores": ["ca:lab"], "trustedIdentities": identities
    })
}
