"""Pages of the Streamlit app (one file per page) and the page table the router uses.

Files starting with ``_`` are shared helpers, not pages.
"""

from __future__ import annotations

#: (file relative to the repo root, title, url_path, icon); the first is the default page.
PAGES: tuple[tuple[str, str, str, str], ...] = (
    ("app_pages/map.py", "风险地图", "map", ":material/map:"),
    ("app_pages/record.py", "检查登记", "record", ":material/edit_note:"),
    ("app_pages/hazards.py", "隐患台账", "hazards", ":material/warning:"),
    ("app_pages/units.py", "单位管理", "units", ":material/domain:"),
    ("app_pages/import_data.py", "数据导入", "import", ":material/upload_file:"),
    ("app_pages/ranking.py", "优先排名", "ranking", ":material/format_list_numbered:"),
    ("app_pages/route_planning.py", "巡查路线", "routes", ":material/route:"),
    ("app_pages/period_plan.py", "周期计划", "period", ":material/calendar_month:"),
    ("app_pages/holiday.py", "节前检查", "holiday", ":material/event:"),
    ("app_pages/stats.py", "统计考核", "stats", ":material/bar_chart:"),
    ("app_pages/targets.py", "年度目标", "targets", ":material/flag:"),
    ("app_pages/facility_coverage.py", "设施覆盖", "facilities", ":material/local_fire_department:"),
    ("app_pages/screen.py", "大屏", "screen", ":material/tv:"),
    ("app_pages/account.py", "我的账户", "account", ":material/person:"),
    ("app_pages/admin.py", "账户与审计", "admin", ":material/admin_panel_settings:"),
)
