//! The simulated Console Connect world: companies, users, ports, service keys, connections and
//! their peerings. Statuses are never stored: each read computes them from the time of the last
//! request that changed something and the configured delays, so no background task is needed and
//! a manual clock steps every state machine at once.

use crate::clock::Delays;
use crate::error::{Result, SimError};
use models::upstream::{
    Capacity, CompanyRef, Connection, CreateConnectionBody, Extra, Partner, Peering, PeeringConfig,
    Port, ServiceKeyInfo, Speed, SubconnectionIds, User, one_port_reason, port_unusable_reason,
};
use models::{
    ClassOfService, ConnectionStatus, ConnectionType, FieldError, PaymentType, PeeringType,
    PortStatus, ProvisioningStatus, SyncStatus, ValidationError, validate,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::format_description;

/// The moment a request is served, and the delays its statuses are measured with.
pub(crate) struct Now<'a> {
    pub(crate) at: OffsetDateTime,
    pub(crate) delays: &'a Delays,
}

impl Now<'_> {
    /// Whether `d` has passed since `start`.
    fn passed(&self, start: OffsetDateTime, d: Duration) -> bool {
        self.at >= after(start, d)
    }
}

/// `t + d`, saturating: delays come from configuration and must not overflow a date.
fn after(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t.saturating_add(d.try_into().unwrap_or(time::Duration::MAX))
}

/// ISO-8601 UTC with milliseconds, as the real API writes timestamps.
fn iso(t: OffsetDateTime) -> String {
    let format =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.format(&format).unwrap_or_default()
}

/// `{value, name}`, named in the short form ports use: `10G`, `500M`.
fn speed(mbps: u64) -> Speed {
    let name = if mbps >= 1000 && mbps.is_multiple_of(1000) {
        format!("{}G", mbps / 1000)
    } else {
        format!("{mbps}M")
    };
    Speed::Object {
        value: mbps,
        name: Some(name),
    }
}

fn extra(fields: Value) -> Extra {
    match fields {
        Value::Object(map) => map,
        _ => Extra::new(),
    }
}

pub(crate) struct Company {
    pub(crate) id: &'static str,
    pub(crate) username: &'static str,
    pub(crate) name: &'static str,
}

#[derive(Clone, Copy)]
pub(crate) struct UserRecord {
    pub(crate) api_key: &'static str,
    pub(crate) id: &'static str,
    pub(crate) username: &'static str,
    pub(crate) name: &'static str,
    pub(crate) email: &'static str,
    /// Usernames of the companies the user belongs to.
    pub(crate) companies: &'static [&'static str],
    /// The Network Admin role: without it every write is refused.
    pub(crate) network_admin: bool,
    pub(crate) created_at: OffsetDateTime,
}

impl UserRecord {
    pub(crate) fn belongs_to(&self, company: &str) -> bool {
        self.companies.contains(&company)
    }
}

pub(crate) struct PortRecord {
    pub(crate) id: &'static str,
    pub(crate) company: &'static str,
    pub(crate) name: &'static str,
    pub(crate) status: PortStatus,
    pub(crate) speed_mbps: u64,
    pub(crate) single_service: bool,
    pub(crate) city: &'static str,
    pub(crate) data_center: &'static str,
}

