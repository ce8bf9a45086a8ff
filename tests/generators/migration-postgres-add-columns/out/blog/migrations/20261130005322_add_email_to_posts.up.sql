-- Adds `email`, `views` to posts.
ALTER TABLE posts ADD COLUMN email VARCHAR(255);
CREATE UNIQUE INDEX index_posts_on_email ON posts (email);
ALTER TABLE posts ADD COLUMN views INTEGER NOT NULL DEFAULT 0;
