//! Non-interactive subcommands and their output.
pub mod args;
pub mod attach;
pub mod delete;
pub mod inspect;
pub mod login;
pub mod output;
pub mod pull;

use crate::connection::{open_registry, open_target, ConnectOptions, Target};
use crate::credentials::LookupOptions;
use crate::graph::{discover, DiscoverOptions};
use crate::registry::ClientOptions;
use crate::store::ReferrersMode;
use anyhow::{anyhow, bail, Context, Result};
use args::{Command, DistributionSpec, GlobalArgs, ListFormat, TreeFormat};
use std::io::Write;

/// Connection options from the global arguments (`secret`: what --password-stdin or
/// --identity-token-stdin read). Without credential flags, saved credentials are looked up.
pub fn connect_options(g: &GlobalArgs, secret: Option<String>) -> Result<ConnectOptions> {
    let client = ClientOptions {
        plain_http: g.plain_http,
        insecure: g.insecure,
        ca_file: g.ca_file.clone(),
        credentials: login::credentials_from_args(g, secret)?,
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

/// Runs one subcommand, writing to `out`.
pub async fn run(
    cmd: Command,
    conn: &ConnectOptions,
    out: &mut dyn Write,
) -> Result<Option<Target>> {
    match cmd {
        Command::Discover {
            reference,
            artifact_type,
            depth,
            format,
            full,
        } => {
            let t = open_target(conn, Some(&reference), false)?;
            let r = t
                .reference
                .clone()
                .ok_or_else(|| anyhow!("a tag or digest is required"))?;
            let root = t.store.resolve(&t.repo, &r).await?;
            let dopts = DiscoverOptions {
                artifact_type,
                depth,
                index_children: full,
                // The tree shows cosign tags; oras-compatible JSON leaves them out.
                cosign_tags: full || format == TreeFormat::Tree,
                ..Default::default()
            };
            let graph = discover(t.store.as_ref(), &t.repo, root, &dopts).await?;
            match format {
                TreeFormat::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&output::discover_json(
                        &t.display_name,
                        &graph,
                        full
                    ))?
                )?,
                TreeFormat::Tree => {
                    write!(out, "{}", output::discover_tree(&t.display_name, &graph))?;
                    if let Some(src) = t.store.referrers_source(&t.repo) {
                        eprintln!("referrers from: {src}");
                    }
                }
            }
            let errors = graph.errors();
            if let Some((d, e)) = errors.first() {
                bail!(
                    "{} node(s) could not be expanded; first: {d}: {e}",
                    errors.len()
                );
            }
            Ok(Some(t))
        }
        Command::Repos {
            registry,
            format,
            page_size,
        } => {
            let t = match (&conn.oci_layout, registry) {
                (Some(_), _) => open_target(conn, None, true)?,
                (None, Some(reg)) => open_registry(conn, &reg)?,
                (None, None) => bail!("a registry is required (or use --oci-layout DIR)"),
            };
            let store = t.store.clone();
            let all = crate::store::collect_pages("catalog", |c| {
                let store = store.clone();
                async move { store.repositories(c.as_deref(), page_size).await }
            })
            .await?;
            print_list(out, &all, format, "repositories")?;
            Ok(Some(t))
        }
        Command::Login { registry } => {
            login::login(&registry, conn, out).await?;
            Ok(None)
        }
        Command::Logout { registry } => {
            login::logout(&registry, &conn.lookup, out)?;
            Ok(None)
        }
        Command::Tags {
            repository,
            all,
            format,
            page_size,
        } => {
            let t = open_target(conn, repository.as_deref(), true)?;
            let mut tags = t.store.all_tags_paged(&t.repo, page_size).await?;
            if !all {
                tags.retain(|t| !crate::oci::tags::is_hidden_tag(t));
            }
            print_list(out, &tags, format, "tags")?;
            Ok(Some(t))
        }
        Command::Pull {
            reference,
            output,
            concurrency,
        } => {
            let t = open_target(conn, Some(&reference), false)?;
            pull::run(&t, &output, concurrency, out).await?;
            Ok(Some(t))
        }
        Command::Attach {
            reference,
            artifact_type,
            files,
            annotations,
            annotation_file,
            format,
        } => {
            let t = open_target(conn, Some(&reference), false)?;
            attach::run(
                &t,
                artifact_type,
                &files,
                &annotations,
                annotation_file.as_deref(),
                format,
                out,
            )
            .await?;
            Ok(Some(t))
        }
        Command::Delete {
            reference,
            cascade,
            dry_run,
            yes,
            format,
        } => {
            let t = open_target(conn, Some(&reference), false)?;
            delete::run(&t, cascade, dry_run, yes, format, out).await?;
            Ok(Some(t))
        }
        Command::Manifests {
            repository,
            untagged,
            orphans,
            format,
        } => {
            let t = open_target(conn, repository.as_deref(), true)?;
            delete::manifests(&t, untagged, orphans, format, out).await?;
            Ok(Some(t))
        }
        Command::Inspect { reference, format } => {
            let t = open_target(conn, Some(&reference), false)?;
            inspect::run(&t, format, out).await?;
            Ok(Some(t))
        }
        Command::Fetch {
            reference,
            pretty,
            descriptor,
        } => {
            let t = open_target(conn, Some(&reference), false)?;
            let r = t
                .reference
                .clone()
                .ok_or_else(|| anyhow!("a tag or digest is required"))?;
            let m = t.store.manifest(&t.repo, &r).await?;
            if descriptor {
                writeln!(out, "{}", serde_json::to_string_pretty(&m.descriptor)?)?;
            } else if pretty {
                let v: serde_json::Value = serde_json::from_slice(&m.bytes)?;
                writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                out.write_all(&m.bytes)?;
            }
            Ok(Some(t))
        }
    }
}

fn print_list(out: &mut dyn Write, items: &[String], format: ListFormat, key: &str) -> Result<()> {
    match format {
        ListFormat::Text => {
            for i in items {
                writeln!(out, "{i}")?;
            }
        }
        ListFormat::Json => writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ key: items }))?
        )?,
    }
    Ok(())
}