/// An Azure peering location: the names of Microsoft's two ports there and the ids of the
/// Console Connect ports facing them (the destination of the two legs).
pub(crate) struct AzureLocation {
    pub(crate) name: &'static str,
    pub(crate) primary_port: &'static str,
    pub(crate) secondary_port: &'static str,
    pub(crate) dest_port_ids: [&'static str; 2],
}

#[derive(Clone, Copy)]
pub(crate) struct ServiceKeyRecord {
    pub(crate) key: &'static str,
    pub(crate) circuit_name: &'static str,
    pub(crate) bandwidth_mbps: u64,
    pub(crate) location: &'static AzureLocation,
}

pub(crate) struct PeeringRecord {
    pub(crate) config: PeeringConfig,
    /// When it was last posted: its sync cycle restarts there.
    pub(crate) updated_at: OffsetDateTime,
}

pub(crate) struct AzureGroup {
    pub(crate) service_key: &'static str,
    pub(crate) dest_port_ids: [&'static str; 2],
    /// The distinct source ports; each carries the connection's speed once.
    pub(crate) src_port_ids: Vec<&'static str>,
    pub(crate) primary_id: String,
    pub(crate) secondary_id: String,
    pub(crate) class_of_service: Option<ClassOfService>,
    pub(crate) peerings: BTreeMap<PeeringType, PeeringRecord>,
    /// When a peering was last removed: an update of the connection too.
    pub(crate) peering_removed_at: Option<OffsetDateTime>,
}

pub(crate) enum Kind {
    /// The `GROUP_LAYER2` parent of an Azure connection.
    AzureGroup(AzureGroup),
    /// One of the two `LAYER2` legs of an Azure connection.
    AzureLeg {
        parent_id: String,
        src_port_id: &'static str,
        dest_port_id: &'static str,
    },
    /// A `LAYER2` connection to another cloud, which an Azure client must filter out.
    OtherCloud {
        partner: &'static str,
        account: &'static str,
        src_port_id: &'static str,
        dest_port_id: &'static str,
    },
}

pub(crate) struct ConnectionRecord {
    pub(crate) id: String,
    pub(crate) company: &'static str,
    pub(crate) name: String,
    pub(crate) speed_mbps: u64,
    pub(crate) payment_type: PaymentType,
    pub(crate) created_at: OffsetDateTime,
    pub(crate) delete_requested_at: Option<OffsetDateTime>,
    pub(crate) kind: Kind,
}

impl ConnectionRecord {
    fn status(&self, now: &Now) -> ConnectionStatus {
        match self.delete_requested_at {
            Some(t) if now.passed(t, now.delays.delete) => ConnectionStatus::Deleted,
            Some(_) => ConnectionStatus::Deleting,
            None if now.passed(self.created_at, now.delays.create) => ConnectionStatus::Active,
            None => ConnectionStatus::Creating,
        }
    }

    /// Holds port capacity and its service key until DELETED.
    fn is_live(&self, now: &Now) -> bool {
        self.status(now) != ConnectionStatus::Deleted
    }

    fn provisioning_status(&self, now: &Now) -> ProvisioningStatus {
        let active_since = after(self.created_at, now.delays.create);
        match self.status(now) {
            ConnectionStatus::Creating | ConnectionStatus::Deleted => {
                ProvisioningStatus::NotProvisioned
            }
            // One deleted before it was Active was never provisioned: nothing to take back.
            ConnectionStatus::Deleting
                if self.delete_requested_at.is_some_and(|t| t < active_since) =>
            {
                ProvisioningStatus::NotProvisioned
            }
            ConnectionStatus::Deleting => ProvisioningStatus::Deprovisioning,
            _ if now.passed(active_since, now.delays.provisioning) => {
                ProvisioningStatus::Provisioned
            }
            _ => ProvisioningStatus::Provisioning,
        }
    }

    /// The latest transition that has happened: a status change or a peering posted. Nothing
    /// happens to a connection after its delete was asked for but the delete itself: one deleted
    /// before it was Active never became Active, nor provisioned.
    fn updated_at(&self, now: &Now) -> OffsetDateTime {
        let active = after(self.created_at, now.delays.create);
        let mut events = vec![self.created_at, active];
        if let Kind::AzureGroup(group) = &self.kind {
            events.push(after(active, now.delays.provisioning));
            events.extend(group.peerings.values().map(|p| p.updated_at));
            events.extend(group.peering_removed_at);
        }
        if let Some(t) = self.delete_requested_at {
            events.retain(|e| *e <= t);
            events.extend([t, after(t, now.delays.delete)]);
        }
        events
            .into_iter()
            .filter(|t| *t <= now.at)
            .max()
            .unwrap_or(self.created_at)
    }

