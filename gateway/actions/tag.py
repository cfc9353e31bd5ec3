"""tag: the crisis tag in the subject, the X-Crisis-* fields and IMAP keywords of the tagged copy.

Applied by the mail's source (the copy in the inbox, the relay's re-injected copy), never queued.
"""

from __future__ import annotations

from typing import Any

from gateway.actions.base import Action
from gateway.judging.blockers import Context
from gateway.judging.subject import keywords, render_tag, tag_subject, without_crisis_tags


class Tag(Action):
    NAME = "tag"
    FROM_RULES = True
    CHANNEL = "source"

    def plan(self, ctx: Context) -> dict[str, Any]:
        rule = ctx.rule
        word = rule.tag if rule and rule.tag else ctx.config.tag_word(ctx.category)
        if rule is not None and rule.case_status and ctx.category == "case":
            word = f"{word} {rule.case_status}"
        tag = render_tag(word, ctx.tier, ctx.deadline, ctx.config.timezone, ctx.suspicious)
        subject = ctx.facts.mail.subject if ctx.tier == 1 else without_crisis_tags(ctx.facts.mail.subject)
        return {
            "subject": tag_subject(subject, tag, ctx.tag_pattern),
            "keywords": keywords(ctx.category, ctx.tier, ctx.suspicious),
        }
