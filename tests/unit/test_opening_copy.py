"""Opening.for_warning copies by hand for speed: it must carry every field but the id."""

from dataclasses import fields

from warning.handling.opening import Opening


def test_for_warning_keeps_every_field_but_the_warning_id() -> None:
    original = Opening(warning_id=0, department_id=7, response="talk", risk_point="点",
                       department="部门", receive_days=2, report_days=9, day_kind="working",
                       proposed=True)
    copied = original.for_warning(42)
    assert copied.warning_id == 42
    for field in fields(Opening):
        if field.name != "warning_id":
            assert getattr(copied, field.name) == getattr(original, field.name), field.name
