//! Prometheus metrics, served at `/metrics` on a port of their own
//! (`<@ p.env_prefix @>_METRICS_BIND`, by default the address of
//! `<@ p.env_prefix @>_BIND` on port 9090), so a public ingress that routes the
//! application's port never exposes them.
//!
//! - `http_requests_total` and `http_request_duration_seconds` (a
//!   histogram), by method, matched route and status; a path no route
//!   matches counts as the route `unmatched`, so scanners cannot grow the
//!   label set;
//! - `http_requests_in_flight`;
<%- if p.database %>
//! - `db_pool_connections` and `db_pool_idle_connections`, read at each
//!   scrape.
<%- endif %>
//!
//! The probes (`/api/health`, `/api/ready`) are not counted as traffic.

use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use anyhow::Context as _;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tower::{Layer, Service};

use crate::app::AppState;
use crate::config::{ConfigError, Env};

/// The port of `/metrics` unless `<@ p.env_prefix @>_METRICS_BIND` says otherwise.
pub const DEFAULT_PORT: u16 = 9090;

/// `<@ p.env_prefix @>_METRICS_BIND`, by default the address of
/// `<@ p.env_prefix @>_BIND` on port 9090.
pub fn bind(env: &Env<'_>) -> Result<SocketAddr, ConfigError> {
    let app: SocketAddr = env
        .value("BIND")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
    let default = SocketAddr::new(app.ip(), DEFAULT_PORT).to_string();
    env.parse(
        "METRICS_BIND",
        &default,
        "an address such as 0.0.0.0:9090",
        |v| v.parse().ok(),
    )
}

/// The labels of a request's metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// Every metric of the application, registered once at startup.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram>,
    in_flight: Gauge,
<%- if p.database %>
    pool_connections: Gauge,
    pool_idle: Gauge,
<%- endif %>
}

/// Latency buckets in seconds: 1 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0,
];

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        let durations = Family::<RequestLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(BUCKETS)) as fn() -> Histogram,
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response",
            durations.clone(),
        );
        let in_flight = Gauge::default();
        registry.register(
            "http_requests_in_flight",
            "HTTP requests being served",
            in_flight.clone(),
        );
<%- if p.database %>
        let pool_connections = Gauge::default();
        registry.register(
            "db_pool_connections",
            "Open database connections, idle or in use",
            pool_connections.clone(),
        );
        let pool_idle = Gauge::default();
        registry.register(
            "db_pool_idle_connections",
            "Open database connections not in use",
            pool_idle.clone(),
        );
<%- endif %>
        Self {
            registry,
            requests,
            durations,
            in_flight,
<%- if p.database %>
            pool_connections,
            pool_idle,
<%- endif %>
        }
    }
}

impl Metrics {
    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// `GET /metrics`.
async fn scrape(State(state): State<AppState>) -> Response {
<%- if p.database %>
    let metrics = &state.metrics;
    metrics.pool_connections.set(i64::from(state.db.size()));
    metrics
        .pool_idle
        .set(i64::try_from(state.db.num_idle()).unwrap_or(i64::MAX));
<%- endif %>
    let body = state.metrics.render();
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The metrics server, stopped when dropped.
#[derive(Debug)]
pub struct MetricsServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts serving `/metrics` on the metrics address.
pub async fn serve(state: &AppState) -> anyhow::Result<MetricsServer> {
    let bind = state.settings.metrics_bind;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("could not listen on {bind} for metrics"))?;
    let addr = listener.local_addr()?;
    let router = axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state(state.clone());
    // axum's server never ends by itself: it waits out accept errors and
    // goes on. Dropping the `MetricsServer` stops it.
    let task = tokio::spawn(axum::serve(listener, router).into_future());
    tracing::info!(%addr, "serving metrics");
    Ok(MetricsServer { addr, task })
}

/// Counts and times every request but the probes.
#[derive(Debug, Clone)]
pub struct RecordLayer(Arc<Metrics>);

impl RecordLayer {
    pub fn new(metrics: Arc<Metrics>) -> Self {
        Self(metrics)
    }
}

impl<S> Layer<S> for RecordLayer {
    type Service = Record<S>;

