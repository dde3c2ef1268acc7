"""The one path every incoming message takes: dedup, load, step, save, queue, in one commit.

A crash before the commit loses nothing the platform will not redeliver (the update was
not acknowledged); a crash after it loses nothing at all (the replies wait in the outbox).
"""
from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import logging
import re
import sqlite3
import time
from collections.abc import Callable

from handlers import flows  # noqa: F401  (registers the steps)
from handlers import case_rules, deadlines
from handlers.flows import followup, officer
from handlers.flows.common import MENU
from handlers.flows.report import PRIVATE_STEPS
from handlers.limits import FloodGate
from handlers.private import PrivateChats, new_lane
from handlers.turn import STEPS, Services, Turn
from handlers.types import BAD_IMAGE, Carrier, Incoming, Outcome, Reply
from handlers.texts import t
from handlers.workdays import day_stamp
from storage import cases as case_store
from storage import conversations, events, officers, outbox, updates
from storage import misconduct as report_store
from storage.conversations import ConversationRow
from storage.db import Database, Tx
from storage.seal import Sealer

log = logging.getLogger(__name__)

_SHA256 = re.compile(r"\b[0-9a-f]{64}\b")
UPDATES_KEPT_DAYS = 3  # update ids are remembered this long, for platforms' redeliveries
CONFIRM_DAYS = 7  # a resolved case waits this long for "is it fixed?" before it closes
CANCEL_WORDS = frozenset({"ยกเลิก", "cancel"})
ALWAYS_VALID = frozenset({"menu"})


def conversation_key(incoming: Incoming) -> str:
    """Whose conversation this is: the chat's; in a group, each person's own (two officers
    acting in one group must not answer each other's prompts)."""
    return f"{incoming.chat_id}:{incoming.user_id}" if incoming.group else incoming.chat_id


def initial_language(code: str | None) -> str:
    return "en" if code and code.lower().startswith("en") else "th"


