#!/usr/bin/env python3
"""Keeps the README's WARP study tables equal to what `mergetool warp study` printed.

The README marks each quoted table with HTML comments (invisible on GitHub):

    <!-- study-tables NAME -->        the observation and effect tables of OUT/NAME/study.md,
    ...                               verbatim (everything from "| observation" up to the
    <!-- /study-tables -->            per-seed section)

    <!-- study-observations NAME -->  only the first of them: the verdict on each observation
    ...                               with the rows that decide it
    <!-- /study-observations -->

    <!-- study-summary NAME NAME… --> one row per study: its flags (OUT/NAME/command.txt),
    ...                               N, and the verdict on each observation (1)-(6)
    <!-- /study-summary -->

    <!-- warp-front PATH -->          OUT/PATH (a `warp` run's front.txt) in a ``` fence,
    ...                               e.g. the table `make demo` prints
    <!-- /warp-front -->

Usage (OUT is a directory of study directories, e.g. what Benchmarks/studies.sh writes):

    readme_study.py check README.md OUT [KIND…]   exit 0 when every block (of those kinds)
                                                  equals its output, 1 (with a diff per
                                                  block) when one differs
    readme_study.py update README.md OUT [KIND…]  rewrite those blocks from OUT (atomic)
    readme_study.py tables OUT/NAME         print one study's tables
    readme_study.py summary OUT NAME…       print the verdict table of those studies

Bad input (no such study, a block without its end) is one `error: ...` line and exit 2.
"""
import difflib
import os
import re
import sys
import tempfile

KINDS = ("study-tables", "study-observations", "study-summary", "warp-front")
OPEN = re.compile(r"^<!-- (" + "|".join(KINDS) + r") ([^>]*?) -->$")
CLOSE = {k: f"<!-- /{k} -->" for k in KINDS}
SHORT = {"reproduced": "yes", "not reproduced": "no", "mixed": "mixed", "not measured": "—"}


class Failure(Exception):
    pass


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise Failure(f"cannot read {path}: {e.strerror}")


def tables(study):
    """The observation and effect tables of STUDY/study.md, as printed."""
    lines = read(os.path.join(study, "study.md")).splitlines()
    start = next((k for k, l in enumerate(lines) if l.startswith("| observation |")), None)
    if start is None:
        raise Failure(f"{study}/study.md has no observation table")
    end = next((k for k in range(start, len(lines)) if lines[k].startswith("Per seed")),
               len(lines))
    block = lines[start:end]
    while block and not block[-1].strip():
        block.pop()
    return block


def seeds(study):
    first = read(os.path.join(study, "study.md")).splitlines()[0]
    m = re.match(r"^# WARP study: (\d+) seeds$", first)
    if not m:
        raise Failure(f"{study}/study.md does not start with '# WARP study: N seeds'")
    return m.group(1)


def verdicts(study):
    out = []
    for line in tables(study):
        m = re.match(r"^\| \((\d)\) [^|]* \| ([^|]+) \|", line)
        if m:
            out.append(SHORT.get(m.group(2).strip(), m.group(2).strip()))
    if len(out) != 6:
        raise Failure(f"{study}/study.md has {len(out)} observation rows, expected 6")
    return out


def summary(root, names):
    rows = ["| setting | N | (1) | (2) | (3) | (4) | (5) | (6) |",
            "|---|---|---|---|---|---|---|---|"]
    for name in names:
        study = os.path.join(root, name)
        flags = read(os.path.join(study, "command.txt")).strip() or "(defaults)"
        rows.append(f"| `{flags}` | {seeds(study)} | " + " | ".join(verdicts(study)) + " |")
    return rows


def blocks(text, readme):
    """(kind, argument, first content line, end line) of every marked block."""
    lines = text.splitlines()
    found, k = [], 0
    while k < len(lines):
        m = OPEN.match(lines[k])
        if m:
            kind, arg = m.group(1), m.group(2).strip()
            end = next((j for j in range(k + 1, len(lines)) if lines[j] == CLOSE[kind]), None)
            if end is None:
                raise Failure(f"{readme}:{k + 1}: '{lines[k]}' has no '{CLOSE[kind]}'")
            found.append((kind, arg, k + 1, end))
            k = end
        k += 1
    return lines, found


def expected(kind, arg, root):
    if kind == "study-tables":
        return tables(os.path.join(root, arg))
    if kind == "study-observations":
        block = tables(os.path.join(root, arg))
        return block[:next((k for k, l in enumerate(block) if not l.strip()), len(block))]
    if kind == "warp-front":
        return ["```"] + read(os.path.join(root, arg)).rstrip("\n").splitlines() + ["```"]
    return summary(root, arg.split())


def strip(block):
    """A block's content without the blank lines Markdown needs around a table."""
    while block and not block[0].strip():
        block = block[1:]
    while block and not block[-1].strip():
        block = block[:-1]
    return block


def selected(found, kinds, readme):
    for k in kinds:
        if k not in KINDS:
            raise Failure(f"unknown block kind '{k}' (one of {', '.join(KINDS)})")
    found = [b for b in found if not kinds or b[0] in kinds]
    if not found:
        raise Failure(f"{readme} has no {'/'.join(kinds or KINDS)} block")
    return found


def check(readme, root, kinds):
    lines, found = blocks(read(readme), readme)
    found = selected(found, kinds, readme)
    bad = 0
    for kind, arg, start, end in found:
        want = expected(kind, arg, root)
        have = strip(lines[start:end])
        if have == want:
            print(f"ok   {kind} {arg}")
        else:
            bad += 1
            print(f"DIFF {kind} {arg} ({readme}:{start + 1}):")
            sys.stdout.writelines(
                l + "\n" for l in difflib.unified_diff(
                    have, want, "README", f"{root} (binary's output)", lineterm=""))
    return 1 if bad else 0


def update(readme, root, kinds):
    text = read(readme)
    lines, found = blocks(text, readme)
    found = selected(found, kinds, readme)
    out, last = [], 0
    for kind, arg, start, end in found:
        out += lines[last:start] + [""] + expected(kind, arg, root) + [""]
        last = end
    out += lines[last:]
    directory = os.path.dirname(os.path.abspath(readme))
    fd, tmp = tempfile.mkstemp(prefix=".readme-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(out) + ("\n" if text.endswith("\n") else ""))
        os.chmod(tmp, os.stat(readme).st_mode & 0o777)
        os.replace(tmp, readme)
    except BaseException:
        os.unlink(tmp)
        raise
    print(f"updated {len(found)} block(s) in {readme}")
    return 0


def main(argv):
    usage = ("usage: readme_study.py check|update README OUT [KIND…] | tables STUDY | "
             "summary OUT NAME…")
    try:
        if len(argv) >= 3 and argv[0] in ("check", "update"):
            return (check if argv[0] == "check" else update)(argv[1], argv[2], argv[3:])
        if len(argv) == 2 and argv[0] == "tables":
            print("\n".join(tables(argv[1])))
            return 0
        if len(argv) >= 3 and argv[0] == "summary":
            print("\n".join(summary(argv[1], argv[2:])))
            return 0
        raise Failure(usage)
    except Failure as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
