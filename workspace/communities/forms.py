from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from workspace.communities.models import CommunityKind, CommunityRole, CommunityStatus
from workspace.forms import Form, options


class InterestForm(Form):
    problem_of_practice = TextAreaField(
        "Your state's problem of practice",
        validators=[DataRequired("Describe the challenge your state team would bring."),
                    Length(max=4000)])


class DecisionForm(Form):
    decision = RadioField("Decision", choices=options([("accepted", "Accept"),
                                                       ("waitlisted", "Waitlist"),
                                                       ("declined", "Decline")]),
                          validators=[DataRequired("Choose accept, waitlist or decline.")])
    message = TextAreaField("Message to the state's contact", validators=[Length(max=4000)])


class AddMemberForm(Form):
    user_id = SelectField("Person", coerce=int)
    role = SelectField("Role", choices=options((role.value, role.label) for role in CommunityRole),
                       default=CommunityRole.MEMBER.value)


class AddOrganizationForm(Form):
    organization_id = SelectField("Organization", coerce=int)
    role = SelectField("Takes part as", choices=options([("participant", "Participant"),
                                                         ("partner", "Partner")]))


class CommunityForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the community a title."),
                                             Length(max=200)])
    slug = StringField("Web address", validators=[DataRequired("Choose a web address."),
                                                  Length(max=80)])
    kind = SelectField("Kind", choices=options((kind.value, kind.label) for kind in CommunityKind))
    status = SelectField("Status", choices=options((s.value, s.label) for s in CommunityStatus))
    timeframe = StringField("Timeframe as people say it", validators=[Length(max=120)])
    starts_on = DateField("Starts on", validators=[Optional()])
    ends_on = DateField("Ends on", validators=[Optional()])
    summary = TextAreaField("Purpose", validators=[Length(max=4000)])
    description = TextAreaField("Description", validators=[Length(max=20000)])
    objectives = TextAreaField("Objectives")
    intended_outcomes = TextAreaField("Intended outcomes")
    session_topics = TextAreaField("Session topics")
    topics = StringField("Topics", validators=[Length(max=400)])
    subject_matter_experts = TextAreaField("Subject matter experts without an account")
    recruiting_note = TextAreaField("How to take part", validators=[Length(max=2000)])
    capacity = IntegerField("Capacity (state agencies)",
                            validators=[Optional(), NumberRange(min=1, max=60)])
    is_public = BooleanField("Listed in the public catalogue", default=True)
