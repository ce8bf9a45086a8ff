<%- if s.html -%>
//! `/api/<@ s.url @>`: create, read, update and delete <@ s.human_plural @> as JSON;
//! `/<@ s.url @>`: the same as HTML pages with forms. Handlers stay thin: they
//! read the request, call the model in `models::<@ s.model @>`, and answer with
//! it.
<%- else -%>
//! `/api/<@ s.url @>`: create, read, update and delete <@ s.human_plural @> as JSON.
//! Handlers stay thin: they read the request, call the model in
//! `models::<@ s.model @>`, and answer with it.
<%- endif %>
<%- if s.html %>
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::app::AppState;
<%- if s.auth %>
use crate::app::auth::CurrentUser;
<%- endif %>
<%- if s.openapi %>
use crate::app::errors::ErrorBody;
<%- endif %>
use crate::app::errors::{AppError, FieldErrors};
<%- if s.model_before_fields %>
use crate::app::models::<@ s.model @>::{<@ s.pascal @>, <@ s.pascal @>Page, <@ s.pascal @>Params};
<%- endif %>
use crate::app::models::fields::{Fields, PageQuery, db_error, form_values};
<%- if not s.model_before_fields %>
use crate::app::models::<@ s.model @>::{<@ s.pascal @>, <@ s.pascal @>Page, <@ s.pascal @>Params};
<%- endif %>
use crate::app::views::html;
use crate::app::views::html::<@ s.plural @>::{FormPage, IndexPage, ShowPage};
<%- else %>
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::app::AppState;
<%- if s.auth %>
use crate::app::auth::CurrentUser;
<%- endif %>
use crate::app::errors::AppError;
<%- if s.openapi %>
use crate::app::errors::ErrorBody;
<%- endif %>
<%- if s.model_before_fields %>
use crate::app::models::<@ s.model @>::{<@ s.pascal @>, <@ s.pascal @>Page, <@ s.pascal @>Params};
<%- endif %>
use crate::app::models::fields::{Fields, PageQuery, db_error};
<%- if not s.model_before_fields %>
use crate::app::models::<@ s.model @>::{<@ s.pascal @>, <@ s.pascal @>Page, <@ s.pascal @>Params};
<%- endif %>
<%- endif %>

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
<@ s.unique @>
<@ s.references @>
<%- if s.owned %>

/// The <@ s.human @> with `id` if it is the signed-in user's: another user's
/// is as good as none (404).
async fn find_own(state: &AppState, current: &CurrentUser, id: i64) -> Result<<@ s.pascal @>, AppError> {
    <@ s.pascal @>::find(&state.db, id)
        .await?
        .filter(|<@ s.var @>| <@ s.var @>.user_id == current.user.id)
        .ok_or(AppError::NotFound)
}

/// The fields of a JSON body, with the signed-in user as the owner whatever
/// the body says.
fn owned_fields(body: &[u8], current: &CurrentUser) -> Result<Fields, AppError> {
    let mut fields = Fields::json(body)?;
    let _ = fields.take::<Option<serde_json::Value>>("user_id");
    Ok(fields.or(serde_json::json!({ "user_id": current.user.id })))
}
<%- if s.html %>

/// The fields of a form, with the signed-in user as the owner whatever the
/// form says.
fn owned_form(pairs: Vec<(String, String)>, current: &CurrentUser) -> Fields {
    let pairs = pairs.into_iter().filter(|(name, _)| name != "user_id").collect();
    Fields::form(pairs).or(serde_json::json!({ "user_id": current.user.id.to_string() }))
}
<%- endif %>
<%- endif %>

