//! Integration tests: each starts the real server on a free port and talks
//! HTTP to it. One test binary keeps linking fast.

mod helpers;
mod http_client;
mod ready;
mod redis;
mod server;
