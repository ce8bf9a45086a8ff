//! Clients for the services the application talks to, created once at
//! startup and shared through the application state.

pub mod http_client;
