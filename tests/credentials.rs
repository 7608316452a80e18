//! Credentials against real registries: `arbor login`/`logout`, saved credentials (docker
//! config, credential helpers, containers auth.json), token renewal, scopes, identity tokens,
//! and that no secret reaches a log. Every test has its own HOME/DOCKER_CONFIG and no keyring.
mod common;
use arbor::registry::{ClientOptions, Credentials, RegistryStore};
use arbor::store::{ReferrersMode, Store, StoreError};
use common::*;
use reqwest::Method;
use std::path::Path;
use std::process::Command;

/// Pushes a small artifact with one signature referrer using oras with credentials; returns `reg/repo:v1`.
fn seed(reg: &str, user: &str, pass: &str, prefix: &str) -> String {
    let repo = unique_repo(prefix);
    let f = files_dir();
    let subject = format!("{reg}/{repo}:v1");
    let o = run_with_stdin(
        oras()
            .current_dir(f.path())
            .args([
                "push",
                "--plain-http",
                "-u",
                user,
                "--password-stdin",
                "--artifact-type",
                "demo/app",
            ])
            .arg(&subject)
            .arg("readme.md:text/markdown"),
        pass,
    );
    assert!(o.status.success(), "oras push: {}", stderr(&o));
    let o = run_with_stdin(
        oras()
            .current_dir(f.path())
            .args([
                "attach",
                "--plain-http",
                "-u",
                user,
                "--password-stdin",
                "--artifact-type",
                "signature/example",
            ])
            .arg(&subject)
            .arg("signature.json:application/json"),
        pass,
    );
    assert!(o.status.success(), "oras attach: {}", stderr(&o));
    subject
}

fn login(home: &Path, reg: &str, user: &str, pass: &str) -> std::process::Output {
    run_with_stdin(
        arbor_isolated(home).args(["login", reg, "-u", user, "--password-stdin"]),
        pass,
    )
}

