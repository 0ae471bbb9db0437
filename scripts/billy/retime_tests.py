#!/usr/bin/env python3
"""After re-recording fixtures, carry the tests' literal times over.

usage: scripts/billy/retime_tests.py OLD_FIXTURE_DIR

Pairs every timestamp of each old fixture with the one at the same JSON
path in the new fixture (fixtures/billy/) and rewrites those literals in
tests/billy/*.rs. Times that map ambiguously are reported, not touched.
"""

import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def pairs(old, new, out):
    if isinstance(old, dict) and isinstance(new, dict):
        for k in old:
            if k in new:
                pairs(old[k], new[k], out)
    elif isinstance(old, list) and isinstance(new, list):
        for a, b in zip(old, new):
            pairs(a, b, out)
    elif isinstance(old, str) and isinstance(new, str) and TIME.match(old) and TIME.match(new):
        out.setdefault(old, set()).add(new)


def main(old_dir):
    found = {}
    for path in glob.glob(os.path.join(old_dir, "*.json")):
        new = os.path.join(ROOT, "crates", "billkit", "fixtures", "billy", os.path.basename(path))
        if os.path.exists(new):
            with open(path) as a, open(new) as b:
                pairs(json.load(a), json.load(b), found)
    mapping = {k: v.pop() for k, v in found.items() if len(v) == 1}
    for k, v in found.items():
        if v:
            print("ambiguous:", k, sorted(v))
    for test in glob.glob(os.path.join(ROOT, "crates", "billkit", "tests", "billy", "*.rs")):
        with open(test) as f:
            text = f.read()
        new_text = text
        for a, b in mapping.items():
            new_text = new_text.replace('"%s"' % a, '"%s"' % b)
        if new_text != text:
            with open(test, "w") as f:
                f.write(new_text)
            print("updated", test)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
