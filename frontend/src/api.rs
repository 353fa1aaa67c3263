//! The only module that speaks HTTP: one typed async function per portal endpoint under `/api`.
//! Every failure, a dropped network included, comes back as a [`models::ApiError`]; an answer
//! saying the session is gone (401) also tells the app, which goes to the sign-in page.

use crate::nav;
use models::api::{
    AuditEventDetail, AuditPage, AuditQuery, ChainVerification, ConnectionView,
    CreateConnectionRequest, CreateConnectionResponse, DeleteRequest, PeeringChangeRequest,
    PeeringView, PortView, PortalInfo, PreviewResponse, RouterConfigView, SelectCompanyRequest,
    ServiceKeyView, SessionView, SignInRequest, VerifyServiceKeyRequest,
};
use models::router::Vendor;
use models::{ApiError, ErrorCode, PeeringType, validate};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub type ApiResult<T> = Result<T, ApiError>;

type SignedOutHook = Rc<dyn Fn(ErrorCode)>;
type SessionChangedHook = Rc<dyn Fn()>;
/// Told whether the key only reads (`true`) or was allowed a change (`false`).
type RoleHook = Rc<dyn Fn(bool)>;

thread_local! {
    static ON_SIGNED_OUT: RefCell<Option<SignedOutHook>> = const { RefCell::new(None) };
    static ON_SESSION_CHANGED: RefCell<Option<SessionChangedHook>> = const { RefCell::new(None) };
    static ON_ROLE_LEARNT: RefCell<Option<RoleHook>> = const { RefCell::new(None) };
    /// The user id and company username the app shows, said with every call.
    static SEEN_AS: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
    static LAST_SUCCESS: Cell<f64> = const { Cell::new(0.0) };
    /// When someone last used the page (a key, a click, a touch, the tab brought back), ms
    /// since the epoch; 0 until [`note_input`] is first called.
    static LAST_INPUT: Cell<f64> = const { Cell::new(0.0) };
    /// When someone last typed into the page, ms since the epoch.
    static LAST_TYPED: Cell<f64> = const { Cell::new(0.0) };
    /// Whether the request being made now is a read the app makes at its own pace, while
    /// nobody may be looking ([`read_by_itself`]).
    static BY_ITSELF: Cell<bool> = const { Cell::new(false) };
    static QUIET_UNTIL: Cell<f64> = const { Cell::new(0.0) };
    static QUIET_LOADED: Cell<bool> = const { Cell::new(false) };
    static CHANGES_SENT: Cell<u32> = const { Cell::new(0) };
}

/// How long after the last input a read the app makes is its own doing (a page refreshing
/// itself), not the user's: it is sent as unattended, and keeps the session alive neither
/// on the server nor here, so a tab left open ends at the idle timeout like any other.
const UNATTENDED_AFTER_MS: f64 = 60_000.0;

/// Notes that someone uses the page now.
pub fn note_input() {
    LAST_INPUT.with(|t| t.set(web_sys::js_sys::Date::now()));
}

/// Notes that someone types into the page now: input, and work that may ask the portal
/// nothing for a long while (a long form), which keeps the session alive all the same.
pub fn note_typing() {
    note_input();
    LAST_TYPED.with(|t| t.set(web_sys::js_sys::Date::now()));
}

/// When someone last typed into the page (ms since the epoch; 0 for never).
pub fn last_typed() -> f64 {
    LAST_TYPED.with(Cell::get)
}

/// Whether nobody has used the page for [`UNATTENDED_AFTER_MS`] at `now` (ms since the epoch),
/// the last input having been at `last_input`.
fn unattended(last_input: f64, now: f64) -> bool {
    now - last_input > UNATTENDED_AFTER_MS
}

/// Whether `request` is sent as unattended at `now`: only a read can be the app's own doing; a
/// change, or a read asked for in so many words (*Stay signed in*, which a click made without
/// a pointer, by assistive technology say, may not have been noted as input before), is
/// always someone's. A read made at the app's own slow pace is unattended whenever the last
/// input was.
fn sent_unattended(request: &Request, last_input: f64, now: f64) -> bool {
    request.method == "GET"
        && !request.changes
        && !request.asked
        && (request.by_itself || unattended(last_input, now))
}