    /// The Azure part, which holds the peerings; legs and other clouds have none.
    fn azure_group(&self) -> Result<&AzureGroup> {
        match &self.kind {
            Kind::AzureGroup(group) => Ok(group),
            Kind::AzureLeg { parent_id, .. } => Err(SimError::BadRequest(format!(
                "connection {} is a leg of {parent_id}; peerings belong to the GROUP_LAYER2 parent",
                self.id
            ))),
            Kind::OtherCloud { partner, .. } => Err(SimError::BadRequest(format!(
                "connection {} goes to {partner}, not Azure; it has no Azure peering",
                self.id
            ))),
        }
    }

    /// Refuses a peering change unless the connection is ACTIVE, as the real service does.
    fn require_active(&self, now: &Now) -> Result<()> {
        match self.status(now) {
            ConnectionStatus::Active => Ok(()),
            status => Err(SimError::BadRequest(format!(
                "connection must be ACTIVE to change its peering; it is {}",
                status.as_wire()
            ))),
        }
    }

    /// The connection as the API shows it.
    fn view(&self, now: &Now) -> Connection {
        let status = self.status(now);
        let mut view = Connection {
            id: self.id.clone(),
            name: self.name.clone(),
            kind: ConnectionType::Layer2,
            status,
            parent_id: None,
            speed: Some(speed(self.speed_mbps)),
            src_port_id: None,
            dest_port_id: None,
            created_at: Some(iso(self.created_at)),
            updated_at: Some(iso(self.updated_at(now))),
            error_reason: None,
            subconnection_ids: None,
            partner: None,
            extra: extra(json!({"paymentType": self.payment_type})),
        };
        match &self.kind {
            Kind::AzureGroup(group) => {
                view.kind = ConnectionType::GroupLayer2;
                view.subconnection_ids = Some(SubconnectionIds {
                    primary: vec![group.primary_id.clone()],
                    secondary: vec![group.secondary_id.clone()],
                });
                if let Some(class) = &group.class_of_service {
                    view.extra.insert("classOfService".to_owned(), json!(class));
                }
                view.partner = Some(self.azure_partner(group, now));
            }
            Kind::AzureLeg {
                parent_id,
                src_port_id,
                dest_port_id,
            } => {
                view.parent_id = Some(parent_id.clone());
                view.src_port_id = Some((*src_port_id).to_owned());
                view.dest_port_id = Some((*dest_port_id).to_owned());
            }
            Kind::OtherCloud {
                partner,
                account,
                src_port_id,
                dest_port_id,
            } => {
                view.src_port_id = Some((*src_port_id).to_owned());
                view.dest_port_id = Some((*dest_port_id).to_owned());
                view.partner = Some(Partner {
                    kind: Some((*partner).to_owned()),
                    account: Some((*account).to_owned()),
                    ..Partner::default()
                });
            }
        }
        view
    }

    fn azure_partner(&self, group: &AzureGroup, now: &Now) -> Partner {
        let peerings: Vec<Peering> = group
            .peerings
            .iter()
            .map(|(t, p)| Peering {
                shared_key: None,
                ..peering_view(*t, p, now)
            })
            .collect();
        let worst = peerings
            .iter()
            .filter_map(|p| p.sync_status.clone())
            .max_by_key(sync_rank)
            .unwrap_or(SyncStatus::None);
        Partner {
            kind: Some("AZURE".to_owned()),
            account: Some(group.service_key.to_owned()),
            provisioning_status: Some(self.provisioning_status(now)),
            sync_status: Some(worst),
            peering: peerings
                .iter()
                .filter_map(|p| serde_json::to_value(p).ok())
                .collect(),
            dest_port_ids: group
                .dest_port_ids
                .iter()
                .map(|id| (*id).to_owned())
                .collect(),
            extra: Extra::new(),
        }
    }

