//! Clients for the services the application talks to, created once at
//! startup and shared through the application state.
<%- if p.http_client %>

pub mod http_client;
<%- endif %>
<%- if p.redis %>
<%- if not p.http_client %>

<%- endif %>
pub mod redis;
<%- endif %>
