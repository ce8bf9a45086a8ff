//! The state every handler can reach: settings and shared clients, created
//! at startup and closed on shutdown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::app::errors::AppError;
use crate::config::Settings;
<%- if p.http_client %>
use crate::utils::http_client::HttpClient;
<%- endif %>
<%- if p.redis %>
use crate::utils::redis::Redis;
<%- endif %>

#[derive(Debug, Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    /// Set once the server starts shutting down.
    draining: Arc<AtomicBool>,
<%- if p.database %><# database layer: struct AppState #>
    pub db: crate::db::Pool,
<%- endif %>
<%- if p.redis %>
    /// Present when `<@ p.env_prefix @>_USE_REDIS` is on.
    pub redis: Option<Redis>,
<%- endif %>
<%- if p.http_client %>
    pub http_client: HttpClient,
<%- endif %>
<%- if p.metrics %><# metrics layer: struct AppState #>
    pub metrics: Arc<crate::app::metrics::Metrics>,
<%- endif %>
}

impl AppState {
    /// Creates the shared clients from the settings.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
<%- if p.database %><# database layer: fn new #>
        let db = crate::db::pool(&settings.database)?;
<%- endif %>
<%- if p.redis %>
        let redis = if settings.redis.enabled {
            Some(Redis::connect(&settings.redis).await?)
        } else {
            None
        };
<%- endif %>
<%- if p.http_client %>
        let http_client = HttpClient::new(&settings.http_client)?;
<%- endif %>
        Ok(Self {
            settings: Arc::new(settings),
            draining: Arc::default(),
<%- if p.database %><# database layer: Self { .. } in fn new #>
            db,
<%- endif %>
<%- if p.redis %>
            redis,
<%- endif %>
<%- if p.http_client %>
            http_client,
<%- endif %>
<%- if p.metrics %><# metrics layer: Self { .. } in fn new #>
            metrics: Arc::default(),
<%- endif %>
        })
    }

    /// Marks the application as shutting down: `/api/ready` answers 503
    /// from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Relaxed);
    }

    /// Checks the services the application needs, for `/api/ready`.
    pub async fn check(&self) -> Result<(), AppError> {
        if self.draining.load(Ordering::Relaxed) {
            return Err(AppError::ShuttingDown);
        }
<%- if p.database %><# database layer: fn check #>
        crate::db::ping(&self.db).await?;
<%- endif %>
<%- if p.redis %>
        if let Some(redis) = &self.redis {
            redis
                .ping()
                .await
                .map_err(|err| AppError::Unavailable("Redis", err.into()))?;
        }
<%- endif %>
        Ok(())
    }

    /// Closes the shared clients; called once the server has stopped.
    pub async fn close(&self) {
<%- if p.database %><# database layer: fn close #>
        self.db.close().await;
<%- endif %>
<%- if p.redis %>
        if let Some(redis) = &self.redis {
            redis.close().await;
        }
<%- endif %>
        tracing::debug!("application state closed");
    }
}
