"""Configuration: defaults -> TOML file -> KG_* environment -> dict, read once,
documented in one generated table."""

from __future__ import annotations

import pytest

from kg.model.errors import BuildError
from server.config import SETTINGS, load_config, settings_table


def test_defaults():
    config = load_config(environ={})
    assert config["TIMEOUT"] == 10.0 and config["WORKERS"] == 2 and config["MAX_ROWS"] == 100000
    assert config["UNION_DEFAULT_GRAPH"] is True


def test_file_then_environment_then_overrides(tmp_path):
    path = tmp_path / "kg.toml"
    path.write_text('timeout = 3.5\nworkers = 4\nmax_rows = 50\ndata = ["a.ttl", "b.nq"]\nunion_default_graph = false\n')
    config = load_config(environ={"KG_CONFIG": str(path), "KG_WORKERS": "6"})
    assert (config["TIMEOUT"], config["WORKERS"], config["MAX_ROWS"]) == (3.5, 6, 50)
    assert config["DATA"] == "a.ttl b.nq" and config["UNION_DEFAULT_GRAPH"] is False
    config = load_config({"WORKERS": 1}, environ={"KG_CONFIG": str(path), "KG_WORKERS": "6"})
    assert config["WORKERS"] == 1


@pytest.mark.parametrize("environ,message", [
    ({"KG_TIMEOUT": "soon"}, "KG_TIMEOUT must be a float"),
    ({"KG_UNION_DEFAULT_GRAPH": "maybe"}, "must be true or false"),
    ({"KG_WORKERS": "two"}, "KG_WORKERS must be a int"),
    ({"KG_TIMEOUT": "-5"}, "timeout must be a positive number, not -5.0"),
    ({"KG_TIMEOUT": "nan"}, "timeout must be a positive number"),
    ({"KG_TIMEOUT": "inf"}, "timeout must be a positive number"),
    ({"KG_WORKERS": "0"}, "workers must be a positive number, not 0"),
    ({"KG_MAX_ROWS": "-1"}, "max_rows must be a positive number"),
    ({"KG_CACHE_MAX_AGE": "-1"}, "cache_max_age must be a number >= 0"),
    ({"KG_PORT": "70000"}, "port must be from 0 to 65535, not 70000"),
    ({"KG_CONNECTION_LIMIT": "0"}, "connection_limit must be a positive number, not 0"),
    ({"KG_REQUEST_TIMEOUT": "-1"}, "request_timeout must be a positive number"),
    ({"KG_SEND_TIMEOUT": "0"}, "send_timeout must be a positive number"),
    ({"KG_RESPONSE_BUFFER_MB": "0"}, "response_buffer_mb must be a positive number"),
    ({"KG_CONNECTIONS_PER_CLIENT": "-1"}, "connections_per_client must be a number >= 0"),
])
def test_bad_values_are_clear_errors(environ, message):
    with pytest.raises(BuildError, match=message):
        load_config(environ=environ)


def test_unknown_key_and_missing_file(tmp_path):
    path = tmp_path / "kg.toml"
    path.write_text("timeout_seconds = 3\n")
    with pytest.raises(BuildError, match="unknown setting 'timeout_seconds'"):
        load_config(file=str(path), environ={})
    with pytest.raises(BuildError, match="config file not found"):
        load_config(file=str(tmp_path / "none.toml"), environ={})


def test_settings_table_lists_every_setting():
    table = settings_table()
    for name in SETTINGS:
        assert f"| `{name.lower()}` | `KG_{name}` |" in table
    assert "| `timeout` | `KG_TIMEOUT` | `10.0` |" in table


def test_readme_has_the_current_table(repo):
    assert settings_table() in (repo / "README.md").read_text()


def test_zero_is_fine_where_it_means_none():
    config = load_config(environ={"KG_WORKER_MEMORY_MB": "0", "KG_CACHE_MAX_AGE": "0", "KG_PORT": "0", "KG_CONNECTIONS_PER_CLIENT": "0"})
    assert (config["WORKER_MEMORY_MB"], config["CACHE_MAX_AGE"], config["PORT"], config["CONNECTIONS_PER_CLIENT"]) == (0, 0, 0, 0)
