"""The base form every feature's forms extend."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from workspace import errors


def options(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the choices WTForms wants for selects and radios."""
    return [SelectChoice(value, label) for value, label in pairs]


class Form(FlaskForm):
    def add_error(self, exc: errors.WorkspaceError) -> None:
        """Show a service's complaint beside the field it is about (or above the form)."""
        field = getattr(self, exc.field, None) if exc.field else None
        if field is not None:
            field.errors = [*field.errors, exc.message]
        else:
            self.form_errors.append(exc.message)

    @property
    def all_error_count(self) -> int:
        return len(self.form_errors) + sum(len(field.errors) for field in self)
