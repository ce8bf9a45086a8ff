-- Undoes `add_tag_ref_to_posts`.
DROP INDEX index_posts_on_tag_id;
ALTER TABLE posts DROP COLUMN tag_id;
