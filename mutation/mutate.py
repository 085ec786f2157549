"""A small AST mutation tester for the decision-making modules (``make mutation``).

Why our own: mutmut 3 skips decorated functions and module- and class-level code, which is where most of
the settings package lives (pydantic validators, ``Field`` bounds, ``Literal`` values, patterns). This tool
mutates the whole module with the standard library's :mod:`ast`.

How it works:

1. The repository is copied into a temporary directory (never the working tree), and the tests run there.
2. A group's code is one file or a package (every ``.py`` file of its directory, ``__init__.py`` included, in sorted
   order, less the files another group measures). Each file is parsed and every *mutation site* is listed
   (:mod:`mutation.sites`): comparison operators flipped at their boundary
   (``<`` to ``<=``, ``==`` to ``!=``, ``in`` to ``not in``, ``is`` to ``is not``), ``and``/``or`` swapped, ``not``
   dropped, ``if``/``while`` conditions negated, integers moved by +1 and -1, ``return x`` made ``return None``,
   string literals in comparisons and dict literals altered, regex anchors dropped (``pattern=`` and
   ``re.compile``), a keyword of a ``Field(...)`` call removed, a value of a ``Literal[...]`` removed, an entry of a
   dict literal removed. Docstrings, f-strings, error messages and function annotations are left alone.
3. A parent process imports the heavy third-party libraries once, then forks one child per mutant
   (:mod:`mutation.runner`). The child compiles the mutated file, has it imported under its own dotted name (so the
   package ``__init__`` that re-exports it and its sibling modules all get the mutant), and runs
   ``pytest -x -q -p no:cacheprovider`` on the test files of that group. A failing run kills the mutant; so does a
   run over the per-mutant timeout (counted apart).
4. Each mutant has a stable description, ``group.qualname kind: before -> after`` (plus ``#n`` when a function
   has several identical ones: numbered in source order, across the group's files in their sorted order, and at
   module level first by the names the statement assigns), independent of line numbers and of which file of the
   package holds the code, so a function or a constant may move to another file of its package and keep its
   mutants' names. ``mutation/equivalents.txt`` lists the mutants judged equivalent, one per line as
   ``description<TAB>reason``; they are shown with their reason and left out of the score, and any it names that a
   group no longer has are listed. The score is killed / (mutants - equivalents).

Usage: ``python -m mutation.mutate [--module targeting] [--sample N] [--only FILE] [--jobs 2] [--timeout 180]``.
``--sample N`` runs a seeded random sample of N mutants per group (the output says so), drawn from the descriptions
so that it does not depend on how the group's code is split into files; ``--only FILE`` runs the mutants whose
descriptions FILE lists (say, the survivors of an earlier run, after adding tests).
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from mutation.runner import WARM, Mutant, run_mutants
from mutation.sites import Site, _apply, _Lister

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation" / "equivalents.txt"

# Module -> (the test files that hold its behaviour, fastest and most direct first; names of top-level
# functions/classes left out, with the reason). The mutant lives in the forked process only, so test files that run
# the program in a subprocess (test_bad_stacks, test_determinism, ...) would see the original module: they are not
# listed. node_agent: only its pure functions and constants (the
# NodeAgent ComponentResource is Pulumi wiring, held by the mock tests of each agent).
MODULES: dict[str, tuple[list[str], dict[str, str]]] = {
    "targeting": (["tests/targeting"], {}),
    "placement": (["tests/placement/test_node_groups.py", "tests/placement/test_table.py",
                   "tests/placement/test_coverage.py", "tests/placement/test_report.py", "tests/placement/test_plan.py"], {}),
    "plan": (["tests/placement/test_plan.py", "tests/placement/test_plan_render.py"], {}),
    "settings": (
        ["tests/settings", "tests/placement/test_plan.py"],
        {
            "_read_raw": "reads pulumi.Config: the program's wiring, held by the mock runs",
            "load_settings": "reads pulumi.Config: the program's wiring",
            "aws_region": "reads pulumi.Config: the program's wiring",
        },
    ),
    "node_agent": (
        ["tests/agents/test_node_agent_builders.py", "tests/agents/test_node_agent.py"],
        {"NodeAgent": "the ComponentResource: Pulumi wiring", "NodeAgentArgs": "the component's argument holder"},
    ),
    "probes": (["tests/agents/test_probes.py", "tests/agents/test_node_agent.py"], {}),
}

# Group -> where its code is: a package directory or one file.
SOURCES = {
    "targeting": "components/targeting",
    "placement": "components/placement",
    "plan": "components/placement/plan.py",
    "settings": "components/settings",
    "node_agent": "components/agents/node_agent.py",
    "probes": "components/agents/probes.py",
}
# Group -> files of its package it leaves out, because another group measures them.
LEFT_OUT = {"placement": ["components/placement/plan.py"]}


def group_files(module: str) -> list[str]:
    """The files of a group, relative to the repository root: a package's in sorted order, or the one file."""
    source = ROOT / SOURCES[module]
    if not source.is_dir():
        return [SOURCES[module]]
    files = sorted(path.relative_to(ROOT).as_posix() for path in source.rglob("*.py"))
    return [file for file in files if file not in LEFT_OUT.get(module, [])]


