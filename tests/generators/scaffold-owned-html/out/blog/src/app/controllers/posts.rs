//! `/api/posts`: create, read, update and delete posts as JSON;
//! `/posts`: the same as HTML pages with forms. Handlers stay thin: they
//! read the request, call the model in `models::post`, and answer with
//! it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::app::auth::CurrentUser;
use crate::app::errors::ErrorBody;
use crate::app::errors::{AppError, FieldErrors};
use crate::app::models::fields::{Fields, PageQuery, db_error, form_values};
use crate::app::models::post::{Post, PostPage, PostParams};
use crate::app::views::html;
use crate::app::views::html::posts::{FormPage, IndexPage, ShowPage};

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

/// The fields of a form, with the signed-in user as the owner whatever the
/// form says.
fn owned_form(pairs: Vec<(String, String)>, current: &CurrentUser) -> Fields {
    let pairs = pairs
        .into_iter()
        .filter(|(name, _)| name != "user_id")
        .collect();
    Fields::form(pairs).or(serde_json::json!({ "user_id": current.user.id.to_string() }))
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

/// `GET /posts?page=&per_page=`: the list page.
pub async fn index_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let (page, per_page) = query.read()?;
    let page = Post::list_by_user_id(&state.db, current.user.id, page, per_page).await?;
    html::render(&IndexPage { page })
}

/// `GET /posts/{id}`
pub async fn show_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let post = find_own(&state, &current, id).await?;
    html::render(&ShowPage { post })
}

/// `GET /posts/new`
pub async fn new_page(_current: CurrentUser) -> Result<Html<String>, AppError> {
    html::render(&FormPage::new_post(Default::default(), FieldErrors::new()))
}

/// `GET /posts/{id}/edit`
pub async fn edit_page(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let post = find_own(&state, &current, id).await?;
    let values = form_values(&serde_json::to_value(post.params()).map_err(anyhow::Error::from)?);
    html::render(&FormPage::edit(id, values, FieldErrors::new()))
}

/// A form sent back with its errors (422), or another error as it is.
fn form_errors(err: AppError, mut page: FormPage) -> Result<Response, AppError> {
    let status = err.status();
    match err {
        AppError::Invalid(errors) | AppError::Conflict(errors) => {
            page.errors = errors;
            Ok((status, html::render(&page)?).into_response())
        }
        other => Err(other),
    }
}

