#!/usr/bin/env python3
"""Summarize Autobahn TestSuite reports and decide the gate.

Usage: autobahn_summary.py ROLE=DIR [ROLE=DIR ...]

DIR is a wstest report directory (fuzzingclient -> server role, fuzzingserver -> client
role). Every DIR/index*.json is read and merged, so a run split into batches (each batch
keeps its index as index.<batch>.json) is judged as one. When DIR/expected-cases.txt exists
(one case id per line), a case without a result counts as MISSING.

Prints a per-section table for each role and agent, then every case that is not OK, with the
case's description, expectation, outcome and report file. Exits 0 only when every case is OK
(behavior and behaviorClose) apart from the cases the suite makes INFORMATIONAL by design;
1 when the gate fails (a role without any index*.json fails); 2 on a usage error.
"""
import collections
import glob
import json
import os
import sys
import textwrap

COLUMNS = ["OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED", "FAILED"]

# Cases with no OK to get, and why: data, kept beside this script.
INFORMATIONAL_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                  "autobahn-informational.tsv")


def load_informational(path=INFORMATIONAL_FILE):
    cases = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                case_id, reason = line.rstrip("\n").split("\t", 1)
                cases[case_id] = reason
    return cases


INFORMATIONAL_BY_DESIGN = load_informational()

MISSING = "MISSING"


def case_key(case_id):
    return tuple(int(p) for p in case_id.split("."))


