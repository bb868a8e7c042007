-- sqlx's Any driver cannot read SQLite's BOOLEAN columns, so `enabled` becomes an integer
-- (1 = enabled, 0 = disabled), as it is in the PostgreSQL schema.
CREATE TABLE accounts_new (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    workmail_user TEXT,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
INSERT INTO accounts_new (id, login, password_hash, roles, workmail_user, enabled, created_at, updated_at)
    SELECT id, login, password_hash, roles, workmail_user, CASE WHEN enabled THEN 1 ELSE 0 END, created_at, updated_at
    FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;