/// `GET /api/<@ s.url @>?page=&per_page=`
<%- if s.openapi %>
#[utoipa::path(
    get,
    path = "/api/<@ s.url @>",
    operation_id = "<@ s.plural @>_index",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(PageQuery),
    responses(
        (status = 200, description = "One page of <@ s.human_plural @>", body = <@ s.pascal @>Page),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn index(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Query(query): Query<PageQuery>,
) -> Result<Json<<@ s.pascal @>Page>, AppError> {
    let (page, per_page) = query.read()?;
<%- if s.owned %>
    let page = <@ s.pascal @>::list_by_user_id(&state.db, current.user.id, page, per_page).await?;
    Ok(Json(page))
<%- else %>
    Ok(Json(<@ s.pascal @>::list(&state.db, page, per_page).await?))
<%- endif %>
}

<%- for n in s.nested %>
/// `GET /api/<@ n.parent_url @>/{id}/<@ s.url @>?page=&per_page=`: the <@ n.human @>'s <@ s.human_plural @>.
<%- if s.openapi %>
#[utoipa::path(
    get,
    path = "/api/<@ n.parent_url @>/{id}/<@ s.url @>",
    operation_id = "<@ s.plural @>_<@ n.handler @>",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the <@ n.human @>"), PageQuery),
    responses(
        (status = 200, description = "One page of the <@ n.human @>'s <@ s.human_plural @>", body = <@ s.pascal @>Page),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The id, page or per_page is not a whole number", body = ErrorBody),
        (status = 404, description = "No such <@ n.human @>", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn <@ n.handler @>(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Json<<@ s.pascal @>Page>, AppError> {
    let (page, per_page) = query.read()?;
    let <@ n.var @> = crate::app::models::<@ n.module @>::<@ n.pascal @>::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(<@ s.pascal @>::list_by_<@ n.field @>(&state.db, <@ n.var @>.id, page, per_page).await?))
}

<%- endfor %>
/// `GET /api/<@ s.url @>/{id}`
<%- if s.openapi %>
#[utoipa::path(
    get,
    path = "/api/<@ s.url @>/{id}",
    operation_id = "<@ s.plural @>_show",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the <@ s.human @>")),
    responses(
        (status = 200, description = "The <@ s.human @>", body = <@ s.pascal @>),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such <@ s.human @>", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn show(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
) -> Result<Json<<@ s.pascal @>>, AppError> {
<%- if s.owned %>
    Ok(Json(find_own(&state, &current, id).await?))
<%- else %>
    let <@ s.var @> = <@ s.pascal @>::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(<@ s.var @>))
<%- endif %>
}

/// `POST /api/<@ s.url @>`
<%- if s.openapi %>
#[utoipa::path(
    post,
    path = "/api/<@ s.url @>",
    operation_id = "<@ s.plural @>_create",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    request_body = <@ s.pascal @>Params,
    responses(
        (status = 201, description = "Created", body = <@ s.pascal @>),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
<%- if s.conflicts %>
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
<%- endif %>
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn create(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = <@ s.pascal @>Params::from_fields(<% if s.owned %>owned_fields(&body, &current)?<% else %>Fields::json(&body)?<% endif %>)?;
    let <@ s.var @> = <@ s.pascal @>::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/<@ s.url @>/{}", <@ s.var @>.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(<@ s.var @>),
    ))
}

/// `PUT /api/<@ s.url @>/{id}`: replaces the <@ s.human @>. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
<%- if s.openapi %>
#[utoipa::path(
    put,
    path = "/api/<@ s.url @>/{id}",
    operation_id = "<@ s.plural @>_update",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the <@ s.human @>")),
    request_body = <@ s.pascal @>Params,
    responses(
        (status = 200, description = "Replaced", body = <@ s.pascal @>),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such <@ s.human @>", body = ErrorBody),
<%- if s.conflicts %>
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
<%- endif %>
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn update(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<<@ s.pascal @>>, AppError> {
<%- if s.owned %>
    find_own(&state, &current, id).await?;
    let params = <@ s.pascal @>Params::from_fields(owned_fields(&body, &current)?)?;
<%- else %>
    let params = <@ s.pascal @>Params::from_fields(Fields::json(&body)?)?;
<%- endif %>
    let <@ s.var @> = <@ s.pascal @>::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(<@ s.var @>))
}

/// `PATCH /api/<@ s.url @>/{id}`: sets the fields the body gives; the others
/// keep their values.
<%- if s.openapi %>
#[utoipa::path(
    patch,
    path = "/api/<@ s.url @>/{id}",
    operation_id = "<@ s.plural @>_patch",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the <@ s.human @>")),
    request_body = <@ s.pascal @>Changes,
    responses(
        (status = 200, description = "Updated", body = <@ s.pascal @>),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such <@ s.human @>", body = ErrorBody),
<%- if s.conflicts %>
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
<%- endif %>
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn patch(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<<@ s.pascal @>>, AppError> {
<%- if s.owned %>
    let before = find_own(&state, &current, id).await?;
    let before = serde_json::to_value(before.params()).map_err(anyhow::Error::from)?;
    let params = <@ s.pascal @>Params::from_fields(owned_fields(&body, &current)?.or(before))?;
<%- else %>
    let current = <@ s.pascal @>::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let current = serde_json::to_value(current.params()).map_err(anyhow::Error::from)?;
    let params = <@ s.pascal @>Params::from_fields(Fields::json(&body)?.or(current))?;
<%- endif %>
    let <@ s.var @> = <@ s.pascal @>::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(<@ s.var @>))
}
<%- if s.openapi %>

/// The body of a `PATCH`: any of the fields of a <@ s.human @>, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct <@ s.pascal @>Changes {
<%- for f in s.changes %>
    #[schema(required = false)]
<%- if f.schema is not none %>
    <@ f.schema | indent(4) @>
<%- endif %>
    pub <@ f.name @>: <@ f.ty @>,
<%- endfor %>
<%- if s.changes %>
}
<%- else %>}
<%- endif %>
<%- endif %>

/// `DELETE /api/<@ s.url @>/{id}`
<%- if s.openapi %>
#[utoipa::path(
    delete,
    path = "/api/<@ s.url @>/{id}",
    operation_id = "<@ s.plural @>_destroy",
    tag = "<@ s.url @>",
<%- if s.auth %>
    security(("bearer" = [])),
<%- endif %>
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the <@ s.human @>")),
    responses(
        (status = 204, description = "Deleted"),
<%- if s.auth %>
        (status = 401, description = "Not signed in", body = ErrorBody),
<%- endif %>
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such <@ s.human @>", body = ErrorBody)
    )
)]
<%- endif %>
pub async fn destroy(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
<%- if s.owned %>
    find_own(&state, &current, id).await?;
    <@ s.pascal @>::delete(&state.db, id).await?;
    Ok(StatusCode::NO_CONTENT)
<%- else %>
    if <@ s.pascal @>::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
<%- endif %>
}
<%- if s.html %>

