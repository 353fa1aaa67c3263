//! One engineer's whole job, in order, each step pinned by what the page shows: order a
//! connection for a verified key and follow it to ACTIVE and PROVISIONED; configure PRIVATE
//! peering (a bad ASN stops the form, a good change is previewed as a field difference,
//! applied with a reason, and followed to SYNCED); configure MICROSOFT peering on another
//! VLAN while a colleague sets it up first (Apply refuses to overwrite settings the engineer
//! has not reviewed and shows the difference from the colleague's); find the changes with
//! their actor, reasons and outcomes in the audit history and verify the chain; read what each
//! of the two routers needs for either peering, in either router OS; delete the
//! PRIVATE peering, then the connection, each behind the typed connection name and each once
//! more after a colleague changed it meanwhile: nothing is removed that the page has not shown.

use crate::browser::{Browser, Row, cell};
use crate::colleague::Colleague;
use crate::demo::{self, AMSTERDAM_PORT, LONDON_PORT_1, LONDON_PORT_2};
use fantoccini::key::Key;
use models::router::{self, Link, Vendor};
use models::upstream::PeeringConfig;
use models::validate;
use models::{PeeringType, ValidationError};
use reqwest::Method;
use serde_json::json;

const NAME: &str = "Azure London DR";
const PRIVATE_REASON: &str = "Private peering for the DR data centre";
const PRIVATE_TICKET: &str = "CHG-2001";
const PRIVATE_SHARED_KEY: &str = "DrSharedKey2024";
const MICROSOFT_REASON: &str = "Microsoft 365 over ExpressRoute for the DR site";

#[tokio::test]
async fn a_connection_is_ordered_peered_audited_and_taken_down() {
    let b = Browser::open("journey").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let id = order_connection(&b).await;
    configure_private_peering(&b, &id).await;
    configure_microsoft_peering(&b, &id).await;
    find_both_changes_in_the_audit_history(&b, &id).await;
    read_the_router_configuration(&b, &id).await;
    delete_private_peering(&b, &id).await;
    delete_the_connection(&b, &id).await;
}

