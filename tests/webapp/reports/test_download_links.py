"""The dashboard's download links say what they give."""

from __future__ import annotations

from webapp.models import Role

PERIOD = "from=2026-03-01&to=2026-04-30"


def test_the_csv_download_says_it_is_a_zip(client, auth, world) -> None:
    """The CSV tables come as one zip, and the link says so: CSV（zip 压缩包）."""
    auth.login(Role.ADMIN)
    page = client.get(f"/reports/?{PERIOD}").get_data(as_text=True)
    assert "CSV（zip 压缩包）</a>" in page
    response = client.get(f"/reports/report.csv?{PERIOD}")
    assert response.mimetype == "application/zip"
