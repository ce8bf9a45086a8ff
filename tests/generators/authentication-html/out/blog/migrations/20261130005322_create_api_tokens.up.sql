-- The api_tokens table: bearer tokens of API clients, separate from browser
-- sessions. Only the SHA-256 hash of a token is stored.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    last_used_at TEXT,
    expires_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_api_tokens_on_token_hash ON api_tokens (token_hash);
CREATE INDEX index_api_tokens_on_user_id ON api_tokens (user_id);
