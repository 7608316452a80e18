//! `arbor login` / `arbor logout`, and credentials from the command-line flags.
use super::args::GlobalArgs;
use crate::connection::{login_with, ConnectOptions};
use crate::credentials::{self, LookupOptions};
use crate::oci::reference::parse_registry;
use crate::registry::Credentials;
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Write};

/// Credentials the flags give: `-u` with `--password-stdin`/`--password` (or a password
/// prompt on a terminal), or `--identity-token[-stdin]`. `secret` is what stdin held.
pub fn credentials_from_args(
    g: &GlobalArgs,
    secret: Option<String>,
) -> Result<Option<Credentials>> {
    if g.password_stdin && g.identity_token_stdin {
        bail!("--password-stdin and --identity-token-stdin both want standard input: use one");
    }
    if g.password.is_some() {
        eprintln!("arbor: warning: --password is visible to other processes on this machine; use --password-stdin");
    }
    if g.identity_token.is_some() {
        eprintln!("arbor: warning: --identity-token is visible to other processes on this machine; use --identity-token-stdin");
    }
    let token = if g.identity_token_stdin {
        secret.clone()
    } else {
        g.identity_token.clone()
    };
    if let Some(token) = token {
        if g.password_stdin || g.password.is_some() {
            bail!("give either a password or an identity token, not both");
        }
        return Ok(Some(Credentials::IdentityToken {
            username: g.username.clone().unwrap_or_default(),
            token,
        }));
    }
    let password = if g.password_stdin {
        secret
    } else {
        g.password.clone()
    };
    Ok(match (&g.username, password) {
        (Some(u), Some(p)) => Some(Credentials::Basic {
            username: u.clone(),
            password: p,
        }),
        (Some(u), None) => Some(Credentials::Basic {
            username: u.clone(),
            password: prompt_password(u)?,
        }),
        (None, Some(_)) => bail!("a password needs --username"),
        (None, None) => None,
    })
}

/// Asks for a password on the terminal (not echoed); only when stdin is one.
fn prompt_password(user: &str) -> Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("--username needs --password-stdin (or run on a terminal to be asked)");
    }
    let p = rpassword::prompt_password(format!("Password for {user}: "))
        .context("reading the password from the terminal")?;
    if p.is_empty() {
        bail!("empty password");
    }
    Ok(p)
}

fn prompt_username() -> Result<String> {
    if !std::io::stdin().is_terminal() {
        bail!("login needs -u USER with --password-stdin (or --identity-token-stdin), or a terminal to ask on");
    }
    eprint!("Username: ");
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .context("reading the username")?;
    let u = s.trim().to_string();
    if u.is_empty() {
        bail!("empty username");
    }
    Ok(u)
}

/// `arbor login REGISTRY`: verify, then save; says where, and warns when it is a plain file.
pub async fn login(registry: &str, conn: &ConnectOptions, out: &mut dyn Write) -> Result<()> {
    let host = parse_registry(registry)?;
    let creds = match &conn.client.credentials {
        Some(c) => c.clone(),
        None => {
            let username = prompt_username()?;
            let password = prompt_password(&username)?;
            Credentials::Basic { username, password }
        }
    };
    let saved = login_with(&host, creds, &conn.login_options()).await?;
    if saved.is_unencrypted() {
        eprintln!(
            "arbor: warning: your credentials are stored unencrypted in {saved}; configure a credential helper (credsStore) to keep them safe"
        );
    }
    writeln!(out, "Login Succeeded ({host}; saved to {saved})")?;
    Ok(())
}

/// `arbor logout REGISTRY`.
pub fn logout(registry: &str, lookup: &LookupOptions, out: &mut dyn Write) -> Result<()> {
    let host = parse_registry(registry)?;
    let removed = credentials::logout(&host, lookup)?;
    let places: Vec<String> = removed.iter().map(ToString::to_string).collect();
    writeln!(
        out,
        "Removed credentials for {host} from {}",
        places.join(", ")
    )?;
    Ok(())
}
