//! Non-interactive subcommands: one module each, dispatched by [`run`]; their flags in `args`.
pub mod args;
pub mod attach;
pub mod audit;
pub mod bars;
pub mod cp;
pub mod delete;
pub mod discover;
pub mod fetch;
pub mod format;
pub mod graph_json;
pub mod inspect;
pub mod login;
pub mod manifests;
pub mod pull;
pub mod purge;
pub mod repos;
pub mod signals;
pub mod tag;
pub mod tags;
pub mod tree;
pub mod verify;

use crate::connection::{ConnectOptions, Target};
use crate::credentials::LookupOptions;
use crate::registry::{ClientOptions, RetryNotify};
use crate::store::{Limits, ReferrersMode};
use anyhow::{bail, Context, Result};
use args::{Command, DistributionSpec, GlobalArgs};
use std::io::Write;
use std::time::Duration;

/// Connection options from the global arguments (`secret`: what --password-stdin or
/// --identity-token-stdin read). Without credential flags, saved credentials are looked up.
pub fn connect_options(g: &GlobalArgs, secret: Option<String>) -> Result<ConnectOptions> {
    let d = Limits::default();
    let cap = |v: Option<u64>, default: usize| v.map_or(default, |n| n as usize);
    let client = ClientOptions {
        plain_http: g.plain_http,
        insecure: g.insecure,
        ca_file: g.ca_file.clone(),
        credentials: login::credentials_from_args(g, secret)?,
        timeout: g.timeout.map(Duration::from_secs),
        limits: Limits {
            tags: cap(g.max_tags, d.tags),
            repositories: cap(g.max_repos, d.repositories),
            referrers: cap(g.max_referrers, d.referrers),
        },
        on_retry: Some(RetryNotify::new(|n| {
            eprintln!("arbor: {}", crate::text::escape(&n.to_string()))
        })),
        flavor: g.flavor.map(Into::into),
        ..Default::default()
    };
    let lookup = LookupOptions::from_env(g.registry_config.clone());
    Ok(ConnectOptions {
        oci_layout: g.oci_layout.clone(),
        referrers: referrers_mode(g),
        ..ConnectOptions::new(client, lookup)
    })
}

/// Reads the password from standard input (first line, without its newline).
pub fn read_password_stdin() -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_line(&mut s)
        .context("reading the password from standard input")?;
    let p = s.trim_end_matches(['\n', '\r']).to_string();
    if p.is_empty() {
        bail!("--password-stdin: standard input was empty");
    }
    Ok(p)
}

fn referrers_mode(g: &GlobalArgs) -> ReferrersMode {
    match g.distribution_spec {
        Some(DistributionSpec::ReferrersApi) => ReferrersMode::Api,
        Some(DistributionSpec::ReferrersTag) => ReferrersMode::Tag,
        None => ReferrersMode::Auto,
    }
}

/// Runs one subcommand, writing to `out`; the target it opened, if any (for request counts).
pub async fn run(
    cmd: Command,
    conn: &ConnectOptions,
    out: &mut dyn Write,
) -> Result<Option<Target>> {
    let target = match cmd {
        Command::Login(a) => return login::login(&a.registry, conn, out).await.map(|()| None),
        Command::Logout(a) => return login::logout(&a.registry, &conn.lookup, out).map(|()| None),
        Command::Discover(a) => discover::run(a, conn, out).await?,
        Command::Repos(a) => repos::run(a, conn, out).await?,
        Command::Tags(a) => tags::run(a, conn, out).await?,
        Command::Attach(a) => attach::run(a, conn, out).await?,
        Command::Delete(a) => delete::run(a, conn, out).await?,
        Command::Manifests(a) => manifests::run(a, conn, out).await?,
        Command::Purge(a) => purge::run(a, conn, out).await?,
        Command::Inspect(a) => inspect::run(a, conn, out).await?,
        Command::Verify(a) => verify::run(a, conn, out).await?,
        Command::Audit(a) => audit::run(a, conn, out).await?,
        Command::Fetch(a) => fetch::run(a, conn, out).await?,
        Command::Pull(a) => pull::run(a, conn, out).await?,
        Command::Cp(a) => cp::run(a, conn, out).await?,
        Command::Tag(a) => tag::tag(a, conn, out).await?,
        Command::Untag(a) => tag::untag(a, conn, out).await?,
        Command::Completions(a) => {
            let mut cmd = <args::Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "arbor", out);
            return Ok(None);
        }
        Command::Man => {
            clap_mangen::Man::new(<args::Cli as clap::CommandFactory>::command()).render(out)?;
            return Ok(None);
        }
    };
    Ok(Some(target))
}