class Engine:
    def __init__(self, db: Database, services: Services,
                 on_queued: Callable[[list[tuple[str, str]] | None], None] | None = None,
                 flood: FloodGate | None = None) -> None:
        self.db = db
        self.services = services
        self._on_queued = on_queued
        self.private = PrivateChats()
        self.checkpoint_due = False  # a checkpoint a reader blocked: retried by the sweep
        self.flood = flood or FloodGate()

    async def handle(self, incoming: Incoming, carry: Carrier | None = None) -> Outcome:
        """Handle one update exactly once; a database error propagates (so it is redelivered).

        ``carry`` is offered by a channel that can put one reply in its answer to the
        platform (a Telegram webhook): a step answering with one reply, to a chat with
        nothing else on its way, gives it that reply (``Outcome.carried``) when ``carry``
        accepts it, and records it as sent. A chat flooding the bot gets one polite answer,
        then its messages are dropped unread (and unstored) until it calms down; other
        chats do not wait for it.
        """
        now = self.services.clock()
        stamp = now.astimezone(dt.UTC).isoformat(timespec="seconds")
        verdict = self.flood.admit((incoming.platform, conversation_key(incoming)),
                                   time.monotonic())
        if verdict == "drop":
            return Outcome()
        try:
            if verdict == "warn":
                outcome = await self._say_only(incoming, stamp, "flood")
            else:
                outcome = await self._handle(incoming, now, stamp, carry)
        except sqlite3.Error:
            raise
        except Exception:
            # A bug in a step: its transaction rolled back. Say sorry, keep the state as it
            # was, and mark the update handled so a redelivery does not hit the bug again.
            log.exception("a step failed on a %s update; the citizen was asked to retry",
                          incoming.platform)
            outcome = await self._say_only(incoming, stamp, "error")
        if outcome.queued_to and self._on_queued is not None:
            self._on_queued(outcome.queued_to)
        return outcome

    async def _handle(self, incoming: Incoming, now: dt.datetime, stamp: str,
                      carry: Carrier | None) -> Outcome:
        key = conversation_key(incoming)
        session = self.private.get(incoming.platform, key)
        async with self.db.transaction() as tx:
            # Every update's id is kept (a private chat's too: a gap would time its session),
            # dated by day only, and only until no platform would redeliver it.
            if not await updates.claim(tx, incoming.platform, incoming.update_key,
                                       day_stamp(now)):
                return await self._duplicate(tx, incoming, private=session is not None)
            if session is not None:  # a private chat: nothing of it is written but sealed
                conv = copy.deepcopy(session.conv)
            else:
                conv = await conversations.load(tx, incoming.platform, key) or ConversationRow(
                    incoming.platform, key, incoming.user_id,
                    initial_language(incoming.language), MENU)
            conv.user_id = incoming.user_id
            turn = Turn(incoming, conv, tx, self.services, now)
            await dispatch(turn)
            turn.flush_note()
            if conv.private and not conv.step.startswith(PRIVATE_STEPS):
                # Off to a named flow (a grievance, "check my case"): an ordinary chat again,
                # carrying nothing of the private one but the question just asked.
                conv.private = False
                conv.data = {k: v for k, v in conv.data.items() if k in ("_offered", "_widget")}
            lane = session.lane if session is not None else new_lane()
            carried = None
            queued: list[tuple[str, str]] = []  # (platform, outbox chat) of what was queued
            if conv.private:
                if session is None:
                    await self._go_private(tx, incoming.platform, key, incoming.chat_id, lane)
                queued += await self._enqueue_sealed(
                    tx, incoming.platform, incoming.chat_id, lane, turn.replies,
                    reply_token=incoming.reply_token, reply_expires=incoming.reply_expires)
            else:
                await conversations.save(tx, conv, stamp)
                payloads = [r.to_json() for r in turn.replies]
                if (carry is not None and await self._may_carry(tx, turn)
                        and carry(turn.replies[0])):
                    carried = turn.replies[0]
                    await outbox.record_answered(tx, incoming.platform, incoming.chat_id,
                                                 payloads[0], stamp, self._answer_tag(incoming))
                elif payloads:
                    await outbox.enqueue(tx, incoming.platform, incoming.chat_id, payloads,
                                         stamp, reply_token=incoming.reply_token,
                                         reply_expires=incoming.reply_expires)
                    queued.append((incoming.platform, incoming.chat_id))
            for notice in turn.elsewhere:
                not_before = time.time() + notice.delay if notice.delay else 0.0
                if notice.seal:  # on a lane of its own: a delayed alert blocks nobody's chat
                    queued += await self._enqueue_sealed(
                        tx, notice.platform, notice.chat_id, new_lane(), notice.replies,
                        not_before=not_before)
                else:
                    await outbox.enqueue(tx, notice.platform, notice.chat_id,
                                         [r.to_json() for r in notice.replies], stamp,
                                         not_before=not_before)
                    queued.append((notice.platform, notice.chat_id))
            queued += await self._send_news(tx, turn.news)
        if conv.private:
            self.private.keep(conv, lane)
            if session is None:
                await self.checkpoint()  # the chat's old rows leave the WAL too
        elif session is not None:
            self.private.drop(incoming.platform, key)
        if turn.case_reference:
            log.info("case %s filed via %s", turn.case_reference, incoming.platform)
        return Outcome(replies=turn.replies, case_reference=turn.case_reference,
                       carried=carried, queued_to=queued)

    async def _duplicate(self, tx: Tx, incoming: Incoming, *, private: bool) -> Outcome:
        """An update handled before. Delivered again, it proves that our answer to it never
        reached the platform: a reply that answer carried is queued again (see
        :func:`outbox.requeue_answered`). A private chat's replies are never carried."""
        if not private and await outbox.requeue_answered(
                tx, incoming.platform, incoming.chat_id, self._answer_tag(incoming)):
            return Outcome(duplicate=True, queued_to=[(incoming.platform, incoming.chat_id)])
        return Outcome(duplicate=True)

    def _answer_tag(self, incoming: Incoming) -> str:
        """How an answered reply names its update: keyed, never the id itself. Update ids are
        one sequence across all chats; kept with the exact time of the replies, they would
        date the ids between them, a private chat's too (see docs/threat-model.md)."""
        return self._sealer().tag(f"{incoming.platform}:{incoming.update_key}")

    @staticmethod
    async def _may_carry(tx: Tx, turn: Turn) -> bool:
        """Whether the step's reply could travel in the answer without overtaking anything:
        one reply, nothing else for the chat queued or on its way, and no notice from this
        step to the same chat (the delivery worker could send that before the platform
        carries out the answer)."""
        incoming = turn.incoming
        if len(turn.replies) != 1 or turn.news or any(
                n.platform == incoming.platform and n.chat_id == incoming.chat_id
                for n in turn.elsewhere):
            return False
        return not await outbox.has_pending(tx, incoming.platform, incoming.chat_id)

    async def _go_private(self, tx: Tx, platform: str, key: str, chat_id: str, lane: str) -> None:
        """A chat turns private: its conversation row goes (secure_delete zeroes it), its
        delivered messages are forgotten, and those still waiting are sealed onto ``lane``."""
        await conversations.delete(tx, platform, key)
        sealer = self._sealer()
        gone = []
        for row in await outbox.chat_rows(tx, platform, chat_id):
            if row["status"] == "pending":
                await outbox.reseal(tx, row["id"], lane, sealer.seal({
                    "chat_id": chat_id, "payload": row["payload"],
                    "reply_token": row["reply_token"], "reply_expires": row["reply_expires"]}),
                    day_stamp(self.services.clock()))
            else:
                gone.append(row["id"])
        if gone:
            await outbox.delete(tx, gone)

    async def _enqueue_sealed(self, tx: Tx, platform: str, chat_id: str, lane: str,
                              replies: list[Reply], *, reply_token: str | None = None,
                              reply_expires: float | None = None,
                              not_before: float = 0.0) -> list[tuple[str, str]]:
        """Queue ``replies`` sealed on ``lane``, dated by day (deleted once sent); returns
        where, for the delivery worker."""
        sealer = self._sealer()
        await outbox.enqueue_sealed(tx, platform, lane, [sealer.seal({
            "chat_id": chat_id, "payload": r.to_json(), "reply_token": reply_token,
            "reply_expires": reply_expires}) for r in replies],
            day_stamp(self.services.clock()), not_before=not_before)
        return [(platform, lane)] if replies else []

    async def _send_news(self, tx: Tx, case_ids: list[int]) -> list[tuple[str, str]]:
        """Tell reporters who opted in that their report has news (nothing more), and
        delete the address of one whose report is now closed; returns where news went."""
        queued: list[tuple[str, str]] = []
        for case_id in dict.fromkeys(case_ids):
            case = await case_store.get(tx, case_id)
            blob = await report_store.contact(tx, case["contact_id"]) \
                if case and case["contact_id"] else None
            if blob is None:
                continue
            address = self._sealer().open(blob)
            news = Reply(t(address.get("lang", "th"), "r.news"))
            queued += await self._enqueue_sealed(tx, address["platform"], address["chat_id"],
                                                 new_lane(), [news])
            if case["status"] in case_rules.FINAL:
                await report_store.drop_contact(tx, case["contact_id"])
        return queued

    def _sealer(self) -> Sealer:
        sealer = self.services.sealer
        if sealer is None:
            raise RuntimeError("anonymous reports need a seal key (Services.sealer)")
        return sealer

    async def unfollow(self, platform: str, chat_id: str, update_key: str) -> None:
        """The person blocked or removed the bot: send nothing more, forget the draft."""
        self.private.drop(platform, chat_id)
        stamp = self.services.clock().astimezone(dt.UTC).isoformat(timespec="seconds")
        async with self.db.transaction() as tx:
            if not await updates.claim(tx, platform, update_key, day_stamp(self.services.clock())):
                return
            await outbox.drop_pending(tx, platform, chat_id, "the citizen left the chat")
            conv = await conversations.load(tx, platform, chat_id)
            if conv is not None:
                conv.step, conv.data = MENU, {}
                await conversations.save(tx, conv, stamp)

    async def autoclose(self, days: int = CONFIRM_DAYS) -> int:
        """Close cases resolved ``days`` ago whose citizen never said whether they are fixed,
        as "closed without confirmation" (counted apart from "fixed"). Returns how many."""
        now = self.services.clock()
        stamp = now.astimezone(dt.UTC).isoformat(timespec="seconds")
        cutoff = (now - dt.timedelta(days=days)).astimezone(dt.UTC).isoformat(timespec="seconds")
        async with self.db.transaction() as tx:
            stale = await case_store.resolved_before(tx, cutoff)
            for case in stale:
                await case_store.update(tx, case["id"], status=case_rules.UNCONFIRMED,
                                        awaiting=None)
                await events.record(tx, case["id"], stamp, "clock", "unconfirmed",
                                    case["status"], case_rules.UNCONFIRMED, None)
                text = t(case["lang"], "u.unconfirmed", reference=case["reference"], days=days)
                await outbox.enqueue(tx, case["platform"], case["chat_id"],
                                     [Reply(text).to_json()], stamp)
                conv = await conversations.load(tx, case["platform"], case["chat_id"])
                if conv is not None and conv.data.get("case") == case["reference"]:
                    paused = conv.data.get("_paused") or {"step": MENU, "data": {}}
                    conv.step, conv.data = paused["step"], paused["data"]
                    await conversations.save(tx, conv, stamp)
        if stale:
            log.info("%d resolved case(s) closed without confirmation", len(stale))
            if self._on_queued is not None:
                self._on_queued(None)
        return len(stale)

    async def remind(self) -> int:
        """Send the reminders and escalations due now, in office hours only; how many."""
        now = self.services.clock()
        calendar, muni = self.services.calendar, self.services.municipality
        if not calendar.in_office_hours(now):
            return 0
        stamp = now.astimezone(dt.UTC).isoformat(timespec="seconds")
        sent = 0
        async with self.db.transaction() as tx:
            for case in await case_store.open_cases(tx, case_rules.FINAL):
                for platform, chat_id, reply in await deadlines.due_reminders(
                        tx, case, calendar, muni, now):
                    await outbox.enqueue(tx, platform, chat_id, [reply.to_json()], stamp)
                    sent += 1
        if sent:
            log.info("%d reminder(s) and escalation(s) queued", sent)
            if self._on_queued is not None:
                self._on_queued(None)
        return sent

    async def forget_phones(self) -> int:
        """Erase citizens' phone numbers once their case has been over for the retention
        period the citizen was told (the municipality file's ``phone_retention_days``)."""
        now = self.services.clock()
        cutoff = (now - dt.timedelta(days=self.services.municipality.phone_retention_days)
                  ).astimezone(dt.UTC).isoformat(timespec="seconds")
        async with self.db.transaction() as tx:
            erased = await case_store.forget_phones(tx, case_rules.FINAL, cutoff)
        if erased:
            log.info("%d phone number(s) erased after the retention period", erased)
        return erased

    async def _say_only(self, incoming: Incoming, stamp: str, key: str) -> Outcome:
        """Answer text ``key`` and change nothing else (the update counts as handled)."""
        session = self.private.get(incoming.platform, conversation_key(incoming))
        async with self.db.transaction() as tx:
            if not await updates.claim(tx, incoming.platform, incoming.update_key,
                                       day_stamp(self.services.clock())):
                return await self._duplicate(tx, incoming, private=session is not None)
            if session is not None:
                reply = Reply(t(session.conv.lang, key))
                return Outcome(replies=[reply], queued_to=await self._enqueue_sealed(
                    tx, incoming.platform, incoming.chat_id, session.lane, [reply],
                    reply_token=incoming.reply_token, reply_expires=incoming.reply_expires))
            conv = await conversations.load(tx, incoming.platform, conversation_key(incoming))
            lang = conv.lang if conv else initial_language(incoming.language)
            reply = Reply(t(lang, key))
            await outbox.enqueue(tx, incoming.platform, incoming.chat_id, [reply.to_json()], stamp,
                                 reply_token=incoming.reply_token,
                                 reply_expires=incoming.reply_expires)
        return Outcome(replies=[reply], queued_to=[(incoming.platform, incoming.chat_id)])

    async def forget_updates(self, days: int = UPDATES_KEPT_DAYS) -> int:
        """Forget the ids of updates handled ``days`` ago: no platform redelivers that late
        (Telegram keeps an update 24 hours), and a long record of them is a record of
        activity. How many were forgotten."""
        cutoff = day_stamp(self.services.clock() - dt.timedelta(days=days))
        async with self.db.transaction() as tx:
            return await updates.forget_before(tx, cutoff)

    async def photos_in_use(self) -> set[str]:
        """Every stored photo something still holds: a case, a draft (saved, or private in
        memory), a message waiting to go out."""
        found = {r["sha256"] for r in await self.db.fetchall("SELECT sha256 FROM case_photos")}
        texts = [r["data"] for r in await self.db.fetchall("SELECT data FROM conversations")]
        texts += [json.dumps(s.conv.data) for s in self.private.sessions()]
        for row in await self.db.fetchall(
                "SELECT payload, sealed FROM outbox WHERE status = 'pending'"):
            texts.append(self._sealer().open(row["sealed"])["payload"] if row["sealed"]
                         else row["payload"])
        for text in texts:
            found.update(_SHA256.findall(text))
        return found

    async def checkpoint(self) -> None:
        """Truncate the WAL (see :meth:`Database.checkpoint`); one a reader blocked is tried
        again at the next sweep."""
        self.checkpoint_due = not await self.db.checkpoint()

    async def erase_reports(self) -> list[str]:
        """Erase misconduct reports closed longer than the retention period (the
        municipality file's ``misconduct.retention_days``): their content, their reporter's
        trace and their photos' rows; counts for statistics remain. Returns the photos no
        case holds any more, for their files to be removed."""
        now = self.services.clock()
        cutoff = (now - dt.timedelta(days=self.services.municipality.report_retention_days)
                  ).astimezone(dt.UTC).isoformat(timespec="seconds")
        today = now.astimezone(dt.UTC).date().isoformat()
        photos: list[str] = []
        async with self.db.transaction() as tx:
            due = await report_store.due_for_erasure(tx, case_rules.FINAL, cutoff)
            for case in due:
                if case["contact_id"]:
                    await report_store.drop_contact(tx, case["contact_id"])
                photos += await report_store.erase(tx, case["id"], today)
        if due:
            await self.checkpoint()
            log.info("%d closed report(s) erased after the retention period", len(due))
        return photos


