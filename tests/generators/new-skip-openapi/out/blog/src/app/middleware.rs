//! Every layer between the server and the routes, in one place, from the
//! outside in. Each is tower-http's, configured from the settings
//! (`BLOG_*`, listed in the README).
//!
//! Around the whole router ([`around`]):
//!
//! - `Authorization`, `Cookie` and `Proxy-Authorization` are marked
//!   sensitive, so no log line or span shows them;
//! - every request has an `x-request-id`: the caller's when it is a sane
//!   one, otherwise `<process>-<n>` (fixed per process start, then a
//!   counter, so ids do not collide across replicas and restarts); the
//!   response carries it back;
//! - security headers on every response (`X-Content-Type-Options`,
//!   `Referrer-Policy`; on HTML pages `Content-Security-Policy` and
//!   `X-Frame-Options`; `Strict-Transport-Security` with
//!   `BLOG_HSTS`);
//! - gzip for clients that accept it (`BLOG_COMPRESSION`);
//! - error responses made outside the handlers (405, 413, 504, extractor
//!   rejections) get a JSON body; HTML pages are left as they are.
//!
//! Inside each route ([`route_layers`], where the matched route is known):
//!
//! - a tracing span per request carries the request id, method, path and
//!   matched route, so every log line written while serving the request has
//!   them; when the response is ready, one `info` line gives its status and
//!   latency (`BLOG_REQUEST_LOG=false` turns these lines off;
//!   the probes `/api/health` and `/api/ready` log at debug);
//! - `Set-Cookie` is marked sensitive, as the request's headers are;
//! - a form a browser sends from another site (a `POST`, `PUT`, `PATCH` or
//!   `DELETE` outside `/api`) is a 403, so no other site can act through a
//!   user's cookies ([`same_origin_forms`]);
//! - every form carries a token that must match the browser's `form_token`
//!   cookie, or it is a 403 too ([`form_tokens`]);
//! - CORS for the origins of `BLOG_CORS_ORIGINS` (none by
//!   default);
//! - a panic in a handler is a 500 (the message goes to the log);
//! - a handler still running after `BLOG_REQUEST_TIMEOUT` is a
//!   504 (the server, not the client, took too long);
//! - a body over `BLOG_BODY_LIMIT` is a 413.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use axum::response::IntoResponse;
use tokio::task::futures::TaskLocalFuture;
use tower::layer::layer_fn;
use tower::util::{Either, MapResponse, Oneshot};
use tower::{Service, ServiceBuilder, ServiceExt};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{Compression, CompressionBody};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::{
    SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{OnResponse, TraceLayer};
use tracing::{Level, Span};

use super::errors;
use crate::config::Settings;

/// The header that carries the request id, both ways.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The layers that run inside each route (and around the handler for
/// unknown paths), where the matched route is known: the request's span and
/// log line, CORS, the panic guard, the timeout and the body limit.
/// Everything they answer (preflights, 500, 504, 413) is logged with the
/// request.
pub fn route_layers<S>(router: Router<S>, settings: &Settings) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let cors = (!settings.cors_origins.is_empty()).then(|| cors(&settings.cors_origins));
    let layers = ServiceBuilder::new()
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(RequestLog {
                    enabled: settings.request_log,
                })
                .on_failure(()),
        )
        // Inside the span's layer, so that it sees the header marked.
        .layer(SetSensitiveResponseHeadersLayer::new([header::SET_COOKIE]))
        .layer(axum::middleware::from_fn(same_origin_forms))
        // Reads forms up to the body limit.
        .layer(axum::middleware::from_fn_with_state(
            settings.body_limit,
            form_tokens,
        ))
        // Inside the span's layer, so that preflight requests are logged too.
        .option_layer(cors)
        .layer(CatchPanicLayer::custom(errors::panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            settings.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(settings.body_limit));
    // The limit is the layer's; axum's own default would be a second one.
    router.layer(DefaultBodyLimit::disable()).layer(layers)
}

/// The application: `app` (its routes already inside [`route_layers`])
/// inside the layers that do not need the matched route, applied once
/// around the router rather than in every route.
pub fn around(
    app: Router,
    settings: &Settings,
) -> impl Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = Infallible,
    Future: Send,
