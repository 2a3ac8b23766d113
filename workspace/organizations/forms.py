from __future__ import annotations

from wtforms import SelectField, StringField, URLField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form, options
from workspace.organizations.models import OrganizationKind

PARTNER_TYPES = [("", "—"), ("federal", "Federal office"), ("network", "TA network"),
                 ("national_organization", "National organization"),
                 ("research_center", "Research center"),
                 ("comprehensive_center", "Comprehensive center"), ("contractor", "Contractor")]


class OrganizationForm(Form):
    kind = SelectField("Kind",
                       choices=options((kind.value, kind.label) for kind in OrganizationKind))
    name = StringField("Name", validators=[DataRequired("Enter the organization's name."),
                                           Length(max=200)])
    short_name = StringField("Short name", validators=[DataRequired("Enter a short name."),
                                                       Length(max=80)])
    state_code = StringField("State code", validators=[Length(max=2)])
    state_name = StringField("State or territory", validators=[Length(max=80)])
    partner_type = SelectField("Partner type", choices=options(PARTNER_TYPES))
    website = URLField("Website", validators=[Length(max=300)])
