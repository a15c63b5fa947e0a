"""Start, page and end notices of a run, and their payloads for Slack, Teams and generic JSON.

A ``page`` notice is the simulated alert of a manual drill (``fault.page``): it goes where the
on-call engineer is really paged, and the time to act is measured from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

NOTICE_SCHEMA = 1
Phase = Literal["start", "page", "end"]
_PAGE_ICON = "🚨"
_ICON = {"pass": "✅", "fail": "❌", "aborted": "⚠️", "restore-incomplete": "🚨", "": "▶️"}


@dataclass(frozen=True, slots=True)
class Notice:
    """What a notice says: which drill, which run, and at the end its verdict and evidence (a
    page: the alert's text in ``summary``, what to do in ``instructions``)."""

    phase: Phase
    drill: str
    run_id: str
    target: str
    at: str
    """ISO 8601 time of the event (UTC)."""
    outcome: str = ""
    """``pass``, ``fail``, ``aborted`` or ``restore-incomplete`` (end notices only)."""
    summary: str = ""
    """One sentence: the verdict's reason, or what the drill is about to do."""
    evidence_url: str = ""
    """Link (or path) of the run's evidence."""
    instructions: str = ""
    """What the paged engineer is asked to do (page notices only: ``fault.instructions``)."""

    @property
    def title(self) -> str:
        """A one-line headline."""
        if self.phase == "start":
            return f"drillkit: game day {self.drill} started (target {self.target})"
        if self.phase == "page":
            return f"PAGE: {self.summary} (game day {self.drill}, target {self.target})"
        return f"drillkit: game day {self.drill} ended: {self.outcome or 'unknown'}"

    @property
    def text(self) -> str:
        """Headline, summary and evidence link as plain text."""
        if self.phase == "page":
            parts = [f"{_PAGE_ICON} {self.title}"]
        else:
            parts = [f"{_ICON.get(self.outcome, '')} {self.title}".strip()]
            if self.summary:
                parts.append(self.summary)
        if self.instructions:
            parts.append(f"Your turn: {self.instructions}")
        if self.evidence_url:
            parts.append(f"Evidence: {self.evidence_url}")
        parts.append(f"Run {self.run_id}")
        return "\n".join(parts)


def generic_payload(notice: Notice) -> dict[str, Any]:
    """The generic JSON body: every field of the notice, with a schema version."""
    return {"schema": NOTICE_SCHEMA, "title": notice.title, **asdict(notice)}


def slack_payload(notice: Notice) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` as the fallback, Block Kit sections for show."""
    fields = [
        {"type": "mrkdwn", "text": f"*Drill*\n{notice.drill}"},
        {"type": "mrkdwn", "text": f"*Target*\n{notice.target}"},
        {"type": "mrkdwn", "text": f"*Run*\n{notice.run_id}"},
    ]
    if notice.outcome:
        fields.append({"type": "mrkdwn", "text": f"*Verdict*\n{notice.outcome}"})
    if notice.phase == "page":
        return {"text": notice.text, "blocks": _slack_page(notice, fields)}
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": notice.title[:150]}},
        {"type": "section", "fields": fields},
    ]
    if notice.summary:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": notice.summary}})
    if notice.evidence_url:
        link = f"<{notice.evidence_url}|Evidence>"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": link}]})
    return {"text": notice.text, "blocks": blocks}


def _slack_page(notice: Notice, fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An alert: the page's text as the header, then what to do, then which drill it is."""
    header = f"{_PAGE_ICON} PAGE: {notice.summary}"[:150]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
    ]
    if notice.instructions:
        todo = f"*Your turn:* {notice.instructions}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": todo}})
    blocks.append({"type": "section", "fields": fields})
    drill = f"Game day drill {notice.drill}: drillkit changes nothing and times your response."
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": drill}]})
    return blocks


def teams_payload(notice: Notice) -> dict[str, Any]:
    """A Teams workflow webhook message carrying an Adaptive Card 1.4."""
    facts = [
        {"title": "Drill", "value": notice.drill},
        {"title": "Target", "value": notice.target},
        {"title": "Run", "value": notice.run_id},
    ]
    if notice.outcome:
        facts.append({"title": "Verdict", "value": notice.outcome})
    page = notice.phase == "page"
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "size": "Large" if page else "Medium",
            "weight": "Bolder",
            "text": f"{_PAGE_ICON} {notice.title}" if page else notice.title,
            "wrap": True,
            **({"color": "Attention"} if page else {}),
        },
        {"type": "FactSet", "facts": facts},
    ]
    if notice.instructions:
        todo = f"Your turn: {notice.instructions}"
        body.insert(1, {"type": "TextBlock", "text": todo, "wrap": True, "weight": "Bolder"})
    if notice.summary and not page:
        body.append({"type": "TextBlock", "text": notice.summary, "wrap": True})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if notice.evidence_url:
        action = {"type": "Action.OpenUrl", "title": "Evidence", "url": notice.evidence_url}
        card["actions"] = [action]
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
        ],
    }


PAYLOADS = {"json": generic_payload, "slack": slack_payload, "teams": teams_payload}


def payload(format_: str, notice: Notice) -> dict[str, Any]:
    """The body of a notice in one of the formats of ``notify.webhooks[].format``."""
    return PAYLOADS[format_](notice)
