//! The audit trail: one record per save attempt and per sign-in event, the intent that makes
//! a change that reached the directory impossible to lose, who may read what, the exports,
//! value modes, retention, and the same store on PostgreSQL.

use crate::harness::*;
use app::domain::{AuditEntry, AuditFilter, ChangedValue, Field, Outcome};
use app::ports::AuditLog;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Row;
use std::time::Duration;
use workmail_emulator::{FaultKind, Faults};
use workmail_portal::audit::{SqlAuditLog, ValueModes};
use workmail_portal::store;

/// The portal's audit log, read straight from its database (whoever is signed in).
async fn audit_of(portal: &Portal) -> SqlAuditLog {
    SqlAuditLog::open(portal.portal.database().pool.clone(), ValueModes::default())
        .await
        .expect("audit log")
}

/// Save records (every outcome but sign-in events), newest first, as JSON.
async fn save_records(portal: &Portal) -> Vec<Value> {
    let page = audit_of(portal)
        .await
        .search(&AuditFilter::default(), 1000)
        .await
        .expect("search");
    page.records
        .into_iter()
        .filter(|r| {
            !matches!(
                r.outcome,
                Outcome::SignedIn | Outcome::SignInFailed | Outcome::SignedOut
            )
        })
        .map(|r| serde_json::to_value(r).expect("json"))
        .collect()
}

/// Runs one attempt and checks that it added exactly one save record, which it returns.
async fn one_more_record<F: std::future::Future>(portal: &Portal, attempt: F) -> Value {
    let before = save_records(portal).await.len();
    attempt.await;
    let after = save_records(portal).await;
    assert_eq!(after.len(), before + 1, "exactly one record: {after:#?}");
    after[0].clone()
}

fn change_of<'a>(record: &'a Value, field: &str) -> &'a Value {
    record["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| c["field"] == field)
        .unwrap_or_else(|| panic!("no {field} in {record}"))
}

async fn count(pool: &sqlx::AnyPool, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(pool)
        .await
        .expect("count")
        .try_get::<i64, _>(0)
        .expect("a number")
}

/// A GET with the current session; status, headers and body.
async fn get(portal: &Portal, path: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = portal
        .with_session(portal.http.get(portal.url(path)))
        .send()
        .await
        .expect("answers");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

/// Makes the audit store refuse every insert into `table` (a real database failure, through a
/// SQLite trigger), until [`mend_table`].
async fn break_table(pool: &sqlx::AnyPool, table: &str) {
    sqlx::query(&format!(
        "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} \
         BEGIN SELECT RAISE(ABORT, 'audit store broken'); END"
    ))
    .execute(pool)
    .await
    .expect("trigger");
}

async fn mend_table(pool: &sqlx::AnyPool, table: &str) {
    sqlx::query(&format!("DROP TRIGGER fail_{table}"))
        .execute(pool)
        .await
        .expect("drop trigger");
}

/// Saves City = Bergen while the store refuses audit records: the intent stays open.
async fn save_while_records_fail(portal: &Portal) -> Value {
    let pool = &portal.portal.database().pool;
    break_table(pool, "audit_events").await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, body) = portal.save(JANE, &loaded, &[("City", "Bergen")]).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the change reached WorkMail: {body}"
    );
    assert_eq!(portal.get_user(JANE).await["values"]["City"], "Bergen");
    loaded
}

