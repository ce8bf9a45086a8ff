//! Where things are in an application made by `cargo mvc new`: the one place
//! that names its files and folders, for the generators, the engine and
//! `routes`. Paths are relative to the project root, with `/`.

/// The package's manifest.
pub const MANIFEST: &str = "Cargo.toml";
/// The Rust sources (`routes` looks for sub-routers there).
pub const SRC: &str = "src";
/// The routes table, unless `[package.metadata.mvc]` names another.
pub const ROUTER: &str = "src/app/router.rs";
/// The function of the routes table that builds the routes, unless
/// `[package.metadata.mvc]` names another.
pub const ROUTER_FN: &str = "routes";
/// One module a controller, under `controllers/mod.rs`.
pub const CONTROLLERS: &str = "src/app/controllers";
/// The controllers' modules as the application's code names them.
pub const CONTROLLERS_PATH: &str = "crate::app::controllers";
/// The JSON views (response types) of the controllers.
pub const VIEWS: &str = "src/app/views";
/// The module file of the views, which declares `html`.
pub const VIEWS_MOD: &str = "src/app/views/mod.rs";
/// The page structs of the HTML views.
pub const HTML_VIEWS: &str = "src/app/views/html";
/// One module a model, under `models/mod.rs`.
pub const MODELS: &str = "src/app/models";
/// The module file of the models.
pub const MODELS_MOD: &str = "src/app/models/mod.rs";
/// The OpenAPI document the controllers' parts are merged into.
pub const OPENAPI: &str = "src/app/openapi.rs";
/// The function of [`OPENAPI`] that builds the document.
pub const OPENAPI_FN: &str = "document";
/// The integration tests: one binary, one module a controller.
pub const API_TESTS: &str = "tests/api";
/// The integration tests' crate root, which declares their modules.
pub const API_TESTS_MAIN: &str = "tests/api/main.rs";
/// The askama templates of the HTML views.
pub const TEMPLATES: &str = "templates";
/// The layout every HTML page extends.
pub const LAYOUT_TEMPLATE: &str = "templates/layout.html";
/// The SQL migrations, `VERSION_NAME.up.sql` and `.down.sql`.
pub const MIGRATIONS: &str = "migrations";
/// The scripts `generate script` writes.
pub const SCRIPTS: &str = "scripts";

/// `dir/name.rs`.
pub fn rust_file(dir: &str, name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(format!("{dir}/{name}.rs"))
}
