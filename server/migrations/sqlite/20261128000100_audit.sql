-- The audit log. Append-only: the portal only inserts into audit_events and audit_changes;
-- the retention job is the one thing that deletes, and it logs what it removed.
CREATE TABLE audit_events (
    -- AUTOINCREMENT: an id is never used twice, even after retention deleted every record.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Unix milliseconds.
    at_ms BIGINT NOT NULL,
    -- saved, unchanged, refused, invalid, conflict, directory_error, unconfirmed,
    -- signed_in, sign_in_failed, signed_out.
    outcome TEXT NOT NULL,
    -- The portal account (for a failed sign-in: the name that was tried).
    account TEXT NOT NULL,
    -- The client's IP address as the portal saw it.
    client TEXT,
    -- The portal's request id (the x-request-id response header).
    request_id TEXT NOT NULL,
    -- The WorkMail user, for saves.
    target_id TEXT,
    target_email TEXT,
    -- Why, for outcomes other than saved (the error class, the refused field...).
    detail TEXT
);
CREATE INDEX audit_events_by_target ON audit_events (target_id, id);
CREATE INDEX audit_events_by_time ON audit_events (at_ms);
CREATE INDEX audit_events_by_account ON audit_events (account, id);

-- One row per field of a save: old and new value, stored as the field's value mode says.
CREATE TABLE audit_changes (
    event_id BIGINT NOT NULL REFERENCES audit_events (id),
    position BIGINT NOT NULL,
    -- The UpdateUser member name.
    field TEXT NOT NULL,
    -- value, hash or redacted; old_value and new_value are NULL when redacted.
    mode TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    PRIMARY KEY (event_id, position)
);
CREATE INDEX audit_changes_by_field ON audit_changes (field, event_id);

-- Saves on their way to the directory: written before UpdateUser, removed when the save's
-- audit event is written. Rows left behind by a crash or a failing store are reconciled into
-- audit events at start-up. Not part of the audit log itself.
CREATE TABLE audit_intents (
    -- AUTOINCREMENT: a closed intent's id must never be handed to a new save.
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    opened_ms BIGINT NOT NULL,
    -- The audit event the save will produce, as JSON (values already in their value mode).
    event TEXT NOT NULL
);

-- Installation-wide settings of the audit log (the key for hashed values).
CREATE TABLE audit_settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
