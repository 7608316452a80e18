//! X.509 certificates for verification: issuance (signature and names), validity, and the
//! Notary Project's code-signing chain rules (signature specification, "Certificate
//! Requirements"), as `notation` applies them.
use super::crypto::{EcdsaEncoding, Hash, PublicKey, Scheme};
use crate::inspect::clip;
use ::time::OffsetDateTime;
use x509_parser::prelude::*;
use x509_parser::signature_algorithm::RsaSsaPssParams;

const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// A parsed certificate with its DER bytes.
pub struct Cert<'a> {
    pub der: &'a [u8],
    pub x: X509Certificate<'a>,
}

/// Parses one DER certificate.
pub fn parse(der: &[u8]) -> Result<Cert<'_>, String> {
    let (rest, x) =
        X509Certificate::from_der(der).map_err(|e| format!("not an X.509 certificate: {e}"))?;
    if !rest.is_empty() {
        return Err("not an X.509 certificate: trailing bytes".into());
    }
    Ok(Cert { der, x })
}

/// Parses every certificate of a chain, refusing the whole chain if one fails.
pub fn parse_chain(ders: &[Vec<u8>]) -> Result<Vec<Cert<'_>>, String> {
    ders.iter()
        .enumerate()
        .map(|(i, d)| parse(d).map_err(|e| format!("certificate {} of the chain: {e}", i + 1)))
        .collect()
}

fn unix(t: ASN1Time) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.timestamp()).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// RFC 3339, seconds precision, for messages.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

impl<'a> Cert<'a> {
    /// The subject as `C=US, ST=WA, …, CN=…` (clipped for display).
    pub fn subject(&self) -> String {
        clip(&self.x.subject().to_string(), 300)
    }

    pub fn not_before(&self) -> OffsetDateTime {
        unix(self.x.validity().not_before)
    }

    pub fn not_after(&self) -> OffsetDateTime {
        unix(self.x.validity().not_after)
    }

    /// True when `t` is within [notBefore, notAfter] (both inclusive, as Go's crypto/x509).
    pub fn valid_at(&self, t: OffsetDateTime) -> bool {
        t >= self.not_before() && t <= self.not_after()
    }

    pub fn public_key(&self) -> Result<PublicKey, String> {
        PublicKey::from_spki(self.x.public_key(), self.x.public_key().raw)
    }

    /// Issuer name equals subject name (byte for byte).
    pub fn self_issued(&self) -> bool {
        self.x.subject().as_raw() == self.x.issuer().as_raw()
    }

    /// `basicConstraints` present with `cA` true.
    pub fn is_ca(&self) -> bool {
        matches!(self.x.basic_constraints(), Ok(Some(b)) if b.value.ca)
    }

    /// Checks this certificate's signature with `issuer`'s key (SHA-1 refused).
    pub fn signature_from(&self, issuer: &PublicKey) -> Result<(), String> {
        let scheme = cert_scheme(&self.x.signature_algorithm)?;
        issuer
            .verify(
                scheme,
                self.x.tbs_certificate.as_ref(),
                &self.x.signature_value.data,
            )
            .map_err(|e| match e {
                super::crypto::SigError::Invalid => "certificate signature does not verify".into(),
                super::crypto::SigError::Unsupported(m) => m,
            })
    }

    /// Go's `CheckSignatureFrom` plus the name check: `parent` may issue certificates (a v3
    /// parent must be a CA; a key usage, when present, must allow certificate signing), its
    /// subject is this certificate's issuer, and its key made this certificate's signature.
    pub fn issued_by(&self, parent: &Cert<'_>) -> Result<(), String> {
        if parent.x.version() == X509Version::V3 && !parent.is_ca() {
            return Err(format!("{:?} is not a CA", parent.subject()));
        }
        if let Ok(Some(ku)) = parent.x.key_usage() {
            if !ku.value.key_cert_sign() {
                return Err(format!(
                    "{:?} may not sign certificates (key usage)",
                    parent.subject()
                ));
            }
        }
        if self.x.issuer().as_raw() != parent.x.subject().as_raw() {
            return Err(format!(
                "issuer of {:?} is not {:?}",
                self.subject(),
                parent.subject()
            ));
        }
        self.signature_from(&parent.public_key()?)
    }
}

