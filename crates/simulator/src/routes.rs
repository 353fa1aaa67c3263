//! The API's routes: which endpoint each [`Route`] is, the router, and the gate every API request
//! passes first (request log, then faults).

use crate::auth::bearer_key;
use crate::requests::RecordedRequest;
use crate::{Simulator, admin, faults, handlers};
use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodFilter, on};
use serde::{Deserialize, Serialize};

/// An endpoint of the API, for faults and the request log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Route {
    /// Every route: a fault set here applies wherever no route-specific one is set.
    Any,
    WhoAmI,
    ListPorts,
    ListConnections,
    GetConnection,
    DeleteConnection,
    VerifyServiceKey,
    CreateConnection,
    UpdatePeering,
    ReadPeering,
    DeletePeering,
}

/// A path under the Azure ExpressRoute endpoints.
macro_rules! azure {
    ($suffix:literal) => {
        concat!(
            "/api/company/{username}/connections/directConnectPartner/AZURE/layer2",
            $suffix
        )
    };
}

const PEERING: &str = azure!("/{connectionId}/peering/{peeringType}");

impl Route {
    const ENDPOINTS: [Route; 10] = [
        Route::WhoAmI,
        Route::ListPorts,
        Route::ListConnections,
        Route::GetConnection,
        Route::DeleteConnection,
        Route::VerifyServiceKey,
        Route::CreateConnection,
        Route::UpdatePeering,
        Route::ReadPeering,
        Route::DeletePeering,
    ];

    /// The method and path pattern of the endpoint; `Any` is none.
    fn endpoint(self) -> Option<(MethodFilter, &'static str)> {
        Some(match self {
            Route::Any => return None,
            Route::WhoAmI => (MethodFilter::GET, "/api/auth/token"),
            Route::ListPorts => (MethodFilter::GET, "/api/company/{username}/ports"),
            Route::ListConnections => (MethodFilter::GET, "/api/company/{username}/connections"),
            Route::GetConnection => (
                MethodFilter::GET,
                "/api/company/{username}/connections/{id}",
            ),
            Route::DeleteConnection => (
                MethodFilter::DELETE,
                "/api/v2/company/{username}/connections/{id}",
            ),
            Route::VerifyServiceKey => (MethodFilter::POST, azure!("/serviceKey")),
            Route::CreateConnection => (MethodFilter::PUT, azure!("/create")),
            Route::UpdatePeering => (MethodFilter::POST, PEERING),
            Route::ReadPeering => (MethodFilter::GET, PEERING),
            Route::DeletePeering => (MethodFilter::DELETE, PEERING),
        })
    }

    /// The route a request matched, from its method and the pattern axum matched.
    fn of(method: &Method, matched: &str) -> Option<Route> {
        let filter = MethodFilter::try_from(method.clone()).ok()?;
        Route::ENDPOINTS
            .into_iter()
            .find(|r| r.endpoint() == Some((filter, matched)))
    }
}

/// Registers `handler` at the endpoint of `route`.
fn endpoint<H, T>(router: Router<Simulator>, route: Route, handler: H) -> Router<Simulator>
where
    H: Handler<T, Simulator>,
    T: 'static,
{
    match route.endpoint() {
        Some((method, path)) => router.route(path, on(method, handler)),
        None => router,
    }
}

pub(crate) fn router(sim: Simulator) -> Router {
    let api = Router::new();
    let api = endpoint(api, Route::WhoAmI, handlers::who_am_i);
    let api = endpoint(api, Route::ListPorts, handlers::list_ports);
    let api = endpoint(api, Route::ListConnections, handlers::list_connections);
    let api = endpoint(api, Route::GetConnection, handlers::get_connection);
    let api = endpoint(api, Route::DeleteConnection, handlers::delete_connection);
    let api = endpoint(api, Route::VerifyServiceKey, handlers::verify_service_key);
    let api = endpoint(api, Route::CreateConnection, handlers::create_connection);
    let api = endpoint(api, Route::UpdatePeering, handlers::update_peering);
    let api = endpoint(api, Route::ReadPeering, handlers::read_peering);
    let api = endpoint(api, Route::DeletePeering, handlers::delete_peering);
    api.fallback(handlers::unknown_endpoint)
        // Added with `Router::layer`, the gate runs after routing, so it sees the matched path.
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .merge(admin::router())
        .with_state(sim)
}

/// Records the request, then applies the fault set for its route, if any.
async fn gate(State(sim): State<Simulator>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    // Only a mistyped control path reaches here (the control routes have no gate); it is not
    // an API request.
    if path.starts_with("/__sim") {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| Route::of(&method, m.as_str()));
    let fault = {
        let mut shared = sim.lock();
        let authorized = bearer_key(request.headers())
            .is_some_and(|key| shared.world.user_by_key(key).is_some());
        shared.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: request.uri().query().map(str::to_owned),
            route,
            authorized,
        });
        route.and_then(|r| shared.faults.take(r))
    };
    if let Some(fault) = &fault {
        tracing::info!(%method, %path, ?route, ?fault, "injecting a fault");
    }
    let response = match fault {
        Some(fault) => faults::apply(fault, request, next).await,
        None => next.run(request).await,
    };
    tracing::debug!(%method, %path, status = response.status().as_u16(), "answered");
    response
}
