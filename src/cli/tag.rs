//! `arbor tag` (the manifest's exact bytes PUT under each new tag) and `arbor untag` (a tag
//! removed on its own where the registry can; where it cannot, what removing it would take).
use super::args::{TagArgs, UntagArgs};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::graph::tags::resolve_tags;
use crate::store::StoreError;
use anyhow::{bail, Result};
use std::io::Write;

pub async fn tag(a: TagArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let d =
        crate::tag::add_tags(t.store.as_ref(), &t.repo, t.require_reference()?, &a.tags).await?;
    for tag in &a.tags {
        writeln!(out, "Tagged {}:{tag}", t.display_name)?;
    }
    writeln!(out, "Digest: {d}")?;
    Ok(t)
}

pub async fn untag(a: UntagArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, Some(&a.reference), false)?;
    let tag = t.require_reference()?.to_string();
    if tag.contains(':') {
        bail!("untag removes a tag; {tag} is a digest (use arbor delete to remove a manifest)");
    }
    let desc = t.store.resolve(&t.repo, &tag).await?;
    match t.store.delete_tag(&t.repo, &tag).await {
        Ok(()) => {
            writeln!(
                out,
                "Untagged {}:{tag} (was {})",
                t.display_name, desc.digest
            )?;
            Ok(t)
        }
        Err(StoreError::Unsupported { detail, .. }) => {
            // The only way there: delete the manifest, and with it every tag that points at it.
            let all = t.store.all_tags(&t.repo).await.unwrap_or_default();
            let plain: Vec<String> = all
                .into_iter()
                .filter(|x| !crate::oci::tags::is_hidden_tag(x))
                .collect();
            let mut same = resolve_tags(t.store.as_ref(), &t.repo, plain)
                .await
                .ok()
                .and_then(|mut m| m.remove(&desc.digest))
                .unwrap_or_default();
            same.sort();
            let same: Vec<String> = same
                .iter()
                .map(|t| crate::text::tag_label(t).into_owned())
                .collect();
            let detail = crate::text::escape(&detail);
            bail!(
                "{}:{tag} cannot be removed on its own: {detail}. On this registry a tag goes only with its manifest: `arbor delete {}@{}` deletes {} and every tag pointing at it ({}){}",
                t.display_name,
                t.display_name,
                desc.digest,
                desc.digest.short(),
                if same.is_empty() { tag.clone() } else { same.join(", ") },
                ", with --cascade its referrers too"
            )
        }
        Err(e) => Err(e.into()),
    }
}
