//! Redis from the application's side: against a loopback stand-in that
//! speaks enough of the protocol, and with Redis enabled but not answering
//! (the application starts, and `/api/ready` reports the dependency as a
//! 503).

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use blog::config::{RedisMode, RedisSettings};
use blog::utils::redis::Redis;

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

/// A Redis stand-in on a loopback port: `PING` answers `PONG`, `GET` answers
/// nil and every other command (`SET`, `CLIENT SETINFO` ...) answers `OK`.
/// Dropping it closes the port and every connection, as a Redis that went
/// away would.
struct StandIn {
    url: String,
    task: JoinHandle<()>,
}

impl StandIn {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let mut connections = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                connections.spawn(answer(stream));
            }
        });
        Self { url, task }
    }

    fn settings(&self) -> RedisSettings {
        RedisSettings {
            urls: vec![self.url.clone()],
            ..redis_settings(RedisMode::Standalone)
        }
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads commands (RESP arrays of bulk strings) and answers each.
async fn answer(stream: TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(header) = lines.next_line().await? {
        let count: usize = header.trim_start_matches('*').parse().unwrap_or(0);
        let mut command = Vec::with_capacity(count);
        for _ in 0..count {
            lines.next_line().await?; // the `$length` line
            command.push(lines.next_line().await?.unwrap_or_default());
        }
        let name = command.first().map(|c| c.to_ascii_uppercase());
        let reply = match name.as_deref() {
            Some("PING") => "+PONG\r\n",
            Some("GET") => "$-1\r\n",
            _ => "+OK\r\n",
        };
        write.write_all(reply.as_bytes()).await?;
    }
    Ok(())
}

#[tokio::test]
async fn ready_is_200_when_redis_answers() {
    let redis = StandIn::start().await;
    let mut settings = test_settings();
    settings.redis = redis.settings();
    let app = spawn_app_with(settings).await;
    let response = app.get("/api/ready").await;
    assert_eq!(response.status(), 200);
    app.stop().await.unwrap();
}

#[tokio::test]
async fn commands_share_one_connection_until_redis_goes_away() {
    let stand_in = StandIn::start().await;
    let redis = Redis::connect(&stand_in.settings()).await.unwrap();
    let debug = format!("{redis:?}");
    assert!(
        debug.contains("Standalone") && debug.contains("nodes: 1"),
        "{debug}"
    );
    redis.ping().await.unwrap();
    let missing: Option<String> = redis
        .query(redis::cmd("GET").arg("no-such-key"))
        .await
        .unwrap();
    assert_eq!(missing, None);
    // A clone shares the connection.
    redis.clone().ping().await.unwrap();

    drop(stand_in);
    let err = redis.ping().await.unwrap_err();
    assert!(
        err.is_io_error() || err.is_connection_dropped() || err.is_timeout(),
        "{err}"
    );
    // The broken connection was dropped: the next call connects again, and
    // finds nothing listening.
    assert!(redis.ping().await.is_err());
    redis.close().await;
}

#[tokio::test]
async fn close_drops_the_connection_and_the_next_call_reconnects() {
    let stand_in = StandIn::start().await;
    let redis = Redis::connect(&stand_in.settings()).await.unwrap();
    redis.close().await;
    redis.ping().await.unwrap();
    redis.close().await;
}

#[tokio::test]
async fn ready_is_503_when_redis_does_not_answer() {
    let mut settings = test_settings();
    settings.redis = redis_settings(RedisMode::Standalone);
    let app = spawn_app_with(settings).await;
    let response = app.get("/api/ready").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"code": 503, "message": "Could not connect to Redis"})
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
