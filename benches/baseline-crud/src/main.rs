//! `baseline-crud ADDR DATABASE_URL SCHEMA.sql`: bare axum + sqlx serving
//! what `generate scaffold post title:string body:text published:boolean`
//! serves, `GET /api/posts/{id}`, `GET /api/posts?page=&per_page=` and
//! `POST /api/posts`, with the same queries and pool settings (10
//! connections; for SQLite WAL, synchronous NORMAL, a 5 s busy timeout and
//! foreign keys) and no middleware. SCHEMA.sql (the scaffold's migration) is
//! run first when the table does not exist.

use std::str::FromStr;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[derive(Debug, Serialize, sqlx::FromRow)]
struct Post {
    id: i64,
    title: String,
    body: String,
    published: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Debug, Deserialize)]
struct PostParams {
    title: String,
    body: String,
    published: bool,
}

#[derive(Debug, Serialize)]
struct PostPage {
    items: Vec<Post>,
    page: i64,
    per_page: i64,
    total: i64,
}

#[derive(Debug, Deserialize)]
struct PageQuery {
    page: Option<i64>,
    per_page: Option<i64>,
}

#[derive(Clone)]
enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

const SHOW: &str =
    "SELECT id, title, body, published, created_at, updated_at FROM posts WHERE id = $1";
const LIST: &str = "SELECT id, title, body, published, created_at, updated_at FROM posts ORDER BY id LIMIT $1 OFFSET $2";
const COUNT: &str = "SELECT COUNT(*) FROM posts";
const INSERT: &str = "INSERT INTO posts (title, body, published, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id, title, body, published, created_at, updated_at";

fn failed(err: sqlx::Error) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response()
}

async fn show(State(db): State<Db>, Path(id): Path<i64>) -> Response {
    let found: Result<Option<Post>, sqlx::Error> = match &db {
        Db::Sqlite(pool) => sqlx::query_as(SHOW).bind(id).fetch_optional(pool).await,
        Db::Postgres(pool) => sqlx::query_as(SHOW).bind(id).fetch_optional(pool).await,
    };
    match found {
        Ok(Some(post)) => Json(post).into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => failed(err),
    }
}

async fn index(State(db): State<Db>, Query(query): Query<PageQuery>) -> Response {
    let page = query.page.unwrap_or(1).max(1);
    let per_page = query.per_page.unwrap_or(25).clamp(1, 100);
    let (limit, offset) = (per_page, (page - 1) * per_page);
    let listed: Result<(Vec<Post>, i64), sqlx::Error> = match &db {
        Db::Sqlite(pool) => async {
            let items = sqlx::query_as(LIST).bind(limit).bind(offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar(COUNT).fetch_one(pool).await?;
            Ok((items, total))
        }
        .await,
        Db::Postgres(pool) => async {
            let items = sqlx::query_as(LIST).bind(limit).bind(offset).fetch_all(pool).await?;
            let total = sqlx::query_scalar(COUNT).fetch_one(pool).await?;
            Ok((items, total))
        }
        .await,
    };
    match listed {
        Ok((items, total)) => Json(PostPage {
            items,
            page,
            per_page,
            total,
        })
        .into_response(),
        Err(err) => failed(err),
    }
}

async fn create(State(db): State<Db>, Json(params): Json<PostParams>) -> Response {
    let now = Utc::now();
    macro_rules! insert {
        ($pool:expr) => {
            sqlx::query_as(INSERT)
                .bind(&params.title)
                .bind(&params.body)
                .bind(params.published)
                .bind(now)
                .bind(now)
                .fetch_one($pool)
                .await
        };
    }
    let created: Result<Post, sqlx::Error> = match &db {
        Db::Sqlite(pool) => insert!(pool),
        Db::Postgres(pool) => insert!(pool),
    };
    match created {
        Ok(post) => {
            let location = format!("/api/posts/{}", post.id);
            (
                StatusCode::CREATED,
                [(axum::http::header::LOCATION, location)],
                Json(post),
            )
                .into_response()
        }
        Err(err) => failed(err),
    }
}

async fn connect(url: &str, schema: &str) -> Result<Db, sqlx::Error> {
    let db = if url.starts_with("postgres") {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await?;
        Db::Postgres(pool)
    } else {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Db::Sqlite(pool)
    };
    let missing = match &db {
        Db::Sqlite(pool) => sqlx::query_scalar::<_, i64>(COUNT).fetch_one(pool).await.is_err(),
        Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(COUNT).fetch_one(pool).await.is_err(),
    };
    if missing {
        // The scaffold's own migration, read from the file named on the
        // command line.
        let schema = sqlx::AssertSqlSafe(schema.to_string());
        match &db {
            Db::Sqlite(pool) => sqlx::raw_sql(schema).execute(pool).await.map(|_| ())?,
            Db::Postgres(pool) => sqlx::raw_sql(schema).execute(pool).await.map(|_| ())?,
        };
    }
    Ok(db)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(addr), Some(url), Some(schema)) = (args.next(), args.next(), args.next()) else {
        return Err("usage: baseline-crud ADDR DATABASE_URL SCHEMA.sql".into());
    };
    let schema = std::fs::read_to_string(schema)?;
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?
        .block_on(async {
            let db = connect(&url, &schema).await?;
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            let app = Router::new()
                .route("/api/posts", get(index).post(create))
                .route("/api/posts/{id}", get(show))
                .with_state(db);
            axum::serve(listener, app).await?;
            Ok(())
        })
}
