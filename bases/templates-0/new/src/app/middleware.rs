//! The production middleware, written for the fast path: a request that is
//! answered at once costs no allocation, no timer and no system call here.
//!
//! - Panics in a handler become a 500 JSON error (the message goes to the
//!   log).
//! - A declared body larger than the limit is a 413 before the handler runs
//!   (extractors enforce the same limit on bodies without a length, through
//!   axum's `DefaultBodyLimit`).
//! - The request timeout's timer is armed only when the handler first has to
//!   wait: a timer for every request cost more than the rest of the
//!   middleware together. A request still running at the limit is a 408.
//! - With `<@ p.env_prefix @>_LOG_LEVEL` at debug for this module
//!   (`info,<@ p.crate_name @>::app::middleware=debug`), each request is logged
//!   (method, path, status, latency, request id); otherwise nothing is
//!   measured.
//! - Every request has an `x-request-id`: the caller's, or a new one
//!   (`<process>-<n>`: fixed per process start, then a counter, so no random
//!   number is drawn per request); the response carries it back.
//! - Error responses made outside the handlers (405, extractor rejections)
//!   get a JSON body; other responses pass straight through.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderName, HeaderValue, Method, Request, StatusCode, header};
use axum::response::Response;
use tokio::time::Sleep;
use tower::{Layer, Service};

use super::errors;

/// See the module documentation.
#[derive(Debug, Clone, Copy)]
pub struct GuardLayer {
    timeout: Duration,
    body_limit: usize,
}

impl GuardLayer {
    pub fn new(timeout: Duration, body_limit: usize) -> Self {
        Self {
            timeout,
            body_limit,
        }
    }
}

impl<S> Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Guard {
            inner,
            limits: *self,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Guard<S> {
    inner: S,
    limits: GuardLayer,
}

impl<S, B> Service<Request<B>> for Guard<S>
where
    S: Service<Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let id = match request.headers().get(X_REQUEST_ID) {
            Some(id) => id.clone(),
            None => next_request_id(),
        };
        let log = tracing::enabled!(tracing::Level::DEBUG).then(|| RequestLog {
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            started: Instant::now(),
        });
        let declared = request
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|len| len > self.limits.body_limit) {
            let response =
                errors::error_response(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large");
            return GuardFuture::Done {
                response: Some(response),
                id,
                log,
            };
        }
        match std::panic::catch_unwind(AssertUnwindSafe(|| self.inner.call(request))) {
            Ok(inner) => GuardFuture::Running {
                inner,
                timeout: self.limits.timeout,
                sleep: None,
                id,
                log,
            },
            Err(panic) => GuardFuture::Done {
                response: Some(errors::panic_response(panic)),
                id,
                log,
            },
        }
    }
}

/// What is logged of a request, kept only when debug logging is on.
#[derive(Debug)]
pub struct RequestLog {
    method: Method,
    path: String,
    started: Instant,
}

type Converting = Pin<Box<dyn Future<Output = Response> + Send>>;

