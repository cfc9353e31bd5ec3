"""HTML bodies reduced to readable text, for html-only mails, in time linear in their size.

A small tokenizer of its own rather than html.parser: that one rescans the rest of the input for
every tag it cannot close, so a body of `<a ` or `<!` repeated took minutes. Here every search
moves forward only (the position of the next `>` is kept until it is passed), and a comment,
script or style that never ends simply ends the text. Markup inside attribute values is not
interpreted: a `>` inside quotes ends the tag early, which costs a few stray characters of text,
never a wrong verdict about the words around it.
"""

from __future__ import annotations

import html as html_entities
import re
import time

_BLOCK = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "td", "th", "blockquote"}
_SKIP = {"script", "style", "head", "title"}
_RAW_TEXT = {"script", "style"}  # their content is no markup: skipped up to their end tag
_TAG_NAME = re.compile(r"<(/?)([A-Za-z][^\s/>]*)")
_CHECK_CLOCK_EVERY = 4096  # tokens between looks at the clock


def html_to_text(html: str) -> str:
    """The text of an HTML body, one line per block."""
    return html_to_text_within(html)[0]


def html_to_text_within(html: str, deadline: float | None = None, max_chars: int | None = None) -> tuple[str, bool]:
    """(text, whole). The reading stops at `deadline` (a time.thread_time() value; whole is then
    False) or once about `max_chars` of text are read (what the caller keeps anyway)."""
    if not html:
        return "", True
    parts, whole = _extract(html, deadline, max_chars)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line), whole


def _extract(html: str, deadline: float | None, max_chars: int | None) -> tuple[list[str], bool]:
    parts: list[str] = []
    skip_depth = 0
    lowered: str | None = None  # made once, for finding the end tag of a script or style
    size = len(html)
    next_gt = -1
    position = 0
    tokens = 0
    read = 0  # characters of text so far
    while position < size:
        tokens += 1
        if tokens % _CHECK_CLOCK_EVERY == 0:
            if deadline is not None and time.thread_time() > deadline:
                return parts, False
            if max_chars is not None and read > max_chars:
                break
        lt = html.find("<", position)
        if lt < 0:
            lt = size
        if lt > position and not skip_depth:
            chunk = html[position:lt] if max_chars is None else html[position:min(lt, position + max_chars)]
            parts.append(html_entities.unescape(chunk))
            read += len(parts[-1])
        if lt >= size:
            break
        if html.startswith("<!--", lt):
            close = html.find("-->", lt + 4)
            if close < 0:
                break  # a comment that never ends: the rest is comment
            position = close + 3
            continue
        if next_gt < lt:
            next_gt = html.find(">", lt)
            if next_gt < 0:
                next_gt = size  # no '>' anywhere after: no more tags, only text
        tag = _TAG_NAME.match(html, lt)
        if next_gt >= size or (tag is None and not html.startswith(("<!", "<?"), lt)):
            if not skip_depth:
                parts.append("<")
            position = lt + 1
            continue
        position = next_gt + 1
        if tag is None:
            continue  # a declaration (<!DOCTYPE ...>) or processing instruction
        closing, name = tag.group(1), tag.group(2).lower()
        if closing:
            if name in _SKIP and skip_depth:
                skip_depth -= 1
            elif name in _BLOCK:
                parts.append("\n")
        elif name in _RAW_TEXT:
            skip_depth += 1  # undone by its end tag, like any skipped element
            if lowered is None:
                lowered = html.lower()
            end = lowered.find("</" + name, position)
            if end < 0:
                break  # a script that never ends: nothing after it is text
            position = end
        elif name in _SKIP:
            skip_depth += 1
        elif name in _BLOCK:
            parts.append("\n")
    return parts, True
