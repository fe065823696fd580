"""The organisation file's fields and their Chinese column headers.

Every format (.xlsx, .csv, .yaml) uses the same Chinese headers; one row is a person, a
post without people, or a department without either. The English names are accepted too.
"""

from warning.sheets.headers import Header, HeaderSpec

# (field, the header written on export), in column order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("unit_code", "单位编码"),
    ("unit", "单位"),
    ("department_code", "部门编码"),
    ("department", "部门"),
    ("leader", "分管领导"),
    ("post", "岗位"),
    ("person", "人员"),
    ("title", "职务"),
    ("email", "邮箱"),
)
HEADER_OF: dict[str, str] = dict(FIELDS)

_ALIASES: dict[str, tuple[str, ...]] = {
    "unit_code": ("单位代码",),
    "unit": ("单位名称",),
    "department_code": ("部门代码", "科室编码"),
    "department": ("部门名称", "科室"),
    "leader": ("分管领导姓名", "分管"),
    "post": ("岗位名称",),
    "person": ("姓名", "人员姓名"),
    "title": ("职称",),
    "email": ("电子邮箱", "邮件", "email地址"),
}
ORG_HEADERS = HeaderSpec(FIELDS, _ALIASES, english=True)
read_header = ORG_HEADERS.read
find_header = ORG_HEADERS.find


def header_table() -> dict[str, str]:
    """Return every accepted header (folded) with the field it names."""
    return ORG_HEADERS.table


__all__ = ["FIELDS", "HEADER_OF", "Header", "find_header", "header_table", "read_header"]
