#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The last lines of each failed test's output, from a `ctest --output-junit` file.

    failure_digest.py RESULTS.xml [LINES]

contrib/run-tests.sh puts them in its closing summary: a reader who sees only the end of a long
run's output (a CI log cut to its head and tail) still sees why each test failed. Prints one
"NAME failed: LINE" line per output line kept (LINES, default 8, of the non-empty ones at the end),
nothing when no test failed.
"""

import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__.strip())
    keep = int(sys.argv[2]) if len(sys.argv) == 3 else 8
    try:
        cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
    except (OSError, ET.ParseError) as error:
        sys.exit(f"failure_digest.py: cannot read {sys.argv[1]}: {error}")
    for case in cases:
        if case.get("status") != "fail":
            continue
        output = case.findtext("system-out") or ""
        lines = [line.rstrip() for line in output.splitlines() if line.strip()][-keep:]
        for line in lines or ["(no output)"]:
            print(f"{case.get('name')} failed: {line[:300]}")


if __name__ == "__main__":
    main()
