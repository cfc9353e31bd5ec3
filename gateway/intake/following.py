"""Tags that follow the clock: when the clock a tagged mail follows stops or passes its deadline,
the tagged copy in the inbox says so.

Keywords change by STORE ($CrisisOpen -> $CrisisOverdue, $CrisisAnswered, $CrisisDecided,
$CrisisResolved), Gmail labels where the server has them, and, for the changes [tags] follow
names, the subject tag ("[CRISIS: A-to-Z by Wed 15:02]" -> "[Answered: A-to-Z]"). IMAP cannot
change a stored mail, so a new subject is a new copy, in the order the first tag uses:
  1. the change is recorded ("appending", with the old copy's UID);
  2. the new copy is appended (the old copy's flags, the new state's keyword, X-Crisis-State) and
     confirmed by APPENDUID or a search for its key and state; recorded ("appended");
  3. only then is the old copy moved to the archive folder, and "done" recorded with an audit row.
After a crash the change is met again at its stage: a copy appended before the crash is found,
not appended again; an old copy already moved is not looked for. Nothing is stored twice, no copy
is lost. A change that fails MAX_TRIES times in a run (a server that refuses the move, a new copy
no search confirms) is given up on: the mail keeps the copies it has, and no other is appended.
Which clock a mail follows and how a clock stops are the state's business
(gateway.state.tag_states): this module compares what the clock says with what the tag shows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from imapclient.exceptions import IMAPClientAbortError

from gateway.config import Config
from gateway.intake.stores.base import TAGGED, MailStore, StoredMail
from gateway.intake.tries import MAX_TRIES, CopyNotConfirmed, Tries
from gateway.judging.classify import Classifier
from gateway.judging.subject import TAG_STATES, labels, render_tag, state_keyword, tag_subject, tag_word
from gateway.judging.tagging import field_text, key_token, subject_of
from gateway.mail.rewrite import rewrite_headers
from gateway.state import State
from gateway.state.tag_states import tag_state_of

log = logging.getLogger("gateway.follow")
STATE_KEYWORDS = [state_keyword(s) for s in TAG_STATES]
# the connection is gone: the watcher reconnects, and the stage says where to resume
CONNECTION_LOST = (IMAPClientAbortError, OSError, ConnectionError)


class TagFollower:
    """Moves the tags of one inbox on. Runs in the inbox watcher's thread, on its store; one per
    watcher for its whole run, so that a mail's failures are counted from one scan to the next.
    The copy of a mail is fetched once per change and only its header fields are read."""

    def __init__(self, store: MailStore, state: State | None, classifier: Classifier | None) -> None:
        self.store = store
        self.state = state
        self.classifier = classifier  # its rules and tag pattern follow a rules reload
        self.tries = Tries()  # by message key
        # keys whose new copy the server took in this run and no search finds: never appended again
        self.unconfirmed: set[str] = set()

    def use(self, state: State | None, classifier: Classifier | None) -> None:
        """Work with the leased pipeline's state and classifier (None: given back)."""
        self.state, self.classifier = state, classifier

    @property
    def config(self) -> Config:
        return self.classifier.config

    def follow(self, now: datetime | None = None) -> int:
        """Move on every tag that lags behind its clock (up to the state's batch); returns how many.
        A change that failed MAX_TRIES times in this run is given up on (see _give_up)."""
        now = now or datetime.now(timezone.utc)
        moved = 0
        for row in self.state.tags_to_follow(self.store.name, now):
            key = row["key"]
            try:
                if self.tries.given_up(key):
                    self._give_up_logged(row, now)  # an earlier give-up did not get to record itself
                    continue
                moved += self._follow(row, now)
                self.tries.succeeded(key)
            except CONNECTION_LOST:
                raise
            except Exception as exc:  # noqa: BLE001 - one mail must not keep the others' tags behind
                self._failed(row, exc, now)
        return moved

    def _failed(self, row: dict[str, Any], exc: Exception, now: datetime) -> None:
        tries = self.tries.failed(row["key"], exc)
        if tries < MAX_TRIES:
            log.warning("%s: tag of %s not moved on (%s); tried again later (%d of %d tries)", self.store.name,
                        row["key"], self.tries.why(row["key"]), tries, MAX_TRIES)
            return
        self._give_up_logged(row, now)

    def _give_up_logged(self, row: dict[str, Any], now: datetime) -> None:
        """_give_up; if even that fails, said, and tried at the next pass: the other mails' tags go on."""
        try:
            self._give_up(row, now)
        except CONNECTION_LOST:
            raise
        except Exception:  # noqa: BLE001
            log.exception("%s: giving up on the tag of %s failed; tried again at the next pass", self.store.name,
                          row["key"])
            return
        # recorded: a later change of this mail (overdue, then answered) starts with its own tries
        self.tries.succeeded(row["key"])
        self.unconfirmed.discard(row["key"])

    def _give_up(self, row: dict[str, Any], now: datetime) -> None:
        """The mail keeps the copies it has, and the change is recorded done with why (an audit row
        `tag_changed` with `gave_up`): it is not tried again, no other copy is appended. A copy
        whose subject stays gets the new state's keyword (STORE changes nothing else)."""
        key, stage = row["key"], row["stage"]
        target = row["target"] if stage != "done" else tag_state_of(row, now)
        detail: dict[str, Any] = {"gave_up": self.tries.why(key), "tries": MAX_TRIES}
        if stage == "appended":
            # the new copy is confirmed and shows the change; the old one stays beside it
            uid, detail["subject"] = row["copy_uid"], "rewritten"
            kept = f"the new copy (uid {uid}) is in place, the old one (uid {row['old_uid']}) stays beside it"
        else:
            uid = row["old_uid"] if stage == "appending" else row.get("copy_uid") or row["first_uid"]
            detail["subject"] = "unchanged"
            detail["keywords"] = self._mark_if_ours(uid, row, target)
            kept = f"the copy at uid {uid} keeps its subject" + (
                f", marked {state_keyword(target)}" if detail["keywords"] else "")
        if key in self.unconfirmed:
            detail["unconfirmed_copy"] = True
            kept += "; a new copy the server took and no search found may stand beside it"
        self.state.finish_tag_change(self.store.name, key, row["shown"], target, uid, detail)
        log.error("%s: tag of %s not moved on to %s after %d tries (%s); given up: %s", self.store.name, key,
                  target, MAX_TRIES, detail["gave_up"], kept)

    def _ours(self, uid: int | None, key: str) -> StoredMail | None:
        """The mail at `uid`, if it is still a tagged copy of `key` (not a mail that took its place)."""
        stored = self.store.fetch(uid) if uid else None
        return stored if stored is not None and _is_copy_of(stored.raw, key) else None

    def _mark_if_ours(self, uid: int | None, row: dict[str, Any], target: str) -> bool:
        """The keywords of `target` on the copy at `uid`, if it is still the mail's; True when set."""
        try:
            if self._ours(uid, row["key"]) is None:
                return False
            self._mark(uid, row, target)
        except CONNECTION_LOST:
            raise
        except Exception:  # noqa: BLE001 - the server refuses the keywords too: the copy stays as it is
            return False
        return True

    def _follow(self, row: dict[str, Any], now: datetime) -> int:
        key, shown = row["key"], row["shown"]
        if row["stage"] == "appending":
            return self._resume_append(row, row["target"])
        if row["stage"] == "appended":
            return self._move_old(row, row["target"], row["copy_uid"])
        target = tag_state_of(row, now)
        if target == shown:
            return 0
        stored = self._current_copy(row)
        if stored is None:
            log.info("%s: the tagged copy of %s is no longer in the folder; its tag is not followed", self.store.name, key)
            self.state.finish_tag_change(self.store.name, key, shown, target, None, {"copy": "gone"})
            return 0
        subject = subject_of(stored.raw)
        new_subject = self._subject(row, subject, target)
        if new_subject == subject:
            # keywords (and labels) only: STORE changes the copy in place, nothing to lose
            self._mark(stored.uid, row, target)
            self.state.finish_tag_change(self.store.name, key, shown, target, stored.uid, {"subject": "unchanged"})
            log.info("%s: %s is %s (keywords)", self.store.name, key, target)
            return 1
        self.state.begin_tag_change(self.store.name, key, shown, target, stored.uid)
        return self._append_and_move({**row, "old_uid": stored.uid}, target, stored, new_subject)

    def _current_copy(self, row: dict[str, Any]) -> StoredMail | None:
        """The copy that shows the tag now: where the state last saw it, else found by its key
        (the folder was renumbered, a client moved it back)."""
        uid = row.get("copy_uid") or row["first_uid"]
        stored = self._ours(uid, row["key"])
        if stored is not None:
            return stored
        found = self.store.find_copy(row["key"])
        return self.store.fetch(found) if found is not None else None

    def _subject(self, row: dict[str, Any], subject: str, target: str) -> str:
        """The subject the copy should carry in `target`: rewritten for the changes [tags] follow
        names (and back to the open form from an overdue one), else as it stands."""
        tags = self.config.tags
        if not tags.subject or (target not in tags.follow and target != "open"):
            return subject
        deadline = row.get("clock_deadline") or row["deadline"]
        tag = render_tag(self._word(row), row["tier"], datetime.fromisoformat(deadline) if deadline else None,
                         self.config.timezone, since=datetime.fromisoformat(row["arrival"]), state=target)
        return tag_subject(subject, tag, self.classifier.tag_pattern)

    def _word(self, row: dict[str, Any]) -> str:
        """The tag word the first tag used (the rule that matched, by its name in the state)."""
        rule = next((r for r in self.classifier.rules.rules if r.name == row["rule"]), None)
        return tag_word(self.config, rule, row["category"], row.get("case_status"))

    def _resume_append(self, row: dict[str, Any], target: str) -> int:
        """A change met at "appending" (after a crash, or a failure): the new copy may be there."""
        key, old_uid = row["key"], row["old_uid"]
        new_uid = self.store.find_copy(key, target)
        if new_uid is not None:
            return self._appended(row, target, new_uid, None)
        if key in self.unconfirmed:
            raise CopyNotConfirmed(f"the new copy of {key} ({target}) the server took is still not found; "
                                   "not appended again, the old one stays")
        stored = self._ours(old_uid, key)
        if stored is None:
            log.info("%s: the tagged copy of %s left the folder before its new tag was written", self.store.name, key)
            self.state.finish_tag_change(self.store.name, key, row["shown"], target, None, {"copy": "gone"})
            return 0
        return self._append_and_move(row, target, stored, self._subject(row, subject_of(stored.raw), target))

    def _append_and_move(self, row: dict[str, Any], target: str, old: StoredMail, subject: str) -> int:
        """Append the new copy of `old` (the copy showing the tag now, fetched and recognised) with
        `subject`, confirm it, then move `old` away."""
        key = row["key"]
        raw = rewrite_headers(old.raw, {"Subject": subject, "X-Crisis-State": target})
        # $CrisisTagged even when the old copy lacks it (the inbound relay's delivery, taken in place)
        flags = tuple(f for f in old.flags if f not in ("\\Recent", TAGGED) and f not in STATE_KEYWORDS) + (TAGGED,)
        new_uid = self.store.append_copy(raw, flags + (state_keyword(target),), old.internaldate) \
            or self.store.find_copy(key, target)
        if new_uid is None:
            self.unconfirmed.add(key)
            raise CopyNotConfirmed(f"the new copy of {key} ({target}) is not found after APPEND; the old one stays")
        return self._appended(row, target, new_uid, old)

    def _appended(self, row: dict[str, Any], target: str, new_uid: int, old: StoredMail | None) -> int:
        self.state.tag_copy_appended(self.store.name, row["key"], new_uid)
        self.unconfirmed.discard(row["key"])  # found after all: a later change may append again
        self._labels(new_uid, row, target)
        return self._move_old(row, target, new_uid, old)

    def _move_old(self, row: dict[str, Any], target: str, new_uid: int, old: StoredMail | None = None) -> int:
        """Move the old copy away, if it is still there, and record the change done. `old`: the old
        copy as fetched and recognised in this change; None: fetched again (a change resumed)."""
        key, old_uid = row["key"], row["old_uid"]
        if old is None and old_uid:
            old = self._ours(old_uid, key)
        if old is not None and old_uid != new_uid:
            self.store.archive(old_uid)
        self.state.finish_tag_change(self.store.name, key, row["shown"], target, new_uid, {"subject": "rewritten"})
        log.info("%s: %s is %s (tag rewritten, uid %s -> %s)", self.store.name, key, target, old_uid, new_uid)
        return 1

    def _mark(self, uid: int, row: dict[str, Any], target: str) -> None:
        self.store.add_keywords(uid, [state_keyword(target)])
        self.store.remove_keywords(uid, [k for k in STATE_KEYWORDS if k != state_keyword(target)])
        self._labels(uid, row, target)

    def _labels(self, uid: int, row: dict[str, Any], target: str) -> None:
        word = self._word(row)
        wanted = labels(word, row["tier"], target)
        others = {label for state in TAG_STATES for label in labels(word, row["tier"], state)} - set(wanted)
        self.store.change_labels(uid, wanted, sorted(others))


def _is_copy_of(raw: bytes, key: str) -> bool:
    """Whether `raw` is a tagged copy of the mail `key` (its X-Crisis-Key), not some other mail
    that took its UID. Only the header field is read, never the body."""
    return field_text(raw, "X-Crisis-Key").strip() == key_token(key)
