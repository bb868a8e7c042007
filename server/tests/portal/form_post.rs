//! The page and the form without JavaScript.

use crate::harness::*;
use reqwest::StatusCode;
use workmail_emulator::Faults;

#[tokio::test]
async fn the_form_works_without_javascript() {
    let portal = start().await;
    let (status, html) = portal.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::OK);
    for name in [
        "DisplayName",
        "Telephone",
        "JobTitle",
        "ZipCode",
        "Role",
        "HiddenFromGlobalAddressList",
    ] {
        assert!(html.contains(&format!("name=\"{name}\"")), "input {name}");
    }
    let form = form_fields(&html);

    // Save: a 303 back to the page, which then shows the saved values.
    let edited = with_value(
        with_value(form.clone(), "Telephone", "+1 206 555 0142"),
        "Country",
        "",
    );
    let (status, location, _) = portal.post_form("/users/jane.doe", &edited).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.expect("redirect");
    assert_eq!(location, "/users/jane.doe?saved=Telephone,Country");
    let (_, html) = portal.page(&location).await;
    assert!(html.contains("Saved: Telephone, Country."));
    assert!(html.contains("value=\"+1 206 555 0142\""));

    // A stale form: the same field was changed meanwhile. The page comes back with 409, the
    // person's input in the field and the other value shown.
    let stale = with_value(form.clone(), "Telephone", "+1 206 555 0999");
    let (status, _, html) = portal.post_form("/users/jane.doe", &stale).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(html.contains("Someone else changed this user"));
    assert!(html.contains("value=\"+1 206 555 0999\""), "input kept");
    assert!(
        html.contains("class=\"theirs\">+1 206 555 0142"),
        "their value shown"
    );

    // Saving that re-rendered form again overwrites deliberately.
    let (status, _, _) = portal
        .post_form("/users/jane.doe", &form_fields(&html))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        portal.get_user(JANE).await["values"]["Telephone"],
        "+1 206 555 0999"
    );

    // Too long: 400, the field marked, the input kept.
    let (_, html) = portal.page("/users/jane.doe").await;
    let long = "z".repeat(257);
    let (status, _, html) = portal
        .post_form(
            "/users/jane.doe",
            &with_value(form_fields(&html), "Street", &long),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(html.contains("Use at most 256 characters"));
    assert!(html.contains(&long));

    // Unchanged: nothing to save.
    let (_, html) = portal.page("/users/jane.doe").await;
    let (status, location, _) = portal
        .post_form("/users/jane.doe", &form_fields(&html))
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/users/jane.doe?saved="));
    portal.stop().await;
}

#[tokio::test]
async fn a_failed_form_post_keeps_the_input_even_when_the_directory_is_down() {
    let portal = start().await;
    let (_, html) = portal.page("/users/jane.doe").await;
    portal
        .emulator()
        .set_faults(Faults {
            rate: 1.0,
            ..Faults::default()
        })
        .expect("valid faults");
    let edited = with_value(form_fields(&html), "JobTitle", "Kept Title");
    let (status, _, html) = portal.post_form("/users/jane.doe", &edited).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(html.contains("value=\"Kept Title\""));
    portal.stop().await;
}

#[tokio::test]
async fn the_users_page_opens_a_user_by_name() {
    let portal = start().await;
    let (status, html) = portal.page("/users").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("name=\"user\""));
    let response = portal
        .with_session(portal.http.get(portal.url("/users?user=jane.doe")))
        .header("accept", "text/html")
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(
        response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("/users/jane.doe")
    );
    portal.stop().await;
}

/// The form contract's round trip: the edit form as the page renders it, read back the way
/// the form handler reads a post, is the user as the directory holds it, unchanged.
#[tokio::test]
async fn the_rendered_form_reads_back_as_the_values_it_shows() {
    let portal = start().await;
    let (_, html) = portal.page("/users/jane.doe").await;
    let request = app::wire::read_submission("jane.doe", &form_fields(&html)).expect("readable");
    let shown: app::domain::FieldValues =
        serde_json::from_value(portal.get_user(JANE).await["values"].clone()).expect("values");
    assert_eq!(request.loaded, shown);
    assert_eq!(request.edited, shown, "an untouched form changes nothing");
    assert_eq!(request.version, app::domain::version_of(&shown));
    portal.stop().await;
}

/// A field name taken from the request is shown escaped, never as markup.
#[tokio::test]
async fn an_unreadable_form_post_shows_the_request_escaped() {
    let portal = start().await;
    let pairs = vec![
        ("version".to_owned(), "v".to_owned()),
        ("loaded.<b>bold</b>".to_owned(), "x".to_owned()),
    ];
    let (status, _, html) = portal.post_form("/users/jane.doe", &pairs).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!html.contains("<b>"), "{html}");
    assert!(html.contains("&lt;b&gt;bold&lt;/b&gt;"), "{html}");
    portal.stop().await;
}

/// The form posts without JavaScript carry the same Origin check as every other write.
#[tokio::test]
async fn form_posts_from_another_site_are_refused_and_change_nothing() {
    let portal = start().await;
    portal.sign_in("employee").await;
    let (_, html) = portal.page("/me").await;
    let before = portal.directory_value(JANE, "Telephone").await;
    let edited = with_value(form_fields(&html), "Telephone", "+1 555 0666");
    for path in ["/me", "/users/jane.doe"] {
        for origin in [Some("https://evil.example"), None] {
            let mut request = portal
                .http
                .post(portal.url(path))
                .header("cookie", portal.cookie().unwrap_or_default())
                .form(&edited);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            let status = request.send().await.expect("answer").status();
            assert_eq!(status, StatusCode::FORBIDDEN, "{path} from {origin:?}");
        }
    }
    assert_eq!(portal.directory_value(JANE, "Telephone").await, before);
    portal.stop().await;
}
