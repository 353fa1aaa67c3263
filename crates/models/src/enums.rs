//! Console Connect enums. Reading is tolerant: documented spellings (`NOT PROVISIONED`), wire
//! spellings (`NOTPROVISIONED`) and case differences all map to the same variant, and a value we
//! do not know becomes `Other(raw)` instead of an error. Writing uses the wire spelling.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Upper-cases and drops spaces, `_` and `-` so `Not Provisioned`, `NOT_PROVISIONED` and
/// `NOTPROVISIONED` compare equal.
fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_uppercase)
        .collect()
}

macro_rules! tolerant_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, $label:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept as it came.
            Other(String),
        }

        impl $name {
            /// Every known variant, in documentation order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// Reads any spelling; never fails.
            pub fn parse(raw: &str) -> Self {
                let n = normalize(raw);
                $( if n == normalize($wire) { return $name::$variant; } )*
                $name::Other(raw.to_owned())
            }

            /// The spelling sent on the wire.
            pub fn as_wire(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )*
                    $name::Other(raw) => raw,
                }
            }

            /// A label for people: an unknown value as it came, and none at all (absent, or
            /// `null`) as "Unknown".
            pub fn label(&self) -> &str {
                match self {
                    $( $name::$variant => $label, )*
                    $name::Other(raw) if raw.trim().is_empty() => "Unknown",
                    $name::Other(raw) => raw,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_wire())
            }
        }

        /// Tolerant: a string it does not know, and anything but a string (`null`, a
        /// number), is kept as [`Other`](Self::Other) rather than failing what holds it.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok(match serde_json::Value::deserialize(d)? {
                    serde_json::Value::String(raw) => $name::parse(&raw),
                    serde_json::Value::Null => $name::Other(String::new()),
                    other => $name::Other(other.to_string()),
                })
            }
        }
    };
}

tolerant_enum! {
    /// Status of a connection (parent or leg).
    ConnectionStatus {
        Creating => "CREATING", "Creating";
        Pending => "PENDING", "Pending";
        PendingAcceptance => "PENDING_ACCEPTANCE", "Pending acceptance";
        Accepted => "ACCEPTED", "Accepted";
        Active => "ACTIVE", "Active";
        Disabled => "DISABLED", "Disabled";
        Deleting => "DELETING", "Deleting";
        Deleted => "DELETED", "Deleted";
        Cancelled => "CANCELLED", "Cancelled";
        Denied => "DENIED", "Denied";
        Manual => "MANUAL", "Manual";
        Error => "ERROR", "Error";
    }
}

impl ConnectionStatus {
    /// A status that will change by itself, so a view showing it should refresh.
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            Self::Creating
                | Self::Pending
                | Self::PendingAcceptance
                | Self::Accepted
                | Self::Deleting
        )
    }

    /// Being deleted or deleted: nothing of the connection can be changed any more.
    pub fn is_gone(&self) -> bool {
        matches!(self, Self::Deleting | Self::Deleted)
    }

    /// How a connection gone or going is said to be: "being deleted", "already deleted".
    pub fn gone_words(&self) -> String {
        match self {
            Self::Deleting => "being deleted".to_owned(),
            other => format!("already {}", other.label().to_lowercase()),
        }
    }
}

tolerant_enum! {
    /// Azure-side provisioning status of an ExpressRoute connection.
    ProvisioningStatus {
        NotProvisioned => "NOTPROVISIONED", "Not provisioned";
        Provisioning => "PROVISIONING", "Provisioning";
        Provisioned => "PROVISIONED", "Provisioned";
        Deprovisioning => "DEPROVISIONING", "Deprovisioning";
    }
}

impl ProvisioningStatus {
    pub fn is_transitional(&self) -> bool {
        matches!(self, Self::Provisioning | Self::Deprovisioning)
    }
}

tolerant_enum! {
    /// Sync status of a peering configuration with Azure.
    SyncStatus {
        None => "NONE", "None";
        Pending => "PENDING", "Pending";
        Syncing => "SYNCING", "Syncing";
        Synced => "SYNCED", "Synced";
    }
}

impl SyncStatus {
    pub fn is_transitional(&self) -> bool {
        matches!(self, Self::Pending | Self::Syncing)
    }
}

