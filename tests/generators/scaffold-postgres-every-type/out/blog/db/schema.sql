-- The database schema (PostgreSQL) that the migrations under migrations/ build,
-- kept up to date by `cargo mvc generate model` and `generate migration`. It is
-- a snapshot to read: the migrations are what changes the database.

CREATE TABLE items (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name VARCHAR(255) NOT NULL,
    notes TEXT NOT NULL,
    count INTEGER NOT NULL,
    total BIGINT NOT NULL,
    ratio DOUBLE PRECISION NOT NULL,
    price NUMERIC NOT NULL,
    active BOOLEAN NOT NULL,
    born_on DATE NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL,
    token UUID NOT NULL,
    data JSONB NOT NULL,
    post_id BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX index_items_on_post_id ON items (post_id);

CREATE TABLE posts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title VARCHAR(255) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
