"""The regulator's battery search: manufacturer, holder, status, event date, combined, paged."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlmodel import Session

from tests.webapp.conftest import AuthActions
from tests.webapp.trace.conftest import CASCADE, PACK_A, PACK_B, Recorder, to_enterprise
from webapp.audit import search
from webapp.models import Role

PACK_S02 = "S02PE0A1234567S5A0000126"


@pytest.fixture
def three(record: Recorder) -> None:
    """PACK_A and PACK_S02 at the cascade-use enterprise (1-3 and 21-23 September 2026),
    PACK_B handed over and in transit (11-12 September)."""
    record([*to_enterprise(PACK_A), *to_enterprise(PACK_B, start=10)[:2], *to_enterprise(PACK_S02, start=20)])


def _search(client: FlaskClient, auth: AuthActions, query: str) -> list[str]:
    auth.login(Role.REGULATOR)
    page = client.get("/audit/?" + query).get_data(as_text=True)
    return _in_results(page)


def _in_results(page: str) -> list[str]:
    """The test batteries listed in the results section (not in "recently active")."""
    results = (
        page.split('id="search-results"', 1)[-1].split("</section>", 1)[0] if "search-results" in page else ""
    )
    return [code for code in (PACK_A, PACK_B, PACK_S02) if f'href="/audit/batteries/{code}"' in results]


def test_search_by_manufacturer_code(client: FlaskClient, auth: AuthActions, three: None) -> None:
    """A manufacturer code (any case) finds that maker's batteries only."""
    assert _search(client, auth, "manufacturer=s02") == [PACK_S02]


def test_search_by_manufacturer_name(client: FlaskClient, auth: AuthActions, three: None) -> None:
    """Part of the registry's Chinese name finds the maker's batteries."""
    assert _search(client, auth, "manufacturer=制造商乙") == [PACK_S02]


def test_search_by_holder_and_status_combined(client: FlaskClient, auth: AuthActions, three: None) -> None:
    """Holder and status apply together: the enterprise holds two, both at the enterprise."""
    assert _search(client, auth, f"holder={CASCADE[:4]}&status=at_enterprise") == [PACK_A, PACK_S02]
    assert _search(client, auth, f"holder={CASCADE[:4]}&status=in_transit") == []


def test_search_by_event_date_range(client: FlaskClient, auth: AuthActions, three: None) -> None:
    """Only batteries with a log entry dated (China time) inside the range are found."""
    assert _search(client, auth, "from=2026-09-10&to=2026-09-11") == [PACK_B]


def test_search_combines_every_filter(client: FlaskClient, auth: AuthActions, three: None) -> None:
    """Manufacturer, holder, status, dates and part of the code narrow to one battery."""
    query = f"q=0000123&manufacturer=S01&holder={CASCADE}&status=at_enterprise&from=2026-09-01&to=2026-09-30"
    assert _search(client, auth, query) == [PACK_A]


def test_search_is_paged(db: Session, three: None) -> None:
    """A page holds ``per_page`` batteries in code order; a page past the end shows the last."""
    wanted, errors = search.BatteryFilters.from_args({"manufacturer": "S01", "page": "2"})
    found = search.run(db, wanted, per_page=1)
    assert errors == {} and (found.total, found.pages, found.page) == (2, 2, 2)
    assert [b.code for b in found.results] == [PACK_B]
    beyond = search.run(db, search.BatteryFilters(manufacturer="S01", page=9), per_page=1)
    assert beyond.page == 2 and [b.code for b in beyond.results] == [PACK_B]


def test_the_pager_keeps_the_filters(client: FlaskClient, auth: AuthActions, record: Recorder) -> None:
    """With more matches than a page, the next-page link carries every filter."""
    codes = [f"S01PE0A1234567S5A{n:07d}" for n in range(1, search.PER_PAGE + 2)]
    record([event for code in codes for event in to_enterprise(code)[:1]])
    auth.login(Role.REGULATOR)
    page = client.get("/audit/?manufacturer=S01&status=at_outlet").get_data(as_text=True)
    assert "/audit/?manufacturer=S01&amp;status=at_outlet&amp;page=2" in page
    second = client.get("/audit/?manufacturer=S01&status=at_outlet&page=2").get_data(as_text=True)
    results = second.split('id="search-results"', 1)[-1].split("</section>", 1)[0]
    assert codes[-1] in results and codes[0] not in results


def test_no_result_says_so_in_chinese_with_the_filters(
    client: FlaskClient, auth: AuthActions, three: None
) -> None:
    """An empty search says no battery matches and repeats the filters, in Chinese."""
    auth.login(Role.REGULATOR)
    page = client.get("/audit/?manufacturer=S09&status=recycled&from=2026-01-01").get_data(as_text=True)
    assert "没有符合以下条件的电池" in page
    assert "生产企业“S09”" in page and "状态：已再生利用" in page and "事件日期 2026-01-01 至 …" in page


def test_a_bad_date_is_a_400_naming_the_field(client: FlaskClient, auth: AuthActions) -> None:
    """A date that cannot be read is refused with the field named, not ignored."""
    auth.login(Role.REGULATOR)
    response = client.get("/audit/?from=2026-13-01")
    assert response.status_code == 400
    assert 'data-field="from"' in response.get_data(as_text=True)


def test_an_exact_code_with_other_filters_lists_instead_of_opening(
    client: FlaskClient, auth: AuthActions, three: None
) -> None:
    """A full code plus a status filter shows the result list, so the filter is visible."""
    auth.login(Role.REGULATOR)
    response = client.get(f"/audit/?q={PACK_A}&status=at_enterprise")
    assert response.status_code == 200 and PACK_A in response.get_data(as_text=True)
