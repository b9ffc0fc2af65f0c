"""The report's charts in a real browser (Chromium at 1440 px, through Playwright): every chart
has its title, no label is cut at the chart's edge, and no chart is clipped by another's clip
path (the 按类别 chart lost its top half that way). The page and the PDF's first page are saved
as report.png and report-pdf.png, to be looked at: into test-artifacts/screenshots/, or into the
committed docs/screenshots/ with KESU_REFRESH_SCREENSHOTS=1 (tests/web/browser.shown_shots)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import pytest

from kesu.clocks.sweep import sweep
from kesu.core.lifecycle import State
from tests.factories import act, bring_to, register
from tests.scenarios.conftest import at
from tests.web.browser import shown_shots

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
PASSWORD = "kesu-demo-2026"
CATEGORIES = ["repair_time", "repair_quality", "vehicle_delivery", "sales_promise", "charges", "insurance_claim",
              "attitude", "facilities", "parts", "other"]

CHART_BOXES = """() => [...document.querySelectorAll('.charts svg')].map(svg => {
  svg.scrollIntoView({block: 'center'});
  const box = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].map(t => {
    const r = t.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {text: t.textContent, left: r.left - box.left, right: box.right - r.right, top: r.top - box.top,
            bottom: box.bottom - r.bottom, width: r.width, seen: hit === t || svg.contains(hit)};
  });
  const rects = [...svg.querySelectorAll('rect')].filter(b => !b.closest('clipPath'))
    .filter(b => getComputedStyle(b).fill !== 'none');
  const fills = [...new Set(rects.map(b => getComputedStyle(b).fill))];
  const bars = rects.map(b => b.getBoundingClientRect());
  const over = texts.filter((t, i) => bars.some(b => {
    const r = svg.querySelectorAll('text')[i].getBoundingClientRect();
    return r.left < b.right - 0.5 && r.right > b.left + 0.5 && r.top < b.bottom - 0.5 && r.bottom > b.top + 0.5;
  })).map(t => t.text);
  return {title: (svg.querySelector('title') || {}).textContent, label: svg.getAttribute('aria-label'),
          clip: (svg.querySelector('clipPath') || {}).id, width: box.width, texts, bars: bars.length, fills, over,
          clipped: getComputedStyle(svg.querySelector('g')).clipPath};
})"""


def test_the_reports_charts_are_titled_and_nothing_is_cut_at_1440_px(live_server, p1, people, tmp_path):
    for i, category in enumerate(CATEGORIES):  # ten categories: the tallest chart, the longest labels
        for _ in range(1 + i % 3):
            c = register(people, at("2026-03-03 09:00") + timedelta(hours=i))
            act(c, "classify", people["wangkf"], at("2026-03-03 09:05") + timedelta(hours=i),
                level=["dissatisfied", "very_dissatisfied", "major", "crisis"][i % 4], category=category,
                validity="valid")
    bring_to(State.FOLLOW_UP, people, at("2026-03-10 09:30"))
    sweep(now=at("2026-03-12 09:00"))  # first contacts missed, second contact missed: rates below 100 %
    assert shutil.which(CHROMIUM)
    shots = shown_shots()
    shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", "zhangzong")
            page.fill("input[name=password]", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            page.goto(f"{live_server.url}/reports/?start=2026-03-01&end=2026-03-31")
            charts = page.evaluate(CHART_BOXES)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(shots / "report.png"), full_page=True)
            pdf = page.request.get(f"{live_server.url}/reports/?start=2026-03-01&end=2026-03-31&format=pdf").body()
        finally:
            browser.close()

    assert [c["title"] for c in charts] == ["按级别（件）", "按类别（最常见的问题，件）", "时限按时率（%）"]
    assert [c["label"] for c in charts] == [c["title"] for c in charts]
    assert len({c["clip"] for c in charts}) == len(charts)  # each chart clips to its own box
    for chart, bars in zip(charts, (4, 10, 3), strict=True):  # a rate of 0 % draws no bar
        # the drawing's own colours and sizes apply (the page's CSP ignores style attributes)
        assert chart["bars"] == bars and chart["fills"] == ["rgb(46, 107, 179)"], chart  # blue, not black
        assert chart["over"] == [] and "chart-clip" in chart["clipped"], chart  # no text on a bar
        assert chart["texts"][0]["text"] == chart["title"]  # the title is drawn in the chart itself
        for t in chart["texts"]:
            assert t["width"] > 0 and t["seen"], (chart["title"], t)
            assert min(t["left"], t["right"], t["top"], t["bottom"]) >= -0.5, (chart["title"], t)
        assert not any(t["text"].endswith("…") for t in chart["texts"])  # these labels fit whole
    labels = {t["text"] for t in charts[1]["texts"]}
    assert {"售后服务 / 维修时效与等待", "销售 / 交车与手续", "保险理赔"} <= labels

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(path),
                    str(shots / "report-pdf")], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout
    for title in ("按级别（件）", "按类别（最常见的问题，件）", "时限按时率（%）", "售后服务 / 维修时效与等待"):
        assert title in text, title
