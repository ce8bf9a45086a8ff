//! `/api/notes`: create, read, update and delete notes as JSON.
//! Handlers stay thin: they read the request, call the model in
//! `models::note`, and answer with it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::app::AppState;
use crate::app::auth::CurrentUser;
use crate::app::errors::AppError;
use crate::app::errors::ErrorBody;
use crate::app::models::fields::{Fields, PageQuery, db_error};
use crate::app::models::note::{Note, NotePage, NoteParams};

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
const UNIQUE: &[&str] = &[];
const REFERENCES: &[&str] = &[];

/// `GET /api/notes?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/notes",
    operation_id = "notes_index",
    tag = "notes",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page of notes", body = NotePage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index(
    State(state): State<AppState>,
    _current: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Json<NotePage>, AppError> {
    let (page, per_page) = query.read()?;
    Ok(Json(Note::list(&state.db, page, per_page).await?))
}
/// `GET /api/notes/{id}`
#[utoipa::path(
    get,
    path = "/api/notes/{id}",
    operation_id = "notes_show",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the note")),
    responses(
        (status = 200, description = "The note", body = Note),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such note", body = ErrorBody)
    )
)]
pub async fn show(
    State(state): State<AppState>,
    _current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Note>, AppError> {
    let note = Note::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(note))
}

/// `POST /api/notes`
#[utoipa::path(
    post,
    path = "/api/notes",
    operation_id = "notes_create",
    tag = "notes",
    security(("bearer" = [])),
    request_body = NoteParams,
    responses(
        (status = 201, description = "Created", body = Note),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    _current: CurrentUser,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = NoteParams::from_fields(Fields::json(&body)?)?;
    let note = Note::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/notes/{}", note.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(note),
    ))
}

/// `PUT /api/notes/{id}`: replaces the note. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
#[utoipa::path(
    put,
    path = "/api/notes/{id}",
    operation_id = "notes_update",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the note")),
    request_body = NoteParams,
    responses(
        (status = 200, description = "Replaced", body = Note),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such note", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    _current: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Note>, AppError> {
    let params = NoteParams::from_fields(Fields::json(&body)?)?;
    let note = Note::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(note))
}

/// `PATCH /api/notes/{id}`: sets the fields the body gives; the others
/// keep their values.
#[utoipa::path(
    patch,
    path = "/api/notes/{id}",
    operation_id = "notes_patch",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the note")),
    request_body = NoteChanges,
    responses(
        (status = 200, description = "Updated", body = Note),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such note", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    _current: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Note>, AppError> {
    let current = Note::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let current = serde_json::to_value(current.params()).map_err(anyhow::Error::from)?;
    let params = NoteParams::from_fields(Fields::json(&body)?.or(current))?;
    let note = Note::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(note))
}

/// The body of a `PATCH`: any of the fields of a note, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct NoteChanges {
    #[schema(required = false)]
    pub body: String,
}

/// `DELETE /api/notes/{id}`
#[utoipa::path(
    delete,
    path = "/api/notes/{id}",
    operation_id = "notes_destroy",
    tag = "notes",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the note")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such note", body = ErrorBody)
    )
)]
pub async fn destroy(
    State(state): State<AppState>,
    _current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if Note::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy),
    components(schemas(Note, NoteParams, NoteChanges, NotePage))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Method;
    use serde_json::{Value, json};

    use super::*;
    use crate::app::auth::testing as auth;
    use crate::app::testing;
    use crate::db::Pool;

    /// Who these tests sign in as, unless they say otherwise.
    const OWNER: &str = "owner@example.com";

    /// Sends a request through the application, signed in as [`OWNER`].
    async fn send(
        state: AppState,
        method: Method,
        uri: &str,
        body: Body,
        content_type: Option<&str>,
    ) -> (StatusCode, Value) {
        let token = auth::sign_in(&state.db, OWNER).await;
        auth::send_as(state, Some(&token), method, uri, body, content_type).await
    }

    /// Sends `body` as JSON, signed in as [`OWNER`].
    async fn call_json(
        state: AppState,
        method: Method,
        uri: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let json = Some("application/json");
        send(state, method, uri, Body::from(body.to_string()), json).await
    }

    /// The application, on the test's own database.
    async fn state(pool: &Pool) -> AppState {
        let mut state = testing::state().await;
        state.db = pool.clone();
        state
    }

    /// A valid body, with the rows it refers to created first.
    async fn valid_body(pool: &Pool) -> Value {
        serde_json::to_value(NoteParams::example(pool).await).unwrap()
    }

    #[sqlx::test]
    async fn signing_in_is_required(pool: Pool) {
        let state = state(&pool).await;
        let routes = [
            (Method::GET, "/api/notes"),
            (Method::POST, "/api/notes"),
            (Method::GET, "/api/notes/1"),
            (Method::PUT, "/api/notes/1"),
            (Method::PATCH, "/api/notes/1"),
            (Method::DELETE, "/api/notes/1"),
        ];
        for (method, uri) in routes {
            let (status, body) =
                auth::send_as(state.clone(), None, method, uri, Body::empty(), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
            assert_eq!(body["message"], "Sign in first");
        }
    }

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/notes", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/notes/{id}");

        let (status, page) = get(&state, "/api/notes?page=1&per_page=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));
        let patch = json!({ "body": "changed" });
        let (status, patched) = call_json(state.clone(), Method::PATCH, &url, &patch).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["body"], patch["body"]);
        for (field, value) in input.as_object().unwrap() {
            if field != "body" {
                assert_eq!(&patched[field], value, "{field} is kept");
            }
        }
        let (status, replaced) = call_json(state.clone(), Method::PUT, &url, &input).await;
        assert_eq!(status, StatusCode::OK, "{replaced}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&replaced[field], value, "{field}");
        }
        // PUT replaces: the body is complete, as for POST.
        let (status, body) = call_json(state.clone(), Method::PUT, &url, &json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["body"], json!(["is required"]));

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/notes").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/notes/999999999";
        let (status, body) = get(&state, url).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(body, json!({"code": 404, "message": "Not found"}));
        for method in [Method::PUT, Method::PATCH] {
            let (status, _) = call_json(state.clone(), method, url, &input).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let (status, _) = send(state.clone(), Method::DELETE, url, Body::empty(), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[sqlx::test]
    async fn invalid_and_conflicting_fields_are_refused_by_field(pool: Pool) {
        let state = state(&pool).await;
        let post = |body: Value| {
            let state = state.clone();
            async move { call_json(state, Method::POST, "/api/notes", &body).await }
        };
        let (status, body) = post(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], 422);
        assert_eq!(body["errors"]["body"], json!(["is required"]));

        let mut wrong = valid_body(&pool).await;
        wrong["body"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["body"], json!(["must be a string"]));

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/notes?page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["page"].is_array(), "{body}");
    }

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/notes", "/api/notes/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
}
