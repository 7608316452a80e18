//! Keyless signing material made offline: a Fulcio-like CA (root and intermediate), a
//! short-lived leaf certificate carrying an e-mail identity and the Fulcio OIDC-issuer
//! extension, a Rekor-like log key, and Sigstore bundles (v0.3, DSSE) whose transparency-log
//! entry has a signed entry timestamp and an inclusion proof with a signed checkpoint — all
//! signed with `openssl`, as the public Sigstore services would, but with keys of our own.
use super::*;
use sha2::Digest as _;

pub const IDENTITY: &str = "signer@arbor.test";
pub const ISSUER: &str = "https://issuer.arbor.test";
const ORIGIN: &str = "rekor.arbor.test - 4242";

/// The CA, the log key and a trusted root naming both.
pub struct Sigstore {
    pub dir: PathBuf,
    _tmp: tempfile::TempDir,
}

/// Ways to make a bundle wrong.
#[derive(Default, Clone, Copy)]
pub struct Twist {
    /// Seconds added to the integrated time (the leaf is valid for an hour from now).
    pub integrated_offset: i64,
    pub flip_set: bool,
    pub flip_checkpoint: bool,
}

fn der_of_pem(pem: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(pem);
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    B64.decode(body).expect("PEM base64")
}

fn sha(b: &[u8]) -> Vec<u8> {
    sha2::Sha256::digest(b).to_vec()
}

