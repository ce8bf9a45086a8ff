-- Undoes `rename_title_to_headline_in_posts`.
ALTER TABLE posts RENAME COLUMN headline TO title;
