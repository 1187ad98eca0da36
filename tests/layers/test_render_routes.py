"""Route plans drawn on the offline map (layers.route_lines)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from layers.map_events import handle_map_event
from layers.offline import remote_urls
from layers.route_lines import route_lines, route_map

DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def plan():
    from routes.planning import TeamSpec, plan_routes
    from routes.travel import StraightLineProvider

    rng = np.random.default_rng(4)
    n = 16
    sites = pd.DataFrame(
        {
            "site_id": [f"S{i:06d}" for i in range(n)],
            "name": ["<b>粗体</b>单位"] + [f"测试单位{i}" for i in range(1, n)],
            "address": [f"真如路{i}号" for i in range(n)],
            "lon": rng.uniform(121.378, 121.402, n),
            "lat": rng.uniform(31.250, 31.266, n),
            "category": "群租",
            "score": rng.uniform(10, 95, n).round(1),
            "level": ["重大", "较大", "一般", "低"] * 4,
            "coord_quality": ["approximate"] + ["osm"] * (n - 1),
        }
    )
    teams = [TeamSpec("平安办一组"), TeamSpec("平安办二组", mode="步行")]
    return plan_routes(
        sites, teams, DAY, provider=StraightLineProvider(), time_limit=10.0, max_iterations=60
    )


def test_route_lines_follow_the_stop_order(plan) -> None:
    lines = route_lines(plan)
    assert lines["team"].tolist() == [r.team.name for r in plan.routes]
    for r, (_, row) in zip(plan.routes, lines.iterrows(), strict=True):
        assert row["n_stops"] == len(r.stops)
        if len(r.stops):
            coords = list(row.geometry.coords)
            assert len(coords) == len(r.stops) + 2  # start, stops, end
            first = r.stops.sort_values("seq").iloc[0]
            assert coords[1] == pytest.approx((first["lon"], first["lat"]))


def test_route_map_is_offline_escaped_and_clickable(plan) -> None:
    html = route_map(plan).get_root().render()
    assert remote_urls(html) == [] and "L.tileLayer" not in html
    assert "<b>粗体</b>" not in html
    stops = plan.all_stops()
    assert html.count("L.polyline(") == sum(1 for r in plan.routes if len(r.stops))
    first = stops.iloc[0]
    tooltip_text = f"{first['site_id']} · {first['name']} · {first['team']} 第{int(first['seq'])}站"
    assert handle_map_event(
        {"last_object_clicked_tooltip": tooltip_text}, set(stops["site_id"])
    ) == first["site_id"]
    assert "巡查小组（家数）" in html or "\\u5de1\\u67e5" in html
    assert "© OpenStreetMap contributors" in html