def clip(value, limit=240):
    text = value if isinstance(value, str) else json.dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def load_role(directory):
    """Returns ({agent: {case_id: index entry}}, [expected case ids] or None, index files)."""
    agents = collections.defaultdict(dict)
    files = sorted(glob.glob(os.path.join(directory, "index*.json")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            for agent, cases in json.load(f).items():
                agents[agent].update(cases)
    expected = None
    expected_path = os.path.join(directory, "expected-cases.txt")
    if os.path.exists(expected_path):
        with open(expected_path, encoding="utf-8") as f:
            expected = [line.strip() for line in f if line.strip()]
    return agents, expected, files


def verdict(case_id, entry):
    """Returns (ok, allowed_reason)."""
    if entry is None:
        return False, None
    behavior, close = entry["behavior"], entry["behaviorClose"]
    if behavior == "OK" and close == "OK":
        return True, None
    if (case_id in INFORMATIONAL_BY_DESIGN and behavior == "INFORMATIONAL"
            and close == "INFORMATIONAL"):
        return True, INFORMATIONAL_BY_DESIGN[case_id]
    return False, None


def read_case_report(directory, entry):
    path = os.path.join(directory, entry.get("reportfile", ""))
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


def print_table(cases, case_ids):
    by_section = collections.defaultdict(collections.Counter)
    bad_close = collections.Counter()
    for cid in case_ids:
        section = int(cid.split(".")[0])
        entry = cases.get(cid)
        if entry is None:
            by_section[section][MISSING] += 1
            continue
        by_section[section][entry["behavior"]] += 1
        if entry["behaviorClose"] not in ("OK", "INFORMATIONAL"):
            bad_close[section] += 1
    seen = set()
    for counter in by_section.values():
        seen.update(counter)
    columns = COLUMNS + sorted(seen - set(COLUMNS))
    header = ["section", "cases"] + columns + ["close!=OK"]
    widths = [max(7, len(h)) for h in header]
    rows = []
    sections = sorted(by_section)
    total = collections.Counter()
    for section in sections:
        counter = by_section.get(section, collections.Counter())
        row = [str(section), str(sum(counter.values()))]
        row += [str(counter.get(c, 0)) for c in columns]
        row.append(str(bad_close[section]))
        rows.append(row)
        total.update(counter)
    total_row = ["total", str(sum(total.values()))]
    total_row += [str(total.get(c, 0)) for c in columns]
    total_row.append(str(sum(bad_close.values())))
    for row in [header] + rows + [total_row]:
        print("  " + "  ".join(cell.rjust(w) for cell, w in zip(row, widths)))
    return total


def report_case(directory, cid, entry, allowed):
    behavior, close = entry["behavior"], entry["behaviorClose"]
    report = read_case_report(directory, entry)
    line = "  %-8s behavior=%s behaviorClose=%s" % (cid, behavior, close)
    if allowed:
        result = report.get("result")
        print(line + " -- allowed: " + allowed + (" (this run: %s)" % clip(result) if result else ""))
        return
    print(line + "  remoteCloseCode=%s" % entry.get("remoteCloseCode"))
    for field in ("description", "expectation", "result", "resultClose"):
        if report.get(field):
            print("      %-12s %s" % (field + ":", clip(report[field])))
    if behavior != "OK" and report:
        print("      %-12s %s" % ("expected:", clip(report.get("expected"))))
        print("      %-12s %s" % ("received:", clip(report.get("received"))))
    if close != "OK" and report:
        print("      %-12s %s" % ("expectClose:", clip(report.get("expectedClose"))))
        print("      %-12s closedByMe=%s droppedByMe=%s wasClean=%s localCloseCode=%s "
              "remoteCloseReason=%s wasNotCleanReason=%s" % (
                  "close:", report.get("closedByMe"), report.get("droppedByMe"), report.get("wasClean"),
                  report.get("localCloseCode"), clip(report.get("remoteCloseReason"), 60),
                  clip(report.get("wasNotCleanReason"), 80)))
    name = entry.get("reportfile", "")
    print("      %-12s %s (and %s)" % (
        "report:", os.path.join(directory, name),
        os.path.splitext(name)[0] + ".html"))


def print_id_list(case_ids, what):
    if case_ids:
        print("  %d %s:" % (len(case_ids), what))
        print(textwrap.fill(" ".join(case_ids), width=100, initial_indent="      ",
                            subsequent_indent="      "))


def judge_role(role, directory):
    agents, expected, files = load_role(directory)
    if not files:
        print("== %s: no index*.json in %s" % (role, directory))
        print("autobahn %s: FAIL (no reports)" % role)
        return False
    passed = True
    for agent in sorted(agents):
        cases = agents[agent]
        case_ids = sorted(set(cases) | set(expected or []), key=case_key)
        print("== %s role, agent %s: %s" % (role, agent, directory))
        total = print_table(cases, case_ids)
        bad, allowed = [], []
        for cid in case_ids:
            ok, reason = verdict(cid, cases.get(cid))
            if not ok:
                bad.append(cid)
            elif reason:
                allowed.append((cid, reason))
        if allowed or bad:
            print("  not OK:")
        for cid, reason in allowed:
            report_case(directory, cid, cases[cid], reason)
        missing = [cid for cid in bad if cid not in cases]
        unimplemented = [cid for cid in bad
                         if cid in cases and cases[cid]["behavior"] == "UNIMPLEMENTED"]
        for cid in bad:
            if cid not in missing and cid not in unimplemented:
                report_case(directory, cid, cases[cid], None)
        print_id_list(unimplemented, "UNIMPLEMENTED (the extension the case tests, e.g. "
                      "permessage-deflate, was not negotiated)")
        print_id_list(missing, "MISSING (no result: the peer crashed or hung, or the batch "
                      "was cut short; see the wstest.*.log files)")
        order = COLUMNS + sorted(set(total) - set(COLUMNS))
        counts = ", ".join("%d %s" % (total[b], b) for b in order if total[b])
        status = "PASS" if not bad else "FAIL (%d bad: %s)" % (
            len(bad), " ".join(bad[:20]) + (" ..." if len(bad) > 20 else ""))
        print("autobahn %s (%s): %d cases: %s; %d allowed informational -> %s" % (
            role, agent, len(case_ids), counts, len(allowed), status))
        passed = passed and not bad
    return passed


def main(argv):
    if not argv or any("=" not in a for a in argv) or "-h" in argv or "--help" in argv:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    results = []
    for arg in argv:
        role, directory = arg.split("=", 1)
        results.append(judge_role(role, directory))
        print()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
