//! `/api/posts`: create, read, update and delete posts as JSON.
//! Handlers stay thin: they read the request, call the model in
//! `models::post`, and answer with it.
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
use crate::app::models::post::{Post, PostPage, PostParams};

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
const UNIQUE: &[&str] = &[];
const REFERENCES: &[&str] = &[];

/// The post with `id` if it is the signed-in user's: another user's
/// is as good as none (404).
async fn find_own(state: &AppState, current: &CurrentUser, id: i64) -> Result<Post, AppError> {
    Post::find(&state.db, id)
        .await?
        .filter(|post| post.user_id == current.user.id)
        .ok_or(AppError::NotFound)
}

/// The fields of a JSON body, with the signed-in user as the owner whatever
/// the body says.
fn owned_fields(body: &[u8], current: &CurrentUser) -> Result<Fields, AppError> {
    let mut fields = Fields::json(body)?;
    let _ = fields.take::<Option<serde_json::Value>>("user_id");
    Ok(fields.or(serde_json::json!({ "user_id": current.user.id })))
}

/// `GET /api/posts?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/posts",
    operation_id = "posts_index",
    tag = "posts",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "One page of posts", body = PostPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Json<PostPage>, AppError> {
    let (page, per_page) = query.read()?;
    let page = Post::list_by_user_id(&state.db, current.user.id, page, per_page).await?;
    Ok(Json(page))
}
/// `GET /api/posts/{id}`
#[utoipa::path(
    get,
    path = "/api/posts/{id}",
    operation_id = "posts_show",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post")),
    responses(
        (status = 200, description = "The post", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody)
    )
)]
pub async fn show(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Json<Post>, AppError> {
    Ok(Json(find_own(&state, &current, id).await?))
}

/// `POST /api/posts`
#[utoipa::path(
    post,
    path = "/api/posts",
    operation_id = "posts_create",
    tag = "posts",
    security(("bearer" = [])),
    request_body = PostParams,
    responses(
        (status = 201, description = "Created", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = PostParams::from_fields(owned_fields(&body, &current)?)?;
    let post = Post::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/posts/{}", post.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(post),
    ))
}

/// `PUT /api/posts/{id}`: replaces the post. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
#[utoipa::path(
    put,
    path = "/api/posts/{id}",
    operation_id = "posts_update",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post")),
    request_body = PostParams,
    responses(
        (status = 200, description = "Replaced", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Post>, AppError> {
    find_own(&state, &current, id).await?;
    let params = PostParams::from_fields(owned_fields(&body, &current)?)?;
    let post = Post::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(post))
}

/// `PATCH /api/posts/{id}`: sets the fields the body gives; the others
/// keep their values.
#[utoipa::path(
    patch,
    path = "/api/posts/{id}",
    operation_id = "posts_patch",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post")),
    request_body = PostChanges,
    responses(
        (status = 200, description = "Updated", body = Post),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Post>, AppError> {
    let before = find_own(&state, &current, id).await?;
    let before = serde_json::to_value(before.params()).map_err(anyhow::Error::from)?;
    let params = PostParams::from_fields(owned_fields(&body, &current)?.or(before))?;
    let post = Post::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(post))
}

/// The body of a `PATCH`: any of the fields of a post, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct PostChanges {
    #[schema(required = false)]
    #[schema(max_length = 255)]
    pub title: String,
    #[schema(required = false)]
    pub published: bool,
}

/// `DELETE /api/posts/{id}`
#[utoipa::path(
    delete,
    path = "/api/posts/{id}",
    operation_id = "posts_destroy",
    tag = "posts",
    security(("bearer" = [])),
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody)
    )
)]
pub async fn destroy(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    find_own(&state, &current, id).await?;
    Post::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy),
    components(schemas(Post, PostParams, PostChanges, PostPage))
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
        let mut body = serde_json::to_value(PostParams::example(pool).await).unwrap();
        body["user_id"] = json!(auth::user(pool, OWNER).await.id);
        body
    }

    #[sqlx::test]
    async fn signing_in_is_required(pool: Pool) {
        let state = state(&pool).await;
        let routes = [
            (Method::GET, "/api/posts"),
            (Method::POST, "/api/posts"),
            (Method::GET, "/api/posts/1"),
            (Method::PUT, "/api/posts/1"),
            (Method::PATCH, "/api/posts/1"),
            (Method::DELETE, "/api/posts/1"),
        ];
        for (method, uri) in routes {
            let (status, body) =
                auth::send_as(state.clone(), None, method, uri, Body::empty(), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
            assert_eq!(body["message"], "Sign in first");
        }
    }

    #[sqlx::test]
    async fn each_user_reads_and_changes_only_their_own(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/posts", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let url = format!("/api/posts/{}", created["id"]);
        let other = auth::sign_in(&pool, "other@example.com").await;
        let as_other = |method: Method, uri: String| {
            let (state, other, body) = (state.clone(), other.clone(), input.to_string());
            async move {
                let json = Some("application/json");
                auth::send_as(state, Some(&other), method, &uri, Body::from(body), json).await
            }
        };
        let (status, page) = as_other(Method::GET, "/api/posts".to_string()).await;
        assert_eq!(
            (status, &page["total"]),
            (StatusCode::OK, &json!(0)),
            "{page}"
        );
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            let (status, _) = as_other(method.clone(), url.clone()).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        }
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));

        // A body naming another owner is ignored: rows belong to whoever
        // signed in to make or change them.
        let mut theirs = valid_body(&pool).await;
        theirs["user_id"] = json!(auth::user(&pool, "other@example.com").await.id);
        let (status, made) = call_json(state.clone(), Method::POST, "/api/posts", &theirs).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["user_id"], created["user_id"]);
        let (status, kept) = call_json(state.clone(), Method::PUT, &url, &theirs).await;
        assert_eq!(
            (status, &kept["user_id"]),
            (StatusCode::OK, &created["user_id"])
        );
    }

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/posts", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/posts/{id}");

        let (status, page) = get(&state, "/api/posts?page=1&per_page=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));
        let patch = json!({ "title": "changed" });
        let (status, patched) = call_json(state.clone(), Method::PATCH, &url, &patch).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["title"], patch["title"]);
        for (field, value) in input.as_object().unwrap() {
            if field != "title" {
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
        assert_eq!(body["errors"]["title"], json!(["is required"]));
        assert_eq!(body["errors"]["published"], json!(["is required"]));

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/posts").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/posts/999999999";
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
            async move { call_json(state, Method::POST, "/api/posts", &body).await }
        };
        let (status, body) = post(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], 422);
        assert_eq!(body["errors"]["title"], json!(["is required"]));
        assert_eq!(body["errors"]["published"], json!(["is required"]));

        let mut wrong = valid_body(&pool).await;
        wrong["title"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["title"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["published"] = json!("yes please");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["published"],
            json!(["must be true or false"])
        );

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/posts?page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["page"].is_array(), "{body}");
    }

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/posts", "/api/posts/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
}
