-- The api_tokens table: bearer tokens of API clients, separate from browser
-- sessions. Only the SHA-256 hash of a token is stored.
CREATE TABLE api_tokens (
    <@ a.id @>,
    user_id <@ a.reference @> NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    last_used_at <@ a.nullable_timestamp @>,
    expires_at <@ a.timestamp @>,
    created_at <@ a.timestamp @>
);
CREATE UNIQUE INDEX index_api_tokens_on_token_hash ON api_tokens (token_hash);
CREATE INDEX index_api_tokens_on_user_id ON api_tokens (user_id);
