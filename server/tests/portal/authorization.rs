//! Role-aware field gating: what each role may read and save, through forged calls and the
//! rendered page, and a policy file in place of the defaults.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::json;
use workmail_portal::config::PortalConfig;

#[tokio::test]
async fn an_employee_cannot_save_a_field_it_may_not_edit() {
    let portal = start().await;
    let full = jane_values(&portal).await;
    portal.sign_in("employee").await;
    let cookie = portal.cookie();
    let origin = portal.origin();

    // What the employee's page gets: no Role, no address-list flag.
    let own = portal.get_user(JANE).await;
    assert!(own["values"].get("Role").is_none(), "{own}");
    assert!(
        own["values"].get("HiddenFromGlobalAddressList").is_none(),
        "{own}"
    );
    assert_eq!(own["values"]["JobTitle"], full["JobTitle"]);

    // A forged call changing a read-only field, a hidden one, or one of them alongside an
    // allowed one: 403 naming the field, and nothing written.
    for edits in [
        vec![("JobTitle", "Chief Everything")],
        vec![("Role", "REMOTE_USER")],
        vec![
            ("Telephone", "+1 555 0000"),
            ("JobTitle", "Chief Everything"),
        ],
    ] {
        let (status, error) = portal
            .forge_save(
                cookie.as_deref(),
                Some(&origin),
                JANE,
                &own["values"],
                &edits,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{edits:?}: {error}");
        assert_eq!(error["kind"], "Forbidden");
        let field = edits.last().expect("edit").0;
        assert_eq!(error["field_errors"][0]["field"], field, "{error}");
    }
    // Even sending the admin's full values as "loaded" (Role included) changes nothing.
    let (status, _) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&origin),
            JANE,
            &full,
            &[("Role", "REMOTE_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        portal.directory_value(JANE, "JobTitle").await,
        "Software Engineer"
    );
    assert_eq!(portal.directory_value(JANE, "Role").await, "USER");
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        full["Telephone"].as_str().expect("telephone")
    );

    // What the policy allows goes through.
    let (status, outcome) = portal
        .forge_save(
            cookie.as_deref(),
            Some(&origin),
            JANE,
            &own["values"],
            &[("Telephone", "+1 555 0101")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome}");
    assert!(outcome["profile"]["values"].get("Role").is_none());
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        "+1 555 0101"
    );
    portal.stop().await;
}

