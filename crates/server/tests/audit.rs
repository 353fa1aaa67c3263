//! The audit history: written before a change goes upstream or the change does not happen,
//! append-only, tamper-evident, reconciled after a stop, and readable by filter, page, detail
//! and export — each reader seeing only their companies' events.

mod common;

use common::*;
use models::PeeringType;
use models::api::AuditAction;
use reqwest::StatusCode;
use serde_json::Value;
use server::audit::{Actor, AuditLog, Intent};
use server::extract::RequestMeta;
use simulator::Route;
use sqlx::{Connection, Executor};
use std::process::{Command, Output};
use std::time::Duration;

const ADA_ID: &str = "60a1b2c3d4e5f6a7b8c9d0e1";
const GRACE_ID: &str = "60a1b2c3d4e5f6a7b8c9d0e2";

const CSV_HEADER: &str = "id,at,request_id,phase,intent_id,action,actor_id,actor_name,actor_email,\
company,connection_id,peering_type,reason,ticket,outcome,upstream_status,error,duration_ms,\
client_addr,user_agent,request,before,after,prev_hash,hash";

/// Runs the `portal` binary.
fn portal_cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_portal"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PORTAL_DATA_DIR")
        .output()
        .expect("the portal binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["id"].as_i64().unwrap()).collect()
}

/// A small history: Ada changes acme's production peering twice, orders a connection and tries
/// to peer it too early; Grace verifies a key for globex.
struct History {
    ada: Client,
    grace: Client,
    production: String,
    staging: String,
}

