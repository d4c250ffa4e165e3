#!/usr/bin/env python3
"""Writes the catalogue's facts and worked examples into the repository as test data.

    python3 tools/catalogue_to_cases.py ../shared/catalogue/rules.json

Run once by a developer (the only thing in the repository that reads the catalogue); the tests
read only what it writes: `tests/cases/<policy file>.toml`, one file per policy document, named
after the `config/*.toml` file that encodes the document's rules (a rule no policy encodes goes
with the other rules of its catalogue document). Each `[[rule]]` holds the catalogue's `id`, its place in
the catalogue (`seq`), `computable`, its `parameters` (facts and figures only: prose without a figure is left out) and
its worked examples (`input`, `given`, `expected`, `unit`, `context`, `unsettled`), never the
excerpt, the arithmetic or the notes. Standard library only.
"""

import json
import pathlib
import re
import sys
import tomllib
from collections import Counter, defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"
OUT = ROOT / "tests" / "cases"
# Policy files that are not policies (their [[rule]] tables, if any, are not rules).
NOT_POLICIES = {"coverage.toml", "lpr.toml", "aliases.toml"}
# A string parameter without a digit longer than this is prose, not a label.
LABEL_CHARS = 24
EXAMPLE_KEYS = ("context", "expected", "unit", "unsettled", "input", "given")

HEADER = """\
# Worked examples and parameters of the catalogue's rules for the policy file config/{stem}.toml
# (catalogue documents: {documents}).
# Written by tools/catalogue_to_cases.py from the catalogue; do not edit by hand, run it again.
# Facts and figures only: parameters as the catalogue gives them, examples' input, given and
# expected values. Read by tests/integration/catalogue.rs and ledger.rs.
"""


def encoded_in() -> dict:
    """Catalogue id (own or same_as) -> stem of the policy file that encodes it."""
    owner = {}
    for path in sorted(CONFIG.glob("*.toml")):
        if path.name in NOT_POLICIES or path.name.startswith("params"):
            continue
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for rule in data.get("rule", []):
            for rid in [rule["id"], *rule.get("same_as", [])]:
                owner.setdefault(rid, path.stem)
    return owner


def group(rules: list) -> dict:
    """Policy file stem -> the catalogue rules written to its cases file, in catalogue order."""
    owner = encoded_in()
    by_document = defaultdict(Counter)
    for r in rules:
        if r["id"] in owner:
            by_document[r["document"]][owner[r["id"]]] += 1
    groups = defaultdict(list)
    for r in rules:
        stem = owner.get(r["id"])
        if stem is None and by_document[r["document"]]:
            stem = by_document[r["document"]].most_common(1)[0][0]
        if stem is None:
            stem = "unencoded-" + "-".join(r["id"].split("-")[:2])
        groups[stem].append(r)
    return groups


def facts(value):
    """Parameters without prose: nulls and long strings without a figure are dropped (a short
    label such as a unit or an indicator's name stays: it says what a figure measures)."""
    if isinstance(value, dict):
        kept = {k: facts(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {} and v != []}
    if isinstance(value, list):
        kept = [facts(v) for v in value]
        return [v for v in kept if v is not None and v != {} and v != []]
    if isinstance(value, str):
        return value if re.search(r"\d", value) or len(value) <= LABEL_CHARS else None
    return value


# ---- a small TOML writer (tomllib reads only) ----

BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def key(k: str) -> str:
    return k if BARE.match(k) else json.dumps(k, ensure_ascii=False)


def scalar(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    raise TypeError(f"cannot write {v!r}")


def inline(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{key(k)} = {inline(x)}" for k, x in v.items()) + " }" if v else "{}"
    if isinstance(v, list):
        return "[" + ", ".join(inline(x) for x in v) + "]"
    return scalar(v)


def table(path: str, d: dict, out: list, array: bool = False):
    """Writes `d` under the header `path`: plain values first, then sub-tables and arrays of tables."""
    out.append(f"\n[[{path}]]" if array else f"\n[{path}]")
    nested = []
    for k, v in d.items():
        if isinstance(v, dict) and v:
            nested.append((k, v, False))
        elif isinstance(v, list) and v and all(isinstance(x, dict) for x in v):
            nested.append((k, v, True))
        else:
            out.append(f"{key(k)} = {inline(v)}")
    for k, v, many in nested:
        for item in v if many else [v]:
            table(f"{path}.{key(k)}", item, out, many)


def case(seq: int, r: dict) -> dict:
    # `seq` is the rule's place in the catalogue: coverage lists rules in that order.
    entry = {"id": r["id"], "seq": seq, "computable": r["computable"]}
    params = facts(r["parameters"])
    if params:
        entry["parameters"] = params
    examples = []
    for e in r["examples"]:
        ex = {k: e[k] for k in EXAMPLE_KEYS if k in e and e[k] not in (None, {}, [])}
        examples.append(ex)
    if examples:
        entry["example"] = examples
    return entry


def main(argv: list) -> int:
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[0] + "\nusage: catalogue_to_cases.py RULES_JSON", file=sys.stderr)
        return 2
    rules = json.loads(pathlib.Path(argv[1]).read_text(encoding="utf-8"))
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.toml"):
        old.unlink()
    total = 0
    seq = {r["id"]: n for n, r in enumerate(rules)}
    for stem, members in sorted(group(rules).items()):
        documents = sorted({m["id"].split("-")[0] + "-" + m["id"].split("-")[1] for m in members})
        out = [HEADER.format(stem=stem, documents=", ".join(documents)).rstrip("\n")]
        for r in members:
            table("rule", case(seq[r["id"]], r), out, array=True)
        text = "\n".join(out) + "\n"
        tomllib.loads(text)  # what is written must read back
        (OUT / f"{stem}.toml").write_text(text, encoding="utf-8")
        total += len(members)
    print(f"{total} rules, {sum(len(r['examples']) for r in rules)} examples -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
