"""The blog's forms: a post (with its schedule), and the facilitators' settings."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import Length

from workspace.blogs.models import SUMMARY_MAX, TITLE_MAX
from workspace.blogs.service import Publishing, Writing
from workspace.forms import Form, options
from workspace.sessions.forms import parse_clock, parse_day
from workspace.writing import BODY_MAX, new_nonce


class PostForm(Form):
    title = StringField("Title", validators=[Length(max=TITLE_MAX, message=(
        f"Keep the title under {TITLE_MAX} characters."))])
    summary = TextAreaField("Summary", validators=[Length(max=SUMMARY_MAX, message=(
        f"Keep the summary under {SUMMARY_MAX} characters."))])
    body = TextAreaField("Post", validators=[Length(max=BODY_MAX)])
    tags = StringField("Tags", validators=[Length(max=400)])
    publishing = RadioField("When", choices=options(Publishing.CHOICES), default=Publishing.NOW)
    day = StringField("Date", render_kw={"type": "date"})
    clock = StringField("Time", render_kw={"type": "time"})
    nonce = HiddenField(default=new_nonce)

    def writing(self, cover_digest: str | None, cover_alt: str) -> Writing:
        later = self.publishing.data == Publishing.LATER
        return Writing(
            title=self.title.data or "", body=self.body.data or "",
            summary=self.summary.data or "", tags=self.tags.data or "",
            cover_digest=cover_digest, cover_alt=cover_alt,
            publishing=self.publishing.data or Publishing.NOW,
            day=parse_day(self.day.data, field="day") if later else None,
            clock=parse_clock(self.clock.data, field="clock") if later else None)


class SettingsForm(Form):
    members_may_post = BooleanField("Members may write posts")
