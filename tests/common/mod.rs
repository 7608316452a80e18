//! Shared integration-test support: the registries started by tests/harness/registries.sh,
//! the arbor binary, and real peer tools (oras, crane). Nothing here fakes a registry: the
//! hostile scenarios (`hostile`) are faultproxy rules in front of the real ones.
#![allow(dead_code)]
pub mod hostile;
pub mod scenario;
pub mod signers;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The harness environment (ARBOR_TEST_* variables), from ARBOR_HARNESS_ENV or the process env.
pub struct Harness {
    vars: HashMap<String, String>,
}

pub fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let mut vars: HashMap<String, String> = std::env::vars().filter(|(k, _)| k.starts_with("ARBOR_TEST_")).collect();
        if let Ok(path) = std::env::var("ARBOR_HARNESS_ENV") {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("ARBOR_HARNESS_ENV={path}: {e}"));
            for line in text.lines() {
                if let Some((k, v)) = line.trim().strip_prefix("export ").and_then(|l| l.split_once('=')) {
                    vars.insert(k.to_string(), v.trim_matches('"').trim_matches('\'').to_string());
                }
            }
        }
        assert!(
            vars.contains_key("ARBOR_TEST_DIST"),
            "integration tests need the real registries: run `bash tests/harness/test.sh` (or start tests/harness/registries.sh and set ARBOR_HARNESS_ENV)"
        );
        Harness { vars }
    })
}

impl Harness {
    pub fn var(&self, name: &str) -> String {
        self.vars
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("{name} missing from the harness environment"))
    }
    pub fn dist(&self) -> String {
        self.var("ARBOR_TEST_DIST")
    }
    pub fn refs(&self) -> String {
        self.var("ARBOR_TEST_REFS")
    }
    pub fn refs_spec(&self) -> String {
        self.var("ARBOR_TEST_REFS_SPEC")
    }
    pub fn fault_dist(&self) -> String {
        self.var("ARBOR_TEST_FAULT_DIST")
    }
    pub fn fault_refs(&self) -> String {
        self.var("ARBOR_TEST_FAULT_REFS")
    }
    pub fn secret(&self, file_var: &str) -> String {
        std::fs::read_to_string(self.var(file_var))
            .expect("password file")
            .trim_end()
            .to_string()
    }
    pub fn home(&self) -> PathBuf {
        PathBuf::from(self.var("ARBOR_TEST_HOME"))
    }
}

