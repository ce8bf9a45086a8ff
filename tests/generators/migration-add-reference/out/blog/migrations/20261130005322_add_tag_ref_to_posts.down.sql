-- no-transaction
-- Undoes `add_tag_ref_to_posts`.
-- Takes `tag_id` out of posts again: SQLite cannot do it with ALTER TABLE, so the table is rebuilt.
-- Foreign keys are off (outside a transaction: sqlx would open one, in
-- which SQLite ignores the setting), so that rows of other tables that refer
-- to `posts` stay; they are checked before COMMIT.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE posts_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
INSERT INTO posts_rebuilt (id, title, body, created_at, updated_at)
    SELECT id, title, body, created_at, updated_at FROM posts;
DROP TABLE posts;
ALTER TABLE posts_rebuilt RENAME TO posts;
-- Stops here (a CHECK constraint fails) if a row refers to one that is not there.
CREATE TEMP TABLE foreign_key_violations (n INTEGER NOT NULL CHECK (n = 0));
INSERT INTO foreign_key_violations SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE foreign_key_violations;
COMMIT;
PRAGMA foreign_keys = ON;
