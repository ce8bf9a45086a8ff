-- The database schema (SQLite) that the migrations under migrations/ build,
-- kept up to date by `cargo mvc generate model` and `generate migration`. It is
-- a snapshot to read: the migrations are what changes the database.

CREATE TABLE authors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    slug TEXT NOT NULL,
    code INTEGER,
    rank INTEGER NOT NULL,
    token BLOB NOT NULL,
    born_on TEXT,
    author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_members_on_author_id ON members (author_id);
CREATE INDEX index_members_on_born_on ON members (born_on);
CREATE UNIQUE INDEX index_members_on_code ON members (code);
CREATE UNIQUE INDEX index_members_on_email ON members (email);
CREATE INDEX index_members_on_rank ON members (rank);
CREATE INDEX index_members_on_slug ON members (slug);
CREATE UNIQUE INDEX index_members_on_token ON members (token);