/// Awaits `read`; when `by_itself`, the requests it makes are sent as the app's own doing
/// (unattended), not the user's, however recent the last input: a page read again at an idle
/// pace (see `crate::poll`) never keeps the session alive.
pub async fn read_by_itself<T>(read: impl Future<Output = T>, by_itself: bool) -> T {
    let mut read = std::pin::pin!(read);
    // A request is written when the read is polled (its first poll, up to the fetch): said
    // for the length of each poll, and no longer.
    std::future::poll_fn(move |cx| {
        let before = BY_ITSELF.with(|b| b.replace(by_itself));
        let polled = read.as_mut().poll(cx);
        BY_ITSELF.with(|b| b.set(before));
        polled
    })
    .await
}

/// Whether a change is on its way to Console Connect: leaving the page now would lose its
/// answer, and with it whether the change was made.
pub fn change_under_way() -> bool {
    CHANGES_SENT.with(Cell::get) > 0
}

/// Counts a change from when it is sent until its answer has come (or failed to).
struct Sending(bool);

impl Sending {
    fn new(changes: bool) -> Self {
        if changes {
            CHANGES_SENT.with(|n| n.set(n.get() + 1));
        }
        Sending(changes)
    }
}

impl Drop for Sending {
    fn drop(&mut self) {
        if self.0 {
            CHANGES_SENT.with(|n| n.set(n.get().saturating_sub(1)));
        }
    }
}

/// Until when (ms since the epoch, 0 for no wait) the portal asked, with `Retry-After`, not to
/// be asked again: pages refreshing by themselves wait for it ([`crate::poll`]), and so do the
/// buttons that send. Kept for the tab, so that a reload does not forget it.
pub fn quiet_until() -> f64 {
    if !QUIET_LOADED.with(|loaded| loaded.replace(true))
        && let Some(kept) = kept_quiet()
    {
        QUIET_UNTIL.with(|q| q.set(q.get().max(kept)));
    }
    QUIET_UNTIL.with(Cell::get)
}

/// Notes a `Retry-After` of whole seconds received at `now`; a later wait already noted stays.
fn asked_to_wait(retry_after: Option<&str>, now: f64) {
    if let Some(secs) = retry_after.and_then(|v| v.trim().parse::<u32>().ok()) {
        let until = (now + f64::from(secs) * 1000.0).max(quiet_until());
        QUIET_UNTIL.with(|q| q.set(until));
        keep_quiet(until);
    }
}

/// Where the tab keeps the wait (its session storage).
#[cfg(target_arch = "wasm32")]
const QUIET_KEY: &str = "portal-quiet-until";

#[cfg(target_arch = "wasm32")]
fn quiet_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

// Kept as whole seconds since the epoch, rounded up (a u32 holds them until 2106): formatting
// and reading an `f64` would add Rust's float code to the bundle (about 20 KiB), where
// integers' is there already.
#[cfg(target_arch = "wasm32")]
fn kept_quiet() -> Option<f64> {
    let secs: u32 = quiet_storage()?.get_item(QUIET_KEY).ok()??.parse().ok()?;
    Some(f64::from(secs) * 1000.0)
}

#[cfg(target_arch = "wasm32")]
fn keep_quiet(until: f64) {
    if let Some(storage) = quiet_storage() {
        let secs = web_sys::js_sys::Math::ceil(until / 1000.0) as u32;
        let _ = storage.set_item(QUIET_KEY, &secs.to_string());
    }
}

// The unit tests run natively, without a browser's storage.
#[cfg(not(target_arch = "wasm32"))]
fn kept_quiet() -> Option<f64> {
    None
}

#[cfg(not(target_arch = "wasm32"))]
fn keep_quiet(_: f64) {}

