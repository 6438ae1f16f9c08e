"""Ids of 20+ digits, or digits a database cannot take, are refused by the dispatch views, never a 500."""

from __future__ import annotations

import pytest

from webapp.models import Role

HUGE = "9" * 25


@pytest.mark.parametrize(
    "url,form",
    [
        ("/dispatch/stops/reassign", {"stop_id": HUGE, "route_id": "1"}),
        ("/dispatch/stops/reassign", {"stop_id": "1", "route_id": HUGE}),
        ("/dispatch/routes/reassign", {"route_id": HUGE, "driver_id": "1"}),
        ("/dispatch/routes/reassign", {"route_id": "1", "driver_id": HUGE}),
        ("/dispatch/routes/reassign", {"route_id": "²", "driver_id": ""}),
        ("/dispatch/stops/reassign", {"stop_id": "2147483648", "route_id": "1"}),
    ],
)
def test_reassigning_with_an_id_out_of_range_is_a_400(client, auth, url, form) -> None:
    """A reassign naming an id no row can have is answered 400."""
    auth.login(Role.DISPATCHER)
    assert client.post(url, data=form).status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/dispatch/plans/{HUGE}",
        f"/dispatch/plans/{HUGE}/export.csv",
        f"/dispatch/plans/{HUGE}/progress",
        f"/dispatch/plans/1/routes/{HUGE}/sheet",
        f"/jobs/{HUGE}",
    ],
)
def test_pages_of_an_id_out_of_range_are_a_404(client, auth, url) -> None:
    """A plan, route sheet or job id no row can have is not found."""
    auth.login(Role.DISPATCHER)
    assert client.get(url).status_code == 404