/// `GET /<@ s.url @>?page=&per_page=`: the list page.
pub async fn index_page(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let (page, per_page) = query.read()?;
<%- if s.owned %>
    let page = <@ s.pascal @>::list_by_user_id(&state.db, current.user.id, page, per_page).await?;
<%- else %>
    let page = <@ s.pascal @>::list(&state.db, page, per_page).await?;
<%- endif %>
    html::render(&IndexPage { page })
}

/// `GET /<@ s.url @>/{id}`
pub async fn show_page(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
<%- if s.owned %>
    let <@ s.var @> = find_own(&state, &current, id).await?;
<%- else %>
    let <@ s.var @> = <@ s.pascal @>::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
<%- endif %>
    html::render(&ShowPage { <@ s.var @> })
}

/// `GET /<@ s.url @>/new`
<%- if s.auth %>
pub async fn new_page(_current: CurrentUser) -> Result<Html<String>, AppError> {
<%- else %>
pub async fn new_page() -> Result<Html<String>, AppError> {
<%- endif %>
    html::render(&FormPage::new_<@ s.var @>(Default::default(), FieldErrors::new()))
}

/// `GET /<@ s.url @>/{id}/edit`
pub async fn edit_page(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
<%- if s.owned %>
    let <@ s.var @> = find_own(&state, &current, id).await?;
<%- else %>
    let <@ s.var @> = <@ s.pascal @>::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
<%- endif %>
    let values = form_values(&serde_json::to_value(<@ s.var @>.params()).map_err(anyhow::Error::from)?);
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

/// `POST /<@ s.url @>` from the new form: to the new <@ s.human @>'s page, or back to
/// the form with what is wrong.
pub async fn create_form(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let page = FormPage::new_<@ s.var @>(pairs.iter().cloned().collect(), FieldErrors::new());
    let created = async {
        let params = <@ s.pascal @>Params::from_fields(<% if s.owned %>owned_form(pairs, &current)<% else %>Fields::form(pairs)<% endif %>)?;
        let created = <@ s.pascal @>::create(&state.db, &params).await;
        created.map_err(|err| db_error(err, UNIQUE, REFERENCES))
    };
    match created.await {
        Ok(<@ s.var @>) => Ok(Redirect::to(&format!("/<@ s.url @>/{}", <@ s.var @>.id)).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /<@ s.url @>/{id}` from the edit form.
pub async fn update_form(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
<%- if s.owned %>
    find_own(&state, &current, id).await?;
<%- else %>
    <@ s.pascal @>::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
<%- endif %>
    let page = FormPage::edit(id, pairs.iter().cloned().collect(), FieldErrors::new());
    let updated = async {
        let params = <@ s.pascal @>Params::from_fields(<% if s.owned %>owned_form(pairs, &current)<% else %>Fields::form(pairs)<% endif %>)?;
        let updated = <@ s.pascal @>::update(&state.db, id, &params).await;
        // Not found when the row went away since it was looked up.
        updated.map_err(|err| db_error(err, UNIQUE, REFERENCES))?.ok_or(AppError::NotFound)
    };
    match updated.await {
        Ok(_) => Ok(Redirect::to(&format!("/<@ s.url @>/{id}")).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /<@ s.url @>/{id}/delete` from the show page.
pub async fn destroy_form(
    State(state): State<AppState>,
<%- if s.auth %>
    <@ s.current @>: CurrentUser,
<%- endif %>
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
<%- if s.owned %>
    find_own(&state, &current, id).await?;
    <@ s.pascal @>::delete(&state.db, id).await?;
    Ok(Redirect::to("/<@ s.url @>"))
<%- else %>
    if <@ s.pascal @>::delete(&state.db, id).await? {
        Ok(Redirect::to("/<@ s.url @>"))
    } else {
        Err(AppError::NotFound)
    }
<%- endif %>
}
<%- endif %>
<%- if s.openapi %>

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy<% for n in s.nested %>, <@ n.handler @><% endfor %>),
    components(schemas(<@ s.pascal @>, <@ s.pascal @>Params, <@ s.pascal @>Changes, <@ s.pascal @>Page))
)]
pub struct ApiDoc;
<%- endif %>

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Method;
    use serde_json::{Value, json};

    use super::*;
<%- if s.auth %>
    use crate::app::auth::testing as auth;
    use crate::app::testing;
<%- else %>
    use crate::app::testing::{self, call_json, send};
<%- endif %>
    use crate::db::Pool;
<%- if s.auth %>

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
<%- if s.html %>
        let token = if uri.starts_with("/api/") {
            auth::sign_in(&state.db, OWNER).await
        } else {
            auth::browser_session(&state.db, OWNER).await
        };
<%- else %>
        let token = auth::sign_in(&state.db, OWNER).await;
<%- endif %>
        auth::send_as(state, Some(&token), method, uri, body, content_type).await
    }

    /// Sends `body` as JSON, signed in as [`OWNER`].
    async fn call_json(state: AppState, method: Method, uri: &str, body: &Value) -> (StatusCode, Value) {
        let json = Some("application/json");
        send(state, method, uri, Body::from(body.to_string()), json).await
    }
<%- endif %>

    /// The application, on the test's own database.
    async fn state(pool: &Pool) -> AppState {
        let mut state = testing::state().await;
        state.db = pool.clone();
        state
    }

    /// A valid body, with the rows it refers to created first.
    async fn valid_body(pool: &Pool) -> Value {
<%- if s.owned %>
        let mut body = serde_json::to_value(<@ s.pascal @>Params::example(pool).await).unwrap();
        body["user_id"] = json!(auth::user(pool, OWNER).await.id);
        body
<%- else %>
        serde_json::to_value(<@ s.pascal @>Params::example(pool).await).unwrap()
<%- endif %>
    }
<%- if s.auth %>

    #[sqlx::test]
    async fn signing_in_is_required(pool: Pool) {
        let state = state(&pool).await;
        let routes = [
            (Method::GET, "/api/<@ s.url @>"),
            (Method::POST, "/api/<@ s.url @>"),
            (Method::GET, "/api/<@ s.url @>/1"),
            (Method::PUT, "/api/<@ s.url @>/1"),
            (Method::PATCH, "/api/<@ s.url @>/1"),
            (Method::DELETE, "/api/<@ s.url @>/1"),
<%- for n in s.nested %>
            (Method::GET, "/api/<@ n.parent_url @>/1/<@ s.url @>"),
<%- endfor %>
        ];
        for (method, uri) in routes {
            let (status, body) =
                auth::send_as(state.clone(), None, method, uri, Body::empty(), None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{uri}");
            assert_eq!(body["message"], "Sign in first");
        }
<%- if s.html %>
        // Pages send the browser to sign in, and back to the page after it.
        let pages = [
            (Method::GET, "/<@ s.url @>", "/session/new?return_to=%2F<@ s.url @>"),
            (Method::GET, "/<@ s.url @>/new", "/session/new?return_to=%2F<@ s.url @>%2Fnew"),
            (Method::GET, "/<@ s.url @>/1", "/session/new?return_to=%2F<@ s.url @>%2F1"),
            (Method::GET, "/<@ s.url @>/1/edit", "/session/new?return_to=%2F<@ s.url @>%2F1%2Fedit"),
            (Method::POST, "/<@ s.url @>", "/session/new"),
            (Method::POST, "/<@ s.url @>/1", "/session/new"),
            (Method::POST, "/<@ s.url @>/1/delete", "/session/new"),
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
<%- endif %>
    }
<%- endif %>
<%- if s.owned %>

    #[sqlx::test]
    async fn each_user_reads_and_changes_only_their_own(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/<@ s.url @>", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let url = format!("/api/<@ s.url @>/{}", created["id"]);
        let other = auth::sign_in(&pool, "other@example.com").await;
        let as_other = |method: Method, uri: String| {
            let (state, other, body) = (state.clone(), other.clone(), input.to_string());
            async move {
                let json = Some("application/json");
                auth::send_as(state, Some(&other), method, &uri, Body::from(body), json).await
            }
        };
        let (status, page) = as_other(Method::GET, "/api/<@ s.url @>".to_string()).await;
        assert_eq!((status, &page["total"]), (StatusCode::OK, &json!(0)), "{page}");
        for method in [Method::GET, Method::PUT, Method::PATCH, Method::DELETE] {
            let (status, _) = as_other(method.clone(), url.clone()).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method}");
        }
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));

        // A body naming another owner is ignored: rows belong to whoever
        // signed in to make or change them.
        let mut theirs = valid_body(&pool).await;
        theirs["user_id"] = json!(auth::user(&pool, "other@example.com").await.id);
        let (status, made) = call_json(state.clone(), Method::POST, "/api/<@ s.url @>", &theirs).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["user_id"], created["user_id"]);
        let (status, kept) = call_json(state.clone(), Method::PUT, &url, &theirs).await;
        assert_eq!((status, &kept["user_id"]), (StatusCode::OK, &created["user_id"]));<%- if s.html %>

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
        let (status, index) = page(Method::GET, "/<@ s.url @>".to_string()).await;
        assert_eq!(status, StatusCode::OK);
        let id = &created["id"];
        assert!(!index.as_str().unwrap().contains(&format!("/<@ s.url @>/{id}\"")), "{index}");
        for (method, uri) in [
            (Method::GET, format!("/<@ s.url @>/{id}")),
            (Method::GET, format!("/<@ s.url @>/{id}/edit")),
            (Method::POST, format!("/<@ s.url @>/{id}")),
            (Method::POST, format!("/<@ s.url @>/{id}/delete")),
        ] {
            assert_eq!(page(method, uri.clone()).await.0, StatusCode::NOT_FOUND, "{uri}");
        }
        assert_eq!(get(&state, &url).await.0, StatusCode::OK);
