//! <@ p.title @>: an axum application laid out as Model-View-Controller.
//!
//! - [`app`]: the web application (router, controllers, models, views).
//! - [`config`]: typed settings from `<@ p.env_prefix @>_*` environment variables.
<%- if p.database %>
//! - [`db`]: the database pool and the migrations.
<%- endif %>
<%- if p.otel %>
//! - [`otel`]: OpenTelemetry traces, exported over OTLP when configured.
<%- endif %>
//! - [`server`]: the production server (runtime, bind, graceful shutdown).
//! - [`cli`]: the `<@ p.name @>` command line.

pub mod app;
pub mod cli;
pub mod config;
<%- if p.database %><# database layer: mod #>
pub mod db;
<%- endif %>
<%- if p.otel %>
pub mod otel;
<%- endif %>
pub mod server;
pub mod telemetry;
<%- if p.redis or p.http_client %>
pub mod utils;
<%- endif %>
<%- if p.http_client or p.otel %>

/// Makes rustls with ring's cryptography the TLS of every HTTPS client in the
/// process: reqwest (built with `rustls-no-provider`) uses the provider
/// installed here. `cli::run` calls it at startup<%- if p.http_client %>, and `HttpClient::new`
/// too<%- endif %>; a test that builds a reqwest client of its own calls it
/// first. Later calls do nothing.
pub fn install_tls_provider() {
    // rustls 0.23.48 deprecates ring's provider, which has no post-quantum
    // key exchange; aws-lc-rs, which has, is a C build that about doubles a
    // cold build. An error only means that a provider is installed already.
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}
<%- endif %>
