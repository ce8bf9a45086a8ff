//! `/api/comments`: create, read, update and delete comments as JSON.
//! Handlers stay thin: they read the request, call the model in
//! `models::comment`, and answer with it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::app::AppState;
use crate::app::errors::AppError;
use crate::app::errors::ErrorBody;
use crate::app::models::comment::{Comment, CommentPage, CommentParams};
use crate::app::models::fields::{Fields, PageQuery, db_error};

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
const UNIQUE: &[&str] = &[];
const REFERENCES: &[&str] = &["post_id"];

/// `GET /api/comments?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/comments",
    operation_id = "comments_index",
    tag = "comments",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of comments", body = CommentPage),
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Json<CommentPage>, AppError> {
    let (page, per_page) = query.read()?;
    Ok(Json(Comment::list(&state.db, page, per_page).await?))
}
/// `GET /api/posts/{id}/comments?page=&per_page=`: the post's comments.
#[utoipa::path(
    get,
    path = "/api/posts/{id}/comments",
    operation_id = "comments_index_of_post",
    tag = "comments",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post"), PageQuery),
    responses(
        (status = 200, description = "One page of the post's comments", body = CommentPage),
        (status = 400, description = "The id, page or per_page is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index_of_post(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Json<CommentPage>, AppError> {
    let (page, per_page) = query.read()?;
    let post = crate::app::models::post::Post::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(
        Comment::list_by_post_id(&state.db, post.id, page, per_page).await?,
    ))
}
/// `GET /api/comments/{id}`
#[utoipa::path(
    get,
    path = "/api/comments/{id}",
    operation_id = "comments_show",
    tag = "comments",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the comment")),
    responses(
        (status = 200, description = "The comment", body = Comment),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody)
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Comment>, AppError> {
    let comment = Comment::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(comment))
}

/// `POST /api/comments`
#[utoipa::path(
    post,
    path = "/api/comments",
    operation_id = "comments_create",
    tag = "comments",
    request_body = CommentParams,
    responses(
        (status = 201, description = "Created", body = Comment),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = CommentParams::from_fields(Fields::json(&body)?)?;
    let comment = Comment::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/comments/{}", comment.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(comment),
    ))
}

/// `PUT /api/comments/{id}`: replaces the comment. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
#[utoipa::path(
    put,
    path = "/api/comments/{id}",
    operation_id = "comments_update",
    tag = "comments",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the comment")),
    request_body = CommentParams,
    responses(
        (status = 200, description = "Replaced", body = Comment),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Comment>, AppError> {
    let params = CommentParams::from_fields(Fields::json(&body)?)?;
    let comment = Comment::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(comment))
}

/// `PATCH /api/comments/{id}`: sets the fields the body gives; the others
/// keep their values.
#[utoipa::path(
    patch,
    path = "/api/comments/{id}",
    operation_id = "comments_patch",
    tag = "comments",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the comment")),
    request_body = CommentChanges,
    responses(
        (status = 200, description = "Updated", body = Comment),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Comment>, AppError> {
    let current = Comment::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = serde_json::to_value(current.params()).map_err(anyhow::Error::from)?;
    let params = CommentParams::from_fields(Fields::json(&body)?.or(current))?;
    let comment = Comment::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(comment))
}

/// The body of a `PATCH`: any of the fields of a comment, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CommentChanges {
    #[schema(required = false)]
    pub post_id: i64,
    #[schema(required = false)]
    pub body: String,
    #[schema(required = false)]
    #[schema(max_length = 255)]
    pub author: Option<String>,
}

/// `DELETE /api/comments/{id}`
#[utoipa::path(
    delete,
    path = "/api/comments/{id}",
    operation_id = "comments_destroy",
    tag = "comments",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the comment")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such comment", body = ErrorBody)
    )
)]
pub async fn destroy(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if Comment::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy, index_of_post),
    components(schemas(Comment, CommentParams, CommentChanges, CommentPage))
)]
pub struct ApiDoc;

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Method;
    use serde_json::{Value, json};

    use super::*;
    use crate::app::testing::{self, call_json, send};
    use crate::db::Pool;

    /// The application, on the test's own database.
    async fn state(pool: &Pool) -> AppState {
        let mut state = testing::state().await;
        state.db = pool.clone();
        state
    }

    /// A valid body, with the rows it refers to created first.
    async fn valid_body(pool: &Pool) -> Value {
        serde_json::to_value(CommentParams::example(pool).await).unwrap()
    }

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }
    #[sqlx::test]
    async fn lists_the_comments_of_a_post(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) =
            call_json(state.clone(), Method::POST, "/api/comments", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // Another comment, of another post.
        let other = valid_body(&pool).await;
        let (status, body) = call_json(state.clone(), Method::POST, "/api/comments", &other).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uri = format!("/api/posts/{}/comments?per_page=10", created["post_id"]);
        let (status, page) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            (&page["total"], &page["items"][0]),
            (&json!(1), &created),
            "{page}"
        );
        let (status, _) = get(&state, &format!("/api/posts/{}/comments", i64::MAX)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) =
            call_json(state.clone(), Method::POST, "/api/comments", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/comments/{id}");

        let (status, page) = get(&state, "/api/comments?page=1&per_page=10").await;
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
        assert_eq!(body["errors"]["post_id"], json!(["is required"]));
        assert_eq!(body["errors"]["body"], json!(["is required"]));

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/comments").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/comments/999999999";
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
            async move { call_json(state, Method::POST, "/api/comments", &body).await }
        };
        let (status, body) = post(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], 422);
        assert_eq!(body["errors"]["post_id"], json!(["is required"]));
        assert_eq!(body["errors"]["body"], json!(["is required"]));

        let mut wrong = valid_body(&pool).await;
        wrong["post_id"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["post_id"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["post_id"] = json!(i64::MAX);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["post_id"], json!(["does not exist"]));

        let mut wrong = valid_body(&pool).await;
        wrong["body"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["body"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["author"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["author"], json!(["must be a string"]));

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/comments?page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["page"].is_array(), "{body}");
    }

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/comments", "/api/comments/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
}
