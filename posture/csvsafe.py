"""CSV that a spreadsheet opens as data: text cells can't be formulas.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is taken as a formula by spreadsheet programs (CSV injection): a name such
as ``=HYPERLINK(...)`` or a photo named ``@SUM(1+1).png`` would run. Such
text cells get a leading single quote (OWASP's advice), which spreadsheets
hide. Numbers stay numbers: ``-2.1`` (a float, or text that is a plain
number) is written as is.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would run gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


class SafeDictWriter(csv.DictWriter):
    """:class:`csv.DictWriter` whose rows go through :func:`safe_cell`; None is an empty cell."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        """Write one row, neutralised."""
        return super().writerow({k: "" if v is None else safe_cell(v) for k, v in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        """Write rows, neutralised."""
        for row in rowdicts:
            self.writerow(row)