tolerant_enum! {
    /// Status of a Console Connect port.
    PortStatus {
        Activating => "ACTIVATING", "Activating";
        Ready => "READY", "Ready";
        Active => "ACTIVE", "Active";
        Disabling => "DISABLING", "Disabling";
        Disabled => "DISABLED", "Disabled";
        Deleting => "DELETING", "Deleting";
        Deleted => "DELETED", "Deleted";
        /// The documented status `UNKNOWN` (not to be confused with [`PortStatus::Other`]).
        Unknown => "UNKNOWN", "Unknown";
        Onboarding => "ONBOARDING", "Onboarding";
    }
}

tolerant_enum! {
    /// How a connection is paid for.
    PaymentType {
        Payg => "payg", "Pay as you go";
        Invoice => "invoice", "Invoice";
        Plan => "plan", "Plan";
        CreditCard => "creditcard", "Credit card";
    }
}

tolerant_enum! {
    /// Class of service of a connection.
    ClassOfService {
        Bronze => "BRONZE", "Bronze";
        Silver => "SILVER", "Silver";
        Gold => "GOLD", "Gold";
    }
}

tolerant_enum! {
    /// Kind of connection: the Azure parent groups two layer-2 legs.
    ConnectionType {
        GroupLayer2 => "GROUP_LAYER2", "Group (layer 2)";
        Layer2 => "LAYER2", "Layer 2";
    }
}

/// One of the three Azure peerings. Strict: it is a URL path segment, so only these three exist.
/// Written in upper case, read in any case, as a path or a filter takes it too
/// ([`std::str::FromStr`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PeeringType {
    Private,
    Public,
    Microsoft,
}

impl<'de> Deserialize<'de> for PeeringType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        any_case(d, &Self::ALL, Self::as_wire)
    }
}

/// Reads one of `all` by its name in any case (`update_peering`, `UPDATE_PEERING`), as the
/// address bar and the command line take it; anything else is refused as serde refuses a
/// variant it does not know.
pub(crate) fn any_case<'de, D: Deserializer<'de>, T: Copy>(
    d: D,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T, D::Error> {
    let raw = String::deserialize(d)?;
    all.iter()
        .copied()
        .find(|v| name(*v).eq_ignore_ascii_case(&raw))
        .ok_or_else(|| {
            let names: Vec<String> = all.iter().map(|v| format!("`{}`", name(*v))).collect();
            serde::de::Error::custom(format_args!(
                "unknown variant `{raw}`, expected one of {}",
                names.join(", ")
            ))
        })
}

/// `peeringType` was not one of PRIVATE, PUBLIC, MICROSOFT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("peeringType must be one of PRIVATE, PUBLIC, MICROSOFT")]
pub struct UnknownPeeringType;

impl PeeringType {
    pub const ALL: [PeeringType; 3] = [Self::Private, Self::Public, Self::Microsoft];

    pub fn as_wire(self) -> &'static str {
        match self {
            Self::Private => "PRIVATE",
            Self::Public => "PUBLIC",
            Self::Microsoft => "MICROSOFT",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Private => "Private",
            Self::Public => "Public",
            Self::Microsoft => "Microsoft",
        }
    }

    /// What the peering reaches, for helper text.
    pub fn description(self) -> &'static str {
        match self {
            Self::Private => {
                "Private Azure services in your virtual networks, such as virtual machines."
            }
            Self::Public => {
                "Azure services on public IP addresses, such as storage and SQL databases."
            }
            Self::Microsoft => {
                "Other Microsoft services on public IP addresses, such as Microsoft 365."
            }
        }
    }

    /// What the user should know before choosing this type, if anything.
    pub fn caveat(self) -> Option<&'static str> {
        (self == Self::Public).then_some(
            "Microsoft has retired Azure public peering for new ExpressRoute circuits: it reaches the same services through Microsoft peering. Console Connect still configures it for circuits that use it.",
        )
    }

    /// Whether the peer subnets must be in private address space.
    pub fn needs_private_subnets(self) -> bool {
        self == Self::Private
    }
}

impl std::str::FromStr for PeeringType {
    type Err = UnknownPeeringType;

    /// Accepts the upper-case wire spelling in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_wire().eq_ignore_ascii_case(s))
            .ok_or(UnknownPeeringType)
    }
}

