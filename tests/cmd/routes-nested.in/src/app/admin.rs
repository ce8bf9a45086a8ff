use axum::Router;
use axum::routing::*;

use super::AppState;
use super::controllers::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/stats", get(stats::index))
        .nest("/reports", reports())
}

fn reports() -> Router<AppState> {
    Router::new().route("/", get(reports::index)).route("/{id}", get(reports::show))
}
