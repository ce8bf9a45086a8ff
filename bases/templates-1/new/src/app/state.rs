//! The state every handler can reach: settings and shared clients, created
//! at startup and closed on shutdown.

use std::sync::Arc;

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
<%- if p.database %>
    pub db: crate::db::Pool,
<%- endif %>
<%- if p.redis %>
    /// Present when `<@ p.env_prefix @>_USE_REDIS` is on.
    pub redis: Option<Redis>,
<%- endif %>
<%- if p.http_client %>
    pub http_client: HttpClient,
<%- endif %>
}

impl AppState {
    /// Creates the shared clients from the settings.
    pub async fn new(settings: Settings) -> anyhow::Result<Self> {
<%- if p.database %>
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
<%- if p.database %>
            db,
<%- endif %>
<%- if p.redis %>
            redis,
<%- endif %>
<%- if p.http_client %>
            http_client,
<%- endif %>
        })
    }

    /// Checks the services the application needs, for `/api/ready`.
    pub async fn check(&self) -> Result<(), AppError> {
<%- if p.database %>
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
<%- if p.database %>
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