/// Verify the key, walk the five wizard steps, and follow the new connection; its id.
async fn order_connection(b: &Browser) -> String {
    let key = demo::london_key();
    b.goto("/verify").await;
    // Enter with no key yet says what is needed, rather than nothing (Verify is disabled).
    b.press_enter("serviceKey").await;
    b.find("#serviceKey-error").await;
    b.fill("serviceKey", key).await;
    b.click("verify").await;
    b.click("create-for-key").await;
    let location = b.wait_for_path("/create").await;
    assert!(
        !location.contains(key),
        "the key is not kept in the address, nor so in the browser's history: {location}"
    );

    b.wait_for_text(".step-count", "Step 1 of 5").await;
    assert_eq!(
        b.value("serviceKey").await,
        key,
        "the verified key is carried over"
    );
    // Already verified: what Azure said shows without asking again.
    b.wait_for_text("[data-test=\"service-key-details\"]", "acme-er-london-01")
        .await;
    b.screenshot("create-1-key").await;
    // Enter on the key verified as typed goes on, as Next does, without asking Azure again.
    b.press_enter("serviceKey").await;

    b.wait_for_text(".step-count", "Step 2 of 5").await;
    // The keyboard is at the new step's heading, not back at the top of the document.
    b.wait_for_focus("wizard-step").await;
    // The step done is said to be, not only ticked.
    b.wait_for_script(
        "the service key's step said to be done",
        "const done = document.querySelector('.wizard-steps li.done'); \
         return done !== null && done.textContent === 'Service key (done)';",
    )
    .await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_1}")).await;
    b.click_css(&format!("#srcPort-{AMSTERDAM_PORT}")).await;
    b.wait_for_text(
        ".choices",
        "2 of at most 2 chosen: the primary leg from Acme London LD8 1, the secondary from Acme Amsterdam AM3.",
    )
    .await;
    b.click("next").await;

    // Amsterdam has 100 Mbps left: too little for 1 Gbps, so back to swap it for LD8 2. The
    // port a speed made unusable can still be unticked (the wizard would be stuck otherwise).
    b.wait_for_text(".step-count", "Step 3 of 5").await;
    b.click_css("#speed-1000").await;
    b.wait_for_text(
        ".capacity-check",
        "Acme Amsterdam AM3 (secondary leg): port has 100 Mbps left",
    )
    .await;
    b.wait_enabled("[data-test=\"next\"]", false).await;
    b.click("back").await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    // The ports are offered whatever the speed, which is checked against them on its own step:
    // these two could go on to a lower speed.
    b.wait_enabled("[data-test=\"next\"]", true).await;
    b.wait_enabled(&format!("#srcPort-{AMSTERDAM_PORT}"), true)
        .await;
    // Amsterdam alone carries both legs: room for two of 50 Mbps, not for two of 100 Mbps.
    b.click_css(&format!("#srcPort-{LONDON_PORT_1}")).await;
    b.wait_for_text(".choices", "1 of at most 2 chosen.").await;
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 3 of 5").await;
    b.click_css("#speed-100").await;
    b.wait_for_text(
        ".capacity-check",
        "Acme Amsterdam AM3: port has 100 Mbps left, less than the 200 Mbps its two legs of \
         100 Mbps need.",
    )
    .await;
    b.wait_enabled("[data-test=\"next\"]", false).await;
    b.click_css("#speed-50").await;
    b.wait_for_text(
        ".capacity-check",
        "Acme Amsterdam AM3: enough capacity for both legs of 50 Mbps (100 Mbps in all)",
    )
    .await;
    b.wait_enabled("[data-test=\"next\"]", true).await;
    b.click_css("#speed-1000").await;
    b.click("back").await;
    b.wait_for_text(".step-count", "Step 2 of 5").await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_1}")).await;
    b.click_css(&format!("#srcPort-{AMSTERDAM_PORT}")).await;
    b.click_css(&format!("#srcPort-{LONDON_PORT_2}")).await;
    b.wait_for_text(
        ".choices",
        "2 of at most 2 chosen: the primary leg from Acme London LD8 1, the secondary from Acme London LD8 2.",
    )
    .await;
    // A third port cannot be ticked, and says why.
    b.wait_for_text(
        &format!(".port.full #srcPort-{AMSTERDAM_PORT}-note"),
        "Two ports are chosen already: untick one to choose this one instead.",
    )
    .await;
    // Each chosen port says which leg it carries; the two can be swapped, and back.
    let roles = "return [...document.querySelectorAll('.port')].map((p) => \
                 [p.querySelector('.port-name').textContent, \
                  p.querySelector('[data-test=\"leg-role\"]')?.textContent ?? null]) \
                 .filter(([, role]) => role !== null);";
    assert_eq!(
        b.script(roles).await,
        json!([
            ["Acme London LD8 1", "Primary leg"],
            ["Acme London LD8 2", "Secondary leg"]
        ])
    );
    b.click("swap-legs").await;
    b.wait_for_text(
        &format!("label[for=\"srcPort-{LONDON_PORT_1}\"]"),
        "Secondary leg",
    )
    .await;
    assert_eq!(
        b.script(roles).await,
        json!([
            ["Acme London LD8 1", "Secondary leg"],
            ["Acme London LD8 2", "Primary leg"]
        ])
    );
    // Heard as well as seen: the count below the ports says which leg each carries.
    b.wait_for_text(
        ".choices",
        "the primary leg from Acme London LD8 2, the secondary from Acme London LD8 1.",
    )
    .await;
    b.click("swap-legs").await;
    b.wait_for_text(
        &format!("label[for=\"srcPort-{LONDON_PORT_1}\"]"),
        "Primary leg",
    )
    .await;
    b.screenshot("create-2-ports").await;
    // Enter goes on from a step's inputs, as on the key step's form.
    b.press_enter(&format!("srcPort-{LONDON_PORT_2}")).await;

    b.wait_for_text(".step-count", "Step 3 of 5").await;
    // Each port said with the leg it carries, the primary's first.
    b.wait_for_text(
        ".capacity-check li:first-child",
        "Acme London LD8 1 (primary leg): enough capacity for 1 Gbps",
    )
    .await;
    b.wait_for_text(
        ".capacity-check li:last-child",
        "Acme London LD8 2 (secondary leg): enough capacity for 1 Gbps",
    )
    .await;
    b.screenshot("create-3-speed").await;
    b.click("next").await;

    b.wait_for_text(".step-count", "Step 4 of 5").await;
    // Enter with no name yet says so under the name and takes the keyboard there.
    b.press_enter("reason").await;
    b.find("#name-error").await;
    b.wait_for_focus("name").await;
    b.wait_for_text(".step-count", "Step 4 of 5").await;
    // A name the company has already is taken, in any case, with a warning that does not stop
    // the order.
    b.fill("name", "azure london PRODUCTION ").await;
    b.wait_for_text(
        "#name-note",
        "Another connection of this company is already named \u{201c}Azure London Production\u{201d}.",
    )
    .await;
    b.screenshot("create-4-name-taken").await;
    b.fill("name", NAME).await;
    b.wait_for_script(
        "the name's warning to go once the name is the connection's own",
        "return document.querySelector('#name-note').textContent === '';",
    )
    .await;
    b.select("paymentType", "invoice").await;
    b.fill("reason", "Second circuit for disaster recovery")
        .await;
    b.fill("ticket", "CHG-1001").await;
    b.screenshot("create-4-details").await;
    // Shift+Enter, a line break in a box this tall, neither breaks the reason's one line nor
    // goes on.
    b.press_together("reason", &[Key::Shift, Key::Enter]).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    assert!(b.text(".step-count").await.starts_with("Step 4 of 5"));
    assert_eq!(
        b.value("reason").await,
        "Second circuit for disaster recovery"
    );
    // The reason is one line: Enter in it goes on, as in the other fields.
    b.press_enter("reason").await;

    b.wait_for_text(".step-count", "Step 5 of 5").await;
    b.click("back").await;
    b.wait_for_text(".step-count", "Step 4 of 5").await;
    assert_eq!(b.value("name").await, NAME, "Back keeps what was typed");
    b.click("next").await;
    b.wait_for_text(".step-count", "Step 5 of 5").await;
    let review = b.details(".review").await;
    assert!(review["Name"].starts_with(NAME), "{review:?}");
    assert!(
        review["Source ports"]
            .starts_with("Primary leg: Acme London LD8 1\nSecondary leg: Acme London LD8 2"),
        "{review:?}"
    );
    assert!(review["Speed"].starts_with("1 Gbps"), "{review:?}");
    // Every row but the circuit's (the key's) has its way back to the step that sets it.
    assert_eq!(review["Payment type"], "Invoice Change");
    assert_eq!(
        review["Reason"],
        "Second circuit for disaster recovery Change"
    );
    assert_eq!(review["Circuit"], "acme-er-london-01 at London");
    b.screenshot("create-5-review").await;
    b.click("create").await;

    let path = b
        .wait_for_path_where("the new connection's progress page", |p| {
            p.starts_with("/connections/") && p.ends_with("/progress")
        })
        .await;
    let id = path
        .trim_start_matches("/connections/")
        .trim_end_matches("/progress")
        .to_owned();
    b.wait_for_text("[data-test=\"progress\"] h1", NAME).await;
    b.screenshot("progress-ordered").await;
    b.wait_for_status("[data-test=\"progress\"] .page-head", "ACTIVE")
        .await;
    b.wait_for_status("[data-test=\"progress\"]", "PROVISIONED")
        .await;
    assert_eq!(
        b.script("return document.title;").await,
        format!("Active: {NAME} · ExpressRoute portal"),
        "the tab says where the order is"
    );
    // Each leg names the port it was ordered from, above the port's id.
    let legs = b
        .wait_for_rows(
            "both legs with their source ports named",
            "[data-test=\"progress\"] tr[data-leg]",
            |rows| {
                rows.len() == 2
                    && rows
                        .iter()
                        .all(|r| cell(r, "Source port").starts_with("Acme London LD8 "))
            },
        )
        .await;
    let ports: Vec<(&str, &str)> = legs
        .iter()
        .map(|r| {
            cell(r, "Source port")
                .split_once('\n')
                .unwrap_or_else(|| panic!("a name above the id: {r:?}"))
        })
        .collect();
    assert_eq!(
        ports.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
        ["Acme London LD8 1", "Acme London LD8 2"],
        "{legs:?}"
    );
    for (_, id) in &ports {
        assert!(validate::object_id("port", id).is_ok(), "{legs:?}");
    }
    b.screenshot("progress-active-provisioned").await;
    id
}

