//! arbor's own store: the OS keyring (Secret Service over D-Bus on Linux and the BSDs, the
//! macOS/iOS keychain, the Windows credential manager). Headless machines without a Secret
//! Service, and platforms with no native backend, give an error here, which callers treat as
//! "not available" — never keyring's in-memory mock, which would lose what `login` saved.
use super::CredentialError;
use crate::registry::Credentials;

/// The keyring service name entries are filed under (the account is the registry host).
const SERVICE: &str = "arbor-registry";

#[derive(serde::Serialize, serde::Deserialize)]
struct Stored {
    username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    identity_token: Option<String>,
}

fn unavailable(e: keyring::Error) -> CredentialError {
    // keyring's Display for platform errors never includes the secret.
    CredentialError::Keyring(e.to_string())
}

/// Platforms Cargo.toml gives a native keyring backend.
const NATIVE_BACKEND: bool = cfg!(any(
    target_os = "linux",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "macos",
    target_os = "ios",
    target_os = "windows"
));

fn entry(host: &str) -> Result<keyring::Entry, CredentialError> {
    if !NATIVE_BACKEND {
        return Err(CredentialError::Keyring(
            "arbor has no OS keyring backend on this platform".into(),
        ));
    }
    keyring::Entry::new(SERVICE, host).map_err(unavailable)
}

fn encode(creds: &Credentials) -> Result<String, CredentialError> {
    let s = match creds {
        Credentials::Basic { username, password } => Stored {
            username: username.clone(),
            password: Some(password.clone()),
            identity_token: None,
        },
        Credentials::IdentityToken { username, token } => Stored {
            username: username.clone(),
            password: None,
            identity_token: Some(token.clone()),
        },
    };
    serde_json::to_string(&s).map_err(|e| CredentialError::Keyring(e.to_string()))
}

fn decode(secret: &str) -> Option<Credentials> {
    let s: Stored = serde_json::from_str(secret).ok()?;
    match (s.identity_token, s.password) {
        (Some(token), _) => Some(Credentials::IdentityToken {
            username: s.username,
            token,
        }),
        (None, Some(password)) => Some(Credentials::Basic {
            username: s.username,
            password,
        }),
        (None, None) => None,
    }
}

/// The saved credentials for a host; `Ok(None)` when there are none.
pub fn get(host: &str) -> Result<Option<Credentials>, CredentialError> {
    match entry(host)?.get_password() {
        Ok(secret) => Ok(decode(&secret)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(unavailable(e)),
    }
}

/// Saves the host's credentials, then reads them back through a new entry: a backend that
/// keeps nothing (keyring's mock) is an error, so `login` never claims a save that did not persist.
pub fn set(host: &str, creds: &Credentials) -> Result<(), CredentialError> {
    let secret = encode(creds)?;
    entry(host)?.set_password(&secret).map_err(unavailable)?;
    match entry(host)?.get_password() {
        Ok(back) if back == secret => Ok(()),
        Ok(_) | Err(keyring::Error::NoEntry) => Err(CredentialError::Keyring(
            "the keyring did not keep the entry (no persistent backend)".into(),
        )),
        Err(e) => Err(unavailable(e)),
    }
}

/// Deletes the host's entry; true if there was one.
pub fn delete(host: &str) -> Result<bool, CredentialError> {
    match entry(host)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(unavailable(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips() {
        for c in [
            Credentials::Basic {
                username: "u".into(),
                password: "p:w".into(),
            },
            Credentials::IdentityToken {
                username: "00000000-0000-0000-0000-000000000000".into(),
                token: "rt".into(),
            },
        ] {
            assert_eq!(decode(&encode(&c).unwrap()), Some(c));
        }
        assert_eq!(decode("not json"), None);
    }

    /// keyring's mock backend keeps nothing between entries, so this checks the empty path
    /// (an absent entry is `None`, not an error) and that a save the backend does not keep is
    /// an error, without touching a real keyring.
    #[test]
    fn mock_backend_is_never_taken_for_a_keyring() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        assert_eq!(get("registry.example").unwrap(), None);
        assert!(!delete("registry.example").unwrap());
        let c = Credentials::Basic {
            username: "u".into(),
            password: "p".into(),
        };
        let e = set("registry.example", &c).unwrap_err();
        assert!(e.to_string().contains("did not keep"), "{e}");
    }
}
