-- Joins posts and tags: one row for each pair.
CREATE TABLE posts_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, tag_id)
);
CREATE INDEX index_posts_tags_on_tag_id ON posts_tags (tag_id);
