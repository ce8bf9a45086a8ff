-- The items table.
CREATE TABLE items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    notes TEXT NOT NULL,
    count INTEGER NOT NULL,
    total INTEGER NOT NULL,
    ratio REAL NOT NULL,
    price TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    born_on TEXT NOT NULL,
    seen_at TEXT NOT NULL,
    token BLOB NOT NULL,
    data TEXT NOT NULL,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX index_items_on_post_id ON items (post_id);
