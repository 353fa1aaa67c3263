//! A typed async client for the Console Connect API (the Azure ExpressRoute endpoints and the
//! few others the portal needs), behind the [`ConsoleConnect`] trait so the server can run
//! against any implementation.
//!
//! - The API key travels per call as an [`ApiKey`], whose `Debug` prints a mask.
//! - Every path segment that comes from a user is a checked type ([`ObjectId`],
//!   [`CompanyUsername`], [`PeeringType`]) and is percent-encoded by the URL builder.
//! - Explicit connect and total timeouts, no redirects, a response size cap; reads are retried a
//!   bounded number of times with jitter, writes never. A `Retry-After` is waited out when it
//!   is short and kept in the error ([`Error::retry_after`]) when it is not.

mod client;
mod error;
mod ids;
mod secret;

pub use client::{BuildError, Client, ClientConfig, base_url};
pub use error::{Error, Result};
pub use ids::{CompanyUsername, ObjectId};
pub use models::PeeringType;
pub use secret::ApiKey;

use async_trait::async_trait;
use models::upstream::{
    Connection, CreateConnectionBody, Peering, PeeringConfig, Port, ServiceKeyInfo, User,
};

/// Every Console Connect call the portal makes.
#[async_trait]
pub trait ConsoleConnect: Send + Sync + 'static {
    /// `GET /api/auth/token`: the user the key belongs to (401 when the key is bad).
    async fn who_am_i(&self, key: &ApiKey) -> Result<User>;

    /// `GET /api/company/{username}/ports?deleted=false`.
    async fn list_ports(&self, key: &ApiKey, company: &CompanyUsername) -> Result<Vec<Port>>;

    /// `GET /api/company/{username}/connections`: every connection of the company.
    async fn list_connections(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
    ) -> Result<Vec<Connection>>;

    /// `GET /api/company/{username}/connections/{id}`.
    async fn get_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection>;

    /// `DELETE /api/v2/company/{username}/connections/{id}`.
    async fn delete_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
    ) -> Result<Connection>;

    /// `POST …/AZURE/layer2/serviceKey`: what Azure says about a service key.
    async fn verify_service_key(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        service_key: &str,
    ) -> Result<ServiceKeyInfo>;

    /// `PUT …/AZURE/layer2/create`: the `GROUP_LAYER2` parent of the new connection.
    async fn create_connection(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        body: &CreateConnectionBody,
    ) -> Result<Connection>;

    /// `POST …/AZURE/layer2/{id}/peering/{type}`.
    async fn update_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
        config: &PeeringConfig,
    ) -> Result<Peering>;

    /// `GET …/AZURE/layer2/{id}/peering/{type}`; `None` when that peering is not configured.
    async fn read_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<Option<Peering>>;

    /// `DELETE …/AZURE/layer2/{id}/peering/{type}`.
    async fn delete_peering(
        &self,
        key: &ApiKey,
        company: &CompanyUsername,
        id: &ObjectId,
        peering: PeeringType,
    ) -> Result<()>;
}
