//! Notation's X.509 trust store: `<truststore>/x509/{ca,signingAuthority,tsa}/<name>/<files>`,
//! each file PEM or DER certificates. Symbolic links are refused (the specification says so);
//! sub-directories are ignored and reported.
use crate::verify::x509;
use std::path::{Path, PathBuf};

/// Files read from one named store at most, and bytes per file.
const MAX_FILES: usize = 256;
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The certificates of one named store (DER), or why it could not be read.
pub fn load(root: &Path, store_type: &str, name: &str) -> Result<Vec<Vec<u8>>, String> {
    let dir: PathBuf = root.join("x509").join(store_type).join(name);
    let shown = format!("trust store {store_type}:{name}");
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!("{shown} does not exist ({})", dir.display()),
        _ => format!("{shown}: {e}"),
    })?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        return Err(format!(
            "{shown} is not a directory (symbolic links are not accepted)"
        ));
    }
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{shown}: {e}"))?
        .filter_map(Result::ok)
        .take(MAX_FILES)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    let mut certs = Vec::new();
    for e in entries {
        let ft = e.file_type().map_err(|e| format!("{shown}: {e}"))?;
        let fname = e.file_name().to_string_lossy().into_owned();
        if ft.is_symlink() {
            return Err(format!(
                "{shown}: {fname:?} is a symbolic link, which is not accepted"
            ));
        }
        if ft.is_dir() {
            continue;
        }
        let bytes = read_bounded(&e.path()).map_err(|m| format!("{shown}: {fname:?}: {m}"))?;
        let found = certificates(&bytes).map_err(|m| format!("{shown}: {fname:?}: {m}"))?;
        for der in &found {
            let c = x509::parse(der).map_err(|m| format!("{shown}: {fname:?}: {m}"))?;
            // A trusted certificate is a CA, or a self-signed signing certificate.
            if !c.is_ca() && c.signature_from(&c.public_key()?).is_err() {
                return Err(format!(
                    "{shown}: {:?} is neither a CA nor self-signed",
                    c.subject()
                ));
            }
            if store_type == "tsa" && c.issued_by(&c).is_err() {
                return Err(format!("{shown}: {:?} is not a root CA", c.subject()));
            }
        }
        certs.extend(found);
    }
    if certs.is_empty() {
        return Err(format!("{shown} holds no certificate"));
    }
    Ok(certs)
}

fn read_bounded(p: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let f = std::fs::File::open(p).map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err("larger than 1 MiB".into());
    }
    Ok(buf)
}

/// Certificates of a file: every PEM `CERTIFICATE` block, else the whole file as DER.
fn certificates(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        let mut out = Vec::new();
        for p in x509_parser::pem::Pem::iter_from_buffer(bytes).take(64) {
            let p = p.map_err(|e| format!("bad PEM: {e}"))?;
            if p.label == "CERTIFICATE" {
                out.push(p.contents);
            }
        }
        if out.is_empty() {
            return Err("no CERTIFICATE block".into());
        }
        Ok(out)
    } else {
        Ok(vec![bytes.to_vec()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture_pem() -> String {
        use base64::Engine;
        let jws: serde_json::Value = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/inspect/notation.jws"
        ))
        .unwrap();
        let b64 = jws["header"]["x5c"][0].as_str().unwrap();
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(der);
        format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n")
    }

    #[test]
    fn loads_pem_ignores_subdirectories_refuses_symlinks_and_junk() {
        let d = tempfile::tempdir().unwrap();
        let store = d.path().join("x509/ca/lab");
        std::fs::create_dir_all(store.join("sub")).unwrap();
        std::fs::write(store.join("a.crt"), fixture_pem()).unwrap();
        std::fs::write(store.join("sub/ignored.crt"), "garbage").unwrap();
        assert_eq!(load(d.path(), "ca", "lab").unwrap().len(), 1);
        assert!(load(d.path(), "ca", "none")
            .unwrap_err()
            .contains("does not exist"));
        std::os::unix::fs::symlink(store.join("a.crt"), store.join("b.crt")).unwrap();
        assert!(load(d.path(), "ca", "lab")
            .unwrap_err()
            .contains("symbolic link"));
        std::fs::remove_file(store.join("b.crt")).unwrap();
        std::fs::write(store.join("c.pem"), "not a certificate").unwrap();
        assert!(load(d.path(), "ca", "lab").is_err());
    }
}