/// `POST /posts` from the new form: to the new post's page, or back to
/// the form with what is wrong.
pub async fn create_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let page = FormPage::new_post(pairs.iter().cloned().collect(), FieldErrors::new());
    let created = async {
        let params = PostParams::from_fields(owned_form(pairs, &current))?;
        let created = Post::create(&state.db, &params).await;
        created.map_err(|err| db_error(err, UNIQUE, REFERENCES))
    };
    match created.await {
        Ok(post) => Ok(Redirect::to(&format!("/posts/{}", post.id)).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /posts/{id}` from the edit form.
pub async fn update_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    find_own(&state, &current, id).await?;
    let page = FormPage::edit(id, pairs.iter().cloned().collect(), FieldErrors::new());
    let updated = async {
        let params = PostParams::from_fields(owned_form(pairs, &current))?;
        let updated = Post::update(&state.db, id, &params).await;
        // Not found when the row went away since it was looked up.
        updated
            .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
            .ok_or(AppError::NotFound)
    };
    match updated.await {
        Ok(_) => Ok(Redirect::to(&format!("/posts/{id}")).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /posts/{id}/delete` from the show page.
pub async fn destroy_form(
    State(state): State<AppState>,
    current: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
    find_own(&state, &current, id).await?;
    Post::delete(&state.db, id).await?;
    Ok(Redirect::to("/posts"))
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
        let token = if uri.starts_with("/api/") {
            auth::sign_in(&state.db, OWNER).await
        } else {
            auth::browser_session(&state.db, OWNER).await
        };
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
        // Pages send the browser to sign in, and back to the page after it.
        let pages = [
            (Method::GET, "/posts", "/session/new?return_to=%2Fposts"),
            (
                Method::GET,
                "/posts/new",
                "/session/new?return_to=%2Fposts%2Fnew",
            ),
            (
                Method::GET,
                "/posts/1",
                "/session/new?return_to=%2Fposts%2F1",
            ),
            (
                Method::GET,
                "/posts/1/edit",
                "/session/new?return_to=%2Fposts%2F1%2Fedit",
            ),
            (Method::POST, "/posts", "/session/new"),
            (Method::POST, "/posts/1", "/session/new"),
            (Method::POST, "/posts/1/delete", "/session/new"),
        ];
        for (method, uri, sign_in) in pages {
            let request = axum::http::Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap();
            let response = tower::ServiceExt::oneshot(crate::app::build(state.clone()), request)
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::SEE_OTHER, "{uri}");
            assert_eq!(response.headers()[header::LOCATION], sign_in, "{uri}");
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

        // The pages are the owner's too: another browser's session finds
        // nothing to show, edit or delete.
        let session = auth::browser_session(&pool, "other@example.com").await;
        let page = |method: Method, uri: String| {
            let (state, session) = (state.clone(), session.clone());
            async move {
                let form = Some("application/x-www-form-urlencoded");
                auth::send_as(state, Some(&session), method, &uri, Body::empty(), form).await
            }
        };
        let (status, index) = page(Method::GET, "/posts".to_string()).await;
        assert_eq!(status, StatusCode::OK);
        let id = &created["id"];
        assert!(
            !index.as_str().unwrap().contains(&format!("/posts/{id}\"")),
            "{index}"
        );
        for (method, uri) in [
            (Method::GET, format!("/posts/{id}")),
            (Method::GET, format!("/posts/{id}/edit")),
            (Method::POST, format!("/posts/{id}")),
            (Method::POST, format!("/posts/{id}/delete")),
        ] {
            assert_eq!(
                page(method, uri.clone()).await.0,
                StatusCode::NOT_FOUND,
                "{uri}"
            );
        }
        assert_eq!(get(&state, &url).await.0, StatusCode::OK);
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

    /// Sends a form the way a browser does.
    async fn submit(state: &AppState, uri: &str, form: &str) -> (StatusCode, Value) {
        let content_type = Some("application/x-www-form-urlencoded");
        send(
            state.clone(),
            Method::POST,
            uri,
            Body::from(form.to_string()),
            content_type,
        )
        .await
    }

    #[sqlx::test]
    async fn pages_and_forms(pool: Pool) {
        let state = state(&pool).await;
        let (status, page) = get(&state, "/posts/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.as_str()
                .unwrap()
                .contains("<form method=\"post\" action=\"/posts\">"),
            "{page}"
        );

        let input = valid_body(&pool).await;
        let encoded = form_of(&input);
        let (status, _) = submit(&state, "/posts", &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, listed) = get(&state, "/api/posts").await;
        let id = listed["items"][0]["id"]
            .as_i64()
            .expect("the form created a row");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&listed["items"][0][field], value, "{field}");
        }

        let (status, shown) = get(&state, &format!("/posts/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            shown
                .as_str()
                .unwrap()
                .contains(&format!("/posts/{id}/edit"))
        );
        let (status, edit) = get(&state, &format!("/posts/{id}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            edit.as_str()
                .unwrap()
                .contains(&format!("action=\"/posts/{id}\""))
        );
        let (status, index) = get(&state, "/posts").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            index
                .as_str()
                .unwrap()
                .contains(&format!("href=\"/posts/{id}\""))
        );

        let (status, _) = submit(&state, &format!("/posts/{id}"), &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        // Forms with errors come back with them, new and edited alike.
        for uri in ["/posts".to_string(), format!("/posts/{id}")] {
            let (status, again) = submit(&state, &uri, "").await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
            assert!(again.as_str().unwrap().contains("is required"), "{again}");
        }

        let delete = format!("/posts/{id}/delete");
        let (status, _) = submit(&state, &delete, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            get(&state, &format!("/posts/{id}")).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(submit(&state, &delete, "").await.0, StatusCode::NOT_FOUND);
    }

    /// The form a browser sends for the values of `input` (JSON params).
    fn form_of(input: &Value) -> String {
        form_values(input)
            .into_iter()
            .filter(|(_, v)| !v.is_empty() && v != "false")
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    #[sqlx::test]
    async fn a_database_failure_behind_a_form_is_a_500(pool: Pool) {
        let state = state(&pool).await;
        let encoded = form_of(&valid_body(&pool).await);
        let session = auth::browser_session(&pool, OWNER).await;
        pool.close().await;
        let form = Some("application/x-www-form-urlencoded");
        let body = Body::from(encoded);
        let (status, _) =
            auth::send_as(state, Some(&session), Method::POST, "/posts", body, form).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
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
