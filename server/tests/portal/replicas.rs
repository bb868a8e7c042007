//! Two replicas behave as one portal: two portals in this process on the machine's real
//! PostgreSQL (a database of the test's own) and Redis (a key prefix of the test's own), both
//! on one standalone emulator. Sessions, the sign-in limiter, the directory index and the audit
//! log are shared; readiness follows Redis and PostgreSQL going away and coming back (through
//! [`TcpProxy`], which stands between the replicas and each service).
//!
//! Without PostgreSQL or Redis these tests say so loudly and pass; under CI they fail.

use crate::harness::*;
use crate::health::ready_becomes;
use crate::tcp_proxy::{TcpProxy, service_addr};
use app::domain::{Field, Outcome};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};
use workmail_emulator::{EmulatorConfig, FaultKind, Faults, RunningEmulator, Seed};
use workmail_portal::config::{DirectorySetting, PortalConfig, SessionStoreSetting};

struct Replicas {
    a: Portal,
    b: Portal,
    emulator: RunningEmulator,
    postgres: TcpProxy,
    redis: TcpProxy,
    database_url: String,
    admin: sqlx::PgPool,
    _emulator_data: tempfile::TempDir,
}

/// Two replicas, with the demo admin, HR and help desk accounts; `None` when PostgreSQL or
/// Redis is missing here.
async fn two_replicas(name: &str) -> Option<Replicas> {
    let redis_url = redis_or_skip(name).await?;
    let (database_url, admin) = postgres_database(name).await?;
    let postgres = TcpProxy::start(service_addr(&database_url)).await;
    let redis = TcpProxy::start(service_addr(&redis_url)).await;
    let emulator_data = tempfile::tempdir().expect("temp dir");
    let emulator_config = EmulatorConfig {
        seed: Some(Seed::Demo),
        db: Some(emulator_data.path().join("emulator.sqlite3")),
        ..EmulatorConfig::default()
    };
    let credentials = (
        emulator_config.access_key_id.clone(),
        emulator_config.secret_access_key.clone(),
    );
    let emulator = RunningEmulator::start(emulator_config)
        .await
        .expect("emulator starts");
    let prefix = format!("portal-test:{name}:{}:", std::process::id());
    let replica = |data: &tempfile::TempDir| PortalConfig {
        directory: DirectorySetting::Endpoint(emulator.url().to_owned()),
        endpoint_credentials: Some(credentials.clone()),
        database_url: Some(postgres.url_for(&database_url)),
        session_store: SessionStoreSetting::Redis,
        redis_url: Some(redis.url_for(&redis_url)),
        redis_prefix: prefix.clone(),
        ..test_config(data)
    };
    let (data_a, data_b) = (
        tempfile::tempdir().expect("temp dir"),
        tempfile::tempdir().expect("temp dir"),
    );
    let (config_a, config_b) = (replica(&data_a), replica(&data_b));
    let a = try_start(config_a, data_a).await.expect("replica A starts");
    let b = try_start(config_b, data_b).await.expect("replica B starts");
    for (login, role) in [("admin", "admin"), ("hr", "hr"), ("helpdesk", "helpdesk")] {
        add_account(&a, login, role, None).await;
    }
    Some(Replicas {
        a,
        b,
        emulator,
        postgres,
        redis,
        database_url,
        admin,
        _emulator_data: emulator_data,
    })
}

/// A WorkMail client of the replicas' emulator, as any other program would use it.
fn workmail_client(emulator: &RunningEmulator) -> aws_sdk_workmail::Client {
    let defaults = EmulatorConfig::default();
    let config = aws_sdk_workmail::Config::builder()
        .behavior_version(aws_sdk_workmail::config::BehaviorVersion::latest())
        .region(aws_sdk_workmail::config::Region::new(defaults.region))
        .credentials_provider(aws_sdk_workmail::config::Credentials::new(
            defaults.access_key_id,
            defaults.secret_access_key,
            None,
            None,
            "test",
        ))
        .endpoint_url(emulator.url())
        .build();
    aws_sdk_workmail::Client::from_conf(config)
}

impl Replicas {
    async fn stop(self) {
        self.a.stop().await;
        self.b.stop().await;
        self.emulator.shutdown().await;
        drop_postgres_database(self.admin, &self.database_url).await;
    }
}

