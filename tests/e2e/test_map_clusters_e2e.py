"""风险地图 clusters in a real browser: each cluster is a ring of the levels of its members."""

from __future__ import annotations

from collections import Counter

from registry.enums import RISK_LEVELS
from tests.e2e.conftest import folium_frame, open_app, screenshot

# JS run inside the map iframe: every cluster drawn on the 风险点 layer, with what its members
# are (markercluster's public getAllChildMarkers, not the ring's own count) and what it shows.
_CLUSTERS = """() => {
  const out = [];
  for (const g of Object.values(window.map_div._layers)) {
    if (!g.zrLayer || !g._featureGroup || !g._map) continue;
    g._featureGroup.eachLayer((c) => {
      if (!(c instanceof L.MarkerCluster) || !c._icon) return;
      const grades = c.getAllChildMarkers().map((m) => m.options.grade);
      const segs = Array.from(c._icon.querySelectorAll("circle.zr-seg")).map((s) => ({
        level: s.getAttribute("data-level"), count: Number(s.getAttribute("data-count")),
        colour: s.getAttribute("stroke"),
        length: Number(s.getAttribute("stroke-dasharray").split(" ")[0]),
      }));
      const box = c._icon.getBoundingClientRect();
      const span = c._icon.querySelector("span"), sb = span.getBoundingClientRect();
      // what is drawn on top of the number: the number itself, not the ring's own disc
      const hit = document.elementFromPoint(sb.left + sb.width / 2, sb.top + sb.height / 2);
      out.push({layer: g.zrLayer, grades: grades, segs: segs, number: span.textContent,
                numberOnTop: hit === span || !c._icon.contains(hit),
                numberShown: hit === span,
                title: c._icon.querySelector(".zr-ring").getAttribute("title"),
                visible: box.width > 0 && box.height > 0});
    });
  }
  return out;
}"""


def test_cluster_rings_show_the_mix_of_levels_and_the_member_count(app_server, browser_page):
    page = browser_page
    open_app(page, app_server + "/map")
    frame = folium_frame(page)
    frame.locator(".zr-cluster circle.zr-seg").first.wait_for()
    page.wait_for_timeout(500)  # chunked loading ends with one refresh of the icons
    clusters = frame.locator("body").evaluate(_CLUSTERS)
    assert len(clusters) >= 3, clusters

    names = {lvl.grade: lvl.name for lvl in RISK_LEVELS}
    colours = {lvl.name: lvl.hex for lvl in RISK_LEVELS}
    for c in clusters:
        assert c["visible"]
        assert c["numberOnTop"], c  # not hidden under the ring's white disc
        assert int(c["number"]) == len(c["grades"])  # the number in the middle = its members
        members = Counter(names[g] for g in c["grades"] if g in names)
        shown = {s["level"]: s["count"] for s in c["segs"] if s["level"]}
        assert shown == dict(members), c  # one arc per level inside, with its count
        order = [s["level"] for s in c["segs"] if s["level"]]
        assert order == [lvl.name for lvl in RISK_LEVELS if lvl.name in members]  # 重大 first
        for s in c["segs"]:
            if s["level"]:
                assert s["colour"] == colours[s["level"]]
        assert all(s["length"] > 0 for s in c["segs"])

    assert sum(c["numberShown"] for c in clusters) >= len(clusters) / 2
    mixed = [c for c in clusters if len({s["colour"] for s in c["segs"]}) > 1]
    assert mixed, "no cluster with members of several levels on the opening view"
    # a bigger share draws a longer arc
    for c in mixed:
        segs = sorted((s for s in c["segs"] if s["level"]), key=lambda s: s["count"])
        if len(segs) >= 2 and segs[-1]["count"] >= 4 * segs[0]["count"]:
            assert segs[-1]["length"] > segs[0]["length"], c
    sample = mixed[0]
    assert sample["title"].endswith(f"（共 {len(sample['grades'])} 处）")

    # every clustered layer, shown or not (sector layers), draws with the one ring script
    uses_ring = frame.locator("body").evaluate("""() => Object.keys(window)
        .map((k) => window[k]).filter((v) => v instanceof L.MarkerClusterGroup)
        .map((g) => g.options.iconCreateFunction === window.zrRing.icon)""")
    assert len(uses_ring) >= 2 and all(uses_ring), uses_ring  # 风险点 + sector layers

    legend = frame.locator(".zr-legend").inner_text()
    assert "聚合圈：按等级构成着色，中间为单位数" in legend
    screenshot(page, "map_clusters")
    assert page.blocked_requests == [], page.blocked_requests
    assert page.console_errors == [], page.console_errors
