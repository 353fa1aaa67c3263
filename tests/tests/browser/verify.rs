//! Verifying a service key: a malformed key is explained as it is typed and cannot be sent; a
//! good key shows what Azure says about its circuit and offers to order a connection for it;
//! a key already in use is refused under the field, with nothing offered; a key edited after
//! it was verified is not described, nor offered to order with, until it is verified again,
//! nor while it is being verified.

use crate::browser::Browser;
use crate::demo;
use models::{ValidationError, validate};

#[tokio::test]
async fn verify_explains_a_malformed_key_describes_a_good_one_and_refuses_a_used_one() {
    let b = Browser::open("verify").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    // Nothing to verify yet: the button says why it cannot be pressed.
    b.wait_enabled("[data-test=\"verify\"]", false).await;
    b.wait_for_text(
        "[data-test=\"verify-needs\"]",
        "Paste the whole service key",
    )
    .await;

    b.fill("serviceKey", "4f8a2c1e-7b3d-4e59").await;
    let malformed = ValidationError::ServiceKey {
        field: "serviceKey",
    }
    .to_string();
    assert_eq!(
        b.text("#serviceKey-error").await,
        validate::for_people(&malformed)
    );
    b.wait_enabled("[data-test=\"verify\"]", false).await;
    // The error says why the button cannot be pressed: the hint for an empty field is gone.
    b.wait_gone("[data-test=\"verify-needs\"]").await;
    b.screenshot("malformed-key").await;

    let key = demo::london_key();
    b.fill("serviceKey", key).await;
    b.wait_gone("#serviceKey-error").await;
    b.wait_gone("[data-test=\"verify-needs\"]").await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    let details = b.details("[data-test=\"service-key-details\"]").await;
    assert_eq!(details["Circuit name"], "acme-er-london-01");
    assert_eq!(details["Bandwidth"], "1 Gbps");
    assert_eq!(details["Peering location"], "London");
    assert_eq!(details["In use"], "Not in use");
    assert_eq!(
        details["Provider state"], "Not provisioned",
        "Azure's NotProvisioned, as the portal spells it elsewhere"
    );
    assert!(
        !details["Service key"].contains(key),
        "the key is shown masked: {details:?}"
    );
    // A screen reader is told the gist in one line, not every detail.
    let said = |text: &str| {
        format!(
            "return document.querySelector('[role=\"status\"][data-test=\"verify-said\"]')\
               .textContent === '{text}';"
        )
    };
    b.wait_for_script(
        "what Azure said, in a line",
        &said("Azure knows this key, of acme-er-london-01, not in use: its details follow."),
    )
    .await;
    let create = b.attr("[data-test=\"create-for-key\"]", "href").await;
    assert_eq!(
        create, "/create?from=verify",
        "the key stays out of the address"
    );
    b.screenshot("good-key").await;

    // Another key typed: what Azure said of the first is no longer shown or offered.
    b.fill("serviceKey", demo::amsterdam_key()).await;
    b.find("[data-test=\"key-changed\"]").await;
    b.wait_for_script(
        "the change said",
        &said("The key has changed since it was verified."),
    )
    .await;
    assert_eq!(b.count("[data-test=\"service-key-details\"]").await, 0);
    assert_eq!(b.count("[data-test=\"create-for-key\"]").await, 0);
    b.screenshot("key-changed").await;
    // A key pasted with a line break inside: said so, under the field alone (Verify cannot
    // be pressed, so nothing asks for it).
    let (start, end) = key.split_at(18);
    b.fill("serviceKey", &format!("{start}\u{200B}{end}")).await;
    b.wait_for_text(
        "#serviceKey-error",
        "Azure service key has a space, a line break or an invisible character in it",
    )
    .await;
    b.wait_gone("[data-test=\"key-changed\"]").await;
    b.fill("serviceKey", &format!(" {key} ")).await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.find("[data-test=\"create-for-key\"]").await;
    // The same key in capitals is the key verified, not another.
    b.fill("serviceKey", &key.to_uppercase()).await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    assert_eq!(b.count("[data-test=\"key-changed\"]").await, 0);
    b.find("[data-test=\"create-for-key\"]").await;

    b.fill("serviceKey", demo::used_key()).await;
    b.click("verify").await;
    b.wait_for_text(
        "#serviceKey-error",
        "Azure service key is already used by connection \"Azure London Production\"",
    )
    .await;
    assert_eq!(b.count("[data-test=\"service-key-details\"]").await, 0);
    assert_eq!(b.count("[data-test=\"create-for-key\"]").await, 0);
    b.screenshot("used-key").await;
}

/// A verification that failed (the network, here) says so; verifying again, the failure is not
/// left shown while the new attempt runs, as if it were its answer, and comes back if it fails
/// the same.
#[tokio::test]
async fn an_earlier_failure_is_not_shown_while_the_key_is_verified_again() {
    let b = Browser::open("verify-again").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.script_with(
        crate::failures::BREAK_FETCH,
        serde_json::json!([["/api/service-keys/verify"]]),
    )
    .await;
    b.click("verify").await;
    b.wait_for_text(".error-banner", "The portal could not be reached")
        .await;

    // The next attempt takes three seconds to fail.
    b.script("window.failAfter = 3000; return null;").await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"verify\"]", "Verifying").await;
    assert_eq!(
        b.count(".error-banner").await,
        0,
        "no earlier failure shown"
    );
    b.wait_for_text(".error-banner", "The portal could not be reached")
        .await;
    assert_eq!(
        b.script("return window.failed;").await,
        serde_json::json!(2)
    );
}

/// While a second key is being verified, what Azure said of the first is not shown as if it
/// were the second's, nor offered to order with; and no other demo key can be sent meanwhile,
/// so that the answer shown is always the last key's.
#[tokio::test]
async fn a_key_verified_again_shows_nothing_of_the_earlier_one_meanwhile() {
    let b = Browser::open("verify-another").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.find("[data-test=\"create-for-key\"]").await;

    b.script_with(
        crate::failures::SLOW_FETCH,
        serde_json::json!([["/api/service-keys/verify"], 3000]),
    )
    .await;
    b.fill("serviceKey", demo::amsterdam_key()).await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"verify\"]", "Verifying").await;
    assert_eq!(b.count("[data-test=\"service-key-details\"]").await, 0);
    assert_eq!(b.count("[data-test=\"create-for-key\"]").await, 0);
    b.wait_for_text("[data-test=\"verify-said\"]", "Asking Azure about this key")
        .await;
    let demo_keys = b.count("[data-test=\"demo-service-key\"]").await;
    assert!(demo_keys > 1, "the sandbox lists its demo keys");
    assert_eq!(
        b.count("[data-test=\"demo-service-key\"]:disabled").await,
        demo_keys,
        "no other key can be sent while one is verified"
    );
    b.screenshot("verifying-another").await;

    b.wait_for_text(
        "[data-test=\"service-key-details\"]",
        "acme-er-amsterdam-01",
    )
    .await;
    b.find("[data-test=\"create-for-key\"]").await;
    assert_eq!(
        b.count("[data-test=\"demo-service-key\"]:disabled").await,
        0
    );
}