    fn layer(&self, inner: S) -> Record<S> {
        Record {
            inner,
            metrics: self.0.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Record<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

/// The probes, which are not traffic.
const PROBES: [&str; 2] = ["/api/health", "/api/ready"];

impl<S> Service<Request> for Record<S>
where
    S: Service<Request, Response = Response> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<Response, S::Error>> + Send + 'static>,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if PROBES.contains(&request.uri().path()) {
            return Box::pin(self.inner.call(request));
        }
        let method = method_label(request.method());
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
        let metrics = self.metrics.clone();
        metrics.in_flight.inc();
        let started = Instant::now();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await;
            metrics.in_flight.dec();
            if let Ok(response) = &response {
                let labels = RequestLabels {
                    method,
                    route,
                    status: response.status().as_u16(),
                };
                metrics.requests.get_or_create(&labels).inc();
                metrics
                    .durations
                    .get_or_create(&labels)
                    .observe(started.elapsed().as_secs_f64());
            }
            response
        })
    }
}

/// The method as a label: the standard ones by name, others as `other`.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Method;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::method_label;
    use crate::app::testing;

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        let standard = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
        for name in standard {
            assert_eq!(method_label(&name.parse().unwrap()), name);
        }
        // A client cannot grow the number of series with made-up methods.
        assert_eq!(method_label(&"PROPFIND".parse().unwrap()), "other");
        assert_eq!(method_label(&Method::TRACE), "other");
    }

    #[tokio::test]
    async fn requests_are_counted_by_route_and_status_but_not_probes() {
        let state = testing::state().await;
        // `/api/health`, as `/api/ready` would use the database that other
        // tests are setting up.
        for uri in ["/api/health", "/no/such/path", "/no/other/path"] {
            testing::send(state.clone(), Method::GET, uri, Body::empty(), None).await;
        }
        let text = state.metrics.render();
        assert!(
            text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 2"#),
            "{text}"
        );
        assert!(!text.contains("/api/health"), "{text}");
        assert!(
            text.contains("http_request_duration_seconds_bucket"),
            "{text}"
        );
        assert!(text.contains("http_requests_in_flight 0"), "{text}");
<%- if p.database %>
        assert!(text.contains("db_pool_connections"), "{text}");
<%- endif %>
    }

    #[test]
    fn the_metrics_port_follows_the_bind_address() {
        let settings = |pairs: &[(&str, &str)]| {
            let pairs: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (crate::config::Env::var(k), v.to_string()))
                .collect();
            crate::config::Settings::from_lookup(|var| {
                pairs.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
            })
        };
        let default = settings(&[]).unwrap();
        assert_eq!(default.metrics_bind.to_string(), "127.0.0.1:9090");
        let pod = settings(&[("BIND", "0.0.0.0:8000")]).unwrap();
        assert_eq!(pod.metrics_bind.to_string(), "0.0.0.0:9090");
        let own = settings(&[("METRICS_BIND", "127.0.0.1:9999")]).unwrap();
        assert_eq!(own.metrics_bind.port(), 9999);
        let bad = settings(&[("METRICS_BIND", "metrics")]).unwrap_err();
        assert!(bad.var.ends_with("_METRICS_BIND"), "{bad}");
    }

    #[tokio::test]
    async fn the_metrics_port_serves_them() {
        let settings = crate::config::Settings {
            metrics_bind: "127.0.0.1:0".parse().unwrap(),
            ..Default::default()
        };
        let state = crate::app::AppState::new(settings).await.unwrap();
        let server = super::serve(&state).await.unwrap();
        // A plain HTTP/1.1 exchange over TCP, as a scraper makes it.
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nhost: prometheus\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).await.unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(
            text.contains("# TYPE http_requests_in_flight gauge"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
