//! `/api/members`: create, read, update and delete members as JSON.
//! Handlers stay thin: they read the request, call the model in
//! `models::member`, and answer with it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use crate::app::AppState;
use crate::app::errors::AppError;
use crate::app::errors::ErrorBody;
use crate::app::models::fields::{Fields, PageQuery, db_error};
use crate::app::models::member::{Member, MemberPage, MemberParams};

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
const UNIQUE: &[&str] = &["email", "code", "token", "author_id"];
const REFERENCES: &[&str] = &["author_id"];

/// `GET /api/members?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/members",
    operation_id = "members_index",
    tag = "members",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of members", body = MemberPage),
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Json<MemberPage>, AppError> {
    let (page, per_page) = query.read()?;
    Ok(Json(Member::list(&state.db, page, per_page).await?))
}
/// `GET /api/authors/{id}/members?page=&per_page=`: the author's members.
#[utoipa::path(
    get,
    path = "/api/authors/{id}/members",
    operation_id = "members_index_of_author",
    tag = "members",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the author"), PageQuery),
    responses(
        (status = 200, description = "One page of the author's members", body = MemberPage),
        (status = 400, description = "The id, page or per_page is not a whole number", body = ErrorBody),
        (status = 404, description = "No such author", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index_of_author(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Json<MemberPage>, AppError> {
    let (page, per_page) = query.read()?;
    let author = crate::app::models::author::Author::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(
        Member::list_by_author_id(&state.db, author.id, page, per_page).await?,
    ))
}
/// `GET /api/members/{id}`
#[utoipa::path(
    get,
    path = "/api/members/{id}",
    operation_id = "members_show",
    tag = "members",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the member")),
    responses(
        (status = 200, description = "The member", body = Member),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody)
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Member>, AppError> {
    let member = Member::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(member))
}

/// `POST /api/members`
#[utoipa::path(
    post,
    path = "/api/members",
    operation_id = "members_create",
    tag = "members",
    request_body = MemberParams,
    responses(
        (status = 201, description = "Created", body = Member),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = MemberParams::from_fields(Fields::json(&body)?)?;
    let member = Member::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/members/{}", member.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(member),
    ))
}

/// `PUT /api/members/{id}`: replaces the member. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
#[utoipa::path(
    put,
    path = "/api/members/{id}",
    operation_id = "members_update",
    tag = "members",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the member")),
    request_body = MemberParams,
    responses(
        (status = 200, description = "Replaced", body = Member),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Member>, AppError> {
    let params = MemberParams::from_fields(Fields::json(&body)?)?;
    let member = Member::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(member))
}

/// `PATCH /api/members/{id}`: sets the fields the body gives; the others
/// keep their values.
#[utoipa::path(
    patch,
    path = "/api/members/{id}",
    operation_id = "members_patch",
    tag = "members",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the member")),
    request_body = MemberChanges,
    responses(
        (status = 200, description = "Updated", body = Member),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Member>, AppError> {
    let current = Member::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = serde_json::to_value(current.params()).map_err(anyhow::Error::from)?;
    let params = MemberParams::from_fields(Fields::json(&body)?.or(current))?;
    let member = Member::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(member))
}

/// The body of a `PATCH`: any of the fields of a member, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MemberChanges {
    #[schema(required = false)]
    #[schema(max_length = 255)]
    pub email: String,
    #[schema(required = false)]
    #[schema(max_length = 255)]
    pub slug: String,
    #[schema(required = false)]
    pub code: Option<i32>,
    #[schema(required = false)]
    pub rank: i64,
    #[schema(required = false)]
    #[schema(
        value_type = String,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: String,
    #[schema(required = false)]
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: Option<String>,
    #[schema(required = false)]
    pub author_id: i64,
}