/// The scheme a certificate signature uses, from its `signatureAlgorithm`.
fn cert_scheme(alg: &AlgorithmIdentifier<'_>) -> Result<Scheme, String> {
    use EcdsaEncoding::Der;
    let oid = alg.algorithm.to_id_string();
    Ok(match oid.as_str() {
        "1.2.840.113549.1.1.11" => Scheme::RsaPkcs1(Hash::Sha256),
        "1.2.840.113549.1.1.12" => Scheme::RsaPkcs1(Hash::Sha384),
        "1.2.840.113549.1.1.13" => Scheme::RsaPkcs1(Hash::Sha512),
        "1.2.840.10045.4.3.2" => Scheme::Ecdsa(Hash::Sha256, Der),
        "1.2.840.10045.4.3.3" => Scheme::Ecdsa(Hash::Sha384, Der),
        "1.2.840.10045.4.3.4" => Scheme::Ecdsa(Hash::Sha512, Der),
        "1.3.101.112" => Scheme::Ed25519,
        "1.2.840.113549.1.1.10" => {
            let params = alg
                .parameters
                .as_ref()
                .and_then(|p| RsaSsaPssParams::try_from(p).ok())
                .ok_or("RSASSA-PSS certificate signature without parameters")?;
            match params.hash_algorithm_oid().to_id_string().as_str() {
                OID_SHA256 => Scheme::RsaPss(Hash::Sha256),
                OID_SHA384 => Scheme::RsaPss(Hash::Sha384),
                OID_SHA512 => Scheme::RsaPss(Hash::Sha512),
                other => return Err(format!("RSASSA-PSS with hash {other} is not accepted")),
            }
        }
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" | "1.2.840.10045.4.1" => {
            return Err("certificate signed with SHA-1, which is not accepted".into())
        }
        other => {
            return Err(format!(
                "certificate signature algorithm {other} is not supported"
            ))
        }
    })
}

/// The Notary Project signature algorithm a signing key must use (`PS256`…`ES512`): RSA
/// 2048/3072/4096 and EC P-256/384/521 only.
pub fn notary_algorithm(key: &PublicKey) -> Result<&'static str, String> {
    use super::crypto::{Curve, KeyKind};
    Ok(match key.kind {
        KeyKind::Rsa { bits: 2048 } => "PS256",
        KeyKind::Rsa { bits: 3072 } => "PS384",
        KeyKind::Rsa { bits: 4096 } => "PS512",
        KeyKind::Ec(Curve::P256) => "ES256",
        KeyKind::Ec(Curve::P384) => "ES384",
        KeyKind::Ec(Curve::P521) => "ES512",
        other => {
            return Err(format!(
                "{other} keys are not allowed for Notary Project signatures"
            ))
        }
    })
}

fn leaf_rules(c: &Cert<'_>) -> Result<(), String> {
    let who = c.subject();
    if c.is_ca() {
        return Err(format!(
            "signing certificate {who:?} is a CA (basic constraints)"
        ));
    }
    let ku = match c.x.key_usage() {
        Ok(Some(ku)) => ku,
        Ok(None) => return Err(format!("signing certificate {who:?} has no key usage")),
        Err(e) => return Err(format!("signing certificate {who:?}: {e}")),
    };
    if !ku.critical {
        return Err(format!(
            "signing certificate {who:?}: key usage is not critical"
        ));
    }
    let k = ku.value;
    if !k.digital_signature() {
        return Err(format!(
            "signing certificate {who:?}: key usage lacks digitalSignature"
        ));
    }
    if k.key_encipherment()
        || k.data_encipherment()
        || k.key_agreement()
        || k.key_cert_sign()
        || k.crl_sign()
        || k.encipher_only()
        || k.decipher_only()
    {
        return Err(format!(
            "signing certificate {who:?}: key usage must be digitalSignature only"
        ));
    }
    if let Ok(Some(eku)) = c.x.extended_key_usage() {
        let e = eku.value;
        for (set, name) in [
            (e.server_auth, "serverAuth"),
            (e.client_auth, "clientAuth"),
            (e.email_protection, "emailProtection"),
            (e.time_stamping, "timeStamping"),
            (e.ocsp_signing, "OCSPSigning"),
        ] {
            if set {
                return Err(format!(
                    "signing certificate {who:?}: extended key usage {name} is not allowed"
                ));
            }
        }
    }
    notary_algorithm(&c.public_key()?).map(|_| ())
}

