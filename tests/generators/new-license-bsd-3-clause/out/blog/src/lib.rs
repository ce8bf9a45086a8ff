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
pub mod utils;

/// Makes rustls with ring's cryptography the TLS of every HTTPS client in the
/// process: reqwest (built with `rustls-no-provider`) uses the provider
/// installed here. `cli::run` calls it at startup, and `HttpClient::new`
/// too; a test that builds a reqwest client of its own calls it
/// first. Later calls do nothing.
pub fn install_tls_provider() {
    // rustls 0.23.48 deprecates ring's provider, which has no post-quantum
    // key exchange; aws-lc-rs, which has, is a C build that about doubles a
    // cold build. An error only means that a provider is installed already.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}
