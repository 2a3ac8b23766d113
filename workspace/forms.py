"""The base form every feature's forms extend."""

from __future__ import annotations

from flask_wtf import FlaskForm

from workspace import errors


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
