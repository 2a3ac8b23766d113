"""The form facilitators prepare a poll with, before the session."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField, TextAreaField

from workspace.forms import Form, options
from workspace.sessions.poll_models import PollKind


class PollForm(Form):
    # The service checks every field, so its messages are the same here and in the room.
    question = StringField("Question")
    kind = RadioField("Answers", choices=options((kind.value, kind.label) for kind in PollKind),
                      default=PollKind.SINGLE.value, validate_choice=False)
    options = TextAreaField("Options")
    for_series = BooleanField("Keep for the series")

    def option_lines(self) -> list[str]:
        return (self.options.data or "").splitlines()
