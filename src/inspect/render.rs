//! Plain-text rendering of an [`Inspection`] (the describe view and `arbor inspect`).
use super::cert::CertSummary;
use super::cosign::TlogEntry;
use super::image::ImageSummary;
use super::intoto::StatementSummary;
use super::sbom::SbomSummary;
use super::scan::ScanSummary;
use super::{BindingStatus, Decoded, Inspection};

/// Preview lines shown at most for an unknown file.
const PREVIEW_LINES: usize = 40;
/// What a decoding says of a signature (decoding verifies nothing; `arbor verify` does).
pub const UNVERIFIED: &str = "signature NOT cryptographically verified";

/// The inspection as lines of plain text (no terminal codes).
pub fn render_lines(i: &Inspection) -> Vec<String> {
    let mut o = Vec::new();
    o.push(format!("{} ({})", i.digest, i.kind.word()));
    o.push(format!("  media type:    {}", i.media_type));
    if let Some(t) = &i.artifact_type {
        o.push(format!("  artifact type: {t}"));
    }
    o.push(format!(
        "  subject:       {}",
        i.subject.as_deref().unwrap_or("(none)")
    ));
    o.push(match i.binding.status {
        BindingStatus::Ok => {
            "  binding:       digest binding OK (the payload names the subject)".to_string()
        }
        BindingStatus::Mismatch => format!(
            "  binding:       MISMATCH: the payload names {} — not the subject",
            i.binding.claimed.join(", ")
        ),
        BindingStatus::NoSubject => format!(
            "  binding:       no subject to compare; the payload names {}",
            i.binding.claimed.join(", ")
        ),
        BindingStatus::NotApplicable => {
            "  binding:       (the payload names no target digest)".to_string()
        }
    });
    image_and_entries(i, &mut o, |what, m| {
        format!("  manifest {}  {what}", m.digest)
    });
    for f in i
        .files
        .iter()
        .filter(|f| !matches!(f.decoded, Decoded::Layer))
    {
        o.push(String::new());
        o.push(format!(
            "file {}  {}  {} bytes{}",
            f.digest,
            f.media_type,
            f.size,
            f.title
                .as_ref()
                .map(|t| format!("  {t:?}"))
                .unwrap_or_default()
        ));
        decoded(&f.decoded, &mut o);
    }
    if i.image.is_some() && !i.files.is_empty() {
        o.push(String::new());
        o.push(format!("layers ({})", i.files.len()));
        for f in &i.files {
            o.push(format!(
                "  {}  {}  {}{}",
                f.digest,
                f.media_type,
                human_bytes(f.size),
                f.title
                    .as_ref()
                    .map(|t| format!("  {t}"))
                    .unwrap_or_default()
            ));
        }
    }
    if i.files_skipped > 0 {
        o.push(format!("({} more files not decoded)", i.files_skipped));
    }
    o
}

/// What a narrow pane shows of an inspection: its kind and what its files decode to (signer
/// and time, package and licence counts, findings by severity, a readme's first lines, an
/// image's platform and command) — the descriptor fields the pane shows already are left out.
pub fn summary_lines(i: &Inspection) -> Vec<String> {
    let mut o = vec![i.kind.word().to_string()];
    if i.binding.status == BindingStatus::Mismatch {
        o.push(format!(
            "  binding MISMATCH: the payload names {}",
            i.binding.claimed.join(", ")
        ));
    }
    image_and_entries(i, &mut o, |what, m| {
        format!("  {what}  {}", m.digest.short())
    });
    for f in i
        .files
        .iter()
        .filter(|f| !matches!(f.decoded, Decoded::Layer))
    {
        if let Some(t) = &f.title {
            o.push(format!("{t}:"));
        }
        decoded(&f.decoded, &mut o);
    }
    o
}

/// The unverified-signature note, an image's config summary and an index's entries (each
/// line made by `entry` from a word for the entry and the entry).
fn image_and_entries(
    i: &Inspection,
    o: &mut Vec<String>,
    entry: impl Fn(&str, &crate::oci::Descriptor) -> String,
) {
    if i.files.iter().any(|f| is_signature(&f.decoded)) && !i.signature_verified {
        o.push(format!("  {UNVERIFIED}"));
    }
    if let Some(im) = &i.image {
        image(im, o);
    }
    for m in &i.manifests {
        let what = m
            .platform
            .as_ref()
            .map(|p| p.to_string())
            .or_else(|| m.artifact_type.clone())
            .unwrap_or_else(|| m.media_type.clone());
        o.push(entry(&what, m));
    }
}