> + Clone
+ Send
+ Sync
+ use<> {
    let hsts = settings.hsts.then(|| {
        SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        )
    });
    let gzip = settings
        .compression
        .then(|| layer_fn(GzipWhenAccepted::new));
    ServiceBuilder::new()
        .map_response(IntoResponse::into_response)
        .layer(SetSensitiveRequestHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::PROXY_AUTHORIZATION,
        ]))
        .map_request(drop_unusable_request_id)
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, ProcessCounter))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        .layer(layer_fn(ScopeRequestId))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            for_html(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            for_html("DENY"),
        ))
        .option_layer(hsts)
        .option_layer(gzip)
        .layer(axum::middleware::map_response(errors::json_error_body))
        .service(app)
}

/// gzip, by tower-http's layer, for the requests whose `Accept-Encoding`
/// names gzip (or `*`); the others go around it. That layer examines and
/// wraps every response, even for a client that never asks for gzip: measured
/// with callgrind on a scaffold's `GET /api/posts/{id}` through the whole
/// application, it cost 5% of the request (4,800 of 92,000 instructions).
#[derive(Clone)]
pub struct GzipWhenAccepted<S> {
    plain: S,
    gzip: Compression<S>,
}

impl<S: Clone> GzipWhenAccepted<S> {
    fn new(inner: S) -> Self {
        Self {
            gzip: Compression::new(inner.clone()),
            plain: inner,
        }
    }
}

type Gzipped<S> = MapResponse<
    Compression<S>,
    fn(Response<CompressionBody<axum::body::Body>>) -> axum::response::Response,
>;

impl<S> Service<axum::extract::Request> for GzipWhenAccepted<S>
where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone,
{
    type Response = axum::response::Response;
    type Error = Infallible;
    type Future = Oneshot<Either<Gzipped<S>, S>, axum::extract::Request>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Each request takes a clone of the service it needs, readied by
        // `oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        let accepts = request
            .headers()
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .any(|value| {
                value
                    .to_str()
                    .is_ok_and(|v| v.contains('*') || v.to_ascii_lowercase().contains("gzip"))
            });
        let service = if accepts {
            let boxed: fn(Response<CompressionBody<axum::body::Body>>) -> axum::response::Response =
                |response| response.map(axum::body::Body::new);
            Either::Left(self.gzip.clone().map_response(boxed))
        } else {
            Either::Right(self.plain.clone())
        };
        service.oneshot(request)
    }
}

/// Refuses what a browser sends from another site to change something
/// outside `/api`, as Go's `http.CrossOriginProtection` does: a
/// `Sec-Fetch-Site` other than `same-origin` or `none`, or, from browsers too
/// old to send it, an `Origin` whose host is not the request's `Host`.
/// Requests with neither header do not come from a browser's form (curl, the
/// tests, other servers) and pass. `/api` routes take bearer tokens, never
/// cookies, so no other site can act through them; CORS governs who may
/// read their answers.
pub async fn same_origin_forms(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    if is_cross_site(&request) {
        tracing::warn!("cross-site request refused");
        return errors::error_response(StatusCode::FORBIDDEN, "Cross-site requests are refused");
    }
    next.run(request).await
}

fn is_cross_site<B>(request: &Request<B>) -> bool {
    let path = request.uri().path();
    if request.method().is_safe() || path == "/api" || path.starts_with("/api/") {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let host = headers.get(header::HOST).map(HeaderValue::as_bytes);
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, host)| host.as_bytes());
    origin_host.is_none() || origin_host != host
}

/// The cookie holding the browser's form token, and the field of every form
/// that repeats it.
pub const FORM_TOKEN_COOKIE: &str = "form_token";
pub const FORM_TOKEN_FIELD: &str = "authenticity_token";

tokio::task_local! {
    /// The form token of the request being served.
    static FORM_TOKEN: String;
}

/// The token for the forms of the page being rendered, for a hidden field:
/// `<input type="hidden" name="authenticity_token" value="{{
/// crate::app::middleware::form_token() }}">`. Empty outside a request.
pub fn form_token() -> String {
    FORM_TOKEN.try_with(Clone::clone).unwrap_or_default()
}

