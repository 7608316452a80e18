//! X.509 certificates as signatures carry them: who, issued by whom, valid when, thumbprint,
//! and the Sigstore (Fulcio) OIDC issuer extension when present.
use super::{clip, MAX_LISTED};
use serde::Serialize;
use sha2::Digest as _;
use x509_parser::prelude::*;

/// Fulcio's OIDC issuer (v1: raw string; v2: DER UTF8String).
const OID_FULCIO_ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
const OID_FULCIO_ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";

/// One certificate, summarised.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// sha256 of the DER bytes, lowercase hex (what `notation` shows as the thumbprint).
    pub sha256: String,
    /// Subject alternative names: e-mail addresses, URIs, DNS names.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub san: Vec<String>,
    /// The OIDC issuer the certificate was issued for (Fulcio extension), if present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oidc_issuer: Option<String>,
}

/// Reads one DER certificate.
pub fn from_der(der: &[u8]) -> Result<CertSummary, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    let mut san = Vec::new();
    let mut oidc_issuer = None;
    for ext in cert.extensions() {
        match ext.parsed_extension() {
            ParsedExtension::SubjectAlternativeName(s) => {
                for n in s.general_names.iter().take(MAX_LISTED) {
                    match n {
                        GeneralName::RFC822Name(e) => san.push(format!("email:{}", clip(e, 200))),
                        GeneralName::URI(u) => san.push(format!("uri:{}", clip(u, 300))),
                        GeneralName::DNSName(d) => san.push(format!("dns:{}", clip(d, 200))),
                        _ => {}
                    }
                }
            }
            _ => {
                let oid = ext.oid.to_id_string();
                if oid == OID_FULCIO_ISSUER_V2 {
                    // DER UTF8String: tag 0x0c, short length.
                    if let Ok((_, s)) =
                        x509_parser::der_parser::der::parse_der_utf8string(ext.value)
                    {
                        if let Ok(s) = s.as_str() {
                            oidc_issuer = Some(clip(s, 300));
                        }
                    }
                } else if oid == OID_FULCIO_ISSUER_V1 && oidc_issuer.is_none() {
                    oidc_issuer = std::str::from_utf8(ext.value).ok().map(|s| clip(s, 300));
                }
            }
        }
    }
    let time = |t: ASN1Time| t.to_rfc2822().unwrap_or_else(|_| t.timestamp().to_string());
    Ok(CertSummary {
        subject: clip(&cert.subject().to_string(), 300),
        issuer: clip(&cert.issuer().to_string(), 300),
        not_before: time(cert.validity().not_before),
        not_after: time(cert.validity().not_after),
        sha256: hex::encode(sha2::Sha256::digest(der)),
        san,
        oidc_issuer,
    })
}

/// Reads every certificate of a PEM text (at most [`MAX_LISTED`]).
pub fn from_pem(text: &str) -> Vec<Result<CertSummary, String>> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(text.as_bytes()).take(MAX_LISTED) {
        out.push(match pem {
            Ok(p) if p.label == "CERTIFICATE" => from_der(&p.contents),
            Ok(p) => Err(format!(
                "PEM block {:?} is not a certificate",
                clip(&p.label, 40)
            )),
            Err(e) => Err(format!("bad PEM: {e}")),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(from_der(b"").is_err());
        assert!(from_der(&[0x30, 0x82, 0xff, 0xff, 0x01]).is_err());
        assert!(
            from_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")[0].is_err()
        );
        assert!(from_pem("no pem here").is_empty());
    }
}
