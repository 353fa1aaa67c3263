//! The Console Connect API key as a secret: never printed, compared or serialized by accident.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// A Console Connect API key. `Debug` and `Display` print a mask, never the key.
#[derive(Clone)]
pub struct ApiKey(SecretString);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(SecretString::from(key.into()))
    }

    /// The key itself, for the `Authorization` header and for encryption at rest only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(********)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_never_prints_itself() {
        let key = ApiKey::new("canary-7f3a9b");
        assert!(!format!("{key:?}").contains("canary"));
        assert!(!format!("{key}").contains("canary"));
        assert_eq!(key.expose(), "canary-7f3a9b");
    }
}
