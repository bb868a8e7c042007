//! Saving a user: the fields written, conflicts with changes made meanwhile, and values
//! refused before they are sent.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;
use workmail_emulator::{FaultKind, Faults};

#[tokio::test]
async fn save_writes_the_changed_fields_and_returns_the_fresh_profile() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    assert_eq!(loaded["values"]["Role"], "USER");

    let (status, _, outcome) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("Telephone", "+1 206 555 0199"),
                ("JobTitle", "Staff Engineer"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), ["JobTitle", "Telephone"]);
    assert_eq!(outcome["profile"]["values"]["Telephone"], "+1 206 555 0199");
    assert_eq!(outcome["profile"]["values"]["JobTitle"], "Staff Engineer");
    // Untouched fields are as they were.
    assert_eq!(
        outcome["profile"]["values"]["Department"],
        loaded["values"]["Department"]
    );

    let reread = portal.get_user(JANE).await;
    assert_eq!(reread["values"], outcome["profile"]["values"]);
    portal.stop().await;
}

#[tokio::test]
async fn save_by_email_writes_the_same_user() {
    let portal = start().await;
    let email = "jane.doe@demo.example.com";
    let loaded = portal.get_user(email).await;
    let (status, _, outcome) = portal.save(email, &loaded, &[("City", "Tacoma")]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(portal.get_user(JANE).await["values"]["City"], "Tacoma");
    portal.stop().await;
}

#[tokio::test]
async fn role_and_address_list_flag_can_be_changed() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    let (status, _, outcome) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("Role", "REMOTE_USER"),
                ("HiddenFromGlobalAddressList", "true"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(outcome["profile"]["values"]["Role"], "REMOTE_USER");
    assert_eq!(
        outcome["profile"]["values"]["HiddenFromGlobalAddressList"],
        "true"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_emptied_field_is_cleared() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    assert_ne!(loaded["values"]["Office"], "");
    let (status, _, outcome) = portal.save(JANE, &loaded, &[("Office", "")]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), ["Office"]);
    let reread = portal.get_user(JANE).await;
    assert_eq!(reread["values"]["Office"], "");
    portal.stop().await;
}

#[tokio::test]
async fn an_unchanged_form_writes_nothing() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    // Any UpdateUser would fail now: an unchanged save must not send one.
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let (status, _, outcome) = portal.save(JANE, &loaded, &[]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["saved"]), Vec::<String>::new());
    portal.stop().await;
}

#[tokio::test]
async fn a_field_changed_by_someone_else_is_a_conflict_with_both_values() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal
        .change_behind_the_back(JANE, |r| r.job_title("Engineering Manager"))
        .await;

    let (status, _, error) = portal
        .save(
            JANE,
            &loaded,
            &[
                ("JobTitle", "Principal Engineer"),
                ("Telephone", "+1 206 555 0111"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(error["kind"], "Conflict");
    let conflict = &error["conflicts"][0];
    assert_eq!(conflict["field"], "JobTitle");
    assert_eq!(conflict["yours"], "Principal Engineer");
    assert_eq!(conflict["theirs"], "Engineering Manager");
    assert_eq!(conflict["loaded"], "Software Engineer");
    assert_eq!(error["current"]["JobTitle"], "Engineering Manager");
    assert_eq!(error["conflicts"].as_array().map(Vec::len), Some(1));

    // Nothing was written, not even the field without a conflict.
    let now = portal.get_user(JANE).await;
    assert_eq!(now["values"]["JobTitle"], "Engineering Manager");
    assert_eq!(now["values"]["Telephone"], loaded["values"]["Telephone"]);

    // Saving again from the directory's current values (what the page does after a conflict)
    // overwrites deliberately.
    let (status, _, outcome) = portal
        .save(JANE, &now, &[("JobTitle", "Principal Engineer")])
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(
        outcome["profile"]["values"]["JobTitle"],
        "Principal Engineer"
    );
    portal.stop().await;
}

#[tokio::test]
async fn someone_elses_change_to_an_untouched_field_is_kept() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal
        .change_behind_the_back(JANE, |r| r.department("Platform"))
        .await;
    let (status, _, outcome) = portal
        .save(JANE, &loaded, &[("Telephone", "+1 206 555 0123")])
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert_eq!(fields(&outcome["kept_from_others"]), ["Department"]);
    assert_eq!(outcome["profile"]["values"]["Department"], "Platform");
    assert_eq!(outcome["profile"]["values"]["Telephone"], "+1 206 555 0123");
    portal.stop().await;
}

#[tokio::test]
async fn values_workmail_would_refuse_are_refused_per_field_before_sending() {
    let portal = start().await;
    let loaded = portal.get_user(JANE).await;
    portal.inject("UpdateUser", FaultKind::DirectoryUnavailable);
    let long = "x".repeat(257);
    let (status, _, error) = portal
        .save(
            JANE,
            &loaded,
            &[("City", long.as_str()), ("Role", "SYSTEM_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["kind"], "Invalid");
    let problems: Vec<&str> = error["field_errors"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(problems, ["Role", "City"]);

    // 256 characters are fine.
    portal
        .emulator()
        .set_faults(Faults::default())
        .expect("faults off");
    let max = "y".repeat(256);
    let (status, _, outcome) = portal.save(JANE, &loaded, &[("City", max.as_str())]).await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    portal.stop().await;
}

#[tokio::test]
async fn a_system_users_role_cannot_be_changed() {
    let portal = start().await;
    let loaded = portal.get_user("mail.journal").await;
    assert_eq!(loaded["values"]["Role"], "SYSTEM_USER");
    let (status, _, error) = portal
        .save("mail.journal", &loaded, &[("Role", "USER")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["field_errors"][0]["problem"], "RoleFixed");
    // Its other fields can be edited.
    let (status, _, _) = portal
        .save("mail.journal", &loaded, &[("Office", "HQ")])
        .await;
    assert_eq!(status, StatusCode::OK);
    portal.stop().await;
}

#[tokio::test]
async fn a_malformed_call_is_a_400() {
    let portal = start().await;
    let (status, _, error) = portal
        .call("update_user", json!({ "request": { "user_id": JANE } }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let loaded = portal.get_user(JANE).await;
    let (status, _, error) = portal
        .call(
            "update_user",
            json!({ "request": {
                "user_id": JANE,
                "loaded": loaded["values"],
                "edited": loaded["values"],
                "version": "0000000000000000",
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["kind"], "BadRequest");
    portal.stop().await;
}
