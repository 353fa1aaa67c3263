//! Signing in: a wrong key is refused under its field, a demo key signs in and asks a user of
//! two companies which one to work in (or lets them take another key); a session that ended
//! leads back to the sign-in page saying so, whether the app was open or is opened anew, and
//! signing in returns to the page; a session near its idle end warns first; an address that
//! failed too often is told to wait; an unknown address says so, in the signed-in frame or,
//! signed out, with the way in.

use crate::browser::{Browser, cell};
use crate::demo;
use fantoccini::key::Key;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "portal_session";
/// A well-formed session id (16 bytes, base64url) the server never issued: what the cookie of
/// a session the server has let expire looks like to it.
pub const FORGOTTEN_SESSION: &str = "ZW5kZWQtc2Vzc2lvbi0xMg";
/// Longer than a one-minute idle timeout.
const IDLE_WAIT: Duration = Duration::from_secs(80);

/// Signs in with a key Console Connect does not know, on the sign-in page; ends when the page
/// says so under the key's field.
async fn sign_in_with_a_wrong_key(b: &Browser) {
    b.fill("apiKey", "sandbox-nobody-0000000000000000").await;
    b.click("sign-in").await;
    b.wait_for_text(
        "#apiKey-error",
        "Console Connect did not accept this API key",
    )
    .await;
}