/// `DELETE /api/members/{id}`
#[utoipa::path(
    delete,
    path = "/api/members/{id}",
    operation_id = "members_destroy",
    tag = "members",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the member")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such member", body = ErrorBody)
    )
)]
pub async fn destroy(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if Member::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy, index_of_author),
    components(schemas(Member, MemberParams, MemberChanges, MemberPage))
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
        serde_json::to_value(MemberParams::example(pool).await).unwrap()
    }

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }
    #[sqlx::test]
    async fn lists_the_members_of_a_author(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) =
            call_json(state.clone(), Method::POST, "/api/members", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // Another member, of another author.
        let other = valid_body(&pool).await;
        let (status, body) = call_json(state.clone(), Method::POST, "/api/members", &other).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uri = format!("/api/authors/{}/members?per_page=10", created["author_id"]);
        let (status, page) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            (&page["total"], &page["items"][0]),
            (&json!(1), &created),
            "{page}"
        );
        let (status, _) = get(&state, &format!("/api/authors/{}/members", i64::MAX)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) =
            call_json(state.clone(), Method::POST, "/api/members", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/members/{id}");

        let (status, page) = get(&state, "/api/members?page=1&per_page=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));
        let patch = json!({ "email": "changed" });
        let (status, patched) = call_json(state.clone(), Method::PATCH, &url, &patch).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["email"], patch["email"]);
        for (field, value) in input.as_object().unwrap() {
            if field != "email" {
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
        assert_eq!(body["errors"]["email"], json!(["is required"]));
        assert_eq!(body["errors"]["slug"], json!(["is required"]));
        assert_eq!(body["errors"]["rank"], json!(["is required"]));
        assert_eq!(body["errors"]["token"], json!(["is required"]));
        assert_eq!(body["errors"]["author_id"], json!(["is required"]));

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/members").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/members/999999999";
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
            async move { call_json(state, Method::POST, "/api/members", &body).await }
        };
        let (status, body) = post(json!({})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], 422);
        assert_eq!(body["errors"]["email"], json!(["is required"]));
        assert_eq!(body["errors"]["slug"], json!(["is required"]));
        assert_eq!(body["errors"]["rank"], json!(["is required"]));
        assert_eq!(body["errors"]["token"], json!(["is required"]));
        assert_eq!(body["errors"]["author_id"], json!(["is required"]));

        let mut wrong = valid_body(&pool).await;
        wrong["email"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["email"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["slug"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["slug"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["code"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["code"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["rank"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["rank"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["token"] = json!("not-a-uuid");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["token"], json!(["must be a UUID"]));

        let mut wrong = valid_body(&pool).await;
        wrong["born_on"] = json!("tomorrow");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["born_on"],
            json!(["must be a date (YYYY-MM-DD)"])
        );

        let mut wrong = valid_body(&pool).await;
        wrong["author_id"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["author_id"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["author_id"] = json!(i64::MAX);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["author_id"], json!(["does not exist"]));

        let first = valid_body(&pool).await;
        assert_eq!(post(first.clone()).await.0, StatusCode::CREATED);
        let mut second = valid_body(&pool).await;
        second["email"] = first["email"].clone();
        let (status, body) = post(second).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["email"], json!(["has already been taken"]));

        let first = valid_body(&pool).await;
        assert_eq!(post(first.clone()).await.0, StatusCode::CREATED);
        let mut second = valid_body(&pool).await;
        second["code"] = first["code"].clone();
        let (status, body) = post(second).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["code"], json!(["has already been taken"]));

        let first = valid_body(&pool).await;
        assert_eq!(post(first.clone()).await.0, StatusCode::CREATED);
        let mut second = valid_body(&pool).await;
        second["token"] = first["token"].clone();
        let (status, body) = post(second).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["errors"]["token"], json!(["has already been taken"]));

        let first = valid_body(&pool).await;
        assert_eq!(post(first.clone()).await.0, StatusCode::CREATED);
        let mut second = valid_body(&pool).await;
        second["author_id"] = first["author_id"].clone();
        let (status, body) = post(second).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(
            body["errors"]["author_id"],
            json!(["has already been taken"])
        );

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/members?page=0").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(body["errors"]["page"].is_array(), "{body}");
    }

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/members", "/api/members/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
}
