//! `arbor attach`.
use super::args::{AttachArgs, ListFormat};
use crate::attach::{attach, AttachFile, AttachRequest};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::text::escape;
use anyhow::{anyhow, bail, Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Splits `FILE[:MEDIATYPE]`; a colon is a media type separator only when what follows looks like one.
pub fn parse_file_arg(arg: &str) -> (PathBuf, Option<String>) {
    if let Some((path, mt)) = arg.rsplit_once(':') {
        if mt.contains('/') && !path.is_empty() && !Path::new(arg).exists() {
            return (PathBuf::from(path), Some(mt.to_string()));
        }
    }
    (PathBuf::from(arg), None)
}

fn parse_annotation(a: &str) -> Result<(String, String)> {
    let (k, v) = a
        .split_once('=')
        .ok_or_else(|| anyhow!("annotation {a:?} is not KEY=VALUE"))?;
    if k.is_empty() {
        bail!("annotation {a:?} has an empty key");
    }
    Ok((k.to_string(), v.to_string()))
}

pub async fn run(a: AttachArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let reference = t.require_reference().context("the subject to attach to")?;
    let req = request(
        a.artifact_type,
        &a.files,
        &a.annotations,
        a.annotation_file.as_deref(),
    )?;
    let report = attach(t.store.as_ref(), &t.repo, reference, &req).await?;
    match a.format {
        ListFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
        ListFormat::Text => {
            writeln!(
                out,
                "Attached to {}@{}",
                escape(&t.display_name),
                report.subject.digest
            )?;
            writeln!(out, "Digest: {}", report.descriptor.digest)?;
            let via = match report.referrers_source {
                Some(crate::store::ReferrersSource::ReferrersTag) => "tag fallback index updated",
                Some(crate::store::ReferrersSource::ReferrersApi) => "referrers API",
                _ => "layout",
            };
            writeln!(
                out,
                "Blobs uploaded: {}, already present: {}; {via}",
                report.uploaded, report.skipped
            )?;
        }
    }
    Ok(t)
}

/// The attach request the arguments describe (files, their media types and annotations).
fn request(
    artifact_type: String,
    files: &[String],
    annotations: &[String],
    annotation_file: Option<&Path>,
) -> Result<AttachRequest> {
    let mut req = AttachRequest {
        artifact_type,
        ..Default::default()
    };
    let mut per_file: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    if let Some(path) = annotation_file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let v: BTreeMap<String, BTreeMap<String, String>> = serde_json::from_str(&text)
            .with_context(|| {
                format!(
                    "{}: expected {{\"$manifest\": {{…}}, \"<file>\": {{…}}}}",
                    path.display()
                )
            })?;
        for (k, anns) in v {
            if k == "$manifest" {
                req.annotations.extend(anns);
            } else {
                per_file.insert(k, anns);
            }
        }
    }
    for a in annotations {
        let (k, v) = parse_annotation(a)?;
        req.annotations.insert(k, v);
    }
    for f in files {
        let (path, media_type) = parse_file_arg(f);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let annotations = per_file.remove(&name).unwrap_or_default();
        req.files.push(AttachFile {
            path,
            media_type,
            annotations,
        });
    }
    if let Some(name) = per_file.keys().next() {
        bail!("--annotation-file names {name:?}, which is not among the files attached");
    }
    Ok(req)
}

#[cfg(test)]
mod tests {
    use super::parse_file_arg;
    use std::path::PathBuf;

    #[test]
    fn file_args_split_media_type() {
        assert_eq!(
            parse_file_arg("sbom.json:application/json"),
            (PathBuf::from("sbom.json"), Some("application/json".into()))
        );
        assert_eq!(
            parse_file_arg("readme.md"),
            (PathBuf::from("readme.md"), None)
        );
        assert_eq!(
            parse_file_arg("c:notamediatype"),
            (PathBuf::from("c:notamediatype"), None)
        );
    }
}