OFFICER_COMMANDS = frozenset({"cases", "overdue", "report"})


async def dispatch(turn: Turn) -> None:
    """Invitation codes, then officers' messages, then citizens' (a group chat's messages
    count only from officers: the bot never answers a group's own chatter)."""
    incoming = turn.incoming
    invite = officer.INVITE_CODE.match(incoming.text or "")
    if invite:
        await officer.redeem_invite(turn, invite.group(1).upper())
        return
    turn.officer = await officers.find(turn.tx, incoming.platform, incoming.user_id)
    offered = turn.offered()
    if incoming.choice is None and incoming.text is not None:
        # A button of a reply keyboard (or someone typing its label) sends the label back.
        typed = incoming.text.strip()
        value = next((v for v, label in offered.items() if label == typed), None)
        if value is not None:
            turn.incoming = incoming = dataclasses.replace(incoming, choice=value, text=None)
    awaiting_text = turn.conv.step.startswith("o.") and turn.conv.step != officer.MENU
    if incoming.group and not (incoming.choice or incoming.command
                               or (turn.officer and awaiting_text)):
        return  # a group's own chatter; officers there use buttons, commands, or answer a prompt
    if turn.officer is not None:
        await dispatch_officer(turn)
    elif incoming.group:
        return
    elif incoming.command in OFFICER_COMMANDS or (incoming.choice or "").startswith(("o:", "o.")):
        officer.refuse(turn, "an officer's action to a non-officer")
    else:
        await dispatch_citizen(turn)


