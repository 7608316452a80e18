//! Reading a layout's files safely: only regular files (a FIFO or `/dev/zero` behind a blob
//! name would block or never end), every read bounded, and all of it off the async threads.
use crate::store::{Result, StoreError};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// The `oci-layout` marker is a few bytes of JSON.
pub const MAX_MARKER_BYTES: u64 = 64 * 1024;
/// index.json of a big layout is megabytes (50,000 tags ≈ 15 MiB); this is far past that.
pub const MAX_INDEX_BYTES: u64 = 512 * 1024 * 1024;

/// Why a file was not read, before any `what` is attached.
pub enum OpenError {
    NotFound,
    NotRegular,
    Io(std::io::Error),
}

impl OpenError {
    /// The store error for this file, `what` naming it.
    pub fn into_store(self, what: String) -> StoreError {
        match self {
            OpenError::NotFound => StoreError::NotFound { what },
            OpenError::NotRegular => StoreError::Invalid {
                what,
                detail: "not a regular file (a FIFO, device or directory); refusing to read it"
                    .into(),
            },
            OpenError::Io(source) => StoreError::Io { what, source },
        }
    }
}

/// Opens `path` for reading if, after symlinks, it is a regular file; returns it and its size.
/// The open does not block on a FIFO (O_NONBLOCK), and the type is checked on the opened
/// file, so swapping the path meanwhile changes nothing.
pub fn open_regular(path: &Path) -> Result<(File, u64), OpenError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NONBLOCK);
    }
    let file = opts.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OpenError::NotFound,
        _ => OpenError::Io(e),
    })?;
    let meta = file.metadata().map_err(OpenError::Io)?;
    if !meta.is_file() {
        return Err(OpenError::NotRegular);
    }
    Ok((file, meta.len()))
}

/// A regular file's whole contents, refused past `limit` bytes (by size and by count).
pub fn read_regular(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let (file, len) = open_regular(path).map_err(|e| e.into_store(what.to_string()))?;
    let too_large = |size| StoreError::TooLarge {
        what: what.to_string(),
        size,
        limit,
    };
    if len > limit {
        return Err(too_large(len));
    }
    let mut buf = Vec::with_capacity(len as usize);
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|source| StoreError::Io {
            what: what.to_string(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(too_large(buf.len() as u64));
    }
    Ok(buf)
}

/// Runs blocking file work on tokio's blocking pool.
pub async fn blocking<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Invalid {
            what: what.to_string(),
            detail: format!("file task failed: {e}"),
        })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn fifos_devices_and_directories_are_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let zero = d.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for p in [fifo.as_path(), zero.as_path(), d.path()] {
            assert!(
                matches!(open_regular(p), Err(OpenError::NotRegular)),
                "{}",
                p.display()
            );
            let e = read_regular(p, 10, "blob").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn reads_are_bounded() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        std::fs::write(&p, b"0123456789").unwrap();
        assert_eq!(read_regular(&p, 10, "f").unwrap(), b"0123456789");
        assert!(matches!(
            read_regular(&p, 9, "f"),
            Err(StoreError::TooLarge { size: 10, .. })
        ));
        assert!(read_regular(&d.path().join("none"), 9, "f")
            .unwrap_err()
            .is_not_found());
    }
}
