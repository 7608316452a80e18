//! Command-line arguments (clap).
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// arbor — browse, inspect and manage OCI artifact graphs.
///
/// With no subcommand, opens the terminal UI on TARGET (a registry, repository or reference),
/// on `--oci-layout DIR`, or on the embedded demo layout when neither is given.
#[derive(Debug, Parser)]
#[command(name = "arbor", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Registry, repository or reference to open in the TUI (e.g. `localhost:5000/net-monitor:v1`).
    pub target: Option<String>,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command shares: where and how to connect.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Use an OCI image layout directory instead of a registry.
    #[arg(long, global = true, value_name = "DIR")]
    pub oci_layout: Option<PathBuf>,
    /// Talk plain HTTP (loopback registries default to it, as docker does; `--plain-http=false` forces HTTPS).
    #[arg(long, global = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub plain_http: Option<bool>,
    /// Skip TLS certificate verification.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Trust the CA certificates in this PEM file.
    #[arg(long, global = true, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// Registry username.
    #[arg(short = 'u', long, global = true)]
    pub username: Option<String>,
    /// Read the password (or token) from standard input.
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// Registry password as an argument (other processes can see it: prefer --password-stdin).
    #[arg(long, global = true)]
    pub password: Option<String>,
    /// Identity (refresh) token, e.g. from `az acr login --expose-token` (visible to other processes: prefer --identity-token-stdin).
    #[arg(long, global = true)]
    pub identity_token: Option<String>,
    /// Read an identity (refresh) token from standard input.
    #[arg(long, global = true)]
    pub identity_token_stdin: bool,
    /// docker config file to read saved credentials from (and `login` to write to), instead of `$DOCKER_CONFIG/config.json`.
    #[arg(long, global = true, value_name = "FILE")]
    pub registry_config: Option<PathBuf>,
    /// Referrers mechanism: `v1.1-referrers-api` or `v1.1-referrers-tag` (default: probe, then remember).
    #[arg(long, global = true, value_name = "SPEC")]
    pub distribution_spec: Option<DistributionSpec>,
    /// Write logs to this file (never to the terminal). Also ARBOR_LOG_FILE.
    #[arg(long, global = true, value_name = "FILE", env = "ARBOR_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// Print the number of HTTP requests made to standard error when done.
    #[arg(long, global = true, hide = true)]
    pub request_stats: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DistributionSpec {
    #[value(name = "v1.1-referrers-api")]
    ReferrersApi,
    #[value(name = "v1.1-referrers-tag")]
    ReferrersTag,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum TreeFormat {
    #[default]
    Tree,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check credentials against a registry and save them: OS keyring, else the docker config's
    /// credential helper, else (unencrypted) the docker config.
    Login {
        /// Registry host, e.g. `ghcr.io` or `localhost:5000`.
        registry: String,
    },
    /// Remove a registry's saved credentials from every place arbor reads them.
    Logout {
        /// Registry host.
        registry: String,
    },
    /// Show the graph of artifacts attached to a manifest (like `oras discover`).
    Discover {
        /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
        reference: String,
        /// Only referrers of this artifact type (applied at every level).
        #[arg(long)]
        artifact_type: Option<String>,
        /// Levels of referrers to show (default: all).
        #[arg(long)]
        depth: Option<usize>,
        #[arg(long, value_enum, default_value_t)]
        format: TreeFormat,
        /// JSON: also index children (with platform) and where each node came from.
        #[arg(long)]
        full: bool,
    },
    /// List the repositories of a registry (catalog).
    Repos {
        registry: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
        /// Entries asked for per request (`n`).
        #[arg(long, default_value_t = 1000, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=100_000), |v| v as usize))]
        page_size: usize,
    },
    /// List the tags of a repository.
    Tags {
        /// `registry/repo` (or nothing with --oci-layout).
        repository: Option<String>,
        /// Also show `sha256-<hex>` referrers fallback tags and cosign `.sig/.att/.sbom` tags.
        #[arg(long)]
        all: bool,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
        /// Entries asked for per request (`n`).
        #[arg(long, default_value_t = 1000, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=100_000), |v| v as usize))]
        page_size: usize,
    },
    /// Attach files to a manifest as a new referrer (OCI 1.1 `subject`).
    Attach {
        /// The subject: `registry/repo:tag` or `registry/repo@sha256:…` (an image, index or referrer).
        reference: String,
        /// Artifact type of the new referrer, e.g. `application/vnd.example.sbom+json`.
        #[arg(long)]
        artifact_type: String,
        /// Files to attach, each optionally with its media type: `FILE[:MEDIATYPE]`.
        #[arg(required = true, value_name = "FILE[:MEDIATYPE]")]
        files: Vec<String>,
        /// Manifest annotation `KEY=VALUE` (repeatable).
        #[arg(long = "annotation", short = 'a', value_name = "KEY=VALUE")]
        annotations: Vec<String>,
        /// Annotations from a JSON file in oras's format: `{"$manifest": {…}, "<file name>": {…}}`.
        #[arg(long, value_name = "FILE")]
        annotation_file: Option<std::path::PathBuf>,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Delete a manifest — with --cascade, the whole graph of referrers below it.
    Delete {
        reference: String,
        /// Also delete every referrer below it (any depth), leaves first.
        #[arg(long)]
        cascade: bool,
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(short = 'y', long)]
        yes: bool,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// List a repository's untagged manifests, or orphaned referrers.
    Manifests {
        repository: Option<String>,
        /// Only untagged manifests.
        #[arg(long, conflicts_with = "orphans")]
        untagged: bool,
        /// Only orphans: referrers whose subject no longer exists.
        #[arg(long)]
        orphans: bool,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Decode what an artifact carries: signatures (cosign, Notation), SBOMs (SPDX, CycloneDX),
    /// in-toto attestations (SLSA provenance) and scan results (SARIF, Trivy). Signatures are
    /// decoded and their digest binding checked, not cryptographically verified.
    Inspect {
        /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
        reference: String,
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Verify every signature attached to a reference: Notation (trust policy and trust store,
    /// by default Notation's own) and cosign (--key, or keyless with --trusted-root). Exit 0
    /// when at least one verifies, 1 when none does.
    Verify(crate::cli::verify::VerifyArgs),
    /// Print a manifest exactly as served (its digest verifies).
    Fetch {
        reference: String,
        /// Pretty-print the JSON instead of the exact bytes.
        #[arg(long)]
        pretty: bool,
        /// Print the descriptor instead of the manifest.
        #[arg(long)]
        descriptor: bool,
    },
    /// Download an artifact's files into a directory (like `oras pull`).
    ///
    /// Files are named by their `org.opencontainers.image.title` annotation; titles that would
    /// leave DIR (absolute, `..`, through a symbolic link) are refused before anything is written.
    /// Existing files are replaced, never written through a symbolic link.
    Pull {
        /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
        reference: String,
        /// Directory to write the files into (created if missing).
        #[arg(short = 'o', long, value_name = "DIR", default_value = ".")]
        output: PathBuf,
        /// Files downloaded at once.
        #[arg(long, default_value_t = crate::pull::DEFAULT_CONCURRENCY, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=64), |v| v as usize))]
        concurrency: usize,
    },
}
