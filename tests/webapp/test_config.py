"""Settings read from the environment are validated with messages naming the variable."""

from __future__ import annotations

import pytest

from webapp.config import ConfigError, Settings, parse_road_speeds


def test_road_speeds_override_only_the_named_classes() -> None:
    """`primary=20, residential=12.5` parses to those two classes in km/h."""
    assert parse_road_speeds("primary=20, residential=12.5") == {"primary": 20.0, "residential": 12.5}
    assert parse_road_speeds("") == {}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("highway=30", "road class"),
        ("primary", "ROAD_CLASS=KMH"),
        ("primary=fast", "must be a number"),
        ("primary=0", "between 1 and 130"),
    ],
)
def test_bad_road_speeds_name_the_variable_and_the_problem(raw: str, words: str) -> None:
    """Each malformed speed setting is refused with the variable's name and the reason."""
    with pytest.raises(ConfigError, match="RELOOP_ROAD_SPEEDS_KMH") as err:
        Settings.from_env({"RELOOP_ROAD_SPEEDS_KMH": raw, "DATABASE_URL": "sqlite://"})
    assert words in str(err.value)


def test_road_speeds_come_from_the_environment() -> None:
    """The setting is carried on the app's Settings for the dispatch job to pass on."""
    settings = Settings.from_env({"RELOOP_ROAD_SPEEDS_KMH": "motorway=50", "DATABASE_URL": "sqlite://"})
    assert settings.road_speeds_kmh == {"motorway": 50.0}


def test_secure_cookies_mark_the_session_cookie_secure(tmp_path) -> None:
    """With RELOOP_SECURE_COOKIES=1 the session cookie carries the Secure flag."""
    from webapp import create_app

    settings = Settings.from_env(
        {
            "RELOOP_SECURE_COOKIES": "1",
            "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
            "RELOOP_INSTANCE_PATH": str(tmp_path),
            "RELOOP_SECRET_KEY": "k" * 32,
        }
    )
    app = create_app({"SETTINGS": settings, "TESTING": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert Settings.from_env({"DATABASE_URL": "sqlite://"}).secure_cookies is False
