-- A reply token works once. When the service dies between LINE accepting a reply and the
-- row being marked sent, the next attempt finds the token used and cannot tell "delivered"
-- from "never sent" unless the first attempt was written down before it went out: a reply
-- token refused after an attempt recorded here means the earlier attempt was delivered
-- (pushing again would show the citizen the same messages twice).
ALTER TABLE outbox ADD COLUMN reply_tried INTEGER NOT NULL DEFAULT 0;
