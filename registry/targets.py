"""年度目标: the subdistrict's yearly safety plan as target records, and the rules of their events.

The plan (真如镇街道 年度安全生产工作要点) sets numbers and duties the 社区平安办 is assessed on.
Each is one row of the table ``targets`` (:data:`registry.schema.TARGET_COLUMNS`): what
(``kind``, ``title``), how much (``amount`` in ``unit``), the period (``start_date`` …
``deadline``) and the lead department (one of :data:`registry.sectors.DEPARTMENTS`).
:func:`default_targets` gives the plan's list for a year.

Progress is recorded as events (table ``target_events``): a signed letter, a training with its
attendees, a drill, a garage finished, ports commissioned, the safety check of residents living
alone in one 居委. Each event belongs to a unit (``site_id``) or a 居委 and may carry evidence
(a photo, cleaned like every other photo by :func:`registry.attachments.clean_photo`, or a PDF),
stored by content hash beside the store.

Three scopes (:data:`KIND_SCOPE`):

* ``unit`` — one per unit in :data:`ENTERPRISE_CATEGORIES` (承诺书 and the other three of the
  “四个一”): the event names the unit, counts 1, and its 居委/department are the unit's; a target
  of this scope without ``amount`` plans one per active unit of the registry.
* ``committee`` — counts of residents (独居老人, 外来租户, 安全告知): the event names the 居委 and a
  number of households. Residents' names are never stored: only the count reaches the store.
* ``any`` — everything else (trainings, drills, facilities …): a quantity, optionally a unit or
  a 居委.

Examples
--------
>>> t = default_targets(2026)
>>> t.loc[t["kind"] == "充电端口", ["amount", "unit", "department"]].values.tolist()
[[18000.0, '个', '社区管理办']]
>>> KIND_SCOPE["承诺书"], KIND_SCOPE["独居老人安全检查"], KIND_SCOPE["应急演练"]
('unit', 'committee', 'any')
>>> event_problems({"target_id": "T2026-01", "date": "2026-02-01", "quantity": 0},
...                t, site_ids=set(), today=dt.date(2026, 3, 1))
['数量（quantity）须大于 0']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from registry.attachments import MAX_BYTES, AttachmentError, clean_photo, photo_dir, store_once
from registry.committees import known_committees
from registry.enums import ACTIVE_STATES
from registry.schema import TARGET_COLUMNS, TARGET_EVENT_COLUMNS, Column, _coerce_column
from registry.sectors import DEPARTMENTS
from registry.validate import _CONTROL_SHORT, MAX_TEXT

__all__ = [
    "ENTERPRISE_CATEGORIES",
    "FOUR_ONES",
    "KIND_SCOPE",
    "MAX_QUANTITY",
    "MAX_TEXT",
    "TARGET_COLUMNS",
    "TARGET_EVENT_COLUMNS",
    "TARGET_KINDS",
    "coerce_rows",
    "default_targets",
    "enterprises",
    "event_problems",
    "evidence_path",
    "save_evidence",
    "target_problems",
    "targets_by_id",
    "to_target_records",
]

#: Kinds of target and the scope of their events (see the module docstring).
KIND_SCOPE: Mapping[str, str] = MappingProxyType({
    "责任书": "any",
    "承诺书": "unit",
    "考核": "any",
    "安全培训": "any",
    "特种作业持证": "any",
    "安全评估": "unit",
    "设施维护保养": "unit",
    "全员培训": "unit",
    "应急预案": "any",
    "应急演练": "any",
    "安全宣传": "any",
    "防台防汛宣传": "any",
    "夏季高温宣传": "any",
    "冬春防火宣传": "any",
    "职业健康监测": "any",
    "独居老人安全检查": "committee",
    "外来租户安全检查": "committee",
    "安全告知": "committee",
    "微型消防站": "any",
    "智能车库": "any",
    "梯控": "any",
    "充电端口": "any",
})  # fmt: skip
TARGET_KINDS: tuple[str, ...] = tuple(KIND_SCOPE)

#: The “四个一” of each enterprise: 一次安全评估, 一份承诺书, 一次设施维护保养, 一次全员培训.
FOUR_ONES: tuple[str, ...] = ("安全评估", "承诺书", "设施维护保养", "全员培训")

#: Categories of ``sites`` that are enterprises (一般及小微企业) for 承诺书 and “四个一”.
ENTERPRISE_CATEGORIES: tuple[str, ...] = (
    "厂房仓库", "园区企业", "三合一场所", "危化品", "加油站", "快递外卖点", "宾馆公寓",
    "人员密集场所",
)  # fmt: skip

#: Largest quantity of one event (a typo guard: 1.8万 ports is the year's whole target).
MAX_QUANTITY = 100_000

_LEAD = "社区平安办"

# kind, title, unit, amount (None = one per enterprise), start (MM-DD), deadline, lead, note
_PLAN: tuple[tuple[str, str, str, float | None, str, str, str, str], ...] = (
    ("责任书", "安委会与部门、居委会、重点单位签订安全生产责任书", "份", 60, "01-01", "03-31",
     _LEAD, "部门、居委会及重点单位全覆盖"),
    ("承诺书", "一般及小微企业签订安全生产承诺书（四个一：一份承诺书）", "家", None, "01-01",
     "06-30", _LEAD, "每家企业一份"),
    ("考核", "对部门和居委开展安全生产考核（定量＋定性）", "次", 1, "10-01", "12-31", _LEAD,
     "年终考核"),
    ("安全培训", "街道组织安全生产培训", "次", 2, "01-01", "12-31", _LEAD, "每年不少于 2 次"),
    ("特种作业持证", "特种作业人员持证上岗核查", "人", 150, "01-01", "12-31",
     "真如市场监管所", "持证率 100%"),
    ("安全评估", "企业开展一次安全评估（四个一）", "家", None, "01-01", "12-31", _LEAD, ""),
    ("设施维护保养", "企业开展一次消防设施维护保养（四个一）", "家", None, "01-01", "12-31",
     _LEAD, ""),
    ("全员培训", "企业开展一次全员安全培训（四个一）", "家", None, "01-01", "12-31", _LEAD, ""),
    ("应急预案", "修订街道安全生产应急预案", "份", 1, "01-01", "06-30", _LEAD, ""),
    ("应急演练", "组织应急演练", "次", 4, "01-01", "12-31", _LEAD, "每季度不少于 1 次"),
    ("安全宣传", "安全宣传进企业、进学校、进社区、进家庭", "场", 36, "01-01", "12-31", _LEAD,
     "四进"),
    ("防台防汛宣传", "防台防汛专题宣传", "场", 12, "05-01", "09-30", "城运中心", "汛期"),
    ("夏季高温宣传", "夏季高温安全宣传", "场", 8, "06-01", "09-15", _LEAD, ""),
    ("冬春防火宣传", "冬春火灾防控宣传", "场", 12, "01-01", "04-30", _LEAD, ""),
    ("职业健康监测", "职业病危害因素监测（重点企业）", "家", 40, "01-01", "12-31", _LEAD, ""),
    ("独居老人安全检查", "独居老人居家安全检查 100%", "户", 1200, "01-01", "12-31", "居委会",
     "只记户数，不记姓名"),
    ("外来租户安全检查", "外来租户居住安全检查 100%", "户", 3500, "01-01", "12-31", "居委会",
     "只记户数，不记姓名"),
    ("安全告知", "居民安全告知书发放 100%", "户", 42000, "01-01", "12-31", "居委会", ""),
    ("微型消防站", "新建微型消防站（临警能用）", "座", 4, "01-01", "12-31", _LEAD, "临警能用"),
    ("智能车库", "新建电动自行车智能车库", "座", 3, "01-01", "12-31", "社区管理办",
     "计划 3-5 座"),
    ("梯控", "高层住宅电梯加装电动自行车梯控", "部", 200, "01-01", "12-31", "社区管理办", ""),
    ("充电端口", "新增电动自行车充电端口", "个", 18000, "01-01", "12-31", "社区管理办", "1.8万个"),
)  # fmt: skip


def default_targets(year: int) -> pd.DataFrame:
    """The plan's targets for ``year`` (ids ``T<year>-01`` …), in the columns of ``targets``.

    Examples
    --------
    >>> t = default_targets(2026)
    >>> len(t), t.loc[0, "target_id"], str(t.loc[0, "deadline"].date())
    (22, 'T2026-01', '2026-03-31')
    >>> bool(t["department"].isin(DEPARTMENTS).all())
    True
    """
    rows = [
        {
            "target_id": f"T{year}-{k:02d}",
            "year": year,
            "kind": kind,
            "title": title,
            "unit": unit,
            "amount": amount,
            "start_date": f"{year}-{start}",
            "deadline": f"{year}-{end}",
            "department": lead,
            "note": note,
        }
        for k, (kind, title, unit, amount, start, end, lead, note) in enumerate(_PLAN, 1)
    ]
    frame, errors = coerce_rows(TARGET_COLUMNS, rows)
    assert not errors, errors  # the plan above is data of this module
    return frame


def enterprises(sites: pd.DataFrame) -> pd.DataFrame:
    """Active units in scope of 承诺书 and the “四个一” (:data:`ENTERPRISE_CATEGORIES`).

    Examples
    --------
    >>> s = pd.DataFrame({"site_id": ["a", "b", "c"], "category": ["厂房仓库", "群租", "园区企业"],
    ...                   "operating_state": ["正常", "正常", "注销"]})
    >>> enterprises(s)["site_id"].tolist()
    ['a']
    """
    if sites.empty or "category" not in sites.columns:
        return sites.iloc[0:0]
    active = (
        sites["operating_state"].isin(ACTIVE_STATES)
        if "operating_state" in sites.columns
        else pd.Series(True, index=sites.index)
    )
    return sites[sites["category"].isin(ENTERPRISE_CATEGORIES) & active]


def coerce_rows(
    spec: tuple[Column, ...], rows: Iterable[Mapping[str, Any]]
) -> tuple[pd.DataFrame, list[str]]:
    """Rows as a frame of the canonical dtypes of ``spec`` (the registry's conversion rules).

    Returns the frame and Chinese messages for cells that are not numbers or dates.

    Examples
    --------
    >>> df, errs = coerce_rows(TARGET_EVENT_COLUMNS, [{"event_id": "E1", "target_id": "T",
    ...     "date": "2026/3/5", "quantity": "两"}])
    >>> str(df.loc[0, "date"].date()), errs
    ('2026-03-05', ['第1行: 数量（quantity） 不是数字（两）'])
    """
    src = pd.DataFrame([dict(r) for r in rows])
    out: dict[str, pd.Series] = {}
    errors: list[str] = []
    for col in spec:
        raw = src[col.name] if col.name in src.columns else pd.Series(
            [col.default] * len(src), index=src.index, dtype=object
        )
        values, bad = _coerce_column(col, raw)
        for pos in bad.to_numpy().nonzero()[0]:
            errors.append(f"第{pos + 1}行: {col.title} 不是{_KIND_NAME[col.kind]}（{raw.iloc[pos]}）")
        if col.default is not None:
            values = values.where(values.notna(), col.default)
        if col.kind == "int" and values.notna().all():
            values = values.astype("int64")
        out[col.name] = values
    return pd.DataFrame(out, index=src.index), errors


def to_target_records(
    frame: pd.DataFrame, spec: tuple[Column, ...] = TARGET_COLUMNS
) -> list[dict[str, Any]]:
    """Rows of a frame from :func:`coerce_rows` as plain Python values for SQL.

    Examples
    --------
    >>> to_target_records(default_targets(2026))[0]["deadline"]
    datetime.date(2026, 3, 31)
    """
    out = []
    for row in frame.to_dict("records"):
        rec: dict[str, Any] = {}
        for col in spec:
            value = row.get(col.name)
            if _empty(value):
                rec[col.name] = None if col.default is None else col.default
            elif col.kind == "date":
                rec[col.name] = pd.Timestamp(value).date()
            elif col.kind == "int":
                rec[col.name] = int(value)
            elif col.kind == "float":
                rec[col.name] = float(value)
            else:
                rec[col.name] = str(value)
        out.append(rec)
    return out


_KIND_NAME = {"float": "数字", "int": "整数", "date": "有效日期", "bool": "是/否值", "str": "文本"}


def _empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _text_problems(row: Mapping[str, Any], spec: tuple[Column, ...]) -> list[str]:
    out = []
    for col in spec:
        value = row.get(col.name)
        if col.kind != "str" or _empty(value):
            continue
        text = str(value)
        found = _CONTROL_SHORT.search(text)
        if found:
            out.append(f"{col.title}含不可见的控制字符 U+{ord(found.group()):04X}，请删除")
        if len(text) > MAX_TEXT:
            out.append(f"{col.title}过长（{len(text)} 字，最多 {MAX_TEXT} 字）")
    return out


def _day(value: Any) -> pd.Timestamp | None:
    if _empty(value):
        return None
    return pd.Timestamp(value).normalize()


def target_problems(row: Mapping[str, Any]) -> list[str]:
    """Chinese problems of one coerced ``targets`` row (empty list = valid).

    Examples
    --------
    >>> row = default_targets(2026).iloc[0].to_dict()
    >>> target_problems({**row, "department": "财务科", "amount": -3})
    ['牵头部门“财务科”不是街道的部门', '目标数量（amount）须大于 0']
    """
    errors: list[str] = []
    for col in TARGET_COLUMNS:
        if not col.nullable and col.default is None and _empty(row.get(col.name)):
            errors.append(f"{col.title}为空")
    if errors:
        return errors
    if row["kind"] not in KIND_SCOPE:
        errors.append(f"目标类型“{row['kind']}”未定义（可选: {'、'.join(TARGET_KINDS)}）")
    if row["department"] not in DEPARTMENTS:
        errors.append(f"牵头部门“{row['department']}”不是街道的部门")
    amount = row.get("amount")
    if not _empty(amount):
        if not math.isfinite(float(amount)) or float(amount) <= 0:
            errors.append("目标数量（amount）须大于 0")
        elif float(amount) > 10 * MAX_QUANTITY:
            errors.append(f"目标数量（amount）不合理（{float(amount):g}）")
    elif KIND_SCOPE.get(row["kind"]) != "unit":
        errors.append("目标数量（amount）为空（只有按单位计的目标可不填，按登记的企业数计）")
    year = int(row["year"])
    if not 2000 <= year <= 2100:
        errors.append(f"年度不合理（{year}）")
    start, deadline = _day(row["start_date"]), _day(row["deadline"])
    if start is not None and deadline is not None:
        if start > deadline:
            errors.append("起始日期晚于完成期限")
        if start.year != year or deadline.year != year:
            errors.append(f"起止日期须在 {year} 年内")
    return errors + _text_problems(row, TARGET_COLUMNS)


def targets_by_id(
    targets: pd.DataFrame | Mapping[str, Mapping[str, Any]],
) -> Mapping[str, Mapping[str, Any]]:
    """Target id → its row (``kind``, ``year`` …); a mapping is returned as it is.

    Examples
    --------
    >>> targets_by_id(default_targets(2026))["T2026-21"]["kind"]
    '梯控'
    """
    if isinstance(targets, Mapping):
        return targets
    return {str(r["target_id"]): r for r in targets.to_dict("records")}


def event_problems(
    row: Mapping[str, Any],
    targets: pd.DataFrame | Mapping[str, Mapping[str, Any]],
    site_ids: set[str] | frozenset[str],
    today: dt.date | None = None,
) -> list[str]:
    """Chinese problems of one ``target_events`` row (empty list = valid).

    Parameters
    ----------
    row : mapping
        The event (coerced: ``date`` a Timestamp, ``quantity`` a float).
    targets : DataFrame or mapping
        The targets of the store (the event's target must be one of them), or
        :func:`targets_by_id` of them (checking many events).
    site_ids : set of str
        Units that exist (the ``site_id`` the event names, when any, must be one).
    today : datetime.date, optional
        No event is recorded after today (default: the real today).

    Examples
    --------
    >>> t = default_targets(2026)
    >>> event_problems({"target_id": "T2026-16", "date": "2026-05-01", "quantity": 3},
    ...                t, set(), today=dt.date(2026, 6, 1))
    ['独居老人安全检查按居委登记户数：请选择居委']
    >>> event_problems({"target_id": "T2026-02", "date": "2026-05-01", "quantity": 1,
    ...                 "site_id": "S9"}, t, {"S1"}, today=dt.date(2026, 6, 1))
    ['单位 S9 不存在']
    """
    today = today or dt.date.today()
    errors: list[str] = []
    tid = row.get("target_id")
    target = None if _empty(tid) else targets_by_id(targets).get(str(tid))
    if target is None:
        return [f"目标 {tid} 不存在" if not _empty(tid) else "请选择目标"]
    kind = str(target["kind"])
    day = _day(row.get("date"))
    if day is None:
        errors.append("日期为空或不是有效日期")
    else:
        year = int(target["year"])
        if day.year != year:
            errors.append(f"日期 {day:%Y-%m-%d} 不在目标年度 {year} 年内")
        elif day.date() > today:
            errors.append(f"日期 {day:%Y-%m-%d} 晚于今天，不能登记未发生的进展")
    quantity = row.get("quantity")
    if _empty(quantity) or not math.isfinite(float(quantity)) or float(quantity) <= 0:
        errors.append("数量（quantity）须大于 0")
    elif float(quantity) > MAX_QUANTITY:
        errors.append(f"数量（quantity）不合理（{float(quantity):g} 大于 {MAX_QUANTITY}）")
    attendees = row.get("attendees")
    if not _empty(attendees) and (float(attendees) < 0 or float(attendees) % 1):
        errors.append("参加人数须为非负整数")
    site = row.get("site_id")
    committee = row.get("committee")
    department = row.get("department")
    scope = KIND_SCOPE.get(kind, "any")
    if not _empty(site) and str(site) not in site_ids:
        errors.append(f"单位 {site} 不存在")
    if scope == "unit":
        if _empty(site):
            errors.append(f"{kind}按单位登记：请选择单位")
        if not _empty(quantity) and float(quantity) != 1:
            errors.append(f"{kind}每家单位记 1（数量应为 1）")
    if scope == "committee" and _empty(committee):
        errors.append(f"{kind}按居委登记户数：请选择居委")
    if scope == "committee" and not _empty(quantity) and float(quantity) % 1:
        errors.append("户数须为整数")
    known = known_committees()
    if not _empty(committee) and known and str(committee) not in known:
        errors.append(f"居委“{committee}”不是真如的居委")
    if not _empty(department) and str(department) not in DEPARTMENTS:
        errors.append(f"部门“{department}”不是街道的部门")
    return errors + _text_problems(row, TARGET_EVENT_COLUMNS)


#: Evidence accepted besides photos: PDF (a scanned signed letter).
_PDF_MAGIC = b"%PDF-"


def save_evidence(data: bytes, store_path: str | os.PathLike[str]) -> str:
    """Store the evidence of an event beside the store; return its name ``<sha256>.<ext>``.

    A photo (JPEG/PNG/WebP) is cleaned like every photo (:func:`clean_photo`: no EXIF/GPS,
    re-encoded as JPEG); a PDF is kept as sent. The file is named by its content hash in the
    store's photo folder (:func:`registry.attachments.photo_dir`) and written atomically, so
    the same file is stored once.

    Raises
    ------
    registry.attachments.AttachmentError
        Empty, too large, or neither an image nor a PDF (Chinese message); nothing is stored.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "s.db"
    >>> name = save_evidence(b"%PDF-1.4 signed letter", folder)
    >>> name.endswith(".pdf"), evidence_path(folder, name).read_bytes()[:5]
    (True, b'%PDF-')
    """
    if data[:5] == _PDF_MAGIC:
        if len(data) > MAX_BYTES:
            raise AttachmentError(f"文件过大，单个不能超过 {MAX_BYTES / 1024 / 1024:g} MB")
        cleaned, ext = data, "pdf"
    else:
        try:
            cleaned, ext = clean_photo(data), "jpg"
        except AttachmentError as err:
            raise AttachmentError(f"{err}；佐证材料可为照片或 PDF") from err
    name = f"{hashlib.sha256(cleaned).hexdigest()}.{ext}"
    target = evidence_path(store_path, name)
    store_once(target, cleaned)
    return name


def evidence_path(store_path: str | os.PathLike[str], name: str) -> Path:
    """Path of a stored evidence file (``name`` as returned by :func:`save_evidence`).

    Examples
    --------
    >>> evidence_path("/data/zhenru.db", "ab.pdf").as_posix()
    '/data/zhenru.photos/ab.pdf'
    """
    if "/" in name or "\\" in name or name.startswith("."):
        raise AttachmentError("佐证材料名称无效")
    return photo_dir(store_path) / name
