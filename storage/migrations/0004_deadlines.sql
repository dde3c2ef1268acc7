-- Deadlines that are kept: the acknowledgement deadline, the expected date an officer may
-- set (with its reason), the clock paused while the case waits on its citizen, the officer
-- who took the case, and a record of each reminder or escalation sent, so none is sent twice.
ALTER TABLE cases ADD COLUMN ack_due_on TEXT;
ALTER TABLE cases ADD COLUMN expected_on TEXT;
ALTER TABLE cases ADD COLUMN paused_on TEXT;
ALTER TABLE cases ADD COLUMN assigned_to INTEGER REFERENCES officers (id);
ALTER TABLE cases ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
UPDATE cases SET ack_due_on = received_on WHERE ack_due_on IS NULL;

CREATE TABLE reminders (
    case_id  INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,   -- remind | head | centre
    deadline TEXT NOT NULL,   -- which deadline it was about (a new date is a new deadline)
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, kind, deadline)
) WITHOUT ROWID;