#[tokio::test]
async fn an_address_that_failed_too_often_is_told_how_long_to_wait() {
    let b = Browser::open_with("sign_in_bounded", &["--sign-in-failures", "1"]).await;
    b.goto("/sign-in").await;
    sign_in_with_a_wrong_key(&b).await;
    // Even the right key now waits: the page says why and for how long, with the request id.
    demo::click_demo_key(&b, demo::ada()).await;
    b.wait_for_text(
        ".error-banner .error-message",
        "Too many failed sign-ins from your address. Try again in 15 minutes.",
    )
    .await;
    b.find(".error-banner .request-id").await;
    assert_eq!(b.location().await, "/sign-in");
    // The wait is counted down on the button, which is not pressed meanwhile.
    b.wait_enabled("[data-test=\"sign-in\"]", false).await;
    b.wait_for_text("[data-test=\"sign-in\"]", "Sign in in 15 min")
        .await;
    b.screenshot("sign-in-bounded").await;
    // The page loaded again: the count goes on, and says why without the answer it came from.
    b.goto("/sign-in").await;
    b.wait_for_text("[data-test=\"sign-in\"]", "Sign in in 15 min")
        .await;
    assert_eq!(b.count(".error-banner").await, 0);
    b.wait_for_text("[data-test=\"sign-in-wait\"]", "A pause was asked for")
        .await;
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_a_demo_key_signs_in_to_the_chosen_company() {
    let b = Browser::open("sign_in").await;
    // An unknown address, signed out, says so with the product's name and the way in, rather
    // than sending the visitor to sign in for a page that is not there.
    b.goto("/nowhere").await;
    b.wait_for_text("[data-test=\"not-found\"] h1", "Page not found")
        .await;
    b.find("[data-test=\"sandbox-banner\"]").await;
    assert_eq!(b.text(".standalone-brand a").await, "ExpressRoute portal");
    assert_eq!(
        b.attr("[data-test=\"not-found\"] a", "href").await,
        "/sign-in"
    );
    assert_eq!(b.count(".app-header").await, 0);
    assert_eq!(b.location().await, "/nowhere");
    b.screenshot("unknown-address-signed-out").await;
    b.goto("/sign-in").await;
    b.find("[data-test=\"sandbox-banner\"]").await;
    // A key no one could have been issued is refused on the page, before anything is sent.
    b.fill("apiKey", &"k".repeat(513)).await;
    b.click("sign-in").await;
    b.wait_for_text(
        "#apiKey-error",
        "API key must be at most 512 characters; it has 513",
    )
    .await;
    // The keyboard is taken to the key, as every form takes it to its first broken field.
    b.wait_for_script(
        "the key's field focused",
        "return document.activeElement && document.activeElement.id === 'apiKey';",
    )
    .await;
    sign_in_with_a_wrong_key(&b).await;
    // Masked as typed; Show shows the key, to check it against what was issued; Hide masks it.
    assert_eq!(b.attr("#apiKey", "type").await, "password");
    b.click("toggle-key").await;
    assert_eq!(b.attr("#apiKey", "type").await, "text");
    // Its label says what it does next (not also a pressed state, which would read "Hide,
    // pressed").
    assert_eq!(b.text("[data-test=\"toggle-key\"]").await, "Hide");
    assert_eq!(
        b.script("return document.querySelector('[data-test=\"toggle-key\"]').hasAttribute('aria-pressed')")
            .await,
        serde_json::Value::Bool(false)
    );
    b.screenshot("wrong-key-refused").await;
    assert_eq!(
        b.location().await,
        "/sign-in",
        "a refused key stays on sign-in"
    );

    // Signed in with the key still shown: the choice says who is signed in.
    demo::click_demo_key(&b, demo::ada()).await;
    b.wait_for_text(".company-chooser", "Choose a company")
        .await;
    b.wait_for_text(
        ".company-chooser",
        "You are signed in as Ada Lovelace (ada@acme.example)",
    )
    .await;
    // The key's form made way for the chooser: the keyboard is in it, not back at the top.
    b.wait_for_script(
        "the keyboard on the company chooser",
        "return document.activeElement.closest('.company-chooser') !== null;",
    )
    .await;
    b.screenshot("company-chooser").await;
    // Reloaded at the choice: signed in already, so the choice again, not the key.
    b.goto("/sign-in").await;
    b.wait_for_text(".company-chooser", "Choose a company")
        .await;
    assert_eq!(b.count("#apiKey").await, 0, "no key asked for again");
    // Another key instead: signed out, the key's form again, empty, with the keyboard in it.
    b.click("other-key").await;
    b.wait_for_value("apiKey", "").await;
    // The next key is typed hidden, as the one before was shown.
    assert_eq!(b.attr("#apiKey", "type").await, "password");
    assert_eq!(b.text("[data-test=\"toggle-key\"]").await, "Show");
    assert_eq!(b.count(".company-chooser").await, 0);
    b.wait_for_script(
        "the keyboard in the key's form",
        "return document.activeElement.closest('.sign-in-form') !== null;",
    )
    .await;
    // Out on the server too: a page of the portal leads back to sign-in.
    b.goto("/connections").await;
    b.wait_for_path("/sign-in").await;
    // The key typed and Enter pressed: the keyboard goes on to the list of companies, where a
    // second Enter chooses, not to the way out.
    b.fill("apiKey", demo::ada()).await;
    b.press_enter("apiKey").await;
    b.wait_for_script(
        "the keyboard on the list of companies",
        "return document.activeElement.id === 'company';",
    )
    .await;
    // Enter on the list of companies chooses, as in the header's.
    b.select("company", "acme").await;
    b.press_enter("company").await;

    b.wait_for_path("/connections").await;
    // A new page: the keyboard at the start of its content.
    b.wait_for_script(
        "the keyboard at the start of the page",
        "return document.activeElement.id === 'main';",
    )
    .await;
    let rows = b
        .wait_for_rows(
            "Acme's seeded connection",
            "[data-test=\"connection-row\"]",
            |rows| !rows.is_empty(),
        )
        .await;
    assert!(
        rows.iter()
            .any(|r| cell(r, "Name") == "Azure London Production" && cell(r, "Status") == "Active"),
        "Acme's seeded ACTIVE connection is listed: {rows:?}"
    );
    b.wait_for_text(".app-header .user", "Ada Lovelace").await;
    assert_eq!(b.value("switch-company").await, "acme");
    b.find("[data-test=\"sandbox-banner\"]").await;
    b.screenshot("signed-in-to-acme").await;

    // Signed in, Back (to the sign-in page in the history) and the sign-in address both lead
    // on to the portal rather than to a form to sign in again.
    b.back().await;
    b.wait_for_path("/connections").await;
    b.goto("/sign-in").await;
    b.wait_for_path("/connections").await;
    assert_eq!(b.count("#apiKey").await, 0, "no sign-in form");

    // Signed in, an unknown address keeps the frame: who is signed in, the way around, the
    // sandbox banner; so does a peering page of no peering type, with one main region.
    for path in [
        "/nowhere/else",
        "/connections/0123456789abcdef01234567/peering/BOGUS",
    ] {
        b.goto(path).await;
        b.wait_for_text("[data-test=\"not-found\"] h1", "Page not found")
            .await;
        b.wait_for_text(".app-header .user", "Ada Lovelace").await;
        b.find("[data-test=\"sandbox-banner\"]").await;
        assert_eq!(b.count("main").await, 1, "{path}");
        assert_eq!(
            b.attr("[data-test=\"not-found\"] a", "href").await,
            "/connections",
            "{path}"
        );
        assert_eq!(b.location().await, path);
    }
    b.screenshot("unknown-address-signed-in").await;

    // The header switches company from any page, to that company's connections: Globex has
    // none yet; back in Acme its connection is listed again.
    b.goto("/verify").await;
    // On the keyboard, an arrow key moves the choice without leaving the page, and leaving
    // the list without Enter drops it; Enter switches.
    b.press("switch-company", Key::Down).await;
    assert_eq!(b.value("switch-company").await, "globex");
    // Shown and not switched to yet: how to switch (or not) is said on screen.
    b.find("[data-test=\"switch-company-help\"].switch-hint")
        .await;
    b.screenshot("company-chosen-not-switched").await;
    // Escape drops it.
    b.press("switch-company", Key::Escape).await;
    b.wait_for_value("switch-company", "acme").await;
    b.find("[data-test=\"switch-company-help\"].visually-hidden")
        .await;
    b.press("switch-company", Key::Down).await;
    assert_eq!(b.value("switch-company").await, "globex");
    b.press_tab().await;
    b.wait_for_value("switch-company", "acme").await;
    assert_eq!(
        b.script(
            "const x = new XMLHttpRequest(); x.open('GET', '/api/session', false); x.send();\
             return JSON.parse(x.responseText).company;"
        )
        .await,
        "acme",
        "still in Acme"
    );
    assert_eq!(b.location().await, "/verify");
    b.press("switch-company", Key::Down).await;
    b.press_enter("switch-company").await;
    b.wait_for_path("/connections").await;
    b.wait_for_text(
        ".empty",
        "no Azure ExpressRoute connections in this company yet",
    )
    .await;
    assert_eq!(b.count("[data-test=\"connection-row\"]").await, 0);
    assert_eq!(b.value("switch-company").await, "globex");
    b.screenshot("switched-to-globex").await;
    b.select("switch-company", "acme").await;
    b.wait_for_rows(
        "Acme's seeded connection again",
        "[data-test=\"connection-row\"]",
        |rows| {
            rows.iter()
                .any(|r| cell(r, "Name") == "Azure London Production")
        },
    )
    .await;

    // The company chosen last in this browser is the one offered first at the next sign-in.
    b.select("switch-company", "globex").await;
    b.wait_for_text(
        ".empty",
        "no Azure ExpressRoute connections in this company yet",
    )
    .await;
    b.click("sign-out").await;
    b.wait_for_path("/sign-in").await;
    demo::click_demo_key(&b, demo::ada()).await;
    b.wait_for_text(".company-chooser", "Choose a company")
        .await;
    b.wait_for_value("company", "globex").await;
}

#[tokio::test]
async fn an_ended_session_returns_to_sign_in_saying_so_and_back_after_it() {
    let b = Browser::open("session_ended").await;
    demo::sign_in_as_grace(&b).await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;
    b.screenshot("signed-in").await;

    // The app is open when the server forgets the session: the next call sends it to sign-in,
    // and signing in again returns to the page that was being opened.
    b.replace_cookie_value(SESSION_COOKIE, FORGOTTEN_SESSION)
        .await;
    b.click_css(".main-nav a[href=\"/audit\"]").await;
    assert_ended(&b, "%2Faudit").await;
    b.screenshot("ended-while-open").await;
    demo::click_demo_key(&b, demo::grace()).await;
    b.wait_for_path("/audit").await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;

    // Coming back later to a page's address, with its query, the cookie mangled on the way.
    b.replace_cookie_value(SESSION_COOKIE, "not-a-session-id")
        .await;
    b.goto("/audit?outcome=failed").await;
    assert_ended(&b, "%2Faudit%3Foutcome%3Dfailed").await;
    b.screenshot("ended-on-return").await;
    demo::click_demo_key(&b, demo::grace()).await;
    assert_eq!(b.wait_for_path("/audit").await, "/audit?outcome=failed");
    assert_eq!(
        b.value("filter-outcome").await,
        "failed",
        "the filter came back"
    );

    // Signed out, Back leads to the sign-in page again, which returns to that page.
    b.click("sign-out").await;
    b.wait_for_path("/sign-in").await;
    b.back().await;
    b.wait_for_location("/sign-in?next=%2Faudit%3Foutcome%3Dfailed")
        .await;
    b.find("[data-test=\"demo-key\"]").await;
    b.screenshot("back-after-sign-out").await;
    // A sign-in link naming a page returns there; one naming another site does not.
    b.goto("/sign-in?next=%2Fverify").await;
    demo::click_demo_key(&b, demo::grace()).await;
    b.wait_for_path("/verify").await;
    b.click("sign-out").await;
    b.wait_for_path("/sign-in").await;
    b.goto("/sign-in?next=%2F%2Fexample.com%2F").await;
    demo::click_demo_key(&b, demo::grace()).await;
    b.wait_for_path("/connections").await;
    b.screenshot("foreign-next-not-followed").await;
}

/// Signing out in another tab of the same browser ends this tab's session too, which the
/// server says only when asked: an export (a download, which the browser makes on its own)
/// asks as it starts, and a tab shown again asks at once, even on a page that reads nothing
/// then; either way the app goes to sign-in saying the session has ended, and comes back to
/// the page afterwards.
#[tokio::test]
async fn signing_out_in_another_tab_is_followed_by_an_export_and_a_tab_shown_again() {
    let b = Browser::open("signed_out_elsewhere").await;
    demo::sign_in_as_grace(&b).await;
    b.goto("/audit?outcome=failed").await;
    b.wait_for_value("filter-outcome", "failed").await;

    sign_out_in_another_tab(&b).await;
    b.click("export-csv").await;
    assert_ended(&b, "%2Faudit%3Foutcome%3Dfailed").await;
    b.screenshot("export-after-sign-out").await;
    demo::click_demo_key(&b, demo::grace()).await;
    assert_eq!(b.wait_for_path("/audit").await, "/audit?outcome=failed");

    b.wait_for_value("filter-outcome", "failed").await;
    b.goto("/verify").await;
    b.find("#serviceKey").await;
    sign_out_in_another_tab(&b).await;
    b.shown_again().await;
    assert_ended(&b, "%2Fverify").await;
    b.screenshot("shown-after-sign-out").await;
}

/// What the sign-out button of another tab of this browser does: the session, which is the
/// browser's, ends on the server.
async fn sign_out_in_another_tab(b: &Browser) {
    let status = b
        .script(
            "const x = new XMLHttpRequest();\
             x.open('DELETE', '/api/session', false);\
             x.send();\
             return x.status;",
        )
        .await;
    assert_eq!(status, 204, "signed out");
}

/// On the sign-in page with the "session has ended" notice, a usable form, no error, and the
/// page to return to (`next`, as encoded in the address).
async fn assert_ended(b: &Browser, next: &str) {
    let location = b.wait_for_path("/sign-in").await;
    assert_eq!(location, format!("/sign-in?expired=1&next={next}"));
    b.wait_for_text(".sign-in .notice", "Your session has ended; sign in again.")
        .await;
    // Nothing was typed into a form: nothing is said to be kept.
    let notice = b.text(".sign-in .notice").await;
    assert!(!notice.contains("is kept"), "{notice}");
    b.wait_enabled("#apiKey", true).await;
    b.find("[data-test=\"demo-key\"]").await;
    assert_eq!(b.count(".error-banner").await, 0, "no error on the page");
}

/// With a one-minute idle timeout, on the connections list: its load counts as activity, so
/// the session is renewed quietly once; then the warning comes in the second half of the
/// minute, staying signed in keeps the session, and once the minute passes without a request
/// the page says the session has ended and the server agrees.
#[tokio::test]
async fn a_session_near_its_idle_end_warns_and_can_be_kept() {
    let b = Browser::open_with("session_idle", &["--session-idle-minutes", "1"]).await;
    demo::sign_in_as_grace(&b).await;
    // The connections list, whose data depends on the company: the one quiet re-read of the
    // session its load earns must not reload it (and so read again, for ever).
    b.click_css(".main-nav a[href=\"/connections\"]").await;
    b.wait_for_path("/connections").await;
    assert_eq!(b.count("[data-test=\"session-notice\"]").await, 0);
    // What the untouched page asks from here on.
    b.script(
        "window.asked = []; const fetch = window.fetch;\
         window.fetch = function (r) {\
           window.asked.push(typeof r === 'string' ? r : r.url);\
           return fetch.apply(this, arguments);\
         };\
         return null;",
    )
    .await;

    b.wait_for_text_within(
        "[data-test=\"session-notice\"]",
        "Without activity your session ends at",
        IDLE_WAIT,
    )
    .await;
    b.screenshot("idle-warning").await;
    // Its quiet re-read of the session, for the end the page load's requests moved, did not
    // count as activity: an untouched page never extends its own session.
    let asked = b.script("return window.asked;").await;
    let asked: Vec<&str> = asked
        .as_array()
        .expect("the page's requests")
        .iter()
        .filter_map(|u| u.as_str())
        .collect();
    assert!(
        asked.iter().any(|u| u.ends_with("/api/session/status")),
        "{asked:?}"
    );
    assert!(
        asked.iter().all(|u| !u.ends_with("/api/session")),
        "{asked:?}"
    );
    b.click("stay-signed-in").await;
    b.wait_gone("[data-test=\"session-notice\"]").await;
    b.screenshot("kept").await;

    b.wait_for_text_within(
        "[data-test=\"session-notice\"]",
        "Your session has ended after a time without activity.",
        IDLE_WAIT,
    )
    .await;
    b.screenshot("ended-notice").await;
    assert_eq!(
        b.attr("[data-test=\"sign-in-again\"]", "href").await,
        "/sign-in?expired=1&next=%2Fconnections"
    );
    // The server has ended it too: the next call goes to sign-in, and back after it.
    b.click_css(".main-nav a[href=\"/audit\"]").await;
    assert_ended(&b, "%2Faudit").await;
    demo::click_demo_key(&b, demo::grace()).await;
    b.wait_for_path("/audit").await;
    assert_eq!(b.count("[data-test=\"session-notice\"]").await, 0);
}

/// Two tabs of one session, with a one-minute idle timeout: while one is used, the idle one
/// says nothing (the server tells it the session was kept alive); once neither is, it warns.
#[tokio::test]
async fn an_idle_tab_is_not_warned_while_another_tab_of_the_session_is_used() {
    let quiet = Browser::open_with("session_two_tabs", &["--session-idle-minutes", "1"]).await;
    demo::sign_in_as_grace(&quiet).await;
    quiet.click_css(".main-nav a[href=\"/verify\"]").await;
    quiet.wait_for_path("/verify").await;
    let busy = quiet.open_beside("busy").await;
    busy.goto("/sign-in").await;
    quiet.share_cookie(SESSION_COOKIE, &busy).await;

    // Past the quiet tab's own warning time (half-way to its idle end), a page every 8 s in
    // the busy one.
    let started = std::time::Instant::now();
    for (n, path) in ["/audit", "/connections"].iter().cycle().enumerate() {
        if started.elapsed() > Duration::from_secs(48) {
            break;
        }
        busy.goto(path).await;
        busy.wait_for_text(".app-header .user", "Grace Hopper")
            .await;
        // Tabs share one cookie jar: the cookie each answer renews is the quiet tab's too.
        busy.share_cookie(SESSION_COOKIE, &quiet).await;
        assert_eq!(
            quiet.count("[data-test=\"session-notice\"]").await,
            0,
            "the quiet tab warned while the other worked (page {n}, {:?})",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_secs(8)).await;
    }
    quiet.screenshot("quiet-while-the-other-tab-works").await;
    busy.screenshot("the-other-tab").await;
    // The other tab is closed: nobody works any more. (Left open, it would renew the session
    // once, for the data its last page loaded, and only its own cookie: these tabs are two
    // browsers with copied cookies, not one cookie jar.)
    drop(busy);

    quiet
        .wait_for_text_within(
            "[data-test=\"session-notice\"]",
            "Without activity your session ends at",
            IDLE_WAIT,
        )
        .await;
    quiet.screenshot("warned-once-nobody-works").await;

    // It ends. Signed in anew in another tab (the browser's cookie is that session's now), this
    // tab's next page is read with the new session: the notice that the session ended goes.
    quiet
        .wait_for_text_within(
            "[data-test=\"session-notice\"]",
            "Your session has ended after a time without activity.",
            IDLE_WAIT,
        )
        .await;
    let again = quiet.open_beside("again").await;
    demo::sign_in_as_grace(&again).await;
    again.share_cookie(SESSION_COOKIE, &quiet).await;
    quiet.click_css(".main-nav a[href=\"/audit\"]").await;
    quiet.wait_for_path("/audit").await;
    quiet
        .wait_for_rows("the history, read anew", "[data-test=\"audit-row\"]", |r| {
            !r.is_empty()
        })
        .await;
    quiet.wait_gone("[data-test=\"session-notice\"]").await;
    quiet.screenshot("signed-in-anew-elsewhere").await;
}

/// Console Connect refusing the key a session holds (revoked there since the sign-in): the
/// portal ends the session and the app goes to the sign-in page once, saying why, rather than
/// finding the session standing and going back and forth; signing in with a key it accepts
/// returns to the page.
#[tokio::test]
async fn a_key_console_connect_no_longer_accepts_leads_to_sign_in_once_saying_why() {
    let sim = simulator::Simulator::new(simulator::Config::default())
        .spawn_on_loopback()
        .await
        .expect("a simulator on loopback");
    let b = Browser::open_with("key-refused", &["--upstream-url", &sim.base_url]).await;
    let lists = || {
        sim.simulator
            .requests()
            .iter()
            .filter(|r| r.route == Some(simulator::Route::ListConnections))
            .count()
    };
    sim.simulator.set_fault(
        simulator::Route::ListConnections,
        simulator::Fault {
            status: Some(401),
            ..simulator::Fault::default()
        },
    );

    b.goto("/sign-in").await;
    b.fill("apiKey", demo::grace()).await;
    b.click("sign-in").await;
    b.wait_for_text(
        "[data-test=\"key-refused\"]",
        "Console Connect no longer accepts the API key you signed in with",
    )
    .await;
    assert_eq!(
        b.location().await,
        "/sign-in?key-refused=1&next=%2Fconnections"
    );
    b.screenshot("key-refused").await;
    // It stays there: the session is gone on the server too, so nothing sends it back.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        b.location().await,
        "/sign-in?key-refused=1&next=%2Fconnections"
    );
    assert_eq!(lists(), 1, "the connections were asked for once");

    sim.simulator.clear_faults();
    b.fill("apiKey", demo::grace()).await;
    b.click("sign-in").await;
    b.wait_for_path("/connections").await;
    b.wait_for_text(
        "main",
        "There are no Azure ExpressRoute connections in this company yet",
    )
    .await;
    assert_eq!(b.count("[data-test=\"key-refused\"]").await, 0);
    assert_eq!(lists(), 2);
}

