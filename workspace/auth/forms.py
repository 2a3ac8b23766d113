from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form, options
from workspace.timezones import DEFAULT_TIME_ZONE, TIME_ZONES


class SignInForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])


class ProfileFields(Form):
    name = StringField("Full name", validators=[DataRequired("Enter your name."), Length(max=120)])
    title = StringField("Job title", validators=[Length(max=120)])
    phone = StringField("Phone", validators=[Length(max=40)])
    time_zone = SelectField("Time zone", choices=options(TIME_ZONES), default=DEFAULT_TIME_ZONE)


class ProfileForm(ProfileFields):
    handle = StringField("Handle", validators=[
        DataRequired("Choose a handle colleagues can mention you by.")])


class NewPasswordFields(Form):
    password = PasswordField("New password", validators=[DataRequired("Choose a password.")])
    confirm = PasswordField("Confirm new password",
                            validators=[DataRequired("Type the password again.")])


class AcceptInvitationForm(ProfileFields, NewPasswordFields):
    pass


class ChangePasswordForm(NewPasswordFields):
    current = PasswordField("Current password",
                            validators=[DataRequired("Enter your current password.")])


class ForgotPasswordForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter your email address.")])


class ResetPasswordForm(NewPasswordFields):
    pass


class InvitationForm(Form):
    email = EmailField("Email address", validators=[DataRequired("Enter their email address.")])
    name = StringField("Their name", validators=[Length(max=120)])
    organization_id = SelectField("Organization", coerce=int)
    community_id = SelectField("Community", coerce=int)
    role = SelectField("Role in the community")
    message = TextAreaField("Personal note", validators=[Length(max=2000)])


class PersonForm(ProfileFields):
    organization_id = SelectField("Organization", coerce=int)
    is_network_staff = BooleanField("Network staff (can administer everything)")
