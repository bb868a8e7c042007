-- Portal accounts. Kept to SQL that PostgreSQL accepts too (BIGINT, BOOLEAN, TEXT), so a
-- PostgreSQL store can share the schema later (with an identity column for id).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    -- Lower-case; unique.
    login TEXT NOT NULL UNIQUE,
    -- argon2id in PHC string format.
    password_hash TEXT NOT NULL,
    -- Policy role names, comma-separated, sorted.
    roles TEXT NOT NULL,
    -- The WorkMail user (email) the account belongs to, if any.
    workmail_user TEXT,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    -- Unix seconds.
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
