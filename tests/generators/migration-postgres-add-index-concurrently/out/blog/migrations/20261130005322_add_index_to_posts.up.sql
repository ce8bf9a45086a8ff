-- no-transaction
-- CONCURRENTLY does not lock the table against writes, and cannot run
-- in a transaction.
CREATE INDEX CONCURRENTLY index_posts_on_title ON posts (title);
