//! The embedded demo OCI layout (assets/demo, built by assets/build-demo.sh), unpacked on first use.
//!
//! It is unpacked into the user's cache dir (`<cache>/demo-<hash of contents>/net-monitor`), or a temp dir
//! when there is none, atomically: into a temp dir next to the target, then renamed.
use anyhow::Context;
use include_dir::{include_dir, Dir};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/assets/demo");

/// Unpacks the demo layout (if needed) and returns its directory.
pub fn demo_layout() -> anyhow::Result<PathBuf> {
    // The layout's directory name is the repository name arbor shows: keep it `net-monitor`.
    let version = format!("demo-{}", content_hash());
    let name = "net-monitor";
    let mut errors = Vec::new();
    if let Some(dirs) = directories::ProjectDirs::from("dev", "arbor", "arbor") {
        match unpack_into(&dirs.cache_dir().join(&version), name) {
            Ok(p) => return Ok(p),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    // No usable cache dir: a temp dir. It may be shared with other users, so a directory there
    // is only reused after its contents are checked byte for byte (which unpack_into does).
    let tmp = std::env::temp_dir().join("arbor").join(&version);
    match unpack_into(&tmp, name) {
        Ok(p) => Ok(p),
        Err(e) => {
            errors.push(format!("{e:#}"));
            anyhow::bail!("cannot unpack the demo layout: {}", errors.join("; "))
        }
    }
}

/// Every embedded file, as (path relative to the layout root, contents), sorted by path.
fn files() -> Vec<(&'static Path, &'static [u8])> {
    fn walk(dir: &'static Dir<'static>, out: &mut Vec<(&'static Path, &'static [u8])>) {
        for f in dir.files() {
            out.push((f.path(), f.contents()));
        }
        for d in dir.dirs() {
            walk(d, out);
        }
    }
    let mut out = Vec::new();
    walk(&DEMO, &mut out);
    out.sort_by(|a, b| a.0.cmp(b.0));
    out
}

/// A short hash of the embedded layout (paths and contents): a new build gets a new directory.
fn content_hash() -> String {
    let mut h = Sha256::new();
    for (path, bytes) in files() {
        let p = path.to_string_lossy();
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex::encode(&h.finalize()[..6])
}

/// Whether `dir` holds exactly the embedded files with the embedded contents.
fn is_complete(dir: &Path) -> bool {
    let files = files();
    let all_match = files.iter().all(|(p, bytes)| {
        let path = dir.join(p);
        std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && std::fs::read(&path).is_ok_and(|b| b == *bytes)
    });
    // No extra blobs either: in a layout they could add referrers.
    let blob_count = std::fs::read_dir(dir.join("blobs").join("sha256"))
        .map(|rd| rd.count())
        .unwrap_or(usize::MAX);
    let embedded_blobs = files
        .iter()
        .filter(|(p, _)| p.starts_with("blobs/sha256"))
        .count();
    all_match && blob_count == embedded_blobs
}

/// Unpacks the layout as `base/name` unless it is already there; returns that path.
fn unpack_into(base: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let target = base.join(name);
    if is_complete(&target) {
        return Ok(target);
    }
    std::fs::create_dir_all(base).with_context(|| format!("creating {}", base.display()))?;
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let staging = base.join(format!(".{name}.tmp-{}-{nanos}", std::process::id()));
    let result = write_all(&staging).and_then(|()| publish(&staging, &target));
    if staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result.with_context(|| format!("unpacking the demo layout into {}", target.display()))?;
    Ok(target)
}

fn write_all(staging: &Path) -> anyhow::Result<()> {
    std::fs::create_dir(staging).with_context(|| format!("creating {}", staging.display()))?;
    for (p, bytes) in files() {
        let path = staging.join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Moves the staged layout into place. Another process may have got there first (fine if it is
/// complete); a broken or foreign directory in the way is replaced.
fn publish(staging: &Path, target: &Path) -> anyhow::Result<()> {
    if std::fs::rename(staging, target).is_ok() {
        return Ok(());
    }
    if is_complete(target) {
        return Ok(());
    }
    if std::fs::symlink_metadata(target).is_ok() {
        let mut aside = staging.as_os_str().to_owned();
        aside.push("-old");
        let aside = PathBuf::from(aside);
        std::fs::rename(target, &aside)
            .with_context(|| format!("moving aside {}", target.display()))?;
        let _ = std::fs::remove_dir_all(&aside);
    }
    std::fs::rename(staging, target)
        .with_context(|| format!("renaming {} to {}", staging.display(), target.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{discover, DiscoverOptions};
    use crate::layout::LayoutStore;
    use crate::store::Store;

    #[tokio::test]
    async fn demo_layout_has_the_walkthrough_graph() {
        let dir = demo_layout().expect("demo layout");
        assert!(is_complete(&dir));
        // A second call reuses the unpacked directory.
        assert_eq!(demo_layout().expect("demo layout again"), dir);

        let store = LayoutStore::open(&dir).expect("a layout");
        let repo = store.repository_name().to_string();
        let tags = store.all_tags(&repo).await.expect("tags");
        assert!(
            tags.contains(&"v1".to_string()) && tags.contains(&"v2".to_string()),
            "{tags:?}"
        );

        let v1 = store.resolve(&repo, "v1").await.expect("v1");
        let graph = discover(&store, &repo, v1, &DiscoverOptions::default())
            .await
            .expect("graph of v1")
            .root;
        assert!(graph.errors().is_empty(), "{:?}", graph.errors());
        let mut types: Vec<String> = graph
            .referrers
            .iter()
            .filter_map(|n| n.descriptor.artifact_type.clone())
            .collect();
        types.sort();
        assert_eq!(
            types,
            ["readme/example", "sbom/example", "signature/example"]
        );
        let sbom = graph
            .referrers
            .iter()
            .find(|n| n.descriptor.artifact_type.as_deref() == Some("sbom/example"))
            .expect("sbom");
        assert_eq!(sbom.referrers.len(), 1);
        assert_eq!(
            sbom.referrers[0].descriptor.artifact_type.as_deref(),
            Some("signature/example")
        );

        let v2 = store.resolve(&repo, "v2").await.expect("v2");
        let opts = DiscoverOptions {
            index_children: true,
            ..DiscoverOptions::default()
        };
        let graph = discover(&store, &repo, v2, &opts)
            .await
            .expect("graph of v2")
            .root;
        assert_eq!(graph.children.len(), 2);
        assert_eq!(graph.referrers.len(), 1);

        // One untagged image that nothing refers to, besides referrers and index children.
        let entries = store.index_entries().expect("index.json");
        let untagged = entries
            .iter()
            .filter(|d| {
                d.annotations
                    .as_ref()
                    .is_none_or(|a| !a.contains_key(crate::oci::media::ANN_REF_NAME))
            })
            .count();
        assert_eq!(
            untagged, 8,
            "5 referrers + 2 platform manifests + 1 untagged image"
        );
    }

    #[test]
    fn unpack_is_idempotent_and_repairs() {
        let base = tempfile::tempdir().expect("tempdir");
        let a = unpack_into(base.path(), "demo-x").expect("unpack");
        let b = unpack_into(base.path(), "demo-x").expect("unpack again");
        assert_eq!(a, b);
        assert!(is_complete(&a));
        // A damaged copy is replaced.
        std::fs::write(a.join("index.json"), b"{}").expect("damage");
        assert!(!is_complete(&a));
        let c = unpack_into(base.path(), "demo-x").expect("repair");
        assert!(is_complete(&c));
        // No staging directories are left behind.
        let names: Vec<_> = std::fs::read_dir(base.path())
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, [std::ffi::OsString::from("demo-x")]);
    }
}
