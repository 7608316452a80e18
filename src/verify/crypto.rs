//! Public keys and signature checks. Every primitive comes from `ring`, except ECDSA on P-521,
//! which ring lacks and RustCrypto's `p521` provides; this file only picks the algorithm.
use ring::signature as rs;
use sha2::Digest as _;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey as ParsedKey;
use x509_parser::x509::SubjectPublicKeyInfo;

const OID_EC: &str = "1.2.840.10045.2.1";
const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_ED25519: &str = "1.3.101.112";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_P521: &str = "1.3.132.0.35";

/// A hash function a signature scheme uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn digest(self, msg: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(msg).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(msg).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(msg).to_vec(),
        }
    }
}

/// An elliptic curve arbor verifies ECDSA on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// The hash cosign and the Notary Project pair with this curve.
    pub fn default_hash(self) -> Hash {
        match self {
            Curve::P256 => Hash::Sha256,
            Curve::P384 => Hash::Sha384,
            Curve::P521 => Hash::Sha512,
        }
    }
    fn bits(self) -> usize {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }
}

/// How an ECDSA signature is encoded: ASN.1 DER (X.509, cosign) or fixed r‖s (JWS, COSE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EcdsaEncoding {
    Der,
    Fixed,
}

/// A signature scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    RsaPss(Hash),
    RsaPkcs1(Hash),
    Ecdsa(Hash, EcdsaEncoding),
    Ed25519,
}

/// What kind of key, and how big.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    Rsa { bits: usize },
    Ec(Curve),
    Ed25519,
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyKind::Rsa { bits } => write!(f, "RSA {bits}"),
            KeyKind::Ec(c) => write!(f, "ECDSA P-{}", c.bits()),
            KeyKind::Ed25519 => f.write_str("Ed25519"),
        }
    }
}

/// A public key: its kind, and the bytes ring takes (RSAPublicKey DER, SEC1 point, raw Ed25519).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    pub kind: KeyKind,
    raw: Vec<u8>,
    /// The SubjectPublicKeyInfo DER it was read from.
    spki: Vec<u8>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Key bytes never go into messages; the kind and a fingerprint say enough.
        write!(f, "PublicKey({}, {})", self.kind, self.fingerprint())
    }
}

