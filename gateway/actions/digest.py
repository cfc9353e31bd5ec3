"""digest: the managers' daily digest as queued by gateway.deadlines.digest, text and HTML
alternatives. What it shows was fixed when it was queued, so a retry sends the same digest."""

from __future__ import annotations

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import gateway_fields
from gateway.mail import mime


class Digest(Action):
    NAME = "digest"
    URGENCY = Urgency.DIGEST

    def compose(self, job: Job) -> Outgoing:
        config, payload = job.config, job.payload
        assert config.smtp is not None
        content_type, body = mime.multipart_mixed([mime.text_part(payload["text"]), mime.text_part(payload["html"], "html")],
                                                  "alternative")
        fields = gateway_fields(config, job.row, payload["subject"], job.now) + [("X-Crisis-Digest", "daily")]
        return Outgoing(config.smtp.sender, job.row["target"].split(","), mime.message(fields, content_type, body))