impl fmt::Display for PeeringType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_wire())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_going_is_said_to_be_being_deleted_and_one_gone_already_deleted() {
        assert_eq!(ConnectionStatus::Deleting.gone_words(), "being deleted");
        assert_eq!(ConnectionStatus::Deleted.gone_words(), "already deleted");
    }

    #[test]
    fn documented_and_wire_spellings_read_the_same() {
        for raw in ["NOT PROVISIONED", "NOTPROVISIONED", "not_provisioned"] {
            assert_eq!(
                ProvisioningStatus::parse(raw),
                ProvisioningStatus::NotProvisioned
            );
        }
        for raw in ["PENDING ACCEPTANCE", "PENDING_ACCEPTANCE"] {
            assert_eq!(
                ConnectionStatus::parse(raw),
                ConnectionStatus::PendingAcceptance
            );
        }
    }

    #[test]
    fn only_public_peering_comes_with_a_caveat_pointing_to_microsoft_peering() {
        let caveats: Vec<_> = PeeringType::ALL.map(PeeringType::caveat).to_vec();
        assert!(caveats[0].is_none() && caveats[2].is_none(), "{caveats:?}");
        assert!(caveats[1].is_some_and(|c| c.contains("Microsoft peering")));
    }

    #[test]
    fn unknown_values_are_kept_not_rejected() {
        let s: ConnectionStatus = serde_json::from_str("\"QUANTUM\"").unwrap();
        assert_eq!(s, ConnectionStatus::Other("QUANTUM".into()));
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"QUANTUM\"");
    }

    #[test]
    fn wire_spelling_is_written() {
        let json = serde_json::to_string(&ProvisioningStatus::NotProvisioned).unwrap();
        assert_eq!(json, "\"NOTPROVISIONED\"");
        assert_eq!(
            serde_json::to_string(&PaymentType::Payg).unwrap(),
            "\"payg\""
        );
        assert_eq!(
            serde_json::to_string(&PeeringType::Microsoft).unwrap(),
            "\"MICROSOFT\""
        );
    }

    #[test]
    fn port_status_unknown_is_a_documented_value() {
        assert_eq!(PortStatus::parse("UNKNOWN"), PortStatus::Unknown);
        assert_eq!(
            PortStatus::parse("WEIRD"),
            PortStatus::Other("WEIRD".into())
        );
    }

    #[test]
    fn peering_type_is_strict() {
        assert_eq!("PRIVATE".parse::<PeeringType>(), Ok(PeeringType::Private));
        assert!("../ports".parse::<PeeringType>().is_err());
        assert!("Private ".parse::<PeeringType>().is_err());
        assert!(serde_json::from_str::<PeeringType>("\"OTHER\"").is_err());
        // As JSON or in a query string, the spellings a path takes.
        for (text, t) in [
            ("\"MICROSOFT\"", PeeringType::Microsoft),
            ("\"public\"", PeeringType::Public),
        ] {
            assert_eq!(serde_json::from_str::<PeeringType>(text).unwrap(), t);
        }
        // In any case, as the three names are written in the address bar.
        assert_eq!("Private".parse::<PeeringType>(), Ok(PeeringType::Private));
        assert_eq!(
            serde_json::from_str::<PeeringType>("\"Microsoft\"").unwrap(),
            PeeringType::Microsoft
        );
        let refused = serde_json::from_str::<PeeringType>("\"PRIVATE \"").unwrap_err();
        assert!(
            refused.to_string().starts_with(
                "unknown variant `PRIVATE `, expected one of `PRIVATE`, `PUBLIC`, `MICROSOFT`"
            ),
            "{refused}"
        );
        assert_eq!(
            serde_json::to_string(&PeeringType::Public).unwrap(),
            "\"PUBLIC\""
        );
    }

    #[test]
    fn transitional_states_are_the_ones_that_move() {
        assert!(ConnectionStatus::Creating.is_transitional());
        assert!(!ConnectionStatus::Active.is_transitional());
        assert!(SyncStatus::Syncing.is_transitional());
        assert!(!SyncStatus::Synced.is_transitional());
        assert!(ProvisioningStatus::Provisioning.is_transitional());
    }
}
