//! The demo data every simulator starts with: two companies, three users with their API keys,
//! ports in every state a wizard must handle, Azure service keys, and connections already
//! running. The keys are published (`/__sim/demo`, the portal's sign-in page): they open nothing
//! but this sandbox.

use crate::state::{
    AzureGroup, AzureLocation, Company, ConnectionRecord, Kind, PeeringRecord, PortRecord,
    ServiceKeyRecord, UserRecord, World,
};
use models::upstream::PeeringConfig;
use models::{ClassOfService, PaymentType, PeeringType, PortStatus};
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Duration, OffsetDateTime};

/// A published sandbox key and what it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DemoKey {
    pub key: &'static str,
    pub description: &'static str,
}

const ADA_KEY: &str = "sandbox-ada-3f9c1e7a52b84d06";
const GRACE_KEY: &str = "sandbox-grace-8b2d64f0c91e3a57";
const LINUS_KEY: &str = "sandbox-linus-c47e09b3d5a1f862";

/// Console Connect API keys of the demo users.
pub const API_KEYS: &[DemoKey] = &[
    DemoKey {
        key: ADA_KEY,
        description: "Ada Lovelace: Network Admin of Acme Networks (acme) and Globex Corporation (globex)",
    },
    DemoKey {
        key: GRACE_KEY,
        description: "Grace Hopper: Network Admin of Globex Corporation (globex) only",
    },
    DemoKey {
        key: LINUS_KEY,
        description: "Linus Pauling: Acme Networks (acme) without the Network Admin role, so reads only",
    },
];

const LONDON_1G_KEY: &str = "4f8a2c1e-7b3d-4e59-9a10-2c6b8d0e1f37";
const AMSTERDAM_200M_KEY: &str = "9c3e5a7b-1d2f-4a8c-b6e0-5f4d3c2b1a09";
const LONDON_10G_KEY: &str = "d2b7e4a1-6c9f-4e3b-8a5d-0f1e2c3b4a56";
const DALLAS_500M_KEY: &str = "5a1b9c8d-3e7f-4f60-9b2a-7c8d6e5f4a31";
const USED_KEY: &str = "7d6c2f1e-0b4a-4c3d-9e8f-1a2b3c4d5e6f";

/// Azure ExpressRoute service keys the simulated Azure knows.
pub const SERVICE_KEYS: &[DemoKey] = &[
    DemoKey {
        key: LONDON_1G_KEY,
        description: "Circuit acme-er-london-01, 1000 Mbps at London; unused when the sandbox starts",
    },
    DemoKey {
        key: AMSTERDAM_200M_KEY,
        description: "Circuit acme-er-amsterdam-01, 200 Mbps at Amsterdam; unused when the sandbox starts",
    },
    DemoKey {
        key: LONDON_10G_KEY,
        description: "Circuit acme-er-london-10g, 10000 Mbps at London; unused when the sandbox starts",
    },
    DemoKey {
        key: DALLAS_500M_KEY,
        description: "Circuit globex-er-dallas-01, 500 Mbps at Dallas, for Globex; unused when the sandbox starts",
    },
    DemoKey {
        key: USED_KEY,
        description: "Already used by Acme's connection \"Azure London Production\"",
    },
];

static LONDON: AzureLocation = AzureLocation {
    name: "London",
    primary_port: "PCCW-LON-06GMR-CIS-1-PRI-A",
    secondary_port: "PCCW-LON-06GMR-CIS-2-SEC-A",
    dest_port_ids: ["5b8e1d2c3a4f5e6d7c8b9a01", "5b8e1d2c3a4f5e6d7c8b9a02"],
};

static AMSTERDAM: AzureLocation = AzureLocation {
    name: "Amsterdam",
    primary_port: "PCCW-AMS-09GMR-CIS-1-PRI-A",
    secondary_port: "PCCW-AMS-09GMR-CIS-2-SEC-A",
    dest_port_ids: ["5b8e1d2c3a4f5e6d7c8b9a11", "5b8e1d2c3a4f5e6d7c8b9a12"],
};

static DALLAS: AzureLocation = AzureLocation {
    name: "Dallas",
    primary_port: "PCCW-DAL-03GMR-CIS-1-PRI-A",
    secondary_port: "PCCW-DAL-03GMR-CIS-2-SEC-A",
    dest_port_ids: ["5b8e1d2c3a4f5e6d7c8b9a21", "5b8e1d2c3a4f5e6d7c8b9a22"],
};

const ACME: &str = "acme";
const GLOBEX: &str = "globex";

const ACME_LONDON_1: &str = "5f0c1a2b3c4d5e6f70a1b001";
const ACME_LONDON_2: &str = "5f0c1a2b3c4d5e6f70a1b002";
const ACME_AMSTERDAM: &str = "5f0c1a2b3c4d5e6f70a1b003";

