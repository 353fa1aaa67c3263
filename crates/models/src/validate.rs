//! The rules the portal enforces before anything goes upstream (section 5 of the contract). The
//! browser runs them as the user types and the server runs them again. Every failure is a
//! [`ValidationError`] naming its field (the JSON name, so a form can put the message under the
//! right input) and saying what is allowed. Secrets are never echoed back in a message.

use crate::upstream::PeeringConfig;
use crate::{ClassOfService, PaymentType, PeeringType};
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

/// Speeds (Mbps) offered for an Azure ExpressRoute connection.
pub const OFFERED_SPEEDS_MBPS: [u64; 8] = [50, 100, 200, 500, 1000, 2000, 5000, 10000];
/// ASNs Microsoft reserves for itself; its own side is AS 12076.
pub const RESERVED_ASNS: std::ops::RangeInclusive<u64> = 65515..=65520;
pub const MAX_ASN: u64 = 4_294_967_295;
pub const ROUTING_REGISTRIES: [&str; 8] = [
    "AFRINIC", "ALTDB", "APNIC", "ARIN", "LACNIC", "LEVEL3", "RADB", "RIPENCC",
];
/// Longest Console Connect API key accepted for sign-in.
pub const MAX_API_KEY_CHARS: usize = 512;
pub const MAX_NAME_CHARS: usize = 64;
pub const MAX_REASON_CHARS: usize = 500;
pub const MAX_TICKET_CHARS: usize = 64;
pub const MAX_SHARED_KEY_CHARS: usize = 25;
pub const MAX_ADVERTISED_PREFIXES: usize = 200;
/// Longest input echoed back inside a message, so a message stays readable.
const ECHO_LIMIT: usize = 48;

/// One rule broken. `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    #[error("{}", required(field))]
    Required { field: &'static str },
    #[error(
        "apiKey has a space or an invisible character in it (pasted with the key, perhaps); an API key has none"
    )]
    ApiKeySpaced,
    #[error("{field} must be exactly 24 lowercase hexadecimal characters (0-9, a-f)")]
    ObjectId { field: &'static str },
    #[error(
        "{field} must be a GUID of 8-4-4-4-12 hexadecimal digits, like 00000000-0000-0000-0000-000000000000, as the Azure portal shows the circuit's service key"
    )]
    ServiceKey { field: &'static str },
    #[error(
        "{field} has a space, a line break or an invisible character in it (pasted with the key, perhaps); a service key is a GUID of 8-4-4-4-12 hexadecimal digits without any"
    )]
    ServiceKeySpaced { field: &'static str },
    #[error("{field} must be at most {max} characters; it has {len}")]
    Length {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error(
        "{field} may contain only printable characters: no line breaks, tabs, control characters, or invisible characters that reorder or hide text"
    )]
    NotPrintable { field: &'static str },
    #[error(
        "{field} must show at least one letter, digit or symbol; it has only spaces and invisible characters"
    )]
    NothingVisible { field: &'static str },
    #[error(
        "{field} must be a whole number from 1 to 4294967295; got {got}{}",
        asdot_hint(got)
    )]
    Asn { field: &'static str, got: String },
    #[error(
        "{field} {asn} is reserved by Microsoft (65515 to 65520); use another ASN from 1 to 4294967295"
    )]
    AsnReserved { field: &'static str, asn: u64 },
    #[error(
        "{field} 12076 is Microsoft's own ASN, its side of the peering; use your network's ASN (1 to 4294967295, not 65515 to 65520)"
    )]
    AsnMicrosoft { field: &'static str },
    #[error(
        "{field} must be an IPv4 /30 or IPv6 /126 prefix: its network address, a slash and the length, such as a.b.c.0/30 (IPv4 in decimal, no leading zeros); got {got}"
    )]
    SubnetSyntax { field: &'static str, got: String },
    #[error("{field} must be a /30 (IPv4) or /126 (IPv6); got /{len}")]
    SubnetLength { field: &'static str, len: u8 },
    #[error("{field} must give the network address: use {network}")]
    SubnetNotNetwork {
        field: &'static str,
        network: String,
    },
    #[error(
        "{field} must be in a private range for Private peering (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, or fc00::/7 for IPv6)"
    )]
    SubnetNotPrivate { field: &'static str },
    #[error(
        "{field} must be in public address space for {} peering; {got} is private or reserved",
        .peering.label()
    )]
    NotPublic {
        field: &'static str,
        peering: PeeringType,
        got: String,
    },
    #[error(
        "secondaryPeerSubnet must not overlap primaryPeerSubnet: give two different subnets of the same size, such as the /30 (or /126) right after the primary one"
    )]
    SubnetOverlap,
    #[error(
        "secondaryPeerSubnet must be the same address family (IPv4 or IPv6) as primaryPeerSubnet"
    )]
    SubnetFamilies,
    #[error(
        "primaryPeerSubnet must give the network address, and its network {network} is the secondary subnet already: give two different subnets of the same size"
    )]
    PrimaryOnSecondary { network: String },
    #[error(
        "{field} must be a whole number from 1 to 4094 (2 to 4093 works with every provider); got {got}"
    )]
    Vlan { field: &'static str, got: String },
    #[error(
        "vlanId {vlan} is already used by the {} peering of this connection; each peering needs its own VLAN",
        .other.label()
    )]
    VlanInUse { vlan: u64, other: PeeringType },
    #[error(
        "{field} {got} {} peering of this connection; each peering needs its own subnets",
        taken_by(.got, .theirs, *.other)
    )]
    SubnetInUse {
        field: &'static str,
        got: String,
        theirs: String,
        other: PeeringType,
    },
    #[error("sharedKey must be 1 to 25 letters or digits (A-Z, a-z, 0-9), or left empty for none")]
    SharedKey,
    #[error(
        "sharedKey must be left out with keepSharedKey: give a new shared key, or keep the current one, not both"
    )]
    SharedKeyAndKeep,
    #[error(
        "{field} applies to Microsoft peering only; leave it empty for {} peering",
        .peering.label()
    )]
    MicrosoftOnly {
        field: &'static str,
        peering: PeeringType,
    },
    #[error(
        "advertisedPublicPrefixes is required for Microsoft peering: 1 to 200 public IPv4 or IPv6 prefixes"
    )]
    PrefixesRequired,
    #[error("advertisedPublicPrefixes takes at most 200 prefixes; got {count}")]
    TooManyPrefixes { count: usize },
    #[error(
        "advertisedPublicPrefixes entry {index} must be an IP prefix with its network address, such as {}; got {got}",
        prefix_example(.got)
    )]
    Prefix { index: usize, got: String },
    #[error(
        "advertisedPublicPrefixes entry {index} must be in public address space for Microsoft peering; {got} is private or reserved"
    )]
    PrefixNotPublic { index: usize, got: String },
    #[error("advertisedPublicPrefixes entry {index} must give the network address: use {network}")]
    PrefixNotNetwork { index: usize, network: String },
    #[error(
        "advertisedPublicPrefixes entry {index} ({got}) is a default route: advertise your own public prefixes instead"
    )]
    PrefixDefaultRoute { index: usize, got: String },
    #[error("advertisedPublicPrefixes entry {index} ({got}) is listed twice")]
    PrefixDuplicate { index: usize, got: String },
    /// More than one entry refused: the first few said, each as alone (the field named once,
    /// before the first), and how many more.
    #[error(
        "{}{}",
        prefix_entries_said(.first),
        match .more { 0 => String::new(), 1 => ". 1 more entry needs fixing too".to_owned(), n => format!(". {n} more entries need fixing too") }
    )]
    PrefixEntries {
        first: Vec<ValidationError>,
        more: usize,
    },
    #[error(
        "advertisedPublicPrefixes must include at least one {family} prefix: the BGP sessions run over the {family} subnets, and a prefix of the other family is not advertised over them"
    )]
    PrefixFamily { family: &'static str },
    #[error(
        "routingRegistryName must be one of AFRINIC, ALTDB, APNIC, ARIN, LACNIC, LEVEL3, RADB, RIPENCC; got {got}"
    )]
    RoutingRegistry { got: String },
    #[error(
        "portIds entry {index} must be a port's id: exactly 24 lowercase hexadecimal characters (0-9, a-f)"
    )]
    PortId { index: usize },
    #[error("portIds needs 1 or 2 ports; got {count}")]
    PortCount { count: usize },
    #[error("portIds lists the same port twice; choose two different ports or one")]
    PortDuplicate,
    #[error(
        "speedMbps must be {}one of 50, 100, 200, 500, 1000, 2000, 5000, 10000 (Mbps); got {got}",
        if .got.contains('.') { "a whole number, " } else { "" }
    )]
    Speed { got: String },
    #[error(
        "speedMbps {speed} is above the circuit's bandwidth of {bandwidth} Mbps; choose {bandwidth} Mbps or less"
    )]
    SpeedAboveBandwidth { speed: u64, bandwidth: u64 },
    #[error("paymentType must be one of payg, invoice, plan, creditcard; got {got}")]
    PaymentType { got: String },
    #[error("classOfService must be one of BRONZE, SILVER, GOLD, or left out; got {got}")]
    ClassOfService { got: String },
    #[error("confirmName must be the connection's name, in the same case; it did not match")]
    ConfirmName,
    #[error(
        "confirmName must be the connection's name, in the same case; it differs from it only in case"
    )]
    ConfirmNameCase,
    #[error("to must be later than from")]
    TimeRange,
    /// Both bounds the same time (the same date given twice, say): `to` is not included.
    #[error("to must be later than from; to is not included, so one day runs to the next day")]
    TimeRangeEmpty,
}

