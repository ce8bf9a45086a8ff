-- Undoes `remove_body_from_posts`.
ALTER TABLE posts ADD COLUMN body TEXT;
UPDATE posts SET body = '';
ALTER TABLE posts ALTER COLUMN body SET NOT NULL;
