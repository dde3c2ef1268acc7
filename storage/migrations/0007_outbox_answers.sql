-- A reply Telegram carried out from a webhook's answer (no request of its own, so no result
-- to read) is written already 'sent', naming the update it answered by a keyed tag (never the
-- update id, see docs/threat-model.md). Telegram redelivers an update only when it got no
-- answer, so a redelivery of that update proves the reply never went out: it is queued again
-- then, to be sent by a request whose result is seen.
ALTER TABLE outbox ADD COLUMN answers TEXT;
-- A chat's newest message, found without scanning the outbox (which keeps what was sent).
CREATE INDEX outbox_by_chat ON outbox (platform, chat_id, id);