impl ValidationError {
    /// The JSON name of the field the error belongs under.
    pub fn field(&self) -> &'static str {
        use ValidationError::*;
        match self {
            Required { field }
            | ObjectId { field }
            | ServiceKey { field }
            | ServiceKeySpaced { field }
            | Length { field, .. }
            | NotPrintable { field }
            | NothingVisible { field }
            | Asn { field, .. }
            | AsnReserved { field, .. }
            | AsnMicrosoft { field }
            | SubnetSyntax { field, .. }
            | SubnetLength { field, .. }
            | SubnetNotNetwork { field, .. }
            | SubnetNotPrivate { field }
            | NotPublic { field, .. }
            | Vlan { field, .. }
            | SubnetInUse { field, .. }
            | MicrosoftOnly { field, .. } => field,
            PrimaryOnSecondary { .. } => "primaryPeerSubnet",
            SubnetOverlap | SubnetFamilies => "secondaryPeerSubnet",
            VlanInUse { .. } => "vlanId",
            SharedKey | SharedKeyAndKeep => "sharedKey",
            PrefixesRequired
            | TooManyPrefixes { .. }
            | Prefix { .. }
            | PrefixNotPublic { .. }
            | PrefixNotNetwork { .. }
            | PrefixDefaultRoute { .. }
            | PrefixDuplicate { .. }
            | PrefixEntries { .. }
            | PrefixFamily { .. } => "advertisedPublicPrefixes",
            RoutingRegistry { .. } => "routingRegistryName",
            PortId { .. } | PortCount { .. } | PortDuplicate => "portIds",
            Speed { .. } | SpeedAboveBandwidth { .. } => "speedMbps",
            PaymentType { .. } => "paymentType",
            ClassOfService { .. } => "classOfService",
            ConfirmName | ConfirmNameCase => "confirmName",
            ApiKeySpaced => "apiKey",
            TimeRange | TimeRangeEmpty => "to",
        }
    }
}

/// How the forms label their fields where a difference does not show them so (the rest are
/// in [`crate::diff::FIELDS`]).
const FORM_LABELS: [(&str, &str); 11] = [
    ("name", "Connection name"),
    ("apiKey", "API key"),
    ("serviceKey", "Azure service key"),
    ("portIds", "Ports"),
    ("paymentType", "Payment type"),
    ("classOfService", "Class of service"),
    ("confirmName", "The name you typed"),
    ("reason", "Reason"),
    ("ticket", "Ticket"),
    ("from", "From"),
    ("to", "To"),
];

/// The messages a page says in other words: those that name a second field, the typed
/// confirmation (under the input that asks for it, which shows the name), and the prefixes
/// Microsoft peering needs (a plural label).
const SAID_AS_A_WHOLE: [(ValidationError, &str); 9] = [
    (
        ValidationError::Required {
            field: "confirmName",
        },
        "Required: type the connection's name as shown above",
    ),
    (
        ValidationError::ConfirmName,
        "This is not the connection's name: type it as shown above",
    ),
    (
        ValidationError::ConfirmNameCase,
        "This differs from the connection's name only in case: type it as shown above, in the same case",
    ),
    (
        ValidationError::PrefixesRequired,
        "Advertised public prefixes are required for Microsoft peering",
    ),
    (
        ValidationError::SubnetOverlap,
        "Secondary subnet must not overlap the primary subnet: give another of the same size, such as the /30 (or /126) right after it",
    ),
    (
        ValidationError::SubnetFamilies,
        "Secondary subnet must be the same address family (IPv4 or IPv6) as the primary subnet",
    ),
    (
        ValidationError::SharedKeyAndKeep,
        "Shared key must be left empty to keep the current key: give a new shared key, or keep the current one, not both",
    ),
    (ValidationError::TimeRange, "To must be later than From"),
    (
        ValidationError::TimeRangeEmpty,
        "To must be later than From; To is not included, so one day runs to the next day",
    ),
];

