"""Small helpers shared by views."""

from __future__ import annotations

from flask_wtf import FlaskForm


def apply_errors(form: FlaskForm, errors: dict) -> None:
    """Attach a service's ValidationFailed errors to the matching form fields."""
    for name, messages in errors.items():
        field = getattr(form, name, None)
        target = field.errors if field is not None else form.form_errors
        if isinstance(target, tuple):
            target = list(target)
            if field is not None:
                field.errors = target
        target.extend(messages if isinstance(messages, list | tuple) else [messages])
