CREATE UNIQUE INDEX index_posts_on_title_and_body ON posts (title, body);