#[tokio::test]
async fn a_session_made_on_one_replica_works_and_ends_on_every_replica() {
    let Some(replicas) = two_replicas("sessions").await else {
        return;
    };
    let (a, b) = (&replicas.a, &replicas.b);
    a.sign_in("admin").await;
    b.set_cookie(a.cookie());
    assert_eq!(b.get_user(JANE).await["name"], JANE);

    // Signing out on B ends the session on A too.
    let response = b.post("/logout").send().await.expect("answer");
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, _, _) = a.call("get_user", json!({ "user": JANE })).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    replicas.stop().await;
}

#[tokio::test]
async fn wrong_passwords_split_over_two_replicas_lock_the_account_on_both() {
    let Some(replicas) = two_replicas("limiter").await else {
        return;
    };
    let (a, b) = (&replicas.a, &replicas.b);
    for attempt in 0..5 {
        let replica = if attempt % 2 == 0 { a } else { b };
        let (status, _, _, _) = replica.post_login("helpdesk", "guess-123", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    for replica in [a, b] {
        let (status, _, cookie, body) = replica.post_login("helpdesk", DEMO_PASSWORD, None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(cookie.is_none());
    }
    // Another account is not locked by it, on either replica.
    a.sign_in("hr").await;
    b.sign_in("admin").await;
    replicas.stop().await;
}

#[tokio::test]
async fn a_save_on_one_replica_shows_in_the_others_search_within_a_second() {
    let Some(replicas) = two_replicas("index").await else {
        return;
    };
    let (a, b) = (&replicas.a, &replicas.b);
    a.sign_in("admin").await;
    b.sign_in("helpdesk").await;
    let search = |text: &'static str| async move {
        let query = json!({ "query": {
            "search": text, "state": null, "page": 1, "page_size": 25
        }});
        let (status, _, view) = b.call("search_users", query).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        view["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|row| row["name"].as_str().map(str::to_owned))
            .collect::<Vec<_>>()
    };
    assert!(search("zebulon").await.is_empty());

    let loaded = a.get_user(JANE).await;
    let (status, _, body) = a
        .save(JANE, &loaded, &[("DisplayName", "Zebulon Replica")])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved = Instant::now();
    loop {
        if search("zebulon").await.contains(&JANE.to_owned()) {
            break;
        }
        assert!(
            saved.elapsed() < Duration::from_secs(1),
            "B's search did not show A's save within a second"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    replicas.stop().await;
}

/// A replica stopped while a save is on its way (what SIGTERM does after the drain period)
/// lets the save finish, and the save is recorded exactly once.
#[tokio::test]
async fn a_replica_stopped_during_a_save_records_it_exactly_once() {
    let Some(replicas) = two_replicas("drain").await else {
        return;
    };
    let Replicas {
        a,
        b,
        emulator,
        postgres: _postgres,
        redis: _redis,
        database_url,
        admin,
        _emulator_data,
    } = replicas;
    a.sign_in("admin").await;
    let loaded = a.get_user(JANE).await;
    emulator
        .set_faults(Faults {
            latency: Duration::from_millis(800),
            operations: vec!["UpdateUser".to_owned()],
            kind: FaultKind::DirectoryUnavailable,
            ..Faults::default()
        })
        .expect("faults");
    let saving = tokio::spawn(
        a.save_request(JANE, &loaded, &[("Office", "Drained-1")])
            .send(),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.portal.start_draining();
    ready_becomes(&a, StatusCode::SERVICE_UNAVAILABLE).await;
    a.stop().await;
    let response = saving.await.expect("task").expect("the save is answered");
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the save in flight completes"
    );
    emulator.set_faults(Faults::default()).expect("faults");

    let office = workmail_client(&emulator)
        .describe_user()
        .organization_id(workmail_emulator::DEMO_ORGANIZATION_ID)
        .user_id(JANE)
        .send()
        .await
        .expect("DescribeUser")
        .office()
        .map(str::to_owned);
    assert_eq!(office.as_deref(), Some("Drained-1"));
    let records: Vec<_> = b
        .audit_log()
        .await
        .into_iter()
        .filter(|record| {
            record.target_id.is_some()
                && record.changes.iter().any(|change| {
                    change.field == Field::Office && change.new.as_deref() == Some("Drained-1")
                })
        })
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].outcome, Outcome::Saved);
    b.stop().await;
    emulator.shutdown().await;
    drop_postgres_database(admin, &database_url).await;
}

#[tokio::test]
async fn readiness_follows_redis_and_postgresql_going_away_and_coming_back() {
    let Some(replicas) = two_replicas("readiness").await else {
        return;
    };
    let a = &replicas.a;
    ready_becomes(a, StatusCode::OK).await;
    a.sign_in("admin").await;

    replicas.redis.cut();
    let body = ready_becomes(a, StatusCode::SERVICE_UNAVAILABLE).await;
    let failing = body["failing"].to_string();
    assert!(
        failing.contains("redis") && failing.contains("session_store"),
        "{body}"
    );
    assert!(!failing.contains("database"), "{body}");
    // A signed-in page answers 503 and says why, and so does signing in.
    let (status, html) = a.page("/users/jane.doe").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{html}");
    assert!(html.contains("cannot reach its session store"), "{html}");
    let (status, _, cookie, body) = a.post_login("admin", DEMO_PASSWORD, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(
        body.contains("cannot reach the store where it counts sign-in attempts"),
        "{body}"
    );
    assert!(cookie.is_none());
    replicas.redis.restore();
    ready_becomes(a, StatusCode::OK).await;
    a.sign_in("admin").await;

    replicas.postgres.cut();
    let body = ready_becomes(a, StatusCode::SERVICE_UNAVAILABLE).await;
    assert!(body["failing"].to_string().contains("database"), "{body}");
    replicas.postgres.restore();
    ready_becomes(a, StatusCode::OK).await;
    assert_eq!(a.get_user(JANE).await["name"], JANE, "and the portal works");
    replicas.stop().await;
}

/// The shared limiter counts as one process does: concurrent attempts from two replicas are
/// checked and counted in one step (no more pass than the limit), a success forgets its
/// address's failures for the account, an attempt given back counts nowhere, and one refusal
/// per window is recorded.
#[tokio::test]
async fn the_shared_limiter_counts_attempts_from_every_replica_at_once() {
    use std::net::IpAddr;
    use workmail_portal::auth::rate_limit::RateLimits;
    use workmail_portal::auth::rate_limit::shared::SharedLimiter;
    let Some(url) = redis_or_skip("shared_limiter").await else {
        return;
    };
    let redis = workmail_portal::replicas::redis::connect(&url)
        .await
        .expect("Redis");
    let prefix = format!("portal-test:limiter:{}:", std::process::id());
    let limits = RateLimits {
        per_account: 3,
        per_account_address: 3,
        per_address: 5,
        window: Duration::from_secs(60),
    };
    let replicas = [
        SharedLimiter::new(limits, redis.clone(), &prefix),
        SharedLimiter::new(limits, redis.clone(), &prefix),
    ];
    let ip = |last: u8| Some(IpAddr::from([10, 0, 0, last]));

    let attempts = (0..20).map(|i| replicas[i % 2].reserve("hr", ip(1)));
    let reserved: Vec<_> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .filter_map(|answer| answer.expect("Redis answers"))
        .collect();
    assert_eq!(reserved.len(), 3, "the limit, however many ask at once");

    // One succeeds: the account and the pair forget this address's failures; the address
    // keeps the two that failed, so three more (2 + 3 = its limit of 5) are allowed.
    let mut reserved = reserved.into_iter();
    let first = reserved.next().expect("a reservation");
    replicas[1].succeeded("hr", ip(1), first).await;
    drop(reserved);
    let mut allowed = 0;
    for _ in 0..6 {
        if let Some(failed) = replicas[0].reserve("hr", ip(1)).await.expect("answer") {
            allowed += 1;
            drop(failed);
        }
    }
    assert_eq!(allowed, 3);

    for _ in 0..10 {
        let unchecked = replicas[0]
            .reserve("admin", ip(2))
            .await
            .expect("answer")
            .expect("nothing counted");
        replicas[1].give_back("admin", ip(2), unchecked).await;
    }

    assert!(replicas[0].refusal_to_record("hr", ip(1)).await);
    assert!(!replicas[1].refusal_to_record("hr", ip(1)).await);
    assert!(replicas[1].refusal_to_record("hr", ip(3)).await);
}

/// A Redis that does not answer at start-up stops the portal with a message naming the
/// setting, instead of a portal whose every sign-in fails.
#[tokio::test]
async fn start_up_names_a_redis_it_cannot_reach() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let data = tempfile::tempdir().expect("temp dir");
    let config = PortalConfig {
        session_store: SessionStoreSetting::Redis,
        redis_url: Some(format!("redis://{closed}")),
        ..test_config(&data)
    };
    let error = try_start(config, data).await.err().expect("refused");
    let message = error.to_string();
    assert!(
        message.starts_with("PORTAL_REDIS_URL: cannot reach Redis"),
        "{message}"
    );
}
