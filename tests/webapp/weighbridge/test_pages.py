"""The weighbridge pages: weigh a truck through the form, print, correct, reconcile, review."""

from __future__ import annotations

import io

from tests.webapp.weighbridge.conftest import TARE_G, collect, tickets
from webapp.models import Role

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _weigh(client, world, **form):
    data = {
        "facility_id": str(world.centre.id),
        "direction": "in",
        "gross_kg": "10250.5",
        "vehicle_id": str(world.truck.id),
    }
    data |= form
    return client.post(f"/weighbridge/tickets/new?facility_id={world.centre.id}", data=data)


def test_the_form_preselects_the_next_unload_visit(client, auth, world) -> None:
    """The operator's form opens with the truck's first open unload visit selected."""
    auth.login(Role.WEIGHBRIDGE)
    page = client.get(f"/weighbridge/tickets/new?facility_id={world.centre.id}").get_data(as_text=True)
    assert f'<option value="{world.unloads[0].id}" selected' in page


def test_weighing_through_the_form_saves_a_numbered_ticket_with_photo(client, auth, db, world) -> None:
    """Unload visit chosen, gross in kg, tare registered, photo: 303 to the ticket page, net exact."""
    auth.login(Role.WEIGHBRIDGE)
    collect(db, world, world.stops[0], {"paper": 2_000_000})
    response = _weigh(client, world, stop_id=str(world.unloads[0].id), photo=(io.BytesIO(PNG), "scale.png"))
    assert response.status_code == 303
    [ticket] = tickets(db)
    assert (ticket.gross_g, ticket.tare_g, ticket.net_g) == (10_250_500, TARE_G, 2_250_500)
    assert ticket.photo_id is not None and ticket.vehicle_id == world.truck.id
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page and "250.5" in page  # the difference with the drivers' 2 000 kg
    assert client.get(f"/weighbridge/tickets/{ticket.id}/photo").data == PNG


def test_a_refused_form_names_the_field_and_writes_nothing(client, auth, db, world) -> None:
    """Tare above gross: 422, the tare field marked, no ticket."""
    auth.login(Role.WEIGHBRIDGE)
    response = _weigh(client, world, gross_kg="5000", tare_kg="6000")
    assert response.status_code == 422
    assert 'data-field="tare_kg"' in response.get_data(as_text=True)
    assert tickets(db) == []


def test_the_printable_ticket_comes_in_a5_and_80mm(client, auth, db, world) -> None:
    """Both print sizes carry the number and net weight and their own print stylesheet."""
    auth.login(Role.WEIGHBRIDGE)
    _weigh(client, world)
    ticket = tickets(db)[0]
    for size in ("a5", "80mm"):
        page = client.get(f"/weighbridge/tickets/{ticket.id}/print?size={size}").get_data(as_text=True)
        assert ticket.number in page and "2,250.5" in page and f"weighbridge-print-{size}.css" in page
        assert "磅单" in page


def test_a_correction_through_the_form_voids_the_old_ticket(client, auth, db, world) -> None:
    """Correct: a new number voiding the old, which then shows as voided."""
    auth.login(Role.WEIGHBRIDGE)
    _weigh(client, world)
    old = tickets(db)[0]
    form = client.get(f"/weighbridge/tickets/{old.id}/correct").get_data(as_text=True)
    assert "10250.5" in form
    response = client.post(
        f"/weighbridge/tickets/{old.id}/correct",
        data={"direction": "in", "stop_id": str(old.stop_id), "gross_kg": "10300", "void_reason": "读数错"},
    )
    assert response.status_code == 303
    old_again, new = tickets(db)
    assert new.voids_id == old.id and new.net_g == 2_300_000
    assert new.number in client.get(f"/weighbridge/tickets/{old.id}").get_data(as_text=True)


def test_reconciliation_and_review_flag_a_trip_over_tolerance(client, auth, db, world) -> None:
    """Drivers 2 000 kg, net 2 250.5 kg (+12.5 %): flagged on the reconciliation and the review list."""
    auth.login(Role.DISPATCHER)
    collect(db, world, world.stops[0], {"paper": 2_000_000})
    collect(db, world, world.stops[3], {"paper": 1_000_000})
    _weigh(client, world)
    _weigh(client, world, gross_kg="9010")  # 1 010 kg against 1 000 kg: +1 %, within 3 %
    page = client.get("/weighbridge/reconciliation").get_data(as_text=True)
    assert "+12.5" in page and "+1.0" in page
    review = client.get("/weighbridge/review").get_data(as_text=True)
    first, second = tickets(db)
    assert first.number in review and second.number not in review


