//! Who is calling: the bearer API key, the user it belongs to, and what that user may do.

use crate::Simulator;
use crate::error::{Result, SimError};
use crate::state::UserRecord;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

/// The key of an `Authorization: Bearer <key>` header.
pub(crate) fn bearer_key(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, key) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| key.trim())
}

/// The user a request's API key belongs to; a request without a known key is refused with 401.
pub(crate) struct Caller(pub(crate) UserRecord);

impl FromRequestParts<Simulator> for Caller {
    type Rejection = SimError;

    async fn from_request_parts(parts: &mut Parts, sim: &Simulator) -> Result<Self> {
        let key = bearer_key(&parts.headers).ok_or(SimError::Unauthorized)?;
        let user = sim.lock().world.user_by_key(key).copied();
        user.map(Caller).ok_or(SimError::Unauthorized)
    }
}

impl Caller {
    /// Reading a company's data needs membership.
    pub(crate) fn may_read(&self, company: &str) -> Result<()> {
        if self.0.belongs_to(company) {
            Ok(())
        } else {
            Err(SimError::Forbidden(
                "your API key does not belong to this company".to_owned(),
            ))
        }
    }

    /// Changing anything needs membership and the Network Admin role.
    pub(crate) fn may_write(&self, company: &str) -> Result<()> {
        self.may_read(company)?;
        if self.0.network_admin {
            Ok(())
        } else {
            Err(SimError::Forbidden(
                "this needs the Network Admin role; your API key can only read".to_owned(),
            ))
        }
    }
}
