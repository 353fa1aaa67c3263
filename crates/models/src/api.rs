//! The portal's own JSON API (`/api/…`), spoken by the browser app and the server. Field names
//! are camelCase on the wire. Secrets never travel back to the browser: service keys are masked
//! and a peering's shared key is reported only as set or not set.

use crate::diff::FieldChange;
use crate::enums::{
    ClassOfService, ConnectionStatus, PaymentType, PeeringType, PortStatus, ProvisioningStatus,
    SyncStatus,
};
use crate::upstream::{Capacity, PeeringConfig};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `GET /api/info`: what the sign-in page needs before anyone signs in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalInfo {
    pub version: String,
    /// True when the portal talks to its built-in sandbox instead of Console Connect.
    pub sandbox: bool,
    /// The upstream in use, for display: `sandbox` or the base URL's host.
    pub upstream: String,
    /// Sandbox only: API keys to sign in with.
    #[serde(default)]
    pub demo_api_keys: Vec<DemoKey>,
    /// Sandbox only: Azure service keys to try in the wizards.
    #[serde(default)]
    pub demo_service_keys: Vec<DemoKey>,
}

/// A sandbox key with what it is good for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoKey {
    pub key: String,
    pub description: String,
}

/// `POST /api/session`: sign in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SignInRequest {
    pub api_key: String,
}

/// `PUT /api/session/company`: choose the company to work in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SelectCompanyRequest {
    /// The company's username (its path segment upstream).
    pub company: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionUser {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CompanyView {
    pub id: String,
    pub name: String,
    pub username: String,
}

/// `GET /api/session`: who is signed in, where, and until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    pub user: SessionUser,
    pub companies: Vec<CompanyView>,
    /// Username of the selected company; `None` until one is chosen.
    pub company: Option<String>,
    pub sandbox: bool,
    /// RFC 3339 UTC: the session ends here whatever happens (absolute lifetime).
    pub expires_at: String,
    /// RFC 3339 UTC: the session ends here unless it is used before (idle timeout).
    pub idle_expires_at: String,
    /// Seconds from this answer to `idle_expires_at`, rounded up: what a browser whose clock
    /// is not the server's counts from.
    pub idle_seconds_left: u64,
    /// The idle timeout itself, in seconds: how long the session lasts without a request.
    pub idle_timeout_seconds: u64,
    /// Seconds from this answer to `expires_at`, rounded up.
    pub seconds_left: u64,
}

impl SessionView {
    pub fn selected_company(&self) -> Option<&CompanyView> {
        let username = self.company.as_deref()?;
        self.companies.iter().find(|c| c.username == username)
    }
}

/// `GET /api/ports?speed=`: a port and whether it can be the source of a new connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortView {
    pub id: String,
    pub name: String,
    pub status: PortStatus,
    pub speed_mbps: Option<u64>,
    pub capacity: Option<Capacity>,
    pub single_service: bool,
    pub usable: bool,
    /// Why it cannot be used, when it cannot.
    pub unusable_reason: Option<String>,
}

/// `POST /api/service-keys/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifyServiceKeyRequest {
    pub service_key: String,
}

/// What Azure says about a service key, with the key itself masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceKeyView {
    pub service_key_masked: String,
    pub circuit_name: Option<String>,
    pub bandwidth_mbps: Option<u64>,
    pub peering_location: Option<String>,
    pub service_provider_name: Option<String>,
    pub provider_state: Option<String>,
    pub primary_azure_port: Option<String>,
    pub secondary_azure_port: Option<String>,
    pub in_use: Option<bool>,
    /// Speeds that can be ordered for this circuit.
    pub offered_speeds: Vec<u64>,
}

/// `POST /api/connections`: order the redundant connection for a service key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateConnectionRequest {
    pub service_key: String,
    pub name: String,
    pub port_ids: Vec<String>,
    pub speed_mbps: u64,
    #[serde(deserialize_with = "payment_type_spelled")]
    pub payment_type: PaymentType,
    #[serde(default, deserialize_with = "class_of_service_spelled")]
    pub class_of_service: Option<ClassOfService>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub ticket: Option<String>,
}

/// The payment type as an order spells it: a string (one it does not know is refused by its
/// rule, which names the allowed ones), never another JSON type read as one, as the tolerant
/// reading of Console Connect's answers would.
fn payment_type_spelled<'de, D: serde::Deserializer<'de>>(d: D) -> Result<PaymentType, D::Error> {
    String::deserialize(d).map(|s| PaymentType::parse(&s))
}

