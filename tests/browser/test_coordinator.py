"""The coordinator's dashboard in a real browser: charts drawn from the tables, the place
filter, and axe-core."""

import uuid

from playwright.async_api import Browser, BrowserContext, expect
from sqlalchemy.engine import Engine

from tests.accounts.helpers import PASSWORD, make_user
from tests.browser.conftest import axe_violations, describe
from tests.metrics.conftest import MetricsWorld, metrics_world  # noqa: F401  (fixture)

PERIOD = "from=2026-03-02&to=2026-03-15"


async def coordinator(browser: Browser, live_server: str, db_engine: Engine) -> BrowserContext:
    username = f"coordinator-{uuid.uuid4().hex[:8]}"
    make_user(db_engine, username, "coordinator")
    context = await browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="da-DK", extra_http_headers={}
    )
    page = await context.new_page()
    await page.goto(f"{live_server}/login?next=/coordinator")
    await page.locator("input[name=username]").fill(username)
    await page.locator("input[name=password]").fill(PASSWORD)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(f"{live_server}/coordinator")
    await page.close()
    return context


async def test_dashboard_draws_charts_from_its_tables(
    browser: Browser,
    live_server: str,
    db_engine: Engine,
    metrics_world: MetricsWorld,  # noqa: F811
) -> None:
    context = await coordinator(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/coordinator?{PERIOD}")
    await expect(page.locator("html")).to_have_attribute("lang", "da")
    await expect(page.locator("h1")).to_have_text("Overblik over digital inklusion")
    # Every chart is drawn (Chart.js attached to its canvas) from the table beneath it.
    figures = page.locator("figure.chart")
    assert await figures.count() >= 10
    await expect(figures.first).to_be_visible()
    drawn = await page.evaluate(
        """() => Array.from(document.querySelectorAll('figure.chart canvas'))
            .filter(canvas => window.Chart.getChart(canvas)).length"""
    )
    assert drawn == await figures.count()
    channel = page.locator("#table-channel")
    await expect(channel.locator("tbody tr").first).to_contain_text("12")
    await expect(channel.locator("tbody tr").nth(2)).to_contain_text("<5")
    bars = await page.evaluate(
        """() => window.Chart.getChart(
            document.querySelector('#title-channel').closest('section').querySelector('canvas')
        ).data.datasets[0].data"""
    )
    # Hidden counts are not drawn.
    assert bars == [12, 10, None, None]
    canvas = page.locator("#title-channel ~ figure canvas")
    assert "Tallene står i tabellen" in (await canvas.get_attribute("aria-label") or "")
    await expect(page.locator("#table-unmet")).to_contain_text("renew my residence permit")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()


async def test_filter_by_place(
    browser: Browser,
    live_server: str,
    db_engine: Engine,
    metrics_world: MetricsWorld,  # noqa: F811
) -> None:
    context = await coordinator(browser, live_server, db_engine)
    page = await context.new_page()
    await page.goto(f"{live_server}/coordinator?{PERIOD}")
    await page.locator("#filter-location").select_option("metrics-b")
    await page.locator(".metric-filters button[type=submit]").click()
    await page.wait_for_url("**location=metrics-b**")
    await expect(page.locator(".lead")).to_contain_text("Metrics B")
    # Place B had eight sessions: the total is published, the channels are all hidden or 0.
    await expect(page.locator("#table-channel tfoot")).to_contain_text("8")
    await expect(page.locator("#table-location")).to_have_count(0)
    csv_link = page.locator("a[href^='/coordinator/export/channel.csv']")
    assert "location=metrics-b" in (await csv_link.get_attribute("href") or "")
    violations = await axe_violations(page)
    assert violations == [], describe(violations)
    await context.close()