def module_name(file: str) -> str:
    """The dotted name a file is imported as: ``components/targeting/__init__.py`` -> ``components.targeting``."""
    return ".".join(Path(file).with_suffix("").parts).removesuffix(".__init__")


def list_sites(module: str) -> tuple[dict[str, ast.Module], list[Site]]:
    """A group's parsed files (by path) and its sites, numbered ``#n`` by description across its files in order."""
    trees: dict[str, ast.Module] = {}
    sites: list[Site] = []
    for file in group_files(module):
        trees[file] = ast.parse((ROOT / file).read_text())
        sites.extend(_Lister(module, file, trees[file], MODULES[module][1]).sites)
    # Identical descriptions are numbered in the order of their sites; module-level ones first by the names their
    # statement assigns, so that moving a constant to another file of the package does not renumber them.
    seen: dict[str, int] = {}
    number: dict[int, int] = {}
    for i in sorted(range(len(sites)), key=lambda i: (sites[i].statement, i)):
        seen[sites[i].description] = number[i] = seen.get(sites[i].description, 0) + 1
    numbered = []
    for i, site in enumerate(sites):
        description = site.description if number[i] == 1 else f"{site.description} #{number[i]}"
        numbered.append(dataclasses.replace(site, description=description))
    return trees, numbered


def read_equivalents() -> dict[str, str]:
    out: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                description, _, reason = line.partition("\t")
                out[description.strip()] = reason.strip()
    return out


def stale_equivalents(module: str, sites: list[Site], equivalents: dict[str, str]) -> list[str]:
    """The mutants of ``module`` that equivalents.txt names but the group no longer has (code changed or renumbered)."""
    described = {site.description for site in sites}
    return [d for d in equivalents if d.startswith(f"{module}.") and d not in described]


