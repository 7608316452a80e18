//! The docker credential-helper protocol: `docker-credential-NAME get|store|erase`, the server
//! URL (or a JSON record) on stdin, JSON on stdout. Secrets only ever travel through the pipes.
//!
//! Hand-written rather than the `docker_credential` crate: that crate only reads (no
//! `store`/`erase`, which `arbor login`/`logout` need), consults `auths` before `credsStore`,
//! and puts the helper's whole stdout into its error text.
use super::CredentialError;
use crate::registry::Credentials;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The username helpers use for an identity token.
const TOKEN_USER: &str = "<token>";

/// How long a helper may run before it is killed; `ARBOR_CREDENTIAL_HELPER_TIMEOUT` (seconds)
/// overrides. Long enough for a keychain prompt, short enough that a hung helper ends.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Most a helper may print on stdout (its answer is a small JSON record) and on stderr.
const MAX_STDOUT: usize = 1 << 20;
const MAX_STDERR: usize = 64 << 10;

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

fn timeout() -> Duration {
    std::env::var("ARBOR_CREDENTIAL_HELPER_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)))
        .unwrap_or(DEFAULT_TIMEOUT)
}

/// Reads a pipe on its own thread, at most `cap + 1` bytes (one more shows it overflowed).
fn read_pipe(pipe: Option<impl Read + Send + 'static>, cap: usize) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(p) = pipe {
            let _ = p.take(cap as u64 + 1).read_to_end(&mut buf);
        }
        let _ = tx.send(buf);
    });
    rx
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs the helper with `input` on stdin; `Ok(Err(message))` when it exits non-zero. The
/// helper is killed past the timeout or when its output passes the cap; a grandchild that
/// keeps the pipes open cannot hold arbor either (pipes are read on detached threads).
fn run(name: &str, action: &str, input: &[u8]) -> Result<Result<Vec<u8>, String>, CredentialError> {
    let prog = program(name);
    let err = |detail: String| CredentialError::Helper {
        helper: prog.clone(),
        detail,
    };
    let limit = timeout();
    let deadline = Instant::now() + limit;
    let mut child = Command::new(&prog)
        .arg(action)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| err(format!("cannot run it ({e}); is it installed and on PATH?")))?;
    // Written from a thread: a helper that never reads stdin must not block arbor.
    if let Some(mut stdin) = child.stdin.take() {
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
    }
    let stdout = read_pipe(child.stdout.take(), MAX_STDOUT);
    let stderr = read_pipe(child.stderr.take(), MAX_STDERR);
    let timed_out = |child: &mut Child| {
        kill(child);
        err(format!(
            "{action}: no answer within {:.1} s; stopped it (ARBOR_CREDENTIAL_HELPER_TIMEOUT sets the limit)",
            limit.as_secs_f64()
        ))
    };
    // The answer first (a helper may print, then linger), then the exit status.
    let out = match stdout.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(out) => out,
        Err(_) => return Err(timed_out(&mut child)),
    };
    if out.len() > MAX_STDOUT {
        kill(&mut child);
        return Err(err(format!(
            "{action}: printed more than {MAX_STDOUT} bytes; stopped it"
        )));
    }
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => return Err(timed_out(&mut child)),
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill(&mut child);
                return Err(err(format!("waiting for it: {e}")));
            }
        }
    };
    if status.success() {
        return Ok(Ok(out));
    }
    // On failure helpers print a one-line reason (never the secret); keep it short.
    let errout = stderr
        .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        .unwrap_or_default();
    let text = if out.is_empty() { &errout } else { &out };
    let line = text.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let msg: String = crate::text::escape_bytes(&line[..line.len().min(200)]).into_owned();
    Ok(Err(format!("{action} failed ({status}): {msg}")))
}

type Lookup = Result<Option<Credentials>, String>;

/// One `get` in flight per helper and server; callers that come meanwhile share its answer.
#[derive(Default)]
struct Flight {
    done: Mutex<Option<Lookup>>,
    ready: Condvar,
}

/// Lookups in flight, by (helper, server URL).
type Flights = Mutex<HashMap<(String, String), Arc<Flight>>>;

fn flights() -> &'static Flights {
    static F: std::sync::OnceLock<Flights> = std::sync::OnceLock::new();
    F.get_or_init(Default::default)
}

/// `get`: the helper's credentials for the server, `None` when it has none. Concurrent
/// lookups of the same server (several requests refused at once) run the helper once.
pub fn get(name: &str, server_url: &str) -> Result<Option<Credentials>, CredentialError> {
    let key = (name.to_string(), server_url.to_string());
    let (flight, leader) = {
        let mut map = flights().lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&key) {
            Some(f) => (f.clone(), false),
            None => {
                let f = Arc::new(Flight::default());
                map.insert(key.clone(), f.clone());
                (f, true)
            }
        }
    };
    let helper_err = |detail: String| CredentialError::Helper {
        helper: program(name),
        detail,
    };
    if !leader {
        let mut done = flight.done.lock().unwrap_or_else(|p| p.into_inner());
        while done.is_none() {
            done = flight.ready.wait(done).unwrap_or_else(|p| p.into_inner());
        }
        return done.clone().unwrap_or(Ok(None)).map_err(helper_err);
    }
    let result = get_uncached(name, server_url);
    let shared: Lookup = match &result {
        Ok(c) => Ok(c.clone()),
        Err(CredentialError::Helper { detail, .. }) => Err(detail.clone()),
        Err(e) => Err(e.to_string()),
    };
    *flight.done.lock().unwrap_or_else(|p| p.into_inner()) = Some(shared);
    flight.ready.notify_all();
    flights()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&key);
    result
}

fn get_uncached(name: &str, server_url: &str) -> Result<Option<Credentials>, CredentialError> {
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