/// Where the ids of the seeded connections start.
const FIRST_CONNECTION_ID: u128 = 0x6650_a1c2_e4b0_d7a3_c100_0000;

/// Where the ids of connections created after the seeding start: the moment the sandbox
/// started, to the nanosecond, opens them (as a timestamp opens a real object id). The portal
/// keeps its audit history across restarts while the sandbox forgets its world, so a counter
/// that began at the same number each time would give a new connection an earlier one's id.
fn first_new_id(started: OffsetDateTime) -> u128 {
    let seconds = u128::try_from(started.unix_timestamp()).unwrap_or(0) & 0xffff_ffff;
    (seconds << 64) | (u128::from(started.nanosecond()) << 32)
}

fn port(
    id: &'static str,
    company: &'static str,
    name: &'static str,
    status: PortStatus,
    speed_mbps: u64,
    (city, data_center): (&'static str, &'static str),
) -> PortRecord {
    PortRecord {
        id,
        company,
        name,
        status,
        speed_mbps,
        single_service: false,
        city,
        data_center,
    }
}

/// The demo world as it is at `now`: the seeded connections were made weeks ago, so they are
/// ACTIVE and their peering SYNCED whatever the delays.
pub(crate) fn seed(now: OffsetDateTime) -> World {
    let long_ago = now.saturating_sub(Duration::days(400));
    let london = ("London", "Equinix LD8");
    let mut world = World {
        companies: vec![
            Company {
                id: "5e9d8c7b6a5f4e3d2c1b0a01",
                username: ACME,
                name: "Acme Networks",
            },
            Company {
                id: "5e9d8c7b6a5f4e3d2c1b0a02",
                username: GLOBEX,
                name: "Globex Corporation",
            },
        ],
        users: vec![
            UserRecord {
                api_key: ADA_KEY,
                id: "60a1b2c3d4e5f6a7b8c9d0e1",
                username: "ada",
                name: "Ada Lovelace",
                email: "ada@acme.example",
                companies: &[ACME, GLOBEX],
                network_admin: true,
                created_at: long_ago,
            },
            UserRecord {
                api_key: GRACE_KEY,
                id: "60a1b2c3d4e5f6a7b8c9d0e2",
                username: "grace",
                name: "Grace Hopper",
                email: "grace@globex.example",
                companies: &[GLOBEX],
                network_admin: true,
                created_at: long_ago,
            },
            UserRecord {
                api_key: LINUS_KEY,
                id: "60a1b2c3d4e5f6a7b8c9d0e3",
                username: "linus",
                name: "Linus Pauling",
                email: "linus@acme.example",
                companies: &[ACME],
                network_admin: false,
                created_at: long_ago,
            },
        ],
        ports: vec![
            port(
                ACME_LONDON_1,
                ACME,
                "Acme London LD8 1",
                PortStatus::Active,
                10_000,
                london,
            ),
            port(
                ACME_LONDON_2,
                ACME,
                "Acme London LD8 2",
                PortStatus::Active,
                10_000,
                london,
            ),
            port(
                ACME_AMSTERDAM,
                ACME,
                "Acme Amsterdam AM3",
                PortStatus::Active,
                1000,
                ("Amsterdam", "Equinix AM3"),
            ),
            port(
                "5f0c1a2b3c4d5e6f70a1b004",
                ACME,
                "Acme Frankfurt FR5",
                PortStatus::Disabled,
                10_000,
                ("Frankfurt", "Equinix FR5"),
            ),
            PortRecord {
                single_service: true,
                ..port(
                    "5f0c1a2b3c4d5e6f70a1b005",
                    ACME,
                    "Acme Singapore SG1",
                    PortStatus::Active,
                    1000,
                    ("Singapore", "Equinix SG1"),
                )
            },
            port(
                "5f0c1a2b3c4d5e6f70a1c001",
                GLOBEX,
                "Globex Dallas DA1 1",
                PortStatus::Active,
                10_000,
                ("Dallas", "Equinix DA1"),
            ),
            port(
                "5f0c1a2b3c4d5e6f70a1c002",
                GLOBEX,
                "Globex Dallas DA1 2",
                PortStatus::Active,
                10_000,
                ("Dallas", "Equinix DA1"),
            ),
        ],
        service_keys: vec![
            ServiceKeyRecord {
                key: LONDON_1G_KEY,
                circuit_name: "acme-er-london-01",
                bandwidth_mbps: 1000,
                location: &LONDON,
            },
            ServiceKeyRecord {
                key: AMSTERDAM_200M_KEY,
                circuit_name: "acme-er-amsterdam-01",
                bandwidth_mbps: 200,
                location: &AMSTERDAM,
            },
            ServiceKeyRecord {
                key: LONDON_10G_KEY,
                circuit_name: "acme-er-london-10g",
                bandwidth_mbps: 10_000,
                location: &LONDON,
            },
            ServiceKeyRecord {
                key: DALLAS_500M_KEY,
                circuit_name: "globex-er-dallas-01",
                bandwidth_mbps: 500,
                location: &DALLAS,
            },
            ServiceKeyRecord {
                key: USED_KEY,
                circuit_name: "acme-er-london-prod",
                bandwidth_mbps: 1000,
                location: &LONDON,
            },
        ],
        connections: Vec::new(),
        next_id: FIRST_CONNECTION_ID,
    };
    seed_azure_production(&mut world, now);
    seed_other_clouds(&mut world, now);
    world.next_id = first_new_id(now);
    world
}

