//! The portal on PostgreSQL, as several instances behind a load balancer run it: the same
//! audit history and guarantees as on SQLite (append-only, hash-chained, fail-closed, filters,
//! exports), one chain whichever instance writes, and sessions any instance can answer.
//! Each test has a database of its own on a real PostgreSQL server (see `PgDatabase`).

mod common;

use common::*;
use models::PeeringType;
use models::api::AuditAction;
use models::api::AuditOutcome;
use reqwest::StatusCode;
use serde_json::Value;
use server::audit::{Actor, AuditLog, Intent, Outcome};
use server::extract::RequestMeta;
use server::sign_in_guard::{Shared, WINDOW};
use simulator::Route;
use std::sync::Arc;
use std::time::Duration;

async fn portal_on(db: &PgDatabase) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(db.url.clone()),
        sign_in_failures: Some(0),
        ..Options::default()
    })
    .await
}

/// A portal on `db` that waits for a lock or a connection 300 ms at most, so that a test of
/// what it says when one is held elsewhere is quick.
async fn impatient_portal_on(db: &PgDatabase) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(db.url.clone()),
        busy_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await
}

/// A second portal beside `first`: the same database, Console Connect and server key. Neither
/// bounds sign-ins: the tests sign in a dozen times at once from one address, and attempts
/// under way count against it.
async fn beside(first: &TestApp, db: &PgDatabase) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(db.url.clone()),
        data_dir: Some(first.dir.clone()),
        upstream: Some(first.upstream()),
        sign_in_failures: Some(0),
        ..Options::default()
    })
    .await
}

/// A portal on `db` that bounds failed sign-ins at `limit` per address; beside `first` (the
/// same Console Connect and server key) when given.
async fn bounded_on(db: &PgDatabase, limit: u32, first: Option<&TestApp>) -> TestApp {
    spawn_app_with(Options {
        database_url: Some(db.url.clone()),
        data_dir: first.map(|f| f.dir.clone()),
        upstream: first.map(|f| f.upstream()),
        sign_in_failures: Some(limit),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn failed_sign_ins_are_bounded_once_for_all_the_portals_sharing_a_database() {
    let db = PgDatabase::create().await;
    let first = bounded_on(&db, 3, None).await;
    let second = bounded_on(&db, 3, Some(&first)).await;

    // A sign-in that works does not count; three that fail, on either portal, do.
    first.sign_in(ada()).await;
    for app in [&first, &second, &first] {
        let reply = app.client().sign_in("not-a-key").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    }
    let asked = first.upstream_calls(Route::WhoAmI);

    // Past the bound the address is refused by every portal on the database, one started
    // since included, with nothing sent to Console Connect.
    let third = bounded_on(&db, 3, Some(&first)).await;
    for app in [&second, &first, &third] {
        let refused = app.client().sign_in(ada()).await;
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.text
        );
        let wait: u64 = refused.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=15 * 60).contains(&wait), "{wait}");
    }
    assert_eq!(first.upstream_calls(Route::WhoAmI), asked);
}

#[tokio::test]
async fn sign_ins_console_connect_did_not_answer_are_counted_apart_in_the_shared_table() {
    let db = PgDatabase::create().await;
    let first = bounded_on(&db, 2, None).await;
    // The table as portals made it before unanswered attempts were counted apart: a portal
    // started on it adds their column.
    let mut conn = db.connect().await;
    sqlx::query("alter table sign_in_failures drop column unanswered")
        .execute(&mut conn)
        .await
        .unwrap();
    let app = bounded_on(&db, 2, Some(&first)).await;
    sign_ins_through_an_outage(&app).await;
}

#[tokio::test]
async fn a_sign_in_that_cannot_be_counted_is_not_made() {
    let db = PgDatabase::create().await;
    let app = bounded_on(&db, 3, None).await;
    let mut conn = db.connect().await;
    sqlx::query("alter table sign_in_failures rename to something_else")
        .execute(&mut conn)
        .await
        .unwrap();

    let reply = app.client().sign_in(ada()).await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert!(
        reply.message().contains("cannot be counted"),
        "{}",
        reply.message()
    );
    assert_eq!(app.upstream_calls(Route::WhoAmI), 0, "nothing was asked");
}

