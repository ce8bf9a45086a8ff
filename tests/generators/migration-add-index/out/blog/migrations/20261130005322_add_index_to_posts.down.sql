-- Undoes `add_index_to_posts`.
DROP INDEX index_posts_on_title_and_body;