<%- endif %>
    }
<%- endif %>

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }

<%- for n in s.nested %>
    #[sqlx::test]
    async fn lists_the_<@ s.plural @>_of_a_<@ n.var @>(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/<@ s.url @>", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // Another <@ s.human @>, of another <@ n.human @>.
        let other = valid_body(&pool).await;
        let (status, body) = call_json(state.clone(), Method::POST, "/api/<@ s.url @>", &other).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uri = format!("/api/<@ n.parent_url @>/{}/<@ s.url @>?per_page=10", created["<@ n.field @>"]);
        let (status, page) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!((&page["total"], &page["items"][0]), (&json!(1), &created), "{page}");
        let (status, _) = get(&state, &format!("/api/<@ n.parent_url @>/{}/<@ s.url @>", i64::MAX)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

<%- endfor %>
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/<@ s.url @>", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/<@ s.url @>/{id}");

        let (status, page) = get(&state, "/api/<@ s.url @>?page=1&per_page=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));

<%- if s.patch is not none %><%- set field = s.patch[0] %><%- set value = s.patch[1] %>
        let patch = json!({ "<@ field @>": <@ value @> });
        let (status, patched) = call_json(state.clone(), Method::PATCH, &url, &patch).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["<@ field @>"], patch["<@ field @>"]);
        for (field, value) in input.as_object().unwrap() {
            if field != "<@ field @>" {
                assert_eq!(&patched[field], value, "{field} is kept");
            }
        }
<%- endif %>
        let (status, replaced) = call_json(state.clone(), Method::PUT, &url, &input).await;
        assert_eq!(status, StatusCode::OK, "{replaced}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&replaced[field], value, "{field}");
        }
<%- if s.required %>
        // PUT replaces: the body is complete, as for POST.
        let (status, body) = call_json(state.clone(), Method::PUT, &url, &json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
<%- for r in s.required %>
        assert_eq!(body["errors"]["<@ r @>"], json!(["is required"]));
<%- endfor %>
<%- endif %>

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/<@ s.url @>").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/<@ s.url @>/999999999";
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
            async move { call_json(state, Method::POST, "/api/<@ s.url @>", &body).await }
        };
<%- if s.required %>
        let (status, body) = post(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], 422);