async fn history(app: &TestApp) -> History {
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let private = ada
        .post(&peering_path(&production, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(private.status, StatusCode::OK, "{}", private.text);
    let staging = ada
        .create_connection("Azure London Staging", service_key(LONDON_1G), 500)
        .await;
    let early = ada
        .post(&peering_path(&staging, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    let microsoft = ada
        .post(
            &peering_path(&production, "MICROSOFT"),
            &microsoft_peering(300),
        )
        .await;
    assert_eq!(microsoft.status, StatusCode::OK, "{}", microsoft.text);
    let grace = app.sign_in(grace()).await;
    let verify = grace
        .post(
            "/api/service-keys/verify",
            &serde_json::json!({ "serviceKey": service_key(DALLAS_500M) }),
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.text);
    History {
        ada,
        grace,
        production,
        staging,
    }
}

#[tokio::test]
async fn audit_unavailable_refuses_the_change_and_sends_nothing_upstream() {
    let app = spawn_app_with(Options {
        busy_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let path = peering_path(&production, "PRIVATE");
    let mut db = app.audit_db().await;
    let lock = db
        .begin_with("begin immediate")
        .await
        .expect("the write lock");

    let refused = ada.post(&path, &private_peering(200)).await;

    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.text
    );
    assert_eq!(refused.code(), "audit_unavailable");
    assert!(
        refused.message().contains("no change was made"),
        "{}",
        refused.message()
    );
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 0);
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("portal_audit_write_failures_total{phase=\"intent\"} 1\n"),
        "{metrics}"
    );

    lock.rollback().await.unwrap();
    let accepted = ada.post(&path, &private_peering(200)).await;

    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    assert_eq!(app.upstream_calls(Route::UpdatePeering), 1);
    let events = ada.audit("action=update_peering").await;
    assert_eq!(events.len(), 2, "one intent and one outcome: {events:#?}");
    assert_eq!(ada.get("/api/audit/verify").await.json["ok"], true);
}

#[tokio::test]
async fn a_user_agent_beyond_ascii_is_recorded_as_sent() {
    let app = spawn_app().await;
    let grace = app.sign_in(grace()).await;
    let agent = reqwest::header::HeaderValue::from_bytes("Navigateur réseau/1.0".as_bytes())
        .expect("bytes past ASCII are a header value's");
    let verify = grace
        .send(
            grace
                .request(reqwest::Method::POST, "/api/service-keys/verify")
                .header(reqwest::header::USER_AGENT, agent)
                .json(&serde_json::json!({ "serviceKey": service_key(DALLAS_500M) })),
        )
        .await;
    assert_eq!(verify.status, StatusCode::OK, "{}", verify.text);
    let events = grace.audit("action=verify_service_key").await;
    assert_eq!(events.len(), 2, "{events:#?}");
    for event in &events {
        assert_eq!(event["userAgent"], "Navigateur réseau/1.0", "{event:#?}");
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_updated_or_deleted() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let mut db = app.audit_db().await;
    let count = "select count(*) from audit_events";
    let before: i64 = sqlx::query_scalar(count).fetch_one(&mut db).await.unwrap();
    assert!(before >= 4, "sign-in and company choice are recorded");

    let update = db
        .execute("update audit_events set reason = 'rewritten' where id = 1")
        .await
        .expect_err("an update is refused");
    let delete = db
        .execute("delete from audit_events where id = 1")
        .await
        .expect_err("a delete is refused");

    assert!(update.to_string().contains("append-only"), "{update}");
    assert!(delete.to_string().contains("append-only"), "{delete}");
    // Nor replaced: by its id, or as the outcome of an intent that has one.
    let columns = "id, at, request_id, phase, intent_id, action, reason, prev_hash, hash";
    let copied = "at, request_id, phase, intent_id, action, 'rewritten', prev_hash, hash";
    let outcome: i64 = sqlx::query_scalar(
        "select id from audit_events where intent_id is not null order by id limit 1",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    for replace in [
        format!(
            "insert or replace into audit_events ({columns}) \
             select id, {copied} from audit_events where id = 1"
        ),
        format!(
            "replace into audit_events ({columns}) \
             select id, {copied} from audit_events where id = 1"
        ),
        format!(
            "insert or replace into audit_events ({columns}) \
             select 1000, {copied} from audit_events where id = {outcome}"
        ),
    ] {
        let refused = db.execute(replace.as_str()).await.expect_err(&replace);
        assert!(refused.to_string().contains("append-only"), "{refused}");
    }
    let after: i64 = sqlx::query_scalar(count).fetch_one(&mut db).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(ada.get("/api/audit/verify").await.json["ok"], true);
}

#[tokio::test]
async fn a_tampered_row_is_named_by_the_api_and_the_cli() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let change = ada
        .post(&peering_path(&production, "PRIVATE"), &private_peering(200))
        .await;
    assert_eq!(change.status, StatusCode::OK);
    let (intent, _) = ada.audit_pair("update_peering", &production).await;
    let target = intent["id"].as_i64().unwrap();
    let data_dir = app.data_dir().to_str().unwrap().to_owned();

    let intact = ada.get("/api/audit/verify").await;
    assert_eq!(intact.json["ok"], true, "{}", intact.text);
    let read = ada.get(&format!("/api/audit/{target}")).await;
    assert!(read.json.get("chainProblems").is_none(), "{}", read.text);
    let cli = portal_cli(&["audit", "verify", "--data-dir", &data_dir]);
    assert!(cli.status.success(), "{}", stdout(&cli));
    assert!(stdout(&cli).starts_with("ok:"), "{}", stdout(&cli));

    let mut db = app.audit_db().await;
    db.execute("drop trigger audit_events_no_update")
        .await
        .unwrap();
    sqlx::query("update audit_events set reason = 'routine maintenance' where id = ?")
        .bind(target)
        .execute(&mut db)
        .await
        .unwrap();

    let broken = ada.get("/api/audit/verify").await;
    assert_eq!(broken.status, StatusCode::OK);
    assert_eq!(broken.json["ok"], false, "{}", broken.text);
    assert_eq!(broken.json["firstBad"]["id"], target);
    assert_eq!(broken.json["rowsChecked"], target - 1);
    // The event itself, read on its own, says it does not match its hash; its outcome says
    // its partner does not.
    let read = ada.get(&format!("/api/audit/{target}")).await;
    assert_eq!(read.json["event"]["reason"], "routine maintenance");
    assert_eq!(
        read.json["chainProblems"],
        serde_json::json!([format!(
            "Event #{target} does not match its hash: it was changed after it was written."
        )]),
        "{}",
        read.text
    );
    let outcome = read.json["related"][0]["id"].as_i64().unwrap();
    let read = ada.get(&format!("/api/audit/{outcome}")).await;
    assert_eq!(
        read.json["chainProblems"],
        serde_json::json!([format!(
            "Its partner, event #{target}, does not match its hash: it was changed after it \
             was written."
        )]),
        "{}",
        read.text
    );
    // The same edit with the row's hash made anew fits the row, and the next row says it.
    let rehashed = {
        let mut event: models::api::AuditEvent = serde_json::from_value(
            ada.get(&format!("/api/audit/{target}")).await.json["event"].clone(),
        )
        .unwrap();
        event.hash = server::audit::chain::hash(&event.prev_hash, &event);
        event.hash
    };
    sqlx::query("update audit_events set hash = ? where id = ?")
        .bind(&rehashed)
        .bind(target)
        .execute(&mut db)
        .await
        .unwrap();
    let read = ada.get(&format!("/api/audit/{target}")).await;
    let problems = read.json["chainProblems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{}", read.text);
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with(&format!("The row after event #{target}, #{}", target + 1)),
        "{}",
        read.text
    );
    let cli = portal_cli(&["audit", "verify", "--data-dir", &data_dir]);
    assert_eq!(cli.status.code(), Some(1), "a broken chain's exit code");
    assert!(
        stdout(&cli).contains(&format!("row {target}:")),
        "{}",
        stdout(&cli)
    );
}

#[tokio::test]
async fn a_removed_row_breaks_the_chain_at_the_next_one() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let mut db = app.audit_db().await;
    db.execute("drop trigger audit_events_no_delete")
        .await
        .unwrap();
    db.execute("delete from audit_events where id = 2")
        .await
        .unwrap();

    let broken = ada.get("/api/audit/verify").await;

    assert_eq!(broken.json["ok"], false);
    assert_eq!(broken.json["firstBad"]["id"], 3);
    assert!(
        broken.json["firstBad"]["reason"]
            .as_str()
            .unwrap()
            .contains("row 1, and row 2 is missing between them"),
        "{}",
        broken.text
    );
    // Read on its own, the row after the gap says so.
    let third = ada.get("/api/audit/3").await;
    assert_eq!(
        third.json["chainProblems"],
        serde_json::json!([
            "Event #3 was not written after the row now before it, #1: a row between them was \
             removed or inserted, or #1 was changed."
        ]),
        "{}",
        third.text
    );
}

#[tokio::test]
async fn a_recorded_head_shows_a_history_cut_short_or_rewritten() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let path = peering_path(&production, "PRIVATE");
    assert_eq!(
        ada.post(&path, &private_peering(200)).await.status,
        StatusCode::OK
    );
    let data_dir = app.data_dir().to_str().unwrap().to_owned();

    let first = ada.get("/api/audit/verify").await;
    assert_eq!(first.json["ok"], true, "{}", first.text);
    let head_id = first.json["head"]["id"].as_i64().unwrap();
    let head = format!("{head_id}:{}", first.json["head"]["hash"].as_str().unwrap());
    assert_eq!(head_id, first.json["rowsChecked"].as_i64().unwrap());
    let cli = portal_cli(&["audit", "verify", "--data-dir", &data_dir]);
    assert!(
        stdout(&cli).contains(&format!("head: {head}")),
        "the CLI prints the same head: {}",
        stdout(&cli)
    );

    // The history grows past the recorded head and still holds it.
    assert_eq!(
        ada.post(&path, &private_peering(201)).await.status,
        StatusCode::OK
    );
    let grown = ada
        .get(&format!("/api/audit/verify?expectHead={head}"))
        .await;
    assert_eq!(grown.json["ok"], true, "{}", grown.text);
    assert!(grown.json["head"]["id"].as_i64().unwrap() > head_id);
    let wrong_hash = format!("{head_id}:{}", "ab".repeat(32));
    let rewritten = ada
        .get(&format!("/api/audit/verify?expectHead={wrong_hash}"))
        .await;
    assert_eq!(rewritten.json["ok"], false, "{}", rewritten.text);
    assert_eq!(rewritten.json["firstBad"]["id"], head_id);
    assert!(
        rewritten.json["firstBad"]["reason"]
            .as_str()
            .unwrap()
            .contains("rewritten"),
        "{}",
        rewritten.text
    );
    let cli = portal_cli(&[
        "audit",
        "verify",
        "--data-dir",
        &data_dir,
        "--expect-head",
        &wrong_hash,
    ]);
    assert_eq!(cli.status.code(), Some(1), "{}", stdout(&cli));
    assert!(
        stdout(&cli).contains(&format!("broken at row {head_id}:"))
            && stdout(&cli).contains("rewritten")
            && !stdout(&cli).contains("intact"),
        "no row is said to be intact before a rewritten head: {}",
        stdout(&cli)
    );

    // Cutting off the tail leaves a chain that holds on its own; the head tells.
    let mut db = app.audit_db().await;
    db.execute("drop trigger audit_events_no_delete")
        .await
        .unwrap();
    sqlx::query("delete from audit_events where id >= ?")
        .bind(head_id)
        .execute(&mut db)
        .await
        .unwrap();
    let plain = ada.get("/api/audit/verify").await;
    assert_eq!(plain.json["ok"], true, "a shorter chain is a valid chain");
    let cut = ada
        .get(&format!("/api/audit/verify?expectHead={head}"))
        .await;
    assert_eq!(cut.json["ok"], false, "{}", cut.text);
    assert_eq!(cut.json["firstBad"]["id"], head_id);
    assert!(
        cut.json["firstBad"]["reason"]
            .as_str()
            .unwrap()
            .contains("cut short"),
        "{}",
        cut.text
    );
    let cli = portal_cli(&[
        "audit",
        "verify",
        "--data-dir",
        &data_dir,
        "--expect-head",
        &head,
    ]);
    assert_eq!(cli.status.code(), Some(1), "{}", stdout(&cli));
    assert!(stdout(&cli).contains("cut short"), "{}", stdout(&cli));
    let malformed = ada.get("/api/audit/verify?expectHead=latest").await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        malformed.field("expectHead").is_some(),
        "{}",
        malformed.text
    );
}

