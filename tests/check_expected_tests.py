#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compares what a ctest run did with tests/expected-tests.txt (its header says the rules).

    /usr/bin/python3 tests/check_expected_tests.py --build normal|asan|slurm-24.11|slurm-26.05 \\
        --registered REGISTERED.json --junit RESULTS.xml [--junit MORE.xml ...] \\
        [--condition NAME=present|absent ...] [--manifest tests/expected-tests.txt]

REGISTERED.json is `ctest --show-only=json-v1` of the build (what it registers), RESULTS.xml
`ctest --output-junit` of its run (what ran, skipped or failed, with each test's output; give
ctest --test-output-size-passed/-failed large enough for the proof lines). With several --junit
files, a test's result is the last one listing it (a rerun of some tests). Each condition that a
requires= names must be given (contrib/run-tests.sh detects them with tests/conditions.sh).

Prints one line per problem (MISSING, UNLISTED, SKIPPED, NOT RUN, NO CASE), one per allowed skip
naming its condition, and a summary; exits 1 when there is a problem, 2 on bad input. Failed tests
are ctest's to count: they are not repeated here.
Uses only the standard library, for Debian's /usr/bin/python3.
"""
import argparse
import fnmatch
import json
import re
import sys
import xml.etree.ElementTree as ET

DEFAULT_PROOF = r"^(\[ +OK \] |ok\b)"
# The normal and sanitizer builds, and the builds of the plugins against Slurm 24.11's and 26.05's
# source (whose ctest runs only their Slurm tests: contrib/run-tests.sh --slurm).
BUILDS = ("normal", "asan", "slurm-24.11", "slurm-26.05")
SKIP_MESSAGES = ("SKIP_RETURN_CODE", "SKIP_REGULAR_EXPRESSION")


class Line:
    def __init__(self, file, number, pattern, builds, requires, proof, program):
        self.file = file.rsplit("/", 1)[-1]
        self.number, self.pattern, self.builds, self.requires, self.proof = number, pattern, builds, requires, proof
        self.program = program
        self.matched = []

    def matches(self, name, program):
        return fnmatch.fnmatchcase(name, self.pattern) and self.program in (None, program)

    def where(self):
        return f"{self.file}:{self.number}"


def fail_input(message):
    print(f"expected-tests: {message}", file=sys.stderr)
    sys.exit(2)


def read_manifest(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for number, text in enumerate(f, 1):
            text = text.strip()
            if not text or text.startswith("#"):
                continue
            fields = text.split()
            if len(fields) < 2:
                fail_input(f"{path}:{number}: wants PATTERN BUILDS [in=PROGRAM] [requires=C] [ran=REGEX|exit]: {text}")
            builds = fields[1].split(",")
            if any(b not in BUILDS for b in builds):
                fail_input(f"{path}:{number}: builds '{fields[1]}': use {', '.join(BUILDS)}, joined by commas")
            requires, proof, program = None, DEFAULT_PROOF, None
            for option in fields[2:]:
                key, _, value = option.partition("=")
                if key == "requires" and value:
                    requires = value
                elif key == "in" and value:
                    program = value
                elif key == "ran" and value:
                    proof = None if value == "exit" else value
                    if proof:
                        try:
                            re.compile(proof)
                        except re.error as e:
                            fail_input(f"{path}:{number}: ran={value} is not a regular expression: {e}")
                else:
                    fail_input(f"{path}:{number}: unknown option '{option}' (in=PROGRAM, requires=CONDITION, ran=REGEX|exit)")
            lines.append(Line(path, number, fields[0], builds, requires, proof, program))
    return lines


def read_registered(path):
    """{test name: the file name of the program its command runs (None without a command)}."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail_input(f"cannot read the registered tests {path}: {e}")
    return {t["name"]: (t["command"][0].rsplit("/", 1)[-1] if t.get("command") else None)
            for t in data.get("tests", [])}


def read_junit(paths):
    results = {}
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            fail_input(f"cannot read ctest's results {path}: {e}")
        for case in root.iter("testcase"):
            skipped = case.find("skipped")
            out = case.find("system-out")
            results[case.get("name")] = {
                "status": case.get("status"),
                "message": skipped.get("message", "") if skipped is not None else "",
                "output": out.text or "" if out is not None else "",
            }
    return results


