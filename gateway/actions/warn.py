"""warn: a case mail to Amazon that raises several problems; its sender is told that Amazon
handles one problem per case. Queued by the outbound relay."""

from __future__ import annotations

from gateway.actions.base import Action, Job, Outgoing, Urgency
from gateway.actions.mailing import team_mail


class Warn(Action):
    NAME = "warn"
    URGENCY = Urgency.DUE

    def compose(self, job: Job) -> Outgoing:
        payload = job.payload
        variables = dict(case_id=payload["case_id"], subject=payload["subject"], signs=payload["signs"])
        return team_mail(job.config, job.row, "one_case.txt.j2", variables, "case", job.now)