async fn configure_private_peering(b: &Browser, id: &str) {
    b.click("configure-peering").await;
    b.wait_for_path(&format!("/connections/{id}/peering/PRIVATE"))
        .await;
    b.wait_for_text(".step-count", "Step 1 of 3").await;
    b.wait_for_text("[data-test=\"peering-of\"]", NAME).await;
    b.fill("primaryPeerSubnet", "10.20.0.0/30").await;
    b.fill("secondaryPeerSubnet", "10.20.0.4/30").await;
    b.fill("vlanId", "200").await;
    b.fill("sharedKey", PRIVATE_SHARED_KEY).await;

    // Every other field is fine: the ASN alone holds the form back, and says why.
    let preview = "[data-test=\"preview\"]";
    b.fill("peerASN", "abc").await;
    let not_a_number = validate::parse_asn("peerASN", "abc").unwrap_err();
    // Said with the field's label, as the page names the input.
    let said = b.text("#peerASN-error").await;
    assert!(
        said.starts_with("Peer ASN must be a whole number"),
        "{said}"
    );
    assert_eq!(said, validate::for_people(&not_a_number.to_string()));
    b.wait_enabled(preview, false).await;
    b.screenshot("private-asn-not-a-number").await;

    b.fill("peerASN", "65515").await;
    let reserved = ValidationError::AsnReserved {
        field: "peerASN",
        asn: 65515,
    };
    b.wait_for_text(
        "#peerASN-error",
        &validate::for_people(&reserved.to_string()),
    )
    .await;
    b.wait_enabled(preview, false).await;
    b.press_enter("peerASN").await;
    b.screenshot("private-asn-reserved").await;

    b.fill("peerASN", "65020").await;
    b.wait_gone("#peerASN-error").await;
    // Enter did not get past the form while the ASN was wrong.
    assert_eq!(b.text(".step-count").await, "Step 1 of 3: Settings");
    b.screenshot("private-settings").await;
    b.click("preview").await;

    b.wait_for_text(".step-count", "Step 2 of 3").await;
    let diff = diff_rows(b).await;
    assert_eq!(
        fields(&diff),
        [
            "peerASN",
            "primaryPeerSubnet",
            "secondaryPeerSubnet",
            "sharedKey",
            "vlanId"
        ],
        "a new PRIVATE peering lists every field it sets: {diff:?}"
    );
    assert_eq!(after(&diff, "peerASN"), "65020");
    assert_eq!(after(&diff, "primaryPeerSubnet"), "10.20.0.0/30");
    assert_eq!(after(&diff, "vlanId"), "200");
    let named: Vec<&str> = diff.iter().map(|r| cell(r, "Field")).collect();
    assert_eq!(
        named,
        [
            "Peer ASN\npeerASN",
            "Primary subnet\nprimaryPeerSubnet",
            "Secondary subnet\nsecondaryPeerSubnet",
            "VLAN ID\nvlanId",
            "Shared key\nsharedKey"
        ],
        "each field as the form names it, above its API name, in the order the form asks for them"
    );
    assert!(
        !after(&diff, "sharedKey").contains(PRIVATE_SHARED_KEY),
        "the shared key is never shown, only its fingerprint: {diff:?}"
    );
    b.wait_enabled("[data-test=\"apply\"]", false).await;
    b.find("[data-test=\"apply-needs\"]").await;
    // The review has an address of its own: the browser's Back returns to the settings with
    // everything typed (the shared key too), and Forward reviews them again.
    let page = format!("/connections/{id}/peering/PRIVATE");
    b.wait_for_location(&format!("{page}?step=review")).await;
    b.back().await;
    b.wait_for_text(".step-count", "Step 1 of 3").await;
    b.wait_for_location(&page).await;
    assert_eq!(b.value("vlanId").await, "200");
    assert_eq!(b.value("sharedKey").await, PRIVATE_SHARED_KEY);
    b.forward().await;
    b.wait_for_text(".step-count", "Step 2 of 3").await;
    assert_eq!(fields(&diff_rows(b).await), fields(&diff));
    b.fill("ticket", PRIVATE_TICKET).await;
    // Enter in the ticket with no reason yet, Apply disabled: rather than nothing, the reason's
    // message, and the keyboard taken to it.
    b.press_enter("ticket").await;
    let required = ValidationError::Required { field: "reason" };
    b.wait_for_text(
        "#reason-error",
        &validate::for_people(&required.to_string()),
    )
    .await;
    b.wait_for_focus("reason").await;
    b.fill("reason", PRIVATE_REASON).await;
    b.wait_gone("[data-test=\"apply-needs\"]").await;
    b.screenshot("private-preview").await;
    // A reason is one line: Enter in it applies, as in a one-line field, breaking no line.
    b.press_enter("reason").await;

    b.find("[data-test=\"peering-follow\"]").await;
    // Applied: the page's address says so, and a reload goes on following the change.
    b.wait_for_location(&format!("{page}?step=applied")).await;
    b.wait_for_status("[data-test=\"peering-follow\"]", "SYNCED")
        .await;
    // Which address each router takes, as the engineer configures them.
    let details = b.details("[data-test=\"peering-follow\"] dl").await;
    assert_eq!(
        details["Primary subnet"], "10.20.0.0/30\nYour router: 10.20.0.1, Microsoft: 10.20.0.2",
        "{details:?}"
    );
    assert_eq!(
        details["Secondary subnet"], "10.20.0.4/30\nYour router: 10.20.0.5, Microsoft: 10.20.0.6",
        "{details:?}"
    );
    assert_eq!(
        b.script("return document.title;").await,
        format!("Synced: Private peering on {NAME} · ExpressRoute portal"),
        "the tab follows the sync"
    );
    b.screenshot("private-synced").await;
    // Applied: one Back leaves the wizard for the page it was opened from, the order's
    // progress.
    b.back().await;
    b.wait_for_path(&format!("/connections/{id}/progress"))
        .await;
    // Forward again follows the change; one more Forward, to the review's entry left behind,
    // goes on following it, the address saying so rather than offering the review.
    let applied = format!("{page}?step=applied");
    b.forward().await;
    b.wait_for_location(&applied).await;
    b.wait_for_status("[data-test=\"peering-follow\"]", "SYNCED")
        .await;
    b.forward().await;
    b.wait_for_location(&applied).await;
    b.wait_for_status("[data-test=\"peering-follow\"]", "SYNCED")
        .await;
    assert_eq!(
        b.count("#peerASN").await,
        0,
        "no form: {}",
        b.location().await
    );
}

