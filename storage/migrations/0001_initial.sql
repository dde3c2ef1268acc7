-- The foundation: dedup of platform updates, conversation state, cases with their photos
-- and timeline, and the outbox of replies waiting to be delivered.

-- A platform's update id (Telegram update_id, LINE webhookEventId) seen once; a redelivery
-- hits the primary key and becomes a no-op inside the same transaction.
CREATE TABLE processed_updates (
    platform    TEXT NOT NULL,
    update_key  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (platform, update_key)
) WITHOUT ROWID;

-- Where each chat stands in its flow; survives restarts because it is written with every step.
CREATE TABLE conversations (
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    lang       TEXT NOT NULL,
    step       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

-- The last sequence number handed out per Buddhist-era year (references restart each year).
CREATE TABLE case_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);

CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    reference     TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL CHECK (kind IN ('grievance', 'misconduct')),
    category      TEXT NOT NULL,
    division      TEXT NOT NULL,
    description   TEXT NOT NULL,
    location_lat  REAL,
    location_lon  REAL,
    location_text TEXT,
    phone         TEXT,
    status        TEXT NOT NULL,
    platform      TEXT NOT NULL,
    chat_id       TEXT NOT NULL,
    user_id       TEXT NOT NULL,
    lang          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    received_on   TEXT NOT NULL,
    due_on        TEXT NOT NULL
);
CREATE INDEX cases_by_citizen ON cases (platform, user_id, id);

CREATE TABLE case_photos (
    case_id  INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sha256   TEXT NOT NULL,
    PRIMARY KEY (case_id, position)
) WITHOUT ROWID;

CREATE TABLE case_events (
    id          INTEGER PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    note        TEXT
);
CREATE INDEX case_events_by_case ON case_events (case_id, id);

-- Replies waiting to be sent. A row is written in the same transaction as the step that
-- produced it, so a reply is never lost; it leaves 'pending' only as 'sent' or 'failed'.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX outbox_pending ON outbox (platform, chat_id, id) WHERE status = 'pending';
