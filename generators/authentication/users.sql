-- The users table: accounts that sign in with an email and a password.
-- Emails are stored in lower case<% if not a.postgres %> and compared without case<% endif %>; passwords only as
-- Argon2id hashes.
CREATE TABLE users (
    <@ a.id @>,
    email TEXT NOT NULL<% if not a.postgres %> COLLATE NOCASE<% endif %>,
    password_hash TEXT NOT NULL,
    created_at <@ a.timestamp @>,
    updated_at <@ a.timestamp @>
);
CREATE UNIQUE INDEX index_users_on_email ON users (email);
