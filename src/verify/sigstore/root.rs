//! A Sigstore trusted root (`trusted_root.json`, media type
//! `application/vnd.dev.sigstore.trustedroot+json`): the transparency logs' keys and the
//! certificate authorities keyless certificates must chain to, each with a validity period.
use crate::verify::crypto::PublicKey;
use crate::verify::x509;
use base64::Engine;
use serde::Deserialize;
use time::OffsetDateTime;

/// A transparency log (Rekor) arbor can check entries of.
#[derive(Debug, Clone)]
pub struct TransparencyLog {
    /// `logId.keyId`: sha256 of the log's public key.
    pub key_id: Vec<u8>,
    pub key: PublicKey,
    pub valid_from: Option<OffsetDateTime>,
    pub valid_until: Option<OffsetDateTime>,
}

/// A certificate authority (Fulcio): its chain (DER) and validity period.
#[derive(Debug, Clone)]
pub struct CertificateAuthority {
    pub chain: Vec<Vec<u8>>,
    pub valid_from: Option<OffsetDateTime>,
    pub valid_until: Option<OffsetDateTime>,
}

/// A parsed trusted root.
#[derive(Debug, Clone)]
pub struct TrustedRoot {
    pub tlogs: Vec<TransparencyLog>,
    pub certificate_authorities: Vec<CertificateAuthority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRoot {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    tlogs: Vec<RawLog>,
    #[serde(default)]
    certificate_authorities: Vec<RawCa>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLog {
    public_key: Option<RawKey>,
    log_id: Option<RawLogId>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawKey {
    raw_bytes: Option<String>,
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLogId {
    key_id: Option<String>,
}

#[derive(Deserialize)]
struct RawValidity {
    start: Option<String>,
    end: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCa {
    cert_chain: Option<RawChain>,
    valid_for: Option<RawValidity>,
}

#[derive(Deserialize)]
struct RawChain {
    #[serde(default)]
    certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCert {
    raw_bytes: Option<String>,
}

fn b64(s: &Option<String>, what: &str) -> Result<Vec<u8>, String> {
    let s = s.as_deref().ok_or_else(|| format!("{what} is missing"))?;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|_| format!("{what} is not base64"))
}

fn when(s: &Option<String>, what: &str) -> Result<Option<OffsetDateTime>, String> {
    s.as_deref()
        .map(|t| {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|_| format!("{what} {t:?} is not an RFC 3339 time"))
        })
        .transpose()
}

fn validity(
    v: &Option<RawValidity>,
    what: &str,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), String> {
    match v {
        None => Ok((None, None)),
        Some(v) => Ok((
            when(&v.start, &format!("{what} validFor.start"))?,
            when(&v.end, &format!("{what} validFor.end"))?,
        )),
    }
}

/// True when `t` falls in [from, until] (open ends where absent).
pub fn within(
    t: OffsetDateTime,
    from: Option<OffsetDateTime>,
    until: Option<OffsetDateTime>,
) -> bool {
    from.is_none_or(|f| t >= f) && until.is_none_or(|u| t <= u)
}

impl TrustedRoot {
    /// Parses a trusted root, checking every key and certificate in it.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let raw: RawRoot =
            serde_json::from_slice(bytes).map_err(|e| format!("not a trusted root: {e}"))?;
        if !raw.media_type.is_empty()
            && !raw
                .media_type
                .starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(format!(
                "media type {:?} is not a trusted root",
                raw.media_type
            ));
        }
        let mut tlogs = Vec::new();
        for (i, l) in raw.tlogs.iter().enumerate() {
            let what = format!("tlogs[{i}]");
            let pk = l
                .public_key
                .as_ref()
                .ok_or_else(|| format!("{what}.publicKey is missing"))?;
            let der = b64(&pk.raw_bytes, &format!("{what}.publicKey.rawBytes"))?;
            let key = PublicKey::from_spki_der(&der).map_err(|e| format!("{what}: {e}"))?;
            let key_id = b64(
                &l.log_id.as_ref().and_then(|i| i.key_id.clone()),
                &format!("{what}.logId.keyId"),
            )?;
            let (valid_from, valid_until) = validity(&pk.valid_for, &what)?;
            tlogs.push(TransparencyLog {
                key_id,
                key,
                valid_from,
                valid_until,
            });
        }
        let mut certificate_authorities = Vec::new();
        for (i, c) in raw.certificate_authorities.iter().enumerate() {
            let what = format!("certificateAuthorities[{i}]");
            let mut chain = Vec::new();
            for (j, cert) in c
                .cert_chain
                .as_ref()
                .map(|c| c.certificates.as_slice())
                .unwrap_or(&[])
                .iter()
                .enumerate()
            {
                let der = b64(&cert.raw_bytes, &format!("{what}.certChain[{j}]"))?;
                x509::parse(&der).map_err(|e| format!("{what}.certChain[{j}]: {e}"))?;
                chain.push(der);
            }
            if chain.is_empty() {
                return Err(format!("{what} has no certificates"));
            }
            let (valid_from, valid_until) = validity(&c.valid_for, &what)?;
            certificate_authorities.push(CertificateAuthority {
                chain,
                valid_from,
                valid_until,
            });
        }
        Ok(TrustedRoot {
            tlogs,
            certificate_authorities,
        })
    }

    /// The log whose key id is `id`.
    pub fn log(&self, id: &[u8]) -> Option<&TransparencyLog> {
        self.tlogs.iter().find(|l| l.key_id == id)
    }
}
