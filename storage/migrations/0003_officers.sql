-- Officers and their divisions, one-time invitation codes, groups that receive a division's
-- alerts, and what a case waits for from its citizen.

CREATE TABLE officers (
    id         INTEGER PRIMARY KEY,
    platform   TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    chat_id    TEXT NOT NULL,
    division   TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('officer', 'head', 'centre', 'integrity', 'admin')),
    active     INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    UNIQUE (platform, user_id)
);

-- Only a hash of each code is kept: the code itself is shown once, to the admin who made it.
CREATE TABLE invites (
    code_hash  TEXT PRIMARY KEY,
    division   TEXT NOT NULL,
    role       TEXT NOT NULL,
    expires_at REAL NOT NULL,
    used_at    TEXT,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE division_groups (
    platform TEXT NOT NULL,
    chat_id  TEXT NOT NULL,
    division TEXT NOT NULL,
    bound_at TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id)
) WITHOUT ROWID;

-- What the case waits for from its citizen: an answer to an officer's question, or the
-- confirmation that it is fixed; who asked; when it was resolved; the citizen's rating.
ALTER TABLE cases ADD COLUMN awaiting TEXT;
ALTER TABLE cases ADD COLUMN asked_by INTEGER REFERENCES officers (id);
ALTER TABLE cases ADD COLUMN resolved_at TEXT;
ALTER TABLE cases ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 5);
CREATE INDEX cases_by_division ON cases (division, status, due_on);
