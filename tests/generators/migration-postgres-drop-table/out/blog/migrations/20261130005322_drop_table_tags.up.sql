-- Drops tags and its rows.
DROP TABLE tags;
