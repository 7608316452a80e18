//! The docker credential-helper protocol: `docker-credential-NAME get|store|erase`, the server
//! URL (or a JSON record) on stdin, JSON on stdout. Secrets only ever travel through the pipes.
//!
//! Hand-written rather than the `docker_credential` crate: that crate only reads (no
//! `store`/`erase`, which `arbor login`/`logout` need), consults `auths` before `credsStore`,
//! and puts the helper's whole stdout into its error text.
use super::CredentialError;
use crate::registry::Credentials;
use std::io::Write;
use std::process::{Command, Stdio};

/// The username helpers use for an identity token.
const TOKEN_USER: &str = "<token>";

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
struct Record {
    #[serde(
        rename = "ServerURL",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    server_url: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

fn program(name: &str) -> String {
    format!("docker-credential-{name}")
}

/// Runs the helper with `input` on stdin; `Ok(Err(message))` when it exits non-zero.
fn run(name: &str, action: &str, input: &[u8]) -> Result<Result<Vec<u8>, String>, CredentialError> {
    let prog = program(name);
    let err = |detail: String| CredentialError::Helper {
        helper: prog.clone(),
        detail,
    };
    let mut child = Command::new(&prog)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("cannot run it ({e}); is it installed and on PATH?")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(input)
            .map_err(|e| err(format!("writing to it: {e}")))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| err(format!("waiting for it: {e}")))?;
    if out.status.success() {
        return Ok(Ok(out.stdout));
    }
    // On failure helpers print a one-line reason (never the secret); keep it short.
    let text = if out.stdout.is_empty() {
        &out.stderr
    } else {
        &out.stdout
    };
    let msg: String = String::from_utf8_lossy(text)
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    Ok(Err(format!("{action} failed ({}): {msg}", out.status)))
}

/// `get`: the helper's credentials for the server, `None` when it has none.
pub fn get(name: &str, server_url: &str) -> Result<Option<Credentials>, CredentialError> {
    let out = match run(name, "get", server_url.as_bytes())? {
        Ok(out) => out,
        // "credentials not found in native keychain" and the like.
        Err(msg) if msg.to_ascii_lowercase().contains("not found") => return Ok(None),
        Err(detail) => {
            return Err(CredentialError::Helper {
                helper: program(name),
                detail,
            })
        }
    };
    let rec: Record = serde_json::from_slice(&out).map_err(|e| CredentialError::Helper {
        helper: program(name),
        detail: format!("get: answer is not the expected JSON ({e})"),
    })?;
    if rec.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if rec.username == TOKEN_USER {
        Credentials::IdentityToken {
            username: String::new(),
            token: rec.secret,
        }
    } else {
        Credentials::Basic {
            username: rec.username,
            password: rec.secret,
        }
    }))
}

/// `store`: saves credentials for the server.
pub fn store(name: &str, server_url: &str, creds: &Credentials) -> Result<(), CredentialError> {
    let rec = match creds {
        Credentials::Basic { username, password } => Record {
            server_url: server_url.to_string(),
            username: username.clone(),
            secret: password.clone(),
        },
        Credentials::IdentityToken { token, .. } => Record {
            server_url: server_url.to_string(),
            username: TOKEN_USER.to_string(),
            secret: token.clone(),
        },
    };
    let input = serde_json::to_vec(&rec).map_err(|e| CredentialError::Helper {
        helper: program(name),
        detail: e.to_string(),
    })?;
    run(name, "store", &input)?
        .map(|_| ())
        .map_err(|detail| CredentialError::Helper {
            helper: program(name),
            detail,
        })
}

/// `erase`: forgets the server; true if the helper had it.
pub fn erase(name: &str, server_url: &str) -> Result<bool, CredentialError> {
    match run(name, "erase", server_url.as_bytes())? {
        Ok(_) => Ok(true),
        Err(msg) if msg.to_ascii_lowercase().contains("not found") => Ok(false),
        Err(detail) => Err(CredentialError::Helper {
            helper: program(name),
            detail,
        }),
    }
}
