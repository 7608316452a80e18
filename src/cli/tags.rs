//! `arbor tags`: a repository's tags, fallback and cosign tags hidden unless `--all`.
use super::args::TagsArgs;
use super::format::print_list;
use crate::connection::{open_target, ConnectOptions, Target};
use crate::oci::tags::is_hidden_tag;
use crate::text::tag_label;
use anyhow::Result;
use std::io::Write;

pub async fn run(a: TagsArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = open_target(conn, a.repository.as_deref(), true)?;
    let mut tags = t.store.all_tags_paged(&t.repo, a.page_size).await?;
    if !a.all {
        tags.retain(|t| !is_hidden_tag(t));
    }
    print_list(out, &tags, a.format, "tags", tag_label)?;
    Ok(t)
}