impl Sigstore {
    pub fn new() -> Sigstore {
        let tmp = tempfile::Builder::new()
            .prefix("arbor-keyless")
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(
            dir.join("ext.cnf"),
            format!(
                "[ca]\nbasicConstraints = critical, CA:true, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\n\
                 [leaf]\nbasicConstraints = critical, CA:false\nkeyUsage = critical, digitalSignature\n\
                 extendedKeyUsage = codeSigning\nsubjectAltName = critical, email:{IDENTITY}\n\
                 1.3.6.1.4.1.57264.1.8 = ASN1:UTF8String:{ISSUER}\n"
            ),
        )
        .unwrap();
        let o = |args: &[&str]| openssl(&dir, args);
        o(&[
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
            "2",
            "-subj",
            "/O=arbor test/CN=fulcio test root",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        o(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            "int.key",
            "-out",
            "int.csr",
            "-subj",
            "/O=arbor test/CN=fulcio test intermediate",
        ]);
        o(&[
            "x509",
            "-req",
            "-in",
            "int.csr",
            "-CA",
            "root.crt",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "ca",
            "-out",
            "int.crt",
        ]);
        o(&[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "leaf.key",
            "-out",
            "leaf.csr",
            "-subj",
            "/O=sigstore.dev",
        ]);
        o(&[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "int.crt",
            "-CAkey",
            "int.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "leaf",
            "-out",
            "leaf.crt",
        ]);
        o(&[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "rekor.key",
        ]);
        o(&[
            "pkey",
            "-in",
            "rekor.key",
            "-pubout",
            "-outform",
            "DER",
            "-out",
            "rekor.pub.der",
        ]);
        // A second, unrelated CA for "not issued by the trusted root".
        o(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "other.key",
            "-out",
            "other.crt",
            "-days",
            "2",
            "-subj",
            "/O=elsewhere/CN=other root",
            "-addext",
            "basicConstraints=critical,CA:true",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        let s = Sigstore { dir, _tmp: tmp };
        s.write_root("trusted_root.json", &["int.crt", "root.crt"]);
        s.write_root("other_root.json", &["other.crt"]);
        s
    }

    fn read(&self, f: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(f)).unwrap()
    }

    /// ECDSA (DER) with SHA-256 by `key` over `data`.
    fn sign(&self, key: &str, data: &[u8]) -> Vec<u8> {
        let f = self.dir.join("to-sign");
        std::fs::write(&f, data).unwrap();
        openssl(
            &self.dir,
            &[
                "dgst", "-sha256", "-sign", key, "-out", "sig.bin", "to-sign",
            ],
        );
        self.read("sig.bin")
    }

    fn log_id(&self) -> Vec<u8> {
        sha(&self.read("rekor.pub.der"))
    }

    fn write_root(&self, name: &str, ca_chain: &[&str]) {
        let certs: Vec<Value> = ca_chain
            .iter()
            .map(|f| json!({"rawBytes": B64.encode(der_of_pem(&self.read(f)))}))
            .collect();
        let root = json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{
                "baseUrl": "https://rekor.arbor.test",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {"rawBytes": B64.encode(self.read("rekor.pub.der")), "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                              "validFor": {"start": "2020-01-01T00:00:00Z"}},
                "logId": {"keyId": B64.encode(self.log_id())}
            }],
            "certificateAuthorities": [{
                "subject": {"organization": "arbor test", "commonName": "fulcio test"},
                "uri": "https://fulcio.arbor.test",
                "certChain": {"certificates": certs},
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            }],
            "ctlogs": [],
            "timestampAuthorities": []
        });
        std::fs::write(
            self.dir.join(name),
            serde_json::to_vec_pretty(&root).unwrap(),
        )
        .unwrap();
    }

    pub fn trusted_root(&self) -> PathBuf {
        self.dir.join("trusted_root.json")
    }

    pub fn other_root(&self) -> PathBuf {
        self.dir.join("other_root.json")
    }

    /// A bundle signing the image `digest` (cosign's `sign/v1` statement), logged.
    pub fn bundle(&self, digest: &str, twist: Twist) -> Vec<u8> {
        let statement = json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": "image", "digest": {"sha256": digest.trim_start_matches("sha256:")}}],
            "predicateType": "https://sigstore.dev/cosign/sign/v1",
            "predicate": {}
        });
        let payload = serde_json::to_vec(&statement).unwrap();
        let ptype = "application/vnd.in-toto+json";
        let mut pae = format!("DSSEv1 {} {ptype} {} ", ptype.len(), payload.len()).into_bytes();
        pae.extend_from_slice(&payload);
        let sig = self.sign("leaf.key", &pae);
        let envelope = json!({"payload": B64.encode(&payload), "payloadType": ptype, "signatures": [{"sig": B64.encode(&sig)}]});
        let leaf_pem = self.read("leaf.crt");
        let body = serde_json::to_vec(&json!({
            "apiVersion": "0.0.1", "kind": "dsse",
            "spec": {
                "envelopeHash": {"algorithm": "sha256", "value": hex::encode(sha(&serde_json::to_vec(&envelope).unwrap()))},
                "payloadHash": {"algorithm": "sha256", "value": hex::encode(sha(&payload))},
                "signatures": [{"signature": B64.encode(&sig), "verifier": B64.encode(&leaf_pem)}]
            }
        }))
        .unwrap();
        let t = time::OffsetDateTime::now_utc().unix_timestamp() + 30 + twist.integrated_offset;
        let log_id = self.log_id();
        let set_payload = format!(
            r#"{{"body":"{}","integratedTime":{t},"logID":"{}","logIndex":0}}"#,
            B64.encode(&body),
            hex::encode(&log_id)
        );
        let mut set = self.sign("rekor.key", set_payload.as_bytes());
        if twist.flip_set {
            let n = set.len() - 3;
            set[n] ^= 1;
        }
        // A one-entry log: the root is the leaf hash and the proof has no hashes.
        let mut leaf_input = vec![0u8];
        leaf_input.extend_from_slice(&body);
        let root_hash = sha(&leaf_input);
        let note = format!("{ORIGIN}\n1\n{}\n", B64.encode(&root_hash));
        let mut cp_sig = self.sign("rekor.key", note.as_bytes());
        if twist.flip_checkpoint {
            let n = cp_sig.len() - 3;
            cp_sig[n] ^= 1;
        }
        let mut hinted = sha(&self.read("rekor.pub.der"))[..4].to_vec();
        hinted.extend_from_slice(&cp_sig);
        let checkpoint = format!(
            "{note}\n\u{2014} rekor.arbor.test {}\n",
            B64.encode(&hinted)
        );
        let bundle = json!({
            "mediaType": BUNDLE,
            "verificationMaterial": {
                "certificate": {"rawBytes": B64.encode(der_of_pem(&leaf_pem))},
                "tlogEntries": [{
                    "logIndex": "0",
                    "logId": {"keyId": B64.encode(&log_id)},
                    "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                    "integratedTime": t.to_string(),
                    "inclusionPromise": {"signedEntryTimestamp": B64.encode(&set)},
                    "inclusionProof": {
                        "logIndex": "0", "rootHash": B64.encode(&root_hash), "treeSize": "1", "hashes": [],
                        "checkpoint": {"envelope": checkpoint}
                    },
                    "canonicalizedBody": B64.encode(&body)
                }]
            },
            "dsseEnvelope": envelope
        });
        serde_json::to_vec(&bundle).unwrap()
    }
}