#[tokio::test]
async fn an_employee_cannot_read_or_save_another_user() {
    let portal = start().await;
    let sam = portal.get_user("sam.contractor").await["values"].clone();
    portal.sign_in("employee").await;
    let (status, _, error) = portal
        .call("get_user", json!({ "user": "sam.contractor" }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(error.get("profile").is_none());
    assert!(!error.to_string().contains("sam"), "no data: {error}");
    let (status, html) = portal.page("/users/sam.contractor").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!html.contains("Contractor"));

    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            "sam.contractor",
            &sam,
            &[("City", "Hijacked")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        portal.directory_value("sam.contractor", "City").await,
        sam["City"].as_str().unwrap_or_default()
    );
    portal.stop().await;
}

/// A user outside the account's scope and a user that does not exist answer alike: same
/// status, same body apart from the portal's own request id (never the directory's), so
/// nobody can probe who exists.
#[tokio::test]
async fn out_of_scope_and_unknown_users_are_indistinguishable() {
    let portal = start().await;
    portal.sign_in("employee").await;
    let mut answers = Vec::new();
    for user in ["sam.contractor", "no.such.person"] {
        let (status, headers, mut error) = portal.call("get_user", json!({ "user": user })).await;
        let request_id = headers.get("x-request-id").and_then(|v| v.to_str().ok());
        assert_eq!(error["reference"].as_str(), request_id, "{user}: {error}");
        error["reference"] = serde_json::Value::Null;
        answers.push((status, error));
    }
    assert_eq!(answers[0].0, StatusCode::NOT_FOUND);
    assert_eq!(answers[0], answers[1]);
    portal.stop().await;
}

/// No save can widen an account's scope: with a policy that lets a department-scoped role
/// edit everything, a manager still cannot move its own user into another department (and so
/// reach that department's people); the page shows Department read-only.
#[tokio::test]
async fn a_department_scoped_manager_cannot_move_itself_into_another_department() {
    // The policy of the finding, as it stands: edit everything within the department.
    let portal = start_with_policy(
        "[[roles.manager]]\nscope = \"department\"\nedit = [\"*\"]\n\n\
         [[roles.admin]]\nscope = \"all\"\nedit = [\"*\"]\n",
        |_| {},
    )
    .await;
    let department = portal.directory_value(JANE, "Department").await;
    let own_email = "jane.doe@demo.example.com";
    add_account(&portal, "manager", "manager", Some(own_email)).await;
    portal.sign_in("manager").await;
    // Its own user, opened by its own link (it may not read user names).
    let own = portal.get_user(own_email).await;
    let (status, error) = portal
        .save(own_email, &own, &[("Department", "Finance")])
        .await
        .into_pair();
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(error["field_errors"][0]["field"], "Department", "{error}");
    assert_eq!(portal.directory_value(JANE, "Department").await, department);
    // The rest of its own profile stays editable.
    let (status, _) = portal
        .save(own_email, &own, &[("JobTitle", "Head of Things")])
        .await
        .into_pair();
    assert_eq!(status, StatusCode::OK);
    let (_, html) = portal.page("/me").await;
    assert!(
        !html.contains("name=\"Department\""),
        "Department is not an input"
    );
    assert!(html.contains("name=\"JobTitle\""));
    portal.stop().await;
}

#[tokio::test]
async fn hr_cannot_change_role_and_helpdesk_changes_nothing() {
    let portal = start().await;
    let full = jane_values(&portal).await;

    portal.sign_in("hr").await;
    let shown = portal.get_user(JANE).await["values"].clone();
    assert_eq!(shown["Role"], "USER", "hr reads the role");
    let (status, error) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("Role", "REMOTE_USER")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error["field_errors"][0]["field"], "Role");
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("JobTitle", "HR Set")],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(portal.directory_value(JANE, "Role").await, "USER");

    portal.sign_in("helpdesk").await;
    let shown = portal.get_user(JANE).await["values"].clone();
    assert_eq!(shown["Role"], full["Role"]);
    let (status, _) = portal
        .forge_save(
            portal.cookie().as_deref(),
            Some(&portal.origin()),
            JANE,
            &shown,
            &[("City", "Helpdesk Set")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_ne!(portal.directory_value(JANE, "City").await, "Helpdesk Set");
    // Its page has no Save button and no editable input.
    let (_, html) = portal.page("/users/jane.doe").await;
    assert!(!html.contains("Save changes"));
    assert!(!html.contains("name=\"City\""));
    portal.stop().await;
}

#[tokio::test]
async fn the_edit_page_renders_exactly_what_the_role_may_do() {
    let portal = start().await;
    let inputs = |html: &str| -> Vec<String> {
        let class = html.find("class=\"user-editor\"").expect("edit form");
        let start = html[..class].rfind("<form").expect("form");
        let form = &html[start..start + html[start..].find("</form>").expect("end")];
        let mut names: Vec<String> = form
            .split(" name=\"")
            .skip(1)
            .map(|rest| rest[..rest.find('"').expect("quote")].to_owned())
            .filter(|n| !n.starts_with("loaded.") && n != "version")
            .collect();
        names.sort();
        names.dedup();
        names
    };
    let (_, html) = portal.page("/users/jane.doe").await;
    assert_eq!(inputs(&html).len(), 15, "admin edits every field");

    portal.sign_in("hr").await;
    let (_, html) = portal.page("/users/jane.doe").await;
    let hr = inputs(&html);
    assert_eq!(hr.len(), 13);
    assert!(
        !hr.contains(&"Role".to_owned()) && !hr.contains(&"HiddenFromGlobalAddressList".to_owned())
    );

    portal.sign_in("employee").await;
    let (status, html) = portal.page("/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        inputs(&html),
        [
            "City",
            "Country",
            "Initials",
            "Street",
            "Telephone",
            "ZipCode"
        ]
    );
    assert!(
        !html.contains("field-Role"),
        "Role is hidden from employees"
    );
    assert!(
        !html.contains(">Users<"),
        "no user search in an employee's navigation"
    );
    // The no-JS save of /me.
    let (_, html) = portal.page("/me").await;
    let form = with_value(form_fields(&html), "Telephone", "+1 555 0177");
    let (status, location, _) = portal.post_form("/me", &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/me?saved=Telephone"));
    assert_eq!(
        portal.directory_value(JANE, "Telephone").await,
        "+1 555 0177"
    );
    // `/users` sends an employee to its own profile.
    let (status, _) = portal.page("/users").await;
    assert_eq!(status, StatusCode::FOUND);
    portal.stop().await;
}

#[tokio::test]
async fn a_policy_file_replaces_the_defaults_and_a_bad_one_stops_start_up() {
    let data = tempfile::tempdir().expect("temp dir");
    let path = data.path().join("policy.toml");
    std::fs::write(
        &path,
        "[[roles.admin]]\nscope = \"all\"\nread = [\"*\"]\nedit = [\"Office\"]\n",
    )
    .expect("write");
    let portal = start_with(|c| c.policy_file = Some(path.clone())).await;
    let loaded = jane_values(&portal).await;
    let (status, error) = portal
        .save(JANE, &json!({ "values": loaded }), &[("JobTitle", "X")])
        .await
        .into_pair();
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    portal.stop().await;

    std::fs::write(
        &path,
        "[[roles.admin]]\nscope = \"all\"\n\nedit = [\"Phone\"]\n",
    )
    .expect("write");
    let other = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        policy_file: Some(path.clone()),
        ..test_config(&other)
    };
    let message = try_start(config, other)
        .await
        .err()
        .expect("refused")
        .to_string();
    assert!(message.starts_with("PORTAL_POLICY: "), "{message}");
    assert!(message.contains("line 4"), "{message}");
}