#[tokio::test]
async fn the_cli_exports_the_history_offline() {
    let app = spawn_app().await;
    let h = history(&app).await;
    // What the browser's history shows for the filters given to the CLI below, oldest first.
    let mut production_changes = ids(&h
        .ada
        .audit(&format!(
            "connection={}&action=update_peering&phase=outcome",
            h.production
        ))
        .await);
    production_changes.reverse();
    assert!(production_changes.len() >= 2, "{production_changes:?}");
    let leg = leg_of(&h.ada, &h.production).await;
    let dir = app.dir.clone();
    let url = app.audit_db_url();
    let mut db = app.audit_db().await;
    let rows: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&mut db)
        .await
        .unwrap();
    db.close().await.unwrap();
    drop(app);

    let csv = portal_cli(&["audit", "export", "--format", "csv", "--database-url", &url]);

    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let records = parse_csv(&stdout(&csv));
    assert_eq!(records[0].join(","), CSV_HEADER);
    assert_eq!(records.len() as i64, rows + 1);
    // `-o -` is standard output too, not a file named `-`.
    let dashed = portal_cli(&["audit", "export", "--database-url", &url, "-o", "-"]);
    assert!(
        dashed.status.success(),
        "{}",
        String::from_utf8_lossy(&dashed.stderr)
    );
    assert_eq!(stdout(&dashed), stdout(&csv));
    let first_ids: Vec<&str> = records[1..4].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(first_ids, ["1", "2", "3"], "oldest first");

    let file = dir.path().join("export.json");
    let json = portal_cli(&[
        "audit",
        "export",
        "--format",
        "json",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let events: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).expect("JSON");
    assert_eq!(events.len() as i64, rows);

    // The same filters as the browser's history, in the same words; the id in capitals is
    // the id.
    let mut events: Vec<Value> = Vec::new();
    for connection in [h.production.clone(), h.production.to_uppercase()] {
        let filtered = portal_cli(&[
            "audit",
            "export",
            "--format",
            "json",
            "--database-url",
            &url,
            "--connection",
            &connection,
            "--action",
            "update_peering",
            "--phase",
            "OUTCOME",
        ]);
        assert!(
            filtered.status.success(),
            "{}",
            String::from_utf8_lossy(&filtered.stderr)
        );
        events = serde_json::from_str(&stdout(&filtered)).expect("JSON");
        assert_eq!(
            ids(&events),
            production_changes,
            "--connection {connection}"
        );
        assert!(filtered.stderr.is_empty(), "{filtered:?}");
    }
    // A leg's history is empty, as its events are its connection's: said beside the export.
    let of_leg = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &url,
        "--connection",
        &leg,
    ]);
    assert!(of_leg.status.success(), "{of_leg:?}");
    assert_eq!(stdout(&of_leg).lines().count(), 1, "the header alone");
    let hint = String::from_utf8_lossy(&of_leg.stderr);
    assert!(
        hint.contains(&format!("no event of connection {leg} is kept"))
            && hint.contains("legs are kept under the connection's id"),
        "{hint}"
    );
    // Not said of a connection with events that the other filters leave out.
    let no_sign_ins_there = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &url,
        "--connection",
        &h.production,
        "--action",
        "sign_in",
    ]);
    assert!(no_sign_ins_there.status.success(), "{no_sign_ins_there:?}");
    assert_eq!(
        stdout(&no_sign_ins_there).lines().count(),
        1,
        "the header alone"
    );
    assert!(no_sign_ins_there.stderr.is_empty(), "{no_sign_ins_there:?}");
    // Intents with an outcome are none, and said to be.
    let contradictory = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &url,
        "--phase",
        "intent",
        "--outcome",
        "failed",
    ]);
    assert!(contradictory.status.success(), "{contradictory:?}");
    assert_eq!(
        stdout(&contradictory).lines().count(),
        1,
        "the header alone"
    );
    assert!(
        String::from_utf8_lossy(&contradictory.stderr).contains("an intent has no outcome"),
        "{contradictory:?}"
    );
    let first_day = &events[0]["at"].as_str().unwrap()[..10];
    let none = portal_cli(&["audit", "export", "--database-url", &url, "--to", first_day]);
    assert!(none.status.success());
    assert_eq!(stdout(&none).lines().count(), 1, "the header alone");

    // Filters that cannot be read are refused, saying what is allowed, and an export that
    // fails leaves the file it would have replaced as it was.
    let refusals = [
        (vec!["--action", "drop_table"], "sign_in, sign_out"),
        (
            vec!["--peering-type", "private-ish"],
            "PRIVATE, PUBLIC, MICROSOFT",
        ),
        (vec!["--outcome", "ok"], "succeeded, failed"),
        (vec!["--phase", "after"], "intent, outcome"),
        (
            vec!["--connection", "../ports"],
            "'--connection <ID>': a connection's id is exactly 24 hexadecimal characters (0-9, a-f, in either case)",
        ),
        (
            vec!["--from", "last tuesday"],
            "--from must be an RFC 3339 time",
        ),
        (
            vec!["--from", "9999-12-31T23:59:59-01:00"],
            "between the years 0000 and 9999",
        ),
        (
            vec!["--from", "2026-11-25", "--to", "2026-11-24T23:00:00Z"],
            "--to must be later than --from",
        ),
        // One day asked as from and to that day: to is said not to be included.
        (
            vec!["--from", "2026-11-25", "--to", "2026-11-25"],
            "--to must be later than --from; --to is not included, so one day runs to the next day",
        ),
        // A time without its offset is told what it lacks.
        (
            vec!["--from", "2026-11-25 09:00:00"],
            "the time needs a Z (for UTC) or an offset such as +01:00 after it",
        ),
        // Both bounds unreadable: both said.
        (
            vec!["--from", "last tuesday", "--to", "never"],
            "; --to must be an RFC 3339 time",
        ),
        // A flag given empty, whichever it is.
        (vec!["--actor", ""], "'--actor <ID_OR_EMAIL>'"),
        (vec!["--from", " "], "leave the flag out"),
        (vec!["--to", ""], "leave the flag out"),
        (vec!["--action", ""], "'--action <ACTION>'"),
        (vec!["--connection", ""], "'--connection <ID>'"),
    ];
    for (args, says) in refusals {
        let mut all = vec!["audit", "export", "--database-url", &url];
        all.extend(&args);
        let refused = portal_cli(&all);
        assert!(!refused.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let missing = dir.path().join("missing.db");
    let failed = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &format!("sqlite://{}", missing.display()),
        "-o",
        file.to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains(&format!(
            "there is no database file at {}",
            missing.display()
        )),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    // A database file that is not the portal's holds no history, which is what is said.
    let other = dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    for command in ["verify", "export"] {
        let refused = portal_cli(&[
            "audit",
            command,
            "--database-url",
            &format!("sqlite://{}", other.display()),
        ]);
        assert!(!refused.status.success(), "{command}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains("this database holds no audit history (it has no audit_events table)"),
            "{command}: {stderr}"
        );
        assert!(stdout(&refused).is_empty(), "{command}: nothing written");
    }
    // Nor does an export to a folder that does not exist, which says which file it could not
    // write.
    let nowhere = dir.path().join("no-such-folder").join("audit.csv");
    let unwritable = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &url,
        "-o",
        nowhere.to_str().unwrap(),
    ]);
    assert!(!unwritable.status.success());
    let stderr = String::from_utf8_lossy(&unwritable.stderr);
    assert!(
        stderr.contains(&format!(
            "cannot write the export to {}: there is no folder {}",
            nowhere.display(),
            nowhere.parent().unwrap().display()
        )),
        "{stderr}"
    );
    // Nor one to a folder, said as such and nothing else.
    let folder = portal_cli(&[
        "audit",
        "export",
        "--database-url",
        &url,
        "-o",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!folder.status.success());
    let stderr = String::from_utf8_lossy(&folder.stderr);
    assert!(
        stderr.contains(&format!(
            "portal: cannot write the export to {}: it is a folder; give a file's name in it, such as {}",
            dir.path().display(),
            dir.path().join("audit.csv").display()
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("ERROR"), "{stderr}");
    let kept: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).expect("JSON");
    assert_eq!(kept.len() as i64, rows, "the earlier export is untouched");

    let verify = portal_cli(&["audit", "verify", "--database-url", &url]);
    assert!(verify.status.success(), "{}", stdout(&verify));
    assert!(
        stdout(&verify).contains(&format!("{rows} rows")),
        "{}",
        stdout(&verify)
    );
}

#[tokio::test]
async fn audit_filters_select_the_matching_events() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let all = h.ada.audit("").await;
    assert!(all.len() >= 12, "{}", all.len());
    let asc: Vec<&Value> = all.iter().rev().collect();
    let from = asc[4]["at"].as_str().unwrap().to_owned();
    let to = asc[asc.len() - 4]["at"].as_str().unwrap().to_owned();

    type Pick = Box<dyn Fn(&Value) -> bool>;
    // An actor's rows, and the intents of their sign-ins (written before who-am-I named anyone)
    // that their outcomes name, so that each pair stays whole.
    let of_actor = |matches: fn(&Value) -> bool| -> Pick {
        let intents: Vec<Value> = all
            .iter()
            .filter(|o| matches(o) && o["intentId"].is_i64())
            .map(|o| o["intentId"].clone())
            .collect();
        Box::new(move |e| matches(e) || (e["actorId"].is_null() && intents.contains(&e["id"])))
    };
    let cases: Vec<(String, Pick)> = vec![
        (format!("connection={}", h.production), {
            let id = h.production.clone();
            Box::new(move |e| e["connectionId"] == id.as_str())
        }),
        (
            "actor=ADA@ACME.EXAMPLE".into(),
            of_actor(|e| e["actorEmail"] == ADA_EMAIL),
        ),
        (
            format!("actor={GRACE_ID}"),
            of_actor(|e| e["actorId"] == GRACE_ID),
        ),
        (
            "action=update_peering".into(),
            Box::new(|e| e["action"] == "update_peering"),
        ),
        (
            "peeringType=MICROSOFT".into(),
            Box::new(|e| e["peeringType"] == "MICROSOFT"),
        ),
        // In any case, as a path and the command line take them.
        (
            "peeringType=microsoft".into(),
            Box::new(|e| e["peeringType"] == "MICROSOFT"),
        ),
        (
            "action=UPDATE_PEERING&outcome=Succeeded&peeringType=Private&phase=OUTCOME".into(),
            Box::new(|e| {
                e["action"] == "update_peering"
                    && e["outcome"] == "succeeded"
                    && e["peeringType"] == "PRIVATE"
            }),
        ),
        (
            "outcome=refused".into(),
            Box::new(|e| e["outcome"] == "refused"),
        ),
        (
            "action=update_peering&outcome=succeeded&peeringType=PRIVATE".into(),
            Box::new(|e| {
                e["action"] == "update_peering"
                    && e["outcome"] == "succeeded"
                    && e["peeringType"] == "PRIVATE"
            }),
        ),
        (
            "phase=outcome".into(),
            Box::new(|e| e["phase"] == "outcome" && e["intentId"].is_i64()),
        ),
        (
            "phase=intent&action=update_peering".into(),
            Box::new(|e| e["phase"] == "intent" && e["action"] == "update_peering"),
        ),
        (format!("from={from}&to={to}"), {
            let (from, to) = (from.clone(), to.clone());
            Box::new(move |e| {
                let at = e["at"].as_str().unwrap();
                at >= from.as_str() && at < to.as_str()
            })
        }),
    ];
    for (query, pick) in cases {
        let expected: Vec<i64> = ids(&all.iter().filter(|e| pick(e)).cloned().collect::<Vec<_>>());
        assert!(
            !expected.is_empty() && expected.len() < all.len(),
            "{query}: a filter that selects something, not everything"
        );
        assert_eq!(ids(&h.ada.audit(&query).await), expected, "{query}");
    }
    let sign_ins = h.ada.audit("actor=ada@acme.example&action=sign_in").await;
    let intent = sign_ins
        .iter()
        .find(|e| e["phase"] == "intent")
        .expect("a sign-in's intent kept beside its outcome");
    assert!(intent["actorId"].is_null(), "{intent}");
    assert!(
        sign_ins.iter().any(|e| e["intentId"] == intent["id"]),
        "{sign_ins:?}"
    );
    let refused = h.ada.audit("outcome=refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["connectionId"], h.staging.as_str());

    // A date alone is its midnight UTC.
    let first_day = &asc[0]["at"].as_str().unwrap()[..10];
    let since_that_day = h.ada.audit(&format!("from={first_day}")).await;
    assert_eq!(since_that_day.len(), all.len());
    let before_that_day = h.ada.audit(&format!("to={first_day}")).await;
    assert!(before_that_day.is_empty(), "{before_that_day:?}");

    // A bound finer than the milliseconds times are kept in holds as given: an event at
    // …38.092Z is before …38.0929Z, so the range from it leaves the event out and the range up
    // to it takes it in.
    let at = asc[1]["at"].as_str().unwrap();
    let finer = format!("{}9Z", at.trim_end_matches('Z'));
    let from_finer = h.ada.audit(&format!("from={finer}")).await;
    assert!(!from_finer.is_empty() && from_finer.iter().all(|e| e["at"].as_str() > Some(at)));
    let to_finer = h.ada.audit(&format!("to={finer}")).await;
    assert!(to_finer.iter().any(|e| e["at"] == at), "{finer}");

    let bad_time = h.ada.get("/api/audit?from=last%20tuesday").await;
    assert_eq!(bad_time.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_time.field("from").is_some(), "{}", bad_time.text);
    // An offset's + left unencoded arrives as a space: said how to write it.
    let plus = h.ada.get("/api/audit?from=2026-11-25T10:00:00+01:00").await;
    assert_eq!(plus.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        plus.field("from")
            .is_some_and(|m| m.ends_with("a + is written %2B")),
        "{}",
        plus.text
    );
    let encoded = h
        .ada
        .get("/api/audit?from=2026-11-25T10:00:00%2B01:00")
        .await;
    assert_eq!(encoded.status, StatusCode::OK, "{}", encoded.text);
    // A time whose UTC falls past the year 9999 is refused as well, on the list and the export.
    for route in ["/api/audit", "/api/audit/export.csv"] {
        let past_9999 = h
            .ada
            .get(&format!("{route}?to=9999-12-31T23:59:59-01:00"))
            .await;
        assert_eq!(
            past_9999.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{route}"
        );
        assert!(
            past_9999.field("to").is_some_and(|m| m.contains("9999")),
            "{}",
            past_9999.text
        );
    }
    let backwards = h
        .ada
        .get("/api/audit?from=2026-11-25T10:00:00Z&to=2026-11-25T09:00:00Z")
        .await;
    assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        backwards
            .field("to")
            .is_some_and(|m| m.contains("later than from")),
        "{}",
        backwards.text
    );
    // A connection is named by its id; a name finds nothing, so it is refused saying so.
    let by_name = h.ada.get("/api/audit?connection=Azure%20London").await;
    assert_eq!(by_name.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        by_name
            .field("connection")
            .is_some_and(|m| m.contains("24 lowercase hexadecimal")),
        "{}",
        by_name.text
    );
    let bad_limit = h.ada.get("/api/audit?limit=0").await;
    assert!(bad_limit.field("limit").is_some(), "{}", bad_limit.text);
    // Every filter that cannot be read is said at once, each under its name: the values
    // checked when the query is read, and the times, page size and connection after.
    let all_bad = h
        .ada
        .get("/api/audit?connection=Azure%20London&from=last%20tuesday&limit=0&before=0")
        .await;
    assert_eq!(all_bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["connection", "from", "limit", "before"] {
        assert!(all_bad.field(field).is_some(), "{field}: {}", all_bad.text);
    }
    let bad_values = h
        .ada
        .get("/api/audit?action=drop_table&outcome=x&limit=ten")
        .await;
    assert_eq!(bad_values.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["action", "outcome", "limit"] {
        assert!(
            bad_values.field(field).is_some(),
            "{field}: {}",
            bad_values.text
        );
    }
    // A value refused when the query is read does not hide the filters checked after it.
    let mixed = h
        .ada
        .get("/api/audit?action=drop_table&from=last%20tuesday&limit=0&connection=x&actor=ada")
        .await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["action", "from", "limit", "connection"] {
        assert!(mixed.field(field).is_some(), "{field}: {}", mixed.text);
    }
    assert!(mixed.field("actor").is_none(), "{}", mixed.text);
    // An export names the same.
    let mixed_export = h
        .ada
        .get("/api/audit/export.csv?outcome=x&to=soon&limit=0")
        .await;
    assert_eq!(mixed_export.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mixed_export.field("outcome").is_some() && mixed_export.field("to").is_some(),
        "{}",
        mixed_export.text
    );
    // ... and the paging it does not take, in the same answer.
    assert!(
        mixed_export
            .field("limit")
            .is_some_and(|m| m.contains("not taken by an export")),
        "{}",
        mixed_export.text
    );
    // Beside an unknown parameter too, and a slip of a paging name is not offered as meant.
    let unknown = h
        .ada
        .get("/api/audit/export.csv?foo=1&limit=abc&limits=5")
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.text);
    let said = unknown.message();
    assert!(said.contains("unknown field `foo`"), "{said}");
    assert!(said.contains("limit is not taken by an export"), "{said}");
    assert!(!said.contains("from 1 to 500"), "{said}");
    assert!(!said.contains("did you mean `limit`"), "{said}");
    // Whatever its value: one that cannot be read is not to be mended but left out.
    for paged in ["limit=abc", "limit=-1", "before=abc"] {
        let unread = h.ada.get(&format!("/api/audit/export.csv?{paged}")).await;
        let name = &paged[..paged.find('=').unwrap()];
        assert_eq!(unread.status, StatusCode::UNPROCESSABLE_ENTITY, "{paged}");
        assert!(
            unread
                .field(name)
                .is_some_and(|m| m.contains("not taken by an export")),
            "{paged}: {}",
            unread.text
        );
    }
    let below_every_id = h.ada.get("/api/audit?before=-5").await;
    assert_eq!(below_every_id.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        below_every_id
            .field("before")
            .is_some_and(|m| m.contains("1 or more")),
        "{}",
        below_every_id.text
    );
    // A value a filter does not have is said under its name, with the values there are.
    for (query, field, one_allowed) in [
        ("action=drop_table", "action", "update_peering"),
        ("peeringType=x", "peeringType", "MICROSOFT"),
        ("outcome=x", "outcome", "interrupted"),
        ("phase=x", "phase", "intent"),
    ] {
        for route in ["/api/audit", "/api/audit/export.csv"] {
            let refused = h.ada.get(&format!("{route}?{query}")).await;
            assert_eq!(
                refused.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{route}?{query}: {}",
                refused.text
            );
            let message = refused.field(field).unwrap_or_default();
            assert!(
                message.starts_with(&format!("{field} is one of "))
                    && message.contains(one_allowed)
                    && !message.contains('`'),
                "{route}?{query}: {}",
                refused.text
            );
        }
    }
    // A filter left empty, as a form with nothing chosen sends it, filters nothing.
    let everything = h.ada.get("/api/audit").await;
    let left_empty = h
        .ada
        .get("/api/audit?action=&outcome=&phase=+&peeringType=&connection=&limit=&before=&from=")
        .await;
    assert_eq!(left_empty.status, StatusCode::OK, "{}", left_empty.text);
    assert_eq!(left_empty.json, everything.json);
    assert!(everything.json["events"].as_array().unwrap().len() > 1);
    // A parameter the history does not have is refused, with a value or without one.
    for path in [
        "/api/audit?foo=bar",
        "/api/audit?foo",
        "/api/audit?action=&foo=",
        "/api/audit/export.csv?foo",
    ] {
        let unknown = h.ada.get(path).await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(
            unknown
                .message()
                .contains("unknown field `foo`, expected one of"),
            "{path}: {}",
            unknown.text
        );
        // An export names the filters it takes: not the history's paging.
        let paging = unknown.message().contains("`before`, `limit`");
        assert_eq!(paging, !path.contains("export"), "{path}: {}", unknown.text);
    }
    // Beside a value refused, before it or after it, both are said in the one answer.
    for path in [
        "/api/audit?action=drop_table&foo=1",
        "/api/audit?foo=1&action=drop_table",
    ] {
        let both = h.ada.get(path).await;
        assert_eq!(both.status, StatusCode::BAD_REQUEST, "{path}");
        let said = both.message();
        assert!(said.contains("unknown field `foo`"), "{path}: {said}");
        assert!(said.contains("action is one of"), "{path}: {said}");
    }
    // So are the filters the history checks once read: times, a connection id, their range.
    for path in [
        "/api/audit?from=yesterday&foo=1",
        "/api/audit/export.csv?foo=1&from=yesterday&connection=Test",
    ] {
        let all = h.ada.get(path).await;
        assert_eq!(all.status, StatusCode::BAD_REQUEST, "{path}");
        let said = all.message();
        assert!(said.contains("unknown field `foo`"), "{path}: {said}");
        assert!(said.contains("; from "), "{path}: {said}");
        assert_eq!(
            said.contains("; connection "),
            path.contains("connection"),
            "{path}: {said}"
        );
    }
    let bad_cursor = h.ada.get("/api/audit?before=12abc").await;
    assert_eq!(bad_cursor.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad_cursor.field("before"),
        Some("before must be a whole number, written with the digits 0-9 only"),
        "{}",
        bad_cursor.text
    );
}

/// The id of the first leg of connection `id`.
async fn leg_of(client: &Client, id: &str) -> String {
    let view = client.get(&format!("/api/connections/{id}")).await;
    assert_eq!(view.status, StatusCode::OK, "{}", view.text);
    view.json["legs"][0]["id"]
        .as_str()
        .expect("a leg")
        .to_owned()
}

#[tokio::test]
async fn a_legs_history_is_refused_naming_the_connection_it_is_kept_under() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let leg = leg_of(&h.ada, &h.production).await;
    assert_ne!(leg, h.production);

    for route in [
        "/api/audit",
        "/api/audit/export.csv",
        "/api/audit/export.json",
    ] {
        let refused = h.ada.get(&format!("{route}?connection={leg}")).await;

        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{route}: {}",
            refused.text
        );
        let message = refused.field("connection").unwrap_or_default();
        assert!(
            message.starts_with(&format!(
                "connection {leg} is a leg of connection {}",
                h.production
            )),
            "{route}: {}",
            refused.text
        );
    }
    // The connection's own id reads its events; an id no connection has, nothing, said so by
    // an empty page (its connection may be long gone); a later page of a leg is not looked up.
    let own = h
        .ada
        .get(&format!("/api/audit?connection={}", h.production))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    assert!(!own.json["events"].as_array().unwrap().is_empty());
    let nobodys = "0123456789abcdef01234567";
    for route in ["/api/audit", "/api/audit/export.json"] {
        let empty = h.ada.get(&format!("{route}?connection={nobodys}")).await;
        assert_eq!(empty.status, StatusCode::OK, "{route}: {}", empty.text);
    }
    let later = h
        .ada
        .get(&format!("/api/audit?connection={leg}&before=1"))
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.text);
    assert_eq!(later.json["events"], serde_json::json!([]));
}

