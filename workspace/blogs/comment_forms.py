"""The forms of a post's comments: a comment or reply, an edit, a flag."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from workspace.forms import Form
from workspace.moderation.models import REASON_MAX
from workspace.writing import new_nonce

COMMENT_HINT = ("Markdown works: **bold**, *italic*, lists and [links](https://example.org). "
                "Type @ and a name to mention someone in this community.")


class CommentForm(Form):
    """A comment, or a reply when parent_id names the comment answered. The service checks the
    text, so what it says goes beside the field whichever way the form was sent."""

    body = TextAreaField("Your comment", id="comment-body")
    parent_id = HiddenField(id="comment-parent")
    nonce = HiddenField(id="comment-nonce", default=new_nonce)


class ReplyForm(CommentForm):
    # The same fields under other ids: a post's page shows it beside the comment form.
    body = TextAreaField("Your reply", id="reply-body")
    parent_id = HiddenField(id="reply-parent")
    nonce = HiddenField(id="reply-nonce", default=new_nonce)


class EditCommentForm(Form):
    body = TextAreaField("Your comment", id="comment-body")


class FlagCommentForm(Form):
    reason = TextAreaField("What should a facilitator look at?",
                           validators=[DataRequired("Say why you are flagging this comment."),
                                       Length(max=REASON_MAX)])