/// A field's message as a page shows it, under an input with a label: the API's name of the
/// field that begins the message becomes the form's label (`peerASN must be…` → `Peer ASN must
/// be…`). Only that first word is read, never the rest, where a message quotes what was typed; a
/// message that names two fields, or asks for the confirmation, is replaced whole. A field left
/// empty is only said to be required: what it takes is in the help the form shows beside it.
/// Any other message comes back as it is.
pub fn for_people(message: &str) -> String {
    if let Some((_, said)) = SAID_AS_A_WHOLE
        .iter()
        .find(|(e, _)| e.to_string() == message)
    {
        return (*said).to_owned();
    }
    let (first, rest) = message.split_once(' ').unwrap_or((message, ""));
    let rest = if message == required(first) {
        "is required"
    } else {
        rest
    };
    // `portIds: London 1 cannot be used: …` → `Source ports: London 1 cannot be used: …`.
    let (name, colon) = match first.strip_suffix(':') {
        Some(name) => (name, ":"),
        None => (first, ""),
    };
    let label = FORM_LABELS
        .iter()
        .find(|(f, _)| *f == name)
        .map(|(_, label)| *label)
        .or_else(|| crate::diff::field_label(name));
    match label {
        Some(label) if !rest.is_empty() => format!("{label}{colon} {rest}"),
        _ => message.to_owned(),
    }
}

/// What a field takes, by its JSON name, for the message that says it is missing: the fields a
/// request must carry. (Microsoft's advertised prefixes have a message of their own; an optional
/// field is never missing.)
const TAKES: [(&str, &str); 14] = [
    ("apiKey", "paste the API key Console Connect issued you"),
    (
        "serviceKey",
        "the circuit's service key from the Azure portal, a GUID of 8-4-4-4-12 hexadecimal digits",
    ),
    ("name", "1 to 64 characters"),
    ("portIds", "1 or 2 of your company's port ids"),
    (
        "speedMbps",
        "one of 50, 100, 200, 500, 1000, 2000, 5000, 10000 (Mbps)",
    ),
    ("paymentType", "one of payg, invoice, plan, creditcard"),
    ("reason", "1 to 500 characters saying why"),
    (
        "peerASN",
        "a whole number from 1 to 4294967295, not 12076 (Microsoft's) or 65515 to 65520",
    ),
    (
        "primaryPeerSubnet",
        "an IPv4 /30 or IPv6 /126 prefix, written as its network address/length",
    ),
    (
        "secondaryPeerSubnet",
        "an IPv4 /30 or IPv6 /126 prefix, written as its network address/length",
    ),
    ("vlanId", "a whole number from 1 to 4094"),
    (
        "confirmName",
        "type the connection's name, in the same case",
    ),
    (
        "company",
        "one of your companies, by its username, id or name",
    ),
    (
        "config",
        "an object of the peering's peerASN, primaryPeerSubnet, secondaryPeerSubnet, vlanId and, for Microsoft, advertisedPublicPrefixes",
    ),
];

/// The message for a field left out, empty or null: it is required, and what it takes where
/// the field is one a request carries (`vlanId is required: a whole number from 1 to 4094`).
pub fn required(field: &str) -> String {
    match TAKES.iter().find(|(f, _)| *f == field) {
        Some((_, takes)) => format!("{field} is required: {takes}"),
        None => format!("{field} is required"),
    }
}

/// A validation failure as it travels in JSON: field name and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl From<ValidationError> for FieldError {
    fn from(e: ValidationError) -> Self {
        FieldError {
            field: e.field().to_owned(),
            message: e.to_string(),
        }
    }
}

/// Collects every error of a form instead of stopping at the first.
#[derive(Debug, Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn check<T>(&mut self, r: Result<T, ValidationError>) -> Option<T> {
        r.map_err(|e| self.0.push(e.into())).ok()
    }

    fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Shortens user input for a message, never splitting a character.
fn echo(raw: &str) -> String {
    let mut out: String = raw.chars().take(ECHO_LIMIT).collect();
    if raw.chars().count() > ECHO_LIMIT {
        out.push('…');
    }
    format!("{out:?}")
}

/// `^[0-9a-f]{24}$`: a Console Connect object id; nothing else ever reaches a URL.
pub fn object_id(field: &'static str, raw: &str) -> Result<(), ValidationError> {
    if raw.len() == 24 && raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        Ok(())
    } else {
        Err(ValidationError::ObjectId { field })
    }
}

/// Whether `raw` is a GUID in 8-4-4-4-12 hexadecimal form.
pub fn is_guid(raw: &str) -> bool {
    let groups: Vec<&str> = raw.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether two service keys as typed are one key: a GUID is the same in either case, and the
/// spaces around a pasted key are no part of it. A key verified and then typed again in
/// capitals is still the key verified.
pub fn same_service_key(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// An Azure ExpressRoute service key (a GUID).
pub fn service_key(raw: &str) -> Result<(), ValidationError> {
    let field = "serviceKey";
    if raw.trim().is_empty() {
        return Err(ValidationError::Required { field });
    }
    if is_guid(raw.trim()) {
        return Ok(());
    }
    // A key that is one once what cannot be seen in it is taken out: say what is in the way.
    let seen: String = raw
        .chars()
        .filter(|c| shows(*c) && !(c.is_control() || hides_text(*c)))
        .collect();
    if is_guid(&seen) {
        Err(ValidationError::ServiceKeySpaced { field })
    } else {
        Err(ValidationError::ServiceKey { field })
    }
}

/// A Console Connect API key as pasted: one line of at most 512 printable characters.
pub fn api_key(raw: &str) -> Result<(), ValidationError> {
    let key = raw.trim();
    // A space, a direction mark, a zero-width or byte-order mark inside: never part of a key,
    // so said here rather than sent to Console Connect to be refused as a wrong key. (A control
    // character, a line break say, is said as text that is not one printable line.)
    let spaced =
        !key.chars().any(char::is_control) && key.chars().any(|c| !shows(c) || hides_text(c));
    match text("apiKey", raw, MAX_API_KEY_CHARS) {
        Ok(()) | Err(ValidationError::NotPrintable { .. }) if spaced => {
            Err(ValidationError::ApiKeySpaced)
        }
        checked => checked,
    }
}

/// Free text of 1..=max printable characters (after trimming).
pub fn text(field: &'static str, raw: &str, max: usize) -> Result<(), ValidationError> {
    let trimmed = raw.trim();
    // Counted as seen: a letter and its combining accent are one character.
    let len = composed(trimmed).chars().count();
    if len == 0 {
        return Err(ValidationError::Required { field });
    }
    if len > max {
        return Err(ValidationError::Length { field, len, max });
    }
    if !printable(trimmed) {
        return Err(ValidationError::NotPrintable { field });
    }
    if !trimmed.chars().any(shows) {
        return Err(ValidationError::NothingVisible { field });
    }
    Ok(())
}

/// Whether a character allowed in text shows something by itself: not a space, nor a joiner,
/// direction mark, variation selector or blank that only takes part in the text around it.
fn shows(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '\u{2800}' | '\u{E0000}'..='\u{E0FFF}') || invisible_mark(c))
}