/// Checks the token of every form, as a second line behind
/// [`same_origin_forms`] (the double-submit pattern: another site can
/// neither read the browser's cookie nor set it for this site's forms).
/// Outside `/api`:
///
/// - a browser without a `form_token` cookie gets one with its first page
///   (random, `HttpOnly`, `SameSite=Lax`), and [`form_token`] gives it to the
///   page's forms;
/// - a form (`application/x-www-form-urlencoded`) sent with a `POST`, `PUT`,
///   `PATCH` or `DELETE` must carry the cookie's token in its
///   `authenticity_token` field, which is taken out before the handler reads
///   the form; a form without it, or with another, is a 403;
/// - a `multipart/form-data` or `text/plain` body, which only a form of
///   another site would send, is a 403 as well.
pub async fn form_tokens(
    axum::extract::State(body_limit): axum::extract::State<usize>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let path = request.uri().path();
    if path == "/api" || path.starts_with("/api/") {
        return next.run(request).await;
    }
    let cookie = token_cookie(request.headers());
    let request = if request.method().is_safe() {
        request
    } else {
        match checked_form(request, cookie.as_deref(), body_limit).await {
            Ok(request) => request,
            Err(response) => return response,
        }
    };
    let token = cookie.clone().unwrap_or_else(new_form_token);
    let mut response = FORM_TOKEN.scope(token.clone(), next.run(request)).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if cookie.is_none() && is_html {
        let value = format!("{FORM_TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax");
        if let Ok(value) = HeaderValue::try_from(value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// A new form token: 244 random bits, as 64 hex digits.
fn new_form_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The browser's form token, when its cookie holds a well-formed one.
fn token_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == FORM_TOKEN_COOKIE)
        .map(|(_, value)| value.to_string())
        .filter(|value| value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The request, with the token field taken out of its form, when the form
/// carries the browser's token; else the 403 (or 413) to answer.
async fn checked_form(
    request: axum::extract::Request,
    cookie: Option<&str>,
    body_limit: usize,
) -> Result<axum::extract::Request, axum::response::Response> {
    let refused = |message: &str| {
        tracing::warn!(message, "form refused");
        errors::error_response(StatusCode::FORBIDDEN, message)
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") || content_type.starts_with("text/plain") {
        return Err(refused("Forms of this kind are not accepted"));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok(request);
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, body_limit).await else {
        return Err(errors::error_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The body is larger than the limit",
        ));
    };
    let mut sent = None;
    let mut rest = Vec::new();
    for pair in bytes.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix(format!("{FORM_TOKEN_FIELD}=").as_bytes()) {
            Some(value) if sent.is_none() => sent = Some(value),
            _ => rest.push(pair),
        }
    }
    let matches = match (cookie, sent) {
        (Some(cookie), Some(sent)) => same_bytes(cookie.as_bytes(), sent),
        _ => false,
    };
    if !matches {
        return Err(refused(
            "The form's token is missing or out of date; reload the page and send it again",
        ));
    }
    let body = axum::body::Body::from(rest.join(&b'&'));
    Ok(axum::extract::Request::from_parts(parts, body))
}

/// Whether `a` and `b` are equal, in a time that does not depend on where
/// they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// What HTML pages may load: only this application's own scripts, styles,
/// images and forms, and no framing by other sites.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// A header value for HTML responses only.
fn for_html<B>(value: &'static str) -> impl Fn(&Response<B>) -> Option<HeaderValue> + Clone {
    let value = HeaderValue::from_static(value);
    move |response| {
        response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|t| t.as_bytes().starts_with(b"text/html"))
            .then(|| value.clone())
    }
}

/// CORS for `origins` (`*`: any origin, without credentials).
fn cors(origins: &[String]) -> CorsLayer {
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, X_REQUEST_ID])
        .expose_headers([X_REQUEST_ID])
        .max_age(Duration::from_secs(3600))
}

/// An incoming `x-request-id` is kept when it is 1 to 128 characters of
/// letters, digits and `-_.:`; anything else is replaced by a new id.
fn drop_unusable_request_id<B>(mut request: Request<B>) -> Request<B> {
    let usable = request.headers().get(X_REQUEST_ID).map(|id| {
        let id = id.as_bytes();
        (1..=128).contains(&id.len())
            && id
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
    });
    if usable == Some(false) {
        request.headers_mut().remove(X_REQUEST_ID);
    }
    request
}

