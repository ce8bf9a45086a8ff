-- Renames posts.title to headline.
ALTER TABLE posts RENAME COLUMN title TO headline;
