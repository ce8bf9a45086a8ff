-- The sessions table: one row for each signed-in browser. The cookie holds
-- a random token; only its SHA-256 hash is stored.
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    user_agent TEXT,
    ip TEXT,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_sessions_on_token_hash ON sessions (token_hash);
CREATE INDEX index_sessions_on_user_id ON sessions (user_id);
