"""preview: what `run` would do to the live inboxes, printed; the reading and judging live in
gateway.service.preview."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from datetime import date, datetime, timezone

from gateway.cli.command import add_command
from gateway.cli.output import EXIT_OK, EXIT_PROBLEMS, actions_text, print_table, verdict_row
from gateway.config import Config, ConfigError
from gateway.judging.trust_survey import VERIFIED
from gateway.service.preview import Preview, Seen, Summary, chosen_mailboxes, first_start_since

HEADER = ["mail", "category", "tier", "due", "actions", "subject"]
VERIFIED_TEXT = {"pass": "pass", "fail": "fail", "none": "without a trusted result", "unchecked": "not checked"}


def parse_since(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"--since {value!r} is not a date like 2026-11-01") from None


def _row(seen: Seen, config: Config) -> list[str]:
    verdict = seen.verdict
    if verdict is None:
        return [seen.label, "error", "-", "-", "quarantine", seen.error]
    actions = actions_text(verdict)
    if seen.duplicate_of is not None:
        actions = f"none: the same mail as {seen.duplicate_of}" + ("; archived" if verdict.action("tag") else "")
    elif verdict.held_back:
        actions += "; held back: " + ", ".join(a.kind for a in verdict.held_back)
    return [seen.label, *verdict_row(seen.label, verdict, config)[1:4], actions, verdict.subject]


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in counter.most_common()) or "none"


def _held(summary: Summary, kind: str) -> str:
    held = summary.held[kind]
    return f"; {held} held back" if held else ""


def summary_lines(summary: Summary, config: Config) -> list[str]:
    lines = []
    for m in summary.mailboxes:
        read = f"{m.read} mail(s) since {m.since.isoformat()}" + (f", {m.skipped} left alone (the gateway's own "
                                                                   "tagged copies, deleted mail)" if m.skipped else "")
        lines.append(f"{m.name}: {read}" + (f"; could not be read: {m.failure}" if m.failure else ""))
    tiers = sorted(summary.tiers.items(), key=lambda item: (not item[0].isdigit(), item[0] == "-", item[0]))
    lines += [f"by category: {_counts(summary.categories)}",
              "by tier: " + (", ".join(f"{'none' if t == '-' else t}: {n}" for t, n in tiers) or "none")]
    also = [f"{summary.duplicates} mail(s) delivered twice (done once)"] if summary.duplicates else []
    also += [f"{summary.unreadable} that cannot be read (quarantined)"] if summary.unreadable else []
    if also:
        lines.append("also: " + ", ".join(also))
    planned, ahead, past = summary.planned, summary.steps_ahead, summary.steps_past
    held_note = (" (held back: not done for mail first seen more than [gateway] fresh_hours = "
                 f"{config.fresh_hours:g} h after it arrived)")
    lines += [
        "run would do" + (held_note if summary.held else "") + ":",
        f"  tag: {planned['tag']} mail(s): a tagged copy appended to the inbox, the original moved to the archive",
        f"  forward: {planned['forward']} crisis mail(s){_held(summary, 'forward')}",
        f"  acknowledge: {planned['acknowledge']} buyer(s){_held(summary, 'acknowledge')}",
        f"  notify: {planned['notify']} notification(s) to webhooks and [notify] urls{_held(summary, 'notify')}",
        f"  remind: {ahead['remind']} reminder step(s) still to come on {summary.clocks} open clock(s)"
        + (f", {ahead['escalate']} escalation(s)" if ahead["escalate"] else "")
        + (f"; {sum(past.values())} step(s) already past, not sent" if past else ""),
    ]
    for m in summary.mailboxes:
        lines.append(f"  report: {m.name}: " + (f"one backlog report listing {m.report} crisis mail(s)" if m.report
                                                else "no backlog report"))
    trust = summary.trust
    counts = ", ".join(f"{trust.amazon[v]} {VERIFIED_TEXT[v]}" for v in VERIFIED if trust.amazon[v])
    lines.append(f"trust, with [trust] authserv_ids = {json.dumps(list(config.authserv_ids))}: "
                 f"{trust.amazon_mails} mail(s) from Amazon" + (f": {counts}" if counts else ""))
    lines.append(f"  topmost Authentication-Results: {_counts(trust.writers)}")
    lines += [f"  {line}" for line in trust.advice()]
    return lines


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)  # stderr, terminal or not: the journal reads it; stdout stays clean


def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    if args.days is not None and args.days < 0:
        raise ConfigError(f"--days {args.days}: give 0 or more days")
    since = parse_since(args.since)
    mailboxes = chosen_mailboxes(config, args.mailbox)
    now = datetime.now(timezone.utc)
    preview = Preview(config, now)
    rows = []
    for mailbox in mailboxes:
        for seen in preview.read(mailbox, first_start_since(mailbox, now, args.days, since), _progress):
            if args.json:
                print(json.dumps(seen.as_json(), ensure_ascii=False), flush=True)
            else:
                rows.append(_row(seen, config))
        if preview.mailboxes[-1].failure:
            print(f"error: {preview.mailboxes[-1].failure}", file=sys.stderr, flush=True)
    summary = preview.summary()
    if args.json:
        print(json.dumps({"summary": summary.as_json()}, ensure_ascii=False))
    else:
        if rows:
            print_table(HEADER, rows)
        print("\n".join(summary_lines(summary, config)))
    return EXIT_PROBLEMS if any(m.failure for m in summary.mailboxes) else EXIT_OK


def add_preview(sub: argparse._SubParsersAction) -> None:
    preview = add_command(sub, "preview", cmd_preview,
                          "show what run would do to the live inboxes on its first start; changes nothing")
    preview.add_argument("--mailbox", metavar="NAME", help="only this [[mailbox]] (its name)")
    window = preview.add_mutually_exclusive_group()
    window.add_argument("--days", type=int, metavar="N", help="mail of the last N days instead of backlog_days")
    window.add_argument("--since", metavar="DATE", help="mail since this date (2026-11-01) instead of backlog_days")
    preview.add_argument("--json", action="store_true", help="one JSON object per mail and line, then the summary")
