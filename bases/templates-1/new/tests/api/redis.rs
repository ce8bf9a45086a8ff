//! Readiness with Redis enabled but not answering: the application starts,
//! and `/api/ready` reports the dependency as a 502.

use std::time::Duration;

use serde_json::{Value, json};

use <@ p.crate_name @>::config::{RedisMode, RedisSettings};
use <@ p.crate_name @>::utils::redis::Redis;

use crate::helpers::{spawn_app_with, test_settings};

/// A loopback port with nothing listening on it.
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("redis://127.0.0.1:{port}")
}

fn redis_settings(mode: RedisMode) -> RedisSettings {
    RedisSettings {
        enabled: true,
        urls: vec![closed_port_url()],
        mode,
        sentinel_master: "mymaster".into(),
        timeout: Duration::from_millis(500),
    }
}

#[tokio::test]
async fn ready_is_502_when_redis_does_not_answer() {
    let mut settings = test_settings();
    settings.redis = redis_settings(RedisMode::Standalone);
    let app = spawn_app_with(settings).await;
    let response = app.get("/api/ready").await;
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"code": 502, "message": "Could not connect to Redis"})
    );
    // Liveness never depends on Redis.
    assert_eq!(app.get("/api/health").await.status(), 200);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn every_mode_reports_an_unreachable_redis() {
    let modes = [
        RedisMode::Standalone,
        RedisMode::Sentinel,
        RedisMode::Cluster,
    ];
    for mode in modes {
        let redis = Redis::connect(&redis_settings(mode)).await.unwrap();
        assert!(redis.ping().await.is_err(), "{mode:?}");
        redis.close().await;
    }
}

#[tokio::test]
async fn malformed_urls_are_rejected_at_startup() {
    let mut settings = redis_settings(RedisMode::Standalone);
    settings.urls = vec!["redis://[not-a-host".into()];
    let err = Redis::connect(&settings).await.unwrap_err();
    assert!(err.to_string().contains("invalid Redis URL"), "{err}");
}