#[tokio::test]
async fn a_connections_history_includes_the_intent_of_its_order() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let all = h.ada.audit("").await;
    let created = all
        .iter()
        .find(|e| e["action"] == "create_connection" && e["phase"] == "outcome")
        .expect("the order's outcome");
    assert_eq!(created["connectionId"], h.staging.as_str());
    let order = created["intentId"].as_i64().unwrap();
    let intent = all.iter().find(|e| e["id"] == order).unwrap();
    assert_eq!(
        intent["connectionId"],
        Value::Null,
        "written before the connection had an id"
    );
    let expected: Vec<i64> = ids(&all
        .iter()
        .filter(|e| e["connectionId"] == h.staging.as_str() || e["id"] == order)
        .cloned()
        .collect::<Vec<_>>());
    assert_eq!(
        expected.len(),
        4,
        "the order and the early peering: {expected:?}"
    );

    let query = format!("connection={}", h.staging);
    assert_eq!(ids(&h.ada.audit(&query).await), expected);
    let mut paged = Vec::new();
    let mut path = format!("/api/audit?{query}&limit=1");
    while let Some(event) = h.ada.get(&path).await.json["events"].get(0).cloned() {
        paged.push(event["id"].as_i64().unwrap());
        path = format!("/api/audit?{query}&limit=1&before={}", event["id"]);
    }
    assert_eq!(paged, expected, "page by page");
    let mut oldest_first = expected.clone();
    oldest_first.reverse();
    let csv = h.ada.get(&format!("/api/audit/export.csv?{query}")).await;
    let csv_ids: Vec<i64> = parse_csv(&csv.text)[1..]
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(csv_ids, oldest_first);
    let json = h.ada.get(&format!("/api/audit/export.json?{query}")).await;
    let events: Vec<Value> = serde_json::from_str(&json.text).unwrap();
    assert_eq!(ids(&events), oldest_first);

    // The other filters still apply to it.
    let orders = h
        .ada
        .audit(&format!("{query}&action=create_connection"))
        .await;
    assert_eq!(ids(&orders), [created["id"].as_i64().unwrap(), order]);
    let peerings = h.ada.audit(&format!("{query}&action=update_peering")).await;
    assert!(peerings.iter().all(|e| e["id"] != order) && peerings.len() == 2);
    assert!(
        h.grace.audit(&query).await.is_empty(),
        "nor does it widen what another company's reader sees"
    );
}