pin_project_lite::pin_project! {
    /// The handler's future (and its timer, once it had to wait); or, for an
    /// error without a JSON body, its conversion; or an answer made here.
    #[project = GuardProj]
    pub enum GuardFuture<F> {
        Running { #[pin] inner: F, timeout: Duration, sleep: Option<Pin<Box<Sleep>>>, id: HeaderValue, log: Option<RequestLog> },
        Converting { converting: Converting, id: HeaderValue, log: Option<RequestLog> },
        Done { response: Option<Response>, id: HeaderValue, log: Option<RequestLog> },
    }
}

impl<F, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (response, id, log) = loop {
            match self.as_mut().project() {
                GuardProj::Running {
                    inner,
                    timeout,
                    sleep,
                    id,
                    log,
                } => {
                    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
                    match polled {
                        Err(panic) => {
                            break (errors::panic_response(panic), id.clone(), log.take());
                        }
                        Ok(Poll::Ready(Ok(response))) if errors::needs_json_body(&response) => {
                            let converting = Box::pin(errors::json_error_body(response));
                            let (id, log) = (id.clone(), log.take());
                            self.set(GuardFuture::Converting {
                                converting,
                                id,
                                log,
                            });
                        }
                        Ok(Poll::Ready(Ok(response))) => break (response, id.clone(), log.take()),
                        Ok(Poll::Ready(Err(e))) => return Poll::Ready(Err(e)),
                        Ok(Poll::Pending) => {
                            let limit = *timeout;
                            let sleep =
                                sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
                            if sleep.as_mut().poll(cx).is_pending() {
                                return Poll::Pending;
                            }
                            let response = errors::error_response(
                                StatusCode::REQUEST_TIMEOUT,
                                "Request Timeout",
                            );
                            break (response, id.clone(), log.take());
                        }
                    }
                }
                GuardProj::Converting {
                    converting,
                    id,
                    log,
                } => match converting.as_mut().poll(cx) {
                    Poll::Ready(response) => break (response, id.clone(), log.take()),
                    Poll::Pending => return Poll::Pending,
                },
                GuardProj::Done { response, id, log } => {
                    let response = response.take().expect("polled after completion");
                    break (response, id.clone(), log.take());
                }
            }
        };
        if let Some(log) = log {
            tracing::debug!(
                method = %log.method,
                path = %log.path,
                status = response.status().as_u16(),
                latency_us = log.started.elapsed().as_micros() as u64,
                request_id = ?id,
                "request"
            );
        }
        let mut response = response;
        response.headers_mut().insert(X_REQUEST_ID, id);
        Poll::Ready(Ok(response))
    }
}

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

static PROCESS: LazyLock<String> = LazyLock::new(|| {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", nanos & 0xffff_ffff_ffff, std::process::id())
});
static NEXT: AtomicU64 = AtomicU64::new(1);

/// A new request id, `<process>-<n>`, formatted without the `fmt` machinery.
fn next_request_id() -> HeaderValue {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let prefix = PROCESS.as_bytes();
    let mut buf = [0u8; 64];
    buf[..prefix.len()].copy_from_slice(prefix);
    let mut at = prefix.len();
    buf[at] = b'-';
    at += 1;
    let mut digits = [0u8; 20];
    let mut len = 0;
    let mut rest = n;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for d in digits[..len].iter().rev() {
        buf[at] = *d;
        at += 1;
    }
    HeaderValue::from_bytes(&buf[..at]).expect("hex digits, a dash and digits")
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::body::Body;
    use axum::routing::{get, post};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(5)).await;
        "late"
    }

    async fn boom() -> &'static str {
        panic!("the handler failed")
    }

    fn app() -> impl Service<Request<Body>, Response = Response, Error = std::convert::Infallible> {
        let router = Router::new()
            .route("/slow", get(slow))
            .route("/boom", get(boom))
            .route("/echo", post(|body: String| async move { body }));
        GuardLayer::new(Duration::from_millis(50), 8).layer(router)
    }

    async fn send(request: Request<Body>) -> (StatusCode, serde_json::Value, HeaderValue) {
        let response = app().oneshot(request).await.unwrap();
        let id = response.headers()[X_REQUEST_ID].clone();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, body, id)
    }

    fn get_request(uri: &str) -> Request<Body> {
        Request::builder().uri(uri).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn slow_handlers_time_out_with_json() {
        let (status, body, _) = send(get_request("/slow")).await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT);
        assert_eq!(body["code"], 408);
    }

    #[tokio::test]
    async fn panics_become_json_500s() {
        let (status, body, _) = send(get_request("/boom")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["message"], "Internal server error");
    }

    #[tokio::test]
    async fn declared_bodies_over_the_limit_are_413s() {
        let request = Request::post("/echo")
            .header(header::CONTENT_LENGTH, "9")
            .body(Body::from("123456789"))
            .unwrap();
        let (status, body, _) = send(request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["code"], 413);
    }

    #[tokio::test]
    async fn request_ids_are_new_or_passed_on() {
        let (_, _, first) = send(get_request("/missing")).await;
        let (_, _, second) = send(get_request("/missing")).await;
        assert_ne!(first, second);
        let request = Request::builder()
            .uri("/missing")
            .header(X_REQUEST_ID, "abc-1")
            .body(Body::empty())
            .unwrap();
        let (status, _, id) = send(request).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(id, "abc-1");
    }

    #[tokio::test]
    async fn requests_are_logged_at_debug() {
        crate::telemetry::init("debug", crate::config::LogFormat::Json);
        let (status, _, _) = send(get_request("/missing")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}
