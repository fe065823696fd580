"""The reporter fields of a petition form (office and public): read, check, message by field."""

from typing import Any

from pydantic import ValidationError

from warning.petitions.checks import MARKUP, MODE_LABELS, IntakeMode, has_markup
from warning.petitions.input import ReporterIn

# form field -> ReporterIn field
IDENTITY = {"reporter_name": "name", "reporter_phone": "phone",
            "reporter_id_number": "id_number", "reporter_unit": "unit",
            "reporter_address": "address"}
FIELDS = ("anonymous", "intake_mode", *IDENTITY)
LABELS = {"reporter_name": "举报人姓名", "reporter_phone": "联系电话",
          "reporter_id_number": "身份证号码", "reporter_unit": "工作单位",
          "reporter_address": "联系地址", "intake_mode": "来源方式", "anonymous": "是否匿名"}
MODES = [(mode.value, label) for mode, label in MODE_LABELS.items()]


def pydantic_message(error: dict[str, Any], label: str) -> str:
    """Return the Chinese message for one pydantic error on a field labelled `label`."""
    kind = error.get("type", "")
    if kind in ("missing", "string_too_short", "too_short"):
        return f"请填写{label}"
    if kind in ("string_too_long", "too_long"):
        return f"{label}不能超过 {error.get('ctx', {}).get('max_length', '')} 字"
    if kind == "value_error":
        return str(error.get("ctx", {}).get("error", f"{label}填写有误"))
    return f"{label}填写有误"


def read_reporter(
    values: dict[str, str], *, mode: IntakeMode | None = None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return the petition's reporter part (anonymous, reporter, intake_mode) and the errors.

    `mode` fixes how it came in (the public page is always 网络); else the form names it.
    """
    errors: dict[str, str] = {}
    part: dict[str, Any] = {}
    if mode is None:
        chosen = values.get("intake_mode", "")
        if chosen not in {m.value for m in IntakeMode}:
            errors["intake_mode"] = "请选择来源方式（来信、来访、电话、网络、12388 或其他）"
        else:
            part["intake_mode"] = IntakeMode(chosen)
    else:
        part["intake_mode"] = mode
    anonymous = values.get("anonymous", "")
    if anonymous not in ("0", "1"):
        errors["anonymous"] = "请选择实名举报或匿名举报"
        return part, errors
    filled = {name: values.get(name, "") for name in IDENTITY if values.get(name, "")}
    for name, text in filled.items():
        if has_markup(text):
            errors[name] = f"{LABELS[name]}{MARKUP}"
    part["anonymous"] = anonymous == "1"
    if part["anonymous"]:
        if filled:
            errors.setdefault(next(iter(filled)), "匿名举报请不要填写举报人信息（或改选实名举报）")
        return part, errors
    try:
        part["reporter"] = ReporterIn(**{IDENTITY[k]: v for k, v in filled.items()})
    except ValidationError as error:
        back = {v: k for k, v in IDENTITY.items()}
        for problem in error.errors():
            name = back.get(str(problem["loc"][0]) if problem.get("loc") else "name",
                            "reporter_name")
            errors.setdefault(name, pydantic_message(dict(problem), LABELS[name]))
    return part, errors