/// "Azure London Production": 1000 Mbps, both legs up, PRIVATE peering synced.
fn seed_azure_production(world: &mut World, now: OffsetDateTime) {
    let created_at = now.saturating_sub(Duration::days(30));
    let parent_id = world.new_id();
    let primary_id = world.new_id();
    let secondary_id = world.new_id();
    let name = "Azure London Production";
    let peering = PeeringRecord {
        config: PeeringConfig {
            peer_asn: 65010,
            primary_peer_subnet: "10.10.0.0/30".to_owned(),
            secondary_peer_subnet: "10.10.0.4/30".to_owned(),
            vlan_id: 100,
            ..PeeringConfig::default()
        },
        updated_at: now.saturating_sub(Duration::days(29)),
    };
    let record = |id: String, name: String, kind: Kind| ConnectionRecord {
        id,
        company: ACME,
        name,
        speed_mbps: 1000,
        payment_type: PaymentType::Invoice,
        created_at,
        delete_requested_at: None,
        kind,
    };
    world.connections.extend([
        record(
            parent_id.clone(),
            name.to_owned(),
            Kind::AzureGroup(AzureGroup {
                service_key: USED_KEY,
                dest_port_ids: LONDON.dest_port_ids,
                src_port_ids: vec![ACME_LONDON_1, ACME_LONDON_2],
                primary_id: primary_id.clone(),
                secondary_id: secondary_id.clone(),
                class_of_service: Some(ClassOfService::Gold),
                peerings: BTreeMap::from([(PeeringType::Private, peering)]),
                peering_removed_at: None,
            }),
        ),
        record(
            primary_id,
            format!("{name} Primary 1"),
            Kind::AzureLeg {
                parent_id: parent_id.clone(),
                src_port_id: ACME_LONDON_1,
                dest_port_id: LONDON.dest_port_ids[0],
            },
        ),
        record(
            secondary_id,
            format!("{name} Secondary 1"),
            Kind::AzureLeg {
                parent_id,
                src_port_id: ACME_LONDON_2,
                dest_port_id: LONDON.dest_port_ids[1],
            },
        ),
    ]);
}

/// Connections to AWS and Google on the Amsterdam port: they leave it 100 Mbps, and an Azure
/// client listing connections must filter them out.
fn seed_other_clouds(world: &mut World, now: OffsetDateTime) {
    let created_at = now.saturating_sub(Duration::days(90));
    let clouds = [
        (
            "AWS Amsterdam Direct Connect",
            500,
            "AWS",
            "123456789012",
            "5c7d8e9f0a1b2c3d4e5f6a01",
        ),
        (
            "Google Cloud Amsterdam",
            400,
            "GOOGLE",
            "acme-prod-interconnect",
            "5c7d8e9f0a1b2c3d4e5f6a02",
        ),
    ];
    for (name, speed_mbps, partner, account, dest_port_id) in clouds {
        let id = world.new_id();
        world.connections.push(ConnectionRecord {
            id,
            company: ACME,
            name: name.to_owned(),
            speed_mbps,
            payment_type: PaymentType::Invoice,
            created_at,
            delete_requested_at: None,
            kind: Kind::OtherCloud {
                partner,
                account,
                src_port_id: ACME_AMSTERDAM,
                dest_port_id,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn new_ids_start_from_the_start_time_after_the_seeded_ones() {
        let first = seed(datetime!(2026-11-25 09:00:00.000000001 UTC)).new_id();
        let restarted = seed(datetime!(2026-11-25 09:00:00.000000002 UTC)).new_id();
        assert_ne!(first, restarted, "a restart gives other ids");
        assert_eq!(first, "6b06a3900000000100000000");
        let seeded = format!("{FIRST_CONNECTION_ID:024x}");
        assert!(first > seeded, "{first} after the seeded {seeded}");
    }
}
