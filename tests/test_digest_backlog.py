"""The digest of a large backlog, as a manager gets it on a phone: 1,000 open clocks and more, of
every kind. The whole mail stays well below the size at which Gmail clips it; it leads with what
is due within 24 hours; every list is capped, with how many more and the command that lists them;
the text part lists what the HTML lists, in the same order; at 375 px the page is no wider than
the screen and no order id breaks across lines."""

import email
import email.policy
import html as markup
import json
import re
from datetime import datetime, timedelta, timezone

from browser import headless
from captured import captured_mail
from configs import config_data, smtp_capture
from mailfactory import make
from mails import buyer
from recording import recorded

from gateway.config import Config, config_from_dict
from gateway.deadlines import digest
from gateway.outgoing.outbox import Outbox
from gateway.state import State

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
KINDS = ("buyer_message", "atoz_claim", "atoz_risk", "chargeback", "account_health", "case")
LANGUAGES = ("en", "de", "ja", "fr")
MAILS = 1300
LONG_WORD = "204-9999999-0000001"  # a buyer whose subject starts with one word longer than a phone is wide
# what the two parts name, in order: order ids and case ids
NAMED = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])|\b\d{8,}\b")
# the sections, as each part titles them, in the order they come
TITLES = {"soon": ("Due within 24 hours", "DUE WITHIN 24 HOURS"), "overdue": ("Crises overdue", "CRISES OVERDUE"),
          "later": ("Other open crises", "OTHER OPEN CRISES"), "tier2": ("Tier 2", "TIER 2"),
          "cases": ("Cases waiting for Amazon", "CASES WAITING FOR AMAZON")}
# Headless Chromium lays a page out at least 500 px wide, whatever its window: the digest is shown
# in a frame as wide as the phone. A script in the frame (the test's copy only: the mail has none)
# writes into the page around it the frame's viewport, the digest's width, and every id whose
# text takes more than one line box.
MEASURE = """<script>
(function () {
  var named = /\\d{3}-\\d{7}-\\d{7}|\\b\\d{11}\\b/g, broken = [], seen = 0;
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (var node = walker.nextNode(); node; node = walker.nextNode()) {
    named.lastIndex = 0;
    for (var m = named.exec(node.data); m; m = named.exec(node.data)) {
      var range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      seen++;
      if (range.getClientRects().length > 1) broken.push(m[0]);
    }
  }
  var out = parent.document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({viewport: window.innerWidth, width: document.documentElement.scrollWidth,
                                    ids: seen, broken: broken});
  parent.document.body.appendChild(out);
})();
</script>"""


def backlog(tmp_path) -> Config:
    """A state with more than 1,000 open clocks: a mail of each kind in turn, one every 12 minutes
    back from NOW over 11 days, in four languages; and a buyer, due in 30 minutes, whose subject
    starts with a word of 100 letters."""
    config = config_from_dict(config_data(tmp_path, smtp=smtp_capture(tmp_path), digest={"to": ["boss@shop.example"]}))
    mails = [make(KINDS[n % len(KINDS)], lang=LANGUAGES[n // len(KINDS) % len(LANGUAGES)], seed=n,
                  arrival=NOW - timedelta(minutes=12 * n)).raw for n in range(MAILS)]
    long_word = buyer(LONG_WORD, "Where is it?", minute=30).replace(b"22 Nov 2026 10:", b"22 Nov 2026 12:").replace(
        b"Subject: Inquiry", b"Subject: " + b"Lieferverzug" * 9 + b" Inquiry")
    recorded(config, *mails, long_word, now=NOW)
    return config


def test_a_digest_of_1000_clocks_leads_with_what_can_be_saved_and_stays_small(tmp_path):
    config = backlog(tmp_path)
    with State(config.state_dir) as state:
        assert len(state.open_clocks()) >= 1000
        made = digest.gather(state, config, NOW)
        queued = digest.queue(state, config, NOW, key="digest|test", to=("boss@shop.example",))
        assert Outbox(config, state).run(now=lambda: NOW)["dead"] == 0
    [raw] = [mail for mail in captured_mail(config.smtp.capture_dir) if b"X-Crisis-Digest:" in mail]
    assert len(raw) < 90_000, f"the digest as mailed is {len(raw)} bytes"  # Gmail clips at about 102 KB
    assert len(raw) <= digest.mailed_size(queued)  # what the budget is checked with is no underestimate
    text, html = (part.get_content() for part in email.message_from_bytes(raw, policy=email.policy.default).iter_parts())

    # every open clock is in one list; each list in the order a manager acts on it, capped
    assert sum(made[name]["total"] for name in TITLES) == made["open"]
    rows = {name: made[name]["rows"] for name in TITLES}
    due = {name: [datetime.fromisoformat(r["deadline"]) for r in rows[name] if r.get("deadline")] for name in TITLES}
    assert LONG_WORD in [r["order_id"] for r in rows["soon"]] and due["soon"] == sorted(due["soon"])
    assert all(NOW <= d < NOW + timedelta(hours=24) for d in due["soon"])
    assert all(r["tier"] == 1 and r["overdue"] for r in rows["overdue"])
    assert due["overdue"] == sorted(due["overdue"], reverse=True)  # the most recent first
    assert all(r["tier"] == 1 and not r["overdue"] for r in rows["later"])
    assert all(r["tier"] != 1 for r in rows["tier2"]) and any(r["overdue"] for r in rows["tier2"])
    for name, (cap, command) in digest.LISTS.items():
        listed = made[name]
        assert len(listed["rows"]) == cap and listed["more"] == listed["total"] - cap > 0, name
        for part in (text, html):
            assert f"and {listed['more']} more: " in part and command in part, name

    # both parts: the sections in the same order, the same totals, the same ids in the same order
    html_titles = [html.index(f"{title} ({made[name]['total']})") for name, (title, _) in TITLES.items()]
    text_titles = [text.index(f"{title} ({made[name]['total']})") for name, (_, title) in TITLES.items()]
    assert html_titles == sorted(html_titles) and text_titles == sorted(text_titles)
    assert html_titles[0] < 8_000, "what is due within 24 hours is not at the top of the mail"
    assert NAMED.findall(text) == NAMED.findall(html)
    for row in (row for listed in rows.values() for row in listed):
        named = row.get("reference") or row["case_id"]
        assert named in text and named in html


def test_a_digest_of_1000_clocks_fits_a_phone_screen(tmp_path):
    """At 375 px, the width of a common phone: the page is no wider than the screen (the clocks
    stack, they are no table), every id is whole on its line, the long word wraps."""
    config = backlog(tmp_path)
    with State(config.state_dir) as state:
        html = digest.compose(state, config, NOW).html
    assert "<script" not in html
    phone = markup.escape(html.replace("</body>", MEASURE + "</body>"))
    page = tmp_path / "phone.html"
    page.write_text(f'<!DOCTYPE html><html><body style="margin:0"><iframe width="375" height="20000"'
                    f' style="border:0" srcdoc="{phone}"></iframe></body></html>', "utf-8")
    dom = headless(page, tmp_path, 500, 800, "--dump-dom").stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, dom[-2000:]
    measured = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert measured["viewport"] == 375, measured
    assert measured["width"] <= 375, f"the page is {measured['width']} px wide at 375 px"
    assert measured["ids"] >= 60 and measured["broken"] == [], measured
