//! Pull: an artifact's files (its layers, or a legacy ORAS artifact's blobs, named by their
//! `org.opencontainers.image.title`) written into a directory, as `oras pull` does.
//!
//! Every title is checked before anything is written: no absolute paths, no `..`, no
//! backslashes, NUL or control characters, and no symbolic link anywhere between the output
//! directory and the file (the target included). Blobs are streamed (memory stays flat), hashed
//! and counted on the way into a temp file next to the target; only when every file of the
//! artifact has verified are they renamed into place. A file that already exists is replaced
//! (as oras does) by that rename, which swaps the directory entry and never writes through a
//! link. A failed or cancelled pull leaves no temp file and no directory it created.
use crate::oci::{media, Descriptor, Digest};
use crate::store::{Store, StoreError, StoreKind};
use bytes::Bytes;
use futures::StreamExt;
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use tempfile::TempPath;
use tokio_util::sync::CancellationToken;

/// Files downloaded at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Chunks in flight between the network and the writer thread, per file (bounds memory).
const CHANNEL_CHUNKS: usize = 16;
/// Write buffer of each file.
const WRITE_BUFFER: usize = 1 << 20;
/// Disk space is reserved this far ahead of the writes (never past the descriptor's size).
const RESERVE_AHEAD: u64 = 64 << 20;
/// oras writes a directory as a tarball with this annotation; unpacking is not supported.
const ANN_UNPACK: &str = "io.deis.oras.content.unpack";

/// How to pull.
#[derive(Debug, Clone)]
pub struct PullOptions {
    /// Files downloaded concurrently (at least 1).
    pub concurrency: usize,
    /// Cancel to stop: temp files are removed and [`PullError::Cancelled`] is returned.
    pub cancel: CancellationToken,
}

impl Default for PullOptions {
    fn default() -> Self {
        PullOptions {
            concurrency: DEFAULT_CONCURRENCY,
            cancel: CancellationToken::new(),
        }
    }
}

/// One file of the artifact: its title, where it goes, and the blob it comes from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PullFile {
    pub title: String,
    pub path: PathBuf,
    pub descriptor: Descriptor,
}

/// A file of the manifest that is not written, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub descriptor: Descriptor,
    pub reason: String,
}

/// What a pull did.
#[derive(Debug, Clone)]
pub struct PullReport {
    /// Display form of what was pulled (`host/repo:tag`).
    pub reference: String,
    /// The manifest pulled.
    pub manifest: Descriptor,
    pub files: Vec<PullFile>,
    pub skipped: Vec<Skipped>,
    /// Bytes written in all.
    pub bytes: u64,
}

/// Progress of a pull; every method has an empty default. `index` is a position in the slice
/// given to [`PullProgress::begin`]. Called from async tasks: return quickly.
pub trait PullProgress: Send + Sync {
    /// The files about to be pulled, after every title checked out.
    fn begin(&self, _files: &[PullFile]) {}
    /// A file of the manifest that will not be written.
    fn skipped(&self, _skipped: &Skipped) {}
    /// Download of a file started.
    fn started(&self, _index: usize) {}
    /// `done` bytes of file `index` received so far.
    fn advanced(&self, _index: usize, _done: u64) {}
    /// A file was received and verified (it becomes visible when all have).
    fn verified(&self, _index: usize) {}
}

/// Progress that goes nowhere.
pub struct NoProgress;
impl PullProgress for NoProgress {}

/// Why a pull failed. Nothing of the failed pull is left in the output directory.
#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("pull {reference}: {error}")]
    Manifest {
        reference: String,
        error: Box<StoreError>,
    },
    #[error("pull {reference}: it is an index ({media_type}), not an artifact with files; pull one of its manifests by digest")]
    Index {
        reference: String,
        media_type: String,
    },
    #[error("pull {reference}: refusing file title {title:?}: {reason}; nothing was written")]
    UnsafeTitle {
        reference: String,
        title: String,
        reason: String,
    },
    #[error("pull {reference}: file {title:?} ({digest}): {detail}; nothing was written")]
    BadDescriptor {
        reference: String,
        title: String,
        digest: Digest,
        detail: String,
    },
    #[error("pull {reference}: output {}: {error}", path.display())]
    Io {
        reference: String,
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("pull {reference}: file {title:?} ({digest}): {error}")]
    Blob {
        reference: String,
        title: String,
        digest: Digest,
        error: Box<StoreError>,
    },
    #[error("pull {reference}: file {title:?}: digest mismatch: expected {expected}, content hashes to {actual}; refusing it, nothing was written")]
    DigestMismatch {
        reference: String,
        title: String,
        expected: Digest,
        actual: String,
    },
    #[error("pull {reference}: file {title:?} ({digest}): size mismatch: the descriptor says {expected} bytes, the store sent {actual}; refusing it, nothing was written")]
    SizeMismatch {
        reference: String,
        title: String,
        digest: Digest,
        expected: u64,
        actual: String,
    },
    #[error("pull {reference}: cancelled; no partial file was left")]
    Cancelled { reference: String },
}