/// The class of service as an order spells it, if given: as [`payment_type_spelled`].
fn class_of_service_spelled<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<ClassOfService>, D::Error> {
    Option::<String>::deserialize(d).map(|s| s.map(|s| ClassOfService::parse(&s)))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConnectionResponse {
    pub id: String,
    pub connection: ConnectionView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegRole {
    Primary,
    Secondary,
}

/// One of the two `LAYER2` legs of an Azure connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegView {
    pub id: String,
    pub name: String,
    pub role: LegRole,
    pub status: ConnectionStatus,
    pub src_port_id: Option<String>,
    pub dest_port_id: Option<String>,
}

/// A peering's presence and sync status, as listed with a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeeringSummary {
    pub peering_type: PeeringType,
    pub sync_status: SyncStatus,
}

/// An Azure connection: the `GROUP_LAYER2` parent with both legs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub speed_mbps: Option<u64>,
    pub status: ConnectionStatus,
    pub provisioning_status: Option<ProvisioningStatus>,
    pub service_key_masked: Option<String>,
    pub legs: Vec<LegView>,
    pub peerings: Vec<PeeringSummary>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub error_reason: Option<String>,
    /// How the connection is paid for and its class of service, as ordered, when Console
    /// Connect lists them with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_of_service: Option<ClassOfService>,
    /// The token of what deleting the connection removes: its name, speed and which peerings
    /// it has. A delete may send it back as `expectedBase` and is then refused with
    /// `changed_since_read` if any of that changed since; statuses moving on do not change it.
    #[serde(default)]
    pub base: String,
}

impl ConnectionView {
    /// Whether anything shown will change by itself, so the view should refresh.
    pub fn is_transitional(&self) -> bool {
        self.status.is_transitional()
            || self
                .provisioning_status
                .as_ref()
                .is_some_and(ProvisioningStatus::is_transitional)
            || self.legs.iter().any(|l| l.status.is_transitional())
            || self
                .peerings
                .iter()
                .any(|p| p.sync_status.is_transitional())
    }

    pub fn peering(&self, t: PeeringType) -> Option<&PeeringSummary> {
        self.peerings.iter().find(|p| p.peering_type == t)
    }
}

/// A peering as shown: the config without its shared key, and whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PeeringView {
    pub peering_type: PeeringType,
    pub sync_status: SyncStatus,
    pub updated_at: Option<String>,
    pub config: PeeringConfig,
    pub shared_key_set: bool,
    /// An opaque token of these settings (the shared key included), as a preview's `base`:
    /// a change or a delete may send it back as `expectedBase`.
    pub base: String,
}

/// `POST /api/connections/{id}/peering/{type}` (and `…/preview`, where reason may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PeeringChangeRequest {
    pub config: PeeringConfig,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub ticket: Option<String>,
    /// Keep the shared key already configured instead of the one (or none) in `config`.
    #[serde(default)]
    pub keep_shared_key: bool,
    /// The `base` of the preview this change was reviewed with (or of the peering as read).
    /// When given, the change is made only if the peering is still as it was then; otherwise
    /// it is refused with `changed_since_read`, so nobody overwrites a colleague's change they
    /// have not seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_base: Option<String>,
}

/// `GET /api/connections/{id}/peering/{type}/router-config?vendor=ios-xe|junos`: what each of
/// the customer's two routers needs for the peering as configured, written by
/// [`crate::router::router_config`] (the shared key as a placeholder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterConfigView {
    pub peering_type: PeeringType,
    /// The router OS: `ios-xe` or `junos`.
    pub vendor: String,
    /// The primary link's router, then the secondary's.
    pub routers: Vec<RouterText>,
}

/// One router's configuration, or why it cannot be written (a subnet or prefix the rules refuse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouterText {
    /// `primary` or `secondary`.
    pub link: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The field-level difference a peering change would make, before making it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviewResponse {
    pub peering_type: PeeringType,
    /// Whether a peering of this type exists now (otherwise the change creates it).
    pub exists: bool,
    pub changes: Vec<FieldChange>,
    /// An opaque token of the peering as it was when the difference was computed; sent back
    /// as the change's `expectedBase`.
    pub base: String,
}

/// The body of a delete (connection or peering): why, and the typed confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeleteRequest {
    pub reason: String,
    #[serde(default)]
    pub ticket: Option<String>,
    /// The connection's name, typed by the user.
    pub confirm_name: String,
    /// The `base` of the peering (or connection) as shown. When given, it is removed only if it
    /// is still as it was then (otherwise `changed_since_read`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_base: Option<String>,
}

