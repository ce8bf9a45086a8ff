-- The database schema (PostgreSQL) that the migrations under migrations/ build,
-- kept up to date by `cargo mvc generate model` and `generate migration`. It is
-- a snapshot to read: the migrations are what changes the database.

CREATE TABLE authors (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE members (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    slug VARCHAR(255) NOT NULL,
    code INTEGER,
    rank BIGINT NOT NULL,
    token UUID NOT NULL,
    born_on DATE,
    author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX index_members_on_author_id ON members (author_id);
CREATE INDEX index_members_on_born_on ON members (born_on);
CREATE UNIQUE INDEX index_members_on_code ON members (code);
CREATE UNIQUE INDEX index_members_on_email ON members (email);
CREATE INDEX index_members_on_rank ON members (rank);
CREATE INDEX index_members_on_slug ON members (slug);
CREATE UNIQUE INDEX index_members_on_token ON members (token);