def skip_reason(output):
    """The line a test gave for its skip: gtest's message after "file:line: Skipped", a script's
    "SKIPPED: ..." or "skipped: ...", else its last line."""
    lines = output.splitlines()
    for i, text in enumerate(lines):
        if text.endswith(": Skipped") and i + 1 < len(lines) and lines[i + 1].strip():
            return lines[i + 1].strip()[:160]
    for text in lines:
        if re.match(r"(SKIPPED|skipped)\b|skip -", text):
            return text.strip()[:160]
    return (output.strip().splitlines() or ["(no output)"])[-1][:160]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", required=True, choices=BUILDS)
    parser.add_argument("--registered", required=True)
    parser.add_argument("--junit", action="append", default=[])
    parser.add_argument("--condition", action="append", default=[])
    parser.add_argument("--manifest", default=__file__.rsplit("/", 1)[0] + "/expected-tests.txt")
    args = parser.parse_args()

    conditions = {}
    for c in args.condition:
        name, _, state = c.partition("=")
        if state not in ("present", "absent"):
            fail_input(f"--condition {c}: use NAME=present or NAME=absent")
        conditions[name] = state == "present"

    lines = [l for l in read_manifest(args.manifest) if args.build in l.builds]
    for l in lines:
        if l.requires and l.requires not in conditions:
            fail_input(f"{l.where()}: requires={l.requires}, a condition the test command did not give "
                       f"(known: {', '.join(sorted(conditions)) or 'none'})")
    registered = read_registered(args.registered)
    results = read_junit(args.junit)

    problems = []
    allowed = []
    owner = {}
    for name, program in registered.items():
        for l in lines:
            if l.matches(name, program):
                l.matched.append(name)
                owner.setdefault(name, l)
    for name in registered:
        if name not in owner:
            problems.append(f"UNLISTED {name}: the {args.build} build registers it, but no line of "
                            f"tests/expected-tests.txt names it for that build: add one, so that its absence is caught")
    for l in lines:
        absent = l.requires and not conditions[l.requires]
        if not l.matched and not absent:
            problems.append(f"MISSING {l.pattern}{' (in ' + l.program + ')' if l.program else ''}: the {args.build} "
                            f"build registers no such test ({l.where()}); "
                            f"a part was not built, a test was removed, or its executable has no case")
        elif not l.matched:
            allowed.append((l.requires, f"{l.pattern}: not registered, condition {l.requires} is absent"))

    ran = skipped_ok = 0
    for name in registered:
        l = owner.get(name)
        if l is None:
            continue
        absent = l.requires and not conditions[l.requires]
        r = results.get(name)
        if r is None:
            problems.append(f"NOT RUN {name}: registered, but ctest's results do not list it")
        elif r["status"] == "notrun" and r["message"].startswith(SKIP_MESSAGES):
            reason = skip_reason(r["output"])
            if absent:
                skipped_ok += 1
                allowed.append((l.requires, f"{name}: skipped, condition {l.requires} is absent ({reason})"))
            elif l.requires:
                problems.append(f"SKIPPED {name}: skipped although its condition {l.requires} is present ({reason})")
            else:
                problems.append(f"SKIPPED {name}: skipped, and it may not skip on this machine "
                                f"(no requires= in {l.where()}) ({reason})")
        elif r["status"] in ("notrun", "disabled"):
            problems.append(f"NOT RUN {name}: {r['message'] or r['status']}")
        elif r["status"] == "run":
            ran += 1
            if l.proof and not re.search(l.proof, r["output"], re.MULTILINE):
                problems.append(f"NO CASE {name}: passed, but its output has no line proving a case ran "
                                f"(wanted /{l.proof}/, {l.where()})")
        else:
            ran += 1  # failed: ctest counts it

    for condition, text in allowed:
        print(f"expected-tests: allowed skip ({condition} absent): {text}")
    for text in problems:
        print(f"expected-tests: {text}")
    by_condition = {}
    for condition, _ in allowed:
        by_condition[condition] = by_condition.get(condition, 0) + 1
    why = ", ".join(f"{c} absent: {n}" for c, n in sorted(by_condition.items()))
    print(f"expected-tests: {args.build} build: {len(registered)} tests registered, {ran} ran, "
          f"{skipped_ok} skipped for an absent condition{' (' + why + ')' if why else ''}, "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