    fn src_port_ids(&self) -> Vec<&'static str> {
        match &self.kind {
            Kind::AzureGroup(group) => group.src_port_ids.clone(),
            Kind::AzureLeg { src_port_id, .. } | Kind::OtherCloud { src_port_id, .. } => {
                vec![src_port_id]
            }
        }
    }
}

fn sync_status(peering: &PeeringRecord, now: &Now) -> SyncStatus {
    let syncing_from = after(peering.updated_at, now.delays.peering_pending);
    if now.at < syncing_from {
        SyncStatus::Pending
    } else if now.passed(syncing_from, now.delays.peering_syncing) {
        SyncStatus::Synced
    } else {
        SyncStatus::Syncing
    }
}

/// How far from SYNCED a status is, so a parent can show its least-synced peering.
fn sync_rank(status: &SyncStatus) -> u8 {
    match status {
        SyncStatus::Pending => 3,
        SyncStatus::Syncing => 2,
        SyncStatus::Synced => 1,
        _ => 0,
    }
}

fn peering_view(peering_type: PeeringType, peering: &PeeringRecord, now: &Now) -> Peering {
    let c = &peering.config;
    Peering {
        peering_type: Some(peering_type),
        sync_status: Some(sync_status(peering, now)),
        updated_at: Some(iso(peering.updated_at)),
        peer_asn: Some(c.peer_asn),
        primary_peer_subnet: Some(c.primary_peer_subnet.clone()),
        secondary_peer_subnet: Some(c.secondary_peer_subnet.clone()),
        vlan_id: Some(c.vlan_id),
        shared_key: c.shared_key.clone(),
        advertised_public_prefixes: c.advertised_public_prefixes.clone(),
        customer_asn: c.customer_asn,
        routing_registry_name: c.routing_registry_name.clone(),
        extra: Extra::new(),
    }
}

fn rename_field(e: ValidationError, field: &'static str) -> FieldError {
    let mut error = FieldError::from(e);
    if error.field != field {
        error.message = error.message.replacen(&error.field, field, 1);
        error.field = field.to_owned();
    }
    error
}

fn field_error(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message,
    }
}

pub(crate) struct World {
    pub(crate) companies: Vec<Company>,
    pub(crate) users: Vec<UserRecord>,
    pub(crate) ports: Vec<PortRecord>,
    pub(crate) service_keys: Vec<ServiceKeyRecord>,
    pub(crate) connections: Vec<ConnectionRecord>,
    /// The next object id, as a number: ids are handed out consecutively like the real API's.
    pub(crate) next_id: u128,
}

impl World {
    pub(crate) fn new_id(&mut self) -> String {
        let id = format!("{:024x}", self.next_id);
        self.next_id += 1;
        id
    }

    pub(crate) fn user_by_key(&self, api_key: &str) -> Option<&UserRecord> {
        self.users.iter().find(|u| u.api_key == api_key)
    }

    fn company(&self, username: &str) -> Result<&Company> {
        self.companies
            .iter()
            .find(|c| c.username == username)
            .ok_or_else(|| SimError::NotFound("no such company".to_owned()))
    }

    fn service_key(&self, raw: &str) -> Option<&ServiceKeyRecord> {
        let wanted = raw.trim();
        self.service_keys
            .iter()
            .find(|k| k.key.eq_ignore_ascii_case(wanted))
    }

    fn connection_using(&self, key: &str, now: &Now) -> Option<&ConnectionRecord> {
        self.connections.iter().find(|c| {
            matches!(&c.kind, Kind::AzureGroup(g) if g.service_key == key) && c.is_live(now)
        })
    }

    /// The service key `raw` names when it can make a new connection for `company`; otherwise
    /// the message says whether it is malformed, unknown or already used (naming the connection
    /// only to its own company).
    fn free_service_key(
        &self,
        company: &str,
        field: &'static str,
        raw: &str,
        now: &Now,
    ) -> Result<ServiceKeyRecord, String> {
        validate::service_key(raw).map_err(|e| rename_field(e, field).message)?;
        let key = self.service_key(raw).ok_or_else(|| {
            format!(
                "{field} is not a service key Azure knows: copy it from the ExpressRoute circuit in the Azure portal"
            )
        })?;
        match self.connection_using(key.key, now) {
            Some(c) if c.company == company && c.status(now) == ConnectionStatus::Deleting => {
                Err(format!(
                    "{field} is still held by connection \"{}\", which is being deleted; the key is free once that connection is Deleted",
                    c.name
                ))
            }
            Some(c) if c.company == company => Err(format!(
                "{field} is already used by connection \"{}\"; delete that connection or use another circuit's key",
                c.name
            )),
            Some(_) => Err(format!(
                "{field} is already used by a connection of another company; use another circuit's key"
            )),
            None => Ok(*key),
        }
    }

