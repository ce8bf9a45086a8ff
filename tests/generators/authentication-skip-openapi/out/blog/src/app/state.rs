//! The state every handler can reach: settings and shared clients, created
//! at startup and closed on shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::app::errors::AppError;
use crate::config::Settings;
use crate::utils::http_client::HttpClient;
use crate::utils::redis::Redis;

#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Set once the server starts shutting down.
    draining: Arc<AtomicBool>,
    /// Present when `BLOG_USE_REDIS` is on.
    pub redis: Option<Redis>,
    pub http_client: HttpClient,
    pub db: crate::db::Pool,
}

impl AppState {
    /// Creates the shared clients from the settings.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
        let db = crate::db::pool(&settings.database)?;
        let redis = if settings.redis.enabled {
            Some(Redis::connect(&settings.redis).await?)
        } else {
            None
        };
        let http_client = HttpClient::new(&settings.http_client)?;
        Ok(Self {
            settings: Arc::new(settings),
            draining: Arc::default(),
            redis,
            http_client,
            db,
        })
    }

    /// Marks the application as shutting down: `/api/ready` answers 503
    /// from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Checks the services the application needs, for `/api/ready`.
    pub async fn check(&self) -> Result<(), AppError> {
        crate::db::ping(&self.db).await?;
        if self.draining.load(Ordering::Relaxed) {
            return Err(AppError::ShuttingDown);
        }
        if let Some(redis) = &self.redis {
            redis
                .ping()
                .await
                .map_err(|err| AppError::Unavailable("Redis", err.into()))?;
        }
        Ok(())
    }

    /// Closes the shared clients; called once the server has stopped.
    pub async fn close(&self) {
        self.db.close().await;
        if let Some(redis) = &self.redis {
            redis.close().await;
        }
        tracing::debug!("application state closed");
    }
}
