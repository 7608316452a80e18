//! Which certificate authorities HTTPS registries are checked against: the system's store
//! only (so removing a CA there takes effect), and Mozilla's bundled roots (webpki-roots)
//! only when the system has none at all, said in the log.
use reqwest::ClientBuilder;

/// Where the trust roots came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roots {
    /// This many certificates from the system store (or `SSL_CERT_FILE` / `SSL_CERT_DIR`).
    System(usize),
    /// The system store had no usable certificate: webpki-roots' bundled Mozilla list.
    Bundled,
}

/// Sets the client's trust roots as described above; returns the builder and the choice.
pub fn with_system_roots(b: ClientBuilder) -> (ClientBuilder, Roots) {
    let loaded = rustls_native_certs::load_native_certs();
    for e in &loaded.errors {
        tracing::debug!(error = %e, "system CA store: skipped an entry");
    }
    let certs: Vec<reqwest::Certificate> = loaded
        .certs
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok())
        .collect();
    if certs.is_empty() {
        tracing::warn!("no CA certificates in the system store; using the bundled Mozilla roots (webpki-roots)");
        // reqwest's built-in roots are webpki-roots only (the native-roots feature is off).
        return (b.tls_built_in_root_certs(true), Roots::Bundled);
    }
    let n = certs.len();
    let b = certs
        .into_iter()
        .fold(b.tls_built_in_root_certs(false), |b, c| {
            b.add_root_certificate(c)
        });
    (b, Roots::System(n))
}
