"""Charsets a mail may name, and decoding with them: only real text encodings, never any codec.

Python's codec registry also holds codecs that are not charsets at all (unicode-escape,
raw-unicode-escape, punycode, idna, undefined, rot13, ...): a mail naming one in an encoded word
or a Content-Type must not get its bytes run through it, which yields lone surrogates, raises
bare UnicodeError or turns escapes into arbitrary characters. So a name is looked up in the
aliases of `email.charset` and in the table below, then in the codec registry, and used only
when the codec it finds is one of SAFE_CODECS. Anything else is unknown: the bytes are read as
UTF-8, else as Windows-1252 with replacement.

Invariant: every str returned here is valid Unicode (no lone surrogate), whatever the bytes.
"""

from __future__ import annotations

import codecs
import email.charset
import re
from functools import lru_cache

# Python codec names (as codecs.lookup(...).name gives them) of the charsets mail really uses.
# UTF-7 is one (RFC 2152, old Outlook); its decoder can yield lone surrogates, which valid_unicode
# replaces like every other decoded text.
SAFE_CODECS = frozenset({
    "ascii", "utf-8", "utf-7", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be",
    "iso8859-1", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6", "iso8859-7", "iso8859-8",
    "iso8859-9", "iso8859-10", "iso8859-11", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
    "cp1250", "cp1251", "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874",
    "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp437", "cp850", "cp852", "cp866", "tis-620",
    "shift_jis", "cp932", "euc_jp", "shift_jis_2004", "euc_jis_2004",
    "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr",
    "gb2312", "gbk", "gb18030", "hz", "big5", "big5hkscs", "cp950", "euc_kr", "cp949", "johab",
})
# Labels mail clients write that Python's registry does not know (WHATWG encoding labels).
EXTRA_ALIASES = {
    "windows-874": "cp874", "x-mac-roman": "mac-roman", "x-mac-cyrillic": "mac-cyrillic",
    "iso-8859-8-i": "iso8859-8", "iso-8859-6-i": "iso8859-6", "logical": "iso8859-8", "visual": "iso8859-8",
    "x-sjis": "shift_jis", "ms_kanji": "shift_jis", "windows-31j": "cp932", "x-euc-jp": "euc_jp",
    "x-gbk": "gbk", "x-x-big5": "big5", "ks_c_5601-1989": "euc_kr", "x-cp1250": "cp1250", "x-cp1251": "cp1251",
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_unicode(text: str) -> str:
    """The text with every lone surrogate replaced by U+FFFD, so it always encodes as UTF-8."""
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


@lru_cache(maxsize=512)
def codec_for(charset: str | None) -> str | None:
    """The Python codec for a charset a mail names, or None when it is unknown or no text charset."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = EXTRA_ALIASES.get(name, name)
    name = email.charset.ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return None
    return codec if codec in SAFE_CODECS else None


def is_known(charset: str | None) -> bool:
    return codec_for(charset) is not None


def decode(data: bytes, charset: str | None) -> str:
    """The bytes in their charset when it is a known one that fits, else UTF-8, else Windows-1252."""
    codec = codec_for(charset)
    for candidate in (codec or "ascii", "utf-8"):
        try:
            return valid_unicode(data.decode(candidate))
        except (UnicodeError, LookupError):
            continue
    return data.decode("cp1252", "replace")
