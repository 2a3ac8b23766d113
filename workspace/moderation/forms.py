"""The form a moderator fills in to hide flagged content from the queue."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form
from workspace.moderation.models import REASON_MAX


class HideForm(Form):
    reason = TextAreaField("Reason the author will see",
                           validators=[DataRequired("Say why you are hiding it."),
                                       Length(max=REASON_MAX)])
