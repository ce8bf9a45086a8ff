-- Adds `tag_id` to posts.
ALTER TABLE posts ADD COLUMN tag_id BIGINT REFERENCES tags (id) ON DELETE CASCADE;
CREATE INDEX index_posts_on_tag_id ON posts (tag_id);