/// Fixed per process start: the time in milliseconds and the process id.
static PROCESS: LazyLock<String> = LazyLock::new(|| {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    format!("{:x}{:x}", millis & 0xffff_ffff_ffff, std::process::id())
});
static NEXT: AtomicU64 = AtomicU64::new(1);

/// Request ids `<process>-<n>`: no random number is drawn per request.
#[derive(Debug, Clone, Copy)]
pub struct ProcessCounter;

impl MakeRequestId for ProcessCounter {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Sized once: `format!` grew the string twice, for every request.
        let mut id = String::with_capacity(PROCESS.len() + 21);
        id.push_str(&PROCESS);
        id.push('-');
        let _ = write!(id, "{n}");
        let id = HeaderValue::try_from(id).ok()?;
        Some(RequestId::new(id))
    }
}

/// Paths the orchestrator calls every few seconds: their spans and log
/// lines are at debug, not info.
const PROBES: [&str; 2] = ["/api/health", "/api/ready"];

/// The span of a request.
fn request_span<B>(request: &Request<B>) -> Span {
    let id = request
        .headers()
        .get(X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    let method = request.method().as_str();
    let path = request.uri().path();
    if PROBES.contains(&path) {
        tracing::debug_span!("request", request_id = id, method, path, route)
    } else {
        tracing::info_span!("request", request_id = id, method, path, route)
    }
}

/// The line logged for each response, at the level of its request's span.
#[derive(Debug, Clone, Copy)]
struct RequestLog {
    enabled: bool,
}

impl<B> OnResponse<B> for RequestLog {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        if !self.enabled {
            return;
        }
        let status = response.status().as_u16();
        let latency_ms = latency.as_secs_f64() * 1000.0;
        if span
            .metadata()
            .is_some_and(|span| *span.level() == Level::INFO)
        {
            tracing::info!(status, latency_ms, "request");
        } else {
            tracing::debug!(status, latency_ms, "request");
        }
    }
}

tokio::task_local! {
    static REQUEST_ID: Option<HeaderValue>;
}

/// The id of the request being served by this task, which the HTTP client
/// passes on (tasks spawned by a handler do not see it).
pub fn current_request_id() -> Option<HeaderValue> {
    REQUEST_ID.try_with(Option::clone).ok().flatten()
}

/// Runs the rest of the request with its id in [`current_request_id`]: a
/// task-local scope around the inner service's future (axum's `from_fn`
/// would box the inner service and the future of every request for it).
#[derive(Debug, Clone)]
struct ScopeRequestId<S>(S);

