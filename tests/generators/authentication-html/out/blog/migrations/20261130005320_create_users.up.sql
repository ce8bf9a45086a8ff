-- The users table: accounts that sign in with an email and a password.
-- Emails are stored in lower case and compared without case; passwords only as
-- Argon2id hashes.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX index_users_on_email ON users (email);