async fn configure_microsoft_peering(b: &Browser, id: &str) {
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;
    // Reviewing the PRIVATE peering's settings unchanged: nothing to apply, and said so, even
    // with a reason given.
    b.click("configure-PRIVATE").await;
    b.wait_for_path(&format!("/connections/{id}/peering/PRIVATE"))
        .await;
    b.wait_for_value("vlanId", "200").await;
    b.click("preview").await;
    b.wait_for_text("[data-test=\"preview-summary\"]", "Nothing would change")
        .await;
    b.find("[data-test=\"nothing-to-apply\"]").await;
    b.fill("reason", PRIVATE_REASON).await;
    b.wait_enabled("[data-test=\"apply\"]", false).await;
    assert_eq!(b.count("[data-test=\"apply-needs\"]").await, 0);
    b.find("[data-test=\"nothing-to-apply\"]").await;
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "SYNCED")
        .await;
    b.click("configure-MICROSOFT").await;
    b.wait_for_path(&format!("/connections/{id}/peering/MICROSOFT"))
        .await;
    b.fill("peerASN", "65030").await;
    b.fill("primaryPeerSubnet", "203.0.113.0/30").await;
    b.fill("secondaryPeerSubnet", "203.0.113.4/30").await;
    b.fill("advertisedPublicPrefixes", "198.51.100.0/24").await;
    b.fill("customerASN", "64500").await;
    b.select("routingRegistryName", "ARIN").await;

    // Sessions over IPv6 advertise IPv6 prefixes: only IPv4 ones are refused as it is typed.
    b.fill("primaryPeerSubnet", "2001:db8:1::/126").await;
    b.fill("secondaryPeerSubnet", "2001:db8:1::4/126").await;
    let family = ValidationError::PrefixFamily { family: "IPv6" };
    b.wait_for_text(
        "#advertisedPublicPrefixes-error",
        &validate::for_people(&family.to_string()),
    )
    .await;
    b.fill("primaryPeerSubnet", "203.0.113.0/30").await;
    b.fill("secondaryPeerSubnet", "203.0.113.4/30").await;
    b.wait_gone("#advertisedPublicPrefixes-error").await;
    // A prefix of the other family may be listed, and is said not to be advertised here.
    b.fill(
        "advertisedPublicPrefixes",
        "198.51.100.0/24, 2001:db8:100::/48",
    )
    .await;
    b.wait_for_text(
        "#advertisedPublicPrefixes-note",
        "Not advertised over this peering's IPv4 sessions, which carry their own family only: 2001:db8:100::/48.",
    )
    .await;
    b.fill("advertisedPublicPrefixes", "198.51.100.0/24").await;
    b.wait_for_script(
        "the note gone with the prefix",
        "return document.querySelector('#advertisedPublicPrefixes-note').textContent === '';",
    )
    .await;

    // PRIVATE has VLAN 200 already.
    b.fill("vlanId", "200").await;
    let in_use = ValidationError::VlanInUse {
        vlan: 200,
        other: PeeringType::Private,
    };
    assert_eq!(
        b.text("#vlanId-error").await,
        validate::for_people(&in_use.to_string())
    );
    b.wait_enabled("[data-test=\"preview\"]", false).await;
    b.screenshot("microsoft-vlan-in-use").await;

    b.fill("vlanId", "300").await;
    b.wait_gone("#vlanId-error").await;
    // A prefix of the other family is said again where the change is applied.
    b.fill(
        "advertisedPublicPrefixes",
        "198.51.100.0/24, 2001:db8:100::/48",
    )
    .await;
    b.click("preview").await;
    b.wait_for_text(
        "[data-test=\"review-not-advertised\"]",
        "Not advertised over this peering's IPv4 sessions, which carry their own family only: 2001:db8:100::/48.",
    )
    .await;
    b.click("back").await;
    b.fill("advertisedPublicPrefixes", "198.51.100.0/24").await;
    b.screenshot("microsoft-settings").await;
    b.click("preview").await;

    b.wait_for_text(".step-count", "Step 2 of 3").await;
    let diff = diff_rows(b).await;
    assert_eq!(
        fields(&diff),
        [
            "advertisedPublicPrefixes",
            "customerASN",
            "peerASN",
            "primaryPeerSubnet",
            "routingRegistryName",
            "secondaryPeerSubnet",
            "vlanId"
        ],
        "a new MICROSOFT peering without a shared key: {diff:?}"
    );
    assert_eq!(after(&diff, "advertisedPublicPrefixes"), "198.51.100.0/24");
    assert_eq!(after(&diff, "customerASN"), "64500");
    assert_eq!(after(&diff, "routingRegistryName"), "ARIN");
    assert_eq!(after(&diff, "vlanId"), "300");
    b.fill("reason", MICROSOFT_REASON).await;
    b.screenshot("microsoft-preview").await;

    // A colleague sets the peering up first, on VLAN 310: Apply must not overwrite what this
    // engineer has not seen, and shows the difference from the colleague's settings instead.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    let theirs = json!({
        "config": {
            "peerASN": 65030,
            "primaryPeerSubnet": "203.0.113.0/30",
            "secondaryPeerSubnet": "203.0.113.4/30",
            "vlanId": 310,
            "advertisedPublicPrefixes": ["198.51.100.0/24"],
            "customerASN": 64500,
            "routingRegistryName": "ARIN",
        },
        "reason": "Set up from the change window checklist",
    });
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/MICROSOFT"),
            theirs,
        )
        .await;
    b.click("apply").await;
    b.find("[data-test=\"preview-outdated\"]").await;
    let diff = b
        .wait_for_rows(
            "the difference from the colleague's settings",
            "[data-test=\"diff\"] tr[data-field]",
            |rows| {
                rows.iter()
                    .any(|r| cell(r, "data-field") == "vlanId" && cell(r, "Before") == "310")
            },
        )
        .await;
    assert_eq!(
        fields(&diff),
        ["vlanId"],
        "only the VLAN differs now: {diff:?}"
    );
    assert_eq!(after(&diff, "vlanId"), "300");
    assert_eq!(
        b.value("reason").await,
        MICROSOFT_REASON,
        "the reason is kept"
    );
    b.screenshot("microsoft-preview-outdated").await;
    b.click("apply").await;
    // The page applied is shown from its top, where the keyboard went: its step's heading (the
    // review was scrolled to its Apply button, and the form's entry, gone back to, was scrolled
    // down to its Preview).
    b.wait_for_script(
        "the applied step's heading focused and in sight",
        "return document.activeElement && document.activeElement.id === 'wizard-step' \
                && window.scrollY === 0;",
    )
    .await;

    b.wait_for_status("[data-test=\"peering-follow\"]", "SYNCED")
        .await;
    b.screenshot("microsoft-synced").await;
}

