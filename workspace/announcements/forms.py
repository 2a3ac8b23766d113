from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form


class AnnouncementForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the announcement a title."),
                                             Length(max=200)])
    byline = StringField("Byline", validators=[Length(max=200)])
    body = TextAreaField("Announcement", validators=[DataRequired("Write the announcement.")])
    publish = BooleanField("Published on the home page")