fn is_signature(d: &Decoded) -> bool {
    match d {
        Decoded::CosignSimpleSigning(_) | Decoded::SigstoreBundle(_) | Decoded::Notation(_) => true,
        Decoded::InToto(s) => s.signatures.is_some(),
        _ => false,
    }
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("-")
}

fn decoded(d: &Decoded, o: &mut Vec<String>) {
    match d {
        Decoded::Sbom(s) => sbom(s, "  ", o),
        Decoded::InToto(s) => statement(s, "  ", o),
        Decoded::CosignSimpleSigning(s) => {
            o.push(format!("  cosign signature: {}", opt(&s.signature_type)));
            o.push(format!(
                "  signed digest:    {}",
                opt(&s.docker_manifest_digest)
            ));
            o.push(format!("  identity:         {}", opt(&s.docker_reference)));
            if !s.has_signature {
                o.push("  (no signature annotation)".into());
            }
            if s.certificates.is_empty() {
                o.push("  signed with a key (no certificate)".into());
            }
            certs(&s.certificates, o);
            tlog(&s.tlog, o);
            problems(&s.problems, o);
        }
        Decoded::SigstoreBundle(b) => {
            o.push(format!(
                "  sigstore bundle: {} ({})",
                b.media_type, b.content
            ));
            if let Some(h) = &b.public_key_hint {
                o.push(format!("  public key hint: {h}"));
            }
            certs(&b.certificates, o);
            if b.tlog.is_empty() {
                o.push("  transparency log: no entries".into());
            }
            tlog(&b.tlog, o);
            if b.timestamps > 0 {
                o.push(format!("  RFC 3161 timestamps: {}", b.timestamps));
            }
            if let Some(m) = &b.message_digest {
                o.push(format!("  message digest: {m}"));
            }
            if let Some(s) = &b.statement {
                statement(s, "  ", o);
            }
            problems(&b.problems, o);
        }
        Decoded::Notation(n) => {
            o.push(format!(
                "  notation signature ({}): {} scheme {}",
                n.envelope,
                opt(&n.algorithm),
                opt(&n.signing_scheme)
            ));
            o.push(format!(
                "  signed digest:  {}  {}",
                opt(&n.target_digest),
                opt(&n.target_media_type)
            ));
            o.push(format!("  signing time:   {}", opt(&n.signing_time)));
            o.push(format!(
                "  expiry:         {}",
                n.expiry.as_deref().unwrap_or("none")
            ));
            if let Some(a) = &n.signing_agent {
                o.push(format!("  signing agent:  {a}"));
            }
            certs(&n.certificates, o);
            problems(&n.problems, o);
        }
        Decoded::Scan(s) => scan(s, "  ", o),
        Decoded::Raw(r) => {
            o.push(format!(
                "  {} content, {} bytes{}",
                r.content,
                r.bytes,
                if r.truncated {
                    " (preview truncated)"
                } else {
                    ""
                }
            ));
            for l in r.preview.lines().take(PREVIEW_LINES) {
                o.push(format!("  | {l}"));
            }
        }
        Decoded::Layer => {}
        Decoded::Error { message } => o.push(format!("  could not decode: {message}")),
    }
}

fn image(im: &ImageSummary, o: &mut Vec<String>) {
    o.push(format!("  platform:      {}", opt(&im.platform)));
    o.push(format!("  created:       {}", opt(&im.created)));
    if let Some(a) = &im.author {
        o.push(format!("  author:        {a}"));
    }
    o.push(format!("  command:       {}", opt(&im.command)));
    if let Some(u) = &im.user {
        o.push(format!("  user:          {u}"));
    }
    o.push(format!(
        "  config:        {} env, {} labels",
        im.env_count, im.labels
    ));
    o.push(format!(
        "  image size:    {} in {} layer(s) and the config",
        human_bytes(im.size as i64),
        im.layers
    ));
}

/// `1.2 MiB (1234567 bytes)`.
fn human_bytes(n: i64) -> String {
    let n = n.max(0);
    if n < 1024 {
        return format!("{n} B");
    }
    format!("{} ({n} bytes)", crate::text::human(n))
}

