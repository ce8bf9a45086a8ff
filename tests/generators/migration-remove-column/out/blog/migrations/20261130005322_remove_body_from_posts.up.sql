-- Removes `body` from posts.
ALTER TABLE posts DROP COLUMN body;
