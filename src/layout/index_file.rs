//! Edits of `index.json`: read as JSON (every field and every entry kept as written), changed,
//! and written back atomically — a temporary file in the layout, flushed, renamed over it — so
//! a reader (or a crash) sees the old index or the new one, never half of one.
use super::files::{read_regular, MAX_INDEX_BYTES};
use crate::oci::{media, Digest};
use crate::store::{Result, StoreError};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Reads index.json, lets `edit` change its `manifests` (returning whether it did), and
/// writes it back when it did. The caller holds the layout's write lock.
pub fn edit<T>(root: &Path, edit: impl FnOnce(&mut Vec<Value>) -> T) -> Result<T>
where
    T: Changed,
{
    let path = root.join("index.json");
    let what = format!("{}", path.display());
    let bytes = read_regular(&path, MAX_INDEX_BYTES, &what)?;
    let mut doc: Value = serde_json::from_slice(&bytes).map_err(|e| StoreError::Invalid {
        what: what.clone(),
        detail: format!("not JSON: {e}"),
    })?;
    let obj = doc.as_object_mut().ok_or_else(|| StoreError::Invalid {
        what: what.clone(),
        detail: "not a JSON object".into(),
    })?;
    let mut entries = match obj.remove("manifests") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(StoreError::Invalid {
                what,
                detail: "manifests is not an array".into(),
            })
        }
    };
    let out = edit(&mut entries);
    if out.changed() {
        obj.insert("manifests".into(), Value::Array(entries));
        let text = serde_json::to_vec(&doc).map_err(|e| StoreError::Invalid {
            what: what.clone(),
            detail: e.to_string(),
        })?;
        replace(root, &path, &text)?;
    }
    Ok(out)
}

/// What an edit returns: whether index.json must be written.
pub trait Changed {
    fn changed(&self) -> bool;
}

impl Changed for bool {
    fn changed(&self) -> bool {
        *self
    }
}

impl<T> Changed for (bool, T) {
    fn changed(&self) -> bool {
        self.0
    }
}

/// Writes `bytes` to `path` through a flushed temporary file renamed over it (same directory,
/// so the rename is atomic), keeping the old file's permissions.
pub fn replace(dir: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Io {
        what: format!("write {}", path.display()),
        source: e,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".arbor-index-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    match std::fs::metadata(path) {
        Ok(meta) => std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(io)?,
        Err(_) => readable_by_all(tmp.path()).map_err(io)?,
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// Mode 0644 for a file made as a private temporary file (layouts are shared read-only).
pub fn readable_by_all(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644))?;
    }
    let _ = path;
    Ok(())
}

/// The digest an entry names.
pub fn digest_of(e: &Value) -> Option<Digest> {
    e.get("digest")?.as_str()?.parse().ok()
}

/// The tag an entry gives its manifest (`ref.name`, the part after the last ':' of a full reference).
pub fn tag_of(e: &Value) -> Option<&str> {
    let name = e.get("annotations")?.get(media::ANN_REF_NAME)?.as_str()?;
    Some(match name.rsplit_once(':') {
        Some((left, t)) if !t.contains('/') && !left.is_empty() => t,
        _ => name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_other_fields_and_write_atomically() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("index.json");
        std::fs::write(&p, br#"{"schemaVersion":2,"annotations":{"x":"y"},"manifests":[{"digest":"sha256:aa","ref":1}]}"#).unwrap();
        let unchanged = edit(d.path(), |_| false).unwrap();
        assert!(!unchanged);
        edit(d.path(), |m| {
            m.push(serde_json::json!({"digest": "sha256:bb"}));
            true
        })
        .unwrap();
        let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(v["annotations"]["x"], "y");
        assert_eq!(v["manifests"][0]["ref"], 1, "entries are kept as written");
        assert_eq!(v["manifests"][1]["digest"], "sha256:bb");
        let left: Vec<_> = std::fs::read_dir(d.path()).unwrap().flatten().collect();
        assert_eq!(left.len(), 1, "no temporary file left");
    }

    #[test]
    fn tags_of_entries() {
        let e = serde_json::json!({"annotations": {"org.opencontainers.image.ref.name": "reg.io/app:v1"}});
        assert_eq!(tag_of(&e), Some("v1"));
        let e = serde_json::json!({"annotations": {"org.opencontainers.image.ref.name": "v2"}});
        assert_eq!(tag_of(&e), Some("v2"));
        assert_eq!(tag_of(&serde_json::json!({})), None);
    }
}
