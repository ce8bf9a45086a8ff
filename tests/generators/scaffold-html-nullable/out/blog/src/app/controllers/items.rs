//! `/api/items`: create, read, update and delete items as JSON;
//! `/items`: the same as HTML pages with forms. Handlers stay thin: they
//! read the request, call the model in `models::item`, and answer with
//! it.
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use crate::app::AppState;
use crate::app::errors::ErrorBody;
use crate::app::errors::{AppError, FieldErrors};
use crate::app::models::fields::{Fields, PageQuery, db_error, form_values};
use crate::app::models::item::{Item, ItemPage, ItemParams};
use crate::app::views::html;
use crate::app::views::html::items::{FormPage, IndexPage, ShowPage};

/// Fields whose values must be unique, and fields that refer to other rows:
/// a request breaking either is answered 422 on those fields.
const UNIQUE: &[&str] = &[];
const REFERENCES: &[&str] = &["post_id"];

/// `GET /api/items?page=&per_page=`
#[utoipa::path(
    get,
    path = "/api/items",
    operation_id = "items_index",
    tag = "items",
    params(PageQuery),
    responses(
        (status = 200, description = "One page of items", body = ItemPage),
        (status = 400, description = "The page or per_page is not a whole number", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Json<ItemPage>, AppError> {
    let (page, per_page) = query.read()?;
    Ok(Json(Item::list(&state.db, page, per_page).await?))
}
/// `GET /api/posts/{id}/items?page=&per_page=`: the post's items.
#[utoipa::path(
    get,
    path = "/api/posts/{id}/items",
    operation_id = "items_index_of_post",
    tag = "items",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the post"), PageQuery),
    responses(
        (status = 200, description = "One page of the post's items", body = ItemPage),
        (status = 400, description = "The id, page or per_page is not a whole number", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
        (status = 422, description = "Invalid page", body = ErrorBody)
    )
)]
pub async fn index_of_post(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<PageQuery>,
) -> Result<Json<ItemPage>, AppError> {
    let (page, per_page) = query.read()?;
    let post = crate::app::models::post::Post::find(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(
        Item::list_by_post_id(&state.db, post.id, page, per_page).await?,
    ))
}
/// `GET /api/items/{id}`
#[utoipa::path(
    get,
    path = "/api/items/{id}",
    operation_id = "items_show",
    tag = "items",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the item")),
    responses(
        (status = 200, description = "The item", body = Item),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody)
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Item>, AppError> {
    let item = Item::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(item))
}

/// `POST /api/items`
#[utoipa::path(
    post,
    path = "/api/items",
    operation_id = "items_create",
    tag = "items",
    request_body = ItemParams,
    responses(
        (status = 201, description = "Created", body = Item),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Missing or invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<impl IntoResponse, AppError> {
    let params = ItemParams::from_fields(Fields::json(&body)?)?;
    let item = Item::create(&state.db, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?;
    let location = format!("/api/items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(item),
    ))
}

/// `PUT /api/items/{id}`: replaces the item. The body is
/// complete, as for `POST`: a required field left out is a 422, a nullable
/// one left out becomes null.
#[utoipa::path(
    put,
    path = "/api/items/{id}",
    operation_id = "items_update",
    tag = "items",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the item")),
    request_body = ItemParams,
    responses(
        (status = 200, description = "Replaced", body = Item),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Item>, AppError> {
    let params = ItemParams::from_fields(Fields::json(&body)?)?;
    let item = Item::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(item))
}

/// `PATCH /api/items/{id}`: sets the fields the body gives; the others
/// keep their values.
#[utoipa::path(
    patch,
    path = "/api/items/{id}",
    operation_id = "items_patch",
    tag = "items",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the item")),
    request_body = ItemChanges,
    responses(
        (status = 200, description = "Updated", body = Item),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody),
        (status = 409, description = "A unique value is taken, or a referenced row does not exist", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 422, description = "Invalid fields, or the body is not a JSON object", body = ErrorBody)
    )
)]
pub async fn patch(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Item>, AppError> {
    let current = Item::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let current = serde_json::to_value(current.params()).map_err(anyhow::Error::from)?;
    let params = ItemParams::from_fields(Fields::json(&body)?.or(current))?;
    let item = Item::update(&state.db, id, &params)
        .await
        .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
        .ok_or(AppError::NotFound)?;
    Ok(Json(item))
}

/// The body of a `PATCH`: any of the fields of a item, for the
/// OpenAPI document (the handler reads the body field by field).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ItemChanges {
    #[schema(required = false)]
    #[schema(max_length = 255)]
    pub name: Option<String>,
    #[schema(required = false)]
    pub notes: Option<String>,
    #[schema(required = false)]
    pub count: Option<i32>,
    #[schema(required = false)]
    pub total: Option<i64>,
    #[schema(required = false)]
    pub ratio: Option<f64>,
    #[schema(required = false)]
    #[schema(
        value_type = Option<String>,
        format = "decimal",
        pattern = "^-?[0-9]{1,18}(\\.[0-9]{1,10})?$"
    )]
    pub price: Option<String>,
    #[schema(required = false)]
    pub active: Option<bool>,
    #[schema(required = false)]
    #[schema(
        value_type = Option<String>,
        format = Date,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))$"
    )]
    pub born_on: Option<String>,
    #[schema(required = false)]
    #[schema(
        value_type = Option<String>,
        format = DateTime,
        pattern = "^[1-9][0-9]{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
    )]
    pub seen_at: Option<String>,
    #[schema(required = false)]
    #[schema(
        value_type = Option<String>,
        format = "uuid",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    pub token: Option<String>,
    #[schema(required = false)]
    pub data: Option<serde_json::Value>,
    #[schema(required = false)]
    pub post_id: Option<i64>,
}

