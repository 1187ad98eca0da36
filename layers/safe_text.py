"""User text made safe for every place the app draws or exports it: one rule per context.

Site names, addresses, 居委, team and leader names, start-point labels and hazard texts are
typed by users or imported from their registers, so any of them may carry markup, script or
control characters. Everything that leaves the app goes through one of these functions:

* :func:`plain_text` — the text with XML-illegal control characters (NUL, ESC, form feed, the
  other C0 characters except tab/newline/carriage return, lone surrogates, U+FFFE/U+FFFF)
  removed; ``None``/NaN give ``default``. XLSX, GPX and the printable HTML are XML or
  XML-like, and one such character makes the whole file unreadable (openpyxl refuses the
  cell, a GPX parser the document).
* :func:`html_text` — :func:`plain_text`, then every character that is markup in HTML
  (``& < > " '``) *or* live in a JavaScript string (backtick, ``$``, ``{``, ``}``, backslash,
  line breaks) written as an HTML character reference. Leaflet shows tooltip, popup and layer
  names with ``innerHTML``, so the references display as the original characters, while the
  text stays inert wherever folium puts it: folium 0.20 pastes ``Tooltip``/``Popup`` text into
  a JavaScript template literal (`` `...${x}...` ``), where ``${`` and a backtick are code;
  deck.gl/pydeck tooltips substitute ``{field}`` placeholders into HTML.
* :func:`safe_json` — JSON of a value that can sit inside a ``<script>`` element.
* :func:`hex_colour` — a ``#rgb``/``#rrggbb(aa)`` colour or the default, for ``style``/``fill``
  attributes (a free-text colour could load a URL or add CSS).
* :func:`cell_text` — :func:`plain_text` with the spreadsheet formula guard: text starting
  with one of :data:`FORMULA_PREFIXES` gets a leading apostrophe, so Excel/WPS never runs it.

Examples
--------
>>> html_text("${alert(1)}`<b>")
'&#36;&#123;alert(1)&#125;&#96;&lt;b&gt;'
>>> plain_text("甲\\x00厂\\x1b")
'甲厂'
>>> cell_text("=1+1"), cell_text("\\t=1")
("'=1+1", "'\\t=1")
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

__all__ = [
    "FORMULA_PREFIXES",
    "cell_text",
    "hex_colour",
    "html_text",
    "is_blank",
    "plain_text",
    "safe_json",
]

#: First characters that make a spreadsheet treat a text cell as a formula (or, for tab and
#: carriage return, let a CSV cell start a formula after the spreadsheet trims it).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Characters not allowed in an XML 1.0 document (tab, newline and carriage return are).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Markup in HTML and live characters in JavaScript strings and template literals, written as
#: character references (which ``innerHTML`` shows as the original character).
_HTML_REFS = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        '"': "&quot;",
        "'": "&#x27;",
        "`": "&#96;",
        "$": "&#36;",
        "{": "&#123;",
        "}": "&#125;",
        "\\": "&#92;",
        "\n": "&#10;",
        "\r": "&#13;",
        "\u2028": "&#8232;",
        "\u2029": "&#8233;",
    }
)
_HTML_SPECIAL = re.compile("[&<>\"'`${}\\\\\n\r\u2028\u2029]")

_HEX_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{3,4}|[0-9A-Fa-f]{6}|[0-9A-Fa-f]{8})")

_BLANK_TEXTS = frozenset({"", "nan", "None", "NaT", "<NA>"})


def is_blank(value: Any) -> bool:
    """Whether a value shows as nothing: None, NaN/NaT/NA or an empty/"nan" text.

    Examples
    --------
    >>> is_blank(None), is_blank(float("nan")), is_blank("  "), is_blank("甲")
    (True, True, True, False)
    """
    return _missing(value) or str(value).strip() in _BLANK_TEXTS


def _missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA (not a text)."""
    return value is None or (
        not isinstance(value, str) and pd.api.types.is_scalar(value) and bool(pd.isna(value))
    )


def plain_text(value: Any, default: str = "") -> str:
    """Text of a value without XML-illegal control characters (``default`` when missing).

    Texts are kept as typed (also ``"None"`` or blanks): exports show what the user stored.

    Parameters
    ----------
    value : any
        A cell of a user table (str, number, None, NaN, ...).
    default : str
        Returned for None and NaN/NaT/NA.

    Returns
    -------
    str
        Safe in any XML/XLSX/GPX text node (still needs the format's own escaping).

    Examples
    --------
    >>> plain_text("真如\\x0c路\\x1b[31m1号")
    '真如路[31m1号'
    >>> plain_text(None, "—"), plain_text(float("nan"))
    ('—', '')
    """
    if _missing(value):
        return default
    text = str(value)
    return _XML_ILLEGAL.sub("", text) if _XML_ILLEGAL.search(text) else text


def html_text(value: Any, default: str = "") -> str:
    """Text for HTML and for every string context folium, Leaflet and deck.gl put it in.

    The result contains none of ``& < > " ' ` $ { } \\`` nor a line break: it cannot close an
    element, an attribute, a ``<script>``, a JavaScript string or template literal, nor start a
    ``${...}`` substitution or a ``{field}`` placeholder. Shown through ``innerHTML`` it reads
    exactly as :func:`plain_text` of the value.

    Parameters
    ----------
    value : any
        User text (blank values — None, NaN, empty or ``"nan"``/``"None"`` texts left by a
        ``str()`` of a missing cell — give ``default``, escaped the same way).
    default : str
        Text for blank values.

    Examples
    --------
    >>> html_text('<img src=x onerror="a()">')
    '&lt;img src=x onerror=&quot;a()&quot;&gt;'
    >>> html_text("a`b${c}\\\\")
    'a&#96;b&#36;&#123;c&#125;&#92;'
    >>> html_text(float("nan"), "（无名称）")
    '（无名称）'
    """
    text = plain_text(default if is_blank(value) else value)
    return text.translate(_HTML_REFS) if _HTML_SPECIAL.search(text) else text


def hex_colour(value: Any, default: str) -> str:
    """``value`` when it is a hex colour (``#rgb``, ``#rgba``, ``#rrggbb``, ``#rrggbbaa``), else ``default``.

    Examples
    --------
    >>> hex_colour("#E60012", "#888"), hex_colour("red;background:url(//x)", "#888")
    ('#E60012', '#888')
    """
    return value if isinstance(value, str) and _HEX_COLOUR.fullmatch(value) else default


def safe_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and the JavaScript line separators are ``\\u`` escapes, so no string in
    the data can close the script or break the statement.

    Examples
    --------
    >>> safe_json(["</script><b>"])
    '["\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e"]'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def cell_text(value: Any) -> str:
    """Text of a spreadsheet cell (CSV or XLSX): control characters removed, formulas guarded.

    Text starting with one of :data:`FORMULA_PREFIXES` gets a leading apostrophe, so it is shown
    as typed and never evaluated when the file is opened in Excel/WPS.

    Examples
    --------
    >>> cell_text('=HYPERLINK("http://x","点我")')
    '\\'=HYPERLINK("http://x","点我")'
    >>> cell_text("-3 号楼"), cell_text("真如路1号"), cell_text(None)
    ("'-3 号楼", '真如路1号', '')
    """
    text = plain_text(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text
