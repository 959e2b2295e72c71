"""The settings registry: well-formed entries and parsers that mean what they say."""

import pytest
from limits import parse_many

from servicekit import settings
from servicekit.settings import SETTINGS, ConfigError, value


def test_every_entry_is_well_formed():
    assert len(SETTINGS) == len(settings._SETTINGS), "a setting is listed twice"
    for setting in SETTINGS.values():
        assert setting.name.isupper() and setting.meaning and setting.read_by, setting.name
        assert set(setting.read_by) <= set(settings.READERS), setting.name
        assert setting.section in settings.SECTIONS, setting.name
        assert not (setting.internal and setting.secret), setting.name


@pytest.mark.parametrize("setting", [s for s in SETTINGS.values() if not callable(s.default)], ids=str)
def test_the_shown_default_parses_back_to_the_default(setting):
    """What .env.example and the README show is a value the setting accepts."""
    shown = setting.kind.show(setting.default)
    if shown:
        assert setting.parse(shown) == setting.default


def test_unset_or_empty_means_the_default():
    assert value({}, "ROOM_HISTORY") == 50
    assert value({"ROOM_HISTORY": ""}, "ROOM_HISTORY") == 50
    assert value({"ROOM_HISTORY": "7"}, "ROOM_HISTORY") == 7


def test_computed_defaults_follow_their_source():
    assert value({"API_THREADS": "4"}, "DB_POOL_MAX") == 4
    assert value({"API_THREADS": "4", "DB_POOL_MAX": "2"}, "DB_POOL_MAX") == 2
    assert value({"HTTP_PORT": "9000"}, "ALLOWED_ORIGINS") == {
        "http://127.0.0.1:9000",
        "http://localhost:9000",
    }


@pytest.mark.parametrize(
    ("name", "text", "parsed"),
    [
        ("SESSION_COOKIE_SECURE", "yes", True),
        ("SESSION_COOKIE_SECURE", "OFF", False),
        ("LOG_LEVEL", "debug", "DEBUG"),
        ("WS_RATE_PER_SECOND", "2.5", 2.5),
        (
            "ALLOWED_ORIGINS",
            "https://a.example, https://b.example:8443/",
            {"https://a.example", "https://b.example:8443"},
        ),
        ("HTTP_BIND", "0.0.0.0", "0.0.0.0"),
        ("DOCKER_STOP_GRACE_PERIOD", "1m30s", "1m30s"),
        ("WEB_MEMORY", "1.5g", "1.5g"),
        ("DOCKER_RESTART_POLICY", "on-failure:3", "on-failure:3"),
    ],
)
def test_values_parse(name, text, parsed):
    assert value({name: text}, name) == parsed


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("HTTP_PORT", "eighty"),
        ("HTTP_PORT", "70000"),
        ("ROOM_HISTORY", "0"),
        ("WS_RATE_PER_SECOND", "nan"),
        ("SESSION_COOKIE_SECURE", "maybe"),
        ("APP_ENV", "staging"),
        ("ALLOWED_ORIGINS", "chat.example.com"),
        ("ALLOWED_ORIGINS", "https://chat.example.com/path"),
        ("HTTP_BIND", "localhost"),
        ("DOCKER_RESTART_POLICY", "sometimes"),
        ("WEB_MEMORY", "lots"),
        ("RATELIMIT_LOGIN", "10 a minute"),
    ],
)
def test_bad_values_are_refused_naming_the_setting_and_the_rule(name, text):
    with pytest.raises(ConfigError, match=f"^{name} must be .*, not {text!r}$"):
        value({name: text}, name)


@pytest.mark.parametrize(
    "text",
    [
        "10/minute",
        "10 per minute",
        "5 per 10 seconds",
        "1/second;100/day",
        "2/hour, 3/day",
        "7 PER HOUR",
        "10/fortnight",
        "10",
        "/minute",
        "ten/minute",
        "10/minute;",
        "10 minutes",
    ],
)
def test_rate_limits_follow_flask_limiters_grammar(text):
    """check-env runs without Flask-Limiter installed: its grammar must be the `limits` library's."""
    try:
        parse_many(text)
        accepted_by_limits = True
    except ValueError:
        accepted_by_limits = False
    try:
        settings.RATE_LIMIT.parse(text)
        accepted_here = True
    except ValueError:
        accepted_here = False
    assert accepted_here == accepted_by_limits


def test_secrets_prefer_their_file(tmp_path):
    secret = tmp_path / "db_password"
    secret.write_text("from-the-file\n")
    assert value({"DB_PASSWORD": "inline", "DB_PASSWORD_FILE": str(secret)}, "DB_PASSWORD") == "from-the-file"
    assert value({"DB_PASSWORD": "inline", "DB_PASSWORD_FILE": ""}, "DB_PASSWORD") == "inline"


def test_production_rule_for_secrets():
    assert settings.production_problem("SECRET_KEY", settings.DEFAULT_SECRET_KEY)
    assert settings.production_problem("SECRET_KEY", "x" * 31)
    assert settings.production_problem("SERVICE_TOKEN", "x" * 32) is None
