//! Shop Api: an axum application laid out as Model-View-Controller.
//!
//! - [`app`]: the web application (router, controllers, models, views).
//! - [`config`]: typed settings from `SHOP_API_*` environment variables.
//! - [`db`]: the database pool and the migrations.
//! - [`server`]: the production server (runtime, bind, graceful shutdown).
//! - [`cli`]: the `shop-api` command line.

pub mod app;
pub mod cli;
pub mod config;
pub mod db;
pub mod server;
pub mod telemetry;
pub mod utils;
