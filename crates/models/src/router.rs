//! The customer side of a peering: what each of the customer's two routers needs (a VLAN
//! sub-interface with its address and a BGP session to Microsoft, with BFD where Microsoft runs
//! it), written out for Cisco IOS XE and Juniper Junos from the peering as configured.
//!
//! The shared key is a secret the portal never sends to the browser: when one is set the text
//! holds the placeholder [`SHARED_KEY_PLACEHOLDER`], as it holds [`INTERFACE_PLACEHOLDER`] for the
//! router's port, which the portal cannot know.

use crate::PeeringType;
use crate::api::{RouterConfigView, RouterText};
use crate::upstream::PeeringConfig;
use crate::validate::{self, ValidationError};
use ipnet::IpNet;
use std::fmt::Write;

/// Microsoft's side of every ExpressRoute BGP session.
pub const MICROSOFT_ASN: u32 = 12076;
pub const INTERFACE_PLACEHOLDER: &str = "<interface>";
pub const SHARED_KEY_PLACEHOLDER: &str = "<shared key>";
/// The BFD timers Microsoft's routers run on private and Microsoft peering: 300 ms, 3 missed.
pub const BFD_INTERVAL_MS: u32 = 300;
pub const BFD_MULTIPLIER: u32 = 3;

/// The router operating systems a configuration is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vendor {
    CiscoIosXe,
    Junos,
    /// Junos as `set` commands, one per statement.
    JunosSet,
}

impl Vendor {
    pub const ALL: [Vendor; 3] = [Self::CiscoIosXe, Self::Junos, Self::JunosSet];

    pub fn label(self) -> &'static str {
        match self {
            Self::CiscoIosXe => "Cisco IOS XE",
            Self::Junos => "Juniper Junos",
            Self::JunosSet => "Juniper Junos (set commands)",
        }
    }

    /// A short name for forms and addresses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CiscoIosXe => "ios-xe",
            Self::Junos => "junos",
            Self::JunosSet => "junos-set",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Which of the two redundant links (and so which of the customer's routers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Primary,
    Secondary,
}

impl Link {
    pub const ALL: [Link; 2] = [Self::Primary, Self::Secondary];

    pub fn label(self) -> &'static str {
        match self {
            Self::Primary => "Primary",
            Self::Secondary => "Secondary",
        }
    }

    /// `primary` or `secondary`, as the API names the link.
    pub fn word(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Secondary => "secondary",
        }
    }
}

/// The configuration of one link's router for a `t` peering as configured in `config`, with
/// the shared key as a placeholder when `shared_key_set`. `connection` (the connection's name)
/// goes into the descriptions. Refused, with the validator's message, when the link's subnet or
/// the advertised prefixes are not valid for the peering type: no text is guessed.
pub fn router_config(
    vendor: Vendor,
    t: PeeringType,
    config: &PeeringConfig,
    shared_key_set: bool,
    link: Link,
    connection: &str,
) -> Result<String, ValidationError> {
    written(vendor, t, config, shared_key_set, link, connection, &[])
}

