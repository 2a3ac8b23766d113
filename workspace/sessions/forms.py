"""The facilitator's session form, the cancellation form and the RSVP answer."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from workspace import errors
from workspace.forms import Form, options
from workspace.sessions.models import CALL_URL_MAX, REASON_MAX, TITLE_MAX
from workspace.sessions.service import Frequency, Plan, RepeatPlan
from workspace.timezones import TIME_ZONES
from workspace.writing import BODY_MAX, new_nonce

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p")


def parse_day(text: str | None, *, field: str, required: bool = True) -> date | None:
    """A date as a date input sends it (2026-03-10) or as people type it (3/10/2026)."""
    text = (text or "").strip()
    if not text:
        if required:
            raise errors.Invalid("Enter the date, like 03/10/2026.", field=field)
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no zone
        except ValueError:
            continue
    raise errors.Invalid("Enter a real date, like 03/10/2026.", field=field)


def parse_clock(text: str | None, *, field: str) -> time:
    """A time as a time input sends it (14:00) or as people type it (2:00 PM)."""
    cleaned = re.sub(r"\s+", " ", (text or "").strip().upper().replace(".", ""))
    if not cleaned:
        raise errors.Invalid("Enter the time, like 2:00 PM.", field=field)
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).time()  # noqa: DTZ007 - a wall-clock time
        except ValueError:
            continue
    raise errors.Invalid("Enter a real time, like 2:00 PM.", field=field)


class SessionForm(Form):
    number = StringField("Session number", render_kw={"inputmode": "numeric"},
                         validators=[Length(max=3)])
    title = StringField("Title", validators=[DataRequired("Give the session a title."),
                                             Length(max=TITLE_MAX)])
    day = StringField("Date", render_kw={"type": "date"})
    starts = StringField("Starts", render_kw={"type": "time"})
    ends = StringField("Ends", render_kw={"type": "time"})
    time_zone = SelectField("Time zone", choices=options(TIME_ZONES))
    agenda = TextAreaField("Agenda", validators=[Length(max=BODY_MAX)])
    prework = TextAreaField("Pre-work", validators=[Length(max=BODY_MAX)])
    objectives = TextAreaField("Objectives", validators=[Length(max=10_000)])
    materials = TextAreaField("Materials", validators=[Length(max=10_000)])
    call_url = StringField("Video call link", render_kw={"type": "url"},
                           validators=[Length(max=CALL_URL_MAX)])
    nonce = HiddenField(default=new_nonce)

    def plan(self) -> Plan:
        """What the form says, as the service takes it; Invalid names the field at fault."""
        number_text = (self.number.data or "").strip()
        if number_text and not number_text.isdigit():
            raise errors.Invalid("Enter a number like 3, or leave it empty.", field="number")
        day = parse_day(self.day.data, field="day")
        assert day is not None
        return Plan(title=self.title.data or "", day=day,
                    starts=parse_clock(self.starts.data, field="starts"),
                    ends=parse_clock(self.ends.data, field="ends"),
                    time_zone=self.time_zone.data or "", number=int(number_text)
                    if number_text else None, agenda=self.agenda.data or "",
                    prework=self.prework.data or "", objectives=self.objectives.data or "",
                    materials=self.materials.data or "", call_url=self.call_url.data or "")


class NewSessionForm(SessionForm):
    frequency = SelectField("Repeats", choices=options(Frequency.CHOICES), default="")
    repeat_count = StringField("Number of sessions", render_kw={"inputmode": "numeric"},
                               validators=[Length(max=3)])
    repeat_until = StringField("Or the last date", render_kw={"type": "date"})

    def repeat_plan(self) -> RepeatPlan | None:
        if not self.frequency.data:
            return None
        count_text = (self.repeat_count.data or "").strip()
        if count_text and not count_text.isdigit():
            raise errors.Invalid("Enter how many sessions, like 6.", field="repeat_count")
        return RepeatPlan(frequency=self.frequency.data,
                          count=int(count_text) if count_text else None,
                          until=parse_day(self.repeat_until.data, field="repeat_until",
                                          required=False))


class EditSessionForm(SessionForm):
    reason = TextAreaField("Reason for the change", validators=[Length(max=REASON_MAX)])


class CancelForm(Form):
    reason = TextAreaField("Reason", validators=[
        DataRequired("Say why the session is cancelled: everyone coming is told."),
        Length(max=REASON_MAX)])
    following = BooleanField("Also cancel every later session of this repeat")


class SummaryForm(Form):
    summary = TextAreaField("Summary", validators=[Length(max=BODY_MAX)])
