//! `arbor tag` (the manifest's exact bytes PUT under each new tag) and `arbor untag` (a tag
//! removed on its own where the registry can; where it cannot, what removing it would take).
use super::args::{TagArgs, UntagArgs};
use crate::connection::{open_target, ConnectOptions, Target};
use crate::tag::Untagged;
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
    match crate::tag::untag(t.store.as_ref(), &t.repo, &tag).await? {
        Untagged::Removed(d) => {
            writeln!(out, "Untagged {}:{tag} (was {d})", t.display_name)?;
            Ok(t)
        }
        // The only way there: delete the manifest, and with it every tag that points at it.
        Untagged::Refused(r) => bail!("{}", r.explain(&t.display_name, &tag)),
    }
}