def test_the_nav_shows_the_weighbridge_to_its_operator(client, auth, world) -> None:
    """A weighbridge operator sees the link and the tickets page."""
    auth.login(Role.WEIGHBRIDGE)
    assert "/weighbridge/" in client.get("/weighbridge/").get_data(as_text=True)


def test_a_truck_weighed_in_then_out_gets_one_ticket(client, auth, db, world) -> None:
    """Weigh in (gross only): no ticket, listed on site; weigh out with the tare: the ticket, list empty."""
    auth.login(Role.WEIGHBRIDGE)
    response = _weigh(client, world, action="weigh_in", gross_kg="10400")
    assert response.status_code == 303 and tickets(db) == []
    index = client.get(f"/weighbridge/?facility_id={world.centre.id}").get_data(as_text=True)
    weigh_in = index.split("weigh_in_id=")[1].split('"')[0]
    form = client.get(f"/weighbridge/tickets/new?facility_id={world.centre.id}&weigh_in_id={weigh_in}")
    assert 'id="weigh-out"' in form.get_data(as_text=True)
    data = {"weigh_in_id": weigh_in, "direction": "in", "tare_kg": "8150"}
    response = client.post(f"/weighbridge/tickets/new?facility_id={world.centre.id}", data=data)
    assert response.status_code == 303
    [ticket] = tickets(db)
    assert (ticket.gross_g, ticket.tare_g, ticket.net_g, ticket.stop_id) == (
        10_400_000,
        8_150_000,
        2_250_000,
        world.unloads[0].id,
    )
    assert 'id="weigh-ins"' not in client.get(f"/weighbridge/?facility_id={world.centre.id}").get_data(
        as_text=True
    )
    again = client.post(f"/weighbridge/tickets/new?facility_id={world.centre.id}", data=data)
    assert again.status_code == 422 and ticket.number in again.get_data(as_text=True)


def test_a_weigh_in_of_a_truck_on_no_trip_is_refused(client, auth, db, world) -> None:
    """The gate check comes at the weigh-in: the spare truck is on no route today."""
    auth.login(Role.WEIGHBRIDGE)
    response = _weigh(client, world, action="weigh_in", vehicle_id=str(world.spare.id))
    assert response.status_code == 422 and 'data-field="vehicle_id"' in response.get_data(as_text=True)


def test_the_weighbridge_pages_speak_chinese(client, auth, db, world) -> None:
    """Form, ticket, print, weigh-in list, reconciliation, review and the phone's unload page: no English."""
    from tests.webapp.test_chinese_pages import foreign_words, visible_text

    auth.login(Role.WEIGHBRIDGE)
    collect(db, world, world.stops[0], {"paper": 2_000_000})
    _weigh(client, world)
    _weigh(client, world, action="weigh_in", gross_kg="9000")
    ticket = tickets(db)[0]
    urls = [
        f"/weighbridge/?facility_id={world.centre.id}",
        f"/weighbridge/tickets/new?facility_id={world.centre.id}",
        f"/weighbridge/tickets/{ticket.id}",
        f"/weighbridge/tickets/{ticket.id}/print?size=a5",
        f"/weighbridge/tickets/{ticket.id}/print?size=80mm",
        f"/weighbridge/tickets/{ticket.id}/correct",
        "/weighbridge/import",
        "/weighbridge/reconciliation",
        "/weighbridge/review",
    ]

    def words(url: str) -> list[str]:
        # The fixture's users are called "<role> user": their names are not the page's words.
        text = visible_text(client.get(url).get_data(as_text=True))
        return foreign_words(text.replace("weighbridge user", "").replace("driver user", ""))

    found = {url: words(url) for url in urls}
    auth.logout()
    auth.login(Role.DRIVER)
    url = f"/driver/unloads/{world.unloads[0].id}"
    found[url] = words(url)
    assert {url: words for url, words in found.items() if words} == {}