/// Whether `text` has no control characters, line or paragraph separators, or characters that
/// hide text (see [`hides_text`]). Tag characters are allowed only where they spell the
/// subdivision of a flag emoji: right after U+1F3F4 (the black flag), one to
/// [`MAX_FLAG_TAGS`] tag digits or small letters closed by the cancel tag. Anywhere else, or
/// spelling anything else (capitals, spaces, words), they are invisible text.
fn printable(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_control() || hides_text(c) {
            return false;
        }
        if c == '\u{1F3F4}' && chars.peek().is_some_and(|t| hides_text(*t)) {
            let mut spelt = 0;
            loop {
                match chars.next() {
                    Some('\u{E007F}') if spelt > 0 => break,
                    Some('\u{E0030}'..='\u{E0039}' | '\u{E0061}'..='\u{E007A}')
                        if spelt < MAX_FLAG_TAGS =>
                    {
                        spelt += 1
                    }
                    _ => return false,
                }
            }
        }
    }
    true
}

/// Most tag characters a subdivision flag spells: a region's two letters and a subdivision's
/// code of up to four (Unicode's `gbeng`, `gbsct`, `gbwls` and the like).
const MAX_FLAG_TAGS: usize = 6;

/// Characters that show nothing themselves but change how the text around them reads or hide
/// text in it: the explicit direction embeddings, overrides and isolates (which can make a
/// reason or a name read differently from what it says), the line and paragraph separators,
/// zero-width and invisible characters (space, word joiner, invisible operators, soft hyphen,
/// grapheme joiner, fillers, the byte-order mark, annotation marks, the shorthand and musical
/// format controls), the tag characters and the rest of Unicode's default-ignorable code points
/// that are not yet assigned. The joiners, variation selectors and direction marks that scripts and emoji need are allowed.
fn hides_text(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E00FF}'
            | '\u{E01F0}'..='\u{E0FFF}'
    )
}

/// A connection name: 1–64 printable characters.
pub fn connection_name(raw: &str) -> Result<(), ValidationError> {
    text("name", raw, MAX_NAME_CHARS)
}

/// The reason for a change: required, 1–500 characters.
pub fn reason(raw: &str) -> Result<(), ValidationError> {
    text("reason", raw, MAX_REASON_CHARS)
}

/// An optional ticket reference: empty, or 1–64 printable characters.
pub fn ticket(raw: Option<&str>) -> Result<(), ValidationError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(()),
        Some(t) => text("ticket", t, MAX_TICKET_CHARS),
    }
}

/// An ASN as a number: 1–4294967295 and not one Microsoft reserves.
pub fn asn(field: &'static str, value: u64) -> Result<u64, ValidationError> {
    if value == 0 || value > MAX_ASN {
        return Err(ValidationError::Asn {
            field,
            got: value.to_string(),
        });
    }
    if RESERVED_ASNS.contains(&value) {
        return Err(ValidationError::AsnReserved { field, asn: value });
    }
    if value == u64::from(crate::router::MICROSOFT_ASN) {
        return Err(ValidationError::AsnMicrosoft { field });
    }
    Ok(value)
}

/// What is worth saying of an ASN the rules take ([`asn`]) but that names no network: a number
/// kept for another purpose, which a router is unlikely to be given as its own or its
/// neighbour's. Console Connect takes them, so the portal says so beside the field rather than
/// refuse; a private ASN (64512 to 65534, 4200000000 to 4294967294) is a network's and says
/// nothing.
pub fn asn_note(asn: u64) -> Option<String> {
    let why = match asn {
        23_456 => {
            "is AS_TRANS, the stand-in a router without 4-byte AS numbers sees in place of one (RFC 6793)"
        }
        64_496..=64_511 | 65_536..=65_551 => "is kept for documentation and examples (RFC 5398)",
        65_535 | MAX_ASN => "is reserved, the last of its range (RFC 7300)",
        65_552..=131_071 => "is reserved by IANA and given to no network",
        _ => return None,
    };
    Some(format!(
        "AS {asn} {why}: no network's own, so check this is the ASN your router uses."
    ))
}

/// For an ASN typed in asdot notation (`1.5`, `AS1.5`, `0.5` as asdot+ writes every ASN: the
/// high and low 16 bits), the number
/// it is, which the field takes: not converted unasked, as a slip (`65010.5`) would read as
/// another AS. Only text typed (quoted, see `echo`) is read so: a JSON number with a fraction
/// is a fraction.
fn asdot_hint(got: &str) -> String {
    let Some(t) = got
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map(str::trim)
    else {
        return String::new();
    };
    let t = t
        .strip_prefix("AS")
        .or_else(|| t.strip_prefix("as"))
        .or_else(|| t.strip_prefix("As"))
        .unwrap_or(t);
    let half = |s: &str| {
        (!s.is_empty() && s.len() <= 5 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
            .filter(|n| *n <= 0xFFFF)
    };
    match t.split_once('.').map(|(h, l)| (half(h), half(l))) {
        Some((Some(high), Some(low))) => format!(
            " (asdot {high}.{low} is written {} here)",
            u64::from(high) * 65_536 + u64::from(low)
        ),
        _ => String::new(),
    }
}

/// An ASN as typed in a form: digits, optionally prefixed with `AS`.
pub fn parse_asn(field: &'static str, raw: &str) -> Result<u64, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ValidationError::Required { field });
    }
    let digits = t
        .strip_prefix("AS")
        .or_else(|| t.strip_prefix("as"))
        .or_else(|| t.strip_prefix("As"))
        .unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::Asn {
            field,
            got: echo(t),
        });
    }
    match digits.parse::<u64>() {
        Ok(v) => asn(field, v),
        Err(_) => Err(ValidationError::Asn {
            field,
            got: echo(t),
        }),
    }
}

/// A VLAN id: 1–4094.
pub fn vlan(field: &'static str, value: u64) -> Result<u64, ValidationError> {
    if (1..=4094).contains(&value) {
        Ok(value)
    } else {
        Err(ValidationError::Vlan {
            field,
            got: value.to_string(),
        })
    }
}

/// A VLAN id as typed in a form.
pub fn parse_vlan(field: &'static str, raw: &str) -> Result<u64, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ValidationError::Required { field });
    }
    match t.parse::<u64>() {
        Ok(v) if t.bytes().all(|b| b.is_ascii_digit()) => vlan(field, v),
        _ => Err(ValidationError::Vlan {
            field,
            got: echo(t),
        }),
    }
}

/// The optional BGP MD5 key: 1–25 letters or digits. Never echoed.
pub fn shared_key(raw: Option<&str>) -> Result<(), ValidationError> {
    match raw {
        None | Some("") => Ok(()),
        Some(k)
            if k.chars().count() <= MAX_SHARED_KEY_CHARS
                && k.chars().all(|c| c.is_ascii_alphanumeric()) =>
        {
            Ok(())
        }
        Some(_) => Err(ValidationError::SharedKey),
    }
}

