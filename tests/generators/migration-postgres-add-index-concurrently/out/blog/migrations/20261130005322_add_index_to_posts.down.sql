-- no-transaction
-- Undoes `add_index_to_posts`.
-- CONCURRENTLY does not lock the table against writes, and cannot run
-- in a transaction.
DROP INDEX CONCURRENTLY index_posts_on_title;