#[tokio::test]
async fn audit_pages_by_id_newest_first() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let all = ids(&h.ada.audit("").await);

    let mut seen: Vec<i64> = Vec::new();
    let mut query = "/api/audit?limit=3".to_owned();
    loop {
        let page = h.ada.get(&query).await;
        assert_eq!(page.status, StatusCode::OK);
        let events = ids(page.json["events"].as_array().unwrap());
        assert!(!events.is_empty() && events.len() <= 3);
        seen.extend(&events);
        match page.json["nextBefore"].as_i64() {
            Some(next) => {
                assert_eq!(
                    Some(&next),
                    events.last(),
                    "the cursor is the page's last id"
                );
                query = format!("/api/audit?limit=3&before={next}");
            }
            None => break,
        }
    }

    assert_eq!(seen, all, "every event once, newest first");
    assert!(seen.windows(2).all(|w| w[0] > w[1]));
}

#[tokio::test]
async fn an_audit_event_shows_its_field_changes_and_its_pair() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let events = h
        .ada
        .audit(&format!(
            "action=update_peering&peeringType=PRIVATE&connection={}",
            h.production
        ))
        .await;
    let outcome = events.iter().find(|e| e["phase"] == "outcome").unwrap();

    let detail = h.ada.get(&format!("/api/audit/{}", outcome["id"])).await;

    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.json["event"]["id"], outcome["id"]);
    let related = detail.json["related"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["id"], outcome["intentId"]);
    let changes = detail.json["changes"].as_array().unwrap();
    let vlan = changes.iter().find(|c| c["field"] == "vlanId").unwrap();
    assert_eq!(
        (&vlan["before"], &vlan["after"]),
        (&100.into(), &200.into())
    );
    assert!(
        changes.iter().all(|c| c["field"] != "peerASN"),
        "{changes:#?}"
    );

    // A change refused before going upstream changed nothing: seen from its outcome or its
    // intent, it lists no field as removed.
    let refused = h
        .ada
        .audit(&format!(
            "action=update_peering&connection={}&phase=outcome",
            h.staging
        ))
        .await;
    assert_eq!(refused.len(), 1, "{refused:#?}");
    assert_eq!(refused[0]["outcome"], "refused");
    for id in [&refused[0]["id"], &refused[0]["intentId"]] {
        let detail = h.ada.get(&format!("/api/audit/{id}")).await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        assert_eq!(
            detail.json["changes"],
            serde_json::json!([]),
            "{}",
            detail.text
        );
    }

    let missing = h.ada.get("/api/audit/999999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let beyond_any_id = h.ada.get("/api/audit/99999999999999999999").await;
    assert_eq!(beyond_any_id.status, StatusCode::NOT_FOUND);
    assert_eq!(beyond_any_id.message(), missing.message());
    let not_a_number = h.ada.get("/api/audit/1%20or%201=1").await;
    assert_eq!(not_a_number.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        not_a_number.message(),
        "An audit event id is a whole number."
    );
    let export = h.ada.get("/api/audit/export?format=csv").await;
    assert_eq!(export.status, StatusCode::BAD_REQUEST);
    assert!(
        export.message().contains("/api/audit/export.csv"),
        "{}",
        export.text
    );
}

