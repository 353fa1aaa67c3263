//! Signing in: a wrong key is refused under its field, a demo key signs in and asks a user of
//! two companies which one to work in; and a session that ended leads back to the sign-in page
//! saying so, whether the app was open or is opened anew.

use crate::browser::{Browser, cell};
use crate::demo;

const SESSION_COOKIE: &str = "portal_session";
/// A well-formed session id (16 bytes, base64url) the server never issued: what the cookie of
/// a session the server has let expire looks like to it.
const FORGOTTEN_SESSION: &str = "ZW5kZWQtc2Vzc2lvbi0xMg";

#[tokio::test]
async fn a_wrong_key_is_refused_and_a_demo_key_signs_in_to_the_chosen_company() {
    let b = Browser::open("sign_in").await;
    b.goto("/sign-in").await;
    b.find("[data-test=\"sandbox-banner\"]").await;
    b.fill("apiKey", "sandbox-nobody-0000000000000000").await;
    b.click("sign-in").await;
    b.wait_for_text(
        "#apiKey-error",
        "Console Connect did not accept this API key",
    )
    .await;
    b.screenshot("wrong-key-refused").await;
    assert_eq!(
        b.location().await,
        "/sign-in",
        "a refused key stays on sign-in"
    );

    demo::click_demo_key(&b, demo::ada()).await;
    b.wait_for_text(".company-chooser", "Choose a company")
        .await;
    b.screenshot("company-chooser").await;
    b.select("company", "acme").await;
    b.click("choose-company").await;

    b.wait_for_path("/connections").await;
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
}

#[tokio::test]
async fn an_ended_session_returns_to_sign_in_saying_so() {
    let b = Browser::open("session_ended").await;
    demo::sign_in_as_grace(&b).await;
    b.wait_for_text(".app-header .user", "Grace Hopper").await;
    b.screenshot("signed-in").await;

    // The app is open when the server forgets the session: the next call sends it to sign-in.
    b.replace_cookie_value(SESSION_COOKIE, FORGOTTEN_SESSION)
        .await;
    b.click_css(".main-nav a[href=\"/audit\"]").await;
    assert_ended(&b).await;
    b.screenshot("ended-while-open").await;

    // Coming back later to a page's address, the cookie mangled on the way.
    demo::click_demo_key(&b, demo::grace()).await;
    b.wait_for_path("/connections").await;
    b.replace_cookie_value(SESSION_COOKIE, "not-a-session-id")
        .await;
    b.goto("/verify").await;
    assert_ended(&b).await;
    b.screenshot("ended-on-return").await;
}

/// On the sign-in page with the "session has ended" notice and a usable form, no error.
async fn assert_ended(b: &Browser) {
    let location = b.wait_for_path("/sign-in").await;
    assert_eq!(location, "/sign-in?expired=1");
    b.wait_for_text(".sign-in .notice", "Your session has ended; sign in again.")
        .await;
    b.wait_enabled("#apiKey", true).await;
    b.find("[data-test=\"demo-key\"]").await;
    assert_eq!(b.count(".error-banner").await, 0, "no error on the page");
}
