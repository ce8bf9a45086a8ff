//! Redis: one shared, reconnecting connection to a standalone server, the
//! master a set of sentinels points at, or a cluster.
//!
//! The connection is made at startup and remade on the next use after a
//! failure, so the application starts (and `/api/ready` answers 502) while
//! Redis is down, and recovers by itself when Redis comes back.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redis::{Cmd, FromRedisValue, RedisError, RedisResult};
use tokio::sync::RwLock;

use crate::config::{RedisMode, RedisSettings};

#[derive(Clone)]
enum Connection {
    /// Standalone, or the master found through the sentinels.
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

/// A cheap-to-clone handle to Redis.
#[derive(Clone)]
pub struct Redis {
    settings: Arc<RedisSettings>,
    connection: Arc<RwLock<Option<Connection>>>,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("mode", &self.settings.mode)
            .field("nodes", &self.settings.urls.len())
            .finish_non_exhaustive()
    }
}

impl Redis {
    /// Checks the URLs, then tries to connect. A Redis that does not answer
    /// is logged, not fatal; a malformed URL is an error.
    pub async fn connect(settings: &RedisSettings) -> anyhow::Result<Self> {
        for url in &settings.urls {
            redis::Client::open(url.as_str())
                .with_context(|| format!("invalid Redis URL {url:?}"))?;
        }
        let redis = Self {
            settings: Arc::new(settings.clone()),
            connection: Arc::new(RwLock::new(None)),
        };
        match redis.connection().await {
            Ok(_) => tracing::info!(mode = ?settings.mode, "connected to Redis"),
            Err(error) => tracing::warn!(%error, "Redis does not answer yet; will retry on use"),
        }
        Ok(redis)
    }

    /// Runs one command, e.g. `redis.query::<Option<String>>(redis::cmd("GET").arg("key"))`.
    pub async fn query<T: FromRedisValue>(&self, cmd: &Cmd) -> RedisResult<T> {
        let connection = self.connection().await?;
        let limit = self.settings.timeout;
        let result = match connection {
            Connection::Single(mut c) => with_timeout(limit, cmd.query_async(&mut c)).await,
            Connection::Cluster(mut c) => with_timeout(limit, cmd.query_async(&mut c)).await,
        };
        if let Err(error) = &result
            && (error.is_io_error() || error.is_connection_dropped() || error.is_timeout())
        {
            // Reconnect (and, with sentinels, look the master up again) next time.
            self.connection.write().await.take();
        }
        result
    }

    /// `PING`, for readiness checks.
    pub async fn ping(&self) -> RedisResult<()> {
        let _: String = self.query(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// Drops the connection; later calls would reconnect.
    pub async fn close(&self) {
        if self.connection.write().await.take().is_some() {
            tracing::debug!("Redis connection closed");
        }
    }

    async fn connection(&self) -> RedisResult<Connection> {
        if let Some(connection) = self.connection.read().await.as_ref() {
            return Ok(connection.clone());
        }
        let mut slot = self.connection.write().await;
        if let Some(connection) = slot.as_ref() {
            return Ok(connection.clone());
        }
        let connection = with_timeout(self.settings.timeout, self.open()).await?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    async fn open(&self) -> RedisResult<Connection> {
        let s = &self.settings;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(s.timeout))
            .set_response_timeout(Some(s.timeout))
            .set_number_of_retries(2);
        match s.mode {
            RedisMode::Standalone => {
                let client = redis::Client::open(s.urls[0].as_str())?;
                Ok(Connection::Single(
                    ConnectionManager::new_with_config(client, config).await?,
                ))
            }
            RedisMode::Sentinel => {
                let mut sentinel = SentinelClient::build(
                    s.urls.clone(),
                    s.sentinel_master.clone(),
                    None,
                    SentinelServerType::Master,
                )?;
                let client = sentinel.async_get_client().await?;
                Ok(Connection::Single(
                    ConnectionManager::new_with_config(client, config).await?,
                ))
            }
            RedisMode::Cluster => {
                let client = ClusterClient::builder(s.urls.clone())
                    .connection_timeout(s.timeout)
                    .response_timeout(s.timeout)
                    .build()?;
                Ok(Connection::Cluster(client.get_async_connection().await?))
            }
        }
    }
}

async fn with_timeout<T>(
    limit: Duration,
    future: impl Future<Output = RedisResult<T>>,
) -> RedisResult<T> {
    match tokio::time::timeout(limit, future).await {
        Ok(result) => result,
        Err(_) => Err(RedisError::from(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "Redis did not answer in time",
        ))),
    }
}