fn discover_count(home: &Path, subject: &str) -> usize {
    let out = run_ok(arbor_isolated(home).args(["discover", "--format", "json", subject]));
    json(&out)["referrers"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

fn b64(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn login_discover_logout(reg: &str, user: &str, pass: &str, prefix: &str) {
    let subject = seed(reg, user, pass, prefix);
    let home = tempfile::tempdir().unwrap();
    let out = login(home.path(), reg, user, pass);
    assert!(out.status.success(), "login: {}", stderr(&out));
    assert!(stdout(&out).contains("Login Succeeded"), "{}", stdout(&out));
    // No keyring and no helper: docker config `auths`, with docker's warning.
    assert!(stderr(&out).contains("unencrypted"), "{}", stderr(&out));
    let config = home.path().join(".docker/config.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        v["auths"][reg]["auth"],
        b64(&format!("{user}:{pass}")).as_str()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    assert_eq!(discover_count(home.path(), &subject), 1);

    let out = run_ok(arbor_isolated(home.path()).args(["logout", reg]));
    assert!(
        stdout(&out).contains("Removed credentials"),
        "{}",
        stdout(&out)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert!(v["auths"].get(reg).is_none(), "{v}");

    let out = arbor_isolated(home.path())
        .args(["discover", &subject])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("arbor login") || err.contains("anonymous"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let again = arbor_isolated(home.path())
        .args(["logout", reg])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("not logged in"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn login_then_discover_with_saved_credentials_then_logout_on_basic_auth_registry() {
    let h = harness();
    login_discover_logout(
        &h.var("ARBOR_TEST_BASIC"),
        &h.var("ARBOR_TEST_BASIC_USER"),
        &h.secret("ARBOR_TEST_BASIC_PASSWORD_FILE"),
        "cred-basic",
    );
}

#[test]
fn login_then_discover_with_saved_credentials_then_logout_on_token_registry() {
    let h = harness();
    login_discover_logout(
        &h.var("ARBOR_TEST_TOKEN"),
        &h.var("ARBOR_TEST_TOKEN_USER"),
        &h.secret("ARBOR_TEST_TOKEN_PASSWORD_FILE"),
        "cred-token",
    );
}

#[test]
fn login_with_a_wrong_password_fails_clearly_and_saves_nothing() {
    let h = harness();
    for (reg, user) in [
        (h.var("ARBOR_TEST_BASIC"), h.var("ARBOR_TEST_BASIC_USER")),
        (h.var("ARBOR_TEST_TOKEN"), h.var("ARBOR_TEST_TOKEN_USER")),
    ] {
        let home = tempfile::tempdir().unwrap();
        let out = login(home.path(), &reg, &user, "not-the-password");
        assert!(!out.status.success(), "{reg}");
        let err = stderr(&out);
        assert!(err.contains(&format!("login to {reg} failed")), "{err}");
        assert!(err.contains("refused") || err.contains("401"), "{err}");
        assert!(!err.contains("not-the-password"), "{err}");
        assert!(!home.path().join(".docker/config.json").exists());
    }
}

#[test]
fn password_flag_works_but_warns_that_it_is_visible() {
    let h = harness();
    let (reg, user, pass) = (
        h.var("ARBOR_TEST_BASIC"),
        h.var("ARBOR_TEST_BASIC_USER"),
        h.secret("ARBOR_TEST_BASIC_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-pflag");
    let home = tempfile::tempdir().unwrap();
    let out = run_ok(arbor_isolated(home.path()).args([
        "discover",
        "--format",
        "json",
        "-u",
        &user,
        "--password",
        &pass,
        &subject,
    ]));
    assert!(
        stderr(&out).contains("visible to other processes"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(&pass));
}

/// token_short's token lifetime (`ARBOR_TEST_TOKEN_SHORT_TTL`, a Go duration in seconds: `1s`).
fn token_short_ttl() -> std::time::Duration {
    let ttl = harness().var("ARBOR_TEST_TOKEN_SHORT_TTL");
    let secs: f64 = ttl
        .strip_suffix('s')
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("ARBOR_TEST_TOKEN_SHORT_TTL={ttl:?}: expected seconds, like 1s"));
    std::time::Duration::from_secs_f64(secs)
}

/// token_short issues short tokens (1 s by default): the cached one is reused while it lives,
/// and a request after it expired gets a new one and succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_token_is_renewed_mid_session() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_TOKEN_SHORT");
    let (user, pass) = (
        h.var("ARBOR_TEST_TOKEN_USER"),
        h.secret("ARBOR_TEST_TOKEN_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-short");
    let repo = subject
        .split_once('/')
        .unwrap()
        .1
        .split_once(':')
        .unwrap()
        .0
        .to_string();
    let opts = ClientOptions {
        credentials: Some(Credentials::Basic {
            username: user,
            password: pass,
        }),
        ..Default::default()
    };
    let store = RegistryStore::new(&reg, &opts, ReferrersMode::Auto).unwrap();
    let first = store.resolve(&repo, "v1").await.unwrap();
    let n1 = store.client().request_count();
    // Within the token's life: one request, no new token.
    store.resolve(&repo, "v1").await.unwrap();
    assert_eq!(
        store.client().request_count(),
        n1 + 1,
        "the cached token was not reused"
    );
    tokio::time::sleep(token_short_ttl() + std::time::Duration::from_millis(250)).await;
    let again = store
        .resolve(&repo, "v1")
        .await
        .expect("request after the token expired");
    assert_eq!(first.digest, again.digest);
    assert!(
        store.client().request_count() > n1 + 2,
        "no new token was fetched"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insufficient_scope_is_a_clear_denial_for_a_readonly_push() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_TOKEN");
    let (user, pass) = (
        h.var("ARBOR_TEST_READONLY_USER"),
        h.secret("ARBOR_TEST_READONLY_PASSWORD_FILE"),
    );
    let repo = unique_repo("cred-ro");
    let opts = ClientOptions {
        credentials: Some(Credentials::Basic {
            username: user,
            password: pass,
        }),
        ..Default::default()
    };
    let store = RegistryStore::new(&reg, &opts, ReferrersMode::Auto).unwrap();
    let c = store.client();
    let err = c
        .request(Method::POST, &format!("/v2/{repo}/blobs/uploads/"))
        .repo(&repo)
        .send("blob upload")
        .await
        .expect_err("readonly must not push");
    assert!(matches!(err, StoreError::Denied { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("insufficient_scope") && msg.contains("readonly") && msg.contains("pull,push"),
        "{msg}"
    );
    // A read with the same client is fine: the scope is per operation.
    let ok = c
        .request(Method::GET, &format!("/v2/{repo}/tags/list"))
        .repo(&repo)
        .send("tags")
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 404, "unknown repo, but authorised");
}

/// A file-backed `docker-credential-arbortest` speaking get/store/erase; logs each action.
fn write_helper(dir: &Path) {
    let script = r#"#!/bin/sh
d="$(dirname "$0")"
echo "$1" >> "$d/calls.log"
case "$1" in
  get)
    url="$(cat)"
    if [ -f "$d/store.json" ] && grep -q "\"ServerURL\":\"$url\"" "$d/store.json"; then cat "$d/store.json"; exit 0; fi
    echo "credentials not found in native keychain"; exit 1 ;;
  store) cat > "$d/store.json" ;;
  erase) cat > /dev/null; if [ -f "$d/store.json" ]; then rm "$d/store.json"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  *) exit 2 ;;
esac
"#;
    let p = dir.join("docker-credential-arbortest");
    std::fs::write(&p, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn credential_helper_on_path_is_used_for_get_store_and_erase() {
    let h = harness();
    let (reg, user, pass) = (
        h.var("ARBOR_TEST_BASIC"),
        h.var("ARBOR_TEST_BASIC_USER"),
        h.secret("ARBOR_TEST_BASIC_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-helper");
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    write_helper(bin.path());
    std::fs::create_dir_all(home.path().join(".docker")).unwrap();
    let config = home.path().join(".docker/config.json");

    // credHelpers for the host: a helper that already holds the credentials answers `get`.
    std::fs::write(
        bin.path().join("store.json"),
        serde_json::json!({"ServerURL": reg, "Username": user, "Secret": pass}).to_string(),
    )
    .unwrap();
    std::fs::write(
        &config,
        serde_json::json!({"credHelpers": {reg.clone(): "arbortest"}}).to_string(),
    )
    .unwrap();
    let out = run_ok(
        arbor_isolated(home.path())
            .env("PATH", path_with(bin.path()))
            .args(["discover", "--format", "json", &subject]),
    );
    assert_eq!(json(&out)["referrers"].as_array().unwrap().len(), 1);
    assert!(std::fs::read_to_string(bin.path().join("calls.log"))
        .unwrap()
        .contains("get"));

    // credsStore: login stores through the helper (nothing inline), logout erases.
    std::fs::remove_file(bin.path().join("store.json")).unwrap();
    std::fs::write(&config, r#"{"credsStore": "arbortest"}"#).unwrap();
    let out = run_with_stdin(
        arbor_isolated(home.path())
            .env("PATH", path_with(bin.path()))
            .args(["login", &reg, "-u", &user, "--password-stdin"]),
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("docker-credential-arbortest"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("unencrypted"));
    assert!(!std::fs::read_to_string(&config).unwrap().contains("auths"));
    assert!(bin.path().join("store.json").exists());
    let out = run_ok(
        arbor_isolated(home.path())
            .env("PATH", path_with(bin.path()))
            .args(["discover", "--format", "json", &subject]),
    );
    assert_eq!(json(&out)["referrers"].as_array().unwrap().len(), 1);
    run_ok(
        arbor_isolated(home.path())
            .env("PATH", path_with(bin.path()))
            .args(["logout", &reg]),
    );
    assert!(!bin.path().join("store.json").exists());
    let calls = std::fs::read_to_string(bin.path().join("calls.log")).unwrap();
    assert!(
        calls.contains("store") && calls.contains("erase"),
        "{calls}"
    );
}

#[test]
fn containers_auth_json_is_read() {
    let h = harness();
    let (reg, user, pass) = (
        h.var("ARBOR_TEST_BASIC"),
        h.var("ARBOR_TEST_BASIC_USER"),
        h.secret("ARBOR_TEST_BASIC_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-containers");
    let home = tempfile::tempdir().unwrap();
    let run_dir = home.path().join("run/containers");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(
        run_dir.join("auth.json"),
        serde_json::json!({"auths": {reg.clone(): {"auth": b64(&format!("{user}:{pass}"))}}})
            .to_string(),
    )
    .unwrap();
    assert_eq!(discover_count(home.path(), &subject), 1);
}

/// A refresh token from tokensrv's password grant (`POST grant_type=password`).
fn refresh_token(realm: &str, service: &str, user: &str, pass: &str) -> String {
    let out = run_ok(
        Command::new("curl")
            .args([
                "-sf",
                "-X",
                "POST",
                "--data-urlencode",
                "grant_type=password",
                "--data-urlencode",
            ])
            .arg(format!("service={service}"))
            .arg("--data-urlencode")
            .arg(format!("username={user}"))
            .arg("--data-urlencode")
            .arg(format!("password={pass}"))
            .arg(realm),
    );
    json(&out)["refresh_token"]
        .as_str()
        .expect("refresh_token")
        .to_string()
}

#[test]
fn identity_token_uses_the_refresh_token_grant() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_TOKEN");
    let (user, pass) = (
        h.var("ARBOR_TEST_TOKEN_USER"),
        h.secret("ARBOR_TEST_TOKEN_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-idtoken");
    let rt = refresh_token(
        &h.var("ARBOR_TEST_TOKEN_REALM"),
        &h.var("ARBOR_TEST_TOKEN_SERVICE"),
        &user,
        &pass,
    );
    let home = tempfile::tempdir().unwrap();

    // From the flag (stdin).
    let out = run_with_stdin(
        arbor_isolated(home.path()).args([
            "discover",
            "--format",
            "json",
            "--identity-token-stdin",
            &subject,
        ]),
        &rt,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(json(&out)["referrers"].as_array().unwrap().len(), 1);

    // From docker config `identitytoken` (as `az acr login` writes it).
    std::fs::create_dir_all(home.path().join(".docker")).unwrap();
    let cfg = serde_json::json!({"auths": {format!("https://{reg}"): {"auth": b64("00000000-0000-0000-0000-000000000000:"), "identitytoken": rt}}});
    std::fs::write(home.path().join(".docker/config.json"), cfg.to_string()).unwrap();
    assert_eq!(discover_count(home.path(), &subject), 1);

    // A refresh token the server does not know is refused clearly.
    let out = run_with_stdin(
        arbor_isolated(home.path()).args(["discover", "--identity-token-stdin", &subject]),
        "bogus-refresh-token",
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("token server"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("bogus-refresh-token"));
}

#[test]
fn no_secret_reaches_the_log_file() {
    let h = harness();
    let reg = h.var("ARBOR_TEST_TOKEN");
    let (user, pass) = (
        h.var("ARBOR_TEST_TOKEN_USER"),
        h.secret("ARBOR_TEST_TOKEN_PASSWORD_FILE"),
    );
    let subject = seed(&reg, &user, &pass, "cred-log");
    let rt = refresh_token(
        &h.var("ARBOR_TEST_TOKEN_REALM"),
        &h.var("ARBOR_TEST_TOKEN_SERVICE"),
        &user,
        &pass,
    );
    let home = tempfile::tempdir().unwrap();
    let log = home.path().join("arbor.log");
    let with_log = |c: &mut Command| {
        c.arg("--log-file").arg(&log).env("ARBOR_LOG", "trace");
    };
    let mut c = arbor_isolated(home.path());
    c.args(["login", &reg, "-u", &user, "--password-stdin"]);
    with_log(&mut c);
    assert!(run_with_stdin(&mut c, &pass).status.success());
    let mut c = arbor_isolated(home.path());
    c.args(["discover", &subject]);
    with_log(&mut c);
    run_ok(&mut c);
    let mut c = arbor_isolated(home.path());
    c.args(["discover", "--identity-token-stdin", &subject]);
    with_log(&mut c);
    assert!(run_with_stdin(&mut c, &rt).status.success());

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("request"), "the log is empty: {text}");
    for secret in [pass.clone(), b64(&format!("{user}:{pass}")), rt.clone()] {
        assert!(!text.contains(&secret), "a secret is in the log");
    }
    assert!(!text.contains("Bearer ey"), "a bearer token is in the log");
}