/// When the portal last answered a call with success (ms since the epoch, 0 for never): each
/// such call also kept the session alive on the server.
pub fn last_success() -> f64 {
    LAST_SUCCESS.with(Cell::get)
}

/// Registers what to do when the server says the session is gone, with the error's code: why
/// (ran out, its key refused by Console Connect, or none existing).
pub fn on_signed_out(hook: impl Fn(ErrorCode) + 'static) {
    ON_SIGNED_OUT.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
}

/// Notes the user (their id) and company (its username, if one is chosen) the app shows: each
/// call says them, and the portal refuses one made for a session that has since changed (a
/// company chosen in another tab of the browser, whose session this is too), so a page never
/// shows, or changes, another company's than the one it names.
pub fn seen_as(who: Option<(String, Option<String>)>) {
    SEEN_AS
        .with(|s| *s.borrow_mut() = who.map(|(user, company)| (user, company.unwrap_or_default())));
}

/// Registers what to do when the portal refused a call made for a user or company the session
/// no longer has: learn the session as it is.
pub fn on_session_changed(hook: impl Fn() + 'static) {
    ON_SESSION_CHANGED.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
}

/// Registers what to do when Console Connect refused a change for the user's role in the
/// company (`true`: remember that this user's key only reads there), or allowed one (`false`).
pub fn on_role_learnt(hook: impl Fn(bool) + 'static) {
    ON_ROLE_LEARNT.with(|h| *h.borrow_mut() = Some(Rc::new(hook)));
}

/// The session ended, as the app learnt without a call refused for it (the notice of its end):
/// what a call refused so does, the app leaving for sign-in.
pub fn session_ended() {
    signed_out(ErrorCode::SessionExpired);
}

fn signed_out(why: ErrorCode) {
    if let Some(hook) = ON_SIGNED_OUT.with(|h| h.borrow().clone()) {
        hook(why);
    }
}

/// Whether a 401 means "the session is gone" (every call but sign-in, where it means a wrong key).
#[derive(Clone, Copy, PartialEq, Eq)]
enum On401 {
    SignOut,
    Report,
    /// Reported, and the call is not activity: the server does not renew the session for it,
    /// so its success must not count as keeping the session alive here either.
    ReportPassive,
    /// Not activity, as `ReportPassive`; a session gone sends the app to sign-in, as `SignOut`.
    SignOutPassive,
}

impl On401 {
    fn counts_as_activity(self) -> bool {
        matches!(self, Self::SignOut | Self::Report)
    }

    fn signs_out(self) -> bool {
        matches!(self, Self::SignOut | Self::SignOutPassive)
    }
}

/// A call to the portal: method, path and, for a change, its JSON body.
struct Request {
    method: &'static str,
    url: String,
    json: Option<String>,
    /// Whether it asks Console Connect for a change: when its answer is lost, the change may
    /// have been made all the same.
    changes: bool,
    /// Whether it is sent with nobody using the page (see [`UNATTENDED_AFTER_MS`]).
    unattended: bool,
    /// Whether the user asked for it in so many words: never unattended.
    asked: bool,
    /// Whether the app reads it at its own slow pace ([`read_by_itself`]): always unattended.
    by_itself: bool,
    /// Whether Console Connect allows it only to a user with the role to change things (a
    /// change, and a service key's verification, which changes nothing but is refused alike).
    role_checked: bool,
}

impl Request {
    fn new(method: &'static str, url: &str) -> Request {
        Request {
            method,
            url: url.to_owned(),
            json: None,
            changes: false,
            unattended: false,
            asked: false,
            by_itself: false,
            role_checked: false,
        }
    }

    /// Marks a call Console Connect allows only with the role to change things.
    fn role_checked(self) -> Request {
        Request {
            role_checked: true,
            ..self
        }
    }

    /// Marks a read the user asked for in so many words.
    fn asked(self) -> Request {
        Request {
            asked: true,
            ..self
        }
    }