/// Pulls the files of `repo` at `reference` (tag or digest) into `out_dir` (created if missing).
pub async fn pull(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    out_dir: &Path,
    opts: &PullOptions,
    progress: &dyn PullProgress,
) -> Result<PullReport, PullError> {
    let display = display_reference(store, repo, reference);
    let fetched = tokio::select! {
        biased;
        _ = opts.cancel.cancelled() => return Err(PullError::Cancelled { reference: display }),
        m = store.manifest(repo, reference) => m.map_err(|error| PullError::Manifest { reference: display.clone(), error: Box::new(error) })?,
    };
    let manifest = &fetched.manifest;
    if manifest.is_index() {
        return Err(PullError::Index {
            reference: display,
            media_type: manifest.media_type().to_string(),
        });
    }
    let (files, skipped) = plan(&display, manifest.files(), out_dir)?;
    for s in &skipped {
        progress.skipped(s);
    }
    progress.begin(&files);

    let io = |path: &Path, error| PullError::Io {
        reference: display.clone(),
        path: path.to_path_buf(),
        error,
    };
    let created = create_dirs(out_dir, &files).map_err(|(p, e)| io(&p, e))?;
    let abort = opts.cancel.child_token();
    // Temp files by file index (downloads finish in any order).
    let mut temps: Vec<Option<TempPath>> = (0..files.len()).map(|_| None).collect();
    let mut failure: Option<PullError> = None;
    {
        let (display, abort) = (&display, &abort);
        // Collected, not a lazy `map`: a closure kept in the future's state makes `pull` not
        // provably `Send`, and the TUI runs it in `tokio::spawn`.
        let jobs: Vec<_> = files
            .iter()
            .enumerate()
            .map(|(i, f)| async move {
                let r = fetch_file(store, repo, display, i, f, abort, progress).await;
                (i, r)
            })
            .collect();
        let mut stream = futures::stream::iter(jobs).buffer_unordered(opts.concurrency.max(1));
        while let Some((i, r)) = stream.next().await {
            match r {
                Ok(t) => temps[i] = Some(t),
                // The first real failure wins over the cancellations it causes.
                Err(e) => {
                    abort.cancel();
                    if failure
                        .as_ref()
                        .is_none_or(|f| matches!(f, PullError::Cancelled { .. }))
                    {
                        failure = Some(e);
                    }
                }
            }
        }
    }
    if failure.is_none() && opts.cancel.is_cancelled() {
        failure = Some(PullError::Cancelled {
            reference: display.clone(),
        });
    }
    if let Some(e) = failure {
        drop(temps);
        remove_dirs(&created);
        return Err(e);
    }
    let mut bytes = 0;
    for (f, t) in files.iter().zip(temps) {
        let Some(t) = t else { continue };
        // A link that appeared since the check is replaced by the rename, never followed.
        t.persist(&f.path).map_err(|e| io(&f.path, e.error))?;
        bytes += f.descriptor.size as u64;
    }
    Ok(PullReport {
        reference: display,
        manifest: fetched.descriptor,
        files,
        skipped,
        bytes,
    })
}

/// `host/repo:tag`, `host/repo@sha256:…`, or the layout path with the reference.
pub fn display_reference(store: &dyn Store, repo: &str, reference: &str) -> String {
    let sep = if reference.parse::<Digest>().is_ok() {
        "@"
    } else {
        ":"
    };
    let info = store.info();
    match info.kind {
        StoreKind::Registry => format!("{}/{repo}{sep}{reference}", info.name),
        StoreKind::Layout => format!("{}{sep}{reference}", info.name),
    }
}