impl<S, B> Service<Request<B>> for ScopeRequestId<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = TaskLocalFuture<Option<HeaderValue>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let id = request.headers().get(X_REQUEST_ID).cloned();
        REQUEST_ID.scope(id, self.0.call(request))
    }
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::response::Html;
    use axum::routing::{get, post};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn boom() -> &'static str {
        panic!("the handler failed")
    }

    fn app(
        settings: &Settings,
    ) -> impl Service<Request<Body>, Response = Response<Body>, Error = Infallible> + Clone {
        let router = Router::new()
            // A handler that never answers.
            .route("/slow", get(std::future::pending::<&'static str>))
            .route("/boom", get(boom))
            .route("/page", get(|| async { Html("<p>hello</p>") }))
            .route("/token", get(|| async { form_token() }))
            .route("/big", get(|| async { "word ".repeat(1000) }))
            .route("/echo", post(|body: String| async move { body }))
            .route("/api/echo", post(|body: String| async move { body }));
        around(route_layers(router, settings), settings)
    }

    fn settings() -> Settings {
        Settings {
            request_timeout: Duration::from_millis(50),
            body_limit: 8,
            ..Settings::default()
        }
    }

    async fn send_with(
        settings: &Settings,
        request: Request<Body>,
    ) -> (Response<Body>, serde_json::Value) {
        let response = app(settings).oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (Response::from_parts(parts, Body::empty()), body)
    }

    async fn send(request: Request<Body>) -> (Response<Body>, serde_json::Value) {
        send_with(&settings(), request).await
    }

    fn get_request(uri: &str) -> Request<Body> {
        Request::builder().uri(uri).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn forms_from_other_sites_are_refused() {
        let request = |method: Method, uri: &str, headers: &[(&str, &str)]| {
            let mut request = Request::builder().method(method).uri(uri);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            request.body(Body::from("x")).unwrap()
        };
        let cases = [
            // A browser says where the request comes from.
            (
                Method::POST,
                "/echo",
                &[("sec-fetch-site", "cross-site")][..],
                403,
            ),
            (
                Method::POST,
                "/echo",
                &[("sec-fetch-site", "same-site")][..],
                403,
            ),
            (
                Method::POST,
                "/echo",
                &[("sec-fetch-site", "same-origin")][..],
                200,
            ),
            (
                Method::POST,
                "/echo",
                &[("sec-fetch-site", "none")][..],
                200,
            ),
            // Older browsers only send `Origin`.
            (
                Method::POST,
                "/echo",
                &[("origin", "https://evil.example"), ("host", "app.example")][..],
                403,
            ),
            (
                Method::POST,
                "/echo",
                &[("origin", "null"), ("host", "app.example")][..],
                403,
            ),
            (
                Method::POST,
                "/echo",
                &[("origin", "https://app.example"), ("host", "app.example")][..],
                200,
            ),
            // Not a browser's form.
            (Method::POST, "/echo", &[][..], 200),
            // Reading is never refused, nor is the API.
            (
                Method::GET,
                "/page",
                &[("sec-fetch-site", "cross-site")][..],
                200,
            ),
            (
                Method::POST,
                "/api/echo",
                &[("sec-fetch-site", "cross-site")][..],
                200,
            ),
        ];
        for (method, uri, headers, status) in cases {
            let settings = Settings {
                body_limit: 1024,
                ..settings()
            };
            let (response, body) =
                send_with(&settings, request(method.clone(), uri, headers)).await;
            assert_eq!(
                response.status().as_u16(),
                status,
                "{method} {uri} {headers:?}"
            );
            if status == 403 {
                assert_eq!(body["message"], "Cross-site requests are refused");
            }
        }
    }

    #[tokio::test]
    async fn forms_carry_the_token_of_the_browser_s_cookie() {
        let settings = Settings {
            body_limit: 1024,
            ..settings()
        };
        // The first page gives the browser its token, for the forms.
        let (response, _) = send_with(&settings, get_request("/page")).await;
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        let cookie = cookie.to_string();
        let flags = "; Path=/; HttpOnly; SameSite=Lax";
        assert!(cookie.ends_with(flags), "{cookie}");
        let token = cookie
            .strip_prefix("form_token=")
            .and_then(|rest| rest.split(';').next())
            .unwrap()
            .to_string();
        assert_eq!(token.len(), 64);
        let (again, _) = send_with(&settings, get_request("/page")).await;
        assert_ne!(
            again.headers()[header::SET_COOKIE].to_str().unwrap(),
            cookie
        );
        let with_cookie = Request::get("/token")
            .header(header::COOKIE, format!("a=1; form_token={token}"))
            .body(Body::empty())
            .unwrap();
        let response = app(&settings).oneshot(with_cookie).await.unwrap();
        assert!(response.headers().get(header::SET_COOKIE).is_none());
        let shown = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(shown, token, "the page's forms get the cookie's token");
        assert_eq!(form_token(), "", "no token outside a request");

        let form = |cookie: Option<&str>, body: String, content_type: &str| {
            let mut request = Request::post("/echo").header(header::CONTENT_TYPE, content_type);
            if let Some(cookie) = cookie {
                request = request.header(header::COOKIE, format!("form_token={cookie}"));
            }
            request.body(Body::from(body)).unwrap()
        };
        let urlencoded = "application/x-www-form-urlencoded";
        let good = form(
            Some(&token),
            format!("a=1&authenticity_token={token}&b=2"),
            urlencoded,
        );
        let response = app(&settings).oneshot(good).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let echoed = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(
            echoed, "a=1&b=2",
            "the handler reads the form without the token"
        );
        let other = "0".repeat(64);
        for (cookie, body, content_type) in [
            (Some(token.as_str()), "a=1".to_string(), urlencoded),
            (None, format!("authenticity_token={token}"), urlencoded),
            (
                Some(token.as_str()),
                format!("authenticity_token={other}"),
                urlencoded,
            ),
            (
                Some("short"),
                "authenticity_token=short".to_string(),
                urlencoded,
            ),
            (
                Some(token.as_str()),
                format!("authenticity_token={token}"),
                "multipart/form-data; boundary=x",
            ),
            (
                Some(token.as_str()),
                format!("authenticity_token={token}"),
                "text/plain",
            ),
        ] {
            let (response, body) = send_with(&settings, form(cookie, body, content_type)).await;
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{cookie:?} {content_type}"
            );
            assert_eq!(body["code"], 403);
        }
        // JSON, which no other site's form can send, and the API pass.
        let json = form(None, "{}".to_string(), "application/json");
        assert_eq!(send_with(&settings, json).await.0.status(), StatusCode::OK);
        let api = Request::post("/api/echo")
            .header(header::CONTENT_TYPE, urlencoded)
            .body(Body::from("a=1"))
            .unwrap();
        assert_eq!(send_with(&settings, api).await.0.status(), StatusCode::OK);
        // A form over the limit is a 413.
        let big = form(Some(&token), "a".repeat(2000), urlencoded);
        assert_eq!(
            send_with(&settings, big).await.0.status(),
            StatusCode::PAYLOAD_TOO_LARGE
        );
    }

    #[tokio::test]
    async fn slow_handlers_time_out_with_a_json_504() {
        let (response, body) = send(get_request("/slow")).await;
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body["code"], 504);
    }

    #[tokio::test]
    async fn panics_become_json_500s() {
        let (response, body) = send(get_request("/boom")).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["message"], "Internal server error");
    }

    #[tokio::test]
    async fn bodies_over_the_limit_are_json_413s() {
        let declared = Request::post("/echo")
            .header(header::CONTENT_LENGTH, "9")
            .body(Body::from("123456789"))
            .unwrap();
        let (response, body) = send(declared).await;
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(body["code"], 413);
        let small = Request::post("/echo").body(Body::from("1234")).unwrap();
        let (response, _) = send(small).await;
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn request_ids_are_new_or_passed_on() {
        let (first, _) = send(get_request("/missing")).await;
        let (second, _) = send(get_request("/missing")).await;
        let first = &first.headers()[X_REQUEST_ID];
        let second = &second.headers()[X_REQUEST_ID];
        assert_ne!(first, second);
        let prefix = |id: &HeaderValue| id.to_str().unwrap().rsplit_once('-').unwrap().0.to_owned();
        assert_eq!(prefix(first), prefix(second), "one prefix per process");
        let kept = Request::builder()
            .uri("/missing")
            .header(X_REQUEST_ID, "abc-1")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(kept).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[X_REQUEST_ID], "abc-1");
        let replaced = Request::builder()
            .uri("/missing")
            .header(X_REQUEST_ID, "a b<script>")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(replaced).await;
        assert_ne!(response.headers()[X_REQUEST_ID], "a b<script>");
    }

    #[tokio::test]
    async fn security_headers_and_html_only_ones() {
        let (json, _) = send(get_request("/missing")).await;
        assert_eq!(json.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(json.headers().contains_key(header::REFERRER_POLICY));
        assert!(!json.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(
            !json
                .headers()
                .contains_key(header::STRICT_TRANSPORT_SECURITY)
        );
        let (page, _) = send(get_request("/page")).await;
        assert_eq!(page.headers()[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(
            page.headers()[header::CONTENT_SECURITY_POLICY],
            CONTENT_SECURITY_POLICY
        );
        let hsts = Settings {
            hsts: true,
            ..settings()
        };
        let (response, _) = send_with(&hsts, get_request("/page")).await;
        assert!(
            response.headers()[header::STRICT_TRANSPORT_SECURITY]
                .to_str()
                .unwrap()
                .starts_with("max-age=")
        );
    }

    #[tokio::test]
    async fn cors_only_for_the_configured_origins() {
        let preflight = |origin: &str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/echo")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .body(Body::empty())
                .unwrap()
        };
        let (response, _) = send(preflight("https://app.example.com")).await;
        assert!(
            !response
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
        let allowed = Settings {
            cors_origins: vec!["https://app.example.com".to_string()],
            ..settings()
        };
        let (response, _) = send_with(&allowed, preflight("https://app.example.com")).await;
        assert_eq!(
            response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example.com"
        );
        let (response, _) = send_with(&allowed, preflight("https://evil.example.net")).await;
        assert!(
            !response
                .headers()
                .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        );
        let any = Settings {
            cors_origins: vec!["*".to_string()],
            ..settings()
        };
        let (response, _) = send_with(&any, preflight("https://evil.example.net")).await;
        assert_eq!(response.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    /// The log lines written while `request` is served, as JSON.
    async fn logged(settings: &Settings, request: Request<Body>) -> Vec<serde_json::Value> {
        let capture = crate::telemetry::CapturedLines::default();
        let router = Router::new()
            .route(
                "/api/posts/{id}",
                get(|| async {
                    tracing::warn!("looking it up");
                    let cause =
                        anyhow::anyhow!("connection refused").context("database query failed");
                    errors::AppError::Internal(cause)
                }),
            )
            .route("/api/ready", get(|| async { "ok" }));
        let app = around(route_layers(router, settings), settings);
        // tracing decides once per log statement whether anyone listens,
        // when it first runs, and caches that for every thread. With a
        // single subscriber alive it asks only the deciding thread's own
        // (none, on another test's thread), and would cache "nobody" for a
        // statement that another test runs first; a second, silent
        // subscriber kept alive makes it ask them all. The statements run
        // once before, and their decisions are made again with this
        // subscriber in place.
        let warm_up = Request::builder()
            .uri(request.uri())
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(warm_up).await.unwrap();
        let _logging = crate::telemetry::LOGGING.lock().await;
        let _silent = tracing::Dispatch::new(tracing::subscriber::NoSubscriber::new());
        let _default = tracing::subscriber::set_default(capture.subscriber());
        tracing::callsite::rebuild_interest_cache();
        app.oneshot(request).await.unwrap();
        capture.lines()
    }

    #[tokio::test]
    async fn every_line_of_a_request_carries_its_id_and_no_secrets() {
        let request = Request::builder()
            .uri("/api/posts/7")
            .header(X_REQUEST_ID, "req-7")
            .header(header::AUTHORIZATION, "Bearer s3cr3t-token")
            .header(header::COOKIE, "session=s3cr3t-cookie")
            .body(Body::empty())
            .unwrap();
        let lines = logged(&settings(), request).await;
        let messages: Vec<&str> = lines
            .iter()
            .map(|l| l["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["looking it up", "request failed", "request"]);
        for line in &lines {
            assert_eq!(line["span"]["request_id"], "req-7", "{line}");
            assert_eq!(line["span"]["method"], "GET");
            assert_eq!(line["span"]["route"], "/api/posts/{id}");
            assert!(!line.to_string().contains("s3cr3t"), "{line}");
        }
        assert_eq!(
            lines[1]["error"],
            "Internal server error: database query failed: connection refused"
        );
        assert_eq!(lines[2]["level"], "INFO");
        assert_eq!(lines[2]["status"], 500);
        assert!(lines[2]["latency_ms"].as_f64().is_some());
    }

    #[tokio::test]
    async fn probes_log_at_debug_and_request_logs_can_be_turned_off() {
        let lines = logged(&settings(), get_request("/api/ready")).await;
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["level"], "DEBUG");
        let off = Settings {
            request_log: false,
            ..settings()
        };
        let lines = logged(&off, get_request("/api/posts/1")).await;
        let messages: Vec<&str> = lines
            .iter()
            .map(|l| l["message"].as_str().unwrap())
            .collect();
        assert_eq!(messages, ["looking it up", "request failed"]);
    }

    #[tokio::test]
    async fn large_bodies_are_gzipped_for_clients_that_ask() {
        let request = || {
            Request::builder()
                .uri("/big")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap()
        };
        let (response, _) = send(request()).await;
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
        let off = Settings {
            compression: false,
            ..settings()
        };
        let (response, _) = send_with(&off, request()).await;
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
        let (response, _) = send(get_request("/big")).await;
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
        let refused = Request::builder()
            .uri("/big")
            .header(header::ACCEPT_ENCODING, "br, GZIP;q=0")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(refused).await;
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
        let any = Request::builder()
            .uri("/big")
            .header(header::ACCEPT_ENCODING, "*")
            .body(Body::empty())
            .unwrap();
        let (response, _) = send(any).await;
        assert_eq!(response.headers()[header::CONTENT_ENCODING], "gzip");
    }
}
