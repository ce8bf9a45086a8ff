//! <@ p.title @>: an axum application laid out as Model-View-Controller.
//!
//! - [`app`]: the web application (router, controllers, models, views).
//! - [`config`]: typed settings from `<@ p.env_prefix @>_*` environment variables.
<%- if p.database %>
//! - [`db`]: the database pool and the migrations.
<%- endif %>
//! - [`server`]: the production server (runtime, bind, graceful shutdown).
//! - [`cli`]: the `<@ p.name @>` command line.

pub mod app;
pub mod cli;
pub mod config;
<%- if p.database %>
pub mod db;
<%- endif %>
pub mod server;
pub mod telemetry;
<%- if p.redis or p.http_client %>
pub mod utils;
<%- endif %>
