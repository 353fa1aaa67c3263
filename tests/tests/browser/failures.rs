//! A page whose read failed says why, and offers to read again when that may help: the network
//! or the portal failed, not the request. Reading again shows the page as soon as the failure
//! is over. A missing connection is said plainly, with no button that could not help. A page
//! following an order whose refresh fails (the connection's own page, the connections list)
//! keeps what it last read under the error, and goes on reading until the failure is over,
//! though no sooner than Console Connect asked (a `Retry-After` the portal passed on; its "Try
//! again" counts that wait down meanwhile). The failures are the network's, or the portal's
//! answer to a busy Console Connect: the page's own `fetch` is made to fail, or to give that
//! answer, for chosen paths. A change whose answer was lost is not said to be safe to send
//! again: it may have been made. An action told to wait is not sent again before the wait is
//! over.

use crate::browser::Browser;
use crate::colleague::Colleague;
use crate::demo;
use serde_json::json;

/// Replaces `window.fetch` with one that fails, as an unreachable server does, for each path
/// in `window.failing`, after `window.failAfter` milliseconds (none at first), counting its
/// attempts in `window.failed`. The app navigates in place, so it lasts until the page is
/// loaded again.
pub const BREAK_FETCH: &str = "window.failing = new Set(arguments[0]);\
     window.failed = 0;\
     window.failAfter = 0;\
     const real = window.fetch.bind(window);\
     window.fetch = (url, init) => {\
       if (window.failing.has(new URL(url, location.href).pathname)) {\
         window.failed += 1;\
         return new Promise((_, reject) => setTimeout(\
           () => reject(new TypeError('Failed to fetch')), window.failAfter));\
       }\
       return real(url, init);\
     };\
     return null;";

/// Replaces `window.fetch` with one that holds each request to a path in `arguments[0]` for
/// `arguments[1]` milliseconds before sending it.
pub const SLOW_FETCH: &str = "const slow = new Set(arguments[0]);\
     const ms = arguments[1];\
     const real = window.fetch.bind(window);\
     window.fetch = (url, init) => slow.has(new URL(url, location.href).pathname)\
       ? new Promise((r) => setTimeout(r, ms)).then(() => real(url, init))\
       : real(url, init);\
     return null;";

const UNREACHABLE: &str = "The portal could not be reached";

/// Replaces `window.fetch` with one that gives, for each path in `window.answering`, the
/// portal's answer `arguments[1]` (status), `arguments[2]` (its JSON error body) and, when
/// `arguments[3]` is not null, a `Retry-After` of that many seconds, noting when each was given
/// (`performance.now()`) in `window.answers`.
const ANSWER_FETCH: &str = "window.answering = new Set(arguments[0]);\
     window.answers = [];\
     const [status, body, retryAfter] = [arguments[1], JSON.stringify(arguments[2]), arguments[3]];\
     const headers = {'Content-Type': 'application/json'};\
     if (retryAfter !== null) { headers['Retry-After'] = String(retryAfter); }\
     const real = window.fetch.bind(window);\
     window.fetch = (url, init) => {\
       if (window.answering.has(new URL(url, location.href).pathname)) {\
         window.answers.push(performance.now());\
         return Promise.resolve(new Response(body, {status, headers}));\
       }\
       return real(url, init);\
     };\
     return null;";

/// What the portal answers when Console Connect asks for a pause of `seconds`.
fn busy_answer(seconds: u32) -> serde_json::Value {
    json!({
        "code": "upstream_failed",
        "message": format!(
            "Console Connect is turning requests away because too many came from your API key \
             (429). Try again in {seconds} seconds."
        ),
        "requestId": "busy-answer",
        "fields": [],
    })
}

/// A browser for `test` on the page of a connection `name` just ordered, shown CREATING: at the
/// sandbox's realistic pace it stays so for several refreshes.
async fn on_a_moving_order(test: &str, name: &str) -> (Browser, String) {
    let b = Browser::open_with(test, &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, name).await;
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"summary\"]", "CREATING")
        .await;
    (b, id)
}