fn non_public_nets() -> &'static [IpNet] {
    static NETS: OnceLock<Vec<IpNet>> = OnceLock::new();
    NETS.get_or_init(|| {
        [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.0.0.0/24",
            "192.88.99.0/24",
            "192.168.0.0/16",
            "198.18.0.0/15",
            "224.0.0.0/4",
            "240.0.0.0/4",
            "::/128",
            "::1/128",
            "::ffff:0:0/96",
            // NAT64's translated IPv4 (well-known and local-use), discard-only, Teredo, 6to4:
            // addresses standing for others, never a network of one's own.
            "64:ff9b::/96",
            "64:ff9b:1::/48",
            "100::/64",
            "2001::/32",
            "2002::/16",
            "fc00::/7",
            "fe80::/10",
            "ff00::/8",
        ]
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect()
    })
}

fn private_nets() -> &'static [IpNet] {
    static NETS: OnceLock<Vec<IpNet>> = OnceLock::new();
    NETS.get_or_init(|| {
        ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    })
}

/// How a subnet of the `other` peering is said to be taken: the same one is used by it,
/// another overlaps one of its subnets.
fn taken_by(got: &str, theirs: &str, other: PeeringType) -> String {
    if got == theirs {
        format!("is already used by the {}", other.label())
    } else {
        format!("overlaps {theirs}, a subnet of the {}", other.label())
    }
}

fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// A well-formed prefix of the family `got` seems to be written in, for a message about it.
fn prefix_example(got: &str) -> &'static str {
    if got.contains(':') {
        "2001:db8:100::/48"
    } else {
        "203.0.113.0/24 (IPv4 in decimal, no leading zeros)"
    }
}

/// Whether a prefix lies wholly outside private, shared, loopback, link-local, multicast and
/// reserved space. Documentation ranges (such as 203.0.113.0/24) count as public so examples work.
/// An IPv6 prefix is public only inside the global unicast space, 2000::/3: the rest of IPv6 is
/// special-purpose (site-local, IPv4-compatible) or not allocated at all.
pub fn is_public(net: &IpNet) -> bool {
    let global = match net {
        IpNet::V4(_) => true,
        IpNet::V6(v6) => v6.network().segments()[0] & 0xe000 == 0x2000,
    };
    global && !non_public_nets().iter().any(|np| overlaps(np, net))
}

/// Whether a prefix lies wholly inside one RFC 1918 range (or IPv6 unique-local space).
pub fn is_private(net: &IpNet) -> bool {
    private_nets().iter().any(|p| p.contains(net))
}

/// A prefix written with its network address; `field` names where it came from.
fn network_prefix(field: &'static str, raw: &str) -> Result<IpNet, ValidationError> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ValidationError::Required { field });
    }
    prefix(t).ok_or_else(|| ValidationError::SubnetSyntax {
        field,
        got: echo(t),
    })
}

/// An IP prefix as written, `address/length`. Unlike `ipnet`'s own parser, an IPv4 octet with
/// a leading zero is refused (as the standard library's address parser does): `010.1.0.0`
/// reads as 8.1.0.0 to tools that take such octets as octal.
pub fn prefix(raw: &str) -> Option<IpNet> {
    let net: IpNet = raw.parse().ok()?;
    let (addr, _) = raw.split_once('/')?;
    addr.parse::<IpAddr>().ok()?;
    Some(net)
}

/// A prefix in its usual written form (IPv6 in lower case and shortened), or the text as it was
/// if it is not one, for the validation to say so.
pub fn canonical_prefix(raw: &str) -> String {
    let t = raw.trim();
    prefix(t).map_or_else(|| t.to_owned(), |net| net.to_string())
}

/// One peer subnet: an IPv4 /30 or IPv6 /126, its network address, in the right address space.
pub fn peer_subnet(
    field: &'static str,
    raw: &str,
    peering: PeeringType,
) -> Result<IpNet, ValidationError> {
    let net = network_prefix(field, raw)?;
    let wanted = match net {
        IpNet::V4(_) => 30,
        IpNet::V6(_) => 126,
    };
    if net.prefix_len() != wanted {
        return Err(ValidationError::SubnetLength {
            field,
            len: net.prefix_len(),
        });
    }
    // The address space first, of the network the prefix is in: the network address the next
    // check suggests is then one this peering takes.
    if peering.needs_private_subnets() {
        if !is_private(&net.trunc()) {
            return Err(ValidationError::SubnetNotPrivate { field });
        }
    } else if !is_public(&net.trunc()) {
        return Err(ValidationError::NotPublic {
            field,
            peering,
            got: net.to_string(),
        });
    }
    if net.addr() != net.network() {
        return Err(ValidationError::SubnetNotNetwork {
            field,
            network: net.trunc().to_string(),
        });
    }
    Ok(net)
}

/// Both peer subnets of a `peering` peering (see [`peer_subnets`]), each also clear of the
/// subnets of the connection's other peerings.
pub fn peer_subnets_among(
    primary: &str,
    secondary: &str,
    peering: PeeringType,
    others: &[OtherPeering],
) -> Vec<Result<IpNet, ValidationError>> {
    let fields = ["primaryPeerSubnet", "secondaryPeerSubnet"];
    fields
        .into_iter()
        .zip([primary, secondary])
        .zip(peer_subnets(primary, secondary, peering))
        .map(|((field, raw), r)| {
            // A subnet off its network address is checked as the network it would be told to
            // use: one another peering has is said to be taken, not suggested.
            let net = match &r {
                Ok(net) => *net,
                Err(ValidationError::SubnetNotNetwork { network, .. }) => match prefix(network) {
                    Some(net) => net,
                    None => return r,
                },
                Err(_) => return r,
            };
            for other in others.iter().filter(|o| o.peering_type != peering) {
                for theirs in other.subnets.iter().filter_map(|s| prefix(s.trim())) {
                    if overlaps(&net, &theirs) {
                        return Err(ValidationError::SubnetInUse {
                            field,
                            got: canonical_prefix(raw),
                            theirs: theirs.to_string(),
                            other: other.peering_type,
                        });
                    }
                }
            }
            r
        })
        .collect()
}

/// A VLAN for a `peering` peering that none of the connection's other peerings uses.
pub fn vlan_among(
    v: u64,
    peering: PeeringType,
    others: &[OtherPeering],
) -> Result<u64, ValidationError> {
    match others
        .iter()
        .find(|o| o.peering_type != peering && o.vlan_id == Some(v))
    {
        Some(other) => Err(ValidationError::VlanInUse {
            vlan: v,
            other: other.peering_type,
        }),
        None => Ok(v),
    }
}

