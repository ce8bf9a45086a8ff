-- Undoes `create_join_table_posts_tags`.
DROP TABLE posts_tags;
