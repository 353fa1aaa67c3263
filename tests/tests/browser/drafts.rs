//! A peering form's unsent text is kept in the tab: it comes back after a reload and after
//! the session ended and the user signed in again, never with the shared key; it goes when
//! discarded, and every draft goes at sign-out. The create wizard's choices are kept the same
//! way, never with the service key, until the connection is ordered.

use crate::browser::Browser;
use crate::colleague::Colleague;
use crate::demo::{self, LONDON_PORT_2};
use crate::sign_in::{FORGOTTEN_SESSION, SESSION_COOKIE};
use reqwest::Method;
use serde_json::json;

const SHARED_KEY: &str = "DraftSharedKey7";
/// The tab's storage but the id of the user it was last signed in as (which is no draft: it is
/// kept past a sign-out so that someone else signing in is not sent to that user's page).
const READ_DRAFTS: &str = "const kept = Object.assign({}, sessionStorage);\
     delete kept['portal-last-user'];\
     return JSON.stringify(kept);";

#[tokio::test]
async fn a_peering_draft_survives_a_reload_and_a_new_sign_in_until_discarded() {
    let b = Browser::open("drafts").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    // Acme's seeded ACTIVE connection has PRIVATE peering; MICROSOFT is not configured.
    b.click_css("[data-test=\"connection-row\"] th a").await;
    b.click("configure-MICROSOFT").await;
    let page = b
        .wait_for_path_where("the MICROSOFT peering page", |p| {
            p.ends_with("/peering/MICROSOFT")
        })
        .await;
    // The tab names the peering and, once read, its connection.
    b.wait_for_script(
        "the tab's title to name the peering and its connection",
        "return document.title === \
         'Microsoft peering on Azure London Production · ExpressRoute portal';",
    )
    .await;
    b.fill("peerASN", "65030").await;
    b.fill("advertisedPublicPrefixes", "198.51.100.0/24").await;
    b.fill("sharedKey", SHARED_KEY).await;

    // A reload brings the typing back, without the shared key, which was never stored.
    b.goto(&page).await;
    b.find("[data-test=\"draft-restored\"]").await;
    assert_eq!(b.value("peerASN").await, "65030");
    assert_eq!(b.value("advertisedPublicPrefixes").await, "198.51.100.0/24");
    assert_eq!(b.value("sharedKey").await, "");
    let stored = b.script(READ_DRAFTS).await;
    let stored = stored.as_str().unwrap_or_default();
    assert!(stored.contains("65030"), "{stored}");
    assert!(!stored.contains(SHARED_KEY), "{stored}");
    b.wait_for_text("[data-test=\"draft-restored\"] p", "type it again")
        .await;
    b.screenshot("restored-after-reload").await;
    // Typed again, the key is no longer asked for.
    b.fill("sharedKey", SHARED_KEY).await;
    // Masked as it is typed; Show shows it (a wrong character can be seen), Hide masks it.
    assert_eq!(b.attr("#sharedKey", "type").await, "password");
    b.click("toggle-shared-key").await;
    assert_eq!(b.attr("#sharedKey", "type").await, "text");
    assert_eq!(b.value("sharedKey").await, SHARED_KEY);
    b.click("toggle-shared-key").await;
    assert_eq!(b.attr("#sharedKey", "type").await, "password");
    b.wait_for_script(
        "the notice no longer asking for the key",
        "return !document.querySelector('[data-test=\"draft-restored\"] p')\
           .textContent.includes('type it again');",
    )
    .await;

    // The session ends while the form is open: going on leads to sign-in, and back to the
    // form with what was typed.
    b.fill("vlanId", "300").await;
    b.fill("primaryPeerSubnet", "203.0.113.0/30").await;
    b.fill("secondaryPeerSubnet", "203.0.113.4/30").await;
    b.replace_cookie_value(SESSION_COOKIE, FORGOTTEN_SESSION)
        .await;
    b.click("preview").await;
    b.wait_for_path("/sign-in").await;
    b.wait_for_text(
        ".sign-in .notice",
        "What you had typed into a form is kept in this tab",
    )
    .await;
    demo::ada_in_acme(&b).await;
    b.wait_for_path(&page).await;
    b.find("[data-test=\"draft-restored\"]").await;
    assert_eq!(b.value("vlanId").await, "300");
    assert_eq!(b.value("primaryPeerSubnet").await, "203.0.113.0/30");
    assert_eq!(b.value("peerASN").await, "65030");
    b.screenshot("restored-after-sign-in").await;

    // Discarded: the form is as the current settings are, and stays so after a reload.
    b.click("discard-draft").await;
    b.wait_gone("[data-test=\"draft-restored\"]").await;
    assert_eq!(b.value("peerASN").await, "");
    assert_eq!(b.value("vlanId").await, "");
    b.goto(&page).await;
    b.find("#peerASN").await;
    assert_eq!(b.count("[data-test=\"draft-restored\"]").await, 0);
    assert_eq!(b.value("peerASN").await, "");

    // Given a shared key, the seeded PRIVATE peering offers to keep it: the choice to remove
    // it (not kept, none typed) is part of the draft too, rather than coming back as kept.
    let private = page.replace("/MICROSOFT", "/PRIVATE");
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            &format!("/api{private}"),
            json!({
                "config": {
                    "peerASN": 65010,
                    "primaryPeerSubnet": "10.10.0.0/30",
                    "secondaryPeerSubnet": "10.10.0.4/30",
                    "vlanId": 100,
                    "sharedKey": "Md5Key2024",
                },
                "reason": "Authenticate the BGP sessions",
            }),
        )
        .await;
    b.goto(&private).await;
    b.wait_for_value("vlanId", "100").await;
    b.click_css("#keepSharedKey").await;
    b.wait_enabled("#sharedKey", true).await;
    b.goto(&private).await;
    b.find("[data-test=\"draft-restored\"]").await;
    assert_eq!(
        b.script("return document.getElementById('keepSharedKey').checked;")
            .await,
        false
    );
    b.wait_enabled("#sharedKey", true).await;
    // A new key typed to replace the current one is not kept: after a reload the current key
    // is kept again, and said so, rather than the empty field removing it.
    b.fill("sharedKey", "NewKey99").await;
    b.goto(&private).await;
    b.wait_for_text(
        "[data-test=\"draft-restored\"]",
        "the current one is kept again",
    )
    .await;
    assert_eq!(
        b.script("return document.getElementById('keepSharedKey').checked;")
            .await,
        true
    );
    assert_eq!(b.value("sharedKey").await, "");
    b.click_css("#keepSharedKey").await;
    b.wait_enabled("#sharedKey", true).await;
    // An ASN the rules take but that names no network is noted as it is typed.
    b.fill("peerASN", "23456").await;
    b.wait_for_text("[data-test=\"peerASN-note\"]", "AS 23456 is AS_TRANS")
        .await;
    b.fill("peerASN", "65010").await;
    b.wait_for_script(
        "no note of a network's own ASN",
        "return document.querySelector('[data-test=\"peerASN-note\"]').textContent === '';",
    )
    .await;
    // A rule of two fields is broken by an edit of one: it is said under the other, not
    // edited, at once rather than only as a form that will not go on.
    b.fill("primaryPeerSubnet", "10.10.0.4/30").await;
    b.wait_for_text(
        "#secondaryPeerSubnet-error",
        "Secondary subnet must not overlap the primary subnet",
    )
    .await;
    b.wait_enabled("[data-test=\"preview\"]", false).await;
    b.screenshot("two-field-rule-shown").await;

    // Signing out forgets every draft of the tab.
    b.fill("peerASN", "65031").await;
    b.click("sign-out").await;
    b.wait_for_path("/sign-in").await;
    assert_eq!(b.script(READ_DRAFTS).await.as_str(), Some("{}"));
}