/// Both peer subnets, and that they do not overlap.
pub fn peer_subnets(
    primary: &str,
    secondary: &str,
    peering: PeeringType,
) -> Vec<Result<IpNet, ValidationError>> {
    let mut p = peer_subnet("primaryPeerSubnet", primary, peering);
    let mut s = peer_subnet("secondaryPeerSubnet", secondary, peering);
    // A subnet off its network address is checked as the network it would be told to use, so
    // that neither is told to use the other's. When they meet, the secondary gives way, unless
    // it is the one written right.
    let as_meant = |r: &Result<IpNet, ValidationError>| match r {
        Ok(net) => Some(*net),
        Err(ValidationError::SubnetNotNetwork { network, .. }) => prefix(network),
        Err(_) => None,
    };
    if let (Some(a), Some(b)) = (as_meant(&p), as_meant(&s)) {
        if std::mem::discriminant(&a) != std::mem::discriminant(&b) {
            s = Err(ValidationError::SubnetFamilies);
        } else if overlaps(&a, &b) {
            if p.is_err() && s.is_ok() {
                p = Err(ValidationError::PrimaryOnSecondary {
                    network: a.to_string(),
                });
            } else {
                s = Err(ValidationError::SubnetOverlap);
            }
        }
    }
    vec![p, s]
}

/// The addresses of a peer subnet: (your router, Microsoft's router), for helper text.
pub fn router_addresses(net: &IpNet) -> Option<(IpAddr, IpAddr)> {
    match net {
        IpNet::V4(n) => {
            let base = u32::from(n.network());
            let addr = |i: u32| base.checked_add(i).map(|a| IpAddr::V4(Ipv4Addr::from(a)));
            Some((addr(1)?, addr(2)?))
        }
        IpNet::V6(n) => {
            let base = u128::from(n.network());
            let addr = |i: u128| base.checked_add(i).map(|a| IpAddr::V6(Ipv6Addr::from(a)));
            Some((addr(1)?, addr(2)?))
        }
    }
}

/// The advertised public prefixes of a MICROSOFT peering: 1–200, public, network addresses, no
/// duplicates. `index` in messages counts from 1.
/// A MICROSOFT peering's prefixes for its sessions (the two peer subnets, once both are read):
/// sessions over IPv4 advertise IPv4 prefixes only (and IPv6 over IPv6), so a list with none of
/// theirs would leave a peering that advertises nothing.
pub fn prefix_family(prefixes: &[IpNet], sessions: &[IpNet]) -> Result<(), ValidationError> {
    let [session, _] = sessions else {
        return Ok(());
    };
    let v6 = matches!(session, IpNet::V6(_));
    if prefixes.iter().any(|p| matches!(p, IpNet::V6(_)) == v6) {
        Ok(())
    } else {
        Err(ValidationError::PrefixFamily {
            family: if v6 { "IPv6" } else { "IPv4" },
        })
    }
}

/// Every entry is checked: those refused are said together (the first
/// [`PREFIX_ERRORS_SAID`], and how many more), not one per attempt.
pub fn advertised_prefixes(prefixes: &[String]) -> Result<Vec<IpNet>, ValidationError> {
    if prefixes.is_empty() {
        return Err(ValidationError::PrefixesRequired);
    }
    if prefixes.len() > MAX_ADVERTISED_PREFIXES {
        return Err(ValidationError::TooManyPrefixes {
            count: prefixes.len(),
        });
    }
    let mut seen: Vec<IpNet> = Vec::with_capacity(prefixes.len());
    let mut refused = Vec::new();
    for (i, raw) in prefixes.iter().enumerate() {
        match advertised_prefix(i + 1, raw.trim(), &seen) {
            Ok(net) => seen.push(net),
            Err(e) => refused.push(e),
        }
    }
    match refused.len() {
        0 => Ok(seen),
        1 => Err(refused.remove(0)),
        n => Err(ValidationError::PrefixEntries {
            more: n.saturating_sub(PREFIX_ERRORS_SAID),
            first: {
                refused.truncate(PREFIX_ERRORS_SAID);
                refused
            },
        }),
    }
}

/// The refused entries of [`ValidationError::PrefixEntries`] in one message, a sentence each
/// (an entry's own message may hold a `;`): `advertisedPublicPrefixes entry 2 …. Entry 4 …`. A
/// rule said once is not said again for a later entry that breaks it too: `Entry 5 ("x") is
/// not an IP prefix either`.
fn prefix_entries_said(first: &[ValidationError]) -> String {
    use ValidationError::{Prefix, PrefixNotPublic};
    first
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let said_before = |same: fn(&ValidationError) -> bool| first[..i].iter().any(same);
            match e {
                Prefix { index, got } if said_before(|e| matches!(e, Prefix { .. })) => {
                    return format!("Entry {index} ({got}) is not an IP prefix either");
                }
                PrefixNotPublic { index, got }
                    if said_before(|e| matches!(e, PrefixNotPublic { .. })) =>
                {
                    return format!("Entry {index} ({got}) is not public either");
                }
                _ => {}
            }
            let said = e.to_string();
            match said.strip_prefix("advertisedPublicPrefixes entry ") {
                Some(rest) if i > 0 => format!("Entry {rest}"),
                _ => said,
            }
        })
        .collect::<Vec<_>>()
        .join(". ")
}

/// How many refused prefixes one message names.
pub const PREFIX_ERRORS_SAID: usize = 5;

/// Entry `index` of the advertised prefixes, given those before it that were read.
fn advertised_prefix(index: usize, t: &str, seen: &[IpNet]) -> Result<IpNet, ValidationError> {
    let net = prefix(t).ok_or_else(|| ValidationError::Prefix {
        index,
        got: echo(t),
    })?;
    if net.prefix_len() == 0 {
        return Err(ValidationError::PrefixDefaultRoute {
            index,
            got: net.to_string(),
        });
    }
    // The address space first, of the network the prefix is in: the network address the
    // next check suggests is then one that may be advertised.
    if !is_public(&net.trunc()) {
        return Err(ValidationError::PrefixNotPublic {
            index,
            got: net.to_string(),
        });
    }
    if net.addr() != net.network() {
        return Err(ValidationError::PrefixNotNetwork {
            index,
            network: net.trunc().to_string(),
        });
    }
    if seen.contains(&net) {
        return Err(ValidationError::PrefixDuplicate {
            index,
            got: net.to_string(),
        });
    }
    Ok(net)
}

