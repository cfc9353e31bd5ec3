"""The keys a section allows are the fields of what it fills: a field added to a section's
dataclass is a key at once, and a field added to Config fails here until a section fills it."""

import dataclasses
import typing

import pytest

from gateway.config import Config, ConfigError, config_from_dict
from gateway.config.keys import CONFIG_FIELD_OF_KEY, KNOWN

# Fields of Config no key fills: where the file was read from.
NOT_KEYS = {"path"}
# Fields of Config that a whole section fills, and that section.
WHOLE_SECTIONS = {"mailboxes": "mailbox", "tags": "tags", "smtp": "smtp", "acknowledge": "acknowledge",
                  "outbox": "outbox", "reminders": "reminders", "cases": "cases", "digest": "digest"}
# Fields of Config that a table below [relay] fills: inbound_relay, [relay.inbound].
RELAY_SECTIONS = {field: f"relay.{key}" for key, field in CONFIG_FIELD_OF_KEY["relay"].items()}
# Keys spelt otherwise than their field.
KEY_OF_FIELD = {"smtp": {"sender": "from"}}


def dataclass_of(config_field: str) -> type:
    """The dataclass a field of Config holds: SmtpConfig for `SmtpConfig | None`, Mailbox for
    `tuple[Mailbox, ...]`."""
    hint = typing.get_type_hints(Config)[config_field]
    found = [t for t in (hint, *typing.get_args(hint)) if dataclasses.is_dataclass(t)]
    assert len(found) == 1, f"Config.{config_field}: {hint} holds no one dataclass"
    return found[0]


def known_keys(section: str) -> set[str]:
    """The keys the "unknown key" message lists for the section."""
    if section == "mailbox":
        data = {"mailbox": [{"zz": 1}]}
    elif section.startswith("relay."):
        data = {"relay": {section.removeprefix("relay."): {"zz": 1}}}
    else:
        data = {section: {"zz": 1}}
    with pytest.raises(ConfigError) as error:
        config_from_dict(data)
    message = str(error.value)
    assert f"unknown key 'zz' in [{section}]; known keys: " in message
    return set(message.rpartition("known keys: ")[2].split(", "))


def test_every_field_of_config_is_filled_from_the_file():
    by_keys = {field for keys in CONFIG_FIELD_OF_KEY.values() for field in keys.values()}
    assert {f.name for f in dataclasses.fields(Config)} - NOT_KEYS == set(WHOLE_SECTIONS) | by_keys
    assert not set(WHOLE_SECTIONS) & by_keys


def test_the_sections_are_those_that_fill_config():
    assert set(KNOWN) == set(WHOLE_SECTIONS.values()) | set(CONFIG_FIELD_OF_KEY) | set(RELAY_SECTIONS.values())
    with pytest.raises(ConfigError) as error:
        config_from_dict({"wat": {}})
    listed = set(str(error.value).rpartition("known: ")[2].split(", "))
    assert listed == set(WHOLE_SECTIONS.values()) | set(CONFIG_FIELD_OF_KEY)


@pytest.mark.parametrize("config_field, section", sorted({**WHOLE_SECTIONS, **RELAY_SECTIONS}.items()))
def test_a_section_of_its_own_allows_the_fields_of_its_dataclass(config_field, section):
    if section == "tags":
        config_from_dict({"tags": {"any_category": "Any"}})  # [tags] takes any category name
        return
    renamed = KEY_OF_FIELD.get(section, {})
    expected = {renamed.get(f.name, f.name) for f in dataclasses.fields(dataclass_of(config_field))}
    assert known_keys(section) == expected


@pytest.mark.parametrize("section", sorted(set(CONFIG_FIELD_OF_KEY)))
def test_a_section_of_config_fields_allows_the_keys_that_fill_them(section):
    assert known_keys(section) == set(CONFIG_FIELD_OF_KEY[section])


BASE = {"mailbox": [{"address": "support@shop.example"}]}


@pytest.mark.parametrize("data, message", [
    ({"trust": 5}, "[trust] must be a table"),
    ({"notify": "https://hooks.example"}, "[notify] must be a table"),
    ({"gateway": 3}, "[gateway] must be a table"),
    ({"mailbox": 5}, "each mailbox is a [[mailbox]] table"),
    ({"mailbox": [5]}, "each mailbox is a [[mailbox]] table"),
    ({"gateway": {"state_dir": 5}}, "[gateway]: 'state_dir' must be a file or folder path in quotes, not 5"),
    ({"smtp": {"from": "crisis@shop.example", "capture_dir": 5}}, "[smtp]: 'capture_dir' must be a file or folder path"),
    ({"mailbox": [{"address": "support@shop.example", "ca_file": True}]}, "'ca_file' must be a file or folder path"),
    ({"smtp": {"from": "crisis@shop.example", "host": "mx.shop.example", "port": True}}, "[smtp] port must be a port number"),
    ({"smtp": {"from": "crisis@shop.example", "host": "mx.shop.example", "timeout": float("nan")}},
     "[smtp] timeout must be a number of seconds"),
    ({"mailbox": [{"address": "support@shop.example", "poll_seconds": float("nan")}]}, "'poll_seconds' must be a number"),
])
def test_a_value_of_the_wrong_kind_is_named_never_a_traceback(data, message):
    with pytest.raises(ConfigError) as error:
        config_from_dict({**BASE, **data}, "gateway.toml")
    assert message in str(error.value) and str(error.value).startswith("gateway.toml")