async def dispatch_officer(turn: Turn) -> None:
    incoming = turn.incoming
    if not turn.conv.step.startswith("o.") or turn.conv.step not in STEPS:
        turn.reset()
        turn.conv.step = officer.MENU
    if incoming.group and not await officer.group_is_theirs(turn):
        officer.refuse(turn, "officer action in another division's group")
        return
    command = incoming.command
    if command in ("start", "menu", "help") or command == "cancel" or incoming.choice == "cancel":
        if command == "cancel" or incoming.choice == "cancel":
            turn.note(t(turn.lang, "cancelled"))
        turn.reset()
        await turn.goto(officer.MENU)
    elif command == "report":
        await officer.show_report(turn)
    elif command in OFFICER_COMMANDS:
        await officer.show_list(turn, overdue=command == "overdue")
    elif (incoming.choice or "").startswith("more:"):
        await turn.more(incoming.choice.removeprefix("more:"))
    elif not await officer.handle_choice(turn):
        await STEPS[turn.conv.step].receive(turn)


async def dispatch_citizen(turn: Turn) -> None:
    """Commands and buttons that mean the same at every step, then the step itself."""
    incoming = turn.incoming
    if turn.conv.step not in STEPS or turn.conv.step.startswith("o."):
        turn.reset()  # a step renamed since the chat was saved, or an officer revoked
        turn.conv.step = MENU
    command = incoming.command
    leaving = command in ("start", "menu", "help", "cancel") or incoming.choice in (
        "cancel", "menu") or (incoming.choice or "").startswith("menu:") or \
        (incoming.text or "").strip().lower() in CANCEL_WORDS
    if leaving and turn.conv.step in followup.STEPS:
        await followup.decline_all(turn)
    if command in ("start", "menu", "help"):
        turn.reset()
        await turn.goto(MENU)
        return
    if command == "cancel" or (incoming.text or "").strip().lower() in CANCEL_WORDS:
        await cancel(turn)
        return
    if command is not None:
        turn.note(t(turn.lang, "unsupported"))
        await turn.reprompt()
        return
    offered = turn.offered()
    if incoming.choice is not None:
        if incoming.choice.startswith("more:"):
            await turn.more(incoming.choice.removeprefix("more:"))
            return
        if incoming.choice.startswith("menu:") and incoming.choice not in offered:
            # A persistent menu (LINE's rich menu) can be pressed at any step.
            turn.reset()
            turn.conv.step = MENU
            await STEPS[MENU].receive(turn)
            return
        if incoming.choice not in offered and incoming.choice not in ALWAYS_VALID:
            turn.note(t(turn.lang, "stale_button"))
            await turn.reprompt()
            return
        if incoming.choice == "cancel":
            await cancel(turn)
            return
        if incoming.choice == "menu":
            turn.reset()
            await turn.goto(MENU)
            return
    if incoming.other is not None:
        turn.note(t(turn.lang, "unsupported.image" if incoming.other == BAD_IMAGE
                    else "unsupported"))
        await turn.reprompt()
        return
    await STEPS[turn.conv.step].receive(turn)


async def cancel(turn: Turn) -> None:
    if turn.conv.step != MENU:
        turn.note(t(turn.lang, "cancelled"))
    turn.reset()
    await turn.goto(MENU)