fn sbom(s: &SbomSummary, p: &str, o: &mut Vec<String>) {
    o.push(format!(
        "{p}SBOM {} {}: {}",
        s.standard,
        s.spec_version,
        s.name.as_deref().unwrap_or("(unnamed)")
    ));
    if !s.tools.is_empty() {
        o.push(format!("{p}tools: {}", s.tools.join(", ")));
    }
    o.push(format!("{p}packages: {}", s.package_count));
    if !s.top_licenses.is_empty() {
        let l: Vec<String> = s
            .top_licenses
            .iter()
            .map(|(l, n)| format!("{l} ({n})"))
            .collect();
        o.push(format!("{p}top licenses: {}", l.join(", ")));
    }
    for pk in &s.packages {
        o.push(
            format!(
                "{p}  {} {}  {}",
                pk.name,
                pk.version.as_deref().unwrap_or(""),
                pk.license.as_deref().unwrap_or("")
            )
            .trim_end()
            .to_string(),
        );
    }
    if s.package_count > s.packages.len() {
        o.push(format!(
            "{p}  … {} more",
            s.package_count - s.packages.len()
        ));
    }
}

fn statement(s: &StatementSummary, p: &str, o: &mut Vec<String>) {
    if let Some(t) = &s.payload_type {
        let n = s.signatures.as_ref().map_or(0, Vec::len);
        o.push(format!(
            "{p}DSSE envelope: payload type {t}, {n} signature(s)"
        ));
    }
    o.push(format!("{p}in-toto statement {}", s.statement_type));
    o.push(format!("{p}predicate type: {}", s.predicate_type));
    for sub in &s.subjects {
        o.push(
            format!("{p}subject {} {}", sub.name, sub.digests.join(" "))
                .trim_end()
                .to_string(),
        );
    }
    if s.subject_count > s.subjects.len() {
        o.push(format!(
            "{p}… {} more subjects",
            s.subject_count - s.subjects.len()
        ));
    }
    if let Some(pv) = &s.provenance {
        o.push(format!(
            "{p}SLSA provenance {}: builder {}",
            pv.slsa_version,
            opt(&pv.builder_id)
        ));
        o.push(format!("{p}build type: {}", opt(&pv.build_type)));
        for m in &pv.materials {
            o.push(
                format!("{p}  material {} {}", m.name, m.digests.join(" "))
                    .trim_end()
                    .to_string(),
            );
        }
    }
    if let Some(sb) = &s.sbom {
        sbom(sb, p, o);
    }
    if let Some(sc) = &s.scan {
        scan(sc, p, o);
    }
}

fn scan(s: &ScanSummary, p: &str, o: &mut Vec<String>) {
    o.push(format!(
        "{p}scan result ({}) by {}: {} finding(s)",
        s.format,
        s.tools.join(", "),
        s.total
    ));
    let counts: Vec<String> = s
        .by_severity
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    if !counts.is_empty() {
        o.push(format!("{p}by severity: {}", counts.join(", ")));
    }
    for f in &s.top {
        o.push(
            format!("{p}  [{}] {} {}", f.severity, f.id, f.message)
                .trim_end()
                .to_string(),
        );
    }
}

fn certs(c: &[CertSummary], o: &mut Vec<String>) {
    for (n, c) in c.iter().enumerate() {
        o.push(format!("  certificate {n}: {}", c.subject));
        o.push(format!("    issuer:   {}", c.issuer));
        o.push(format!("    valid:    {} — {}", c.not_before, c.not_after));
        o.push(format!("    sha256:   {}", c.sha256));
        if !c.san.is_empty() {
            o.push(format!("    identity: {}", c.san.join(", ")));
        }
        if let Some(i) = &c.oidc_issuer {
            o.push(format!("    OIDC issuer: {i}"));
        }
    }
}

fn tlog(t: &[TlogEntry], o: &mut Vec<String>) {
    for e in t {
        o.push(format!(
            "  tlog entry: index {} integrated {}{}",
            opt(&e.log_index),
            opt(&e.integrated_time),
            e.kind
                .as_ref()
                .map(|k| format!(" ({k})"))
                .unwrap_or_default()
        ));
    }
}

fn problems(p: &[String], o: &mut Vec<String>) {
    for x in p {
        o.push(format!("  problem: {x}"));
    }
}