#[tokio::test]
async fn audit_exports_hold_every_visible_row() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let all = h.ada.audit("").await;
    let mut oldest_first = ids(&all);
    oldest_first.reverse();

    let csv = h.ada.get("/api/audit/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    // Named by the second it was made at, and as the whole history.
    let named = |disposition: &str, ext: &str| {
        let name = disposition
            .strip_prefix("attachment; filename=\"audit-")
            .and_then(|n| n.strip_suffix('"'))
            .unwrap_or_else(|| panic!("{disposition}"))
            .to_owned();
        let (stamp, rest) = name.split_at(18);
        assert!(
            stamp.len() == 18
                && stamp.as_bytes()[10] == b'T'
                && stamp.ends_with('Z')
                && stamp[11..17].bytes().all(|b| b.is_ascii_digit()),
            "{disposition}"
        );
        assert!(rest.ends_with(&format!(".{ext}")), "{disposition}");
        rest.trim_end_matches(&format!(".{ext}")).to_owned()
    };
    assert_eq!(named(csv.header("content-disposition").unwrap(), "csv"), "");
    let filtered = h.ada.get("/api/audit/export.json?phase=outcome").await;
    assert_eq!(
        named(filtered.header("content-disposition").unwrap(), "json"),
        "-filtered"
    );
    let records = parse_csv(&csv.text);
    assert_eq!(records[0].join(","), CSV_HEADER);
    assert!(records[1..].iter().all(|r| r.len() == 25));
    let csv_ids: Vec<i64> = records[1..].iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(csv_ids, oldest_first);

    let json = h.ada.get("/api/audit/export.json").await;
    assert_eq!(json.status, StatusCode::OK);
    let events: Vec<Value> = serde_json::from_str(&json.text).expect("the export parses");
    assert_eq!(ids(&events), oldest_first);
    let mut newest_first = events.clone();
    newest_first.reverse();
    assert_eq!(
        newest_first, all,
        "the export holds the same events as the API"
    );

    // Paging is not for exports: asked for, it is refused rather than ignored, which would
    // give more than was asked for.
    for paged in ["export.csv?limit=2", "export.json?before=3&action=sign_in"] {
        let refused = h.ada.get(&format!("/api/audit/{paged}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{paged}");
        assert!(
            refused.message().contains("not before or limit"),
            "{}",
            refused.text
        );
    }

    let filtered = h
        .ada
        .get("/api/audit/export.json?action=update_peering")
        .await;
    let filtered: Vec<Value> = serde_json::from_str(&filtered.text).unwrap();
    assert_eq!(
        filtered.len(),
        all.iter()
            .filter(|e| e["action"] == "update_peering")
            .count()
    );
}

#[tokio::test]
async fn a_reader_of_globex_does_not_see_acme_events() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let graces = h.grace.audit("").await;
    // Grace's rows, globex's rows, and the intent of her sign-in (which names no actor).
    let outcome_of = |intent: &Value| {
        graces
            .iter()
            .find(|o| o["intentId"] == intent["id"])
            .cloned()
            .unwrap_or_default()
    };
    let visible = |e: &Value| {
        e["actorId"] == GRACE_ID
            || e["company"] == "globex"
            || (e["actorId"].is_null() && outcome_of(e)["actorId"] == GRACE_ID)
    };

    assert!(graces.iter().any(|e| e["action"] == "verify_service_key"));
    assert!(graces.iter().all(visible), "{graces:#?}");
    assert!(graces.iter().all(|e| e["company"] != "acme"));
    let acme_change = h
        .ada
        .audit(&format!("connection={}", h.production))
        .await
        .remove(0);
    let peek = h
        .grace
        .get(&format!("/api/audit/{}", acme_change["id"]))
        .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    let by_connection = h.grace.audit(&format!("connection={}", h.production)).await;
    assert!(by_connection.is_empty());
    let export = h.grace.get("/api/audit/export.json").await;
    let exported: Vec<Value> = serde_json::from_str(&export.text).unwrap();
    assert_eq!(exported.len(), graces.len());
    assert!(exported.iter().all(visible));
    let csv = h.grace.get("/api/audit/export.csv").await;
    assert!(!csv.text.contains(&h.production), "{}", csv.text);
    // Ada works in both companies, so she sees Grace's globex events too.
    let adas = h.ada.audit("action=verify_service_key").await;
    assert!(adas.iter().any(|e| e["actorId"] == GRACE_ID));
}