#[tokio::test]
async fn a_peering_change_on_postgres_leaves_a_history_that_filters_exports_and_verifies() {
    let db = PgDatabase::create().await;
    let app = portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client.connection_id(PRODUCTION).await;
    let mut change = private_peering(200);
    change["config"]["sharedKey"] = "Md5Canary2024".into();

    let reply = client.post(&peering_path(&id, "PRIVATE"), &change).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let (intent, outcome) = client.audit_pair("update_peering", &id).await;
    assert_eq!(intent["before"]["vlanId"], 100);
    assert_eq!(outcome["outcome"], "succeeded");
    assert_eq!(outcome["after"]["vlanId"], 200);
    assert_eq!(outcome["intentId"], intent["id"]);
    assert_eq!(intent["request"]["sharedKey"], "a new key (not shown)");
    assert!(
        outcome["after"]["sharedKey"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:")
    );

    // Filters: the actor by email in any case, the peering type, a time range around now.
    let mine = client.audit("actor=ADA@ACME.EXAMPLE").await;
    assert!(mine.iter().any(|e| e["action"] == "update_peering"));
    // Ada's rows, and the intent of her sign-in (no one was known yet) beside its outcome.
    assert!(mine.iter().all(|e| e["actorEmail"] == ADA_EMAIL
        || (e["action"] == "sign_in"
            && e["actorId"].is_null()
            && mine.iter().any(|o| o["intentId"] == e["id"]))));
    assert!(mine.iter().any(|e| e["actorId"].is_null()), "{mine:#?}");
    let private = client.audit("peeringType=PRIVATE").await;
    assert_eq!(private.len(), 2, "{private:#?}");
    let at = intent["at"].as_str().unwrap();
    let range = client
        .audit(&format!(
            "from={at}&to=2999-01-01T00:00:00Z&action=update_peering"
        ))
        .await;
    assert_eq!(range.len(), 2, "{range:#?}");
    assert!(
        client
            .audit(&format!("to={at}&action=update_peering"))
            .await
            .is_empty(),
        "the range ends before the change"
    );
    // Pages by id: one event per page, walked to the end.
    let mut seen = Vec::new();
    let mut path = "/api/audit?limit=1".to_owned();
    loop {
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        seen.extend(page.json["events"].as_array().unwrap().clone());
        match page.json["nextBefore"].as_i64() {
            Some(before) => path = format!("/api/audit?limit=1&before={before}"),
            None => break,
        }
    }
    let ids: Vec<i64> = seen.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    let expected: Vec<i64> = (1..=ids.len() as i64).rev().collect();
    assert_eq!(ids, expected, "newest first, every row once");

    // One event with the difference the change made.
    let detail = client.get(&format!("/api/audit/{}", outcome["id"])).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    let changed: Vec<&str> = detail.json["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(changed.contains(&"vlanId"), "{changed:?}");

    // Exports hold every row, oldest first; the CSV opens as a table.
    let json = client.get("/api/audit/export.json").await;
    assert_eq!(json.status, StatusCode::OK, "{}", json.text);
    let exported: Vec<Value> = serde_json::from_str(&json.text).unwrap();
    assert_eq!(exported.len(), ids.len());
    assert_eq!(exported[0]["id"], 1);
    let exported_outcome = exported.iter().find(|e| e["id"] == outcome["id"]).unwrap();
    assert_eq!(exported_outcome["after"], outcome["after"]);
    let csv = client.get("/api/audit/export.csv").await;
    let table = parse_csv(&csv.text);
    assert_eq!(table.len(), ids.len() + 1, "a header and one line per row");
    assert_eq!(table[0][0], "id");
    assert!(table.iter().all(|line| line.len() == table[0].len()));

    let verified = client.get("/api/audit/verify").await;
    assert_eq!(verified.json["ok"], true, "{}", verified.text);
    assert_eq!(verified.json["rowsChecked"], ids.len());
    let head = format!(
        "{}:{}",
        verified.json["head"]["id"],
        verified.json["head"]["hash"].as_str().unwrap()
    );
    let expecting = client
        .get(&format!("/api/audit/verify?expectHead={head}"))
        .await;
    assert_eq!(expecting.json["ok"], true, "{}", expecting.text);

    assert!(
        app.transcript()
            .iter()
            .all(|t| !t.contains("Md5Canary2024")),
        "the shared key is never sent back"
    );
    let mut conn = db.connect().await;
    let dump: Vec<String> = sqlx::query_scalar("select row_to_json(e)::text from audit_events e")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let sessions: Vec<String> =
        sqlx::query_scalar("select encode(data, 'escape') from tower_sessions.session")
            .fetch_all(&mut conn)
            .await
            .unwrap();
    for text in dump.iter().chain(&sessions) {
        assert!(!text.contains("Md5Canary2024"), "{text}");
        assert!(
            !text.contains(ada()),
            "the API key is never stored in clear: {text}"
        );
    }
    assert!(!sessions.is_empty(), "sessions are kept in PostgreSQL");
}

#[tokio::test]
async fn the_audit_table_refuses_changes_and_verify_names_a_row_edited_behind_its_back() {
    let db = PgDatabase::create().await;
    let app = portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let mut conn = db.connect().await;

    for statement in [
        "update audit_events set reason = 'nothing happened'",
        "delete from audit_events where id = 1",
        "truncate audit_events",
    ] {
        let refused = sqlx::query(statement).execute(&mut conn).await.unwrap_err();
        assert!(
            refused.to_string().contains("append-only"),
            "{statement}: {refused}"
        );
    }
    let rows: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert!(
        rows >= 4,
        "sign-in and company choice, each intent and outcome"
    );

    // Someone with the owner's rights switches the triggers off and rewrites row 2.
    sqlx::query("alter table audit_events disable trigger user")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("update audit_events set actor_name = 'Mallory' where id = 2")
        .execute(&mut conn)
        .await
        .unwrap();
    let verified = client.get("/api/audit/verify").await;
    assert_eq!(verified.json["ok"], false, "{}", verified.text);
    assert_eq!(verified.json["firstBad"]["id"], 2);
    assert_eq!(verified.json["rowsChecked"], 1);
}

/// The history's table held by other work (the lock `VACUUM FULL` or a schema change takes):
/// reading it is said to be unavailable for now, not an error inside the portal.
#[tokio::test]
async fn a_history_held_by_other_work_is_said_to_be_unavailable_for_now() {
    let db = PgDatabase::create().await;
    let app = impatient_portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let mut holder = db.connect().await;
    let mut held = sqlx::Connection::begin(&mut holder).await.unwrap();
    sqlx::query("lock table audit_events in access exclusive mode")
        .execute(&mut *held)
        .await
        .unwrap();

    for path in ["/api/audit", "/api/audit/verify"] {
        let busy = client.get(path).await;
        assert_eq!(
            busy.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{path}: {}",
            busy.text
        );
        assert_eq!(busy.code(), "audit_unavailable", "{path}");
        assert!(
            busy.message()
                .starts_with("The audit history cannot be read right now"),
            "{path}: {}",
            busy.message()
        );
    }

    held.rollback().await.unwrap();
    assert_eq!(client.get("/api/audit").await.status, StatusCode::OK);
}

#[tokio::test]
async fn without_the_chain_lock_a_change_is_refused_and_nothing_goes_upstream() {
    let db = PgDatabase::create().await;
    let app = impatient_portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let id = client.connection_id(PRODUCTION).await;
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);

    // Another session holds the lock every append takes (a stuck writer somewhere).
    let mut holder = db.connect().await;
    sqlx::query("select pg_advisory_lock($1)")
        .bind(server::audit::CHAIN_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    app.clear_upstream_requests();

    let refused = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert_eq!(refused.code(), "audit_unavailable");
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    assert_eq!(
        client.get("/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );

    sqlx::query("select pg_advisory_unlock($1)")
        .bind(server::audit::CHAIN_LOCK)
        .execute(&mut holder)
        .await
        .unwrap();
    assert_eq!(client.get("/readyz").await.status, StatusCode::OK);
    let applied = client
        .post(&peering_path(&id, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.text);
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);
}

#[tokio::test]
async fn two_portals_write_one_chain_and_answer_each_others_sessions() {
    let db = PgDatabase::create().await;
    let first = Arc::new(portal_on(&db).await);
    let second = Arc::new(beside(&first, &db).await);

    // A session started on one portal is answered by the other.
    let client = first.sign_in_to(ada(), "acme").await;
    let cookie = client.cookie_header().expect("a session cookie");
    let there = second.get_with_cookie("/api/session", &cookie).await;
    assert_eq!(there.status, StatusCode::OK, "{}", there.text);
    assert_eq!(there.json["company"], "acme", "{}", there.text);
    assert_eq!(there.json["user"]["email"], ADA_EMAIL, "{}", there.text);

    // A sign-out on either ends the session on both at once.
    let elsewhere = first.sign_in_to(grace(), "globex").await;
    let elsewhere_cookie = elsewhere.cookie_header().expect("a session cookie");
    assert_eq!(
        second
            .get_with_cookie("/api/session", &elsewhere_cookie)
            .await
            .status,
        StatusCode::OK
    );
    let signed_out = elsewhere.delete("/api/session", None).await;
    assert!(signed_out.status.is_success(), "{}", signed_out.text);
    for app in [&first, &second] {
        let replay = app.get_with_cookie("/api/session", &elsewhere_cookie).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{}", app.base_url);
    }

    // Both write at once: sign-ins, each an intent and an outcome.
    let per_portal = 12;
    let mut tasks = Vec::new();
    for app in [&first, &second] {
        for i in 0..per_portal {
            let app = app.clone();
            let key = [ada(), grace(), linus()][i % 3];
            tasks.push(tokio::spawn(async move {
                app.sign_in(key).await;
            }));
        }
    }
    for task in tasks {
        task.await.unwrap();
    }

    let mut conn = db.connect().await;
    let ids: Vec<i64> = sqlx::query_scalar("select id from audit_events order by id")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let expected: Vec<i64> = (1..=ids.len() as i64).collect();
    assert_eq!(ids, expected, "one sequence of ids, no gaps");
    let sign_ins: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where action = 'sign_in' and phase = 'outcome'",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(sign_ins, 2 + 2 * per_portal as i64);
    let open: i64 = sqlx::query_scalar(
        "select count(*) from audit_events i where i.phase = 'intent' and not exists \
         (select 1 from audit_events o where o.intent_id = i.id)",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(open, 0, "every intent has its outcome");
    let times_in_order: bool = sqlx::query_scalar(
        "select coalesce(bool_and(at >= prev), true) from \
         (select at, lag(at) over (order by id) as prev from audit_events) t",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert!(times_in_order, "times never go back along the ids");

    for app in [&first, &second] {
        let verified = app.get_with_cookie("/api/audit/verify", &cookie).await;
        assert_eq!(verified.json["ok"], true, "{}", verified.text);
        assert_eq!(verified.json["rowsChecked"], ids.len(), "{}", app.base_url);
    }
}

/// Changes to one connection through portals sharing a database take their turns there: one
/// made through the second portal while another through the first is under way waits for it,
/// then finds the peering changed since the read it was based on, and is not made, rather than
/// undo the first unseen.
#[tokio::test]
async fn portals_sharing_a_database_change_one_connection_in_turn() {
    let db = PgDatabase::create().await;
    let first = portal_on(&db).await;
    let second = beside(&first, &db).await;
    let here = first.sign_in_to(ada(), "acme").await;
    let there = second.sign_in_to(ada(), "acme").await;
    let id = here.connection_id(PRODUCTION).await;
    let path = peering_path(&id, "PRIVATE");
    let read = here.get(&path).await;
    let base = read.json["base"].as_str().expect("a base").to_owned();
    let based = |vlan: u64| {
        let mut body = private_peering(vlan);
        body["expectedBase"] = serde_json::json!(base);
        body
    };
    first.sim.set_fault(
        Route::UpdatePeering,
        simulator::Fault {
            latency_ms: 1_500,
            times: Some(1),
            ..simulator::Fault::default()
        },
    );
    let under_way = tokio::spawn({
        let (path, body) = (path.clone(), based(111));
        async move { here.post(&path, &body).await }
    });
    // The first is with Console Connect when the second is sent.
    first.sent(Route::UpdatePeering, 1).await;
    let refused = there.post(&path, &based(112)).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert_eq!(refused.code(), "changed_since_read");
    let made = under_way.await.unwrap();
    assert_eq!(made.status, StatusCode::OK, "{}", made.text);
    assert_eq!(first.upstream_calls(Route::UpdatePeering), 1);
    assert_eq!(there.get(&path).await.json["config"]["vlanId"], 111);

    // The turn is given back with the change: the next change goes through at once.
    let next = there.post(&path, &private_peering(113)).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.text);
    let outcomes: Vec<String> = sqlx::query_scalar(
        "select outcome from audit_events where action = 'update_peering' and phase = 'outcome' \
         order by id",
    )
    .fetch_all(&mut db.connect().await)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        ["succeeded", "refused", "succeeded"],
        "the second after the first"
    );
}

/// A turn in the database is held while its change is under way, and is given back by the
/// database itself once it has been held as long as a change can take: a portal lost in the
/// middle of a change (its host gone, its connection left open) does not hold it for hours.
#[tokio::test]
async fn a_turn_held_longer_than_a_change_can_take_is_given_back_by_the_database() {
    use server::under_way::{ChangesUnderWay, NoTurn, SharedTurns};
    let db = PgDatabase::create().await;
    let portal = async |longest: Duration| {
        ChangesUnderWay::new(Some(SharedTurns {
            pool: server::db::pg_pool(&db.url, Duration::from_secs(5), 2, false)
                .await
                .unwrap(),
            longest,
        }))
    };
    let lost = portal(Duration::from_millis(800)).await;
    let other = portal(Duration::from_secs(60)).await;
    let held = lost.begin("x", Duration::from_secs(1)).await.unwrap();
    assert!(
        matches!(
            other.begin("x", Duration::from_millis(200)).await,
            Err(NoTurn::Busy)
        ),
        "held in the database, not only in the process that took it"
    );
    let apart = other.begin("y", Duration::from_millis(200)).await;
    assert!(apart.is_ok(), "another connection's turn is apart");
    drop(apart);
    // Past the longest a change can take, the holder's session is ended and the turn is free.
    let taken = other.begin("x", Duration::from_secs(5)).await;
    assert!(taken.is_ok(), "{taken:?}");
    drop((held, taken));

    // A portal whose every turn connection holds a turn says so, not that the database failed.
    let crowded = ChangesUnderWay::new(Some(SharedTurns {
        pool: server::db::pg_pool(&db.url, Duration::from_millis(300), 1, false)
            .await
            .unwrap(),
        longest: Duration::from_secs(60),
    }));
    let one = crowded.begin("x", Duration::from_secs(5)).await.unwrap();
    let more = crowded.begin("y", Duration::from_secs(5)).await;
    assert!(matches!(more, Err(NoTurn::Crowded)), "{more:?}");
    drop(one);
}

/// A portal started with shorter timeouts than another sharing the database does not close that
/// other's change while it may still be under way: intents are closed by the longest time in
/// flight any of them has given.
#[tokio::test]
async fn an_intent_is_closed_by_the_longest_time_in_flight_of_the_portals_sharing_it() {
    let db = PgDatabase::create().await;
    let patient = AuditLog::open(&db.url, Duration::from_secs(5), Duration::from_secs(3600))
        .await
        .unwrap();
    let pending = patient
        .intent(Intent::new(
            AuditAction::UpdatePeering,
            &RequestMeta::default(),
        ))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;

    // Started later with no time in flight at all, it leaves the intent open.
    let hasty = AuditLog::open(&db.url, Duration::from_secs(5), Duration::ZERO)
        .await
        .unwrap();
    let mut conn = db.connect().await;
    let outcomes = async |conn: &mut sqlx::PgConnection| -> i64 {
        sqlx::query_scalar("select count(*) from audit_events where intent_id = $1")
            .bind(pending.id)
            .fetch_one(conn)
            .await
            .unwrap()
    };
    assert_eq!(outcomes(&mut conn).await, 0, "it may still be answered");
    let bound: i64 = sqlx::query_scalar("select in_flight_ms from audit_checkpoint")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(bound, 3_600_000, "the longest given is kept");

    // The patient portal's answer is recorded as it came.
    patient
        .outcome(&pending, Outcome::new(AuditOutcome::Succeeded))
        .await
        .unwrap();
    assert_eq!(outcomes(&mut conn).await, 1);
    drop(hasty);
}

#[tokio::test]
async fn an_intent_left_open_is_closed_once_no_change_can_still_be_in_flight() {
    let db = PgDatabase::create().await;
    let app = portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let production = client.connection_id(PRODUCTION).await;

    // A portal that stopped between an intent and its outcome.
    let stopped = AuditLog::open(&db.url, Duration::from_secs(5), Duration::from_secs(3600))
        .await
        .unwrap();
    let mut intent = Intent::new(AuditAction::UpdatePeering, &RequestMeta::default());
    intent.actor = Some(Actor {
        id: "ada".into(),
        name: "Ada Lovelace".into(),
        email: ADA_EMAIL.into(),
    });
    intent.company = Some("acme".into());
    intent.connection_id = Some(production.clone());
    intent.peering_type = Some(PeeringType::Private);
    intent.reason = Some("Cut over to the new core".into());
    let pending = stopped.intent(intent).await.unwrap();

    assert_eq!(
        stopped.reconcile(Duration::from_secs(3600)).await.unwrap(),
        0,
        "an hour has not passed: it may still be answered"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(stopped.reconcile(Duration::ZERO).await.unwrap(), 1);
    assert_eq!(
        stopped.reconcile(Duration::ZERO).await.unwrap(),
        0,
        "closed once, whoever looks again"
    );

    let events = client
        .audit(&format!("connection={production}&action=update_peering"))
        .await;
    let outcome = events
        .iter()
        .find(|e| e["phase"] == "outcome")
        .expect("an outcome row");
    assert_eq!(outcome["intentId"], pending.id);
    assert_eq!(outcome["outcome"], "interrupted");
    assert_eq!(outcome["reason"], "Cut over to the new core");
    let verified = client.get("/api/audit/verify").await;
    assert_eq!(verified.json["ok"], true, "{}", verified.text);
}

/// A database no portal ever ran on is said to hold no history by the offline tools.
#[tokio::test]
async fn the_command_line_says_a_database_without_a_history_holds_none() {
    let db = PgDatabase::create().await;
    for command in ["verify", "export"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
            .args(["audit", command, "--database-url", &db.url])
            .output()
            .expect("the portal binary runs");
        assert!(!out.status.success(), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("this database holds no audit history (it has no audit_events table)"),
            "{command}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{command}: nothing written");
    }
}

#[tokio::test]
async fn the_command_line_verifies_and_exports_a_postgres_history() {
    let db = PgDatabase::create().await;
    let app = portal_on(&db).await;
    let client = app.sign_in_to(ada(), "acme").await;
    let rows = client.get("/api/audit/verify").await.json["rowsChecked"]
        .as_u64()
        .unwrap();
    let portal = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_portal"))
            .args(["audit"])
            .args(args)
            .args(["--database-url", &db.url])
            .output()
            .expect("the portal binary runs");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    let (ok, said) = portal(&["verify"]);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("ok: {rows} rows")), "{said}");
    let (ok, csv) = portal(&["export", "--format", "csv"]);
    assert!(ok);
    assert_eq!(parse_csv(&csv).len() as u64, rows + 1, "{csv}");
    let (ok, json) = portal(&["export", "--format", "json"]);
    assert!(ok);
    let exported: Vec<Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(exported.len() as u64, rows);

    // The export is the bytes the portal serves; a row edited behind its back is named.
    let served = client.get("/api/audit/export.csv").await.text;
    assert_eq!(served, csv);
    let mut conn = db.connect().await;
    sqlx::query("alter table audit_events disable trigger user")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("update audit_events set reason = 'edited' where id = 3")
        .execute(&mut conn)
        .await
        .unwrap();
    let (ok, said) = portal(&["verify"]);
    assert!(!ok, "{said}");
    assert!(said.contains("broken at row 3"), "{said}");
}

#[tokio::test]
async fn appends_made_at_once_are_committed_together_as_one_chain() {
    let db = PgDatabase::create().await;
    let log = AuditLog::open(&db.url, Duration::from_secs(5), Duration::from_secs(3600))
        .await
        .unwrap();
    // While the writer commits the first, the rest queue up and go in one statement.
    let appends = (0..300).map(|i| {
        let log = log.clone();
        tokio::spawn(async move {
            let mut intent = Intent::new(AuditAction::VerifyServiceKey, &RequestMeta::default());
            intent.reason = Some(format!("append {i}"));
            log.intent(intent).await.unwrap().id
        })
    });
    let mut ids: Vec<i64> = futures::future::try_join_all(appends).await.unwrap();
    ids.sort_unstable();
    assert_eq!(ids, (1..=300).collect::<Vec<i64>>());
    let verified = log.store().verify(None).await.unwrap();
    assert!(verified.ok, "{verified:?}");
    assert_eq!(verified.rows_checked, 300);
}

#[tokio::test]
async fn portals_started_together_on_a_new_database_all_create_their_tables() {
    let db = PgDatabase::create().await;
    let busy = Duration::from_secs(10);
    // Each start-up opens the history, the sessions and the count of failed sign-ins, as
    // `portal` does, all at the same time.
    let starts = (0..12).map(|_| {
        let url = db.url.clone();
        tokio::spawn(async move {
            let sessions = server::session_store::Store::open(&url, busy).await?;
            let log = AuditLog::open(&url, busy, Duration::from_secs(3600)).await?;
            let pool = server::db::pg_pool(&url, busy, 1, false).await?;
            let bound = Shared::open(pool, 10, WINDOW).await?;
            anyhow::Ok((log, sessions, bound))
        })
    });
    for started in futures::future::join_all(starts).await {
        if let Err(e) = started.unwrap() {
            panic!("a portal failed to start: {e:#}");
        }
    }
    let mut conn = db.connect().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "select table_schema || '.' || table_name from information_schema.tables \
         where table_schema in ('public', 'tower_sessions') order by 1",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    assert!(
        tables.contains(&"tower_sessions.session".to_string()),
        "{tables:?}"
    );
    assert!(
        tables.contains(&"public.audit_events".to_string()),
        "{tables:?}"
    );
    assert!(
        tables.contains(&"public.sign_in_failures".to_string()),
        "{tables:?}"
    );
}

#[tokio::test]
async fn a_database_url_may_ask_for_tls_and_for_the_servers_certificate_to_be_checked() {
    let db = PgDatabase::create().await;
    let wait = Duration::from_secs(5);
    // The test server (Debian's PostgreSQL) offers TLS with a self-signed certificate.
    let tls = server::db::pg_pool(&format!("{}?sslmode=require", db.url), wait, 1, false)
        .await
        .expect("a connection over TLS: the test PostgreSQL server needs `ssl = on`");
    let (encrypted,): (bool,) =
        sqlx::query_as("select ssl from pg_stat_ssl where pid = pg_backend_pid()")
            .fetch_one(&tls)
            .await
            .unwrap();
    assert!(encrypted);

    // Asked to check the certificate, the portal refuses one no authority it knows signed.
    let checked = format!("{}?sslmode=verify-full", db.url);
    let refused = server::db::pg_pool(&checked, wait, 1, false)
        .await
        .expect_err("a self-signed certificate is not trusted")
        .to_string();
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");
}