/// The connection page shows both routers' configuration for each configured peering, as
/// `models::router` writes it (the portal's answer), with the shared key as a placeholder; the
/// router OS chosen is remembered over a reload.
async fn read_the_router_configuration(b: &Browser, id: &str) {
    b.goto(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"peering-card-MICROSOFT\"]", "SYNCED")
        .await;
    let caveat = PeeringType::Public.caveat().unwrap();
    b.wait_for_text(
        "[data-test=\"peering-card-PUBLIC\"] [data-test=\"caveat\"]",
        caveat,
    )
    .await;
    let private = PeeringConfig {
        peer_asn: 65020,
        primary_peer_subnet: "10.20.0.0/30".into(),
        secondary_peer_subnet: "10.20.0.4/30".into(),
        vlan_id: 200,
        ..PeeringConfig::default()
    };
    let microsoft = PeeringConfig {
        peer_asn: 65030,
        primary_peer_subnet: "203.0.113.0/30".into(),
        secondary_peer_subnet: "203.0.113.4/30".into(),
        vlan_id: 300,
        advertised_public_prefixes: Some(vec!["198.51.100.0/24".into()]),
        customer_asn: Some(64500),
        routing_registry_name: Some("ARIN".into()),
        ..PeeringConfig::default()
    };
    let shows = async |link: Link, vendor, t, config: &PeeringConfig, key_set| {
        let css = match link {
            Link::Primary => "[data-test=\"router-config-primary\"] pre",
            Link::Secondary => "[data-test=\"router-config-secondary\"] pre",
        };
        // The same routers carry both peerings' sessions, each from its own AS, as it says.
        let other = match t {
            PeeringType::Private => (PeeringType::Microsoft, 65030),
            _ => (PeeringType::Private, 65020),
        };
        let index = Link::ALL.iter().position(|l| *l == link).unwrap();
        let expected = router::view(vendor, t, config, key_set, NAME, &[other]).routers[index]
            .text
            .clone()
            .unwrap();
        assert!(
            expected.contains("a router runs BGP as one AS"),
            "{expected}"
        );
        let shown = b.wait_for_text(css, expected.trim()).await;
        assert_eq!(shown, expected.trim(), "{css}");
        assert!(!shown.contains(PRIVATE_SHARED_KEY), "{shown}");
        shown
    };
    // The first configured peering, for the first router OS, until another is chosen.
    let (private_t, microsoft_t) = (PeeringType::Private, PeeringType::Microsoft);
    shows(Link::Primary, Vendor::CiscoIosXe, private_t, &private, true).await;
    shows(
        Link::Secondary,
        Vendor::CiscoIosXe,
        private_t,
        &private,
        true,
    )
    .await;
    b.script("document.querySelector('[data-test=\"router-config\"]').scrollIntoView()")
        .await;
    b.screenshot("router-config-private-ios").await;
    b.select("router-vendor", "junos").await;
    shows(Link::Secondary, Vendor::Junos, private_t, &private, true).await;
    b.select("router-peering", "MICROSOFT").await;
    shows(Link::Primary, Vendor::Junos, microsoft_t, &microsoft, false).await;
    shows(
        Link::Secondary,
        Vendor::Junos,
        microsoft_t,
        &microsoft,
        false,
    )
    .await;
    b.script("document.querySelector('[data-test=\"router-config\"]').scrollIntoView()")
        .await;
    b.screenshot("router-config-microsoft-junos").await;
    b.select("router-vendor", "junos-set").await;
    let shown = shows(
        Link::Secondary,
        Vendor::JunosSet,
        microsoft_t,
        &microsoft,
        false,
    )
    .await;
    // The copy button puts that router's text, as shown, on the clipboard.
    let secondary = "[data-test=\"router-config-secondary\"]";
    b.click_css(&format!("{secondary} [data-test=\"copy\"]"))
        .await;
    b.wait_for_text(&format!("{secondary} [role=\"status\"]"), "Copied.")
        .await;
    // Pasted as a user would (the page may not read the clipboard itself).
    b.script(
        "const t = document.createElement('textarea'); t.id = 'pasted'; \
         document.body.append(t); return null;",
    )
    .await;
    b.find("#pasted")
        .await
        .send_keys(&format!("{}v", char::from(fantoccini::key::Key::Control)))
        .await
        .unwrap();
    assert_eq!(b.value("pasted").await.trim(), shown);
    b.goto(&format!("/connections/{id}")).await;
    assert_eq!(
        b.value("router-vendor").await,
        "junos-set",
        "the router OS is remembered"
    );
    shows(Link::Primary, Vendor::JunosSet, private_t, &private, true).await;
}