    /// Marks a call that changes something in Console Connect.
    fn change(self) -> Request {
        Request {
            changes: true,
            role_checked: true,
            ..self
        }
    }

    fn get(url: &str) -> Request {
        Request::new("GET", url)
    }

    fn post(url: &str) -> Request {
        Request::new("POST", url)
    }

    fn put(url: &str) -> Request {
        Request::new("PUT", url)
    }

    fn delete(url: &str) -> Request {
        Request::new("DELETE", url)
    }
}

/// What to say of a call whose answer never came: a read can simply be tried again; a change
/// may have been made before the answer was lost, and made twice if sent again unseen.
fn unreachable_portal(e: JsValue, changes: bool) -> ApiError {
    // What the browser said, e.g. "Failed to fetch", without the name of its exception.
    let e = match e.dyn_ref::<web_sys::js_sys::Error>() {
        Some(e) => format!("the browser said: {}", String::from(e.message())),
        None => format!("the browser said: {e:?}"),
    };
    ApiError::new(ErrorCode::Internal, unreachable_message(&e, changes))
}

/// An error answer that is not the portal's own (a proxy's in front of it, say): after a 5xx
/// a change may have been made all the same.
fn unexplained(status: u16, changes: bool) -> ApiError {
    let mut message = format!("The portal answered with status {status} and no explanation");
    if changes && status >= 500 {
        message.push_str("; ");
        message.push_str(UNKNOWN_CHANGE);
    }
    message.push('.');
    ApiError::new(ErrorCode::for_status(status), message)
}

/// What to say of a change whose answer was lost.
use models::error::NOT_KNOWN_IF_MADE as UNKNOWN_CHANGE;

fn unreachable_message(browser_said: &str, changes: bool) -> String {
    if changes {
        format!("The portal could not be reached, so {UNKNOWN_CHANGE} ({browser_said}).")
    } else {
        format!(
            "The portal could not be reached; check the network connection and try again \
             ({browser_said})."
        )
    }
}

/// What [`fetch`] read of an answer.
struct Answer {
    status: u16,
    request_id: Option<String>,
    retry_after: Option<String>,
    text: String,
}

/// Sends the request with the browser's `fetch` and reads the whole answer.
async fn fetch(request: Request) -> Result<Answer, JsValue> {
    let init = web_sys::RequestInit::new();
    init.set_method(request.method);
    let headers = web_sys::Headers::new()?;
    if let Some((user, company)) = SEEN_AS.with(|s| s.borrow().clone()) {
        let encoded = |v: &str| String::from(web_sys::js_sys::encode_uri_component(v));
        headers.set("X-Portal-User", &encoded(&user))?;
        headers.set("X-Portal-Company", &encoded(&company))?;
    }
    if let Some(json) = &request.json {
        headers.set("Content-Type", "application/json")?;
        init.set_body(&JsValue::from_str(json));
    }
    if request.unattended {
        headers.set("X-Portal-Unattended", "1")?;
    }
    init.set_headers(&headers);
    let window = leptos::prelude::window();
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_str_and_init(&request.url, &init))
            .await?
            .dyn_into()?;
    let request_id = response.headers().get("x-request-id")?;
    let retry_after = response.headers().get("retry-after")?;
    let text = JsFuture::from(response.text()?).await?;
    Ok(Answer {
        status: response.status(),
        request_id,
        retry_after,
        text: text.as_string().unwrap_or_default(),
    })
}

