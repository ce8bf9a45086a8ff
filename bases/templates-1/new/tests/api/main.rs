//! Integration tests: each starts the real server on a free port and talks
//! HTTP to it. One test binary keeps linking fast.

mod helpers;
<%- if p.http_client %>
mod http_client;
<%- endif %>
mod ready;
<%- if p.redis %>
mod redis;
<%- endif %>
mod server;