async fn find_both_changes_in_the_audit_history(b: &Browser, id: &str) {
    b.click_css("[data-test=\"peering-follow\"] a[href^=\"/audit\"]")
        .await;
    let location = b.wait_for_path("/audit").await;
    assert_eq!(location, format!("/audit?connection={id}"));
    b.wait_for_text("[data-test=\"history-of\"]", NAME).await;
    b.select("filter-action", "update_peering").await;
    b.click("apply-filters").await;

    let rows = b
        .wait_for_rows(
            "the four peering changes, each an intent and an outcome",
            "[data-test=\"audit-row\"]",
            |rows| {
                rows.len() == 8
                    && rows.iter().all(|r| {
                        cell(r, "data-action") == "update_peering"
                            && cell(r, "Connection").starts_with(NAME)
                    })
            },
        )
        .await;
    let intents: Vec<&Row> = rows
        .iter()
        .filter(|r| cell(r, "Phase") == "Intent")
        .collect();
    let private: Vec<_> = intents
        .iter()
        .filter(|r| cell(r, "Peering") == "Private")
        .collect();
    let microsoft: Vec<_> = intents
        .iter()
        .filter(|r| cell(r, "Peering") == "Microsoft")
        .collect();
    assert_eq!(private.len(), 1, "one PRIVATE change: {rows:?}");
    assert_eq!(
        microsoft.len(),
        3,
        "the colleague's MICROSOFT change, the refused one and the one made: {rows:?}"
    );
    assert_eq!(cell(private[0], "Reason"), PRIVATE_REASON);
    assert_eq!(cell(private[0], "Ticket"), PRIVATE_TICKET);
    let reasons: Vec<&str> = microsoft.iter().map(|r| cell(r, "Reason")).collect();
    assert_eq!(
        reasons,
        [
            MICROSOFT_REASON,
            MICROSOFT_REASON,
            "Set up from the change window checklist"
        ],
        "newest first"
    );
    for row in &rows {
        assert!(cell(row, "Actor").starts_with("Ada Lovelace"), "{row:?}");
        assert_eq!(
            cell(row, "Connection"),
            format!("{NAME}\n{id}"),
            "the connection by name, and its id: {row:?}"
        );
    }
    let outcomes: Vec<&str> = rows
        .iter()
        .filter(|r| cell(r, "Phase") == "Outcome")
        .map(|r| cell(r, "Outcome"))
        .collect();
    assert_eq!(
        outcomes,
        ["Succeeded", "Refused", "Succeeded", "Succeeded"],
        "the change reviewed against an older peering was refused: {rows:?}"
    );
    b.screenshot("audit-peering-changes").await;

    // Outcomes only: one row per change, each with its reason and how it ended.
    b.select("filter-phase", "outcome").await;
    b.click("apply-filters").await;
    let changes = b
        .wait_for_rows(
            "the four peering changes, one row each",
            "[data-test=\"audit-row\"]",
            |rows| rows.len() == 4 && rows.iter().all(|r| cell(r, "Phase") == "Outcome"),
        )
        .await;
    let ended: Vec<(&str, &str)> = changes
        .iter()
        .map(|r| (cell(r, "Outcome"), cell(r, "Reason")))
        .collect();
    assert_eq!(
        ended,
        [
            ("Succeeded", MICROSOFT_REASON),
            ("Refused", MICROSOFT_REASON),
            ("Succeeded", "Set up from the change window checklist"),
            ("Succeeded", PRIVATE_REASON),
        ]
    );
    assert_eq!(b.value("filter-phase").await, "outcome");
    b.screenshot("audit-one-row-per-change").await;

    // Intents have no outcome: asking for succeeded intents finds nothing, and says why.
    b.select("filter-phase", "intent").await;
    b.select("filter-outcome", "succeeded").await;
    b.click("apply-filters").await;
    b.wait_for_text(".empty p", "an intent has no outcome")
        .await;
    b.select("filter-phase", "outcome").await;
    b.click("apply-filters").await;
    b.wait_for_rows(
        "the three changes that succeeded",
        "[data-test=\"audit-row\"]",
        |rows| rows.len() == 3 && rows.iter().all(|r| cell(r, "Outcome") == "Succeeded"),
    )
    .await;

    // The connection filter takes a connection's name for its id, and says under itself when
    // no connection has the name typed (and applies nothing).
    b.goto("/audit?phase=outcome").await;
    b.fill("filter-connection", "Azure London nowhere").await;
    b.wait_for_text(
        "#filter-connection-error",
        "No connection of this company is named",
    )
    .await;
    b.screenshot("audit-unknown-connection-name").await;
    b.click("apply-filters").await;
    assert_eq!(b.location().await, "/audit?phase=outcome");
    b.fill("filter-connection", &NAME.to_lowercase()).await;
    b.wait_gone("#filter-connection-error").await;
    b.click("apply-filters").await;
    b.wait_for_location(&format!("/audit?connection={id}&phase=outcome"))
        .await;
    b.wait_for_value("filter-connection", id).await;

    // "Only mine" adds the signed-in user to the filters applied.
    b.click("filter-mine").await;
    b.wait_for_location(&format!(
        "/audit?actor=ada%40acme.example&connection={id}&phase=outcome"
    ))
    .await;
    b.wait_for_value("filter-actor", "ada@acme.example").await;
    b.screenshot("audit-only-mine").await;

    b.click("verify-chain").await;
    b.find("[data-test=\"chain-result\"][data-ok=\"true\"]")
        .await;
    b.wait_for_text("[data-test=\"chain-result\"]", "Chain intact")
        .await;
    // The button, disabled while it ran, has the keyboard again, not the top of the page.
    b.wait_for_script(
        "the keyboard back on Verify chain",
        "return document.activeElement.getAttribute('data-test') === 'verify-chain';",
    )
    .await;
    b.screenshot("audit-chain-intact").await;

    // An event's connection opens the connection.
    b.click_css("[data-test=\"audit-row\"] td[data-label=\"Connection\"] a")
        .await;
    b.wait_for_path(&format!("/connections/{id}")).await;
    b.wait_for_text("h1", NAME).await;

    // The order's outcome: the connection as Console Connect made it, its legs one per line
    // by the names the pages use, and no row for the peerings it did not have yet.
    let ordered = demo::newest_audit_event(
        b,
        &format!("action=create_connection&phase=outcome&connection={id}"),
    )
    .await;
    b.goto(&format!("/audit/{ordered}")).await;
    let diff = diff_rows(b).await;
    let names = fields(&diff);
    assert!(
        names.contains(&"legs") && !names.contains(&"peerings"),
        "{diff:?}"
    );
    let legs: Vec<&str> = after(&diff, "legs").lines().collect();
    assert_eq!(legs.len(), 2, "{legs:?}");
    assert!(
        legs[0].contains(&format!("Name: {NAME} Primary 1")),
        "{legs:?}"
    );
    b.screenshot("audit-order-event").await;
}

