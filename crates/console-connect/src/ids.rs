//! Checked path segments: nothing a user typed reaches a URL unless it passed one of these.

use models::validate;
use std::fmt;

/// A Console Connect object id: exactly 24 lowercase hexadecimal characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId(String);

impl ObjectId {
    pub fn parse(raw: &str) -> Result<Self, validate::ValidationError> {
        validate::object_id("id", raw)?;
        Ok(ObjectId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company's username (the `{username}` path segment), as who-am-I reported it: 1–100
/// characters of letters, digits, `.`, `_`, `-`, and not a dot segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyUsername(String);

/// The company username is empty, too long, a dot segment, or has characters outside
/// letters, digits, `.`, `_`, `-`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("company must be 1 to 100 letters, digits, '.', '_' or '-'")]
pub struct InvalidCompany;

impl CompanyUsername {
    pub fn parse(raw: &str) -> Result<Self, InvalidCompany> {
        let ok = (1..=100).contains(&raw.len())
            && raw != "."
            && raw != ".."
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(CompanyUsername(raw.to_owned()))
        } else {
            Err(InvalidCompany)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyUsername {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn traversal_is_not_an_id_or_a_company() {
        for bad in [
            "../ports",
            "%2e%2e",
            "..",
            "5f1a2b3c4d5e6f7a8b9c0d1e/..",
            "",
        ] {
            assert!(ObjectId::parse(bad).is_err(), "{bad}");
            assert!(CompanyUsername::parse(bad).is_err(), "{bad}");
        }
        assert!(ObjectId::parse("5f1a2b3c4d5e6f7a8b9c0d1e").is_ok());
        assert!(CompanyUsername::parse("acme-networks_1.eu").is_ok());
    }

    proptest! {
        #[test]
        fn company_parse_never_panics_and_never_admits_a_slash(s in any::<String>()) {
            if let Ok(c) = CompanyUsername::parse(&s) {
                prop_assert!(!c.as_str().contains('/') && !c.as_str().contains('%'));
            }
        }
    }
}