/// Sends a request and returns the body of a 2xx answer with its request id, or the portal's
/// error. Not generic, so every endpoint shares this one copy of the request machinery.
async fn send_raw(mut request: Request, on_401: On401) -> ApiResult<(String, Option<String>)> {
    let changes = request.changes;
    let role_checked = request.role_checked;
    request.by_itself = BY_ITSELF.with(Cell::get);
    request.unattended = sent_unattended(
        &request,
        LAST_INPUT.with(Cell::get),
        web_sys::js_sys::Date::now(),
    );
    let active = on_401.counts_as_activity() && !request.unattended;
    let sending = Sending::new(changes);
    let Answer {
        status,
        request_id,
        retry_after,
        text,
    } = fetch(request)
        .await
        .map_err(|e| unreachable_portal(e, changes))?;
    drop(sending);
    if (200..300).contains(&status) {
        if active {
            LAST_SUCCESS.with(|t| t.set(web_sys::js_sys::Date::now()));
        }
        // Allowed: whatever was learnt of the role before (a refusal that was a gateway's,
        // say), the key does more than read.
        if role_checked && let Some(hook) = ON_ROLE_LEARNT.with(|h| h.borrow().clone()) {
            hook(false);
        }
        return Ok((text, request_id));
    }
    asked_to_wait(retry_after.as_deref(), web_sys::js_sys::Date::now());
    let mut error =
        serde_json::from_str::<ApiError>(&text).unwrap_or_else(|_| unexplained(status, changes));
    if error.request_id.is_none() {
        error.request_id = request_id;
    }
    if on_401.signs_out() && error.is_signed_out() {
        signed_out(error.code);
    }
    if error.code == ErrorCode::SessionChanged
        && let Some(hook) = ON_SESSION_CHANGED.with(|h| h.borrow().clone())
    {
        hook();
    }
    if role_checked
        && error.is_role_refused()
        && let Some(hook) = ON_ROLE_LEARNT.with(|h| h.borrow().clone())
    {
        hook(true);
    }
    Err(error)
}

/// Reads a 2xx answer as `T`; an empty body reads as JSON `null`, so `()` works for 204.
fn decode<T: DeserializeOwned>((text, request_id): (String, Option<String>)) -> ApiResult<T> {
    let body = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    serde_json::from_str(body).map_err(|e| ApiError {
        code: ErrorCode::Internal,
        message: format!("The portal's answer could not be read: {e}"),
        request_id,
        fields: Vec::new(),
    })
}

/// Sends a request and reads the answer as `T`, or as the portal's error shape.
async fn send<T: DeserializeOwned>(request: Request, on_401: On401) -> ApiResult<T> {
    decode(send_raw(request, on_401).await?)
}

async fn get<T: DeserializeOwned>(url: &str) -> ApiResult<T> {
    send(Request::get(url), On401::SignOut).await
}

async fn with_body<T: DeserializeOwned>(
    mut request: Request,
    body: &impl Serialize,
    on_401: On401,
) -> ApiResult<T> {
    // Serialising the portal's own request types cannot fail; were it to, nothing is sent.
    let json = serde_json::to_string(body).map_err(|e| {
        ApiError::new(
            ErrorCode::Internal,
            format!("The request could not be written: {e}"),
        )
    })?;
    request.json = Some(json);
    send(request, on_401).await
}

/// A connection id checked before it goes into a URL: 24 lowercase hex, nothing else.
fn connection_path(id: &str) -> ApiResult<String> {
    validate::object_id("connection id", id).map_err(|e| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("No connection has this id: {e}."),
        )
    })?;
    Ok(format!("/api/connections/{id}"))
}

fn peering_path(id: &str, peering_type: PeeringType) -> ApiResult<String> {
    Ok(format!(
        "{}/peering/{}",
        connection_path(id)?,
        peering_type.as_wire()
    ))
}

