//! Types and validation shared by the browser app and the server: no I/O, builds for wasm32.
//!
//! - [`enums`]: Console Connect status enums that accept documented and wire spellings and keep
//!   unknown values.
//! - [`upstream`]: the Console Connect wire shapes (tolerant: unknown fields are kept).
//! - [`validate`]: every rule the portal enforces before anything goes upstream.
//! - [`api`]: the portal's own JSON API types.
//! - [`diff`]: field-level differences between two snapshots.
//! - [`router`]: the customer routers' side of a peering, for Cisco IOS XE and Juniper Junos.
//! - [`error`]: the one JSON error shape of the portal.

pub mod api;
pub mod diff;
pub mod enums;
pub mod error;
pub mod router;
pub mod upstream;
pub mod validate;

pub use enums::{
    ClassOfService, ConnectionStatus, ConnectionType, PaymentType, PeeringType, PortStatus,
    ProvisioningStatus, SyncStatus,
};
pub use error::{ApiError, ErrorCode};
pub use validate::{FieldError, ValidationError};

/// Masks a secret for display, keeping only its last four characters so a person can tell keys
/// apart: `********-****-****-****-********1a2b`-like output for a GUID (in small letters, as a
/// GUID is the same key in either case), `****1a2b` otherwise.
pub fn mask_secret(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() <= 8 {
        return "********".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    if validate::is_guid(secret) {
        format!(
            "********-****-****-****-********{}",
            tail.to_ascii_lowercase()
        )
    } else {
        format!("****{tail}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_secret_keeps_only_the_last_four_characters() {
        assert_eq!(
            mask_secret("7d6c2f1e-1111-2222-3333-444455556666"),
            "********-****-****-****-********6666"
        );
        assert_eq!(
            mask_secret("7D6C2F1E-1111-2222-3333-44445555AB1F"),
            "********-****-****-****-********ab1f"
        );
        assert_eq!(mask_secret("abcdefghijKL"), "****ijKL");
        assert_eq!(mask_secret("short"), "********");
    }
}