/// As [`router_config`], the connection's other peerings' peer ASNs in `others`: the same
/// routers carry their sessions, and one router's BGP runs as one AS, which the text says
/// when they differ from this one's.
fn written(
    vendor: Vendor,
    t: PeeringType,
    config: &PeeringConfig,
    shared_key_set: bool,
    link: Link,
    connection: &str,
    others: &[(PeeringType, u64)],
) -> Result<String, ValidationError> {
    let (field, subnet) = match link {
        Link::Primary => ("primaryPeerSubnet", &config.primary_peer_subnet),
        Link::Secondary => ("secondaryPeerSubnet", &config.secondary_peer_subnet),
    };
    let net = validate::peer_subnet(field, subnet, t)?;
    validate::vlan("vlanId", config.vlan_id)?;
    validate::asn("peerASN", config.peer_asn)?;
    let prefixes = match t {
        PeeringType::Microsoft => validate::advertised_prefixes(
            config.advertised_public_prefixes.as_deref().unwrap_or(&[]),
        )?,
        _ => Vec::new(),
    };
    let (ours, microsoft) =
        validate::router_addresses(&net).ok_or(ValidationError::SubnetLength {
            field,
            len: net.prefix_len(),
        })?;
    let v6 = matches!(net, IpNet::V6(_));
    let (same, other): (Vec<IpNet>, Vec<IpNet>) = prefixes
        .into_iter()
        .partition(|p| matches!(p, IpNet::V6(_)) == v6);
    // Prefixes another AS is to originate are announced as learnt from it, not originated here.
    let originated_here = match (t, config.customer_asn) {
        (PeeringType::Microsoft, Some(customer)) => customer == config.peer_asn,
        _ => true,
    };
    let s = Session {
        t,
        link,
        vlan: config.vlan_id,
        asn: config.peer_asn,
        originated_here,
        key: shared_key_set,
        ours,
        microsoft,
        len: net.prefix_len(),
        v6,
        advertised: same,
        description: format!(
            "Azure ExpressRoute {}{} peering ({})",
            printable(connection),
            t.label(),
            link.word()
        ),
        name: format!("azure-{}-{}", t.as_wire().to_ascii_lowercase(), link.word()),
    };
    let mut out = String::with_capacity(1024);
    let comment = match vendor {
        Vendor::CiscoIosXe => "!",
        Vendor::Junos | Vendor::JunosSet => "#",
    };
    let mut note = |text: &str| {
        let _ = writeln!(out, "{comment} {text}");
    };
    note(&format!(
        "Azure ExpressRoute {} peering: {} link",
        t.label(),
        link.word()
    ));
    note(&format!(
        "Replace {INTERFACE_PLACEHOLDER} with this router's port towards Console Connect."
    ));
    if shared_key_set {
        note(&format!(
            "Replace {SHARED_KEY_PLACEHOLDER} with the peering's BGP shared key."
        ));
    }
    if !s.bfd() {
        note(&format!(
            "No BFD: Microsoft runs it on private and Microsoft peering only, so a failure on this {} session is noticed by BGP's hold timer alone.",
            t.label()
        ));
    }
    if !s.advertised.is_empty() {
        note("BGP announces an advertised prefix only while it is in the routing table.");
    } else if t != PeeringType::Microsoft {
        let filter = match vendor {
            // Its deny-all entry is numbered 1000 so that permits fit before it.
            Vendor::CiscoIosXe => {
                "to that filter, as permit entries numbered below 1000".to_owned()
            }
            // A term added later goes after `rest`, where it is never reached.
            Vendor::Junos | Vendor::JunosSet => format!(
                "to that policy, in a term put before its last (insert policy-options policy-statement {}-out term <name> before term rest)",
                s.name
            ),
        };
        note(&format!(
            "Announces none of your networks (its outbound filter lets nothing out): add those Azure is to reach over this session to BGP and {filter}."
        ));
    }
    if !other.is_empty() {
        let list: Vec<String> = other.iter().map(ToString::to_string).collect();
        note(&format!(
            "Not advertised over this {} session: {}",
            if v6 { "IPv6" } else { "IPv4" },
            list.join(", ")
        ));
    }
    for (other, asn) in others
        .iter()
        .filter(|(pt, asn)| *pt != t && *asn != config.peer_asn)
    {
        note(&format!(
            "This router's {} peering session is from AS {asn}, this one from AS {}: a router runs BGP as one AS, so give both peerings the same peer ASN or run this session with a local AS.",
            other.label(),
            config.peer_asn
        ));
    }
    if let (Some(customer), PeeringType::Microsoft) = (config.customer_asn, t) {
        note(&format!(
            "The advertised prefixes are registered to AS {customer}{}: Microsoft expects it as their origin.",
            // Only a registry the portal knows: the text is Console Connect's, and anything
            // else (a line break) could end the comment and write a line of configuration.
            config
                .routing_registry_name
                .as_deref()
                .and_then(crate::validate::canonical_registry)
                .map(|r| format!(" in {r}"))
                .unwrap_or_default()
        ));
        // Originated here, their origin would be this router's AS.
        if customer != config.peer_asn {
            let how = match vendor {
                Vendor::CiscoIosXe => "no network line originates them here",
                Vendor::Junos | Vendor::JunosSet => "originate none of them here",
            };
            note(&format!(
                "AS {customer} is to originate them: this router announces them as learnt from it ({how}; originated here, they would carry AS {}), and the outbound filter below lets out only them.",
                config.peer_asn
            ));
        }
    }
    // BGP names itself by a 32-bit router ID, which both OSes take from an IPv4 address of the
    // router's own: a session over IPv6 alone may find none.
    if v6 {
        let set = match vendor {
            Vendor::CiscoIosXe => "bgp router-id <a.b.c.d> under router bgp",
            Vendor::Junos | Vendor::JunosSet => "routing-options router-id <a.b.c.d>",
        };
        note(&format!(
            "BGP takes its router ID from an IPv4 address of the router: on a router without one, set {set}."
        ));
    }
    // Pasted over an earlier version, the text adds and changes but removes nothing.
    note(
        "Written for a router without this peering: where an earlier version of it is configured, remove what this text no longer sets (a prefix, a neighbour, a password).",
    );
    // Written as if BGP were not running yet: where it is, its AS stays.
    match vendor {
        Vendor::CiscoIosXe => note(&format!(
            "Where this router already runs BGP as another AS, enter its own router bgp instead and give the neighbour local-as {} no-prepend replace-as.",
            config.peer_asn
        )),
        Vendor::Junos | Vendor::JunosSet => note(&format!(
            "Where this router already runs BGP as another AS, leave routing-options out and give the group local-as {} private no-prepend-global-as instead.",
            config.peer_asn
        )),
    }
    match vendor {
        Vendor::CiscoIosXe => ios(&mut out, &s),
        Vendor::Junos => junos(&mut out, &s, false),
        Vendor::JunosSet => junos(&mut out, &s, true),
    }
    Ok(out)
}

/// Both routers' configuration as the API answers it: each link's text, or the validator's
/// message when that link's part of the peering cannot be written. `others` gives the peer
/// ASN of each of the connection's other peerings.
pub fn view(
    vendor: Vendor,
    t: PeeringType,
    config: &PeeringConfig,
    shared_key_set: bool,
    connection: &str,
    others: &[(PeeringType, u64)],
) -> RouterConfigView {
    let routers = Link::ALL
        .into_iter()
        .map(|link| {
            let written = written(vendor, t, config, shared_key_set, link, connection, others);
            RouterText {
                link: link.word().to_owned(),
                problem: written.as_ref().err().map(ToString::to_string),
                text: written.ok(),
            }
        })
        .collect();
    RouterConfigView {
        peering_type: t,
        vendor: vendor.as_str().to_owned(),
        routers,
    }
}