/// Splits a form's text area of prefixes (commas, semicolons, spaces or new lines between
/// them, as lists are pasted from elsewhere).
pub fn split_prefixes(raw: &str) -> Vec<String> {
    raw.split(|c: char| matches!(c, ',' | ';') || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The prefixes of `prefixes` (as typed, see [`split_prefixes`]) of the other address family
/// than the peering's `subnet`: listed, but not advertised over its BGP sessions, which run over
/// the subnet's family. Empty while the subnet is not a prefix; an entry that breaks a rule of
/// its own (none, not public…) is left to that rule's message, not said twice.
pub fn prefixes_not_advertised(subnet: &str, prefixes: &str) -> Vec<String> {
    let Ok(subnet) = subnet.trim().parse::<IpNet>() else {
        return Vec::new();
    };
    let v6 = matches!(subnet, IpNet::V6(_));
    split_prefixes(prefixes)
        .into_iter()
        .filter(|p| advertised_prefix(1, p, &[]).is_ok_and(|p| matches!(p, IpNet::V6(_)) != v6))
        .collect()
}

/// A routing registry name (MICROSOFT peering), in any case: `ripencc` is `RIPENCC`.
pub fn routing_registry(raw: &str) -> Result<(), ValidationError> {
    match canonical_registry(raw) {
        Some(_) => Ok(()),
        None => Err(ValidationError::RoutingRegistry {
            got: echo(raw.trim()),
        }),
    }
}

/// The registry `raw` names, spelled as Console Connect spells it.
pub fn canonical_registry(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    ROUTING_REGISTRIES
        .iter()
        .copied()
        .find(|r| r.eq_ignore_ascii_case(t))
}

/// Another peering of the same connection, as a change to one is checked against it: each
/// peering needs its own VLAN and its own subnets (the routers give each its sub-interface).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherPeering {
    pub peering_type: PeeringType,
    pub vlan_id: Option<u64>,
    /// Its peer subnets as Console Connect has them; any that do not read are left out.
    pub subnets: Vec<String>,
}

impl OtherPeering {
    /// A peering configured as `config`.
    pub fn configured(peering_type: PeeringType, config: &PeeringConfig) -> Self {
        OtherPeering {
            peering_type,
            vlan_id: Some(config.vlan_id),
            subnets: vec![
                config.primary_peer_subnet.clone(),
                config.secondary_peer_subnet.clone(),
            ],
        }
    }

    /// A peering as Console Connect answers for it, which may leave fields out.
    pub fn of(peering_type: PeeringType, peering: &crate::upstream::Peering) -> Self {
        OtherPeering {
            peering_type,
            vlan_id: peering.vlan_id,
            subnets: [&peering.primary_peer_subnet, &peering.secondary_peer_subnet]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
        }
    }
}

/// A whole peering configuration for `peering`, including the uniqueness of its VLAN and
/// subnets against the other peerings of the same connection.
pub fn peering_config(
    peering: PeeringType,
    config: &PeeringConfig,
    others: &[OtherPeering],
) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::default();
    errors.check(asn("peerASN", config.peer_asn));
    let mut subnets = Vec::new();
    for r in peer_subnets_among(
        &config.primary_peer_subnet,
        &config.secondary_peer_subnet,
        peering,
        others,
    ) {
        subnets.extend(errors.check(r));
    }
    if let Some(v) = errors.check(vlan("vlanId", config.vlan_id)) {
        errors.check(vlan_among(v, peering, others));
    }
    errors.check(shared_key(config.shared_key.as_deref()));
    if peering == PeeringType::Microsoft {
        let prefixes = errors.check(advertised_prefixes(
            config
                .advertised_public_prefixes
                .as_deref()
                .unwrap_or_default(),
        ));
        if let Some(prefixes) = prefixes {
            errors.check(prefix_family(&prefixes, &subnets));
        }
        if let Some(c) = config.customer_asn {
            errors.check(asn("customerASN", c));
        }
        if let Some(r) = &config.routing_registry_name {
            errors.check(routing_registry(r));
        }
    } else {
        let microsoft_only = [
            (
                "advertisedPublicPrefixes",
                config
                    .advertised_public_prefixes
                    .as_ref()
                    .is_some_and(|p| !p.is_empty()),
            ),
            ("customerASN", config.customer_asn.is_some()),
            (
                "routingRegistryName",
                config.routing_registry_name.is_some(),
            ),
        ];
        for (field, present) in microsoft_only {
            if present {
                errors.check::<()>(Err(ValidationError::MicrosoftOnly { field, peering }));
            }
        }
    }
    errors.finish()
}

/// The source ports of a new connection: 1 or 2 distinct object ids.
pub fn source_ports(ids: &[String]) -> Result<(), ValidationError> {
    if ids.is_empty() || ids.len() > 2 {
        return Err(ValidationError::PortCount { count: ids.len() });
    }
    for (n, id) in ids.iter().enumerate() {
        object_id("portIds", id).map_err(|_| ValidationError::PortId { index: n + 1 })?;
    }
    if ids.len() == 2 && ids[0] == ids[1] {
        return Err(ValidationError::PortDuplicate);
    }
    Ok(())
}

/// A speed from the offered list, not above the circuit's bandwidth when that is known.
pub fn speed(speed: u64, bandwidth_mbps: Option<u64>) -> Result<(), ValidationError> {
    if !OFFERED_SPEEDS_MBPS.contains(&speed) {
        return Err(ValidationError::Speed {
            got: speed.to_string(),
        });
    }
    match bandwidth_mbps {
        Some(bandwidth) if speed > bandwidth => {
            Err(ValidationError::SpeedAboveBandwidth { speed, bandwidth })
        }
        _ => Ok(()),
    }
}

/// The rule a whole-number field of a request breaks with a JSON number that is no whole
/// number of 0 or more (negative, with a fraction or an exponent, too large), given as the
/// JSON reader holds it (`-5`, `1000.0` for `1e3`) and echoed as a number, as one the field's
/// type holds is (`peerASN must be a whole number from 1 to 4294967295; got -5`). `None` for a
/// field without such a rule.
pub fn number_field(field: &str, number: &str) -> Option<ValidationError> {
    let got = number.chars().take(ECHO_LIMIT).collect();
    match field {
        "peerASN" => Some(ValidationError::Asn {
            field: "peerASN",
            got,
        }),
        "customerASN" => Some(ValidationError::Asn {
            field: "customerASN",
            got,
        }),
        "vlanId" => Some(ValidationError::Vlan {
            field: "vlanId",
            got,
        }),
        "speedMbps" => Some(ValidationError::Speed { got }),
        _ => None,
    }
}

/// Speeds to offer for a circuit of the given bandwidth.
pub fn offered_speeds(bandwidth_mbps: Option<u64>) -> Vec<u64> {
    OFFERED_SPEEDS_MBPS
        .iter()
        .copied()
        .filter(|s| bandwidth_mbps.is_none_or(|b| *s <= b))
        .collect()
}

/// A payment type the portal knows how to send.
pub fn payment_type(p: &PaymentType) -> Result<(), ValidationError> {
    match p {
        PaymentType::Other(raw) => Err(ValidationError::PaymentType { got: echo(raw) }),
        _ => Ok(()),
    }
}