#[tokio::test]
async fn each_save_outcome_writes_exactly_one_record() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;

    let saved = one_more_record(&portal, async {
        let (status, headers, body) = portal.save(JANE, &loaded, &[("JobTitle", "Lead")]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(headers.contains_key("x-request-id"));
    })
    .await;
    assert_eq!(saved["outcome"], "saved");
    assert_eq!(saved["account"], "admin");
    assert_eq!(saved["client"], "127.0.0.1");
    assert_eq!(saved["target_email"], "jane.doe@demo.example.com");
    assert_eq!(saved["target_id"], loaded["user_id"]);
    assert_eq!(saved["request_id"].as_str().map(str::len), Some(16));
    let job = change_of(&saved, "JobTitle");
    assert_eq!(job["old"], "Software Engineer");
    assert_eq!(job["new"], "Lead");
    assert_eq!(saved["changes"].as_array().map(Vec::len), Some(1));

    let unchanged = one_more_record(&portal, async {
        let now = portal.get_user(JANE).await;
        let (status, _, _) = portal.save(JANE, &now, &[]).await;
        assert_eq!(status, StatusCode::OK);
    })
    .await;
    assert_eq!(unchanged["outcome"], "unchanged");

    let conflict = one_more_record(&portal, async {
        // `loaded` is stale: JobTitle is "Lead" now.
        let (status, _, _) = portal.save(JANE, &loaded, &[("JobTitle", "Other")]).await;
        assert_eq!(status, StatusCode::CONFLICT);
    })
    .await;
    assert_eq!(conflict["outcome"], "conflict");
    assert_eq!(change_of(&conflict, "JobTitle")["new"], "Other");

    let invalid = one_more_record(&portal, async {
        let now = portal.get_user(JANE).await;
        let long = "x".repeat(257);
        let (status, _, _) = portal.save(JANE, &now, &[("City", long.as_str())]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    })
    .await;
    assert_eq!(invalid["outcome"], "invalid");

    let failed = one_more_record(&portal, async {
        let now = portal.get_user(JANE).await;
        portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
        let (status, _, _) = portal.save(JANE, &now, &[("City", "Oslo")]).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        portal
            .emulator()
            .set_faults(Faults::default())
            .expect("faults off");
    })
    .await;
    assert_eq!(failed["outcome"], "directory_error");
    assert!(
        failed["detail"]
            .as_str()
            .is_some_and(|d| d.contains("UpdateUser"))
    );
    assert_eq!(
        count(
            &portal.portal.database().pool,
            "SELECT COUNT(*) FROM audit_intents"
        )
        .await,
        0
    );

    let unknown = one_more_record(&portal, async {
        let (status, _, _) = portal.save("nobody", &loaded, &[("City", "Oslo")]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    })
    .await;
    assert_eq!(unknown["outcome"], "directory_error");
    assert_eq!(unknown["target_id"], "nobody");

    // Refused by policy: HR may not change the role.
    portal.sign_in("hr").await;
    let refused = one_more_record(&portal, async {
        let now = portal.get_user(JANE).await;
        let (status, _, _) = portal.save(JANE, &now, &[("Role", "REMOTE_USER")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    })
    .await;
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["account"], "hr");
    assert!(
        refused["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Role"))
    );

    // A form post the portal cannot read is an attempt too.
    let unreadable = one_more_record(&portal, async {
        let response = portal
            .post(&format!("/users/{JANE}"))
            .form(&[("JobTitle", "x")])
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    })
    .await;
    assert_eq!(unreadable["outcome"], "invalid");
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_failed_sign_in_and_sign_out_are_recorded() {
    let portal = start_signed_out(|_| {}).await;
    let (status, _, _, _) = portal.post_login("admin", "wrong password", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    portal.sign_in("helpdesk").await;
    let response = portal.post("/logout").send().await.expect("answers");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    let page = audit_of(&portal)
        .await
        .search(&AuditFilter::default(), 10)
        .await
        .expect("search");
    let seen: Vec<(Outcome, &str)> = page
        .records
        .iter()
        .map(|r| (r.outcome, r.account.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Outcome::SignedOut, "helpdesk"),
            (Outcome::SignedIn, "helpdesk"),
            (Outcome::SignInFailed, "admin"),
        ]
    );
    assert!(
        page.records
            .iter()
            .all(|r| r.client.as_deref() == Some("127.0.0.1"))
    );
    portal.stop().await;
}

/// A name that is no account's (often a password typed into the wrong box) is never kept: the
/// log holds a keyed hash, the same for the same name. Refusals past the limit are recorded
/// once per window, not once each.
#[tokio::test]
async fn unknown_names_are_kept_as_a_keyed_hash_and_refusals_once_per_window() {
    let portal = start_signed_out(|_| {}).await;
    let secret = "Tr0ub4dor&3-my-password";
    for _ in 0..2 {
        let (status, _, _, _) = portal.post_login(secret, "anything", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // helpdesk: 5 failures, then 10 refusals.
    for _ in 0..15 {
        portal.post_login("helpdesk", "wrong password", None).await;
    }
    let page = audit_of(&portal)
        .await
        .search(&AuditFilter::default(), 100)
        .await
        .expect("search");
    let names: Vec<&str> = page.records.iter().map(|r| r.account.as_str()).collect();
    assert!(!format!("{page:?}").contains(secret), "{names:?}");
    let unknown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with("unknown account hmac:"))
        .collect();
    assert_eq!(unknown.len(), 2, "{names:?}");
    assert_eq!(unknown[0], unknown[1], "the same name, the same hash");
    let refusals = page
        .records
        .iter()
        .filter(|r| {
            r.account == "helpdesk" && r.detail.as_deref().is_some_and(|d| d.contains("too many"))
        })
        .count();
    let failures = page
        .records
        .iter()
        .filter(|r| r.account == "helpdesk" && r.outcome == Outcome::SignInFailed)
        .count();
    assert_eq!((failures, refusals), (6, 1), "{names:?}");
    portal.stop().await;
}

#[tokio::test]
async fn the_export_equals_the_filtered_view() {
    let portal = start().await;
    for (field, value) in [("JobTitle", "A"), ("City", "B"), ("JobTitle", "C")] {
        let now = portal.get_user(JANE).await;
        let (status, _, body) = portal.save(JANE, &now, &[(field, value)]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let query = "field=JobTitle&outcome=saved&account=admin";
    let filter = json!({ "filter": {
        "account": "admin", "field": "JobTitle", "outcome": "saved",
        "target": null, "from": null, "to": null, "before": null,
        "reached_directory_only": false
    }});
    let (status, _, view) = portal.call("get_audit_log", filter).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    let shown: Vec<i64> = view["records"]
        .as_array()
        .expect("records")
        .iter()
        .map(|r| r["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(shown.len(), 2, "{view}");

    let (status, headers, json_export) = get(&portal, &format!("/audit/export.json?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("attachment"))
    );
    let exported: Value = serde_json::from_str(&json_export).expect("json");
    assert_eq!(exported, view["records"], "the JSON export is the view");

    let (status, headers, csv) = get(&portal, &format!("/audit/export.csv?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-type"]
            .to_str()
            .is_ok_and(|t| t.starts_with("text/csv"))
    );
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    let ids: Vec<i64> = rows
        .iter()
        .map(|row| {
            row.split(',')
                .next()
                .and_then(|id| id.parse().ok())
                .expect("id")
        })
        .collect();
    assert_eq!(ids, shown, "the CSV export is the view");
    assert!(rows[0].contains(",JobTitle,value,A,C,"), "{}", rows[0]);

    // The page shows the same records, and a bad filter is a clear 400.
    let (status, html) = portal.page(&format!("/audit?{query}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Audit log") && html.contains("export.csv?account=admin"));
    let (status, html) = portal.page("/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("yesterday"));
    let (status, _, text) = get(&portal, "/audit/export.csv?field=Salary").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains("Salary"));
    portal.stop().await;
}

#[tokio::test]
async fn roles_without_audit_rights_get_nothing() {
    let portal = start().await;
    let now = portal.get_user(JANE).await;
    let (status, _, _) = portal
        .save(JANE, &now, &[("Telephone", "+1 555 0142")])
        .await;
    assert_eq!(status, StatusCode::OK);
    let history_path = format!("/users/{JANE}/history");

    // The employee (jane herself) has no audit right at all.
    portal.sign_in("employee").await;
    let (status, _, body) = get(&portal, "/audit/export.json").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!body.contains("0142"));
    let (status, _, body) = get(&portal, "/audit/export.csv").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!body.contains("0142"));
    let (status, html) = portal.page("/audit").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("0142"));
    let (status, _, body) = portal
        .call("get_audit_log", json!({ "filter": AuditFilter::default() }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = portal
        .call("get_history", json!({ "user": JANE, "before": null }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, html) = portal.page(&history_path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!html.contains("0142"));
    assert!(!html.contains("Audit log"), "no link to the log");

    // HR reads history, not the log.
    portal.sign_in("hr").await;
    let (status, _, _) = get(&portal, "/audit/export.json").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, html) = portal.page(&history_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("+1 555 0142"), "{html}");
    portal.stop().await;
}

#[tokio::test]
async fn a_field_hidden_from_a_role_is_hidden_in_its_history() {
    let policy = r#"
[[roles.admin]]
scope = "all"
read = ["*"]
edit = ["*"]

[[roles.viewer]]
scope = "all"
read = ["JobTitle", "DisplayName", "Name", "Email"]

[audit]
history = ["viewer"]
log = ["admin"]
"#;
    let portal = start_with_policy(policy, |_| {}).await;
    let now = portal.get_user(JANE).await;
    let edits = [("Telephone", "+1 555 0177"), ("JobTitle", "Chief Engineer")];
    let (status, _, body) = portal.save(JANE, &now, &edits).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    add_account(&portal, "viewer", "viewer", None).await;
    portal.sign_in("viewer").await;
    let (status, _, history) = portal
        .call("get_history", json!({ "user": JANE, "before": null }))
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let changes = &history["page"]["records"][0]["changes"];
    assert_eq!(changes.as_array().map(Vec::len), Some(1), "{history}");
    assert_eq!(changes[0]["field"], "JobTitle");
    assert_eq!(changes[0]["new"], "Chief Engineer");
    let (status, html) = portal.page(&format!("/users/{JANE}/history")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Chief Engineer"));
    assert!(!html.contains("0177"), "the hidden telephone must not show");
    portal.stop().await;
}

/// The dashboard's "recently changed" list follows the same rule as History: a change made
/// only to fields the reader may not see does not show (not even when, or by whom).
#[tokio::test]
async fn the_dashboard_leaves_out_changes_to_fields_the_reader_may_not_see() {
    let policy = r#"
[[roles.admin]]
scope = "all"
read = ["*"]
edit = ["*"]

[[roles.viewer]]
scope = "all"
read = ["JobTitle", "DisplayName", "Name", "Email"]

[audit]
history = ["viewer"]
log = ["admin"]
"#;
    let portal = start_with_policy(policy, |_| {}).await;
    add_account(&portal, "viewer", "viewer", None).await;
    let recent_as_viewer = || async {
        portal.sign_in("viewer").await;
        let (status, _, dashboard) = portal.call("get_dashboard", json!({})).await;
        assert_eq!(status, StatusCode::OK, "{dashboard}");
        portal.sign_in("admin").await;
        dashboard["recent"]
            .as_array()
            .map(|r| r.iter().map(|c| c["user_id"].clone()).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let jane = portal.get_user(JANE).await;
    let (status, _, body) = portal
        .save(JANE, &jane, &[("Telephone", "+1 555 0188")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !recent_as_viewer().await.contains(&jane["user_id"]),
        "a change only to a hidden field shows nowhere"
    );
    let now = portal.get_user(JANE).await;
    let (status, _, body) = portal.save(JANE, &now, &[("JobTitle", "Seen")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(recent_as_viewer().await.contains(&jane["user_id"]));
    portal.stop().await;
}

#[tokio::test]
async fn no_audit_intent_means_nothing_is_written() {
    let portal = start().await;
    let pool = &portal.portal.database().pool;
    break_table(pool, "audit_intents").await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, error) = portal.save(JANE, &loaded, &[("City", "Bergen")]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert_eq!(error["kind"], "AuditUnavailable");
    assert_eq!(
        portal.get_user(JANE).await["values"]["City"],
        loaded["values"]["City"]
    );
    portal.stop().await;
}

#[tokio::test]
async fn a_save_whose_record_cannot_be_written_is_reconciled_into_the_log() {
    let portal = start().await;
    let pool = portal.portal.database().pool.clone();
    let loaded = save_while_records_fail(&portal).await;
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM audit_intents").await, 1);
    assert_eq!(
        count(
            &pool,
            "SELECT COUNT(*) FROM audit_events WHERE outcome = 'saved'"
        )
        .await,
        0
    );

    // While the store still fails, reconciliation changes nothing.
    assert!(portal.portal.reconcile_audit(Duration::ZERO).await.is_err());
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM audit_intents").await, 1);

    // The store recovers: the open intent becomes the save's record.
    mend_table(&pool, "audit_events").await;
    assert_eq!(portal.portal.reconcile_audit(Duration::ZERO).await, Ok(1));
    assert_eq!(count(&pool, "SELECT COUNT(*) FROM audit_intents").await, 0);
    let records = save_records(&portal).await;
    assert_eq!(records.len(), 1, "{records:#?}");
    let record = &records[0];
    assert_eq!(record["outcome"], "saved");
    assert_eq!(record["account"], "admin");
    assert!(
        record["detail"]
            .as_str()
            .is_some_and(|d| d.contains("reconciliation"))
    );
    let city = change_of(record, "City");
    assert_eq!(city["old"], loaded["values"]["City"]);
    assert_eq!(city["new"], "Bergen");
    // Running it again finds nothing left to do.
    assert_eq!(portal.portal.reconcile_audit(Duration::ZERO).await, Ok(0));
    portal.stop().await;
}

#[tokio::test]
async fn an_intent_whose_values_are_gone_is_recorded_as_unconfirmed() {
    let portal = start().await;
    save_while_records_fail(&portal).await;
    mend_table(&portal.portal.database().pool, "audit_events").await;
    // Someone changes the city again before reconciliation runs.
    portal
        .change_behind_the_back(JANE, |r| r.city("Trondheim"))
        .await;
    assert_eq!(portal.portal.reconcile_audit(Duration::ZERO).await, Ok(1));
    let records = save_records(&portal).await;
    assert_eq!(records[0]["outcome"], "unconfirmed");
    assert_eq!(change_of(&records[0], "City")["new"], "Bergen");
    portal.stop().await;
}

#[tokio::test]
async fn value_modes_hash_or_redact_configured_fields() {
    let portal = start_with(|c| {
        c.audit_hashed_fields = vec![Field::Telephone];
        c.audit_redacted_fields = vec![Field::Street];
    })
    .await;
    let loaded = portal.get_user(JANE).await;
    let edits = [
        ("Telephone", "+1 555 0199"),
        ("Street", "1 Secret Way"),
        ("JobTitle", "Lead"),
    ];
    let (status, _, body) = portal.save(JANE, &loaded, &edits).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, export) = get(&portal, "/audit/export.json?outcome=saved").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !export.contains("0199") && !export.contains("Secret"),
        "{export}"
    );
    let records: Value = serde_json::from_str(&export).expect("json");
    let phone = change_of(&records[0], "Telephone");
    assert_eq!(phone["mode"], "hash");
    assert!(
        phone["new"]
            .as_str()
            .is_some_and(|h| h.starts_with("hmac:"))
    );
    let street = change_of(&records[0], "Street");
    assert_eq!(street["mode"], "redacted");
    assert_eq!(
        (&street["old"], &street["new"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(change_of(&records[0], "JobTitle")["new"], "Lead");
    portal.stop().await;
}

/// What one audit store must do, on whichever engine `url` names.
async fn exercise_store(url: &str) {
    let database = store::open_url(url).await.expect("database opens");
    let audit = SqlAuditLog::open(database.pool.clone(), ValueModes::default())
        .await
        .expect("audit log");
    let entry = |account: &str, outcome, field, new: &str| AuditEntry {
        outcome: Some(outcome),
        account: account.into(),
        client: Some("192.0.2.7".into()),
        request_id: "req".into(),
        target_id: Some("u-1".into()),
        target_email: Some("Jane.Doe@Example.com".into()),
        detail: None,
        changes: vec![ChangedValue {
            field,
            old: "old".into(),
            new: new.into(),
        }],
    };
    for i in 0..5 {
        let outcome = if i % 2 == 0 {
            Outcome::Saved
        } else {
            Outcome::Conflict
        };
        audit
            .record(entry("admin", outcome, Field::JobTitle, &format!("v{i}")))
            .await
            .expect("record");
    }
    audit
        .record(entry("hr", Outcome::Saved, Field::City, "Oslo"))
        .await
        .expect("record");
    let intent = audit
        .open_intent(&entry("hr", Outcome::Saved, Field::City, "Bergen"))
        .await
        .expect("intent");
    audit
        .close_intent(intent, entry("hr", Outcome::Saved, Field::City, "Bergen"))
        .await
        .expect("close");

    let search = |filter: AuditFilter, limit| {
        let audit = audit.clone();
        async move { audit.search(&filter, limit).await.expect("search") }
    };
    let all = search(AuditFilter::default(), 100).await;
    assert_eq!(all.records.len(), 7);
    assert!(
        all.records.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );
    let saved_job_titles = search(
        AuditFilter {
            field: Some(Field::JobTitle),
            outcome: Some(Outcome::Saved),
            target: Some("jane.doe@example.com".into()),
            ..AuditFilter::default()
        },
        100,
    )
    .await;
    let news: Vec<_> = saved_job_titles
        .records
        .iter()
        .map(|r| r.changes[0].new.clone().unwrap_or_default())
        .collect();
    assert_eq!(news, ["v4", "v2", "v0"]);

    // Paging: two at a time, no record twice or missing.
    let mut seen = Vec::new();
    let mut filter = AuditFilter::default();
    loop {
        let page = search(filter.clone(), 2).await;
        seen.extend(page.records.iter().map(|r| r.id));
        match page.older {
            Some(before) => filter.before = Some(before),
            None => break,
        }
    }
    let all_ids: Vec<i64> = all.records.iter().map(|r| r.id).collect();
    assert_eq!(seen, all_ids);

    let by_account = search(
        AuditFilter {
            account: Some("hr".into()),
            ..AuditFilter::default()
        },
        100,
    )
    .await;
    assert_eq!(by_account.records.len(), 2);
    let future_only = search(
        AuditFilter {
            from: Some("2999-01-01".into()),
            ..AuditFilter::default()
        },
        100,
    )
    .await;
    assert!(future_only.records.is_empty());

    // Retention removes only what is older than it keeps, changes included.
    sqlx::query("UPDATE audit_events SET at_ms = 0 WHERE account = 'hr'")
        .execute(&database.pool)
        .await
        .expect("age two records");
    let removed = audit
        .remove_older_than(Duration::from_secs(86_400))
        .await
        .expect("retention");
    assert_eq!(removed, 2);
    assert_eq!(search(AuditFilter::default(), 100).await.records.len(), 5);
    assert_eq!(
        count(
            &database.pool,
            "SELECT COUNT(*) FROM audit_changes WHERE field = 'City'"
        )
        .await,
        0
    );
    database.pool.close().await;
}

#[tokio::test]
async fn the_audit_store_works_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("audit.sqlite3").display()
    );
    exercise_store(&url).await;
}

#[tokio::test]
async fn the_audit_store_works_on_postgresql() {
    let Some((url, admin)) = postgres_database("store").await else {
        return;
    };
    exercise_store(&url).await;
    drop_postgres_database(admin, &url).await;
}

/// Two portals on one PostgreSQL database take turns saving one user: the second waits for
/// the first's advisory lock, and gets it once the first lets go.
#[tokio::test]
async fn replicas_on_postgresql_take_turns_saving_a_user() {
    use app::ports::SaveLocks as _;
    let Some((url, admin)) = postgres_database("locks").await else {
        return;
    };
    let replica = |url: String| async move {
        let database = store::open_url(&url).await.expect("database");
        store::SaveLocks::for_database(&database)
            .await
            .expect("lock pool")
    };
    let (one, two) = (replica(url.clone()).await, replica(url.clone()).await);
    let held = one.lock("u-1").await.expect("first lock");
    let waiting = tokio::spawn(async move { two.lock("u-1").await.map(drop) });
    let other_user = one.lock("u-2").await.expect("another user is not held up");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "the second replica waits for u-1");
    drop(held);
    waiting.await.expect("task").expect("second lock");
    drop(other_user);
    drop_postgres_database(admin, &url).await;
}

#[tokio::test]
async fn the_portal_runs_on_postgresql() {
    let Some((url, admin)) = postgres_database("portal").await else {
        return;
    };
    let database_url = url.clone();
    // Accounts, sessions and the audit log all live in PostgreSQL.
    let portal = start_with(move |c| c.database_url = Some(database_url)).await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, body) = portal.save(JANE, &loaded, &[("Office", "PG-1")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let records = save_records(&portal).await;
    assert_eq!(records[0]["outcome"], "saved");
    assert_eq!(change_of(&records[0], "Office")["new"], "PG-1");
    let pg = sqlx::PgPool::connect(&url).await.expect("connect");
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions.session")
        .fetch_one(&pg)
        .await
        .expect("sessions table");
    assert!(sessions >= 1, "the session is kept in PostgreSQL");
    let accounts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(&pg)
        .await
        .expect("accounts table");
    assert_eq!(accounts, 4, "the demo accounts");
    pg.close().await;
    portal.stop().await;
    drop_postgres_database(admin, &url).await;
}
