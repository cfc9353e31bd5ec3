"""tag: the crisis tag in the subject, the X-Crisis-* fields, IMAP keywords and Gmail labels of the
tagged copy.

Applied by the mail's source (the copy in the inbox, the relay's re-injected copy), never queued.
With [tags] subject = false the subject stays as it came: keywords, labels and fields only.
"""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action
from gateway.judging.blockers import Context
from gateway.judging.subject import keywords, labels, render_tag, tag_subject, tag_word, without_crisis_tags

# Amazon's no-reply address reaches nobody: a claim is answered on Seller Central's A-to-z page.
CLAIM_KEYWORD = "$CrisisAnswerInSellerCentral"


class Tag(Action):
    NAME = "tag"
    FROM_RULES = True
    CHANNEL = "source"

    def plan(self, ctx: Context) -> dict[str, Any]:
        word = tag_word(ctx.config, ctx.rule, ctx.category, ctx.rule.case_status if ctx.rule else None)
        tag = render_tag(word, ctx.tier, ctx.deadline, ctx.config.timezone, ctx.suspicious, since=ctx.arrival)
        follows = ctx.deadline is not None and not ctx.suspicious  # its tag follows the clock
        words = keywords(ctx.category, ctx.tier, ctx.suspicious, follows)
        if ctx.category == "atoz_claim" and not ctx.suspicious:
            words.append(CLAIM_KEYWORD)
        # a crisis tag on mail not judged a crisis is removed: only the gateway puts mail into a CRISIS filter
        subject = ctx.facts.mail.subject if ctx.tier == 1 else without_crisis_tags(ctx.facts.mail.subject)
        return {
            "subject": tag_subject(subject, tag, ctx.tag_pattern) if ctx.config.tags.subject else subject,
            "subject_tagged": ctx.config.tags.subject,
            "word": word,
            "keywords": words,
            "labels": labels(word, ctx.tier, suspicious=ctx.suspicious),
        }