/// A class of service the portal knows how to send, when one is asked for.
pub fn class_of_service(c: Option<&ClassOfService>) -> Result<(), ValidationError> {
    match c {
        Some(ClassOfService::Other(raw)) => Err(ValidationError::ClassOfService { got: echo(raw) }),
        _ => Ok(()),
    }
}

/// `text` in Unicode's composed form (NFC): an accented letter written as the letter and a
/// combining mark (as text copied from some systems is) becomes the one character a keyboard
/// types, so two texts that look the same compare, and count, the same.
pub fn composed(text: &str) -> String {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfc().collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).normalize("NFC"))
    }
}

/// `text` in Unicode's decomposed form (NFD): an accented letter as its letter and a
/// combining mark.
pub(crate) fn decomposed(text: &str) -> String {
    #[cfg(not(target_arch = "wasm32"))]
    {
        use unicode_normalization::UnicodeNormalization;
        text.nfd().collect()
    }
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::JsString::from(text).normalize("NFD"))
    }
}

/// The order of names for people: by their letters whatever their case and accents (`Émile`
/// beside `Emile`), and numbers in them by value (`Port 2` before `Port 10`); two names alike
/// so keep the order of their text.
pub fn name_order(a: &str, b: &str) -> std::cmp::Ordering {
    name_key(a).cmp(&name_key(b)).then_with(|| a.cmp(b))
}

/// One piece of [`name_key`]: a number (its digits without leading zeros, shorter first, so by
/// value), before any letter, as a digit comes before a letter.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum NamePiece {
    Number(usize, String),
    Letter(char),
}

/// A name as a search matches it, the way [`name_order`] sees its letters: as it is seen (one
/// space between words), in lower case, without accents (`Émile DC` → `emile dc`).
pub fn name_folded(name: &str) -> String {
    unaccented_lower(&as_seen(name)).collect()
}

/// The letters of `text` in lower case without their accents: the combining marks an accented
/// Latin, Greek or Cyrillic letter decomposes into (U+0300 to U+036F).
fn unaccented_lower(text: &str) -> impl Iterator<Item = char> {
    decomposed(text)
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .collect::<Vec<_>>()
        .into_iter()
}

fn name_key(name: &str) -> Vec<NamePiece> {
    let mut chars = unaccented_lower(name).peekable();
    let mut key = Vec::new();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut digits = String::from(c);
            while let Some(d) = chars.next_if(char::is_ascii_digit) {
                digits.push(d);
            }
            let value = digits.trim_start_matches('0').to_owned();
            key.push(NamePiece::Number(value.len(), value));
        } else {
            key.push(NamePiece::Letter(c));
        }
    }
    key
}

/// The words of `text` as a person sees them: split at white space, without invisible marks,
/// composed (see [`composed`]).
fn seen(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().map(|word| {
        let visible: String = word.chars().filter(|c| !invisible_mark(*c)).collect();
        composed(&visible)
    })
}

/// The marks a name may hold that show nothing on a page: zero-width spaces and joiners,
/// direction marks and variation selectors (an emoji's, a script's).
fn invisible_mark(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{E0100}'..='\u{E01EF}'
    )
}

/// `text` as a page shows it: its words one space apart, without the invisible marks.
pub fn as_seen(text: &str) -> String {
    seen(text)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether two names are the same as people tell names apart on a page: in any case, one space
/// between words and none around them (see [`as_seen`]).
pub fn is_same_name(a: &str, b: &str) -> bool {
    as_seen(a).to_lowercase() == as_seen(b).to_lowercase()
}

/// A delete's typed confirmation shows something: the rule that needs no name to check.
pub fn confirmation_given(typed: &str) -> Result<(), ValidationError> {
    if seen(typed).all(|w| w.is_empty()) {
        Err(ValidationError::Required {
            field: "confirmName",
        })
    } else {
        Ok(())
    }
}

/// The typed confirmation of a destructive action: the connection's name, in the same case.
/// It is typed as it is seen, so what a page does not show is not asked for: how many spaces
/// there are between words (a page shows one), and the invisible marks a name may hold (zero
/// width joiners and spaces, direction marks).
pub fn confirmation(typed: &str, name: &str) -> Result<(), ValidationError> {
    confirmation_given(typed)?;
    let lower = |text| seen(text).map(|w| w.to_lowercase());
    if seen(name).any(|w| !w.is_empty()) && seen(typed).eq(seen(name)) {
        Ok(())
    } else if seen(name).any(|w| !w.is_empty()) && lower(typed).eq(lower(name)) {
        Err(ValidationError::ConfirmNameCase)
    } else {
        Err(ValidationError::ConfirmName)
    }
}

/// A time range of the audit history's filters: its end (`to`, not included) later than its
/// start (`from`). Both are UTC in the one fixed form the portal and browsers write (RFC 3339
/// with milliseconds and `Z`, as `Date.toISOString` gives), which sorts as text.
pub fn time_range(from: &str, to: &str) -> Result<(), ValidationError> {
    if to > from {
        Ok(())
    } else if to == from {
        Err(ValidationError::TimeRangeEmpty)
    } else {
        Err(ValidationError::TimeRange)
    }
}

/// A peering change keeps the shared key already configured (`keep`) or gives the one in
/// `config` (or none), not both.
pub fn shared_key_choice(config: &PeeringConfig, keep: bool) -> Result<(), ValidationError> {
    let new_key = config.shared_key.as_deref().is_some_and(|k| !k.is_empty());
    if keep && new_key {
        Err(ValidationError::SharedKeyAndKeep)
    } else {
        Ok(())
    }
}

/// A new connection request, before the upstream checks (key verified, ports usable).
pub fn create_connection(req: &crate::api::CreateConnectionRequest) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::default();
    errors.check(service_key(&req.service_key));
    errors.check(connection_name(&req.name));
    errors.check(source_ports(&req.port_ids));
    errors.check(speed(req.speed_mbps, None));
    errors.check(payment_type(&req.payment_type));
    errors.check(class_of_service(req.class_of_service.as_ref()));
    if let Some(r) = req.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        errors.check(reason(r));
    }
    errors.check(ticket(req.ticket.as_deref()));
    errors.finish()
}

/// A peering change: the config, a reason, an optional ticket.
pub fn peering_change(
    peering: PeeringType,
    req: &crate::api::PeeringChangeRequest,
    others: &[OtherPeering],
) -> Result<(), Vec<FieldError>> {
    let mut errors = match peering_config(peering, &req.config, others) {
        Ok(()) => Errors::default(),
        Err(e) => Errors(e),
    };
    errors.check(reason(&req.reason));
    errors.check(ticket(req.ticket.as_deref()));
    errors.finish()
}

/// The reason and ticket of a delete.
pub fn change_note(reason_text: &str, ticket_text: Option<&str>) -> Result<(), Vec<FieldError>> {
    let mut errors = Errors::default();
    errors.check(reason(reason_text));
    errors.check(ticket(ticket_text));
    errors.finish()
}

#[cfg(test)]
mod tests;