async fn delete_private_peering(b: &Browser, id: &str) {
    b.goto(&format!("/connections/{id}")).await;
    // Each card's actions name their peering for whoever hears the links rather than sees the card.
    b.find("[data-test=\"delete-peering-PRIVATE\"]").await;
    assert_eq!(
        b.script(
            "return ['configure-PRIVATE', 'delete-peering-PRIVATE', 'configure-PUBLIC'].map((t) =>\
             document.querySelector(`[data-test=\"${t}\"]`).getAttribute('aria-label'));"
        )
        .await,
        json!([
            "Edit Private peering",
            "Delete Private peering",
            "Configure Public peering"
        ])
    );
    b.click("delete-peering-PRIVATE").await;
    b.wait_for_path(&format!("/connections/{id}/peering/PRIVATE/delete"))
        .await;
    b.wait_for_text("[data-test=\"delete-summary\"]", "10.20.0.0/30")
        .await;
    // Its sync status, with nothing said of a change still on its way: it is through.
    b.wait_for_status("[data-test=\"delete-sync\"]", "SYNCED")
        .await;
    assert!(
        !b.text("[data-test=\"delete-sync\"]")
            .await
            .contains("not finished syncing")
    );
    // What is left to do on the routers, which the connection's page will no longer write.
    b.wait_for_text(
        "[data-test=\"routers-after\"]",
        "Then take its sub-interface (VLAN 200) and its BGP sessions to Microsoft off both your routers",
    )
    .await;
    assert_eq!(
        b.script("return document.title;").await,
        format!("Delete Private peering on {NAME} · ExpressRoute portal")
    );
    b.fill("reason", "The DR site moves to the Microsoft peering only")
        .await;
    let confirm = "[data-test=\"confirm-delete\"]";
    b.wait_enabled(confirm, false).await;
    b.find("[data-test=\"delete-needs\"]").await;

    b.fill("confirmName", &NAME[..NAME.len() - 1]).await;
    b.wait_enabled(confirm, false).await;
    assert_eq!(
        b.count("#confirmName-error").await,
        0,
        "no complaint while the name is being typed right"
    );
    // Enter with the name typed only in part says so, rather than nothing (Delete is
    // disabled, so the browser would send nothing).
    let mismatch = validate::for_people(&ValidationError::ConfirmName.to_string());
    b.press_enter("confirmName").await;
    b.wait_for_text("#confirmName-error", &mismatch).await;
    b.wait_for_focus("confirmName").await;
    // Typed in another case: said to be the one difference.
    b.fill("confirmName", &NAME.to_lowercase()).await;
    b.wait_for_text(
        "#confirmName-error",
        &validate::for_people(&ValidationError::ConfirmNameCase.to_string()),
    )
    .await;
    b.wait_enabled(confirm, false).await;
    b.screenshot("delete-name-mismatch").await;

    b.fill("confirmName", NAME).await;
    b.wait_gone("#confirmName-error").await;
    b.wait_enabled(confirm, true).await;
    b.wait_gone("[data-test=\"delete-needs\"]").await;
    b.screenshot("delete-confirmed").await;

    // A colleague moves the peering to VLAN 250 meanwhile: Delete removes nothing it has not
    // shown, and shows the peering as it is now.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::POST,
            &format!("/api/connections/{id}/peering/PRIVATE"),
            json!({
                "config": {
                    "peerASN": 65020,
                    "primaryPeerSubnet": "10.20.0.0/30",
                    "secondaryPeerSubnet": "10.20.0.4/30",
                    "vlanId": 250,
                },
                "keepSharedKey": true,
                "reason": "VLAN 200 is wanted for the new firewall",
            }),
        )
        .await;
    b.click("confirm-delete").await;
    b.wait_for_text(".error-message", "changed after you opened it")
        .await;
    b.wait_for_text("[data-test=\"delete-summary\"]", "250")
        .await;
    assert_eq!(b.value("confirmName").await, NAME, "what was typed stays");
    b.screenshot("delete-changed-meanwhile").await;
    b.wait_enabled(confirm, true).await;
    b.click("confirm-delete").await;

    b.wait_for_path(&format!("/connections/{id}")).await;
    // Said once, on the page the delete leads back to.
    b.wait_for_text(
        "[data-test=\"peering-removed\"]",
        "The Private peering was removed.",
    )
    .await;
    b.wait_for_status("[data-test=\"peering-card-PRIVATE\"]", "NONE")
        .await;
    b.find("[data-test=\"peering-card-PRIVATE\"] [data-test=\"configure-PRIVATE\"]")
        .await;
    b.wait_for_status("[data-test=\"peering-card-MICROSOFT\"]", "SYNCED")
        .await;
    b.screenshot("private-peering-deleted").await;
    // Back to the delete page and forward again, within the app: not said again.
    b.back().await;
    b.wait_for_path(&format!("/connections/{id}/peering/PRIVATE/delete"))
        .await;
    b.forward().await;
    b.wait_for_path(&format!("/connections/{id}")).await;
    b.wait_for_status("[data-test=\"peering-card-MICROSOFT\"]", "SYNCED")
        .await;
    assert_eq!(
        b.count("[data-test=\"peering-removed\"]").await,
        0,
        "said once"
    );
}