/// What an audited call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    SignIn,
    SignOut,
    SelectCompany,
    VerifyServiceKey,
    CreateConnection,
    DeleteConnection,
    UpdatePeering,
    DeletePeering,
}

/// Read in any case, as a filter in the address or on the command line.
impl<'de> Deserialize<'de> for AuditAction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::enums::any_case(d, &Self::ALL, Self::as_str)
    }
}

impl AuditAction {
    pub const ALL: [AuditAction; 8] = [
        Self::SignIn,
        Self::SignOut,
        Self::SelectCompany,
        Self::VerifyServiceKey,
        Self::CreateConnection,
        Self::DeleteConnection,
        Self::UpdatePeering,
        Self::DeletePeering,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::SignOut => "sign_out",
            Self::SelectCompany => "select_company",
            Self::VerifyServiceKey => "verify_service_key",
            Self::CreateConnection => "create_connection",
            Self::DeleteConnection => "delete_connection",
            Self::UpdatePeering => "update_peering",
            Self::DeletePeering => "delete_peering",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::SignIn => "Sign in",
            Self::SignOut => "Sign out",
            Self::SelectCompany => "Choose company",
            Self::VerifyServiceKey => "Verify service key",
            Self::CreateConnection => "Create connection",
            Self::DeleteConnection => "Delete connection",
            Self::UpdatePeering => "Update peering",
            Self::DeletePeering => "Delete peering",
        }
    }
}

/// An intent row is written before the call goes upstream, an outcome row after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditPhase {
    Intent,
    Outcome,
}

/// Read in any case, as a filter in the address or on the command line.
impl<'de> Deserialize<'de> for AuditPhase {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::enums::any_case(d, &Self::ALL, Self::as_str)
    }
}

impl AuditPhase {
    pub const ALL: [AuditPhase; 2] = [Self::Intent, Self::Outcome];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Intent => "intent",
            Self::Outcome => "outcome",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// How an audited call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    /// Upstream accepted it.
    Succeeded,
    /// Upstream refused it or answered with an error, or could not be reached.
    Failed,
    /// A change was sent upstream but no readable answer came back (timed out, broken off,
    /// unreadable): it may or may not have been made.
    Unknown,
    /// The portal refused it before going upstream (e.g. peering before ACTIVE).
    Refused,
    /// The portal stopped (crash, restart) between intent and outcome; found at start-up.
    Interrupted,
}

/// Read in any case, as a filter in the address or on the command line.
impl<'de> Deserialize<'de> for AuditOutcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::enums::any_case(d, &Self::ALL, Self::as_str)
    }
}

impl AuditOutcome {
    pub const ALL: [AuditOutcome; 5] = [
        Self::Succeeded,
        Self::Failed,
        Self::Unknown,
        Self::Refused,
        Self::Interrupted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
            Self::Refused => "refused",
            Self::Interrupted => "interrupted",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == raw)
    }
}

/// One row of the audit history. Secrets are redacted before a row is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: i64,
    /// RFC 3339 UTC with milliseconds.
    pub at: String,
    pub request_id: String,
    pub phase: AuditPhase,
    /// For an outcome row: the id of its intent row.
    pub intent_id: Option<i64>,
    pub action: AuditAction,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub company: Option<String>,
    pub connection_id: Option<String>,
    pub peering_type: Option<PeeringType>,
    pub reason: Option<String>,
    pub ticket: Option<String>,
    pub request: Option<Value>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub outcome: Option<AuditOutcome>,
    pub upstream_status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// `GET /api/audit` filters; all optional. `before` is the id cursor of the next page. An
/// unknown parameter is refused rather than ignored: a misspelt filter must not silently
/// widen the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// Matches the actor's user id or email exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<AuditAction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peering_type: Option<PeeringType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AuditOutcome>,
    /// Only intents, or only outcomes: one row per change, each with how it ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<AuditPhase>,
    /// RFC 3339, or a date for its midnight UTC; events at or after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// RFC 3339, or a date for its midnight UTC; events before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditPage {
    pub events: Vec<AuditEvent>,
    /// Pass as `before` to get the next (older) page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// `GET /api/audit/{id}`: one event, its before/after difference and its intent/outcome pair.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventDetail {
    pub event: AuditEvent,
    pub changes: Vec<FieldChange>,
    pub related: Vec<AuditEvent>,
    /// Where this event or its partner does not fit the hash chain, checked as it is read: what
    /// the page shows may then not be what was written. Empty when both fit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub chain_problems: Vec<String>,
}