/// What every form of the text is written from.
struct Session {
    t: PeeringType,
    link: Link,
    vlan: u64,
    asn: u64,
    key: bool,
    ours: std::net::IpAddr,
    microsoft: std::net::IpAddr,
    len: u8,
    v6: bool,
    advertised: Vec<IpNet>,
    /// Whether this router originates the advertised prefixes (IOS XE's `network` lines); not
    /// when Microsoft peering names another AS as theirs.
    originated_here: bool,
    description: String,
    /// The name of the BGP group or prefix list: `azure-private-primary`.
    name: String,
}

impl Session {
    /// Microsoft runs BFD on private and Microsoft peering (not on the retired public peering).
    fn bfd(&self) -> bool {
        self.t != PeeringType::Public
    }
}

/// A connection name fit for a description line: printable ASCII only, an accented letter as
/// its letter (`Zürich` as `Zurich`), no double quote or backslash (Junos reads them inside its
/// quotes; they become `'` and `/`), and a separating space when there is one.
fn printable(name: &str) -> String {
    let clean: String = validate::decomposed(name)
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .map(|c| match c {
            '"' => '\'',
            '\\' => '/',
            c => c,
        })
        .take(validate::MAX_NAME_CHARS)
        .collect();
    // One space between words, as the name is seen, also where a character left out stood.
    let clean = validate::as_seen(&clean);
    if clean.is_empty() {
        String::new()
    } else {
        format!("{clean} ")
    }
}

/// The connection as the descriptions name it: its name where any of it can be written there
/// (printable ASCII), else its id, so that connections named in other scripts still differ.
pub fn connection_label(name: &str, id: &str) -> String {
    if printable(name).is_empty() {
        format!("connection {id}")
    } else {
        name.to_owned()
    }
}

fn ios(out: &mut String, s: &Session) {
    let (m, vlan, asn, ours) = (s.microsoft, s.vlan, s.asn, s.ours);
    let list = s.name.to_ascii_uppercase() + "-OUT";
    if s.v6 {
        // Off by default on IOS XE: without it the router neither routes IPv6 nor runs BFD
        // over it.
        let _ = writeln!(out, "ipv6 unicast-routing");
        let _ = writeln!(out, "!");
    }
    let _ = writeln!(out, "interface {INTERFACE_PLACEHOLDER}.{vlan}");
    let _ = writeln!(out, " description {}", s.description);
    let _ = writeln!(out, " encapsulation dot1Q {vlan}");
    if s.v6 {
        let _ = writeln!(out, " ipv6 address {ours}/{}", s.len);
    } else {
        let _ = writeln!(out, " ip address {ours} 255.255.255.252");
    }
    if s.bfd() {
        let _ = writeln!(
            out,
            " bfd interval {BFD_INTERVAL_MS} min_rx {BFD_INTERVAL_MS} multiplier {BFD_MULTIPLIER}"
        );
    }
    let _ = writeln!(out, "!");
    let family = if s.v6 { "ipv6" } else { "ipv4" };
    // The session's outbound filter: without one the router would announce every route it has
    // in BGP, those it learns from Microsoft over its other peerings too.
    let keyword = if s.v6 { "ipv6" } else { "ip" };
    if s.advertised.is_empty() {
        let everything = if s.v6 {
            "::/0 le 128"
        } else {
            "0.0.0.0/0 le 32"
        };
        let _ = writeln!(
            out,
            "{keyword} prefix-list {list} seq 1000 deny {everything}"
        );
    }
    for (i, p) in s.advertised.iter().enumerate() {
        let _ = writeln!(
            out,
            "{keyword} prefix-list {list} seq {} permit {p}",
            (i + 1) * 5
        );
    }
    let _ = writeln!(out, "!");
    let _ = writeln!(out, "router bgp {asn}");
    let _ = writeln!(out, " neighbor {m} remote-as {MICROSOFT_ASN}");
    let _ = writeln!(
        out,
        " neighbor {m} description Microsoft ({})",
        s.link.word()
    );
    if s.key {
        // Type 0 (unencrypted) said, so a key that starts with a digit is not read as a type.
        let _ = writeln!(out, " neighbor {m} password 0 {SHARED_KEY_PLACEHOLDER}");
    }
    if s.bfd() {
        let _ = writeln!(out, " neighbor {m} fall-over bfd");
    }
    let _ = writeln!(out, " !");
    if s.v6 {
        // IOS XE activates every neighbour in IPv4 unicast unless told otherwise; this one
        // carries IPv6 only.
        let _ = writeln!(out, " address-family ipv4");
        let _ = writeln!(out, "  no neighbor {m} activate");
        let _ = writeln!(out, " exit-address-family");
        let _ = writeln!(out, " !");
    }
    let _ = writeln!(out, " address-family {family}");
    for p in s.advertised.iter().filter(|_| s.originated_here) {
        match p {
            IpNet::V4(n) => {
                let _ = writeln!(out, "  network {} mask {}", n.network(), n.netmask());
            }
            IpNet::V6(_) => {
                let _ = writeln!(out, "  network {p}");
            }
        }
    }
    let _ = writeln!(out, "  neighbor {m} activate");
    let _ = writeln!(out, "  neighbor {m} prefix-list {list} out");
    let _ = writeln!(out, "  neighbor {m} soft-reconfiguration inbound");
    let _ = writeln!(out, " exit-address-family");
}

