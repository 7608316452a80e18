//! Non-interactive subcommands and their output.
pub mod args;
pub mod attach;
pub mod delete;
pub mod inspect;
pub mod login;
pub mod output;
pub mod pull;
pub mod verify;

use crate::graph::{discover, DiscoverOptions};
use crate::layout::LayoutStore;
use crate::oci::reference::{parse_registry, Reference};
use crate::oci::Digest;
use crate::registry::{ClientOptions, RegistryStore};
use crate::store::{ReferrersMode, Store};
use anyhow::{anyhow, bail, Context, Result};
use args::{Command, DistributionSpec, GlobalArgs, ListFormat, TreeFormat};
use std::io::Write;
use std::sync::Arc;

/// A store opened for a command, with the repository and reference it was pointed at.
pub struct Target {
    pub store: Arc<dyn Store>,
    /// Present for registries (request counts, capability probing).
    pub registry: Option<Arc<RegistryStore>>,
    pub repo: String,
    /// Display prefix for `reference` fields: `host/repo`, or the layout path.
    pub display_name: String,
    /// Tag or digest to open, if any.
    pub reference: Option<String>,
}

/// Connection options from the global arguments (`secret`: what --password-stdin or
/// --identity-token-stdin read). Without credential flags, saved credentials are looked up.
pub fn client_options(g: &GlobalArgs, secret: Option<String>) -> Result<ClientOptions> {
    let credentials = login::credentials_from_args(g, secret)?;
    Ok(ClientOptions {
        plain_http: g.plain_http,
        insecure: g.insecure,
        ca_file: g.ca_file.clone(),
        credential_lookup: credentials
            .is_none()
            .then(|| crate::credentials::LookupOptions::from_env(g.registry_config.clone())),
        credentials,
        user_agent: None,
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

pub fn referrers_mode(g: &GlobalArgs) -> ReferrersMode {
    match g.distribution_spec {
        Some(DistributionSpec::ReferrersApi) => ReferrersMode::Api,
        Some(DistributionSpec::ReferrersTag) => ReferrersMode::Tag,
        None => ReferrersMode::Auto,
    }
}

/// Opens the store a reference (or repository) names.
pub fn open_target(
    g: &GlobalArgs,
    opts: &ClientOptions,
    input: Option<&str>,
    repo_only: bool,
) -> Result<Target> {
    if let Some(dir) = &g.oci_layout {
        let layout = LayoutStore::open(dir)?;
        let repo = layout.repository_name().to_string();
        let reference = input
            .map(|s| s.trim_start_matches('@').to_string())
            .filter(|s| !s.is_empty());
        return Ok(Target {
            display_name: dir.display().to_string(),
            store: Arc::new(layout),
            registry: None,
            repo,
            reference,
        });
    }
    let input =
        input.ok_or_else(|| anyhow!("a reference is required (or use --oci-layout DIR)"))?;
    let r = if repo_only {
        Reference::parse_repository(input)?
    } else {
        Reference::parse(input)?
    };
    let reg = Arc::new(RegistryStore::new(&r.registry, opts, referrers_mode(g))?);
    Ok(Target {
        display_name: r.repository_name(),
        store: reg.clone(),
        registry: Some(reg),
        repo: r.repository.clone(),
        reference: if repo_only && r.tag.is_none() && r.digest.is_none() {
            None
        } else {
            Some(r.manifest_reference())
        },
    })
}

/// True for tags arbor hides by default: `sha256-<hex>` fallback indexes and cosign's `.sig/.att/.sbom`.
pub fn is_hidden_tag(tag: &str) -> bool {
    if Digest::from_fallback_tag(tag).is_some() {
        return true;
    }
    for suffix in [".sig", ".att", ".sbom"] {
        if let Some(base) = tag.strip_suffix(suffix) {
            if Digest::from_fallback_tag(base).is_some() {
                return true;
            }
        }
    }
    false
}

/// Runs one subcommand, writing to `out`.
pub async fn run(
    cmd: Command,
    g: &GlobalArgs,
    opts: &ClientOptions,
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
            let t = open_target(g, opts, Some(&reference), false)?;
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
            let t = match (&g.oci_layout, registry) {
                (Some(_), _) => open_target(g, opts, None, true)?,
                (None, Some(reg)) => {
                    let host = parse_registry(&reg)?;
                    let rs = Arc::new(RegistryStore::new(&host, opts, referrers_mode(g))?);
                    Target {
                        store: rs.clone(),
                        registry: Some(rs),
                        repo: String::new(),
                        display_name: host,
                        reference: None,
                    }
                }
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
            login::login(&registry, g, opts, out).await?;
            Ok(None)
        }
        Command::Logout { registry } => {
            login::logout(&registry, g, out)?;
            Ok(None)
        }
        Command::Tags {
            repository,
            all,
            format,
            page_size,
        } => {
            let t = open_target(g, opts, repository.as_deref(), true)?;
            let mut tags = t.store.all_tags_paged(&t.repo, page_size).await?;
            if !all {
                tags.retain(|t| !is_hidden_tag(t));
            }
            print_list(out, &tags, format, "tags")?;
            Ok(Some(t))
        }
        Command::Pull {
            reference,
            output,
            concurrency,
        } => {
            let t = open_target(g, opts, Some(&reference), false)?;
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
            let t = open_target(g, opts, Some(&reference), false)?;
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
            let t = open_target(g, opts, Some(&reference), false)?;
            delete::run(&t, cascade, dry_run, yes, format, out).await?;
            Ok(Some(t))
        }
        Command::Manifests {
            repository,
            untagged,
            orphans,
            format,
        } => {
            let t = open_target(g, opts, repository.as_deref(), true)?;
            delete::manifests(&t, untagged, orphans, format, out).await?;
            Ok(Some(t))
        }
        Command::Inspect { reference, format } => {
            let t = open_target(g, opts, Some(&reference), false)?;
            inspect::run(&t, format, out).await?;
            Ok(Some(t))
        }
        Command::Verify(a) => Ok(Some(verify::run(a, g, opts, out).await?)),
        Command::Fetch {
            reference,
            pretty,
            descriptor,
        } => {
            let t = open_target(g, opts, Some(&reference), false)?;
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

#[cfg(test)]
mod tests {
    use super::is_hidden_tag;

    #[test]
    fn hides_fallback_and_cosign_tags_only() {
        let h = "a".repeat(64);
        assert!(is_hidden_tag(&format!("sha256-{h}")));
        assert!(is_hidden_tag(&format!("sha256-{h}.sig")));
        assert!(is_hidden_tag(&format!("sha256-{h}.att")));
        assert!(is_hidden_tag(&format!("sha256-{h}.sbom")));
        assert!(!is_hidden_tag("v1"));
        assert!(!is_hidden_tag("sha256-notadigest"));
        assert!(!is_hidden_tag(&format!("sha256-{h}.txt")));
    }
}