#[tokio::test]
async fn a_sign_in_intent_is_seen_by_whoever_sees_its_outcome() {
    let app = spawn_app().await;
    let h = history(&app).await;
    let pair = |events: &[Value], actor: &str| {
        let outcome = events
            .iter()
            .find(|e| e["phase"] == "outcome" && e["actorId"] == actor)
            .cloned()
            .unwrap_or_else(|| panic!("no sign-in outcome of {actor} in {events:#?}"));
        let intent = events
            .iter()
            .find(|e| e["id"] == outcome["intentId"])
            .cloned()
            .unwrap_or_else(|| panic!("no intent of {outcome:#} in {events:#?}"));
        (intent, outcome)
    };

    let graces = h.grace.audit("action=sign_in").await;
    let adas = h.ada.audit("action=sign_in").await;

    let (intent, outcome) = pair(&graces, GRACE_ID);
    assert!(
        intent["actorId"].is_null(),
        "written before who-am-I: {intent:#}"
    );
    assert_eq!(outcome["outcome"], "succeeded");
    assert!(
        graces
            .iter()
            .all(|e| e["actorId"] == GRACE_ID || e["id"] == intent["id"]),
        "Grace sees her own sign-in only: {graces:#?}"
    );
    let detail = h.grace.get(&format!("/api/audit/{}", intent["id"])).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.json["related"][0]["id"], outcome["id"]);
    let (ada_intent, _) = pair(&adas, ADA_ID);
    assert!(ada_intent["actorId"].is_null());
    assert!(
        !graces.iter().any(|e| e["id"] == ada_intent["id"]),
        "Ada's sign-in is not Grace's to see"
    );
    let peek = h
        .grace
        .get(&format!("/api/audit/{}", ada_intent["id"]))
        .await;
    assert_eq!(peek.status, StatusCode::NOT_FOUND);
    let export = h.grace.get("/api/audit/export.json?action=sign_in").await;
    let exported: Vec<Value> = serde_json::from_str(&export.text).unwrap();
    assert_eq!(
        exported.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        graces
            .iter()
            .rev()
            .map(|e| e["id"].clone())
            .collect::<Vec<_>>(),
        "the export holds what the list shows, oldest first"
    );
}

