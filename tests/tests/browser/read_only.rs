//! A member of a company without Console Connect's Network Admin role reads everything; a
//! change they try is refused by Console Connect, and the wizard says why (with the request id)
//! and keeps what was typed, while the peering stays as it was and the history shows the refusal.

use crate::browser::{Browser, cell};
use crate::demo;

/// Verifying a service key, which Console Connect refuses a reader as it refuses a change, tells
/// the app as much: every page of the company says so from then on.
#[tokio::test]
async fn a_readers_key_verification_refused_says_the_key_only_reads() {
    let b = Browser::open("read_only-verify").await;
    b.goto("/sign-in").await;
    demo::click_demo_key(&b, demo::linus()).await;
    b.wait_for_path("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    assert_eq!(b.count("[data-test=\"reads-only\"]").await, 0);

    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.wait_for_text(".error-banner .error-message", "Network Admin")
        .await;
    b.wait_for_text("[data-test=\"reads-only\"]", "your API key only reads here")
        .await;
    b.goto("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    b.find("[data-test=\"reads-only\"]").await;
}

#[tokio::test]
async fn a_readers_change_is_refused_saying_why_and_nothing_changes() {
    let b = Browser::open("read_only").await;
    b.goto("/sign-in").await;
    demo::click_demo_key(&b, demo::linus()).await;
    // One company: no choice to make.
    b.wait_for_path("/connections").await;
    b.wait_for_rows(
        "Acme's seeded connection",
        "[data-test=\"connection-row\"]",
        |rows| {
            rows.iter()
                .any(|r| cell(r, "Name") == "Azure London Production")
        },
    )
    .await;
    b.click_css("[data-test=\"connection-row\"] th[data-label=\"Name\"] a")
        .await;
    let path = b
        .wait_for_path_where("the connection's page", |p| {
            p.strip_prefix("/connections/")
                .is_some_and(|id| id.len() == 24 && !id.contains('/'))
        })
        .await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;

    b.click("configure-PRIVATE").await;
    b.wait_for_path(&format!("{path}/peering/PRIVATE")).await;
    demo::review_vlan_move(&b).await;
    b.click("apply").await;

    let refusal = b
        .wait_for_text(".error-banner .error-message", "Network Admin")
        .await;
    assert!(
        b.text(".error-banner .request-id")
            .await
            .starts_with("Request id:"),
        "the refusal names its request: {refusal}"
    );
    // The keyboard goes on from the refusal, not from the top of the page: the Apply button
    // it was on was disabled while the change ran.
    assert_eq!(
        b.script("return !!document.activeElement.closest('.live');")
            .await,
        true,
        "focus on {}",
        b.script("return document.activeElement.outerHTML.slice(0, 80);")
            .await
    );
    // From now on every page of the company says the key only reads here, before anything
    // is typed in vain.
    b.wait_for_text("[data-test=\"reads-only\"]", "your API key only reads here")
        .await;
    // Still on the review, with what was typed, to try again or copy.
    assert_eq!(b.text(".step-count").await, "Step 2 of 3: Review");
    b.wait_for_value("reason", demo::VLAN_MOVE_REASON).await;
    b.screenshot("change-refused").await;
    // Back to the settings and on to the review again: a new review, without the old refusal.
    b.back().await;
    b.wait_for_text(".step-count", "Step 1 of 3").await;
    b.forward().await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    b.find("[data-test=\"diff\"]").await;
    assert_eq!(
        b.count(".error-banner").await,
        0,
        "no refusal of this review yet"
    );

    // The peering is as it was; the page, loaded again, still says the key only reads.
    b.goto(&path).await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;
    b.find("[data-test=\"reads-only\"]").await;
    let details = b.details("[data-test=\"peering-card-PRIVATE\"] dl").await;
    assert_eq!(details["VLAN ID"], "100", "{details:?}");

    // The history has the refusal, with its reason and how it ended.
    b.goto("/audit?action=update_peering&phase=outcome").await;
    let rows = b
        .wait_for_rows("the refused change", "[data-test=\"audit-row\"]", |rows| {
            rows.len() == 1
        })
        .await;
    assert_eq!(cell(&rows[0], "Outcome"), "Failed", "{rows:?}");
    assert_eq!(cell(&rows[0], "Reason"), demo::VLAN_MOVE_REASON, "{rows:?}");
    assert!(
        cell(&rows[0], "Actor").starts_with("Linus Pauling"),
        "{rows:?}"
    );
    b.screenshot("refusal-in-history").await;

    // Its event lists no field as changed: the peering was left as it was.
    b.click_css("[data-test=\"audit-row\"] td[data-label=\"Action\"]")
        .await;
    b.find("[data-test=\"audit-event\"]").await;
    assert_eq!(
        b.text("[data-test=\"diff-none\"]").await,
        "Nothing was changed: this call did not succeed."
    );
    assert_eq!(
        b.count("[data-test=\"diff\"]").await,
        0,
        "no before/after table"
    );
    // Back to the history as it was filtered.
    b.click("back-to-history").await;
    b.wait_for_location("/audit?action=update_peering&phase=outcome")
        .await;
    b.find("[data-test=\"audit-row\"]").await;

    // What a session learnt of the role goes with it: the next may have another.
    b.click("sign-out").await;
    b.find("[data-test=\"signed-out\"]").await;
    demo::click_demo_key(&b, demo::linus()).await;
    b.wait_for_path("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    assert_eq!(b.count("[data-test=\"reads-only\"]").await, 0);
}

/// A note that the key only reads, learnt from a refusal (a gateway's 403, say, rather than
/// Console Connect's), goes once Console Connect allows a verification (or a change).
#[tokio::test]
async fn a_verification_allowed_clears_a_note_that_the_key_only_reads() {
    let b = Browser::open("read_only-cleared").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    // The note as a refusal leaves it in the tab.
    b.script(
        "return fetch('/api/session').then(r => r.json()).then(s => { \
           sessionStorage.setItem('portal-reads-only', s.user.id + '|' + s.company); \
           return true; });",
    )
    .await;
    b.goto("/verify").await;
    b.find("[data-test=\"reads-only\"]").await;

    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.wait_gone("[data-test=\"reads-only\"]").await;
    // Nor does it come back with the page.
    b.goto("/connections").await;
    b.find("[data-test=\"connection-row\"]").await;
    assert_eq!(b.count("[data-test=\"reads-only\"]").await, 0);
}