#[tokio::test]
async fn a_read_that_failed_is_read_again_on_request() {
    let b = Browser::open("failures").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    let path = format!("/api/connections/{id}");
    b.script_with(
        BREAK_FETCH,
        json!([[path, "/api/connections", "/api/ports"]]),
    )
    .await;

    // The connection's page, opened from the list, cannot read the connection.
    b.click_css("[data-test=\"connection-row\"] th a").await;
    let said = b.wait_for_text(".error-banner", UNREACHABLE).await;
    // What the browser said is passed on, in words, not as the name of a script error.
    assert!(
        said.contains("(the browser said: Failed to fetch)") && !said.contains("TypeError"),
        "{said}"
    );
    assert_eq!(
        b.text("main h1").await,
        "Connection",
        "no connection is named"
    );
    assert_eq!(b.count("[data-test=\"summary\"]").await, 0, "none is shown");
    b.find("main a[href=\"/connections\"]").await;
    b.screenshot("connection-unreachable").await;
    // Reading again while the network still fails says so again. Until the attempt has
    // failed, the button says it is being made and cannot start another.
    b.script("window.failAfter = 3000; return null;").await;
    let attempts = b.script("return window.failed;").await;
    b.click("try-again").await;
    b.wait_for_script(
        "another attempt to read the connection",
        &format!("return window.failed > {attempts};"),
    )
    .await;
    assert_eq!(
        b.script(
            "const button = document.querySelector('[data-test=\"try-again\"]');\
             return [button.textContent, button.getAttribute('aria-disabled') === 'true'];"
        )
        .await,
        json!(["Trying again…", true]),
        "the button while its attempt is under way"
    );
    b.screenshot("connection-trying-again").await;
    b.wait_for_script(
        "the attempt to fail, and the button to be offered again",
        "const button = document.querySelector('[data-test=\"try-again\"]');\
         return button !== null && button.getAttribute('aria-disabled') === 'false' && button.textContent === 'Try again';",
    )
    .await;
    b.wait_for_text(".error-banner", UNREACHABLE).await;
    b.script("window.failAfter = 0; return null;").await;
    // Once the network is back, reading again shows the connection.
    b.script_with(
        "window.failing.delete(arguments[0]); return null;",
        json!([path]),
    )
    .await;
    b.click("try-again").await;
    b.wait_for_status("[data-test=\"summary\"]", "ACTIVE").await;
    b.wait_gone(".error-banner").await;
    b.wait_gone("[data-test=\"try-again\"]").await;
    b.screenshot("connection-read-again").await;
    // The company's ports, which name each leg's source port, are read again by themselves
    // once they can be.
    b.script("window.failing.delete('/api/ports'); return null;")
        .await;
    b.wait_for_text(
        "table.legs tr[data-leg=\"primary\"] td[data-label=\"Source port\"]",
        "Acme London LD8 1",
    )
    .await;

    // The list, opened from the navigation, cannot read the connections; then it can.
    b.click_css("nav a[href=\"/connections\"]").await;
    b.wait_for_text(".error-banner", UNREACHABLE).await;
    b.screenshot("list-unreachable").await;
    b.script("window.failing.clear(); return null;").await;
    b.click("try-again").await;
    b.find(&format!("[data-connection=\"{id}\"]")).await;
    b.wait_gone(".error-banner").await;

    // A connection that does not exist: reading again could not help, so nothing offers to.
    b.goto("/connections/0123456789abcdef01234567").await;
    b.find(".error-banner").await;
    b.find("main a[href=\"/connections\"]").await;
    assert_eq!(b.count("[data-test=\"try-again\"]").await, 0);
    b.screenshot("connection-missing").await;
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_connection_shown_and_is_tried_again() {
    let (b, id) = on_a_moving_order("failures-refresh", "Azure London Interrupted").await;
    let path = format!("/api/connections/{id}");
    b.find("[data-test=\"peering-card-PRIVATE\"] .status[data-status=\"NONE\"]")
        .await;
    let peerings = ["PRIVATE", "PUBLIC", "MICROSOFT"].map(|t| format!("{path}/peering/{t}"));
    let mut broken = vec![path.clone()];
    broken.extend(peerings);
    b.script_with(BREAK_FETCH, json!([broken])).await;
    b.wait_for_text(".error-banner", UNREACHABLE).await;
    assert_eq!(
        b.text("main h1").await,
        "Azure London Interrupted",
        "the connection stays on the page"
    );
    b.find("[data-test=\"summary\"] .status[data-status=\"CREATING\"]")
        .await;
    // So do its peerings as last read: one error above them all, not one in each card.
    b.wait_for_script(
        "the peerings' reads failed too",
        "return window.failed >= 4;",
    )
    .await;
    b.find("[data-test=\"peering-card-PRIVATE\"] .status[data-status=\"NONE\"]")
        .await;
    assert_eq!(b.count(".peering-card .error-banner").await, 0);
    b.find("[data-test=\"try-again\"]").await;
    b.screenshot("refresh-failed").await;
    // It is still moving, so the page goes on reading it by itself.
    b.wait_for_script(
        "two more attempts to read the connection and its peerings",
        "return window.failed >= 12;",
    )
    .await;

    // Once the network is back, the page catches up without being asked.
    b.script("window.failing.clear(); return null;").await;
    b.wait_gone(".error-banner").await;
    b.wait_for_status("[data-test=\"summary\"]", "ACTIVE").await;
    b.screenshot("caught-up-active").await;
}

/// A settled connection read again when its tab is shown, and that read fails: its peerings
/// and the router configuration made from them stay as they were, under the one error.
#[tokio::test]
async fn a_failed_refresh_keeps_the_router_configuration() {
    let b = Browser::open("failures-router-kept").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.click_css("[data-test=\"connection-row\"] th a").await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;
    let config = "[data-test=\"router-config-primary\"] pre";
    let before = b.wait_for_text(config, "router bgp").await;
    let path = b
        .script("return '/api' + location.pathname;")
        .await
        .as_str()
        .expect("the page's address")
        .to_owned();
    let mut broken = vec![path.clone()];
    broken.extend(["PRIVATE", "PUBLIC", "MICROSOFT"].map(|t| format!("{path}/peering/{t}")));
    b.script_with(BREAK_FETCH, json!([broken])).await;
    b.shown_again().await;
    b.wait_for_text(".error-banner", UNREACHABLE).await;
    b.wait_for_script(
        "the peerings' reads failed too",
        "return window.failed >= 4;",
    )
    .await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;
    assert_eq!(
        b.text(config).await,
        before,
        "the router configuration stays"
    );
    b.screenshot("router-config-kept").await;
}

/// A refresh failing again and again the same way, each answer with its own request id as the
/// portal gives them: its alert is drawn (and read out) once, not changed at every attempt; it
/// keeps the first answer's request id.
#[tokio::test]
async fn a_refresh_failing_the_same_way_again_is_not_alerted_again() {
    let (b, id) = on_a_moving_order("failures-same-again", "Azure London Same Again").await;
    b.script_with(
        "const path = arguments[0];\
         window.answered = 0;\
         const real = window.fetch.bind(window);\
         window.fetch = (url, init) => {\
           if (new URL(url, location.href).pathname !== path) { return real(url, init); }\
           window.answered += 1;\
           const body = JSON.stringify({code: 'upstream_failed', requestId: 'down-' + window.answered,\
             message: 'Console Connect answered with an error (500). Try again in a moment.'});\
           return Promise.resolve(new Response(body,\
             {status: 502, headers: {'Content-Type': 'application/json'}}));\
         };\
         return null;",
        json!([format!("/api/connections/{id}")]),
    )
    .await;
    b.wait_for_text(".error-banner .request-id", "down-1").await;
    b.wait_for_script("three more failed reads", "return window.answered >= 4;")
        .await;
    assert_eq!(
        b.text(".error-banner .request-id").await,
        "Request id: down-1",
        "the first alert stays as it was"
    );
    assert_eq!(b.count(".error-banner").await, 1);
}

#[tokio::test]
async fn a_failed_refresh_keeps_the_list_shown_and_is_tried_again() {
    let b = Browser::open_with("failures-list", &["--sandbox-speed", "realistic"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = demo::order_in_acme(&b, "Azure London Listed Interrupted").await;
    b.goto("/connections").await;
    let row = format!("[data-connection=\"{id}\"]");
    b.wait_for_status(&format!("{row} [data-label=\"Status\"]"), "CREATING")
        .await;
    b.script(&format!(
        "window.marked = document.querySelector('{row}'); return null;"
    ))
    .await;

    b.script_with(BREAK_FETCH, json!([["/api/connections"]]))
        .await;
    b.wait_for_text(".error-banner", UNREACHABLE).await;
    assert_eq!(
        b.script("return window.marked.isConnected;").await,
        json!(true),
        "the list stays on the page, its rows as they were"
    );
    b.wait_for_status(&format!("{row} [data-label=\"Status\"]"), "CREATING")
        .await;
    b.find("[data-test=\"try-again\"]").await;
    b.screenshot("list-refresh-failed").await;
    // The order is still moving as last read, so the list goes on reading by itself.
    b.wait_for_script(
        "two more attempts to read the list",
        "return window.failed >= 3;",
    )
    .await;

    // Once the network is back, the list catches up without being asked, in the same rows.
    b.script("window.failing.clear(); return null;").await;
    b.wait_gone(".error-banner").await;
    b.wait_for_status(&format!("{row} [data-label=\"Azure\"]"), "PROVISIONED")
        .await;
    assert_eq!(
        b.script("return window.marked.isConnected;").await,
        json!(true)
    );
    b.screenshot("list-caught-up").await;
}

/// An action answered by a busy Console Connect that asked for a pause (`Retry-After`) is not
/// sent again before the pause is over, even after a reload: its button counts the wait down,
/// then can be pressed.
#[tokio::test]
async fn an_action_told_to_wait_counts_the_wait_down_before_it_can_be_sent_again() {
    const VERIFY: &str = "[data-test=\"verify\"]";
    const COUNTING: &str = "return document.querySelector('[data-test=\"verify\"]')\
                            .textContent.startsWith('Verify in ');";
    let b = Browser::open("failures-action-wait").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.script_with(
        ANSWER_FETCH,
        json!([["/api/service-keys/verify"], 502, busy_answer(8), 8]),
    )
    .await;
    b.click("verify").await;
    b.wait_for_text(".error-banner", "Try again in 8 seconds")
        .await;
    let text = b.text(VERIFY).await;
    assert!(
        text.starts_with("Verify in ") && text.ends_with(" s"),
        "{text}"
    );
    b.wait_enabled(VERIFY, false).await;
    b.screenshot("action-asked-to-wait").await;
    // Enter in the key sends nothing meanwhile either.
    b.press_enter("serviceKey").await;
    assert_eq!(
        b.script("return window.answers.length;").await,
        json!(1),
        "nothing was sent during the wait"
    );
    // A reload does not forget the wait.
    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.wait_for_script("the verify button counting the wait down", COUNTING)
        .await;
    b.wait_enabled(VERIFY, false).await;
    // Once the wait is over, it can be sent again, and is answered.
    b.wait_for_script(
        "the verify button to say Verify again",
        "return document.querySelector('[data-test=\"verify\"]').textContent === 'Verify';",
    )
    .await;
    b.wait_enabled(VERIFY, true).await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
}

#[tokio::test]
async fn a_page_following_an_order_waits_as_long_as_console_connect_asked() {
    const NOTE: &str = "[data-test=\"refresh-note\"]";
    let (b, id) = on_a_moving_order("failures-wait", "Azure London Rate Limited").await;
    b.wait_for_text(NOTE, "refreshing every 2 s").await;
    let path = format!("/api/connections/{id}");
    b.script_with(ANSWER_FETCH, json!([[path], 502, busy_answer(8), 8]))
        .await;
    b.wait_for_text(".error-banner", "Try again in 8 seconds")
        .await;
    b.find("[data-test=\"summary\"] .status[data-status=\"CREATING\"]")
        .await;
    // The note under the connection no longer promises a refresh every two seconds.
    b.wait_for_text(NOTE, "refreshing paused while Console Connect asks to wait")
        .await;
    // Meanwhile the button to read again counts the wait down and cannot be pressed.
    let button = b
        .script(
            "const button = document.querySelector('[data-test=\"try-again\"]');\
             return [button.textContent, button.getAttribute('aria-disabled') === 'true'];",
        )
        .await;
    let text = button[0].as_str().unwrap();
    assert!(
        text.starts_with("Try again in ") && text.ends_with(" s"),
        "{text}"
    );
    assert_eq!(button[1], json!(true), "{text}");
    b.screenshot("asked-to-wait").await;
    b.wait_for_script(
        "the page to read again once the wait is over",
        "return window.answers.length >= 2;",
    )
    .await;
    // The page's own pace is a read every two seconds; it held back for the eight asked.
    let gap = b
        .script("return window.answers[1] - window.answers[0];")
        .await;
    let gap = gap.as_f64().unwrap();
    assert!(
        gap >= 7_900.0,
        "the next read came {gap} ms after the answer asking for 8 s"
    );

    // Once Console Connect answers again, the page catches up by itself.
    b.script("window.answering.clear(); return null;").await;
    b.wait_gone(".error-banner").await;
    b.wait_for_status("[data-test=\"summary\"]", "ACTIVE").await;
}

#[tokio::test]
async fn a_page_whose_moving_connection_is_gone_stops_saying_it_refreshes() {
    const NOTE: &str = "[data-test=\"refresh-note\"]";
    let (b, id) = on_a_moving_order("failures-gone", "Azure London Withdrawn").await;
    b.wait_for_text(NOTE, "refreshing every 2 s").await;
    // Deleted elsewhere while it was being set up: reading again cannot bring it back.
    let message = format!(
        "Console Connect has no connection {id} in the selected company: it may have been \
         deleted, or belong to another company."
    );
    let gone = json!({"code": "not_found", "message": message, "requestId": "gone", "fields": []});
    let path = format!("/api/connections/{id}");
    b.script_with(ANSWER_FETCH, json!([[path], 404, gone, null]))
        .await;
    b.wait_for_text(".error-banner", "has no connection").await;
    // The connection as last read stays, but nothing says it is still being refreshed.
    b.find("[data-test=\"summary\"] .status[data-status=\"CREATING\"]")
        .await;
    b.wait_gone(NOTE).await;
    assert_eq!(b.count("[data-test=\"try-again\"]").await, 0);
    b.screenshot("connection-gone").await;
    // And indeed the page reads it no more: one answer, then silence past two refreshes.
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(
        b.script("return window.answers.length;").await,
        json!(1),
        "reads after the answer that the connection is gone"
    );
}

/// A progress page whose order is reported gone no longer says in the tab's title where the
/// order is.
#[tokio::test]
async fn a_progress_page_whose_order_is_gone_says_so_in_its_title() {
    let (b, id) = on_a_moving_order("failures-gone-progress", "Azure London Recalled").await;
    b.goto(&format!("/connections/{id}/progress")).await;
    b.wait_for_script(
        "the tab's title saying where the order is",
        "return document.title === 'Creating: Azure London Recalled · ExpressRoute portal';",
    )
    .await;
    let gone = json!({"code": "not_found", "message": "Console Connect has no connection.", "requestId": "gone", "fields": []});
    let path = format!("/api/connections/{id}");
    b.script_with(ANSWER_FETCH, json!([[path], 404, gone, null]))
        .await;
    b.wait_for_script(
        "the tab's title saying the connection is gone",
        "return document.title === 'Gone: Azure London Recalled · ExpressRoute portal';",
    )
    .await;
}

#[tokio::test]
async fn a_change_whose_answer_is_lost_is_not_said_to_be_safe_to_send_again() {
    let b = Browser::open("failures-change").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE")).await;
    demo::review_vlan_move(&b).await;
    b.script_with(
        BREAK_FETCH,
        json!([[format!("/api/connections/{id}/peering/PRIVATE")]]),
    )
    .await;
    b.click("apply").await;

    let said = b
        .wait_for_text(".error-banner", "whether this change was made is not known")
        .await;
    assert!(said.contains("audit history"), "{said}");
    assert!(!said.contains("try again ("), "{said}");
    b.wait_for_value("reason", demo::VLAN_MOVE_REASON).await;
    b.screenshot("change-answer-lost").await;
    // Not sent again unseen: Apply waits for the review to be read again.
    b.wait_enabled("[data-test=\"apply\"]", false).await;
    // Whether it was made shows in the peering as it is: the review is read again from it at a
    // click. This attempt never left the browser, so the change is still to be made.
    b.click("recheck-button").await;
    b.wait_gone(".error-banner").await;
    b.wait_for_text(
        "[data-test=\"preview-summary\"]",
        "1 field of the Private peering changes",
    )
    .await;
    assert_eq!(b.count("[data-test=\"recheck\"]").await, 0);
    b.wait_for_value("reason", demo::VLAN_MOVE_REASON).await;
    b.wait_enabled("[data-test=\"apply\"]", true).await;

    // The same for an answer that is not the portal's, such as a proxy's timeout before it.
    b.script_with(
        ANSWER_FETCH,
        json!([
            [format!("/api/connections/{id}/peering/PRIVATE")],
            504,
            "Gateway Timeout",
            null
        ]),
    )
    .await;
    b.click("apply").await;
    let said = b
        .wait_for_text(".error-banner", "status 504 and no explanation")
        .await;
    assert!(
        said.contains("whether this change was made is not known"),
        "{said}"
    );
}

/// A delete Console Connect took whose answer was lost on the way back: the page reads the
/// connection again, and says it is going, in place of a form to delete it once more.
#[tokio::test]
async fn a_delete_whose_answer_is_lost_shows_what_is_there_now() {
    let b = Browser::open("failures-delete").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/delete")).await;
    b.fill("reason", "The London site closes").await;
    b.fill("confirmName", "Azure London Production").await;
    // The delete reaches the portal, and its answer is lost.
    b.script_with(
        "const path = arguments[0];\
         const real = window.fetch.bind(window);\
         window.fetch = (url, init) => {\
           if (new URL(url, location.href).pathname === path && init && init.method === 'DELETE') {\
             return real(url, init).then(() => { throw new TypeError('Failed to fetch'); });\
           }\
           return real(url, init);\
         };\
         return null;",
        json!([format!("/api/connections/{id}")]),
    )
    .await;
    b.click("confirm-delete").await;

    let said = b
        .wait_for_text("[data-test=\"already-deleted\"]", "Connection ")
        .await;
    assert!(
        said == "Connection Azure London Production is being deleted."
            || said == "Connection Azure London Production is already deleted.",
        "{said}"
    );
    assert_eq!(b.count("[data-test=\"confirm-delete\"]").await, 0);
    b.screenshot("delete-answer-lost").await;
}

/// A sign-out that did not reach the portal ended nothing there: the page says the session is
/// still open, rather than that it is gone, and a sign-out that goes through ends it.
#[tokio::test]
async fn a_sign_out_that_did_not_reach_the_portal_says_the_session_is_still_open() {
    let b = Browser::open("failures-sign-out").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.script_with(BREAK_FETCH, json!([["/api/session"]])).await;
    b.click("sign-out").await;

    let said = b
        .wait_for_text(".error-banner", "You are still signed in")
        .await;
    assert!(said.contains(UNREACHABLE), "{said}");
    assert_eq!(b.location().await, "/connections");
    assert_eq!(b.count("[data-test=\"signed-out\"]").await, 0);
    b.screenshot("sign-out-not-reached").await;

    // The session is still there: the page loaded again (with the browser's own fetch) shows
    // the company's connections, and signing out from it ends the session.
    b.goto("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    b.click("sign-out").await;
    b.wait_for_text("[data-test=\"signed-out\"]", "You have signed out")
        .await;
    b.goto("/connections").await;
    b.wait_for_path("/sign-in").await;
}

/// Opens the delete page of Acme's seeded PRIVATE peering, fills it in, has a colleague delete
/// what `elsewhere` names (`/peering/PRIVATE` for the peering, `` for its connection) meanwhile,
/// and presses Delete.
async fn delete_private_after_a_colleague(test: &str, elsewhere: &str) -> Browser {
    let b = Browser::open(test).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    b.goto(&format!("/connections/{id}/peering/PRIVATE/delete"))
        .await;
    b.fill("reason", "The private peering moves to another circuit")
        .await;
    b.fill("confirmName", "Azure London Production").await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            reqwest::Method::DELETE,
            &format!("/api/connections/{id}{elsewhere}"),
            json!({
                "reason": "Removed from the other office",
                "confirmName": "Azure London Production",
            }),
        )
        .await;
    b.click("confirm-delete").await;
    b
}

/// A peering deleted by someone else while its delete page was open: the delete is refused as
/// there is nothing to delete, and the page reads the connection again and says so, in place of
/// the form and the settings of a peering that is gone.
#[tokio::test]
async fn a_peering_delete_refused_as_already_gone_shows_that_it_is_gone() {
    let b = delete_private_after_a_colleague("failures-peering-gone", "/peering/PRIVATE").await;
    b.wait_for_text(
        "[data-test=\"no-peering\"]",
        "No Private peering is configured on this connection.",
    )
    .await;
    assert_eq!(b.count("[data-test=\"confirm-delete\"]").await, 0);
    // With the portal's answer above it, which says why nothing was deleted.
    b.find(".error-banner").await;
    b.screenshot("peering-already-gone").await;
}

/// The connection deleted by someone else while a peering's delete page was open: the delete
/// is refused, and the page reads the connection again too and says it is going, in place of a
/// form that could only be refused again.
#[tokio::test]
async fn a_peering_delete_refused_as_its_connection_is_going_says_so() {
    let b = delete_private_after_a_colleague("failures-peering-connection-gone", "").await;
    b.wait_for_text("[data-test=\"already-deleted\"]", "Connection ")
        .await;
    assert_eq!(b.count("[data-test=\"confirm-delete\"]").await, 0);
    b.screenshot("peering-connection-gone").await;
}

/// A company chosen while a change is on its way waits for the change's answer: the page that
/// is to show it, and whether the change was made, is not left for the other company's.
#[tokio::test]
async fn another_company_is_not_chosen_while_a_change_is_on_its_way() {
    let b = Browser::open("failures-switch-during-change").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    let wizard = format!("/connections/{id}/peering/PRIVATE");
    b.goto(&wizard).await;
    demo::review_vlan_move(&b).await;
    // The change's answer takes four seconds to be lost on the way.
    b.script_with(BREAK_FETCH, json!([[format!("/api{wizard}")]]))
        .await;
    b.script("window.failAfter = 4000; return null;").await;
    b.click("apply").await;
    b.wait_for_script("the change sent", "return window.failed === 1;")
        .await;
    b.script(
        "const s = document.getElementById('switch-company');\
         s.value = 'globex';\
         s.dispatchEvent(new Event('change', {bubbles: true}));\
         return null;",
    )
    .await;
    b.wait_for_text(".error-banner", "A change is on its way to Console Connect")
        .await;
    assert_eq!(b.value("switch-company").await, "acme");
    b.screenshot("company-held").await;

    // Its answer comes (lost: whether it was made is not known), and the company can be
    // chosen then.
    b.wait_for_text(
        "main .error-banner",
        "whether this change was made is not known",
    )
    .await;
    assert!(b.location().await.starts_with(&wizard));
    b.select("switch-company", "globex").await;
    b.wait_for_path("/connections").await;
    b.wait_for_value("switch-company", "globex").await;
}