fn ca_rules(c: &Cert<'_>, below: usize) -> Result<(), String> {
    let who = c.subject();
    match c.x.basic_constraints() {
        Ok(Some(b)) if b.value.ca => {
            if let Some(n) = b.value.path_len_constraint {
                if (n as usize) < below {
                    return Err(format!(
                        "CA {who:?} allows a path of {n} but {below} certificate(s) follow it"
                    ));
                }
            }
        }
        _ => return Err(format!("{who:?} is not a CA (basic constraints)")),
    }
    match c.x.key_usage() {
        Ok(Some(ku)) if !ku.critical => Err(format!("CA {who:?}: key usage is not critical")),
        Ok(Some(ku)) if !ku.value.key_cert_sign() => {
            Err(format!("CA {who:?}: key usage lacks keyCertSign"))
        }
        Ok(Some(_)) => Ok(()),
        _ => Err(format!("CA {who:?} has no key usage")),
    }
}

/// The Notary Project's code-signing chain rules: ordered leaf → root, each issued by the
/// next, ending in a self-signed root, with the leaf and CA requirements (key usage, basic
/// constraints, extended key usage, key type and size). Validity times are checked apart.
pub fn validate_code_signing_chain(chain: &[Cert<'_>]) -> Result<(), String> {
    match chain {
        [] => Err("the envelope carries no certificate".into()),
        [only] => {
            if !only.self_issued() {
                return Err(format!(
                    "single certificate {:?} is not self-issued",
                    only.subject()
                ));
            }
            only.signature_from(&only.public_key()?).map_err(|e| {
                format!(
                    "single certificate {:?} is not self-signed: {e}",
                    only.subject()
                )
            })?;
            leaf_rules(only)
        }
        _ => {
            let last = chain.len() - 1;
            for (i, c) in chain.iter().enumerate() {
                if i == last {
                    c.issued_by(c).map_err(|e| {
                        format!(
                            "chain must end in a self-signed root: {:?}: {e}",
                            c.subject()
                        )
                    })?;
                } else {
                    if c.issued_by(c).is_ok() {
                        return Err(format!(
                            "{:?} is self-signed but is not the last certificate of the chain",
                            c.subject()
                        ));
                    }
                    c.issued_by(&chain[i + 1])?;
                }
                if i == 0 {
                    leaf_rules(c)?;
                } else {
                    ca_rules(c, i - 1)?;
                }
            }
            Ok(())
        }
    }
}

/// The first certificate of `chain` not valid at `t`, as a message naming when it was valid.
pub fn first_invalid_at(chain: &[Cert<'_>], t: OffsetDateTime) -> Option<String> {
    chain.iter().find(|c| !c.valid_at(t)).map(|c| {
        let (nb, na) = (c.not_before(), c.not_after());
        if t > na {
            format!("certificate {:?} expired at {}", c.subject(), rfc3339(na))
        } else {
            format!(
                "certificate {:?} is not valid before {}",
                c.subject(),
                rfc3339(nb)
            )
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    /// The self-signed leaf `notation cert generate-test` made for the inspect fixtures.
    fn fixture_cert() -> Vec<u8> {
        let jws: serde_json::Value =
            serde_json::from_slice(include_bytes!("../../tests/fixtures/inspect/notation.jws"))
                .unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(jws["header"]["x5c"][0].as_str().unwrap())
            .unwrap()
    }

    #[test]
    fn notation_test_certificate_is_a_valid_single_certificate_chain() {
        let der = fixture_cert();
        let c = parse(&der).unwrap();
        assert!(c.subject().contains("CN=arbor.test"));
        assert!(c.self_issued());
        validate_code_signing_chain(std::slice::from_ref(&c)).unwrap();
        assert_eq!(notary_algorithm(&c.public_key().unwrap()), Ok("PS256"));
        let before = c.not_before() - ::time::Duration::seconds(1);
        assert!(first_invalid_at(std::slice::from_ref(&c), before)
            .unwrap()
            .contains("not valid before"));
        let after = c.not_after() + ::time::Duration::seconds(1);
        assert!(first_invalid_at(std::slice::from_ref(&c), after)
            .unwrap()
            .contains("expired at"));
        assert!(first_invalid_at(std::slice::from_ref(&c), c.not_after()).is_none());
    }

    #[test]
    fn a_flipped_certificate_signature_breaks_the_chain() {
        let mut der = fixture_cert();
        let n = der.len() - 5;
        der[n] ^= 0x40;
        let c = parse(&der).unwrap();
        let e = validate_code_signing_chain(std::slice::from_ref(&c)).unwrap_err();
        assert!(e.contains("not self-signed"), "{e}");
    }

    #[test]
    fn garbage_certificates_are_refused() {
        assert!(parse(b"").is_err());
        assert!(parse_chain(&[vec![0x30, 0x00]]).is_err());
        assert!(validate_code_signing_chain(&[]).is_err());
    }
}
