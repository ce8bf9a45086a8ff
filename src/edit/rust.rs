//! Edits of Rust files the user owns: syn only finds the place, the new text
//! is spliced in at a byte offset, and every other byte (comments, blank
//! lines, formatting, CRLF) is kept.
//!
//! - `source`: a file's text, its offsets and lines, the errors of an edit
//!   and the one way an edit changes the text (`Splice`s);
//! - `syntax`: small syn helpers the router modules share;
//! - `table`: reading the routes table, its chains, routes and methods,
//!   and the routes an edit adds (`RouteGroup`, `MethodRoute`);
//! - `layout`: the layout rustfmt would give what an edit writes;
//! - `routes`: adding routes to the table and taking them out;
//! - `mods`: the `mod name;` lines of a module file;
//! - `chain_calls`: rewriting the arguments of a function's closing chain
//!   of calls (the OpenAPI document's `.merge_from(..)`).

mod chain_calls;
mod layout;
mod mods;
mod routes;
mod source;
mod syntax;
mod table;

pub use chain_calls::edit_chain_calls;
pub use layout::format_route;
pub use mods::{declared_mod_names, insert_mod, insert_use, remove_mod, remove_use};
#[cfg(test)]
pub use routes::insert_route;
pub use routes::{in_scope, insert_routes, remove_routes, route_snippet};
pub use source::{EditError, Edited};
pub(super) use source::{Source, parse};
pub(super) use syntax::{fn_body, pat_name, segments, stmt_has_cfg, string_lit};
pub(super) use table::{Chain, ROUTE_CALLS, STOP_CALLS, chain_of, is_router_new};
pub use table::{METHODS, MethodRoute, RouteDef, RouteGroup};

#[cfg(test)]
mod tests;
