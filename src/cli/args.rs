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
    /// TUI colours: `dark`, `light`, `mono`, or `auto` (ask the terminal). Also ARBOR_THEME and
    /// `theme` in config.toml; NO_COLOR always wins.
    #[arg(long, value_name = "THEME", value_parser = ["dark", "light", "mono", "auto"])]
    pub theme: Option<String>,
    /// What the TUI verifies signatures against (as `arbor verify`; also config.toml `[verify]`).
    #[command(flatten)]
    pub trust: TrustArgs,
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
    /// Registry kind: `acr`, `harbor` or `generic` (default: probe the vendor API once, then remember).
    #[arg(long, global = true, value_name = "KIND")]
    pub flavor: Option<Flavor>,
    /// Write logs to this file (never to the terminal). Also ARBOR_LOG_FILE.
    #[arg(long, global = true, value_name = "FILE", env = "ARBOR_LOG_FILE")]
    pub log_file: Option<PathBuf>,
    /// Print the number of HTTP requests made to standard error when done.
    #[arg(long, global = true, hide = true)]
    pub request_stats: bool,
    /// Seconds a registry request may take in all (manifests, listings, referrers, tokens);
    /// blob bodies must keep 1 KiB/s over windows this long [default: 30].
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,
    /// Most tags listed for one repository; past it a listing stops with an error [default: 100000].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub max_tags: Option<u64>,
    /// Most repositories listed from one catalog [default: 100000].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub max_repos: Option<u64>,
    /// Most referrers listed for one manifest [default: 10000].
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
    pub max_referrers: Option<u64>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum DistributionSpec {
    #[value(name = "v1.1-referrers-api")]
    ReferrersApi,
    #[value(name = "v1.1-referrers-tag")]
    ReferrersTag,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum Flavor {
    Acr,
    Harbor,
    Generic,
}

impl From<Flavor> for crate::listing::RegistryKind {
    fn from(f: Flavor) -> Self {
        match f {
            Flavor::Acr => Self::Acr,
            Flavor::Harbor => Self::Harbor,
            Flavor::Generic => Self::Generic,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum TreeFormat {
    #[default]
    Tree,
    Json,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// A Mermaid flowchart (Markdown documents, tickets).
    Mermaid,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

/// Output of `arbor manifests` and `arbor audit`: a table for people, JSON for scripts.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq, Default)]
pub enum TableFormat {
    #[default]
    #[value(alias = "text")]
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check credentials against a registry and save them: OS keyring, else the docker config's
    /// credential helper, else (unencrypted) the docker config.
    Login(LoginArgs),
    /// Remove a registry's saved credentials from every place arbor reads them.
    Logout(LogoutArgs),
    /// Show the graph of artifacts attached to a manifest (like `oras discover`).
    Discover(DiscoverArgs),
    /// List the repositories of a registry (catalog).
    Repos(ReposArgs),
    /// List the tags of a repository.
    Tags(TagsArgs),
    /// Attach files to a manifest as a new referrer (OCI 1.1 `subject`).
    Attach(AttachArgs),
    /// Delete a manifest — with --cascade, the whole graph below it — after showing the plan:
    /// every manifest with its class and why it goes, every tag that disappears, the fallback
    /// indexes removed or rewritten, and what is kept and why. The report afterwards uses the
    /// plan's terms; exit status 1 when the result differs from the plan.
    Delete(DeleteArgs),
    /// List a repository's manifests by class: tagged, attached (below a tag: signatures, SBOMs,
    /// platform manifests), untagged (no tag leads to it), orphan (its subject is gone); with
    /// dangling tags and stale fallback indexes. Default: --untagged.
    Manifests(ManifestsArgs),
    /// Delete old tags (and, with --untagged, untagged manifests) across repositories, each with
    /// its whole graph — ACR's `acr purge` on any registry. Always shows the plan first.
    Purge(PurgeArgs),
    /// Decode what an artifact carries: signatures (cosign, Notation), SBOMs (SPDX, CycloneDX),
    /// in-toto attestations (SLSA provenance) and scan results (SARIF, Trivy). Signatures are
    /// decoded and their digest binding checked, not cryptographically verified.
    Inspect(InspectArgs),
    /// Verify every signature attached to a reference: Notation (trust policy and trust store,
    /// by default Notation's own) and cosign (--key, or keyless with --trusted-root). Exit 0
    /// when at least one verifies, 1 when none does.
    Verify(VerifyArgs),
    /// Signing and SBOM coverage of every tag of a repository, or of every repository of a
    /// registry: signed? verified? SBOM? provenance? attestations? scan result? One row per
    /// tag, counts at the end; exit 1 when a tag lacks what --require names.
    Audit(AuditArgs),
    /// Print a manifest exactly as served (its digest verifies).
    Fetch(FetchArgs),
    /// Print a shell completion script: `arbor completions bash > /etc/bash_completion.d/arbor`.
    Completions(CompletionsArgs),
    /// Print the man page (roff): `arbor man > ~/.local/share/man/man1/arbor.1`.
    Man,
    /// Download an artifact's files into a directory (like `oras pull`).
    ///
    /// Files are named by their `org.opencontainers.image.title` annotation; titles that would
    /// leave DIR (absolute, `..`, through a symbolic link) are refused before anything is written.
    /// Existing files are replaced, never written through a symbolic link.
    Pull(PullArgs),
    /// Copy a manifest (an index with its platform manifests) and its blobs to another
    /// repository, registry or OCI layout; with -r, every referrer below it too (like
    /// `oras cp -r`, plus cosign tags and buildx attestations).
    ///
    /// Blobs the destination has are skipped, blobs on the same registry are mounted, the rest
    /// streamed and verified. The order keeps the destination consistent if interrupted:
    /// referrers after their subject, the tag last.
    Cp(CpArgs),
    /// Add tags to a manifest (one manifest PUT per tag; no blob is sent).
    Tag(TagArgs),
    /// Remove one tag, leaving the manifest and its other tags (where the registry allows it).
    Untag(UntagArgs),
}

/// `arbor completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell (or elvish).
    pub shell: clap_complete::Shell,
}

/// `arbor login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Registry host, e.g. `ghcr.io` or `localhost:5000`.
    pub registry: String,
}

/// `arbor logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// Registry host.
    pub registry: String,
}

/// `arbor discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
    pub reference: String,
    /// Only referrers of this artifact type (applied at every level).
    #[arg(long)]
    pub artifact_type: Option<String>,
    /// Levels of referrers to show; a node below which more was not fetched is marked.
    #[arg(long, default_value_t = crate::graph::DEFAULT_DEPTH)]
    pub depth: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: TreeFormat,
    /// JSON: also index children (with platform) and where each node came from.
    #[arg(long)]
    pub full: bool,
}

/// `arbor repos`.
#[derive(Debug, Args)]
pub struct ReposArgs {
    /// Registry host, e.g. `localhost:5000` (or nothing with --oci-layout).
    pub registry: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
    /// Entries asked for per request (`n`).
    #[arg(long, default_value_t = 1000, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=100_000), |v| v as usize))]
    pub page_size: usize,
}

/// `arbor tags`.
#[derive(Debug, Args)]
pub struct TagsArgs {
    /// `registry/repo` (or nothing with --oci-layout).
    pub repository: Option<String>,
    /// Also show `sha256-<hex>` referrers fallback tags and cosign `.sig/.att/.sbom` tags.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
    /// Entries asked for per request (`n`).
    #[arg(long, default_value_t = 1000, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=100_000), |v| v as usize))]
    pub page_size: usize,
}

/// `arbor attach`.
#[derive(Debug, Args)]
pub struct AttachArgs {
    /// The subject: `registry/repo:tag` or `registry/repo@sha256:…` (an image, index or referrer).
    pub reference: String,
    /// Artifact type of the new referrer, e.g. `application/vnd.example.sbom+json`.
    #[arg(long)]
    pub artifact_type: String,
    /// Files to attach, each optionally with its media type: `FILE[:MEDIATYPE]`.
    #[arg(required = true, value_name = "FILE[:MEDIATYPE]")]
    pub files: Vec<String>,
    /// Manifest annotation `KEY=VALUE` (repeatable).
    #[arg(long = "annotation", short = 'a', value_name = "KEY=VALUE")]
    pub annotations: Vec<String>,
    /// Annotations from a JSON file in oras's format: `{"$manifest": {…}, "<file name>": {…}}`.
    #[arg(long, value_name = "FILE")]
    pub annotation_file: Option<std::path::PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `arbor delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// What to delete: `registry/repo:tag` or `registry/repo@sha256:…` (or a tag/digest with
    /// --oci-layout). A tag names its manifest: the manifest goes, with every tag on it. A dangling
    /// tag (its manifest is gone) is removed by name; a stale `sha256-<hex>` fallback index tag is
    /// repaired (its missing entries taken out; removed when its subject is gone).
    pub reference: String,
    /// Also delete every referrer below it, leaves first (signatures, SBOMs, attestations; down to
    /// --depth) and the cosign tags naming it. Platform manifests of an index go without it,
    /// unless another tag still reaches them.
    #[arg(long)]
    pub cascade: bool,
    /// With --cascade: levels of referrers followed; a deeper graph is refused, never deleted in part.
    #[arg(long, default_value_t = crate::graph::DEFAULT_DEPTH)]
    pub depth: usize,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// `json`: the plan (with --dry-run) or the report, in the same keys so they can be diffed.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `arbor manifests`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("class").args(["untagged", "orphans", "all"])))]
pub struct ManifestsArgs {
    /// `registry/repo` (or nothing with --oci-layout).
    pub repository: Option<String>,
    /// Manifests no tag leads to: untagged and orphan (the default). Never lists attached
    /// manifests — the signatures, SBOMs and platform manifests below a tag.
    #[arg(long)]
    pub untagged: bool,
    /// Only orphans: manifests whose subject no longer exists.
    #[arg(long)]
    pub orphans: bool,
    /// Every manifest, tagged and untagged: digest, class, tags, media/artifact type, image size
    /// (config + layers; an index: the sum over its children), manifest size, created (annotation,
    /// else the image config's; the registry's time where ACR or Harbor lists it), platform, locked.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: TableFormat,
}

/// `arbor purge`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// `registry/repo`, or a pattern matched against the registry's catalog: `registry/team/*`
    /// (`*` within one path segment, `**` across segments).
    pub repositories: String,
    /// Tags whose name this regular expression matches, anywhere in the name (anchor with ^ and $).
    #[arg(long, value_parser = parse_regex)]
    pub filter: regex::Regex,
    /// Only tags older than this: `30d`, `12h`, `1d 6h`. Where the registry lists push times (ACR,
    /// Harbor) the age is the push time's, as `acr purge` measures it; elsewhere the manifest's
    /// created time: its annotation, else the image config's `created`.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub ago: std::time::Duration,
    /// Of the tags old enough, keep the newest N.
    #[arg(long, default_value_t = 0)]
    pub keep: usize,
    /// Also delete untagged and orphan manifests. Needs a registry that lists every manifest (ACR,
    /// Harbor, an OCI layout): refused on registries with only the distribution API.
    #[arg(long)]
    pub untagged: bool,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=64), |v| v as usize))]
    pub concurrency: usize,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
    /// `json`: the plans (with --dry-run) or the reports.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

fn parse_regex(s: &str) -> Result<regex::Regex, String> {
    regex::Regex::new(s).map_err(|e| e.to_string())
}

/// `arbor inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
    pub reference: String,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// What signatures are verified against (`arbor verify`, `arbor audit`); config.toml's
/// `[verify]` section fills what is not given here.
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct TrustArgs {
    /// cosign public key (PEM: ECDSA P-256/P-384/P-521, RSA, Ed25519); repeatable.
    #[arg(long = "key", value_name = "FILE")]
    pub keys: Vec<PathBuf>,
    /// Notation trust policy (default: Notation's own, `$XDG_CONFIG_HOME/notation/trustpolicy.oci.json`).
    #[arg(long, value_name = "FILE")]
    pub trust_policy: Option<PathBuf>,
    /// Notation trust store: the directory holding `x509/` (default: Notation's own `truststore`).
    #[arg(long, value_name = "DIR")]
    pub trust_store: Option<PathBuf>,
    /// Sigstore trusted root (`trusted_root.json`) for keyless cosign signatures.
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Identity (URI or e-mail) a keyless certificate must carry.
    #[arg(long, conflicts_with = "certificate_identity_regexp")]
    pub certificate_identity: Option<String>,
    /// Regular expression a keyless certificate's identity must match.
    #[arg(long, value_name = "REGEXP")]
    pub certificate_identity_regexp: Option<String>,
    /// OIDC issuer a keyless certificate must have been issued for.
    #[arg(long, conflicts_with = "certificate_oidc_issuer_regexp")]
    pub certificate_oidc_issuer: Option<String>,
    /// Regular expression the OIDC issuer must match.
    #[arg(long, value_name = "REGEXP")]
    pub certificate_oidc_issuer_regexp: Option<String>,
}

/// `arbor verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
    pub reference: String,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// For an index, also verify the signatures of each platform manifest.
    #[arg(long)]
    pub platforms: bool,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `arbor audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A repository (`registry/repo`, or `registry/repo:tag` for one tag), or a registry
    /// (`localhost:5000`) for every repository of its catalog. With --oci-layout, optional.
    pub target: Option<String>,
    #[command(flatten)]
    pub trust: TrustArgs,
    /// Exit 1 when a tag lacks one of these: signed, verified, sbom, provenance, attestation, scan.
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(crate::audit::Requirement))]
    pub require: Vec<crate::audit::Requirement>,
    /// Tags audited at once.
    #[arg(long, default_value_t = 8, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=64), |v| v as usize))]
    pub concurrency: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: TableFormat,
}

/// `arbor fetch`.
#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
    pub reference: String,
    /// Pretty-print the JSON instead of the exact bytes.
    #[arg(long)]
    pub pretty: bool,
    /// Print the descriptor instead of the manifest.
    #[arg(long)]
    pub descriptor: bool,
}

/// `arbor pull`.
#[derive(Debug, Args)]
pub struct PullArgs {
    /// Reference: `registry/repo:tag`, `registry/repo@sha256:…` (or a tag/digest with --oci-layout).
    pub reference: String,
    /// Directory to write the files into (created if missing).
    #[arg(short = 'o', long, value_name = "DIR", default_value = ".")]
    pub output: PathBuf,
    /// Files downloaded at once.
    #[arg(long, default_value_t = crate::pull::DEFAULT_CONCURRENCY, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=64), |v| v as usize))]
    pub concurrency: usize,
}

/// `arbor cp`.
#[derive(Debug, Args)]
pub struct CpArgs {
    /// `registry/repo:tag` or `registry/repo@sha256:…`; with --from-oci-layout `DIR:TAG` or `DIR@DIGEST`.
    pub source: String,
    /// `registry/repo[:tag]`; with --to-oci-layout `DIR[:TAG]`. Without a tag, the source's tag.
    pub destination: String,
    /// Also copy every referrer below it (signatures, SBOMs, attestations), at any depth.
    #[arg(short = 'r', long)]
    pub recursive: bool,
    /// The source is an OCI image layout directory.
    #[arg(long)]
    pub from_oci_layout: bool,
    /// The destination is an OCI image layout directory (created if missing).
    #[arg(long)]
    pub to_oci_layout: bool,
    /// Copy only this platform of an index (repeatable); the index is rewritten, so its digest changes.
    #[arg(long = "platform", value_name = "OS/ARCH[/VARIANT]")]
    pub platforms: Vec<crate::copy::PlatformFilter>,
    /// Print what would be copied (and what the destination has already); change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Blobs copied at once.
    #[arg(long, default_value_t = crate::copy::DEFAULT_CONCURRENCY, value_parser = clap::builder::TypedValueParser::map(clap::value_parser!(u32).range(1..=64), |v| v as usize))]
    pub concurrency: usize,
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `arbor tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// The manifest: `registry/repo:tag` or `registry/repo@sha256:…` (a tag or digest with --oci-layout).
    pub reference: String,
    /// New tags for it.
    #[arg(required = true)]
    pub tags: Vec<String>,
}

/// `arbor untag`.
#[derive(Debug, Args)]
pub struct UntagArgs {
    /// `registry/repo:tag` (a tag with --oci-layout).
    pub reference: String,
}