/// The audit filters as a query string (without `?`), names as the API spells them.
pub fn audit_query_string(query: &AuditQuery) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(query) else {
        return String::new();
    };
    fields
        .iter()
        .filter_map(|(name, value)| {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!text.is_empty()).then(|| format!("{}={}", nav::encode(name), nav::encode(&text)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

// --- Session -------------------------------------------------------------------------------

pub async fn get_info() -> ApiResult<PortalInfo> {
    get("/api/info").await
}

pub async fn get_session() -> ApiResult<SessionView> {
    get("/api/session").await
}

/// Reads the session again, which keeps it alive; a session already gone is reported to the
/// caller rather than sending the app to sign-in.
pub async fn refresh_session() -> ApiResult<SessionView> {
    send(Request::get("/api/session").asked(), On401::Report).await
}

/// The session as it stands, without counting as activity (its idle end stays put); a session
/// already gone is reported to the caller.
pub async fn session_status() -> ApiResult<SessionView> {
    send(Request::get("/api/session/status"), On401::ReportPassive).await
}

/// The session as it stands, without counting as activity; a session gone (ended in another
/// tab, say) sends the app to sign-in, as any other call would.
pub async fn session_if_still_there() -> ApiResult<SessionView> {
    send(Request::get("/api/session/status"), On401::SignOutPassive).await
}

/// Signs in; a refused key is reported, not treated as a lost session.
pub async fn sign_in(api_key: String) -> ApiResult<SessionView> {
    with_body(
        Request::post("/api/session"),
        &SignInRequest { api_key },
        On401::Report,
    )
    .await
}

pub async fn sign_out() -> ApiResult<()> {
    send(Request::delete("/api/session"), On401::Report).await
}

pub async fn select_company(company: String) -> ApiResult<SessionView> {
    with_body(
        Request::put("/api/session/company"),
        &SelectCompanyRequest { company },
        On401::SignOut,
    )
    .await
}

// --- Ports and service keys ----------------------------------------------------------------

pub async fn list_ports(speed_mbps: Option<u64>) -> ApiResult<Vec<PortView>> {
    let url = match speed_mbps {
        Some(speed) => format!("/api/ports?speed={speed}"),
        None => "/api/ports".to_owned(),
    };
    get(&url).await
}

pub async fn verify_service_key(service_key: String) -> ApiResult<ServiceKeyView> {
    with_body(
        Request::post("/api/service-keys/verify").role_checked(),
        &VerifyServiceKeyRequest { service_key },
        On401::SignOut,
    )
    .await
}

// --- Connections ---------------------------------------------------------------------------

pub async fn list_connections() -> ApiResult<Vec<ConnectionView>> {
    get("/api/connections").await
}

pub async fn get_connection(id: String) -> ApiResult<ConnectionView> {
    get(&connection_path(&id)?).await
}

pub async fn create_connection(
    request: CreateConnectionRequest,
) -> ApiResult<CreateConnectionResponse> {
    with_body(
        Request::post("/api/connections").change(),
        &request,
        On401::SignOut,
    )
    .await
}

pub async fn delete_connection(id: String, request: DeleteRequest) -> ApiResult<ConnectionView> {
    with_body(
        Request::delete(&connection_path(&id)?).change(),
        &request,
        On401::SignOut,
    )
    .await
}

// --- Peerings ------------------------------------------------------------------------------

/// The peering of this type, or `None` when it is not configured (404).
pub async fn get_peering(id: String, peering_type: PeeringType) -> ApiResult<Option<PeeringView>> {
    match get(&peering_path(&id, peering_type)?).await {
        Ok(view) => Ok(Some(view)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn router_config(
    id: String,
    peering_type: PeeringType,
    vendor: Vendor,
) -> ApiResult<RouterConfigView> {
    let path = peering_path(&id, peering_type)?;
    get(&format!("{path}/router-config?vendor={}", vendor.as_str())).await
}

pub async fn preview_peering(
    id: String,
    peering_type: PeeringType,
    request: PeeringChangeRequest,
) -> ApiResult<PreviewResponse> {
    let url = format!("{}/preview", peering_path(&id, peering_type)?);
    with_body(Request::post(&url), &request, On401::SignOut).await
}

pub async fn update_peering(
    id: String,
    peering_type: PeeringType,
    request: PeeringChangeRequest,
) -> ApiResult<PeeringView> {
    with_body(
        Request::post(&peering_path(&id, peering_type)?).change(),
        &request,
        On401::SignOut,
    )
    .await
}

pub async fn delete_peering(
    id: String,
    peering_type: PeeringType,
    request: DeleteRequest,
) -> ApiResult<()> {
    with_body(
        Request::delete(&peering_path(&id, peering_type)?).change(),
        &request,
        On401::SignOut,
    )
    .await
}

// --- Audit history -------------------------------------------------------------------------

pub async fn list_audit(query: AuditQuery) -> ApiResult<AuditPage> {
    get(&with_query("/api/audit", &audit_query_string(&query))).await
}

pub async fn get_audit_event(id: i64) -> ApiResult<AuditEventDetail> {
    get(&format!("/api/audit/{id}")).await
}

pub async fn verify_audit_chain() -> ApiResult<ChainVerification> {
    get("/api/audit/verify").await
}

/// Where the export of the filtered history downloads from (`csv` or `json`); paging is not
/// part of an export.
pub fn audit_export_url(query: &AuditQuery, format: &str) -> String {
    let query = AuditQuery {
        before: None,
        limit: None,
        ..query.clone()
    };
    with_query(
        &format!("/api/audit/export.{format}"),
        &audit_query_string(&query),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_unattended_a_minute_after_the_last_input() {
        assert!(!unattended(1_000_000.0, 1_000_000.0));
        assert!(!unattended(1_000_000.0, 1_060_000.0));
        assert!(unattended(1_000_000.0, 1_060_001.0));
    }

    /// Only the app's own reads are sent unattended: never a change, nor a read asked for.
    #[test]
    fn only_a_read_nobody_asked_for_is_sent_unattended() {
        let (input, later) = (1_000_000.0, 1_120_000.0);
        assert!(sent_unattended(
            &Request::get("/api/connections"),
            input,
            later
        ));
        assert!(!sent_unattended(
            &Request::get("/api/connections"),
            input,
            input
        ));
        let by_itself = Request {
            by_itself: true,
            ..Request::get("/api/connections")
        };
        assert!(sent_unattended(&by_itself, input, input), "read by itself");
        let asked = Request {
            by_itself: true,
            ..Request::get("/api/session").asked()
        };
        assert!(!sent_unattended(&asked, input, later));
        assert!(!sent_unattended(
            &Request::get("/api/session").asked(),
            input,
            later
        ));
        assert!(!sent_unattended(
            &Request::post("/api/connections").change(),
            input,
            later
        ));
        assert!(!sent_unattended(
            &Request::put("/api/session/company"),
            input,
            later
        ));
        assert!(!sent_unattended(
            &Request::delete("/api/session"),
            input,
            later
        ));
    }

    /// The requests a read by itself makes are written while it is polled: said so then, and
    /// only then.
    #[test]
    fn a_read_by_itself_is_said_so_while_it_is_polled_and_no_longer() {
        use std::task::{Context, Poll, Waker};
        for by_itself in [true, false] {
            let seen = Cell::new(None);
            let read = async { seen.set(Some(BY_ITSELF.with(Cell::get))) };
            let mut read = std::pin::pin!(read_by_itself(read, by_itself));
            let polled = read.as_mut().poll(&mut Context::from_waker(Waker::noop()));
            assert_eq!(polled, Poll::Ready(()));
            assert_eq!(seen.get(), Some(by_itself));
            assert!(!BY_ITSELF.with(Cell::get), "no longer once polled");
        }
    }

    #[test]
    fn a_retry_after_in_seconds_sets_the_quiet_time_and_a_later_one_stays() {
        assert_eq!(quiet_until(), 0.0);
        asked_to_wait(Some("30"), 1_000.0);
        assert_eq!(quiet_until(), 31_000.0);
        asked_to_wait(Some("5"), 2_000.0);
        assert_eq!(quiet_until(), 31_000.0, "the longer wait stays");
        for unreadable in [
            None,
            Some("soon"),
            Some("-1"),
            Some("Wed, 21 Oct 2026 07:28:00 GMT"),
        ] {
            asked_to_wait(unreadable, 40_000.0);
        }
        assert_eq!(quiet_until(), 31_000.0);
        asked_to_wait(Some(" 60 "), 40_000.0);
        assert_eq!(quiet_until(), 100_000.0);
    }
}
