-- Undoes `change_body_in_posts`.
UPDATE posts SET body = '' WHERE body IS NULL;
ALTER TABLE posts ALTER COLUMN body SET NOT NULL;
ALTER TABLE posts ALTER COLUMN body TYPE TEXT USING body::TEXT;
