"""The audit trail as the 管理员 reads it: Chinese labels, filters, one row per record.

The trail itself (``registry.audit``) is append-only; this module only reads it.

Examples
--------
>>> log = pd.DataFrame({
...     "audit_id": [1, 2], "ts": ["2026-03-01T09:00:00", "2026-03-02T10:30:00"],
...     "user": ["pingan", "jiancha"], "action": ["sign_in", "update_hazard"],
...     "entity": ["accounts", "hazards"], "entity_id": ["pingan", "YH-2026-03-0001"],
...     "before": [None, '{"status": "待整改"}'], "after": [None, '{"status": "整改中"}'],
...     "request_id": [None, None]})
>>> audit_table(log, users=["jiancha"])[["操作人", "操作", "编号"]].values.tolist()
[['jiancha', '修改隐患', 'YH-2026-03-0001']]
>>> len(audit_table(log, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 2)))
1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

__all__ = ["ACTION_LABELS", "AUDIT_COLUMNS", "audit_table"]

#: Audit ``action`` → Chinese (an unknown action is shown as it is).
ACTION_LABELS: dict[str, str] = {
    "replace_all": "整体导入/重建台账",
    "add_sites": "新增单位",
    "update_site": "修改单位",
    "add_inspection": "登记检查",
    "add_hazard": "登记隐患",
    "update_hazard": "修改隐患",
    "add_attachment": "上传照片",
    "apply_import": "批量导入",
    "import_add": "批量导入新增",
    "import_update": "批量导入更新",
    "undo_import": "撤销导入",
    "add_target": "新增年度目标",
    "add_targets": "新增年度目标",
    "replace_targets": "替换年度目标",
    "add_target_event": "登记目标进展",
    "add_account": "新建账户",
    "update_account": "修改账户",
    "sign_in": "登录成功",
    "sign_in_failed": "登录失败",
    "export": "导出数据",
}

#: Columns of :func:`audit_table`.
AUDIT_COLUMNS = ["序号", "时间", "操作人", "操作", "对象", "编号", "修改前", "修改后"]


def audit_table(
    log: pd.DataFrame,
    users: Sequence[str] = (),
    actions: Sequence[str] = (),
    entity_id: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """The audit records kept by the filters, newest first, with Chinese headers.

    Parameters
    ----------
    log : DataFrame
        ``SQLiteStore.audit_log()``.
    users, actions : sequence of str
        Keep these users / raw actions (empty: all).
    entity_id : str
        Keep records whose id contains this text.
    start, end : date, optional
        Keep records of these days (inclusive).
    """
    kept = log
    if users:
        kept = kept[kept["user"].isin(list(users))]
    if actions:
        kept = kept[kept["action"].isin(list(actions))]
    if entity_id.strip():
        kept = kept[kept["entity_id"].fillna("").astype(str).str.contains(
            entity_id.strip(), regex=False)]  # fmt: skip
    day = kept["ts"].astype(str).str.slice(0, 10)
    if start is not None:
        kept, day = kept[day >= start.isoformat()], day[day >= start.isoformat()]
    if end is not None:
        kept = kept[day <= end.isoformat()]
    kept = kept.sort_values("audit_id", ascending=False)
    return pd.DataFrame({
        "序号": kept["audit_id"].to_numpy(),
        "时间": kept["ts"].astype(str).str.replace("T", " ").to_numpy(),
        "操作人": kept["user"].to_numpy(),
        "操作": kept["action"].map(lambda a: ACTION_LABELS.get(a, a)).to_numpy(),
        "对象": kept["entity"].to_numpy(),
        "编号": kept["entity_id"].to_numpy(),
        "修改前": kept["before"].to_numpy(),
        "修改后": kept["after"].to_numpy(),
    }, columns=AUDIT_COLUMNS)  # fmt: skip
