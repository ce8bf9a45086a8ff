-- The database schema (SQLite) that the migrations under migrations/ build,
-- kept up to date by `cargo mvc generate model` and `generate migration`. It is
-- a snapshot to read: the migrations are what changes the database.

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    tag_id INTEGER REFERENCES tags (id) ON DELETE CASCADE
);
CREATE INDEX index_posts_on_tag_id ON posts (tag_id);

CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
