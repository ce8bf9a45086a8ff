use axum::Router;
use axum::routing::*;

use super::AppState;
use super::controllers::*;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health::show))
        // The admin area, built in admin.rs.
        .nest("/api/admin", super::admin::routes())
        .merge(Router::new().route("/api/ready", get(ready::show)))
        .route("/api/users/{id}", get(users::show).put(users::update).delete(users::destroy))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}