/// A repository name no other test uses.
pub fn unique_repo(prefix: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

fn peer(var: &str) -> Command {
    let h = harness();
    let mut c = Command::new(h.var(var));
    let home = h.home();
    c.env("HOME", &home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .stdin(Stdio::null());
    c
}

/// `oras` from the harness, isolated HOME.
pub fn oras() -> Command {
    peer("ARBOR_TEST_ORAS")
}
/// `crane` from the harness, isolated HOME.
pub fn crane() -> Command {
    peer("ARBOR_TEST_CRANE")
}

/// The arbor binary under test, with an empty HOME so no user config leaks in.
pub fn arbor() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arbor"));
    let home = harness().home().join("arbor-home");
    c.env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("ARBOR_NO_KEYRING", "1")
        .stdin(Stdio::null());
    c
}

/// Runs a command, panicking with its output when it fails.
pub fn run_ok(c: &mut Command) -> Output {
    let out = c.output().unwrap_or_else(|e| panic!("spawn {c:?}: {e}"));
    assert!(
        out.status.success(),
        "{c:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs a command with `input` on stdin.
pub fn run_with_stdin(c: &mut Command, input: &str) -> Output {
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

/// Digests of the walkthrough graph.
#[derive(Debug, Clone)]
pub struct Walkthrough {
    pub image: String,
    pub signature: String,
    pub sbom: String,
    pub sbom_signature: String,
    pub readme: String,
}

/// A scratch directory with the walkthrough's files.
pub fn files_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().expect("tempdir");
    let w = |n: &str, s: &str| std::fs::write(d.path().join(n), s).expect("write");
    w(
        "signature.json",
        "{\"version\": \"0.0.0.0\", \"artifact\": \"net-monitor:v1\", \"signature\": \"signed\"}\n",
    );
    w(
        "sbom.json",
        "{\"version\": \"0.0.0.0\", \"artifact\": \"net-monitor:v1\", \"contents\": \"good\"}\n",
    );
    w("readme.md", "# net-monitor\n");
    w("details.md", "Details of net-monitor v1\n");
    d
}

/// Pushes a small real image with crane (`--oci-empty-base` + one layer) and returns its digest.
pub fn push_image(reg: &str, repo: &str, tag: &str, content: &str) -> String {
    let d = tempfile::tempdir().expect("tempdir");
    let root = d.path().join("root/bin");
    std::fs::create_dir_all(&root).expect("mkdir");
    std::fs::write(root.join("net-monitor"), content).expect("write");
    let tar = d.path().join("layer.tar");
    run_ok(
        Command::new("tar")
            .args([
                "--sort=name",
                "--mtime=2024-01-01 00:00:00",
                "--owner=0",
                "--group=0",
                "--numeric-owner",
                "-C",
            ])
            .arg(d.path().join("root"))
            .arg("-cf")
            .arg(&tar)
            .arg("."),
    );
    run_ok(
        crane()
            .args(["append", "--insecure", "--oci-empty-base", "-f"])
            .arg(&tar)
            .arg("-t")
            .arg(format!("{reg}/{repo}:{tag}")),
    );
    stdout(&run_ok(
        crane()
            .args(["digest", "--insecure"])
            .arg(format!("{reg}/{repo}:{tag}")),
    ))
    .trim()
    .to_string()
}

/// `oras attach` with a fixed created annotation; returns the new manifest's digest.
pub fn oras_attach(
    reg: &str,
    repo: &str,
    subject: &str,
    artifact_type: &str,
    dir: &Path,
    files: &[&str],
) -> String {
    let mut c = oras();
    c.current_dir(dir)
        .args([
            "attach",
            "--plain-http",
            "--annotation",
            "org.opencontainers.image.created=2024-01-01T00:00:00Z",
            "--format",
            "go-template={{.digest}}",
            "--artifact-type",
            artifact_type,
        ])
        .arg(format!("{reg}/{repo}@{subject}"));
    for f in files {
        c.arg(f);
    }
    stdout(&run_ok(&mut c)).trim().to_string()
}

/// The ORAS walkthrough graph: image; signature; two-file readme; sbom with its own signature,
/// attached with real `oras attach`.
pub fn seed_walkthrough(reg: &str, repo: &str) -> Walkthrough {
    seed_walkthrough_with(reg, repo, &oras_attach)
}

/// An attach tool: (registry, repo, subject digest, artifact type, dir, files) → new digest.
pub type AttachFn = dyn Fn(&str, &str, &str, &str, &Path, &[&str]) -> String;

/// The walkthrough graph, attached with the given tool (oras or arbor).
pub fn seed_walkthrough_with(reg: &str, repo: &str, attach: &AttachFn) -> Walkthrough {
    let image = push_image(reg, repo, "v1", "#!/bin/sh\necho net-monitor v1\n");
    let f = files_dir();
    let sig = ["signature.json:application/json"];
    let signature = attach(reg, repo, &image, "signature/example", f.path(), &sig);
    let sbom = attach(
        reg,
        repo,
        &image,
        "sbom/example",
        f.path(),
        &["sbom.json:application/json"],
    );
    let sbom_signature = attach(reg, repo, &sbom, "signature/example", f.path(), &sig);
    let readme = attach(
        reg,
        repo,
        &image,
        "readme/example",
        f.path(),
        &["readme.md:text/markdown", "details.md:text/markdown"],
    );
    Walkthrough {
        image,
        signature,
        sbom,
        sbom_signature,
        readme,
    }
}

/// Parses JSON output.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(out)))
}

/// Digests of the referrers of `subject` with `artifact_type`, as `arbor discover` finds them.
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

/// A discover tree with referrers sorted by digest at every level, for order-free comparison.
pub fn normalise(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(obj) = v.as_object_mut() {
        if let Some(serde_json::Value::Array(refs)) = obj.get("referrers") {
            let mut refs: Vec<serde_json::Value> = refs.iter().map(normalise).collect();
            refs.sort_by(|a, b| a["digest"].as_str().cmp(&b["digest"].as_str()));
            obj.insert("referrers".into(), serde_json::Value::Array(refs));
        }
    }
    v
}

/// Replaces the `host:port` part of every `reference` so graphs from two registries compare.
pub fn rehost(v: &serde_json::Value, from: &str, to: &str) -> serde_json::Value {
    serde_json::from_str(&v.to_string().replace(from, to)).expect("json")
}

/// Sets (or with `None` clears) a faultproxy rule for one repository.
pub fn fault(proxy: &str, repo: &str, rule: Option<&str>) {
    let mut c = Command::new("curl");
    c.args(["-sf", "-o", "/dev/null"]);
    match rule {
        Some(r) => c.args(["-X", "PUT", "-d", r]),
        None => c.args(["-X", "DELETE"]),
    };
    run_ok(c.arg(format!("http://{proxy}/__fault/{repo}")));
}

/// Requests the faultproxy saw for a repository since its rule was set.
pub fn fault_stats(proxy: &str, repo: &str) -> serde_json::Value {
    let out = run_ok(
        Command::new("curl")
            .args(["-sf"])
            .arg(format!("http://{proxy}/__stats/{repo}")),
    );
    json(&out)
}

/// PUTs raw manifest bytes with curl (for graphs no peer tool will write, such as cycles).
pub fn put_manifest(reg: &str, repo: &str, reference: &str, media_type: &str, body: &[u8]) {
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("m.json");
    std::fs::write(&p, body).expect("write");
    run_ok(
        Command::new("curl")
            .args(["-sf", "-X", "PUT", "-H"])
            .arg(format!("Content-Type: {media_type}"))
            .arg("--data-binary")
            .arg(format!("@{}", p.display()))
            .arg(format!("http://{reg}/v2/{repo}/manifests/{reference}")),
    );
}

/// sha256 of bytes as `sha256:<hex>`.
pub fn sha256(data: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(data)))
}

