"""[relay.inbound] and [relay.outbound]: what is accepted, and errors that say what to write."""

import pytest
from configs import MINIMAL_CONFIG

from gateway.config import ConfigError, config_from_dict

SMTP = {"from": "crisis@shop.example", "host": "smtp.shop.example"}


def load(relay: dict, **sections):
    return config_from_dict({**MINIMAL_CONFIG, "relay": relay, **sections})


def test_both_relays_with_their_defaults():
    config = load({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10026"},
                   "outbound": {"listen": "[::1]:10587"}}, smtp=SMTP)
    assert config.inbound_relay.listen == ("127.0.0.1", 10025) and config.inbound_relay.reinject == ("127.0.0.1", 10026)
    assert config.inbound_relay.max_message_bytes == config.max_message_bytes
    assert config.outbound_relay.listen == ("::1", 10587)
    assert config.outbound_relay.local_networks == ("127.0.0.0/8", "::1/128") and config.outbound_relay.users_file is None


def test_the_inbound_relay_as_a_milter():
    config = load({"inbound": {"listen": "127.0.0.1:10025", "mode": "milter"}})
    assert config.inbound_relay.mode == "milter" and config.inbound_relay.reinject is None
    assert load({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10026"}}).inbound_relay.mode == \
        "content_filter"


@pytest.mark.parametrize("relay, smtp, message", [
    ({"inbound": {"listen": "127.0.0.1:10025"}}, None, "needs listen"),
    ({"inbound": {"listen": "10025", "reinject": "127.0.0.1:10026"}}, None, "listen must be an IP address and port"),
    ({"inbound": {"listen": "127.0.0.1:99999", "reinject": "127.0.0.1:10026"}}, None, "listen must be an IP address and port"),
    ({"inbound": {"listen": "a..b:10025", "reinject": "127.0.0.1:10026"}}, None, "listen must be an IP address and port"),
    ({"inbound": {"listen": "0.0.0.0:10025", "reinject": "127.0.0.1:10026"}}, None, "listen must be a loopback address"),
    ({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10025"}}, None, "every mail would loop"),
    ({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10026", "workers": 0}}, None, "workers"),
    ({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10026", "max_message_bytes": 10}}, None,
     "at least 1024"),
    ({"inbound": {"listen": "127.0.0.1:10025", "reinject": "127.0.0.1:10026", "port": 1}}, None, "unknown key 'port'"),
    ({"inbound": {"listen": "127.0.0.1:10025", "mode": "proxy"}}, None, 'mode must be "content_filter"'),
    ({"inbound": {"listen": "127.0.0.1:10025", "mode": "milter", "reinject": "127.0.0.1:10026"}}, None,
     "a milter re-injects nothing"),
    ({"inbound": {"listen": "127.0.0.1:10025", "mode": "milter", "timeout": 5}}, None, "a milter has none"),
    ({"inbound": {"mode": "milter"}}, None, "where Postfix's smtpd_milters connects"),
    ({"inbound": {"listen": "0.0.0.0:10025", "mode": "milter"}}, None, "listen must be a loopback address"),
    ({"sideways": {}}, None, "unknown key 'sideways'"),
    ({"outbound": {"listen": "127.0.0.1:10587"}}, None, "add an [smtp] section"),
    ({"outbound": {"listen": "127.0.0.1:10587"}}, {"from": "c@shop.example", "capture_dir": "out"}, "would never leave"),
    ({"outbound": {"listen": "127.0.0.1:587", "local_networks": ["0.0.0.0/0"]}}, SMTP, "open relay"),
    ({"outbound": {"listen": "0.0.0.0:587", "users_file": "users"}}, SMTP, "passwords would cross the network in clear"),
    ({"outbound": {"listen": "127.0.0.1:587", "tls_cert": "cert.pem"}}, SMTP, "give both tls_cert and tls_key"),
    ({"outbound": {"listen": "127.0.0.1:587", "local_networks": ["10.0.0.0/33"]}}, SMTP, "is not a network"),
    ({"inbound": {"listen": "127.0.0.1:25", "reinject": "127.0.0.1:26"}, "outbound": {"listen": "127.0.0.1:25"}}, SMTP,
     "cannot listen on the same address"),
])
def test_mistakes_are_named(relay, smtp, message):
    with pytest.raises(ConfigError) as error:
        load(relay, **({"smtp": smtp} if smtp else {}))
    assert message in str(error.value)


def test_relay_must_be_a_table_of_tables():
    with pytest.raises(ConfigError, match=r"\[relay.inbound\] and \[relay.outbound\]"):
        config_from_dict({**MINIMAL_CONFIG, "relay": "127.0.0.1:10025"})
