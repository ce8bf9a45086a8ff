-- Undoes `add_email_to_posts`.
DROP INDEX index_posts_on_email;
ALTER TABLE posts DROP COLUMN views;
ALTER TABLE posts DROP COLUMN email;
