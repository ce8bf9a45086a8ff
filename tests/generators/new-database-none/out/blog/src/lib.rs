//! Blog: an axum application laid out as Model-View-Controller.
//!
//! - [`app`]: the web application (router, controllers, models, views).
//! - [`config`]: typed settings from `BLOG_*` environment variables.
//! - [`server`]: the production server (runtime, bind, graceful shutdown).
//! - [`cli`]: the `blog` command line.

pub mod app;
pub mod cli;
pub mod config;
pub mod server;
pub mod telemetry;
pub mod utils;