#[tokio::test]
async fn the_create_wizard_keeps_its_choices_but_not_the_service_key_until_ordered() {
    let b = Browser::open("create_draft").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let key = demo::london_key();
    // A later step's address with nothing kept (a reload before any choice) starts at the key,
    // saying why.
    b.goto("/create?step=3").await;
    b.wait_for_location("/create").await;
    b.wait_for_text(
        "[data-test=\"key-asked-again\"]",
        "The service key is kept neither in the address nor across a reload",
    )
    .await;
    b.find("[data-test=\"verify-to-continue\"]").await;
    // A key Console Connect refuses is said so under the field, and not told to be verified.
    b.fill("serviceKey", demo::used_key()).await;
    b.click("verify").await;
    b.wait_for_text("#serviceKey-error", "already used").await;
    assert_eq!(b.count("[data-test=\"verify-to-continue\"]").await, 0);
    verify_key(&b, Some(key), "acme-er-london-01").await;
    b.wait_gone("[data-test=\"key-asked-again\"]").await;
    b.click("next").await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_2}")).await;
    b.click("next").await;
    b.click_css("#speed-1000").await;
    b.wait_for_text(
        ".capacity-check",
        "enough capacity for both legs of 1 Gbps (2 Gbps in all)",
    )
    .await;
    // Another key, whose circuit (200 Mbps) does not offer the speed chosen: the speed goes,
    // and the ports' check waits for one.
    b.click("back").await;
    b.click("back").await;
    verify_key(&b, Some(demo::amsterdam_key()), "acme-er-amsterdam-01").await;
    b.click("next").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 3 of 5").await;
    b.wait_for_text(".capacity-check", "Choose a speed to check the ports.")
        .await;
    assert_eq!(b.count("input[name=\"speed\"]:checked").await, 0);
    // ... saying so, until another is chosen.
    b.wait_for_text(
        "[data-test=\"speed-dropped\"]",
        "The 1 Gbps chosen before is not offered for this service key's circuit: choose a speed again.",
    )
    .await;
    b.screenshot("speed-gone-with-another-key").await;
    b.click("back").await;
    b.click("back").await;
    verify_key(&b, Some(key), "acme-er-london-01").await;
    b.click("next").await;
    b.click("next").await;
    b.click_css("#speed-500").await;
    b.wait_gone("[data-test=\"speed-dropped\"]").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 4 of 5").await;
    b.fill("name", "Azure London Draft").await;
    b.select("classOfService", "GOLD").await;
    b.fill("reason", "Kept while approval is pending").await;

    // Each step has its address: the browser's Back and Forward move between them, keeping
    // what was chosen and typed.
    b.wait_for_location("/create?step=4").await;
    b.back().await;
    b.wait_for_text(".step-count", "Step 3 of 5").await;
    assert_eq!(
        b.script("return document.getElementById('speed-500').checked;")
            .await,
        true
    );
    b.back().await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    b.forward().await;
    b.forward().await;
    b.wait_for_text(".step-count", "Step 4 of 5").await;
    assert_eq!(b.value("name").await, "Azure London Draft");

    // A port that is gone by the time the draft comes back (here one that never was) is
    // dropped, not left holding one of the two places unseen.
    b.script(
        "for (const k of Object.keys(sessionStorage)) if (k.includes(':create:')) \
         sessionStorage.setItem(k, sessionStorage.getItem(k).replace(/^srcPort=(.*)$/m, \
         'srcPort=$1,ffffffffffffffffffffffff')); return null;",
    )
    .await;
    let stored = b.script(READ_DRAFTS).await;
    assert!(
        stored
            .as_str()
            .unwrap_or_default()
            .contains(&format!("srcPort={LONDON_PORT_2},ffffffffffffffffffffffff")),
        "{stored}"
    );
    // Another company chosen in the header leaves the wizard for that company's list, which
    // says the wizard is kept for the company it was in.
    b.select("switch-company", "globex").await;
    b.wait_for_path("/connections").await;
    b.wait_for_text(
        "[data-test=\"wizard-left\"]",
        "The wizard left unfinished in Acme Networks is kept: it comes back when you choose Acme Networks again and open it.",
    )
    .await;
    b.select("switch-company", "acme").await;
    b.wait_for_value("switch-company", "acme").await;
    // A reload (or a new sign-in) starts at the key again, which is asked for again: the
    // choices after it are back. A later step's address leads there too, and one that names
    // no step is put as the wizard writes its first.
    b.goto("/create?step=two").await;
    b.wait_for_location("/create").await;
    b.goto("/create?step=4").await;
    b.wait_for_location("/create").await;
    b.find("[data-test=\"draft-restored\"]").await;
    assert_eq!(b.value("serviceKey").await, "");
    let stored = b.script(READ_DRAFTS).await;
    let stored = stored.as_str().unwrap_or_default();
    assert!(stored.contains("Azure London Draft"), "{stored}");
    assert!(
        !stored.contains(key),
        "the service key is never stored: {stored}"
    );
    b.wait_for_text(
        "[data-test=\"draft-restored\"] p",
        "Verify the service key again to go on.",
    )
    .await;
    b.screenshot("restored-at-the-key").await;
    verify_key(&b, Some(key), "acme-er-london-01").await;
    // Verified again: the notice no longer asks for it.
    b.wait_for_script(
        "the notice no longer asking for the key",
        "return !document.querySelector('[data-test=\"draft-restored\"] p')\
           .textContent.includes('Verify the service key');",
    )
    .await;
    b.click("next").await;
    b.wait_for_text(".choices", "1 of at most 2 chosen.").await;
    assert_eq!(
        b.script(&format!(
            "return document.getElementById('srcPort-{LONDON_PORT_2}').checked;"
        ))
        .await,
        true
    );
    b.click("next").await;
    assert_eq!(
        b.script("return document.getElementById('speed-500').checked;")
            .await,
        true
    );
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 4 of 5").await;
    assert_eq!(b.value("name").await, "Azure London Draft");
    assert_eq!(b.value("classOfService").await, "GOLD");
    assert_eq!(b.value("reason").await, "Kept while approval is pending");
    b.click("next").await;
    let review = b.details(".review").await;
    assert!(review["Speed"].starts_with("500 Mbps"), "{review:?}");
    assert!(
        review["Source ports"].starts_with("Both legs: Acme London LD8 2"),
        "{review:?}"
    );
    b.screenshot("restored-review").await;
    b.find("[data-test=\"nothing-ordered-yet\"]").await;

    // An order whose answer was lost may have been placed: the wizard says where to look
    // before ordering again, and no longer that nothing is ordered yet.
    // The ports are read again then, and fail too: the review keeps the names it read.
    b.script_with(
        crate::failures::BREAK_FETCH,
        json!([["/api/connections", "/api/ports"]]),
    )
    .await;
    b.click("create").await;
    b.find("[data-test=\"order-may-be-placed\"] a[href=\"/connections\"]")
        .await;
    b.wait_gone("[data-test=\"nothing-ordered-yet\"]").await;
    b.wait_for_script(
        "the ports read again, and failed",
        "return window.failed >= 3;",
    )
    .await;
    let review = b.details(".review").await;
    assert!(
        review["Source ports"].starts_with("Both legs: Acme London LD8 2"),
        "{review:?}"
    );
    b.script("window.failing.clear(); return null;").await;
    // Not ordered again at a click before the user has looked for it and said it is not there.
    b.wait_enabled("[data-test=\"create\"]", false).await;
    b.click("order-again").await;
    b.wait_enabled("[data-test=\"create\"]", true).await;
    assert_eq!(b.count("[data-test=\"order-again\"]").await, 0);

    // Ordered, by a double click whose second click comes before the page has redrawn the
    // button disabled: one order is sent. The draft goes, and the wizard starts empty.
    b.script(
        "window.orders = 0;\
         const real = window.fetch.bind(window);\
         window.fetch = (url, init) => {\
           if (new URL(url, location.href).pathname === '/api/connections'\
               && init && init.method === 'POST') { window.orders += 1; }\
           return real(url, init);\
         };\
         const create = document.querySelector('[data-test=\"create\"]');\
         create.click(); create.click();\
         return null;",
    )
    .await;
    b.wait_for_path_where("the new connection's progress page", |p| {
        p.ends_with("/progress")
    })
    .await;
    assert_eq!(b.script("return window.orders;").await, 1, "one order sent");
    assert_eq!(b.script(READ_DRAFTS).await.as_str(), Some("{}"));
    b.goto("/create").await;
    b.find("#serviceKey").await;
    assert_eq!(b.count("[data-test=\"draft-restored\"]").await, 0);

    // Discarded: nothing chosen any more, even once a key is verified again (another: the
    // London circuit is in use now).
    verify_key(&b, Some(demo::amsterdam_key()), "acme-er-amsterdam-01").await;
    b.click("next").await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_2}")).await;
    b.wait_for_text(".choices", "1 of at most 2 chosen.").await;
    b.goto("/create").await;
    b.click("discard-draft").await;
    b.wait_gone("[data-test=\"draft-restored\"]").await;
    verify_key(&b, Some(demo::amsterdam_key()), "acme-er-amsterdam-01").await;
    b.click("next").await;
    b.wait_for_text(
        ".choices",
        "0 of at most 2 chosen: choose one or two to continue.",
    )
    .await;
    assert_eq!(b.script(READ_DRAFTS).await.as_str(), Some("{}"));
}

