"""Reading a request through its model (:mod:`.models`): values, and problems by field.

Like the intake form, the API reports every problem at once, the model's and the flow's
(a BSN failing the elfproef, an age under the minimum) together. So a request that fails
its model is still read field by field: the fields that passed go on to the flow's checks,
the ones that failed report their :class:`~.models.Problem` code. No value is ever put in
a problem, and the model's errors carry no input (``hide_input_in_errors``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tokenservice.web.api.models import Problem


@dataclass(frozen=True)
class Reading:
    """The fields that passed their declaration (canonical values, defaults filled in) and a
    problem code per failed field. ``repr`` shows no value."""

    values: dict[str, Any] = field(repr=False)
    problems: dict[str, str]

    def text(self) -> dict[str, str]:
        """The values as form text again (dates ISO, numbers in digits; no bytes, no None),
        for the flow's readers, which give them their meaning as for the intake form."""
        found: dict[str, str] = {}
        for name, value in self.values.items():
            if isinstance(value, dt.date):
                found[name] = value.isoformat()
            elif isinstance(value, str | int) and not isinstance(value, bool):
                found[name] = str(value)
        return found


def problem_code(info: FieldInfo, name: str, error_type: str) -> tuple[str, str]:
    """(reported field, code) for a field that failed with pydantic's ``error_type``."""
    problem = next((m for m in info.metadata if isinstance(m, Problem)), Problem("invalid"))
    code = problem.missing if error_type == "missing" and problem.missing else problem.code
    return problem.field or name, code


def read(model: type[BaseModel], data: Mapping[str, object]) -> Reading:
    """``data`` (form fields, or a JSON object) read through ``model``."""
    try:
        return Reading(dict(model.model_validate(dict(data))), {})
    except ValidationError as exc:
        failed = {str(error["loc"][0]): error["type"] for error in exc.errors() if error["loc"]}
    problems: dict[str, str] = {}
    for name, error_type in failed.items():
        key, code = problem_code(model.model_fields[name], name, error_type)
        problems.setdefault(key, code)
    # The fields that passed, each validated on its own (the model's own validator for it).
    values: dict[str, Any] = {}
    probe = model.model_construct()
    for name, info in model.model_fields.items():
        if name in failed:
            continue
        if name in data:
            model.__pydantic_validator__.validate_assignment(probe, name, data[name])
            values[name] = getattr(probe, name)
        elif not info.is_required():
            values[name] = info.get_default(call_default_factory=True)
    return Reading(values, problems)


__all__ = ["Reading", "problem_code", "read"]
