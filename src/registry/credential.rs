//! Who a client authenticates as: a user's credentials, and the source saved ones come from.
use std::fmt;

/// A user's credentials. `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh/identity token (ACR's `--expose-token`, docker's `identitytoken`).
    IdentityToken {
        username: String,
        token: String,
    },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credentials::IdentityToken { username, .. } => {
                write!(f, "IdentityToken({username}, ***)")
            }
        }
    }
}

impl Credentials {
    pub fn username(&self) -> &str {
        match self {
            Credentials::Basic { username, .. } | Credentials::IdentityToken { username, .. } => {
                username
            }
        }
    }
}

/// Why a credential source could not answer (shown to the user, never holding a secret).
pub type SourceError = Box<dyn std::error::Error + Send + Sync>;

/// Where a client finds saved credentials for its host, asked the first time the registry
/// wants them (as oras-go's `auth.Client` takes a `CredentialFunc`). It may block (helpers,
/// keyrings): the client calls it off the async threads.
pub trait CredentialSource: fmt::Debug + Send + Sync {
    /// The saved credentials for `host`, if there are any.
    fn credentials(&self, host: &str) -> Result<Option<Credentials>, SourceError>;
}

#[cfg(test)]
mod tests {
    use super::Credentials;

    #[test]
    fn debug_never_shows_secrets() {
        let c = Credentials::Basic {
            username: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