/// The key the verify page hands to the wizard stays handed over while the app is loaded: Back
/// to the verify page and Forward again return to the steps reached, with the key.
#[tokio::test]
async fn back_to_the_verify_page_and_forward_again_keeps_the_verified_key() {
    let b = Browser::open("drafts-verified-forward").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    b.goto("/verify").await;
    b.fill("serviceKey", demo::london_key()).await;
    b.click("verify").await;
    b.click("create-for-key").await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;

    b.back().await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    b.back().await;
    b.wait_for_path("/verify").await;
    b.forward().await;
    b.wait_for_text(".step-count", "Step 1 of 5").await;
    assert_eq!(b.value("serviceKey").await, demo::london_key());
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.forward().await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    b.wait_for_path("/create").await;
}

/// Verifies the service key in the create wizard's first step (`key` typed first, or the one
/// already there) and waits for Azure's description of `circuit`.
async fn verify_key(b: &Browser, key: Option<&str>, circuit: &str) {
    if let Some(key) = key {
        b.fill("serviceKey", key).await;
    }
    b.click("verify").await;
    b.wait_for_text("[data-test=\"service-key-details\"]", circuit)
        .await;
}

/// Reloaded at the review (which opens the settings again, since the shared key is never kept),
/// the wizard leaves the history as it would have been without the reload: once applied, one
/// Back leaves for the connection's page, and Forward again follows the change.
#[tokio::test]
async fn a_reload_at_the_review_leaves_the_history_as_without_it() {
    let b = Browser::open("drafts-reload-review").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = b
        .attr("[data-test=\"connection-row\"]", "data-connection")
        .await;
    let connection = format!("/connections/{id}");
    b.goto(&connection).await;
    b.click("configure-PRIVATE").await;
    let page = format!("{connection}/peering/PRIVATE");
    b.wait_for_path(&page).await;
    demo::review_vlan_move(&b).await;
    b.wait_for_location(&format!("{page}?step=review")).await;
    b.script("location.reload(); return null;").await;
    b.wait_for_location(&page).await;
    b.wait_for_text(".step-count", "Step 1 of 3").await;
    b.wait_for_value("vlanId", "150").await;
    b.click("preview").await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    b.fill("reason", demo::VLAN_MOVE_REASON).await;
    b.click("apply").await;
    let applied = format!("{page}?step=applied");
    b.wait_for_location(&applied).await;
    b.find("[data-test=\"peering-follow\"]").await;
    b.back().await;
    b.wait_for_location(&connection).await;
    b.forward().await;
    b.wait_for_location(&applied).await;
    b.find("[data-test=\"peering-follow\"]").await;
    assert_eq!(b.count("#peerASN").await, 0, "no form");
}