    pub(crate) fn who_am_i(&self, user: &UserRecord) -> User {
        User {
            id: user.id.to_owned(),
            name: user.name.to_owned(),
            email: user.email.to_owned(),
            kind: Some("USER".to_owned()),
            status: Some("ACTIVE".to_owned()),
            companies: self
                .companies
                .iter()
                .filter(|c| user.belongs_to(c.username))
                .map(|c| CompanyRef {
                    id: c.id.to_owned(),
                    name: c.name.to_owned(),
                    username: c.username.to_owned(),
                })
                .collect(),
            extra: extra(json!({"username": user.username, "createdAt": iso(user.created_at)})),
        }
    }

    pub(crate) fn ports(&self, company: &str, now: &Now) -> Vec<Port> {
        self.ports
            .iter()
            .filter(|p| p.company == company)
            .map(|p| self.port_view(p, now))
            .collect()
    }

    fn port_view(&self, port: &PortRecord, now: &Now) -> Port {
        let live: Vec<&ConnectionRecord> = self
            .connections
            .iter()
            .filter(|c| c.is_live(now) && c.src_port_ids().contains(&port.id))
            .collect();
        // Capacity is counted per leg (two legs from one port take twice the speed there) and
        // per other cloud's connection; the parent only groups its legs.
        let utilised: u64 = live
            .iter()
            .filter(|c| !matches!(c.kind, Kind::AzureGroup(_)))
            .map(|c| c.speed_mbps)
            .sum();
        let connections = live
            .iter()
            .filter(|c| !matches!(c.kind, Kind::AzureGroup(_)))
            .map(|c| {
                json!({
                    "id": c.id,
                    "name": c.name,
                    "type": ConnectionType::Layer2,
                    "status": c.status(now),
                    "speed": c.speed_mbps,
                })
            })
            .collect();
        Port {
            id: port.id.to_owned(),
            name: port.name.to_owned(),
            status: port.status.clone(),
            speed: Some(speed(port.speed_mbps)),
            single_service: port.single_service,
            capacity: Some(Capacity {
                total: port.speed_mbps,
                utilised,
                remaining: port.speed_mbps.saturating_sub(utilised),
            }),
            connections,
            extra: extra(json!({"city": port.city, "dataCenter": port.data_center})),
        }
    }

    pub(crate) fn connections(&self, company: &str, now: &Now) -> Vec<Connection> {
        self.connections
            .iter()
            .filter(|c| c.company == company)
            .map(|c| c.view(now))
            .collect()
    }

    fn find(&self, company: &str, id: &str) -> Result<&ConnectionRecord> {
        self.connections
            .iter()
            .find(|c| c.id == id && c.company == company)
            .ok_or_else(|| not_found(company, id))
    }

    pub(crate) fn connection(&self, company: &str, id: &str, now: &Now) -> Result<Connection> {
        self.find(company, id).map(|c| c.view(now))
    }

    pub(crate) fn delete_connection(
        &mut self,
        company: &str,
        id: &str,
        now: &Now,
    ) -> Result<Connection> {
        let connection = self.find(company, id)?;
        if let Kind::AzureLeg { parent_id, .. } = &connection.kind {
            return Err(SimError::BadRequest(format!(
                "connection {id} is a leg of the GROUP_LAYER2 connection {parent_id}; delete the parent"
            )));
        }
        let status = connection.status(now);
        if status.is_gone() {
            return Err(SimError::BadRequest(format!(
                "connection {id} is already {}",
                status.as_wire()
            )));
        }
        let mut ids = vec![connection.id.clone()];
        if let Kind::AzureGroup(group) = &connection.kind {
            ids.extend([group.primary_id.clone(), group.secondary_id.clone()]);
        }
        for c in self.connections.iter_mut().filter(|c| ids.contains(&c.id)) {
            c.delete_requested_at = Some(now.at);
        }
        self.connection(company, id, now)
    }