async fn delete_the_connection(b: &Browser, id: &str) {
    b.click("delete-connection").await;
    b.wait_for_path(&format!("/connections/{id}/delete")).await;
    let summary = "[data-test=\"delete-summary\"]";
    b.wait_for_text(summary, "Microsoft").await;
    assert_eq!(
        b.script("return document.title;").await,
        format!("Delete {NAME} · ExpressRoute portal")
    );
    b.fill("reason", "The DR site is closed").await;
    b.fill("confirmName", NAME).await;
    b.wait_enabled("[data-test=\"confirm-delete\"]", true).await;
    b.screenshot("connection-delete-confirmed").await;

    // A colleague removes the MICROSOFT peering meanwhile: the delete is refused and the page
    // shows the connection as it is now, without it.
    let mut colleague = Colleague::sign_in(b.portal_url(), demo::ada(), "acme").await;
    colleague
        .send(
            Method::DELETE,
            &format!("/api/connections/{id}/peering/MICROSOFT"),
            json!({"reason": "Microsoft 365 goes over the internet again", "confirmName": NAME}),
        )
        .await;
    b.click("confirm-delete").await;
    b.wait_for_text(".error-message", "changed after you opened it")
        .await;
    let now = b.wait_for_text(summary, "None").await;
    assert!(!now.contains("Microsoft"), "{now}");
    assert_eq!(b.value("confirmName").await, NAME, "what was typed stays");
    b.screenshot("connection-delete-changed-meanwhile").await;
    b.click("confirm-delete").await;

    b.wait_for_path(&format!("/connections/{id}")).await;
    b.find(
        "main dl.details .status[data-status=\"DELETING\"], \
         main dl.details .status[data-status=\"DELETED\"]",
    )
    .await;
    b.wait_gone("[data-test=\"delete-connection\"]").await;
    // Once it is gone, the note says so, and leads back to the list.
    b.wait_for_text(
        "[data-test=\"connection-removed\"]",
        "Console Connect has deleted the connection and both its legs.",
    )
    .await;
    b.find("main dl.details .status[data-status=\"DELETED\"]")
        .await;
    b.screenshot("connection-deleted").await;
    b.click_css("[data-test=\"connection-removed\"] a").await;
    b.wait_for_path("/connections").await;
}

/// The preview's difference table, one row per changed field.
async fn diff_rows(b: &Browser) -> Vec<Row> {
    b.wait_for_rows(
        "the preview's difference table",
        "[data-test=\"diff\"] tr[data-field]",
        |rows| !rows.is_empty(),
    )
    .await
}

fn fields(diff: &[Row]) -> Vec<&str> {
    let mut names: Vec<&str> = diff.iter().map(|r| cell(r, "data-field")).collect();
    names.sort_unstable();
    names
}

fn after<'a>(diff: &'a [Row], field: &str) -> &'a str {
    diff.iter()
        .find(|r| cell(r, "data-field") == field)
        .map(|r| cell(r, "After"))
        .unwrap_or_default()
}
