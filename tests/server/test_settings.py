"""Server settings from flags, ``RAGFORT_*`` and ``.env``: precedence, tenant overrides, one error for bad values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragfort.errors import ConfigError
from ragfort.server.settings import RateLimit, ServerSettings, is_loopback, load_settings


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with no ``.env`` (the checkout's own must not leak into these tests)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_redis_url_must_be_a_redis_url_and_blank_means_unset() -> None:
    with pytest.raises(ConfigError, match="redis_url"):
        load_settings(redis_url="http://cache:6379")
    assert load_settings(redis_url="").redis_url is None


def test_the_environment_is_read_and_flags_override_it(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_HOME", str(elsewhere / "state"))
    monkeypatch.setenv("RAGFORT_POLICY", "strict_env")
    monkeypatch.setenv("RAGFORT_RATE_LIMIT", json.dumps({"per_second": 2, "burst": 4}))
    settings = load_settings(policy="from_flag")
    assert settings.data_dir == str(elsewhere / "state")
    assert settings.policy == "from_flag"
    assert settings.rate_limit == RateLimit(per_second=2, burst=4)
    assert load_settings(data_dir="/srv/ragfort").data_dir == "/srv/ragfort"  # the field's own name works too


def test_a_dotenv_file_in_the_working_directory_is_read(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("RAGFORT_INDEX", "RAGFORT_REDIS_URL"):  # the environment would win over the file
        monkeypatch.delenv(name, raising=False)
    (elsewhere / ".env").write_text("RAGFORT_INDEX=/srv/index\nRAGFORT_REDIS_URL=\n", encoding="utf-8")
    settings = load_settings()
    assert settings.index == "/srv/index"
    assert settings.redis_url is None  # blank in a compose or .env file means unset


def test_tenant_overrides_fall_back_to_the_server_wide_values(elsewhere: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tenants = {"acme": {"policy": "acme.yaml", "rate_limit": {"per_second": 1, "burst": 2}}, "globex": {"index": "gx"}}
    monkeypatch.setenv("RAGFORT_TENANTS", json.dumps(tenants))
    settings = load_settings(policy="support_agent", index="main")
    assert (settings.policy_for("acme"), settings.index_for("acme")) == ("acme.yaml", "main")
    assert (settings.policy_for("globex"), settings.index_for("globex")) == ("support_agent", "gx")
    assert settings.rate_limit_for("acme") == RateLimit(per_second=1, burst=2)
    assert settings.rate_limit_for("unknown") == settings.rate_limit == RateLimit()


def test_bad_values_are_one_config_error_naming_each_setting() -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tenants={"Acme Corp": {}}, max_body_bytes=0, auth="maybe")
    message = str(info.value)
    assert message.startswith("bad server settings: ")
    for name in ("tenants", "max_body_bytes", "auth", "'Acme Corp'"):
        assert name in message
    with pytest.raises(ConfigError, match=r"tenants\.acme\.colour"):
        load_settings(tenants={"acme": {"colour": "red"}})  # a typo in an override is not ignored


def test_the_llm_api_key_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAGFORT_LLM_API_KEY", "sk-very-secret")
    settings = ServerSettings()
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "sk-very-secret"
    for shown in (repr(settings), str(settings), settings.model_dump_json()):
        assert "sk-very-secret" not in shown


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("0.0.0.0", False), ("10.0.0.5", False), ("::", False), ("example.com", False)],
)  # fmt: skip
def test_only_loopback_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