/// A session that ends on a page that asks the portal nothing (the create wizard at its first
/// step, for a key just verified): its notice's link leads to the sign-in form, not back to
/// the page the app still thought signed in. Someone else signing in there is not sent on to
/// the page the one before left, and the key handed over to the wizard is not theirs to find.
#[tokio::test]
async fn a_session_ended_in_the_wizard_leads_to_sign_in_and_leaves_nothing_to_the_next_user() {
    let b = Browser::open_with("session_ended_next_user", &["--session-idle-minutes", "1"]).await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.click_css(".main-nav a[href=\"/verify\"]").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.click("create-for-key").await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    assert_eq!(b.value("serviceKey").await, demo::london_key());

    b.wait_for_text_within(
        "[data-test=\"session-notice\"]",
        "Your session has ended after a time without activity.",
        IDLE_WAIT,
    )
    .await;
    b.click("sign-in-again").await;
    assert_ended(&b, "%2Fcreate%3Ffrom%3Dverify").await;
    b.screenshot("sign-in-after-the-notice").await;

    demo::click_demo_key(&b, demo::grace()).await;
    // Not Ada's wizard: the list, Grace's first page.
    b.wait_for_path("/connections").await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;
    // Back at the wizard's address in the app (as Back would take her), the key Ada verified
    // is not there: the wizard asks for one.
    b.script(
        "history.pushState(null, '', '/create?from=verify');\
         window.dispatchEvent(new PopStateEvent('popstate'));\
         return null;",
    )
    .await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    assert_eq!(b.value("serviceKey").await, "");
    assert_eq!(
        b.count("[data-test=\"service-key-details\"]").await,
        0,
        "nothing of Ada's circuit is shown"
    );
    b.screenshot("no-key-handed-over").await;
}

/// Typing into a form that asks the portal nothing is someone at work too: as the idle end
/// nears, the session is kept without a warning, rather than ended under the typist's hands.
#[tokio::test]
async fn typing_that_asks_the_portal_nothing_keeps_the_session() {
    let b = Browser::open_with("session_typing", &["--session-idle-minutes", "1"]).await;
    demo::sign_in_as_grace(&b).await;
    b.click_css(".main-nav a[href=\"/verify\"]").await;
    b.find("#serviceKey").await;
    // Past the idle timeout, one keystroke after another, and no request made for them.
    let typing = std::time::Instant::now();
    while typing.elapsed() < Duration::from_secs(80) {
        let so_far = format!("typing {}", typing.elapsed().as_secs());
        b.fill("serviceKey", &so_far).await;
        assert_eq!(
            b.count("[data-test=\"session-notice\"]").await,
            0,
            "no warning while someone types ({so_far})"
        );
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    // Still signed in: the company's list is read, not the sign-in page shown.
    b.click_css(".main-nav a[href=\"/connections\"]").await;
    b.wait_for_text(
        ".empty",
        "no Azure ExpressRoute connections in this company yet",
    )
    .await;
    assert_eq!(b.location().await, "/connections");
}
