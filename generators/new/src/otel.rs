//! OpenTelemetry traces. When `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the
//! standard variable: the collector's base URL, such as
//! `http://otel-collector:4318`), every span, a request's and those its
//! handler opens, is exported over OTLP/HTTP in batches from a thread of
//! its own; without it nothing is exported and nothing is spent. The service
//! is named by `OTEL_SERVICE_NAME` (by default the package name), and
//! `OTEL_RESOURCE_ATTRIBUTES` adds attributes.
//!
//! W3C `traceparent` headers are read from incoming requests, so a request's
//! spans join its caller's trace, and sent with the HTTP client's requests.

use axum::http::HeaderMap;
use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The standard variable naming the collector.
pub const ENDPOINT_VAR: &str = "OTEL_EXPORTER_OTLP_ENDPOINT";

/// The provider for the collector `endpoint` names (the value of
/// [`ENDPOINT_VAR`]): none when it is unset or empty, or when it cannot be
/// used, which is said on stderr (logging is not set up yet).
pub fn from_endpoint(endpoint: Option<String>) -> Option<SdkTracerProvider> {
    let endpoint = endpoint.filter(|e| !e.is_empty())?;
    provider(&endpoint)
        .inspect_err(|err| eprintln!("not exporting traces to {endpoint}: {err}"))
        .ok()
}

/// Sends the spans still queued and stops exporting; a failure is said on
/// stderr (logging may be gone). Returns whether it succeeded.
pub fn shut_down(provider: &SdkTracerProvider) -> bool {
    provider
        .shutdown()
        .inspect_err(|err| eprintln!("could not send the last traces: {err}"))
        .is_ok()
}

/// A tracer provider exporting to the collector at `endpoint` (its base URL:
/// spans are posted to `{endpoint}/v1/traces`). Shut it down to send what
/// is still queued.
pub fn provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    crate::install_tls_provider();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
        .build()?;
    let service = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| env!("CARGO_PKG_NAME").to_string());
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// The tracing layer that turns spans into OpenTelemetry spans for
/// `provider`.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S>
where
    S: tracing::Subscriber
        + for<'span> tracing_subscriber::registry::LookupSpan<'span>
        + Send
        + Sync,
{
    let tracer = provider.tracer(env!("CARGO_PKG_NAME"));
    tracing_opentelemetry::layer().with_tracer(tracer)
}

/// Makes `span` a child of the trace named by the `traceparent` of
/// `headers`, when there is one.
pub fn continue_trace(span: &tracing::Span, headers: &HeaderMap) {
    let parent =
        TraceContextPropagator::new().extract(&opentelemetry_http::HeaderExtractor(headers));
    // A span that is not recorded (its level is off) has no trace to join.
    let _ = span.set_parent(parent);
}

/// Adds the `traceparent` of the current span to `headers`.
pub fn propagate(headers: &mut HeaderMap) {
    let context = tracing::Span::current().context();
    TraceContextPropagator::new()
        .inject_context(&context, &mut opentelemetry_http::HeaderInjector(headers));
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use axum::body::Bytes;
    use axum::extract::State;
    use axum::http::header;
    use axum::routing::post;
    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// What a collector received: each request's content type and body.
    type Received = Arc<Mutex<Vec<(String, Bytes)>>>;

    /// A collector on a free loopback port that keeps what it is sent.
    async fn collector() -> (String, Received) {
        let received = Received::default();
        let app = axum::Router::new()
            .route(
                "/v1/traces",
                post(
                    |State(received): State<Received>, headers: HeaderMap, body: Bytes| async move {
                        let kind = headers
                            .get(header::CONTENT_TYPE)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        received.lock().unwrap().push((kind, body));
                    },
                ),
            )
            .with_state(received.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (format!("http://{addr}"), received)
    }

    #[tokio::test]
    async fn traces_are_exported_only_to_a_usable_endpoint() {
        assert!(from_endpoint(None).is_none());
        assert!(from_endpoint(Some(String::new())).is_none());
        assert!(from_endpoint(Some("not a URL".to_string())).is_none());
        let (endpoint, _) = collector().await;
        let provider = from_endpoint(Some(endpoint)).unwrap();
        let stopped = tokio::task::spawn_blocking(move || {
            let first = shut_down(&provider);
            // Once stopped, it stays stopped: the second is refused.
            (first, shut_down(&provider))
        });
        assert_eq!(stopped.await.unwrap(), (true, false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn spans_reach_the_collector_in_the_callers_trace() {
        let (endpoint, received) = collector().await;
        let provider = provider(&endpoint).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer(&provider));
        let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let mut outgoing = HeaderMap::new();
        tracing::subscriber::with_default(subscriber, || {
            let mut incoming = HeaderMap::new();
            incoming.insert("traceparent", caller.parse().unwrap());
            let span = tracing::info_span!("checkout_request");
            continue_trace(&span, &incoming);
            let _entered = span.enter();
            propagate(&mut outgoing);
        });
        // The trace id is the caller's; the span id is this span's.
        let sent = outgoing["traceparent"].to_str().unwrap();
        assert!(
            sent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{sent}"
        );
        assert_ne!(sent, caller);
        // Shutting down sends what is queued, from the exporter's thread.
        tokio::task::spawn_blocking(move || provider.shutdown())
            .await
            .unwrap()
            .unwrap();
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 1);
        let (kind, body) = &received[0];
        assert_eq!(kind, "application/x-protobuf");
        let name = b"checkout_request";
        assert!(body.windows(name.len()).any(|w| w == name));
    }
}