/// Apply sends what the review showed: an edit made while the preview was on its way is not
/// sent unseen. And a change sent while its page was left (a link followed before the answer
/// came) leaves no draft to be offered again as not yet sent.
#[tokio::test]
async fn apply_sends_what_was_reviewed_and_a_change_sent_leaves_no_draft() {
    let sim = simulator::Simulator::new(simulator::Config::default())
        .spawn_on_loopback()
        .await
        .expect("a simulator on loopback");
    let b = Browser::open_with("applied-as-reviewed", &["--upstream-url", &sim.base_url]).await;
    // Not the sandbox: no demo key is offered, so Ada's is typed.
    demo::type_ada_in_acme(&b).await;
    b.click_css("[data-test=\"connection-row\"] th a").await;
    b.click("configure-PRIVATE").await;
    let page = b
        .wait_for_path_where("the PRIVATE peering page", |p| {
            p.ends_with("/peering/PRIVATE")
        })
        .await;
    let private = format!("/api{page}");
    b.find("#vlanId").await;
    b.fill("vlanId", "210").await;
    // The preview waits on Console Connect's read of the peering; meanwhile the form is edited.
    sim.simulator.set_fault(
        simulator::Route::ReadPeering,
        simulator::Fault {
            latency_ms: 2_000,
            times: Some(1),
            ..simulator::Fault::default()
        },
    );
    b.click("preview").await;
    b.wait_for_text("[data-test=\"preview\"]", "Checking").await;
    b.fill("vlanId", "211").await;
    let diff = b
        .wait_for_rows(
            "the difference reviewed",
            "[data-test=\"diff\"] tr[data-field]",
            |rows| !rows.is_empty(),
        )
        .await;
    let vlan = diff
        .iter()
        .find(|r| r.get("data-field").map(String::as_str) == Some("vlanId"))
        .expect("the VLAN among the fields changed");
    assert_eq!(
        vlan.get("After").map(String::as_str),
        Some("210"),
        "{diff:?}"
    );
    b.fill("reason", "Move the private peering to VLAN 210")
        .await;
    b.click("apply").await;
    b.find("[data-test=\"peering-follow\"]").await;
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let applied = colleague.send(Method::GET, &private, json!(null)).await;
    assert_eq!(applied["config"]["vlanId"], 210, "what the review showed");

    // Sent, then the page left at once for the connections: once its answer has come, no
    // draft of it is left, and the form opened again offers none.
    b.goto(&page).await;
    b.wait_for_value("vlanId", "210").await;
    b.fill("vlanId", "220").await;
    b.click("preview").await;
    b.find("[data-test=\"diff\"]").await;
    b.fill("reason", "Move the private peering to VLAN 220")
        .await;
    sim.simulator.set_fault(
        simulator::Route::UpdatePeering,
        simulator::Fault {
            latency_ms: 1_500,
            times: Some(1),
            ..simulator::Fault::default()
        },
    );
    b.click("apply").await;
    b.click_css(".main-nav a[href=\"/connections\"]").await;
    b.wait_for_path("/connections").await;
    b.wait_for_script(
        "the change's draft gone once it was made",
        "return !Object.keys(sessionStorage).some((k) => k.includes('peering:'));",
    )
    .await;
    assert_eq!(
        colleague.send(Method::GET, &private, json!(null)).await["config"]["vlanId"],
        220
    );
    b.goto(&page).await;
    b.wait_for_value("vlanId", "220").await;
    assert_eq!(b.count("[data-test=\"draft-restored\"]").await, 0);
}
