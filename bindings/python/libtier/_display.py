# SPDX-License-Identifier: MIT
"""The readable ``repr`` and the notebook view (``_repr_html_``) of the package's objects.

A class lists what is worth seeing in ``_describe()`` (pairs of label and value); ``repr`` is one
line of them, ``_repr_html_`` a small two-column table.
"""

import html
from typing import Any, List, Tuple

Facts = List[Tuple[str, Any]]


def _short(value: Any, limit: int = 12) -> str:
    if isinstance(value, (list, tuple)) and len(value) > limit:
        return "[%s, ... %d more]" % (", ".join(map(str, value[:limit])), len(value) - limit)
    if isinstance(value, (list, tuple)):
        return "[%s]" % ", ".join(map(str, value))
    return str(value)


class Described:
    """Gives a class a readable ``repr`` and ``_repr_html_`` from its ``_describe()``."""

    def _describe(self) -> Facts:
        """The facts shown by repr and in a notebook (label, value); none by default."""
        return []

    def _is_closed(self) -> bool:
        return bool(getattr(self, "closed", False))

    def _facts(self) -> Facts:
        if self._is_closed():
            return [("closed", True)]
        try:
            return self._describe()
        except Exception as exc:  # a view must never raise (e.g. a result not run yet)
            return [("state", "%s: %s" % (type(exc).__name__, exc))]

    def __repr__(self) -> str:
        facts = self._facts()
        if self._is_closed():
            return "<libtier.%s closed>" % type(self).__name__
        inner = " ".join("%s=%s" % (k, _short(v)) for k, v in facts)
        return "<libtier.%s%s>" % (type(self).__name__, (" " + inner) if inner else "")

    def _repr_html_(self) -> str:
        """An HTML table of the object's facts (Jupyter shows it in place of repr)."""
        rows = "".join("<tr><th style=\"text-align:left\">%s</th><td>%s</td></tr>"
                       % (html.escape(str(k)), html.escape(_short(v, 40)))
                       for k, v in self._facts())
        return ("<table><caption style=\"text-align:left\"><b>libtier.%s</b></caption>%s</table>"
                % (html.escape(type(self).__name__), rows))
