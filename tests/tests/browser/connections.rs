//! The connections console's filters: by name and status, said when they hide everything, and
//! kept in the address so that going back to the list finds them as they were.

use crate::browser::{Browser, cell};
use crate::demo;

const SEEDED: &str = "Azure London Production";

#[tokio::test]
async fn the_connection_filters_narrow_the_list_and_survive_going_back() {
    let b = Browser::open("connections").await;
    demo::sign_in_as_ada_in_acme(&b).await;
    let rows = b
        .wait_for_rows(
            "Acme's seeded connection",
            "[data-test=\"connection-row\"]",
            |r| r.len() == 1,
        )
        .await;
    assert_eq!(cell(&rows[0], "Name"), SEEDED);
    assert_eq!(
        b.script("return document.title;").await,
        "Connections · ExpressRoute portal"
    );

    b.fill("filter-name", "paris").await;
    b.wait_for_text(".empty", "No connection matches the filter (1 hidden).")
        .await;
    b.wait_for_location("/connections?name=paris").await;
    b.screenshot("nothing-matches").await;

    b.fill("filter-name", "LONDON prod").await;
    b.select("filter-status", "ACTIVE").await;
    b.wait_for_rows(
        "the seeded connection again",
        "[data-test=\"connection-row\"]",
        |r| r.len() == 1,
    )
    .await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE")
        .await;
    b.select("filter-status", "CREATING").await;
    b.wait_gone("[data-test=\"connection-row\"]").await;
    b.select("filter-status", "ACTIVE").await;

    // Into the connection and back: the list is filtered as it was.
    b.click_css("[data-test=\"connection-row\"] th a").await;
    b.wait_for_path_where("the connection's page", |p| p.starts_with("/connections/"))
        .await;
    b.wait_for_text(".page-head h1", SEEDED).await;
    assert_eq!(
        b.script("return document.title;").await,
        format!("{SEEDED} · ExpressRoute portal")
    );
    b.back().await;
    b.wait_for_path("/connections").await;
    assert_eq!(b.value("filter-name").await, "LONDON prod");
    assert_eq!(b.value("filter-status").await, "ACTIVE");
    b.find("[data-test=\"connection-row\"]").await;
    b.screenshot("filtered-after-back").await;

    b.click_css("#show-deleted").await;
    b.wait_for_location("/connections?name=LONDON%20prod&status=ACTIVE&deleted=1")
        .await;
}
