"""Settings read from QINGFENG_ environment variables, with pydantic but not pydantic-settings.

pydantic-settings cost 0.07–0.13 s of CPU at every command's start (it imports asyncio,
python-dotenv and its cloud secret providers) while we read plain environment variables
only. This does what its environment source did for us: variable names are
case-insensitive, explicit arguments win over the environment, complex values (a dict, a
list) are given as JSON, and defaults are validated too.
"""

import json
import os
import types
import typing
from typing import Any

from pydantic import BaseModel, ConfigDict

PREFIX = "QINGFENG_"
_COMPLEX = (dict, list, set, tuple, frozenset)


class EnvSettings(BaseModel):
    """A settings model filled from QINGFENG_<FIELD> variables; arguments take precedence."""

    # nan passed every bound (nan < 0 is false) and inf overflowed timedelta
    model_config = ConfigDict(extra="ignore", validate_default=True, allow_inf_nan=False)

    def __init__(self, **values: Any) -> None:
        super().__init__(**(from_environment(type(self)) | values))


def _is_complex(annotation: Any) -> bool:
    """Tell whether a field's value comes as JSON (dict, list, ... or an Optional of one)."""
    origin = typing.get_origin(annotation) or annotation
    if origin in (typing.Union, types.UnionType):
        return any(_is_complex(arg) for arg in typing.get_args(annotation))
    return origin in _COMPLEX


def from_environment(model: type[BaseModel]) -> dict[str, Any]:
    """Return the model's fields set in the environment, JSON decoded where complex."""
    found = {name.lower(): value for name, value in os.environ.items()
             if name.upper().startswith(PREFIX)}
    values: dict[str, Any] = {}
    for field, info in model.model_fields.items():
        raw = found.get(f"{PREFIX.lower()}{field}")
        if raw is None:
            continue
        if _is_complex(info.annotation):
            try:
                values[field] = json.loads(raw)
            except ValueError:
                values[field] = raw  # validation then names the field and what it wanted
        else:
            values[field] = raw
    return values
