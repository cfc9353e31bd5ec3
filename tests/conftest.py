"""Every shared fixture of the tests: configurations, the classifier, real servers on 127.0.0.1,
a test certificate, and the daemon as a process. The classes and builders they use live in
plain modules beside this one (configs, mails, servers, relays, processes), which tests import
themselves; nothing imports this file.

Where a setting varies per test, a marker tunes the fixture:
    @pytest.mark.imap_mailbox(**options)  options of the [[mailbox]] that imap_config watches
    @pytest.mark.each_delimiter           the test runs on a stock Dovecot (hierarchy delimiter ".")
                                          and again on one with separator = /
    @pytest.mark.dovecot_users(count)     crowded_dovecot has that many users (100 by default)
"""

import base64
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from configs import AUTHSERV, MINIMAL_CONFIG, imap_mailbox, smtp_capture, write_config
from mails import SPANISH_CLAIM, dkim_key_name
from processes import DaemonProcess, FakeSystemd
from relays import Chain
from servers import (
    Dovecot,
    OpenDkim,
    Postfix,
    Sink,
    Webhook,
    dovecot_available,
    missing,
    postfix_available,
    postfix_slots,
)
from tlsproxy import ServiceProxy, make_ca_and_certificate

from gateway.config import config_from_dict
from gateway.intake.pipeline import Pipeline
from gateway.judging.classify import Classifier
from gateway.state import State

DAEMON_LOG = pytest.StashKey[Path]()


