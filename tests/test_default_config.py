"""Which configuration a command reads without --config: $CRISIS_GATEWAY_CONFIG, else
/etc/crisis-gateway/gateway.toml; with neither, the commands that need only rules and defaults
run on them, every other one stops with one line naming what was tried (exit 2)."""

import io

import pytest
from configs import write_config
from mails import SPANISH_CLAIM
from processes import cli

from gateway.cli import main
from gateway.config import loading

NEEDS_CONFIG = [
    ["status"], ["run"], ["run", "--once"], ["process", "x.eml"], ["outbox", "list"], ["outbox", "run"],
    ["audit", "verify"], ["audit", "show"], ["resolve", "301-0000000-0000001", "--note", "x"],
    ["evidence", "301-0000000-0000001"], ["digest"], ["backup", "copy.db"], ["check-config"], ["relay-user", "anna"],
]


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No $CRISIS_GATEWAY_CONFIG, and the default path one that does not exist (returned)."""
    monkeypatch.delenv(loading.CONFIG_VARIABLE, raising=False)
    default = tmp_path / "etc" / "gateway.toml"
    monkeypatch.setattr(loading, "DEFAULT_CONFIG", default)
    monkeypatch.chdir(tmp_path)
    return default


@pytest.mark.parametrize("command", NEEDS_CONFIG, ids=lambda c: " ".join(c[:2]))
def test_a_command_that_needs_a_configuration_says_what_was_tried(nowhere, capsys, command):
    assert main(command) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"error: no configuration: --config not given, $CRISIS_GATEWAY_CONFIG not set, "
                            f"{nowhere} does not exist\n")
    assert captured.out == ""


def test_the_default_path_is_the_one_of_the_install_guide(monkeypatch):
    assert loading.DEFAULT_CONFIG == loading.Path("/etc/crisis-gateway/gateway.toml")
    if loading.DEFAULT_CONFIG.exists():
        pytest.skip("this machine has /etc/crisis-gateway/gateway.toml")
    monkeypatch.delenv(loading.CONFIG_VARIABLE, raising=False)  # the process inherits the environment
    done = cli("status")
    assert done.returncode == 2
    assert done.stderr == ("error: no configuration: --config not given, $CRISIS_GATEWAY_CONFIG not set, "
                           "/etc/crisis-gateway/gateway.toml does not exist\n")


def test_the_commands_of_rules_and_defaults_run_without_one(nowhere, tmp_path, monkeypatch, capsys):
    claim = tmp_path / "claim.eml"
    claim.write_bytes(SPANISH_CLAIM)
    assert main(["classify", "--json", str(claim)]) == 0
    assert '"category": "atoz_claim"' in capsys.readouterr().out
    assert main(["rules", "check"]) == 0
    assert "all valid" in capsys.readouterr().out
    users = tmp_path / "relay-users"
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))  # not a terminal: one line is read
    assert main(["relay-user", "--users-file", str(users), "anna"]) == 0
    assert users.read_text().startswith("anna:")
    assert not (tmp_path / "state").exists()


def test_the_variable_names_the_configuration_and_a_missing_file_is_named(nowhere, tmp_path, monkeypatch, capsys):
    config = write_config(tmp_path)
    monkeypatch.setenv(loading.CONFIG_VARIABLE, str(config))
    assert main(["status"]) == 2  # read: it is the state that is missing
    assert f"error: no state at {tmp_path / 'state'}: state.db was looked for in [gateway] state_dir of {config}" \
        in capsys.readouterr().err
    assert main(["process", "--no-send", str(tmp_path / "missing.eml")]) == 0
    assert (tmp_path / "state" / "state.db").exists()
    assert main(["status"]) == 0
    capsys.readouterr()

    monkeypatch.setenv(loading.CONFIG_VARIABLE, str(tmp_path / "gone.toml"))
    assert main(["status"]) == 2
    assert capsys.readouterr().err == (f"error: {tmp_path / 'gone.toml'}: file not found (named by "
                                       "$CRISIS_GATEWAY_CONFIG); set it to the path of your config file, or unset it\n")
    assert main(["status", "--config", str(config)]) == 0  # --config comes first


def test_the_default_path_is_read_when_it_exists(nowhere, tmp_path, capsys):
    nowhere.parent.mkdir()
    nowhere.write_text("[gateway]\nstate_dir = 1\n")
    assert main(["classify", str(tmp_path / "none.eml")]) == 2  # read even where the defaults would do
    assert capsys.readouterr().err.startswith(f"error: {nowhere} [gateway]: 'state_dir' must be")
    write_config(nowhere.parent)
    assert main(["process", "--no-send", str(tmp_path / "none.eml")]) == 0
    assert (nowhere.parent / "state" / "state.db").exists()