/// Junos statements, as a hierarchy or (`set`) as one `set` command per statement.
fn junos(out: &mut String, s: &Session, set: bool) {
    let (m, vlan, asn, ours, name) = (s.microsoft, s.vlan, s.asn, s.ours, &s.name);
    let family = if s.v6 { "inet6" } else { "inet" };
    let mut lines: Vec<String> = vec![
        "interfaces {".into(),
        format!("{INTERFACE_PLACEHOLDER} {{"),
        "flexible-vlan-tagging;".into(),
        format!("unit {vlan} {{"),
        format!("description \"{}\";", s.description),
        format!("vlan-id {vlan};"),
        format!("family {family} {{"),
        format!("address {ours}/{};", s.len),
        "}".into(),
        "}".into(),
        "}".into(),
        "}".into(),
    ];
    // The session's export policy: without one the router would announce every active route
    // it has in BGP, those it learns from Microsoft over its other peerings too.
    let export = format!("{name}-out");
    lines.push("policy-options {".into());
    if !s.advertised.is_empty() {
        lines.push(format!("prefix-list {export} {{"));
        lines.extend(s.advertised.iter().map(|p| format!("{p};")));
        lines.push("}".into());
    }
    lines.push(format!("policy-statement {export} {{"));
    if !s.advertised.is_empty() {
        lines.extend([
            "term advertised {".into(),
            format!("from prefix-list {export};"),
            "then accept;".into(),
            "}".into(),
        ]);
    }
    lines.extend([
        "term rest {".into(),
        "then reject;".into(),
        "}".into(),
        "}".into(),
        "}".into(),
    ]);
    lines.extend([
        "routing-options {".into(),
        format!("autonomous-system {asn};"),
        "}".into(),
        "protocols {".into(),
        "bgp {".into(),
        format!("group {name} {{"),
        "type external;".into(),
        format!("peer-as {MICROSOFT_ASN};"),
    ]);
    if s.key {
        lines.push(format!("authentication-key \"{SHARED_KEY_PLACEHOLDER}\";"));
    }
    if s.bfd() {
        lines.extend([
            "bfd-liveness-detection {".into(),
            format!("minimum-interval {BFD_INTERVAL_MS};"),
            format!("multiplier {BFD_MULTIPLIER};"),
            "}".into(),
        ]);
    }
    if s.v6 {
        // Junos's BGP carries IPv4 unicast alone unless the group names another family.
        lines.extend(["family inet6 {".into(), "unicast;".into(), "}".into()]);
    }
    lines.push(format!("export {export};"));
    lines.extend([format!("neighbor {m};"), "}".into(), "}".into(), "}".into()]);
    let mut path: Vec<&str> = Vec::new();
    for line in &lines {
        if line == "}" {
            path.pop();
        } else if let Some(head) = line.strip_suffix(" {") {
            if !set {
                let _ = writeln!(out, "{:indent$}{line}", "", indent = path.len() * 4);
            }
            path.push(head);
            continue;
        }
        if !set {
            let _ = writeln!(out, "{:indent$}{line}", "", indent = path.len() * 4);
        } else if line != "}" {
            let statement = line.strip_suffix(';').unwrap_or(line);
            let _ = writeln!(out, "set {} {statement}", path.join(" "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::Ipv4Addr;

    fn private() -> PeeringConfig {
        PeeringConfig {
            peer_asn: 65010,
            primary_peer_subnet: "10.1.0.0/30".into(),
            secondary_peer_subnet: "10.1.0.4/30".into(),
            vlan_id: 200,
            ..PeeringConfig::default()
        }
    }

    fn microsoft() -> PeeringConfig {
        PeeringConfig {
            peer_asn: 64999,
            primary_peer_subnet: "203.0.113.0/30".into(),
            secondary_peer_subnet: "203.0.113.4/30".into(),
            vlan_id: 300,
            advertised_public_prefixes: Some(vec![
                "198.51.100.0/24".into(),
                "2001:db8:100::/48".into(),
                "192.0.2.128/25".into(),
            ]),
            customer_asn: Some(64998),
            routing_registry_name: Some("RIPENCC".into()),
            ..PeeringConfig::default()
        }
    }

    #[test]
    fn ios_private_peering_primary_router() {
        let text = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Private,
            &private(),
            true,
            Link::Primary,
            "London DC",
        )
        .unwrap();
        assert_eq!(
            text,
            "! Azure ExpressRoute Private peering: primary link
! Replace <interface> with this router's port towards Console Connect.
! Replace <shared key> with the peering's BGP shared key.
! Announces none of your networks (its outbound filter lets nothing out): add those Azure is to reach over this session to BGP and to that filter, as permit entries numbered below 1000.
! Written for a router without this peering: where an earlier version of it is configured, remove what this text no longer sets (a prefix, a neighbour, a password).
! Where this router already runs BGP as another AS, enter its own router bgp instead and give the neighbour local-as 65010 no-prepend replace-as.
interface <interface>.200
 description Azure ExpressRoute London DC Private peering (primary)
 encapsulation dot1Q 200
 ip address 10.1.0.1 255.255.255.252
 bfd interval 300 min_rx 300 multiplier 3
!
ip prefix-list AZURE-PRIVATE-PRIMARY-OUT seq 1000 deny 0.0.0.0/0 le 32
!
router bgp 65010
 neighbor 10.1.0.2 remote-as 12076
 neighbor 10.1.0.2 description Microsoft (primary)
 neighbor 10.1.0.2 password 0 <shared key>
 neighbor 10.1.0.2 fall-over bfd
 !
 address-family ipv4
  neighbor 10.1.0.2 activate
  neighbor 10.1.0.2 prefix-list AZURE-PRIVATE-PRIMARY-OUT out
  neighbor 10.1.0.2 soft-reconfiguration inbound
 exit-address-family
"
        );
    }

    #[test]
    fn junos_microsoft_peering_secondary_router() {
        let text = router_config(
            Vendor::Junos,
            PeeringType::Microsoft,
            &microsoft(),
            false,
            Link::Secondary,
            "Paris \"edge\"",
        )
        .unwrap();
        assert_eq!(
            text,
            "# Azure ExpressRoute Microsoft peering: secondary link
# Replace <interface> with this router's port towards Console Connect.
# BGP announces an advertised prefix only while it is in the routing table.
# Not advertised over this IPv4 session: 2001:db8:100::/48
# The advertised prefixes are registered to AS 64998 in RIPENCC: Microsoft expects it as their origin.
# AS 64998 is to originate them: this router announces them as learnt from it (originate none of them here; originated here, they would carry AS 64999), and the outbound filter below lets out only them.
# Written for a router without this peering: where an earlier version of it is configured, remove what this text no longer sets (a prefix, a neighbour, a password).
# Where this router already runs BGP as another AS, leave routing-options out and give the group local-as 64999 private no-prepend-global-as instead.
interfaces {
    <interface> {
        flexible-vlan-tagging;
        unit 300 {
            description \"Azure ExpressRoute Paris 'edge' Microsoft peering (secondary)\";
            vlan-id 300;
            family inet {
                address 203.0.113.5/30;
            }
        }
    }
}
policy-options {
    prefix-list azure-microsoft-secondary-out {
        198.51.100.0/24;
        192.0.2.128/25;
    }
    policy-statement azure-microsoft-secondary-out {
        term advertised {
            from prefix-list azure-microsoft-secondary-out;
            then accept;
        }
        term rest {
            then reject;
        }
    }
}
routing-options {
    autonomous-system 64999;
}
protocols {
    bgp {
        group azure-microsoft-secondary {
            type external;
            peer-as 12076;
            bfd-liveness-detection {
                minimum-interval 300;
                multiplier 3;
            }
            export azure-microsoft-secondary-out;
            neighbor 203.0.113.6;
        }
    }
}
"
        );
    }

    #[test]
    fn junos_set_commands_are_the_hierarchy_one_statement_per_line() {
        let text = router_config(
            Vendor::JunosSet,
            PeeringType::Microsoft,
            &microsoft(),
            true,
            Link::Primary,
            "Paris",
        )
        .unwrap();
        assert_eq!(
            text,
            "# Azure ExpressRoute Microsoft peering: primary link
# Replace <interface> with this router's port towards Console Connect.
# Replace <shared key> with the peering's BGP shared key.
# BGP announces an advertised prefix only while it is in the routing table.
# Not advertised over this IPv4 session: 2001:db8:100::/48
# The advertised prefixes are registered to AS 64998 in RIPENCC: Microsoft expects it as their origin.
# AS 64998 is to originate them: this router announces them as learnt from it (originate none of them here; originated here, they would carry AS 64999), and the outbound filter below lets out only them.
# Written for a router without this peering: where an earlier version of it is configured, remove what this text no longer sets (a prefix, a neighbour, a password).
# Where this router already runs BGP as another AS, leave routing-options out and give the group local-as 64999 private no-prepend-global-as instead.
set interfaces <interface> flexible-vlan-tagging
set interfaces <interface> unit 300 description \"Azure ExpressRoute Paris Microsoft peering (primary)\"
set interfaces <interface> unit 300 vlan-id 300
set interfaces <interface> unit 300 family inet address 203.0.113.1/30
set policy-options prefix-list azure-microsoft-primary-out 198.51.100.0/24
set policy-options prefix-list azure-microsoft-primary-out 192.0.2.128/25
set policy-options policy-statement azure-microsoft-primary-out term advertised from prefix-list azure-microsoft-primary-out
set policy-options policy-statement azure-microsoft-primary-out term advertised then accept
set policy-options policy-statement azure-microsoft-primary-out term rest then reject
set routing-options autonomous-system 64999
set protocols bgp group azure-microsoft-primary type external
set protocols bgp group azure-microsoft-primary peer-as 12076
set protocols bgp group azure-microsoft-primary authentication-key \"<shared key>\"
set protocols bgp group azure-microsoft-primary bfd-liveness-detection minimum-interval 300
set protocols bgp group azure-microsoft-primary bfd-liveness-detection multiplier 3
set protocols bgp group azure-microsoft-primary export azure-microsoft-primary-out
set protocols bgp group azure-microsoft-primary neighbor 203.0.113.2
"
        );
    }

    #[test]
    fn ios_microsoft_peering_lists_and_announces_its_prefixes() {
        let text = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Microsoft,
            &microsoft(),
            false,
            Link::Primary,
            "",
        )
        .unwrap();
        for line in [
            " description Azure ExpressRoute Microsoft peering (primary)",
            "! BGP announces an advertised prefix only while it is in the routing table.",
            "ip prefix-list AZURE-MICROSOFT-PRIMARY-OUT seq 5 permit 198.51.100.0/24",
            "ip prefix-list AZURE-MICROSOFT-PRIMARY-OUT seq 10 permit 192.0.2.128/25",
            "  neighbor 203.0.113.2 prefix-list AZURE-MICROSOFT-PRIMARY-OUT out",
            "! AS 64998 is to originate them: this router announces them as learnt from it (no network line originates them here; originated here, they would carry AS 64999), and the outbound filter below lets out only them.",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line:?} missing in\n{text}"
            );
        }
        assert!(!text.lines().any(|l| l.contains(" password ")), "{text}");
        assert!(!text.contains("permit 2001:db8:100::/48"), "{text}");
        // Another AS originates them: this router does not.
        assert!(!text.contains("  network "), "{text}");
        // Registered to this router's own AS (or to none named), it originates them.
        for customer in [Some(64999), None] {
            let own = PeeringConfig {
                customer_asn: customer,
                ..microsoft()
            };
            let text = router_config(
                Vendor::CiscoIosXe,
                PeeringType::Microsoft,
                &own,
                false,
                Link::Primary,
                "",
            )
            .unwrap();
            for line in [
                "  network 198.51.100.0 mask 255.255.255.0",
                "  network 192.0.2.128 mask 255.255.255.128",
            ] {
                assert!(
                    text.lines().any(|l| l == line),
                    "{line:?} missing in\n{text}"
                );
            }
            assert!(!text.contains("is to originate them"), "{text}");
        }
    }

    /// The routing registry is named only when it is one the portal knows: Console Connect's
    /// text is not written into the configuration as it came.
    #[test]
    fn an_unknown_routing_registry_is_not_written() {
        let mut c = microsoft();
        c.routing_registry_name = Some("FOO\nrouter bgp 1".into());
        for vendor in [Vendor::CiscoIosXe, Vendor::Junos] {
            let text = router_config(vendor, PeeringType::Microsoft, &c, false, Link::Primary, "")
                .unwrap();
            assert!(!text.contains("FOO"), "{text}");
            assert!(!text.lines().any(|l| l == "router bgp 1"), "{text}");
            assert!(
                text.contains("registered to AS 64998: Microsoft expects"),
                "{text}"
            );
        }
    }

    #[test]
    fn ipv6_sessions_use_the_ipv6_family_and_prefixes() {
        let mut c = microsoft();
        c.primary_peer_subnet = "2001:db8:1::/126".into();
        c.secondary_peer_subnet = "2001:db8:1::4/126".into();
        c.customer_asn = None;
        let ios = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Microsoft,
            &c,
            false,
            Link::Primary,
            "",
        )
        .unwrap();
        for line in [
            "ipv6 unicast-routing",
            "  no neighbor 2001:db8:1::2 activate",
            " ipv6 address 2001:db8:1::1/126",
            "ipv6 prefix-list AZURE-MICROSOFT-PRIMARY-OUT seq 5 permit 2001:db8:100::/48",
            " address-family ipv6",
            "  network 2001:db8:100::/48",
            " neighbor 2001:db8:1::2 remote-as 12076",
            "! Not advertised over this IPv6 session: 198.51.100.0/24, 192.0.2.128/25",
            "! BGP takes its router ID from an IPv4 address of the router: on a router without one, set bgp router-id <a.b.c.d> under router bgp.",
        ] {
            assert!(ios.lines().any(|l| l == line), "{line:?} missing in\n{ios}");
        }
        let junos = router_config(
            Vendor::Junos,
            PeeringType::Microsoft,
            &c,
            true,
            Link::Secondary,
            "",
        )
        .unwrap();
        assert!(junos.contains("family inet6 {\n                address 2001:db8:1::5/126;"));
        assert!(junos.contains("authentication-key \"<shared key>\";"));
        assert!(junos.contains("neighbor 2001:db8:1::6;"));
        // Junos's BGP carries IPv4 alone unless told: the group carries IPv6 unicast.
        assert!(
            junos.contains(
                "            family inet6 {\n                unicast;\n            }\n            export azure-microsoft-secondary-out;"
            ),
            "{junos}"
        );
        let set = router_config(
            Vendor::JunosSet,
            PeeringType::Microsoft,
            &c,
            false,
            Link::Primary,
            "",
        )
        .unwrap();
        assert!(
            set.lines().any(
                |l| l == "set protocols bgp group azure-microsoft-primary family inet6 unicast"
            ),
            "{set}"
        );
        // An IPv4 session names no family: IPv4 unicast is Junos's own.
        let v4 = router_config(
            Vendor::JunosSet,
            PeeringType::Microsoft,
            &microsoft(),
            false,
            Link::Primary,
            "",
        )
        .unwrap();
        assert!(!v4.contains("group azure-microsoft-primary family"), "{v4}");
        assert!(
            set.contains("# BGP takes its router ID from an IPv4 address of the router: on a router without one, set routing-options router-id <a.b.c.d>.\n"),
            "{set}"
        );
        assert!(!v4.contains("router ID"), "{v4}");
    }

    #[test]
    fn a_private_peering_announcing_nothing_leaves_room_before_its_deny_all() {
        let ios = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Private,
            &private(),
            false,
            Link::Primary,
            "",
        )
        .unwrap();
        assert!(
            ios.contains("as permit entries numbered below 1000"),
            "{ios}"
        );
        assert!(
            ios.contains("AZURE-PRIVATE-PRIMARY-OUT seq 1000 deny"),
            "{ios}"
        );
        let junos = router_config(
            Vendor::JunosSet,
            PeeringType::Private,
            &private(),
            false,
            Link::Secondary,
            "",
        )
        .unwrap();
        assert!(
            junos.contains(
                "(insert policy-options policy-statement azure-private-secondary-out term <name> before term rest)"
            ),
            "{junos}"
        );
    }

    #[test]
    fn bfd_is_offered_on_private_and_microsoft_peering_only() {
        let mut public = microsoft();
        public.advertised_public_prefixes = None;
        for (t, c) in [
            (PeeringType::Private, private()),
            (PeeringType::Public, public),
            (PeeringType::Microsoft, microsoft()),
        ] {
            for vendor in Vendor::ALL {
                let text = router_config(vendor, t, &c, false, Link::Primary, "").unwrap();
                let bfd = text.contains("bfd");
                assert_eq!(bfd, t != PeeringType::Public, "{t} {vendor:?}:\n{text}");
                // Where it is left out, the text says why.
                assert_eq!(
                    text.contains(
                        "No BFD: Microsoft runs it on private and Microsoft peering only"
                    ),
                    t == PeeringType::Public,
                    "{t} {vendor:?}:\n{text}"
                );
            }
        }
    }

    #[test]
    fn a_config_the_validators_refuse_gives_their_message_not_text() {
        let mut c = private();
        c.secondary_peer_subnet = "10.1.0.5/30".into();
        let err = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Private,
            &c,
            false,
            Link::Secondary,
            "",
        )
        .unwrap_err();
        assert!(err.to_string().contains("secondaryPeerSubnet"), "{err}");
        // The primary link's own subnet is fine, so its router's text is still written.
        assert!(
            router_config(
                Vendor::CiscoIosXe,
                PeeringType::Private,
                &c,
                false,
                Link::Primary,
                ""
            )
            .is_ok()
        );
        let mut m = microsoft();
        m.advertised_public_prefixes = Some(vec!["10.0.0.0/8".into()]);
        let err = router_config(
            Vendor::Junos,
            PeeringType::Microsoft,
            &m,
            false,
            Link::Primary,
            "",
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("advertisedPublicPrefixes"),
            "{err}"
        );
    }

    #[test]
    fn the_view_has_both_links_in_order_each_with_its_text_or_its_problem() {
        let mut c = private();
        c.secondary_peer_subnet = "10.1.0.5/30".into();
        let v = view(Vendor::Junos, PeeringType::Private, &c, true, "DC", &[]);
        assert_eq!(
            (v.peering_type, v.vendor.as_str()),
            (PeeringType::Private, "junos")
        );
        let links: Vec<&str> = v.routers.iter().map(|r| r.link.as_str()).collect();
        assert_eq!(links, ["primary", "secondary"]);
        let primary = router_config(
            Vendor::Junos,
            PeeringType::Private,
            &c,
            true,
            Link::Primary,
            "DC",
        );
        assert_eq!(v.routers[0].text, primary.ok());
        assert_eq!(v.routers[0].problem, None);
        assert_eq!(v.routers[1].text, None);
        assert!(
            v.routers[1]
                .problem
                .as_deref()
                .unwrap()
                .contains("secondaryPeerSubnet")
        );
    }

    #[test]
    fn vendors_round_trip_through_their_short_names() {
        for v in Vendor::ALL {
            assert_eq!(Vendor::parse(v.as_str()), Some(v));
        }
        assert_eq!(Vendor::parse("eos"), None);
    }

    #[test]
    fn a_name_with_nothing_printable_is_described_by_the_connection_id() {
        assert_eq!(connection_label("London DC", "abc"), "London DC");
        assert_eq!(connection_label("Zürich", "abc"), "Zürich");
        assert_eq!(
            connection_label("東京 データセンター", "5f0c1e7a52b84d06c91e3a57"),
            "connection 5f0c1e7a52b84d06c91e3a57"
        );
        let text = router_config(
            Vendor::CiscoIosXe,
            PeeringType::Private,
            &private(),
            false,
            Link::Primary,
            &connection_label("東京", "5f0c1e7a52b84d06c91e3a57"),
        )
        .unwrap();
        assert!(
            text.contains(
                " description Azure ExpressRoute connection 5f0c1e7a52b84d06c91e3a57 Private peering (primary)"
            ),
            "{text}"
        );
    }

    #[test]
    fn descriptions_keep_only_printable_text() {
        assert_eq!(printable("  a\u{7}b\n\"c\"\\ é "), "ab 'c'/ e ");
        // An accented letter is written as its letter, however it was typed.
        assert_eq!(printable("London Zürich Edge"), "London Zurich Edge ");
        assert_eq!(printable("Zu\u{308}rich Émile"), "Zurich Emile ");
        // What is left out leaves one space between the words it stood between.
        assert_eq!(printable("Lon \u{1f680}  Edge\t\u{200b}1"), "Lon Edge 1 ");
        assert_eq!(printable("\u{0}\u{1}"), "");
        assert_eq!(
            printable(&"x".repeat(100)).len(),
            validate::MAX_NAME_CHARS + 1
        );
    }

    #[test]
    fn another_peering_from_another_as_on_the_same_routers_is_said() {
        let c = private();
        let said = |others: &[(PeeringType, u64)]| {
            view(
                Vendor::CiscoIosXe,
                PeeringType::Private,
                &c,
                false,
                "DC",
                others,
            )
            .routers[0]
                .text
                .clone()
                .unwrap()
        };
        let note =
            "This router's Microsoft peering session is from AS 64500, this one from AS 65010";
        assert!(said(&[(PeeringType::Microsoft, 64500)]).contains(note));
        // The same AS, or the peering itself, says nothing.
        for others in [
            &[(PeeringType::Microsoft, 65010)][..],
            &[(PeeringType::Private, 64500)][..],
            &[][..],
        ] {
            assert!(!said(others).contains("runs BGP as one AS"), "{others:?}");
        }
    }

    proptest! {
        #[test]
        fn every_valid_private_peering_gives_both_routers_their_session(
            i in 0u32..((1 << 22) - 1),
            vlan in 1u64..=4094,
            asn in prop_oneof![1u64..12076, 12077u64..65515, 65521u64..=4_294_967_295],
            key in any::<bool>(),
            name in any::<String>(),
        ) {
            let base = (10u32 << 24) | (i << 2);
            let c = PeeringConfig {
                peer_asn: asn,
                primary_peer_subnet: format!("{}/30", Ipv4Addr::from(base)),
                secondary_peer_subnet: format!("{}/30", Ipv4Addr::from(base + 4)),
                vlan_id: vlan,
                ..PeeringConfig::default()
            };
            for (link, network) in [(Link::Primary, base), (Link::Secondary, base + 4)] {
                let (ours, microsoft) = (Ipv4Addr::from(network + 1), Ipv4Addr::from(network + 2));
                let ios = router_config(Vendor::CiscoIosXe, PeeringType::Private, &c, key, link, &name).unwrap();
                let ios_lines = [
                    format!("router bgp {asn}"),
                    format!(" neighbor {microsoft} remote-as 12076"),
                    format!(" ip address {ours} 255.255.255.252"),
                    format!(" encapsulation dot1Q {vlan}"),
                    format!(" neighbor {microsoft} fall-over bfd"),
                    // Announcing nothing is a filter that lets nothing out, not no filter.
                    format!("ip prefix-list AZURE-PRIVATE-{}-OUT seq 1000 deny 0.0.0.0/0 le 32", link.word().to_uppercase()),
                    format!("  neighbor {microsoft} prefix-list AZURE-PRIVATE-{}-OUT out", link.word().to_uppercase()),
                ];
                for line in ios_lines {
                    prop_assert!(ios.lines().any(|l| l == line), "{:?} missing in\n{}", line, ios);
                }
                prop_assert_eq!(ios.contains(SHARED_KEY_PLACEHOLDER), key);
                let junos = router_config(Vendor::Junos, PeeringType::Private, &c, key, link, &name).unwrap();
                prop_assert!(junos.contains(&format!("neighbor {microsoft};")), "{}", junos);
                prop_assert!(junos.contains(&format!("address {ours}/30;")), "{}", junos);
                let export = format!("azure-private-{}-out", link.word());
                prop_assert!(junos.contains(&format!("export {export};")), "{}", junos);
                prop_assert!(
                    junos.contains(&format!("policy-statement {export} {{\n        term rest {{\n            then reject;")),
                    "{}",
                    junos
                );
                prop_assert_eq!(junos.contains(SHARED_KEY_PLACEHOLDER), key);
                // Braces balance outside the quoted description, and the name breaks no line.
                let statements: String = junos.lines().filter(|l| !l.trim_start().starts_with("description ")).collect();
                prop_assert_eq!(statements.matches('{').count(), statements.matches('}').count());
                prop_assert!(junos.ends_with("}\n"), "{}", junos);
                let descriptions = |t: &str| t.lines().filter(|l| l.trim_start().starts_with("description ")).count();
                prop_assert_eq!(descriptions(&ios), 1);
                prop_assert_eq!(descriptions(&junos), 1);
                // The set commands say the same statements, one per line.
                let set = router_config(Vendor::JunosSet, PeeringType::Private, &c, key, link, &name).unwrap();
                let statements = junos.lines().filter(|l| l.ends_with(';')).count();
                let commands: Vec<&str> = set.lines().filter(|l| !l.starts_with('#')).collect();
                prop_assert_eq!(commands.len(), statements);
                prop_assert!(commands.iter().all(|l| l.starts_with("set ") && !l.ends_with(';')), "{}", set);
                let neighbor = format!("set protocols bgp group azure-private-{} neighbor {microsoft}", link.word());
                prop_assert!(commands.contains(&neighbor.as_str()), "{}", set);
            }
        }
    }
}
