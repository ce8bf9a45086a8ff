//! `baseline [ADDR]`: bare axum answering `GET /api/ready` with
//! `{"status":"ok"}`, one worker thread per CPU, as the generated app's
//! default.

use axum::Json;
use axum::Router;
use axum::routing::get;
use serde::Serialize;

#[derive(Serialize)]
struct Status {
    status: &'static str,
}

async fn ready() -> Json<Status> {
    Json(Status { status: "ok" })
}

fn main() -> std::io::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:8001".to_string());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async {
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let app = Router::new().route("/api/ready", get(ready));
            axum::serve(listener, app).await
        })
}