    pub(crate) fn verify_service_key(
        &self,
        company: &str,
        raw: &str,
        now: &Now,
    ) -> Result<ServiceKeyInfo> {
        let company = self.company(company)?.username;
        let key = self
            .free_service_key(company, "serviceKey", raw, now)
            .map_err(SimError::BadRequest)?;
        Ok(ServiceKeyInfo {
            service_key: Some(key.key.to_owned()),
            circuit_name: Some(key.circuit_name.to_owned()),
            bandwidth_mbps: Some(key.bandwidth_mbps),
            peering_location: Some(key.location.name.to_owned()),
            service_provider_name: Some("PCCW Global".to_owned()),
            service_provider_provisioning_state: Some("NotProvisioned".to_owned()),
            primary_azure_port: Some(key.location.primary_port.to_owned()),
            secondary_azure_port: Some(key.location.secondary_port.to_owned()),
            in_use: Some(false),
            extra: Extra::new(),
        })
    }

    pub(crate) fn create_connection(
        &mut self,
        company: &str,
        body: &CreateConnectionBody,
        now: &Now,
    ) -> Result<Connection> {
        let company = self.company(company)?.username;
        let (key, ports) = self
            .check_create(company, body, now)
            .map_err(SimError::Invalid)?;
        let parent_id = self.new_id();
        let primary_id = self.new_id();
        let secondary_id = self.new_id();
        let name = body.name.trim().to_owned();
        let payment_type = PaymentType::parse(&body.payment_type);
        let leg = |id: String, suffix: &str, src_port_id, dest_port_id| ConnectionRecord {
            id,
            company,
            name: format!("{name} {suffix} 1"),
            speed_mbps: body.speed,
            payment_type: payment_type.clone(),
            created_at: now.at,
            delete_requested_at: None,
            kind: Kind::AzureLeg {
                parent_id: parent_id.clone(),
                src_port_id,
                dest_port_id,
            },
        };
        // `check_create` passed one or two ports; with one, both legs leave from it.
        let (first_port, second_port) = (ports[0], ports.get(1).copied().unwrap_or(ports[0]));
        let primary = leg(
            primary_id.clone(),
            "Primary",
            first_port,
            key.location.dest_port_ids[0],
        );
        let secondary = leg(
            secondary_id.clone(),
            "Secondary",
            second_port,
            key.location.dest_port_ids[1],
        );
        let parent = ConnectionRecord {
            id: parent_id.clone(),
            company,
            name,
            speed_mbps: body.speed,
            payment_type,
            created_at: now.at,
            delete_requested_at: None,
            kind: Kind::AzureGroup(AzureGroup {
                service_key: key.key,
                dest_port_ids: key.location.dest_port_ids,
                src_port_ids: ports,
                primary_id,
                secondary_id,
                class_of_service: body.class_of_service.as_deref().map(ClassOfService::parse),
                peerings: BTreeMap::new(),
                peering_removed_at: None,
            }),
        };
        self.connections.extend([parent, primary, secondary]);
        self.connection(company, &parent_id, now)
    }

