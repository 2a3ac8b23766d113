"""The library's forms: adding resources (files or a link), their details, a new version,
collections and the series summary."""

from __future__ import annotations

from wtforms import (
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from workspace.forms import Form, options
from workspace.resources.models import NOTE_MAX, TITLE_MAX, URL_MAX, Audience, ResourceType
from workspace.resources.service import Details
from workspace.writing import BODY_MAX, new_nonce

TYPE_CHOICES = [(kind.value, kind.label) for kind in ResourceType]


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (the form macro renders them in a fieldset)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DetailsForm(Form):
    title = StringField("Title", validators=[Length(max=TITLE_MAX)])
    type = SelectField("Type", choices=options(TYPE_CHOICES), default=ResourceType.TOOL.value)
    description = TextAreaField("Description", validators=[Length(max=BODY_MAX)])
    tags = StringField("Topic tags", validators=[Length(max=600)])
    state_codes = MultiCheckboxField("Related states", choices=[], validate_choice=False)
    session_id = SelectField("Shared in session", choices=[], validate_choice=False)
    nonce = HiddenField(default=new_nonce)

    def details(self, audience: str = Audience.COMMUNITY.value) -> Details:
        session_text = (self.session_id.data or "").strip()
        return Details(title=self.title.data or "", type=self.type.data or "",
                       description=self.description.data or "", tags=self.tags.data or "",
                       state_codes=list(self.state_codes.data or []),
                       session_id=int(session_text) if session_text.isdigit() else None,
                       audience=audience)


class AddForm(DetailsForm):
    source = RadioField("What are you adding?", choices=options(
        [("files", "Files from your computer"), ("link", "A link to a page on the web")]),
        default="files")
    files = MultipleFileField("Files")
    link_url = StringField("Link", render_kw={"type": "url"}, validators=[Length(max=URL_MAX)])
    audience = RadioField("Who sees it", default=Audience.COMMUNITY.value, choices=[])


class EditForm(DetailsForm):
    title = StringField("Title", validators=[DataRequired("Give it a title."),
                                             Length(max=TITLE_MAX)])
    link_url = StringField("Link", render_kw={"type": "url"}, validators=[Length(max=URL_MAX)])


class VersionForm(Form):
    file = MultipleFileField("New file")
    note = StringField("What changed", validators=[DataRequired("Say what changed in this "
                                                                "version."),
                                                   Length(max=NOTE_MAX)])


class CollectionForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the collection a title."),
                                             Length(max=TITLE_MAX)])
    description = TextAreaField("Description", validators=[Length(max=BODY_MAX)])


class SummaryForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the summary a title."),
                                             Length(max=TITLE_MAX)])
    description = TextAreaField("Summary", validators=[DataRequired("The summary is empty."),
                                                       Length(max=BODY_MAX)])
    nonce = HiddenField(default=new_nonce)