/// Checks a title as a relative path inside the output directory; returns its components.
pub fn check_title(title: &str) -> Result<Vec<&str>, String> {
    if title.is_empty() {
        return Err("the title is empty".into());
    }
    if title.contains('\0') {
        return Err("it contains a NUL byte".into());
    }
    if title.contains('\\') {
        return Err("it contains a backslash (a path separator on Windows)".into());
    }
    if title.chars().any(char::is_control) {
        return Err("it contains control characters".into());
    }
    if title.starts_with('/') {
        return Err("it is an absolute path".into());
    }
    let parts: Vec<&str> = title.split('/').collect();
    for p in &parts {
        match *p {
            "" => return Err("it has an empty path component (`//` or a trailing `/`)".into()),
            "." => return Err("it has a `.` path component".into()),
            ".." => {
                return Err(
                    "it has a `..` path component (it could leave the output directory)".into(),
                )
            }
            _ => {}
        }
    }
    Ok(parts)
}

/// Checks what already exists on the way from `out_dir` to the file: only real directories
/// on the way, and the target absent or a regular file (which will be replaced).
fn check_on_disk(out_dir: &Path, parts: &[&str]) -> Result<(), String> {
    let mut path = out_dir.to_path_buf();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let shown = parts[..=i].join("/");
        let last = i + 1 == parts.len();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                return Err(format!(
                    "cannot inspect `{shown}` in the output directory: {e}"
                ))
            }
        };
        let t = meta.file_type();
        if t.is_symlink() {
            let what = if last {
                "the target"
            } else {
                "a directory on its path"
            };
            return Err(format!("{what}, `{shown}`, is a symbolic link in the output directory; refusing to write through it"));
        }
        if last && !t.is_file() {
            return Err(format!(
                "`{shown}` exists in the output directory and is not a regular file"
            ));
        }
        if !last && !t.is_dir() {
            return Err(format!(
                "`{shown}` exists in the output directory and is not a directory"
            ));
        }
    }
    Ok(())
}

/// Sorts the manifest's files into those to write and those skipped; refuses the whole pull
/// on the first unsafe title or bad descriptor, before anything is written.
fn plan(
    reference: &str,
    descs: &[Descriptor],
    out_dir: &Path,
) -> Result<(Vec<PullFile>, Vec<Skipped>), PullError> {
    let unsafe_title = |title: &str, reason: String| PullError::UnsafeTitle {
        reference: reference.into(),
        title: title.into(),
        reason,
    };
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut dirs: HashSet<String> = HashSet::new();
    if let Ok(m) = std::fs::metadata(out_dir) {
        if !m.is_dir() {
            return Err(PullError::Io {
                reference: reference.into(),
                path: out_dir.to_path_buf(),
                error: std::io::Error::new(
                    std::io::ErrorKind::NotADirectory,
                    "exists and is not a directory",
                ),
            });
        }
    }
    for d in descs {
        let ann = |k: &str| d.annotations.as_ref().and_then(|a| a.get(k));
        let Some(title) = ann(media::ANN_TITLE) else {
            skipped.push(Skipped {
                descriptor: d.clone(),
                reason: format!("no {} annotation", media::ANN_TITLE),
            });
            continue;
        };
        if ann(ANN_UNPACK).is_some_and(|v| v == "true") {
            skipped.push(Skipped {
                descriptor: d.clone(),
                reason: format!("{title:?} is a directory tarball (unpacking is not supported)"),
            });
            continue;
        }
        let parts = check_title(title).map_err(|r| unsafe_title(title, r))?;
        if d.size < 0 {
            return Err(PullError::BadDescriptor {
                reference: reference.into(),
                title: title.clone(),
                digest: d.digest.clone(),
                detail: format!("negative size {}", d.size),
            });
        }
        if !seen.insert(title.clone()) {
            return Err(unsafe_title(title, "two files have this title".into()));
        }
        for i in 1..parts.len() {
            dirs.insert(parts[..i].join("/"));
        }
        check_on_disk(out_dir, &parts).map_err(|r| unsafe_title(title, r))?;
        files.push(PullFile {
            title: title.clone(),
            path: out_dir.join(parts.join("/")),
            descriptor: d.clone(),
        });
    }
    if let Some(f) = files.iter().find(|f| dirs.contains(&f.title)) {
        return Err(unsafe_title(
            &f.title,
            "another file's title uses it as a directory".into(),
        ));
    }
    Ok((files, skipped))
}

