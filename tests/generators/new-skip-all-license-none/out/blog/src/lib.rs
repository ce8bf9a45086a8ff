//! Blog: an axum application laid out as Model-View-Controller.
//!
//! - [`app`]: the web application (router, controllers, models, views).
//! - [`config`]: typed settings from `BLOG_*` environment variables.
//! - [`db`]: the database pool and the migrations.
//! - [`server`]: the production server (runtime, bind, graceful shutdown).
//! - [`cli`]: the `blog` command line.

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod server;
pub mod telemetry;
