//! Signers and verifiers for the `arbor verify` tests: a signer HOME with real `notation`
//! test certificates, an OpenSSL test CA (P-384 and P-521 leaves, a short-lived leaf) and
//! real `cosign` key pairs; a verifier HOME with Notation's trust store and trust policy; and
//! helpers that copy or tamper with signature artifacts as an attacker would.
#![allow(dead_code)]
pub mod keyless;

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

/// Digests of the referrers of `subject` with `artifact_type`, as arbor discovers them.
pub fn referrers(reg: &str, repo: &str, subject: &str, artifact_type: &str) -> Vec<String> {
    let v = json(&run_ok(
        arbor()
            .args([
                "discover",
                "--format",
                "json",
                "--depth",
                "1",
                "--artifact-type",
                artifact_type,
            ])
            .arg(format!("{reg}/{repo}@{subject}")),
    ));
    v["referrers"]
        .as_array()
        .expect("referrers")
        .iter()
        .map(|r| r["digest"].as_str().expect("digest").to_string())
        .collect()
}

pub fn manifest(reg: &str, repo: &str, reference: &str) -> Value {
    json(&run_ok(
        arbor()
            .args(["fetch"])
            .arg(format!("{reg}/{repo}{reference}")),
    ))
}

pub fn blob(reg: &str, repo: &str, digest: &str) -> Vec<u8> {
    run_ok(
        crane()
            .args(["blob", "--insecure"])
            .arg(format!("{reg}/{repo}@{digest}")),
    )
    .stdout
}

/// The one referrer of `subject` with `artifact_type` in `repo`: its manifest and first file.
pub fn only_referrer(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
) -> (Value, Vec<u8>) {
    let found = referrers(reg, repo, subject, artifact_type);
    assert_eq!(
        found.len(),
        1,
        "{artifact_type} referrers of {subject}: {found:?}"
    );
    let m = manifest(reg, repo, &format!("@{}", found[0]));
    let layer = m["layers"][0]["digest"]
        .as_str()
        .expect("layer")
        .to_string();
    let b = blob(reg, repo, &layer);
    (m, b)
}

/// Attaches `bytes` as a referrer of `subject` with `oras attach` (the tag fallback index is
/// kept as oras keeps it), with the manifest annotations of `like`.
pub fn attach_bytes(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
    media_type: &str,
    bytes: &[u8],
    like: &Value,
) -> String {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("sig"), bytes).unwrap();
    let mut c = oras();
    c.current_dir(d.path()).args([
        "attach",
        "--plain-http",
        "--format",
        "go-template={{.digest}}",
        "--artifact-type",
        artifact_type,
    ]);
    if let Some(a) = like["annotations"].as_object() {
        for (k, v) in a {
            if let Some(v) = v.as_str() {
                c.args(["--annotation", &format!("{k}={v}")]);
            }
        }
    }
    c.arg(format!("{reg}/{repo}@{subject}"))
        .arg(format!("sig:{media_type}"));
    stdout(&run_ok(&mut c)).trim().to_string()
}

/// A JWS envelope with one bit of its signature flipped.
pub fn flip_jws_signature(env: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(env).unwrap();
    let mut sig = B64URL.decode(v["signature"].as_str().unwrap()).unwrap();
    sig[10] ^= 0x01;
    v["signature"] = Value::String(B64URL.encode(sig));
    serde_json::to_vec(&v).unwrap()
}

/// A COSE_Sign1 envelope with one bit of its signature (the last item) flipped.
pub fn flip_cose_signature(env: &[u8]) -> Vec<u8> {
    let mut e = env.to_vec();
    let n = e.len() - 10;
    e[n] ^= 0x01;
    e
}

/// A Sigstore bundle with one bit of its DSSE signature flipped.
pub fn flip_bundle_signature(bundle: &[u8]) -> Vec<u8> {
    let mut v: Value = serde_json::from_slice(bundle).unwrap();
    let s = &mut v["dsseEnvelope"]["signatures"][0]["sig"];
    let mut sig = B64.decode(s.as_str().unwrap()).unwrap();
    sig[10] ^= 0x01;
    *s = Value::String(B64.encode(sig));
    serde_json::to_vec(&v).unwrap()
}

/// The cosign `.sig` tag of a digest.
pub fn sig_tag(digest: &str) -> String {
    format!("sha256-{}.sig", digest.trim_start_matches("sha256:"))
}

/// Rewrites the `.sig` manifest at `tag` so its signature annotation has one bit flipped.
pub fn flip_tag_signature(reg: &str, repo: &str, tag: &str) {
    let mut m = manifest(reg, repo, &format!(":{tag}"));
    let a = &mut m["layers"][0]["annotations"]["dev.cosignproject.cosign/signature"];
    let mut sig = B64.decode(a.as_str().unwrap()).unwrap();
    sig[12] ^= 0x01;
    *a = Value::String(B64.encode(sig));
    put_manifest(
        reg,
        repo,
        tag,
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
}

/// Puts the manifest at `from` under tag `to` as well (same repository, blobs shared).
pub fn copy_tag(reg: &str, repo: &str, from: &str, to: &str) {
    let raw = run_ok(arbor().args(["fetch"]).arg(format!("{reg}/{repo}:{from}"))).stdout;
    put_manifest(
        reg,
        repo,
        to,
        "application/vnd.oci.image.manifest.v1+json",
        &raw,
    );
}

/// A simple-signing payload naming `digest`, signed with `key` by `cosign sign-blob`,
/// pushed as the `.sig` manifest of `subject`.
pub fn push_signed_payload(
    s: &Signer,
    reg: &str,
    repo: &str,
    subject: &str,
    names: &str,
    key: &str,
) {
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"{reg}/{repo}"}},"image":{{"docker-manifest-digest":"{names}"}},"type":"cosign container image signature"}},"optional":null}}"#
    );
    let file = s.home.join("crafted-payload.json");
    std::fs::write(&file, &payload).unwrap();
    let sig = stdout(&run_ok(
        tool(&s.home, "ARBOR_TEST_COSIGN")
            .args([
                "sign-blob",
                "--key",
                key,
                "--tlog-upload=false",
                "--use-signing-config=false",
                "--new-bundle-format=false",
            ])
            .arg(&file),
    ))
    .trim()
    .to_string();
    let config = push_blob(reg, repo, b"{}");
    let layer = push_blob(reg, repo, payload.as_bytes());
    let m = json!({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config, "size": 2},
        "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": layer, "size": payload.len(),
                    "annotations": {"dev.cosignproject.cosign/signature": sig}}]
    });
    put_manifest(
        reg,
        repo,
        &sig_tag(subject),
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::to_vec(&m).unwrap(),
    );
}