    /// Every reason the create call would be refused, or the key and the source ports to use.
    fn check_create(
        &self,
        company: &str,
        body: &CreateConnectionBody,
        now: &Now,
    ) -> Result<(ServiceKeyRecord, Vec<&'static str>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let key = self
            .free_service_key(company, "azureServiceKey", &body.azure_service_key, now)
            .map_err(|message| errors.push(field_error("azureServiceKey", message)))
            .ok();
        if let Err(e) = validate::connection_name(&body.name) {
            errors.push(e.into());
        }
        let ids: Vec<String> = body.src_port.iter().map(|p| p.port_id.clone()).collect();
        let mut ports = Vec::new();
        match validate::source_ports(&ids) {
            Err(e) => errors.push(rename_field(e, "srcPort")),
            Ok(()) => {
                for id in &ids {
                    match self
                        .ports
                        .iter()
                        .find(|p| p.id == id && p.company == company)
                    {
                        None => errors.push(field_error(
                            "srcPort",
                            format!("srcPort {id} is not a port of company {company}"),
                        )),
                        Some(port) => {
                            let view = self.port_view(port, now);
                            let remaining = view.capacity.map_or(0, |c| c.remaining);
                            match port_unusable_reason(&view, Some(body.speed)).or_else(|| {
                                (ids.len() == 1)
                                    .then(|| one_port_reason(remaining, body.speed))
                                    .flatten()
                            }) {
                                Some(reason) => errors.push(field_error(
                                    "srcPort",
                                    format!("srcPort {id} ({}): {reason}", port.name),
                                )),
                                None => ports.push(port.id),
                            }
                        }
                    }
                }
            }
        }
        if let Err(e) = validate::speed(body.speed, key.map(|k| k.bandwidth_mbps)) {
            errors.push(rename_field(e, "speed"));
        }
        if let Err(e) = validate::payment_type(&PaymentType::parse(&body.payment_type)) {
            errors.push(e.into());
        }
        let class = body.class_of_service.as_deref().map(ClassOfService::parse);
        if let Some(ClassOfService::Other(raw)) = class {
            errors.push(field_error(
                "classOfService",
                format!("classOfService must be one of BRONZE, SILVER, GOLD; got {raw:?}"),
            ));
        }
        match key {
            Some(key) if errors.is_empty() => Ok((key, ports)),
            _ => Err(errors),
        }
    }

    fn peerings_mut(&mut self, id: &str) -> Option<&mut BTreeMap<PeeringType, PeeringRecord>> {
        self.group_mut(id).map(|group| &mut group.peerings)
    }

    fn group_mut(&mut self, id: &str) -> Option<&mut AzureGroup> {
        self.connections.iter_mut().find_map(|c| match &mut c.kind {
            Kind::AzureGroup(group) if c.id == id => Some(group),
            _ => None,
        })
    }

    pub(crate) fn update_peering(
        &mut self,
        company: &str,
        id: &str,
        peering_type: PeeringType,
        config: PeeringConfig,
        now: &Now,
    ) -> Result<Peering> {
        let connection = self.find(company, id)?;
        let group = connection.azure_group()?;
        connection.require_active(now)?;
        let config = config.normalized();
        let others: Vec<validate::OtherPeering> = group
            .peerings
            .iter()
            .map(|(t, p)| validate::OtherPeering::configured(*t, &p.config))
            .collect();
        validate::peering_config(peering_type, &config, &others).map_err(SimError::Invalid)?;
        let record = PeeringRecord {
            config,
            updated_at: now.at,
        };
        let view = peering_view(peering_type, &record, now);
        if let Some(peerings) = self.peerings_mut(id) {
            peerings.insert(peering_type, record);
        }
        Ok(view)
    }

    pub(crate) fn read_peering(
        &self,
        company: &str,
        id: &str,
        peering_type: PeeringType,
        now: &Now,
    ) -> Result<Peering> {
        let group = self.find(company, id)?.azure_group()?;
        group
            .peerings
            .get(&peering_type)
            .map(|p| peering_view(peering_type, p, now))
            .ok_or_else(|| peering_not_found(id, peering_type))
    }

    pub(crate) fn delete_peering(
        &mut self,
        company: &str,
        id: &str,
        peering_type: PeeringType,
        now: &Now,
    ) -> Result<Connection> {
        let connection = self.find(company, id)?;
        if !connection
            .azure_group()?
            .peerings
            .contains_key(&peering_type)
        {
            return Err(peering_not_found(id, peering_type));
        }
        connection.require_active(now)?;
        if let Some(group) = self.group_mut(id) {
            group.peerings.remove(&peering_type);
            group.peering_removed_at = Some(now.at);
        }
        self.connection(company, id, now)
    }
}

fn peering_not_found(id: &str, peering_type: PeeringType) -> SimError {
    SimError::NotFound(format!("connection {id} has no {peering_type} peering"))
}

fn not_found(company: &str, id: &str) -> SimError {
    SimError::NotFound(format!("company {company} has no connection {id}"))
}