def _print_stale(stale: list[str], file: TextIO = sys.stdout) -> None:
    if stale:
        print("\nIn mutation/equivalents.txt, but no such mutant (the code changed, or moved and was renumbered):",
              file=file)
        for description in stale:
            print(f"  {description}", file=file)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=list(MODULES), help="default: every group")
    parser.add_argument("--sample", type=int, default=0, help="a seeded random sample of N mutants per module")
    parser.add_argument("--seed", default="15", help="seed of the sample (default 15)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", type=Path, help="a file of mutant descriptions (one a line, e.g. earlier survivors): "
                        "run only those")
    args = parser.parse_args(argv)
    modules = args.module or list(MODULES)
    equivalents = read_equivalents()

    if args.list:
        stale = []
        for module in modules:
            sites = list_sites(module)[1]
            for site in sites:
                print(f"{site.path}:{site.line:<5}  {site.description}")
            stale += stale_equivalents(module, sites, equivalents)
        _print_stale(stale, sys.stderr)
        return 0

    work = Path(tempfile.mkdtemp(prefix="mutation-"))
    copy_root = work / "repo"
    shutil.copytree(ROOT, copy_root, ignore=shutil.ignore_patterns(
        ".git", ".venv", ".venv-checkov", "build", "__pycache__", ".hypothesis", "mutation-*"))
    os.chdir(copy_root)
    sys.path.insert(0, str(copy_root))
    sys.dont_write_bytecode = True
    for name in WARM:
        try:
            importlib.import_module(name)
        except ImportError:
            pass

    rows = []
    all_survivors: list[tuple[str, list[str]]] = []
    shown_equivalents: list[tuple[str, str]] = []
    stale: list[str] = []
    started = time.monotonic()
    try:
        for module in modules:
            tests = [t for t in MODULES[module][0] if (copy_root / t).exists()]
            trees, sites = list_sites(module)
            total_sites = len(sites)
            stale += stale_equivalents(module, sites, equivalents)
            if args.only:
                wanted = {line.strip() for line in args.only.read_text().splitlines() if line.strip()}
                sites = [site for site in sites if site.description in wanted]
            if args.sample and args.sample < len(sites):
                # Drawn from the sorted descriptions: the same seed draws the same mutants however the group's code
                # is split into files.
                described = sorted(site.description for site in sites)
                drawn = set(random.Random(f"{module}-{args.seed}").sample(described, args.sample))
                sites = [site for site in sites if site.description in drawn]
            baseline = run_mutants(module, [("baseline", None)], tests, parallel=1, timeout=args.timeout * 3)
            if baseline["baseline"] != "survived":
                print(f"{module}: the tests fail without any mutant ({tests}); not measured", flush=True)
                continue
            jobs: list[tuple[str, Mutant | None]] = []
            for site in sites:
                path = copy_root / site.path
                code = compile(_apply(trees[site.path], site), str(path), "exec")
                jobs.append((site.description, Mutant(module_name(site.path), path, code)))
            t0 = time.monotonic()
            results = run_mutants(module, jobs, tests, parallel=args.jobs, timeout=args.timeout)
            # A mutant named equivalent that runs out of time (a loaded machine) is still equivalent, not killed.
            equivalent = [d for d, r in results.items() if r != "killed" and d in equivalents]
            killed = sum(1 for d, r in results.items() if r != "survived" and d not in equivalent)
            timeouts = sum(1 for d, r in results.items() if r == "timeout" and d not in equivalent)
            survivors = [d for d, r in results.items() if r == "survived"]
            for d in equivalent:
                shown_equivalents.append((d, equivalents[d]))
            missed = [d for d in survivors if d not in equivalents]
            scored = len(results) - len(equivalent)
            score = 100.0 * killed / scored if scored else 100.0
            sampled = f"{len(sites)} of {total_sites}" if len(sites) < total_sites else str(total_sites)
            if not sites:
                continue
            rows.append((module, sampled, killed, timeouts, len(missed), len(equivalent), score))
            all_survivors.append((module, missed))
            print(f"{module}: {len(results)} mutants in {time.monotonic() - t0:.0f}s, score {score:.1f}%", flush=True)
    finally:
        os.chdir(ROOT)
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{'module':<12} {'mutants':>12} {'killed':>7} {'(timeout)':>9} {'survived':>9} {'equivalent':>10} {'score':>7}")
    for module, sampled, killed, timeouts, survived, equivalent, score in rows:
        print(f"{module:<12} {sampled:>12} {killed:>7} {timeouts:>9} {survived:>9} {equivalent:>10} {score:>6.1f}%")
    print("score = killed / (mutants - equivalent); a timeout counts as killed")
    if any(s for _, s in all_survivors):
        print("\nSurvivors (a missing test, or an equivalent mutant to name in mutation/equivalents.txt):")
        for module, survivors in all_survivors:
            for description in survivors:
                print(f"  {description}")
    if shown_equivalents:
        print("\nEquivalent mutants (mutation/equivalents.txt):")
        for description, reason in shown_equivalents:
            print(f"  {description}\n      {reason}")
    _print_stale(stale)
    print(f"\nTotal time {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