/// `DELETE /api/items/{id}`
#[utoipa::path(
    delete,
    path = "/api/items/{id}",
    operation_id = "items_destroy",
    tag = "items",
    params(("id" = String, Path, pattern = "^[0-9]{1,18}$", description = "The id of the item")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id is not a whole number", body = ErrorBody),
        (status = 404, description = "No such item", body = ErrorBody)
    )
)]
pub async fn destroy(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    if Item::delete(&state.db, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}

/// `GET /items?page=&per_page=`: the list page.
pub async fn index_page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let (page, per_page) = query.read()?;
    let page = Item::list(&state.db, page, per_page).await?;
    html::render(&IndexPage { page })
}

/// `GET /items/{id}`
pub async fn show_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let item = Item::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    html::render(&ShowPage { item })
}

/// `GET /items/new`
pub async fn new_page() -> Result<Html<String>, AppError> {
    html::render(&FormPage::new_item(Default::default(), FieldErrors::new()))
}

/// `GET /items/{id}/edit`
pub async fn edit_page(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let item = Item::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let values = form_values(&serde_json::to_value(item.params()).map_err(anyhow::Error::from)?);
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

/// `POST /items` from the new form: to the new item's page, or back to
/// the form with what is wrong.
pub async fn create_form(
    State(state): State<AppState>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let page = FormPage::new_item(pairs.iter().cloned().collect(), FieldErrors::new());
    let created = async {
        let params = ItemParams::from_fields(Fields::form(pairs))?;
        let created = Item::create(&state.db, &params).await;
        created.map_err(|err| db_error(err, UNIQUE, REFERENCES))
    };
    match created.await {
        Ok(item) => Ok(Redirect::to(&format!("/items/{}", item.id)).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /items/{id}` from the edit form.
pub async fn update_form(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    Item::find(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let page = FormPage::edit(id, pairs.iter().cloned().collect(), FieldErrors::new());
    let updated = async {
        let params = ItemParams::from_fields(Fields::form(pairs))?;
        let updated = Item::update(&state.db, id, &params).await;
        // Not found when the row went away since it was looked up.
        updated
            .map_err(|err| db_error(err, UNIQUE, REFERENCES))?
            .ok_or(AppError::NotFound)
    };
    match updated.await {
        Ok(_) => Ok(Redirect::to(&format!("/items/{id}")).into_response()),
        Err(err) => form_errors(err, page),
    }
}

/// `POST /items/{id}/delete` from the show page.
pub async fn destroy_form(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Redirect, AppError> {
    if Item::delete(&state.db, id).await? {
        Ok(Redirect::to("/items"))
    } else {
        Err(AppError::NotFound)
    }
}

/// The OpenAPI description of these routes, merged into the application's
/// document in `app::openapi`.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(index, show, create, update, patch, destroy, index_of_post),
    components(schemas(Item, ItemParams, ItemChanges, ItemPage))
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
        serde_json::to_value(ItemParams::example(pool).await).unwrap()
    }

    async fn get(state: &AppState, uri: &str) -> (StatusCode, Value) {
        send(state.clone(), Method::GET, uri, Body::empty(), None).await
    }
    #[sqlx::test]
    async fn lists_the_items_of_a_post(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/items", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // Another item, of another post.
        let other = valid_body(&pool).await;
        let (status, body) = call_json(state.clone(), Method::POST, "/api/items", &other).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let uri = format!("/api/posts/{}/items?per_page=10", created["post_id"]);
        let (status, page) = get(&state, &uri).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(
            (&page["total"], &page["items"][0]),
            (&json!(1), &created),
            "{page}"
        );
        let (status, _) = get(&state, &format!("/api/posts/{}/items", i64::MAX)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    #[sqlx::test]
    async fn create_list_show_update_delete(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let (status, created) = call_json(state.clone(), Method::POST, "/api/items", &input).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&created[field], value, "{field}");
        }
        let id = created["id"].as_i64().expect("an id");
        let url = format!("/api/items/{id}");

        let (status, page) = get(&state, "/api/items?page=1&per_page=10").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["total"], 1);
        assert_eq!(page["items"], json!([created]));
        assert_eq!(get(&state, &url).await, (StatusCode::OK, created.clone()));
        let patch = json!({ "name": "changed" });
        let (status, patched) = call_json(state.clone(), Method::PATCH, &url, &patch).await;
        assert_eq!(status, StatusCode::OK, "{patched}");
        assert_eq!(patched["name"], patch["name"]);
        for (field, value) in input.as_object().unwrap() {
            if field != "name" {
                assert_eq!(&patched[field], value, "{field} is kept");
            }
        }
        let (status, replaced) = call_json(state.clone(), Method::PUT, &url, &input).await;
        assert_eq!(status, StatusCode::OK, "{replaced}");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&replaced[field], value, "{field}");
        }

        let (status, body) = send(state.clone(), Method::DELETE, &url, Body::empty(), None).await;
        assert_eq!((status, body), (StatusCode::NO_CONTENT, Value::Null));
        assert_eq!(get(&state, &url).await.0, StatusCode::NOT_FOUND);
        let (status, _) = get(&state, "/api/items").await;
        assert_eq!(status, StatusCode::OK);
    }

    #[sqlx::test]
    async fn unknown_ids_are_404(pool: Pool) {
        let state = state(&pool).await;
        let input = valid_body(&pool).await;
        let url = "/api/items/999999999";
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
            async move { call_json(state, Method::POST, "/api/items", &body).await }
        };

        let mut wrong = valid_body(&pool).await;
        wrong["name"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["name"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["notes"] = json!(42);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["notes"], json!(["must be a string"]));

        let mut wrong = valid_body(&pool).await;
        wrong["count"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["count"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["total"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["total"], json!(["must be an integer"]));

        let mut wrong = valid_body(&pool).await;
        wrong["ratio"] = json!("many");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["ratio"], json!(["must be a number"]));

        let mut wrong = valid_body(&pool).await;
        wrong["price"] = json!(12.5);
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["price"],
            json!(["must be a decimal number in a string"])
        );

        let mut wrong = valid_body(&pool).await;
        wrong["active"] = json!("yes please");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["active"], json!(["must be true or false"]));

        let mut wrong = valid_body(&pool).await;
        wrong["born_on"] = json!("tomorrow");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["born_on"],
            json!(["must be a date (YYYY-MM-DD)"])
        );

        let mut wrong = valid_body(&pool).await;
        wrong["seen_at"] = json!("tomorrow");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(
            body["errors"]["seen_at"],
            json!(["must be a date and time (RFC 3339)"])
        );

        let mut wrong = valid_body(&pool).await;
        wrong["token"] = json!("not-a-uuid");
        let (status, body) = post(wrong).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(body["errors"]["token"], json!(["must be a UUID"]));

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

        let (status, body) = post(json!(["not", "an", "object"])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["message"], "the body must be a JSON object");
        let (status, body) = get(&state, "/api/items?page=0").await;
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
        let (status, page) = get(&state, "/items/new").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            page.as_str()
                .unwrap()
                .contains("<form method=\"post\" action=\"/items\">"),
            "{page}"
        );

        let input = valid_body(&pool).await;
        let encoded = form_of(&input);
        let (status, _) = submit(&state, "/items", &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, listed) = get(&state, "/api/items").await;
        let id = listed["items"][0]["id"]
            .as_i64()
            .expect("the form created a row");
        for (field, value) in input.as_object().unwrap() {
            assert_eq!(&listed["items"][0][field], value, "{field}");
        }

        let (status, shown) = get(&state, &format!("/items/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            shown
                .as_str()
                .unwrap()
                .contains(&format!("/items/{id}/edit"))
        );
        let (status, edit) = get(&state, &format!("/items/{id}/edit")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            edit.as_str()
                .unwrap()
                .contains(&format!("action=\"/items/{id}\""))
        );
        let (status, index) = get(&state, "/items").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            index
                .as_str()
                .unwrap()
                .contains(&format!("href=\"/items/{id}\""))
        );

        let (status, _) = submit(&state, &format!("/items/{id}"), &encoded).await;
        assert_eq!(status, StatusCode::SEE_OTHER);

        let delete = format!("/items/{id}/delete");
        let (status, _) = submit(&state, &delete, "").await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            get(&state, &format!("/items/{id}")).await.0,
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
        pool.close().await;
        let (status, _) = submit(&state, "/items", &encoded).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[tokio::test]
    async fn routes_are_documented() {
        let (_, spec) = testing::call(Method::GET, "/api/openapi.json").await;
        for path in ["/api/items", "/api/items/{id}"] {
            assert!(
                spec["paths"][path].is_object(),
                "{path} is in the OpenAPI document"
            );
        }
    }
}