/// The arbor binary with HOME, DOCKER_CONFIG (`home/.docker`), XDG dirs under `home`, no
/// REGISTRY_AUTH_FILE and the OS keyring off (ARBOR_NO_KEYRING=1): credential tests never
/// read or write the user's own stores.
pub fn arbor_isolated(home: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_arbor"));
    c.env("HOME", home)
        .env("DOCKER_CONFIG", home.join(".docker"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .env_remove("REGISTRY_AUTH_FILE")
        .env_remove("ARBOR_LOG_FILE")
        .env("ARBOR_NO_KEYRING", "1")
        .stdin(Stdio::null());
    c
}

/// Uploads a blob with curl (POST, then PUT with the digest); returns its digest.
pub fn push_blob(reg: &str, repo: &str, data: &[u8]) -> String {
    let digest = sha256(data);
    let out = run_ok(
        Command::new("curl")
            .args(["-sf", "-X", "POST", "-o", "/dev/null", "-D", "-"])
            .arg(format!("http://{reg}/v2/{repo}/blobs/uploads/")),
    );
    let location = stdout(&out)
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("location"))
                .map(|(_, v)| v.trim().to_string())
        })
        .expect("upload Location header");
    let url = if location.starts_with("http") {
        location
    } else {
        format!("http://{reg}{location}")
    };
    let sep = if url.contains('?') { '&' } else { '?' };
    let d = tempfile::tempdir().expect("tempdir");
    let p = d.path().join("blob");
    std::fs::write(&p, data).expect("write");
    run_ok(
        Command::new("curl")
            .args([
                "-sf",
                "-X",
                "PUT",
                "-o",
                "/dev/null",
                "-H",
                "Content-Type: application/octet-stream",
                "--data-binary",
            ])
            .arg(format!("@{}", p.display()))
            .arg(format!("{url}{sep}digest={digest}")),
    );
    digest
}

/// Pushes an OCI artifact whose layers carry the given titles (None: no title annotation),
/// written with curl so any title (`../evil`, `/abs`) can be crafted; returns the manifest digest.
pub fn push_titled_artifact(
    reg: &str,
    repo: &str,
    tag: &str,
    files: &[(Option<&str>, &[u8])],
) -> String {
    let config = push_blob(reg, repo, b"{}");
    let layers: Vec<serde_json::Value> = files
        .iter()
        .map(|(title, data)| {
            let mut l = serde_json::json!({ "mediaType": "application/octet-stream", "digest": push_blob(reg, repo, data), "size": data.len() });
            if let Some(t) = title {
                l["annotations"] = serde_json::json!({ "org.opencontainers.image.title": t });
            }
            l
        })
        .collect();
    let m = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.arbor.test",
        "config": { "mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2 },
        "layers": layers,
    });
    let body = serde_json::to_vec(&m).expect("json");
    put_manifest(
        reg,
        repo,
        tag,
        "application/vnd.oci.image.manifest.v1+json",
        &body,
    );
    sha256(&body)
}

/// Every file under `dir` (relative path → bytes), symlinks and directories not followed.
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .expect("prefix")
                .to_string_lossy()
                .into_owned();
            let t = e.file_type().expect("file type");
            if t.is_dir() {
                walk(root, &p, out);
            } else if t.is_symlink() {
                out.insert(
                    rel,
                    format!("-> {}", std::fs::read_link(&p).expect("readlink").display())
                        .into_bytes(),
                );
            } else {
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

/// A manifest as crane reads it (`crane manifest`), parsed.
pub fn crane_manifest(reference: &str) -> serde_json::Value {
    let out = run_ok(crane().args(["manifest", "--insecure"]).arg(reference));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{reference}: not JSON ({e})"))
}

/// PUTs a manifest (JSON) under its own digest; the digest and the size.
pub fn put_by_digest(
    reg: &str,
    repo: &str,
    media_type: &str,
    m: &serde_json::Value,
) -> (String, usize) {
    let body = serde_json::to_vec(m).expect("json");
    let digest = sha256(&body);
    put_manifest(reg, repo, &digest, media_type, &body);
    (digest, body.len())
}

/// `oras repo tags` of `reg/repo`, in its order.
pub fn oras_tags(reg: &str, repo: &str) -> Vec<String> {
    stdout(&run_ok(
        oras()
            .args(["repo", "tags", "--plain-http"])
            .arg(format!("{reg}/{repo}")),
    ))
    .lines()
    .map(str::to_string)
    .collect()
}