/// Creates `out_dir` and the directories the files need, one level at a time, refusing a
/// symbolic link that appeared since the check; returns what it created, deepest last.
fn create_dirs(
    out_dir: &Path,
    files: &[PullFile],
) -> Result<Vec<PathBuf>, (PathBuf, std::io::Error)> {
    let mut created = Vec::new();
    let mut missing: Vec<&Path> = out_dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty() && !a.exists())
        .collect();
    missing.reverse();
    let result = (|| {
        for m in missing {
            mkdir(m, &mut created)?;
        }
        for f in files {
            let Some(parent) = f.path.parent() else {
                continue;
            };
            let rel = parent.strip_prefix(out_dir).unwrap_or(Path::new(""));
            let mut p = out_dir.to_path_buf();
            for c in rel.components() {
                p.push(c);
                mkdir(&p, &mut created)?;
            }
        }
        Ok(())
    })();
    match result {
        Ok(()) => Ok(created),
        Err(e) => {
            remove_dirs(&created);
            Err(e)
        }
    }
}

fn mkdir(p: &Path, created: &mut Vec<PathBuf>) -> Result<(), (PathBuf, std::io::Error)> {
    match std::fs::create_dir(p) {
        Ok(()) => {
            created.push(p.to_path_buf());
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match std::fs::symlink_metadata(p) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err((p.to_path_buf(), std::io::Error::other("exists and is not a directory (or is a symbolic link); refusing to write through it"))),
            Err(e) => Err((p.to_path_buf(), e)),
        },
        Err(e) => Err((p.to_path_buf(), e)),
    }
}

/// Removes directories a failed pull created (only if empty), deepest first.
fn remove_dirs(created: &[PathBuf]) {
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Streams one blob into a temp file beside its target, hashing and counting on the way;
/// returns the temp file only when size and digest verify.
async fn fetch_file(
    store: &dyn Store,
    repo: &str,
    reference: &str,
    index: usize,
    f: &PullFile,
    cancel: &CancellationToken,
    progress: &dyn PullProgress,
) -> Result<TempPath, PullError> {
    let cancelled = || PullError::Cancelled {
        reference: reference.into(),
    };
    let blob_err = |error| PullError::Blob {
        reference: reference.into(),
        title: f.title.clone(),
        digest: f.descriptor.digest.clone(),
        error: Box::new(error),
    };
    let io = |error| PullError::Io {
        reference: reference.into(),
        path: f.path.clone(),
        error,
    };
    if cancel.is_cancelled() {
        return Err(cancelled());
    }
    let parent = f.path.parent().unwrap_or(Path::new("."));
    let file = tempfile::Builder::new()
        .prefix(".arbor-pull-")
        .suffix(".partial")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666))
        .tempfile_in(parent)
        .map_err(io)?;
    let (file, temp) = file.into_parts();
    progress.started(index);
    let mut stream = tokio::select! {
        biased;
        _ = cancel.cancelled() => return Err(cancelled()),
        s = store.blob_stream(repo, &f.descriptor) => s.map_err(blob_err)?,
    };
    // Hashing and writing run on a blocking thread, fed through a bounded channel.
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
    let hasher = f.descriptor.digest.hasher();
    let size = f.descriptor.size as u64;
    let writer = tokio::task::spawn_blocking(move || write_and_hash(file, size, rx, hasher));
    let expected = f.descriptor.size as u64;
    let mut done: u64 = 0;
    let outcome: Result<(), PullError> = loop {
        let next = tokio::select! {
            biased;
            _ = cancel.cancelled() => break Err(cancelled()),
            n = stream.next() => n,
        };
        let chunk = match next {
            None => break Ok(()),
            Some(Err(e)) => break Err(blob_err(e)),
            Some(Ok(c)) => c,
        };
        done += chunk.len() as u64;
        if done > expected {
            break Err(size_mismatch(
                reference,
                f,
                format!("more than that ({done} bytes so far)"),
            ));
        }
        let sent = tokio::select! {
            biased;
            _ = cancel.cancelled() => break Err(cancelled()),
            r = tx.send(chunk) => r,
        };
        if sent.is_err() {
            break Ok(()); // the writer stopped on an error, reported below
        }
        progress.advanced(index, done);
    };
    drop(tx);
    drop(stream);
    let written = writer
        .await
        .map_err(|e| io(std::io::Error::other(format!("writer thread failed: {e}"))));
    outcome?;
    let actual = written?.map_err(io)?;
    if done != expected {
        return Err(size_mismatch(reference, f, format!("{done} bytes")));
    }
    if actual != f.descriptor.digest {
        return Err(PullError::DigestMismatch {
            reference: reference.into(),
            title: f.title.clone(),
            expected: f.descriptor.digest.clone(),
            actual: actual.to_string(),
        });
    }
    progress.verified(index);
    Ok(temp)
}

