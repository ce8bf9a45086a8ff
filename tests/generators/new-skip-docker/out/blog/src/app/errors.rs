//! The one error type of every handler, and the JSON body of every error
//! response: `{"code": 404, "message": "Not found"}`. Details go to the
//! log, never to the client.

use std::any::Any;
use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The HTTP status code.
    pub code: u16,
    /// What went wrong, safe to show to a client.
    pub message: String,
    /// With 422: what is wrong with each field of the request, by field name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: FieldErrors,
}

/// Messages about the fields of a request, by field name.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Not found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unprocessable(String),
    /// Fields of the request are missing or wrong (422).
    #[error("{}", summary(.0))]
    Invalid(FieldErrors),
    /// Fields of the request conflict with the data (409): a unique value
    /// already taken, a referenced row that does not exist.
    #[error("{}", summary(.0))]
    Conflict(FieldErrors),
    /// A service the application needs (a database, Redis) does not answer
    /// (503: the application cannot do its work for now).
    #[error("Could not connect to {0}")]
    Unavailable(&'static str, #[source] anyhow::Error),
    /// The server is shutting down (503: other replicas take the traffic).
    #[error("Shutting down")]
    ShuttingDown,
    #[error("Internal server error")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable(_) | AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Unavailable(..) | AppError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            // The whole chain of causes, outermost first, in the request's
            // span (request id, method, route).
            let mut chain = vec![self.to_string()];
            let mut source = std::error::Error::source(&self);
            while let Some(cause) = source {
                chain.push(cause.to_string());
                source = cause.source();
            }
            tracing::error!(%status, error = %chain.join(": "), "request failed");
        }
        let message = self.to_string();
        let errors = match self {
            AppError::Invalid(errors) | AppError::Conflict(errors) => errors,
            _ => FieldErrors::new(),
        };
        let body = ErrorBody {
            code: status.as_u16(),
            message,
            errors,
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            // Worth trying again soon: a dependency or a restart.
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("5"));
        }
        response
    }
}

/// `title is required; published must be true or false`
fn summary(errors: &FieldErrors) -> String {
    let parts: Vec<String> = errors
        .iter()
        .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field} {m}")))
        .collect();
    parts.join("; ")
}

/// A JSON error response.
pub fn error_response(status: StatusCode, message: impl Into<String>) -> Response {
    let body = ErrorBody {
        code: status.as_u16(),
        message: message.into(),
        errors: FieldErrors::new(),
    };
    (status, Json(body)).into_response()
}

/// The fallback for paths no route matches.
pub async fn not_found() -> AppError {
    AppError::NotFound
}

/// Turns a handler panic into a 500 JSON response; the panic message goes to
/// the log only.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "handler panicked");
    error_response(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// Whether `response` is an error whose body is not JSON yet. An HTML page
/// (a form sent back with its errors) is left as the handler made it.
pub fn needs_json_body(response: &Response) -> bool {
    let status = response.status();
    let kept = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            let v = v.as_bytes();
            v.starts_with(b"application/json") || v.starts_with(b"text/html")
        });
    (status.is_client_error() || status.is_server_error()) && !kept
}

/// Client-error bodies longer than this are replaced, not passed on.
const MAX_ERROR_TEXT: usize = 1024;

/// Gives a JSON body to error responses made outside the handlers (405 from
/// the router, extractor rejections). Client errors keep their short text as
/// the message; server errors get the generic reason.
pub async fn json_error_body<B>(response: Response<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    let response = response.map(Body::new);
    if !needs_json_body(&response) {
        return response;
    }
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let reason = status.canonical_reason().unwrap_or("Error").to_string();
    let message = if status.is_client_error() {
        match axum::body::to_bytes(body, MAX_ERROR_TEXT).await {
            Ok(bytes) if !bytes.is_empty() => String::from_utf8(bytes.to_vec())
                .map(|text| text.trim().to_string())
                .unwrap_or(reason),
            _ => reason,
        }
    } else {
        reason
    };
    let body = ErrorBody {
        code: status.as_u16(),
        message,
        errors: FieldErrors::new(),
    };
    let bytes = serde_json::to_vec(&body).expect("an ErrorBody always serializes");
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(response: Response) -> ErrorBody {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn every_error_has_a_status_and_a_safe_message() {
        let cases = [
            (AppError::NotFound, 404, "Not found"),
            (AppError::BadRequest("bad page".into()), 400, "bad page"),
            (
                AppError::Unprocessable("title is required".into()),
                422,
                "title is required",
            ),
            (
                AppError::Internal(anyhow::anyhow!("database password is hunter2")),
                500,
                "Internal server error",
            ),
        ];
        for (error, code, message) in cases {
            let response = error.into_response();
            assert_eq!(response.status().as_u16(), code);
            let expected = ErrorBody {
                code,
                message: message.into(),
                errors: FieldErrors::new(),
            };
            assert_eq!(body_of(response).await, expected);
        }
    }

    #[tokio::test]
    async fn invalid_fields_are_listed_one_by_one() {
        let mut errors = FieldErrors::new();
        errors.insert("title".into(), vec!["is required".into()]);
        errors.insert("published".into(), vec!["must be true or false".into()]);
        let response = AppError::Invalid(errors.clone()).into_response();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = body_of(response).await;
        assert_eq!(
            body.message,
            "published must be true or false; title is required"
        );
        assert_eq!(body.errors, errors);
    }

    #[tokio::test]
    async fn conflicts_are_409_with_their_fields() {
        let mut errors = FieldErrors::new();
        errors.insert("email".into(), vec!["has already been taken".into()]);
        let response = AppError::Conflict(errors.clone()).into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        let body = body_of(response).await;
        assert_eq!(body.message, "email has already been taken");
        assert_eq!(body.errors, errors);
    }

    #[tokio::test]
    async fn text_error_bodies_become_json() {
        let text = (StatusCode::PAYLOAD_TOO_LARGE, "length limit exceeded").into_response();
        let response = json_error_body(text).await;
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
        assert_eq!(body_of(response).await.message, "length limit exceeded");

        let server = (StatusCode::BAD_GATEWAY, "upstream said: secret").into_response();
        let body = body_of(json_error_body(server).await).await;
        assert_eq!(body.message, "Bad Gateway");

        let page = (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::response::Html("<p>title is required</p>"),
        )
            .into_response();
        let kept = json_error_body(page).await;
        assert_eq!(
            kept.headers()[header::CONTENT_TYPE],
            "text/html; charset=utf-8"
        );

        let ok = json_error_body("fine".into_response()).await;
        assert_eq!(ok.status(), StatusCode::OK);
    }

    #[test]
    fn panics_are_logged_not_shown() {
        let response = panic_response(Box::new("index out of bounds".to_string()));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let response = panic_response(Box::new(42_u8));
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
