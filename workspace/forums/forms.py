from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form, options
from workspace.forums.models import WatchLevel
from workspace.forums.service import BODY_MAX, CATEGORY_NAME_MAX, TITLE_MAX
from workspace.moderation.models import REASON_MAX
from workspace.writing import new_nonce

BODY_HINT = ("Markdown works: **bold**, *italic*, lists, [links](https://example.org) and "
             "> quotes. Type @ and a name to mention someone in this community.")


class TopicForm(Form):
    category_id = SelectField("Category", coerce=int)
    title = StringField("Title", validators=[DataRequired("Give the topic a title."),
                                             Length(max=TITLE_MAX)])
    body = TextAreaField("Your post", validators=[DataRequired("Write something before posting."),
                                                  Length(max=BODY_MAX)])
    nonce = HiddenField(default=new_nonce)


class ReplyForm(Form):
    body = TextAreaField("Your reply", validators=[DataRequired("Write something before posting."),
                                                   Length(max=BODY_MAX)])
    quoted_post_id = HiddenField()
    nonce = HiddenField(default=new_nonce)


class EditPostForm(Form):
    title = StringField("Title", validators=[Length(max=TITLE_MAX)])
    body = TextAreaField("Your post", validators=[DataRequired("Write something before saving."),
                                                  Length(max=BODY_MAX)])


class HideForm(Form):
    reason = TextAreaField("Reason the author will see",
                           validators=[DataRequired("Say why you are hiding this post."),
                                       Length(max=REASON_MAX)])


class FlagForm(Form):
    reason = TextAreaField("What should a facilitator look at?",
                           validators=[DataRequired("Say why you are flagging this post."),
                                       Length(max=REASON_MAX)])


class MoveForm(Form):
    category_id = SelectField("Move to category", coerce=int)


class CategoryForm(Form):
    name = StringField("Name", validators=[DataRequired("Give the category a name."),
                                           Length(max=CATEGORY_NAME_MAX)])
    description = TextAreaField("Description", validators=[Length(max=1000)])


class WatchForm(Form):
    level = SelectField("Notifications", choices=options(
        (level.value, level.label) for level in WatchLevel))