#[tokio::test]
async fn an_interrupted_change_is_closed_at_the_next_start_up() {
    let app = spawn_app().await;
    let browser = app.sign_in_to(ada(), "acme").await;
    let production = browser.connection_id(PRODUCTION).await;
    let dir = app.dir.clone();
    // A change whose portal stopped after committing its intent, before the outcome.
    let log = AuditLog::open(&app.audit_db_url(), Duration::from_secs(5), Duration::ZERO)
        .await
        .unwrap();
    let mut intent = Intent::new(AuditAction::UpdatePeering, &RequestMeta::default());
    intent.actor = Some(Actor {
        id: ADA_ID.into(),
        name: "Ada Lovelace".into(),
        email: ADA_EMAIL.into(),
    });
    intent.company = Some("acme".into());
    intent.connection_id = Some(production.clone());
    intent.peering_type = Some(PeeringType::Private);
    intent.reason = Some("Cut over to the new core".into());
    let pending = log.intent(intent).await.unwrap();
    drop(log);
    drop(browser);
    drop(app);

    let restarted = spawn_app_with(Options {
        data_dir: Some(dir.clone()),
        ..Options::default()
    })
    .await;
    let browser = restarted.sign_in_to(ada(), "acme").await;

    let interrupted = browser.audit("outcome=interrupted").await;
    assert_eq!(interrupted.len(), 1, "{interrupted:#?}");
    let outcome = &interrupted[0];
    assert_eq!(outcome["intentId"], pending.id);
    assert_eq!(outcome["phase"], "outcome");
    assert_eq!(outcome["connectionId"], production.as_str());
    assert_eq!(outcome["reason"], "Cut over to the new core");
    assert!(outcome["error"].as_str().unwrap().contains("stopped"));
    let verify = browser.get("/api/audit/verify").await;
    assert_eq!(verify.json["ok"], true, "{}", verify.text);
    drop(browser);
    drop(restarted);

    let again = spawn_app_with(Options {
        data_dir: Some(dir),
        ..Options::default()
    })
    .await;
    let browser = again.sign_in_to(ada(), "acme").await;
    assert_eq!(
        browser.audit("outcome=interrupted").await.len(),
        1,
        "a change is reconciled once"
    );
}

#[tokio::test]
async fn an_outcome_that_cannot_be_recorded_is_reported_and_reconciled_at_start_up() {
    let app = spawn_app_with(Options {
        busy_timeout: Some(Duration::from_millis(300)),
        ..Options::default()
    })
    .await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    app.sim.set_fault(
        Route::UpdatePeering,
        simulator::Fault {
            latency_ms: 1000,
            ..simulator::Fault::default()
        },
    );
    let (path, change) = (peering_path(&production, "PRIVATE"), private_peering(200));
    let reply = app
        .with_outcome_blocked(Route::UpdatePeering, ada.post(&path, &change))
        .await;

    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "audit_unavailable");
    assert!(
        reply.message().starts_with("The change may have been made"),
        "the user learns the change may have happened: {}",
        reply.message()
    );
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("portal_audit_write_failures_total{phase=\"outcome\"} 1\n")
            && metrics.contains("portal_audit_write_failures_total{phase=\"intent\"} 0\n"),
        "{metrics}"
    );
    let events = ada.audit("action=update_peering").await;
    assert_eq!(events.len(), 1, "an intent without outcome: {events:#?}");
    let intent_id = events[0]["id"].clone();
    let dir = app.dir.clone();
    drop(ada);
    drop(app);

    let restarted = spawn_app_with(Options {
        data_dir: Some(dir),
        ..Options::default()
    })
    .await;
    let browser = restarted.sign_in_to(common::ada(), "acme").await;
    let (intent, outcome) = browser.audit_pair("update_peering", &production).await;
    assert_eq!(intent["id"], intent_id);
    assert_eq!(outcome["outcome"], "interrupted");
    assert_eq!(browser.get("/api/audit/verify").await.json["ok"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_keep_the_chain_whole() {
    let app = spawn_app().await;
    let browsers: Vec<Client> = futures::future::join_all((0..8).map(|_| app.sign_in(ada()))).await;

    let choices = futures::future::join_all(
        browsers
            .iter()
            .enumerate()
            .map(|(i, b)| b.select_company(if i % 2 == 0 { "acme" } else { "globex" })),
    )
    .await;

    assert!(choices.iter().all(|r| r.status == StatusCode::OK));
    let mut db = app.audit_db().await;
    let open: i64 = sqlx::query_scalar(
        r#"
        select count(*) from audit_events i
        where i.phase = 'intent'
          and not exists (select 1 from audit_events o where o.intent_id = i.id)
        "#,
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(open, 0, "every intent has its outcome");
    let rows: i64 = sqlx::query_scalar("select count(*) from audit_events")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(rows, 8 * 4, "sign-in and choice, intent and outcome each");
    let verify = browsers[0].get("/api/audit/verify").await;
    assert_eq!(verify.json["ok"], true, "{}", verify.text);
    assert_eq!(verify.json["rowsChecked"], rows);
}

#[tokio::test]
async fn the_csv_export_defuses_spreadsheet_formulas() {
    let app = spawn_app().await;
    let ada = app.sign_in_to(ada(), "acme").await;
    let production = ada.connection_id(PRODUCTION).await;
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let mut change = private_peering(200);
    change["reason"] = formula.into();
    let reply = ada
        .post(&peering_path(&production, "PRIVATE"), &change)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);

    let csv = ada.get("/api/audit/export.csv?action=update_peering").await;

    let records = parse_csv(&csv.text);
    let reason = records[0].iter().position(|c| c == "reason").unwrap();
    assert_eq!(records.len(), 3);
    for record in &records[1..] {
        assert_eq!(record[reason], format!("'{formula}"));
    }
    let json = ada
        .get("/api/audit/export.json?action=update_peering")
        .await;
    let events: Vec<Value> = serde_json::from_str(&json.text).unwrap();
    assert_eq!(
        events[0]["reason"], formula,
        "JSON keeps the text as written"
    );
}
