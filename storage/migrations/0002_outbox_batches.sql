-- Replies of one step travel together: LINE sends up to five messages in one reply (free,
-- with the event's reply token while it is valid) or one push (one message of the monthly
-- quota, whatever the number of bubbles). The batch id also seeds the push's retry key, so a
-- retried push is recognised by LINE and never delivered twice.
ALTER TABLE outbox ADD COLUMN batch TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN reply_token TEXT;
ALTER TABLE outbox ADD COLUMN reply_expires REAL;