/// `GET /api/audit/verify`: whether the hash chain holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainVerification {
    pub ok: bool,
    pub rows_checked: u64,
    pub first_bad: Option<ChainBreak>,
    /// The last row that fits the chain (none in an empty history). Its hash covers every row
    /// up to it: kept somewhere else, it lets a later check prove that this part of the history
    /// is unchanged and was not cut short (`portal audit verify --expect-head ID:HASH`).
    #[serde(default)]
    pub head: Option<ChainHead>,
}

/// A row of the chain, named by id and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainHead {
    pub id: i64,
    pub hash: String,
}

impl std::fmt::Display for ChainHead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.id, self.hash)
    }
}

impl std::str::FromStr for ChainHead {
    type Err = String;

    /// `ID:HASH`, as printed by `portal audit verify`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("expected ID:HASH (a row id, a colon, 64 hexadecimal digits); got {s:?}");
        let (id, hash) = s.trim().split_once(':').ok_or_else(bad)?;
        let id = id
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(bad)?;
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(ChainHead {
            id,
            hash: hash.to_ascii_lowercase(),
        })
    }
}

/// The first row that does not fit the chain, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainBreak {
    pub id: i64,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_head_reads_back_what_it_prints() {
        let hash = "0123456789abcdef".repeat(4);
        let head: ChainHead = format!("42:{}", hash.to_uppercase()).parse().unwrap();
        assert_eq!(
            head,
            ChainHead {
                id: 42,
                hash: hash.clone()
            }
        );
        assert_eq!(head.to_string().parse::<ChainHead>(), Ok(head));
        for bad in [
            "42".to_owned(),
            "0:".to_owned() + &hash,
            format!("x:{hash}"),
            format!("42:{}", &hash[1..]),
            format!("42:{}g", &hash[1..]),
        ] {
            let err = bad.parse::<ChainHead>().unwrap_err();
            assert!(err.contains("ID:HASH"), "{bad}: {err}");
        }
    }

    #[test]
    fn audit_action_round_trips_its_name() {
        for a in AuditAction::ALL {
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            assert_eq!(serde_json::to_value(a).unwrap(), a.as_str());
        }
        assert_eq!(AuditAction::parse("drop_table"), None);
    }

    #[test]
    fn audit_query_reads_camel_case() {
        let q: AuditQuery = serde_json::from_str(
            r#"{"peeringType":"PRIVATE","outcome":"refused","phase":"outcome","before":10}"#,
        )
        .unwrap();
        assert_eq!(q.peering_type, Some(PeeringType::Private));
        assert_eq!(q.outcome, Some(AuditOutcome::Refused));
        assert_eq!(q.phase, Some(AuditPhase::Outcome));
        assert_eq!(q.before, Some(10));
        // The filters' names in any case, as the command line takes them.
        let q: AuditQuery = serde_json::from_str(
            r#"{"action":"UPDATE_PEERING","peeringType":"microsoft","outcome":"Succeeded","phase":"INTENT"}"#,
        )
        .unwrap();
        assert_eq!(q.action, Some(AuditAction::UpdatePeering));
        assert_eq!(q.peering_type, Some(PeeringType::Microsoft));
        assert_eq!(q.outcome, Some(AuditOutcome::Succeeded));
        assert_eq!(q.phase, Some(AuditPhase::Intent));
        assert!(serde_json::from_str::<AuditQuery>(r#"{"action":"update peering"}"#).is_err());
    }

    #[test]
    fn transitional_connection_wants_refresh() {
        let mut c = ConnectionView {
            id: "a".repeat(24),
            name: "A".into(),
            speed_mbps: Some(100),
            status: ConnectionStatus::Active,
            provisioning_status: Some(ProvisioningStatus::Provisioned),
            service_key_masked: None,
            legs: vec![],
            peerings: vec![PeeringSummary {
                peering_type: PeeringType::Private,
                sync_status: SyncStatus::Synced,
            }],
            created_at: None,
            updated_at: None,
            error_reason: None,
            payment_type: None,
            class_of_service: None,
            base: String::new(),
        };
        assert!(!c.is_transitional());
        c.peerings[0].sync_status = SyncStatus::Syncing;
        assert!(c.is_transitional());
    }
}
