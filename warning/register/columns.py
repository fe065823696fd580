"""The register's fields and their Chinese column headers (the finder: warning.sheets).

Spreadsheets (.xlsx, .csv) use the Chinese headers of the seeds' forms
(《部门廉洁风险点识别及防控措施表》 and the like); .yaml files use the English field names.
"""

from warning.sheets.headers import Header, HeaderSpec, normalize_header

# (field, the header written on export), in column order.
FIELDS: tuple[tuple[str, str], ...] = (
    ("code", "编号"),
    ("name", "风险点"),
    ("manifestation", "风险表现形式"),
    ("category", "风险类别"),
    ("level", "风险等级"),
    ("owner_level", "风险层级"),
    ("department", "部门"),
    ("post", "岗位"),
    ("business_area", "业务领域"),
    ("prevention", "前期预防措施"),
    ("monitoring", "中期监控措施"),
    ("handling", "后期处置措施"),
    ("responsible_person", "责任人"),
    ("reviewed_on", "复核日期"),
)
FIELD_NAMES: tuple[str, ...] = tuple(field for field, _ in FIELDS)
HEADER_OF: dict[str, str] = dict(FIELDS)

# Other spellings found in units' forms; `防控措施` alone goes into prevention.
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("风险点编号", "编码", "风险编号"),
    "name": ("廉洁风险点", "廉政风险点", "风险点名称", "风险内容"),
    "manifestation": ("表现形式", "风险点表现形式", "主要表现形式"),
    "category": ("类别", "风险类型"),
    "level": ("等级", "风险级别"),
    "owner_level": ("层级", "风险点层级"),
    "department": ("部门名称", "所属部门", "科室", "责任部门", "部门编码"),
    "post": ("岗位名称", "所属岗位"),
    "business_area": ("业务", "业务事项", "重点领域"),
    "prevention": ("防控措施", "防范措施", "前期预防", "预防措施"),
    "monitoring": ("中期监控", "监控措施"),
    "handling": ("后期处置", "后期处理措施", "后期处理", "处置措施"),
    "responsible_person": ("防控责任人", "负责人"),
    "reviewed_on": ("复核时间", "更新日期", "最近复核日期"),
}
# Running-number columns (序号) carry nothing to keep and are skipped.
REGISTER_HEADERS = HeaderSpec(FIELDS, _ALIASES, english=True)  # as its .yaml names them
read_header = REGISTER_HEADERS.read
find_header = REGISTER_HEADERS.find

__all__ = ["FIELDS", "FIELD_NAMES", "HEADER_OF", "Header", "find_header", "normalize_header",
           "read_header"]
