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
is lost. Which clock a mail follows and how a clock stops are the state's business
(gateway.state.tag_states): this module compares what the clock says with what the tag shows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from imapclient.exceptions import IMAPClientAbortError

from gateway.intake.stores.base import MailStore
from gateway.judging.classify import Classifier
from gateway.judging.subject import TAG_STATES, labels, render_tag, state_keyword, tag_subject, tag_word
from gateway.judging.tagging import key_token
from gateway.mail.parse import MailError, parse_mail
from gateway.mail.rewrite import rewrite_headers
from gateway.state import State
from gateway.state.tag_states import tag_state_of

log = logging.getLogger("gateway.follow")
STATE_KEYWORDS = [state_keyword(s) for s in TAG_STATES]


class TagFollower:
    """Moves the tags of one inbox on. Runs in the inbox watcher's thread, on its store."""

    def __init__(self, store: MailStore, state: State, classifier: Classifier) -> None:
        self.store = store
        self.state = state
        self.classifier = classifier  # its rules and tag pattern follow a rules reload
        self.config = classifier.config

    def follow(self, now: datetime | None = None) -> int:
        """Move on every tag that lags behind its clock (up to the state's batch); returns how many."""
        now = now or datetime.now(timezone.utc)
        moved = 0
        for row in self.state.tags_to_follow(self.store.name, now):
            try:
                moved += self._follow(row, now)
            except (IMAPClientAbortError, OSError, ConnectionError):
                raise  # the connection is gone: the watcher reconnects, the stage says where to resume
            except Exception as exc:  # noqa: BLE001 - one mail must not keep the others' tags behind
                log.warning("%s: tag of %s not moved on (%s: %s); tried again later", self.store.name, row["key"],
                            type(exc).__name__, exc)
        return moved

    def _follow(self, row: dict[str, Any], now: datetime) -> int:
        key, shown = row["key"], row["shown"]
        if row["stage"] == "appending":
            return self._append_and_move(row, row["target"], resumed=True)
        if row["stage"] == "appended":
            return self._move_old(row, row["target"], row["copy_uid"])
        target = tag_state_of(row, now)
        if target == shown:
            return 0
        uid = self._current_copy(row)
        if uid is None:
            log.info("%s: the tagged copy of %s is no longer in the folder; its tag is not followed", self.store.name, key)
            self.state.finish_tag_change(self.store.name, key, shown, target, None, {"copy": "gone"})
            return 0
        stored = self.store.fetch(uid)
        subject = parse_mail(stored.raw).subject
        new_subject = self._subject(row, subject, target)
        if new_subject == subject:
            # keywords (and labels) only: STORE changes the copy in place, nothing to lose
            self._mark(uid, row, target)
            self.state.finish_tag_change(self.store.name, key, shown, target, uid, {"subject": "unchanged"})
            log.info("%s: %s is %s (keywords)", self.store.name, key, target)
            return 1
        self.state.begin_tag_change(self.store.name, key, shown, target, uid)
        return self._append_and_move({**row, "old_uid": uid}, target, resumed=False)

    def _current_copy(self, row: dict[str, Any]) -> int | None:
        """The copy that shows the tag now: where the state last saw it, else found by its key
        (the folder was renumbered, a client moved it back)."""
        uid = row.get("copy_uid") or row["first_uid"]
        stored = self.store.fetch(uid) if uid else None
        if stored is not None and _is_copy_of(stored.raw, row["key"]):
            return uid
        return self.store.find_copy(row["key"])

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

    def _append_and_move(self, row: dict[str, Any], target: str, *, resumed: bool) -> int:
        key, old_uid = row["key"], row["old_uid"]
        new_uid = self.store.find_copy(key, target) if resumed else None  # appended before a crash?
        if new_uid is None:
            stored = self.store.fetch(old_uid) if old_uid else None
            if stored is None or not _is_copy_of(stored.raw, key):
                log.info("%s: the tagged copy of %s left the folder before its new tag was written", self.store.name, key)
                self.state.finish_tag_change(self.store.name, key, row["shown"], target, None, {"copy": "gone"})
                return 0
            subject = self._subject(row, parse_mail(stored.raw).subject, target)
            raw = rewrite_headers(stored.raw, {"Subject": subject, "X-Crisis-State": target})
            flags = tuple(f for f in stored.flags if f != "\\Recent" and f not in STATE_KEYWORDS)
            new_uid = self.store.append_copy(raw, flags + (state_keyword(target),), stored.internaldate) \
                or self.store.find_copy(key, target)
            if new_uid is None:
                raise RuntimeError(f"the new copy of {key} ({target}) is not found after APPEND; the old one stays")
        self.state.tag_copy_appended(self.store.name, key, new_uid)
        self._labels(new_uid, row, target)
        return self._move_old(row, target, new_uid)

    def _move_old(self, row: dict[str, Any], target: str, new_uid: int) -> int:
        key, old_uid = row["key"], row["old_uid"]
        stored = self.store.fetch(old_uid) if old_uid else None
        if stored is not None and _is_copy_of(stored.raw, key) and old_uid != new_uid:
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
    that took its UID."""
    try:
        return parse_mail(raw).header("X-Crisis-Key") == key_token(key)
    except MailError:
        return False
