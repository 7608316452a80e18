//! `arbor repos`: a registry's catalog (or the layout's one repository).
use super::args::ReposArgs;
use super::format::print_list;
use crate::connection::{open_registry, open_target, ConnectOptions, Target};
use crate::store::{collect_pages, Cap};
use crate::text::escape;
use anyhow::Result;
use std::io::Write;

pub async fn run(a: ReposArgs, conn: &ConnectOptions, out: &mut dyn Write) -> Result<Target> {
    let t = match (&conn.oci_layout, &a.registry) {
        (Some(_), _) => open_target(conn, None, true)?,
        (None, Some(reg)) => open_registry(conn, reg)?,
        (None, None) => {
            return Err(crate::connection::UsageError(
                "a registry is required: HOST (or use --oci-layout DIR)".into(),
            )
            .into())
        }
    };
    let store = t.store.clone();
    let cap = Cap::new(store.limits().repositories, "--max-repos");
    let all = collect_pages("catalog", cap, |c: Option<String>| {
        let store = store.clone();
        async move { store.repositories(c.as_deref(), a.page_size).await }
    })
    .await?;
    print_list(out, &all, a.format, "repositories", escape)?;
    Ok(t)
}
