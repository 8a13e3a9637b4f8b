import pytest

from bot.settings import DEFAULT_API_URL, SettingsError, load_settings

GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2-3", "SLACK_SIGNING_SECRET": "secret"}


def test_defaults_when_only_required_settings_are_given():
    s = load_settings(GOOD, env_file=None)
    assert s.slack_api_url == DEFAULT_API_URL
    assert s.database_url == "sqlite:///checkins.db"
    assert s.port == 3000
    assert s.slack_app_token is None


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({**GOOD, "SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({**GOOD, "SLACK_APP_TOKEN": "xoxb-not-an-app-token"}, "SLACK_APP_TOKEN"),
        ({**GOOD, "SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({**GOOD, "DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({**GOOD, "PORT": "99999"}, "PORT"),
        ({**GOOD, "PORT": "http"}, "PORT"),
    ],
)
def test_missing_or_malformed_setting_is_named(env, named):
    with pytest.raises(SettingsError) as err:
        load_settings(env, env_file=None)
    assert str(err.value).startswith(named)
    assert "\n" not in str(err.value)


def test_env_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file-secret\nPORT=4000\n")
    s = load_settings({"PORT": "5000"}, env_file=str(env_file))
    assert s.slack_bot_token == "xoxb-from-file"
    assert s.slack_signing_secret == "file-secret"
    assert s.port == 5000


def test_api_url_gets_a_trailing_slash():
    s = load_settings({**GOOD, "SLACK_API_URL": "http://127.0.0.1:9/api"}, env_file=None)
    assert s.slack_api_url == "http://127.0.0.1:9/api/"