<%- for r in s.required %>
        assert_eq!(body["errors"]["<@ r @>"], json!(["is required"]));
<%- endfor %>
<%- endif %>
<%- for w in s.wrong %>

        let mut wrong = valid_body(&pool).await;
        wrong["<@ w.field @>"] = json!(<@ w.value @>);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::<@ w.status @>, "{body}");
        assert_eq!(body["errors"]["<@ w.field @>"], json!(["<@ w.message @>"]));
<%- endfor %>
<%- for u in s.unique_fields %>

        let first = valid_body(&pool).await;
        assert_eq!(post(first.clone()).await.0, StatusCode::CREATED);
        let mut second = valid_body(&pool).await;
        second["<@ u @>"] = first["<@ u @>"].clone();
        let (status, body) = post(second).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["<@ u @>"], json!(["has already been taken"]));
<%- endfor %>

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/<@ s.url @>?page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["page"].is_array(), "{body}");
    }
<%- if s.html %>

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
        let (status, page) = get(&state, "/<@ s.url @>/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.as_str()
                .unwrap()
                .contains("<form method=\"post\" action=\"/<@ s.url @>\">"),
            "{page}"
        );

        let input = valid_body(&pool).await;
        let encoded = form_of(&input);
        let (status, _) = submit(&state, "/<@ s.url @>", &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, listed) = get(&state, "/api/<@ s.url @>").await;
        let id = listed["items"][0]["id"]
            .as_i64()
            .expect("the form created a row");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&listed["items"][0][field], value, "{field}");
        }

        let (status, shown) = get(&state, &format!("/<@ s.url @>/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            shown
                .as_str()
                .unwrap()
                .contains(&format!("/<@ s.url @>/{id}/edit"))
        );
        let (status, edit) = get(&state, &format!("/<@ s.url @>/{id}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            edit.as_str()
                .unwrap()
                .contains(&format!("action=\"/<@ s.url @>/{id}\""))
        );
        let (status, index) = get(&state, "/<@ s.url @>").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            index
                .as_str()
                .unwrap()
                .contains(&format!("href=\"/<@ s.url @>/{id}\""))
        );

        let (status, _) = submit(&state, &format!("/<@ s.url @>/{id}"), &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
<%- if s.required %>
        // Forms with errors come back with them, new and edited alike.
        for uri in ["/<@ s.url @>".to_string(), format!("/<@ s.url @>/{id}")] {
            let (status, again) = submit(&state, &uri, "").await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{uri}");
            assert!(again.as_str().unwrap().contains("is required"), "{again}");
        }
<%- endif %>

        let delete = format!("/<@ s.url @>/{id}/delete");
        let (status, _) = submit(&state, &delete, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            get(&state, &format!("/<@ s.url @>/{id}")).await.0,
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
<%- if s.auth %>
        let session = auth::browser_session(&pool, OWNER).await;
        pool.close().await;
        let form = Some("application/x-www-form-urlencoded");
        let body = Body::from(encoded);
        let (status, _) = auth::send_as(state, Some(&session), Method::POST, "/<@ s.url @>", body, form).await;
<%- else %>
        pool.close().await;
        let (status, _) = submit(&state, "/<@ s.url @>", &encoded).await;
<%- endif %>
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }
<%- endif %>
<%- if s.openapi %>

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/<@ s.url @>", "/api/<@ s.url @>/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
<%- endif %>
}
