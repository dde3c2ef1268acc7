-- Misconduct reports (plan 2.5.3). A report names the division of the staff it is about,
-- but is routed away from it; an anonymous one keeps no trace of its reporter: no platform,
-- chat or user id on the case (they are stored empty), day-granular times, and a receipt
-- code kept only as its Argon2id hash. A reporter who asks for notices has their address
-- sealed (encrypted with a key outside the database) in report_contacts, linked to the case
-- only by a random id and deleted when the case closes.
ALTER TABLE cases ADD COLUMN named_division TEXT;   -- whom the report is about ('' = unknown)
ALTER TABLE cases ADD COLUMN route TEXT;            -- integrity | fallback
ALTER TABLE cases ADD COLUMN told TEXT;             -- whether the reporter told others
ALTER TABLE cases ADD COLUMN receipt_hash TEXT;
ALTER TABLE cases ADD COLUMN contact_id TEXT;
ALTER TABLE cases ADD COLUMN erased_on TEXT;        -- content erased after retention
CREATE UNIQUE INDEX cases_by_receipt ON cases (receipt_hash) WHERE receipt_hash IS NOT NULL;

CREATE TABLE report_contacts (
    id     TEXT PRIMARY KEY,   -- random; the case's contact_id
    sealed BLOB NOT NULL       -- AES-GCM of {"platform", "chat_id"}
) WITHOUT ROWID;

-- Installation-wide values that are not configuration (the receipt codes' salt).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

-- A message to an anonymous reporter: its address, reply token and text are sealed in
-- `sealed`; `chat_id` holds a random lane that keeps the order of one reporter's messages.
-- The row is deleted once sent.
ALTER TABLE outbox ADD COLUMN sealed BLOB;