/// Why a signature did not verify (no detail: a reason never carries key material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("signature does not verify with the key")]
    Invalid,
    #[error("{0}")]
    Unsupported(String),
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, String> {
        let (rest, spki) = SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| format!("not a DER public key: {e}"))?;
        if !rest.is_empty() {
            return Err("not a DER public key: trailing bytes".into());
        }
        Self::from_spki(&spki, &der[..der.len() - rest.len()])
    }

    /// Reads a parsed SubjectPublicKeyInfo (`der`: its encoding).
    pub fn from_spki(spki: &SubjectPublicKeyInfo, der: &[u8]) -> Result<Self, String> {
        let alg = spki.algorithm.algorithm.to_id_string();
        let raw = spki.subject_public_key.data.to_vec();
        let kind = match alg.as_str() {
            OID_RSA => match spki.parsed() {
                Ok(ParsedKey::RSA(k)) => KeyKind::Rsa { bits: k.key_size() },
                _ => return Err("malformed RSA public key".into()),
            },
            OID_EC => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                match curve.as_deref() {
                    Some(OID_P256) => KeyKind::Ec(Curve::P256),
                    Some(OID_P384) => KeyKind::Ec(Curve::P384),
                    Some(OID_P521) => KeyKind::Ec(Curve::P521),
                    Some(other) => return Err(format!("unsupported elliptic curve {other}")),
                    None => return Err("EC public key without a named curve".into()),
                }
            }
            OID_ED25519 => KeyKind::Ed25519,
            other => return Err(format!("unsupported public key algorithm {other}")),
        };
        Ok(PublicKey {
            kind,
            raw,
            spki: der.to_vec(),
        })
    }

    /// Reads the first `PUBLIC KEY` (or `CERTIFICATE`, taking its key) block of a PEM text.
    pub fn from_pem(text: &[u8]) -> Result<Self, String> {
        for pem in x509_parser::pem::Pem::iter_from_buffer(text) {
            let pem = pem.map_err(|e| format!("bad PEM: {e}"))?;
            match pem.label.as_str() {
                "PUBLIC KEY" => return Self::from_spki_der(&pem.contents),
                "CERTIFICATE" => {
                    let (_, c) = x509_parser::certificate::X509Certificate::from_der(&pem.contents)
                        .map_err(|e| format!("not an X.509 certificate: {e}"))?;
                    return Self::from_spki(c.public_key(), c.public_key().raw);
                }
                _ => continue,
            }
        }
        Err("no PUBLIC KEY block in the PEM text".into())
    }

    /// sha256 of the SubjectPublicKeyInfo, hex (a fingerprint safe to show).
    pub fn fingerprint(&self) -> String {
        hex::encode(sha2::Sha256::digest(&self.spki))
    }

    /// The SubjectPublicKeyInfo DER.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Checks `sig` over `msg` with this key under `scheme`.
    pub fn verify(&self, scheme: Scheme, msg: &[u8], sig: &[u8]) -> Result<(), SigError> {
        use EcdsaEncoding::{Der, Fixed};
        let alg: &dyn rs::VerificationAlgorithm = match (self.kind, scheme) {
            (KeyKind::Rsa { .. }, Scheme::RsaPss(h)) => match h {
                Hash::Sha256 => &rs::RSA_PSS_2048_8192_SHA256,
                Hash::Sha384 => &rs::RSA_PSS_2048_8192_SHA384,
                Hash::Sha512 => &rs::RSA_PSS_2048_8192_SHA512,
            },
            (KeyKind::Rsa { .. }, Scheme::RsaPkcs1(h)) => match h {
                Hash::Sha256 => &rs::RSA_PKCS1_2048_8192_SHA256,
                Hash::Sha384 => &rs::RSA_PKCS1_2048_8192_SHA384,
                Hash::Sha512 => &rs::RSA_PKCS1_2048_8192_SHA512,
            },
            (KeyKind::Ec(Curve::P521), Scheme::Ecdsa(h, enc)) => {
                return p521_verify(&self.raw, &h.digest(msg), sig, enc)
            }
            (KeyKind::Ec(c), Scheme::Ecdsa(h, enc)) => match (c, h, enc) {
                (Curve::P256, Hash::Sha256, Der) => &rs::ECDSA_P256_SHA256_ASN1,
                (Curve::P256, Hash::Sha256, Fixed) => &rs::ECDSA_P256_SHA256_FIXED,
                (Curve::P256, Hash::Sha384, Der) => &rs::ECDSA_P256_SHA384_ASN1,
                (Curve::P384, Hash::Sha384, Der) => &rs::ECDSA_P384_SHA384_ASN1,
                (Curve::P384, Hash::Sha384, Fixed) => &rs::ECDSA_P384_SHA384_FIXED,
                (Curve::P384, Hash::Sha256, Der) => &rs::ECDSA_P384_SHA256_ASN1,
                _ => {
                    return Err(SigError::Unsupported(format!(
                        "{} with {h:?} ({enc:?}) is not supported",
                        self.kind
                    )))
                }
            },
            (KeyKind::Ed25519, Scheme::Ed25519) => &rs::ED25519,
            (kind, scheme) => {
                return Err(SigError::Unsupported(format!(
                    "a {kind} key cannot make a {scheme:?} signature"
                )))
            }
        };
        rs::UnparsedPublicKey::new(alg, &self.raw)
            .verify(msg, sig)
            .map_err(|_| SigError::Invalid)
    }
}