def pytest_configure(config):
    config.addinivalue_line("markers", "imap_mailbox(**options): options of the mailbox imap_config watches")
    config.addinivalue_line("markers", "dovecot_users(count): the crowded_dovecot fixture has that many users")
    config.addinivalue_line("markers", 'each_delimiter: on a stock Dovecot (delimiter ".") and on one with separator = /')


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("each_delimiter"):
        metafunc.parametrize("dovecot", [None, "/"], ids=["delimiter-dot", "delimiter-slash"], indirect=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that started the daemon shows the end of the daemon's log."""
    report = yield
    log = item.stash.get(DAEMON_LOG, None)
    if report.failed and log is not None and log.exists():
        report.sections.append((f"daemon log {log}", log.read_text(errors="replace")[-6000:]))
    return report


@pytest.fixture(scope="session")
def config():
    return config_from_dict(MINIMAL_CONFIG)


@pytest.fixture(scope="session")
def classifier(config):
    return Classifier(config)


@pytest.fixture
def config_file(tmp_path):
    return write_config(tmp_path)


@pytest.fixture
def claim_file(tmp_path):
    path = tmp_path / "claim.eml"
    path.write_bytes(SPANISH_CLAIM)
    return path


@pytest.fixture
def pipeline(classifier, tmp_path):
    """The pipeline over a fresh state in tmp_path/state, open for the whole test."""
    with State(tmp_path / "state") as state:
        yield Pipeline(classifier, state)


@pytest.fixture
def sink():
    with Sink() as running:
        yield running


@pytest.fixture
def webhook():
    with Webhook() as running:
        yield running


_postfix_slots = postfix_slots(os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("PYTEST_XDIST_WORKER_COUNT"))


@pytest.fixture
def postfix_factory():
    """make(extra_main=..., extra_master=...) starts a Postfix of its own; all are stopped after the test."""
    if not postfix_available():
        missing("Postfix (run as root with the postfix package installed)")
    started: list[Postfix] = []

    def make(**options) -> Postfix:
        instance = Postfix(next(_postfix_slots), **options).start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()


_dovecot_names = iter(range(10**6))


@pytest.fixture
def dovecot(request):
    """A Dovecot of its own with the namespace left at Dovecot's defaults, as a stock install has
    it (Maildir: the hierarchy delimiter "."); under each_delimiter, also one with separator = /."""
    if not dovecot_available():
        missing("Dovecot (run as root with the dovecot-imapd package installed)")
    server = Dovecot(f"{os.getpid()}-{next(_dovecot_names)}", separator=getattr(request, "param", None)).start()
    yield server
    server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture
def crowded_dovecot(request):
    """A Dovecot with many users (box0001...; `dovecot_users(count)` marker, 100 by default) and
    its limits raised for two connections each; the plain `dovecot` keeps Dovecot's defaults."""
    if not dovecot_available():
        missing("Dovecot (run as root with the dovecot-imapd package installed)")
    marker = request.node.get_closest_marker("dovecot_users")
    users = marker.args[0] if marker else 100
    server = Dovecot(f"{os.getpid()}-{next(_dovecot_names)}", users=users).start()
    yield server
    server.stop()
    shutil.rmtree(server.base, ignore_errors=True)


@pytest.fixture
def chain(postfix_factory, dovecot):
    """Postfix with the inbound relay as its content filter, delivering into Dovecot."""
    return Chain.start(postfix_factory, dovecot)


@pytest.fixture
def milter_chain(postfix_factory, dovecot):
    """Postfix with the inbound relay as its milter (smtpd_milters), delivering into Dovecot."""
    return Chain.start(postfix_factory, dovecot, as_milter=True)


@pytest.fixture(scope="session")
def rsa_key(tmp_path_factory) -> tuple[bytes, bytes]:
    """(private key PEM, the TXT record of its public key), made with the openssl command, for
    DKIM signatures (mails.dkim_signed)."""
    if shutil.which("openssl") is None:
        missing("openssl")
    private = tmp_path_factory.mktemp("dkim") / "private.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(private), "2048"], check=True, capture_output=True)
    public_der = subprocess.run(["openssl", "rsa", "-in", str(private), "-pubout", "-outform", "DER"],
                                check=True, capture_output=True).stdout
    return private.read_bytes(), b"v=DKIM1; k=rsa; p=" + base64.b64encode(public_der)


@pytest.fixture
def opendkim_chain(postfix_factory, dovecot, tmp_path, rsa_key):
    """Postfix with two milters, as a mail host with DKIM checks has them: OpenDKIM verifying (it
    writes Authentication-Results as the configs' trusted AUTHSERV, amazon.co.uk's key from
    rsa_key), then the inbound relay; delivering into Dovecot."""
    if shutil.which("opendkim") is None:
        missing("OpenDKIM (the opendkim package)")
    records = {dkim_key_name("amazon.co.uk").decode().rstrip("."): rsa_key[1].decode()}
    verifier = OpenDkim(tmp_path / "opendkim", AUTHSERV, records)
    try:
        yield Chain.start(postfix_factory, dovecot, as_milter=True, milters_before=[verifier.start().port])
    finally:
        verifier.stop()


@pytest.fixture
def imap_config(request, tmp_path, dovecot) -> Path:
    """The configuration file of a daemon watching the Dovecot INBOX (a look every second, a
    30-day backlog), its outgoing mail captured in tmp_path/outgoing."""
    marker = request.node.get_closest_marker("imap_mailbox")
    box = imap_mailbox(tmp_path, dovecot, **{"poll_seconds": 1, "backlog_days": 30, **(marker.kwargs if marker else {})})
    return write_config(tmp_path, mailbox=[box], smtp=smtp_capture(tmp_path),
                        outbox={"backoff_initial": 0.05, "backoff_max": 0.2})


@pytest.fixture(scope="session")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """(certificate, key): self-signed for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        missing("openssl")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="session")
def service_ca(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(CA, certificate, key): a test CA and, signed by it, a certificate for the services' hosts
    (tlsproxy.SERVICE_HOSTS: Slack, Teams workflows, PagerDuty)."""
    if shutil.which("openssl") is None:
        missing("openssl")
    return make_ca_and_certificate(tmp_path_factory.mktemp("services"))


@pytest.fixture
def service_proxy(service_ca, monkeypatch):
    """Every https service at once, on 127.0.0.1 (tlsproxy.ServiceProxy): this process's
    HTTPS_PROXY and HTTP_PROXY point at it, REQUESTS_CA_BUNDLE at the test CA, and only 127.0.0.1
    is reached directly. What a client sends anywhere else is in `seen`; nothing leaves the machine."""
    ca, certificate, key = service_ca
    with ServiceProxy(certificate, key) as proxy:
        for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.setenv(name, "127.0.0.1")
        for name in ("ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(ca))
        yield proxy


@pytest.fixture
def run_daemon(request, tmp_path):
    """start(config, *args, command="run", notify=False, env=None) starts `python -m gateway
    COMMAND --config CONFIG ARGS` (the daemon, by default) as a process, its output appended to
    tmp_path/daemon.log: restarts share it, a failing test shows it. With `notify`, a fake
    systemd listens on its NOTIFY_SOCKET; `env` adds variables. Whatever still runs after the
    test gets SIGTERM, and is killed if it does not end within a minute."""
    log = tmp_path / "daemon.log"
    request.node.stash[DAEMON_LOG] = log
    started: list[DaemonProcess] = []

    def start(config: Path, *args: str, command: str = "run", notify: bool = False,
              env: dict[str, str] | None = None) -> DaemonProcess:
        fake = FakeSystemd(str(tmp_path / f"notify-{len(started) + 1}")) if notify else None
        started.append(DaemonProcess(command, config, args, log, notify=fake, env=env))
        return started[-1]

    yield start
    for daemon in started:
        daemon.stop(signal.SIGTERM)
