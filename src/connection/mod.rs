//! What both front ends open: an OCI layout directory or a registry, repository or reference,
//! with the connection options they share (TLS, credentials, referrers mode). The CLI builds
//! [`ConnectOptions`] from its flags; the TUI takes them as they are.
pub mod ends;
pub mod login;

pub use ends::{open_copy, open_destination, CopyEnds, End};
pub use login::{login, login_with, LoginOptions};

use crate::credentials::LookupOptions;
use crate::layout::LayoutStore;
use crate::oci::reference::{parse_registry, Reference};
use crate::registry::{ClientOptions, RegistryStore};
use crate::store::{ReferrersMode, Store};
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;

/// A command line that cannot work as given (a missing or malformed argument): the binary
/// exits 2 for it, as for clap's own usage errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// Refuses `HOST:PORT` or `HOST` where a repository is needed: docker's rules would read
/// `127.0.0.1:5101` as the Docker Hub repository `library/127.0.0.1` (tag `5101`).
pub fn refuse_bare_host(input: &str) -> Result<()> {
    if input.contains('/') || input.contains('@') {
        return Ok(());
    }
    let (name, tag) = match input.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (input, None),
    };
    let port = tag.is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()));
    let hostlike = name == "localhost" || name.contains('.') || name.starts_with('[');
    if hostlike && (port || tag.is_none()) {
        return Err(usage(format!(
            "{input} names a registry, not a repository: a repository is needed (HOST/REPO, e.g. {input}/my-app)"
        )));
    }
    Ok(())
}

/// Where and how to connect.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    /// An OCI image layout directory to open instead of a registry.
    pub oci_layout: Option<PathBuf>,
    /// How registries are reached: TLS, plain HTTP, credentials.
    pub client: ClientOptions,
    /// Which referrers mechanism registries are asked with.
    pub referrers: ReferrersMode,
    /// Where saved credentials are read from, and where a login saves them.
    pub lookup: LookupOptions,
}

impl ConnectOptions {
    /// Options for registries reached with `client`: without explicit credentials in it, saved
    /// ones are looked up in `lookup` the first time a registry asks for them.
    pub fn new(mut client: ClientOptions, lookup: LookupOptions) -> Self {
        if client.credentials.is_none() {
            client.credential_source = Some(Arc::new(lookup.clone()));
        }
        ConnectOptions {
            oci_layout: None,
            client,
            referrers: ReferrersMode::Auto,
            lookup,
        }
    }

    /// How a login made from here reaches the registry and where it saves.
    pub fn login_options(&self) -> LoginOptions {
        LoginOptions {
            client: self.client.clone(),
            lookup: self.lookup.clone(),
        }
    }
}

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

impl Target {
    /// The tag or digest the target names; an error for a bare repository.
    pub fn require_reference(&self) -> Result<&str> {
        self.reference
            .as_deref()
            .ok_or_else(|| usage("a tag or digest is required (REPO:TAG or REPO@sha256:…)"))
    }
}

/// Opens the store a reference (or, with `repo_only`, a repository) names: the layout when
/// one is set, else the registry in `input`.
pub fn open_target(opts: &ConnectOptions, input: Option<&str>, repo_only: bool) -> Result<Target> {
    if let Some(dir) = &opts.oci_layout {
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
    let input = input.ok_or_else(|| {
        usage(if repo_only {
            "a repository is required: HOST/REPO (or use --oci-layout DIR)"
        } else {
            "a reference is required: HOST/REPO:TAG or HOST/REPO@sha256:… (or use --oci-layout DIR)"
        })
    })?;
    refuse_bare_host(input)?;
    let r = if repo_only {
        Reference::parse_repository(input)?
    } else {
        Reference::parse(input)?
    };
    let reg = Arc::new(RegistryStore::new(
        &r.registry,
        &opts.client,
        opts.referrers,
    )?);
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

/// Opens a whole registry (no repository): for its catalog.
pub fn open_registry(opts: &ConnectOptions, registry: &str) -> Result<Target> {
    let host = parse_registry(registry)?;
    let rs = Arc::new(RegistryStore::new(&host, &opts.client, opts.referrers)?);
    Ok(Target {
        store: rs.clone(),
        registry: Some(rs),
        repo: String::new(),
        display_name: host,
        reference: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_host_is_not_a_repository() {
        for bad in ["127.0.0.1:5101", "localhost:5000", "localhost", "ghcr.io"] {
            let e = refuse_bare_host(bad).expect_err(bad);
            assert!(
                e.to_string().contains("a repository is needed (HOST/REPO"),
                "{e}"
            );
            assert!(e.downcast_ref::<UsageError>().is_some());
        }
        for ok in [
            "ubuntu",
            "ubuntu:22.04",
            "localhost:5000/app",
            "ghcr.io/o/r:v1",
            "r@sha256:ab",
        ] {
            assert!(refuse_bare_host(ok).is_ok(), "{ok}");
        }
    }
}