fn p521_verify(
    point: &[u8],
    prehash: &[u8],
    sig: &[u8],
    enc: EcdsaEncoding,
) -> Result<(), SigError> {
    use p521::ecdsa::signature::hazmat::PrehashVerifier;
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| SigError::Invalid)?;
    let sig = match enc {
        EcdsaEncoding::Der => p521::ecdsa::Signature::from_der(sig),
        EcdsaEncoding::Fixed => p521::ecdsa::Signature::from_slice(sig),
    }
    .map_err(|_| SigError::Invalid)?;
    key.verify_prehash(prehash, &sig)
        .map_err(|_| SigError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::rand::SystemRandom;
    use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};

    /// SubjectPublicKeyInfo DER for an uncompressed P-256 point.
    fn p256_spki(point: &[u8]) -> Vec<u8> {
        let mut der = hex::decode("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        der.extend_from_slice(point);
        der
    }

    #[test]
    fn ecdsa_p256_der_and_fixed_verify_and_tampering_fails() {
        let rng = SystemRandom::new();
        for (alg, enc) in [
            (&rs::ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaEncoding::Der),
            (&rs::ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaEncoding::Fixed),
        ] {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
            let kp = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
            let key = PublicKey::from_spki_der(&p256_spki(kp.public_key().as_ref())).unwrap();
            assert_eq!(key.kind, KeyKind::Ec(Curve::P256));
            let sig = kp.sign(&rng, b"payload").unwrap();
            let scheme = Scheme::Ecdsa(Hash::Sha256, enc);
            assert_eq!(key.verify(scheme, b"payload", sig.as_ref()), Ok(()));
            assert_eq!(
                key.verify(scheme, b"payloaD", sig.as_ref()),
                Err(SigError::Invalid)
            );
            let mut bad = sig.as_ref().to_vec();
            let n = bad.len() - 1;
            bad[n] ^= 1;
            assert_eq!(key.verify(scheme, b"payload", &bad), Err(SigError::Invalid));
            assert!(matches!(
                key.verify(Scheme::Ed25519, b"payload", sig.as_ref()),
                Err(SigError::Unsupported(_))
            ));
        }
    }

    #[test]
    fn ed25519_verifies() {
        let rng = SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let kp = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        let mut spki = hex::decode("302a300506032b6570032100").unwrap();
        spki.extend_from_slice(kp.public_key().as_ref());
        let key = PublicKey::from_spki_der(&spki).unwrap();
        let sig = kp.sign(b"m");
        assert_eq!(key.verify(Scheme::Ed25519, b"m", sig.as_ref()), Ok(()));
        assert_eq!(
            key.verify(Scheme::Ed25519, b"n", sig.as_ref()),
            Err(SigError::Invalid)
        );
    }

    #[test]
    fn p521_verifies_with_sha512_prehash() {
        use p521::ecdsa::signature::hazmat::PrehashSigner;
        let sk = p521::ecdsa::SigningKey::from_slice(&[1u8; 66]).unwrap();
        let vk = p521::ecdsa::VerifyingKey::from(&sk);
        // SubjectPublicKeyInfo for P-521: id-ecPublicKey + secp521r1, then the point.
        let point = vk.to_encoded_point(false);
        let mut spki = hex::decode("30819b301006072a8648ce3d020106052b8104002303818600").unwrap();
        spki.extend_from_slice(point.as_bytes());
        let key = PublicKey::from_spki_der(&spki).unwrap();
        assert_eq!(key.kind, KeyKind::Ec(Curve::P521));
        let sig: p521::ecdsa::Signature = sk.sign_prehash(&Hash::Sha512.digest(b"msg")).unwrap();
        let fixed = sig.to_bytes();
        let der = sig.to_der();
        let h = Hash::Sha512;
        assert_eq!(
            key.verify(Scheme::Ecdsa(h, EcdsaEncoding::Fixed), b"msg", &fixed),
            Ok(())
        );
        assert_eq!(
            key.verify(Scheme::Ecdsa(h, EcdsaEncoding::Der), b"msg", der.as_bytes()),
            Ok(())
        );
        assert_eq!(
            key.verify(Scheme::Ecdsa(h, EcdsaEncoding::Fixed), b"msh", &fixed),
            Err(SigError::Invalid)
        );
    }

    #[test]
    fn garbage_keys_are_refused() {
        assert!(PublicKey::from_spki_der(b"").is_err());
        assert!(PublicKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
        assert!(PublicKey::from_pem(
            b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )
        .is_err());
        assert!(PublicKey::from_pem(b"nothing").is_err());
    }
}