fn size_mismatch(reference: &str, f: &PullFile, actual: String) -> PullError {
    PullError::SizeMismatch {
        reference: reference.into(),
        title: f.title.clone(),
        digest: f.descriptor.digest.clone(),
        expected: f.descriptor.size as u64,
        actual,
    }
}

/// The hashing thread: every chunk is hashed here and handed on to a writer thread, so
/// hashing and writing (each about as costly as the download) overlap. Returns the digest.
fn write_and_hash(
    file: std::fs::File,
    size: u64,
    mut rx: tokio::sync::mpsc::Receiver<Bytes>,
    mut hasher: crate::oci::digest::Hasher,
) -> std::io::Result<Digest> {
    let (wtx, wrx) = std::sync::mpsc::sync_channel::<Bytes>(CHANNEL_CHUNKS);
    let writer = std::thread::Builder::new()
        .name("arbor-pull-write".into())
        .spawn(move || write_chunks(file, size, wrx))?;
    let mut send_failed = false;
    while let Some(chunk) = rx.blocking_recv() {
        hasher.update(&chunk);
        if wtx.send(chunk).is_err() {
            // The writer stopped on an error: collect it below.
            send_failed = true;
            break;
        }
    }
    drop(wtx);
    let written = writer
        .join()
        .map_err(|_| std::io::Error::other("writer thread panicked"))?;
    written?;
    if send_failed {
        return Err(std::io::Error::other("writer stopped early"));
    }
    Ok(hasher.finish())
}

/// The writer thread: chunks to disk, with blocks reserved ahead.
fn write_chunks(
    file: std::fs::File,
    size: u64,
    rx: std::sync::mpsc::Receiver<Bytes>,
) -> std::io::Result<()> {
    let mut reserved = 0;
    let mut written = 0;
    let mut w = std::io::BufWriter::with_capacity(WRITE_BUFFER, file);
    while let Ok(chunk) = rx.recv() {
        written += chunk.len() as u64;
        if written > reserved && reserved < size {
            reserved = size.min(written + RESERVE_AHEAD);
            preallocate(w.get_ref(), reserved);
        }
        w.write_all(&chunk)?;
    }
    w.flush()
}

/// Reserves disk blocks up to `len` bytes: ext4 then writes several times faster than with
/// delayed allocation. Bounded by the descriptor's size, so a lying registry can't claim more.
#[cfg(target_os = "linux")]
fn preallocate(file: &std::fs::File, len: u64) {
    use std::os::fd::AsRawFd;
    let Ok(len) = libc::off_t::try_from(len) else {
        return;
    };
    // SAFETY: a valid open descriptor; FALLOC_FL_KEEP_SIZE leaves the file size alone.
    // Failure (a filesystem without fallocate, no space yet) only loses the speed-up.
    unsafe {
        libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, 0, len);
    }
}

#[cfg(not(target_os = "linux"))]
fn preallocate(_file: &std::fs::File, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_that_could_leave_the_directory_are_refused() {
        for bad in [
            "",
            "/abs",
            "../evil",
            "a/../../x",
            "a/..",
            "./a",
            "a//b",
            "a/",
            "a\\..\\b",
            "a\0b",
            "a\nb",
        ] {
            assert!(check_title(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(check_title("a/b.txt").unwrap(), vec!["a", "b.txt"]);
        assert_eq!(check_title("..a").unwrap(), vec!["..a"]);
        assert_eq!(check_title("readme.md").unwrap(), vec!["readme.md"]);
    }
}
