-- The database schema (SQLite) that the migrations under migrations/ build,
-- kept up to date by `cargo mvc generate model` and `generate migration`. It is
-- a snapshot to read: the migrations are what changes the database.

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    email TEXT,
    views INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX index_posts_on_email ON posts (email);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
