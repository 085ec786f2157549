"""A small AST mutation tester for the decision-making modules (``make mutation``).

Why our own: mutmut 3 skips decorated functions and module- and class-level code, which is where most of
the settings package lives (pydantic validators, ``Field`` bounds, ``Literal`` values, patterns). This tool
mutates the whole module with the standard library's :mod:`ast`.

How it works:

1. The repository is copied into a temporary directory (never the working tree), and the tests run there.
2. Each module is parsed and every *mutation site* is listed: comparison operators flipped at their boundary
   (``<`` to ``<=``, ``==`` to ``!=``, ``in`` to ``not in``, ``is`` to ``is not``), ``and``/``or`` swapped, ``not``
   dropped, ``if``/``while`` conditions negated, integers moved by +1 and -1, ``return x`` made ``return None``,
   string literals in comparisons and dict literals altered, regex anchors dropped (``pattern=`` and
   ``re.compile``), a keyword of a ``Field(...)`` call removed, a value of a ``Literal[...]`` removed, an entry of a
   dict literal removed. Docstrings, f-strings, error messages and function annotations are left alone.
3. A parent process imports the heavy third-party libraries once, then forks one child per mutant. The child
   compiles the mutated module, puts it in ``sys.modules`` before anything imports it, and runs
   ``pytest -x -q -p no:cacheprovider`` on the test files of that module. A failing run kills the mutant; so does a
   run over the per-mutant timeout (counted apart).
4. Each mutant has a stable description, ``module.qualname kind: before -> after`` (plus ``#n`` when a function
   has several identical ones), independent of line numbers. ``mutation/equivalents.txt`` lists the mutants judged
   equivalent, one per line as ``description<TAB>reason``; they are shown with their reason and left out of the
   score. The score is killed / (mutants - equivalents).

Usage: ``python -m mutation.mutate [--module targeting] [--sample N] [--only FILE] [--jobs 2] [--timeout 180]``.
``--sample N`` runs a seeded random sample of N mutants per module (the output says so); ``--only FILE`` runs the
mutants whose descriptions FILE lists (say, the survivors of an earlier run, after adding tests).
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import types
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "mutation" / "equivalents.txt"

# Module -> (the test files that hold its behaviour, fastest and most direct first; names of top-level
# functions/classes left out, with the reason). The mutant lives in the forked process only, so test files that run
# the program in a subprocess (test_bad_stacks, test_determinism, ...) would see the original module: they are not
# listed. node_agent: only its pure functions and constants (the
# NodeAgent ComponentResource is Pulumi wiring, held by the mock tests of each agent).
MODULES: dict[str, tuple[list[str], dict[str, str]]] = {
    "targeting": (["tests/targeting/test_targeting_pinned.py", "tests/targeting/test_targeting.py"], {}),
    "placement": (["tests/placement/test_placement_pinned.py", "tests/placement/test_placement.py", "tests/placement/test_plan_pinned.py"], {}),
    "plan": (["tests/placement/test_plan_pinned.py", "tests/placement/test_plan.py"], {}),
    "settings": (
        ["tests/settings/test_settings_bounds.py", "tests/settings/test_settings.py", "tests/placement/test_plan_pinned.py"],
        {
            "_read_raw": "reads pulumi.Config: the program's wiring, held by the mock runs",
            "load_settings": "reads pulumi.Config: the program's wiring",
            "aws_region": "reads pulumi.Config: the program's wiring",
        },
    ),
    "node_agent": (
        ["tests/agents/test_node_agent_pinned.py", "tests/agents/test_node_agent.py"],
        {"NodeAgent": "the ComponentResource: Pulumi wiring", "NodeAgentArgs": "the component's argument holder"},
    ),
}

SOURCES = {
    "targeting": "components/targeting/__init__.py",
    "placement": "components/placement/__init__.py",
    "plan": "components/placement/plan.py",
    "settings": "components/settings/__init__.py",
    "node_agent": "components/agents/node_agent.py",
}

# Third-party modules the parent imports once so that each forked child starts warm.
WARM = ["pytest", "hypothesis", "pydantic", "yaml", "pulumi", "pulumi_kubernetes", "pulumi_aws", "pulumi_eks",
        "kubernetes_validate", "jsonschema", "grpc", "google.protobuf"]

_FLIP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Site:
    """One mutation: the index of the node in ``ast.walk`` order, what to do, and its stable description."""

    node_index: int
    action: str
    arg: object
    description: str
    line: int


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_docstring(parent: ast.AST | None, node: ast.AST) -> bool:
    return isinstance(parent, ast.Expr) and isinstance(node, ast.Constant) and isinstance(node.value, str)


class _Lister:
    """Walks a module and lists its mutation sites, with the qualified name of where each sits."""

    def __init__(self, module: str, tree: ast.Module, excluded: dict[str, str]) -> None:
        self.module = module
        self.excluded = excluded
        self.sites: list[Site] = []
        self.index = {id(node): i for i, node in enumerate(ast.walk(tree))}
        self.skip: set[int] = set()
        self.regex: set[int] = set()
        self.strings_ok: set[int] = set()
        self._visit(tree, [], None)

    def _add(self, node: ast.AST, action: str, arg: object, scope: list[str], what: str) -> None:
        where = ".".join(scope) or "<module>"
        self.sites.append(Site(self.index[id(node)], action, arg, f"{self.module}.{where} {what}", node.lineno))

    def _visit(self, node: ast.AST, scope: list[str], parent: ast.AST | None) -> None:
        if id(node) in self.skip:
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if not scope and node.name in self.excluded:
                return
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # Argument and return annotations are types, not behaviour.
                for arg in [*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs]:
                    if arg.annotation is not None:
                        self.skip.add(id(arg.annotation))
                if node.returns is not None:
                    self.skip.add(id(node.returns))
            scope = [*scope, node.name]
        if isinstance(node, ast.ImportFrom) or isinstance(node, ast.Import):
            return
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return
        if isinstance(node, ast.JoinedStr):
            return  # f-strings are messages
        if isinstance(node, ast.Raise):
            return  # the error raised is held by the test that provokes it; its wording is not a decision
        self._sites_of(node, scope, parent)
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, node)

    def _sites_of(self, node: ast.AST, scope: list[str], parent: ast.AST | None) -> None:
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in _FLIP:
                    new = _FLIP[type(op)]
                    self._add(node, "compare", (i, new), scope,
                              f"compare: {_text(node)} [{type(op).__name__} -> {new.__name__}]")
            for operand in [node.left, *node.comparators]:
                self.strings_ok.add(id(operand))
        elif isinstance(node, ast.BoolOp):
            other = "or" if isinstance(node.op, ast.And) else "and"
            self._add(node, "boolop", None, scope, f"boolop: {_text(node)} [-> {other}]")
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            self._add(node, "drop_not", None, scope, f"drop not: {_text(node)}")
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)) and not isinstance(node.test, (ast.Compare, ast.BoolOp)):
            self._add(node, "negate_test", None, scope, f"negate condition: {_text(node.test)}")
        elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None
        ):
            self._add(node, "return_none", None, scope, f"return None: {_text(node)}")
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            for delta in (1, -1):
                self._add(node, "number", node.value + delta, scope, f"number: {node.value} -> {node.value + delta}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and not _is_docstring(parent, node):
            if id(node) in self.regex:
                value = node.value
                if value.startswith("^"):
                    self._add(node, "string", value[1:], scope, f"drop ^ anchor: {value!r}")
                if value.endswith("$"):
                    self._add(node, "string", value[:-1], scope, f"drop $ anchor: {value!r}")
                if not value.startswith("^") and not value.endswith("$"):
                    self._add(node, "string", value + "|.*", scope, f"widen pattern: {value!r}")
            elif id(node) in self.strings_ok:
                self._add(node, "string", "XX" + node.value + "XX", scope, f"string: {node.value!r} -> 'XX..XX'")
        elif isinstance(node, ast.Dict):
            for i, key in enumerate(node.keys):
                if key is not None:
                    self.strings_ok.add(id(key))
                    self._add(node, "drop_entry", i, scope, f"drop dict entry: {_text(key)}")
            for value in node.values:
                self.strings_ok.add(id(value))
        elif isinstance(node, ast.Call):
            name = _text(node.func)
            if name == "Field":
                for i, keyword in enumerate(node.keywords):
                    if keyword.arg not in (None, "default", "default_factory"):
                        self._add(node, "drop_keyword", i, scope,
                                  f"drop Field bound: {keyword.arg}={_text(keyword.value)} in {_text(node)}")
                for keyword in node.keywords:
                    if keyword.arg == "pattern":
                        self.regex.add(id(keyword.value))
            if name in ("re.compile", "re.fullmatch", "re.match"):
                if node.args:
                    self.regex.add(id(node.args[0]))
        elif isinstance(node, ast.Subscript) and _text(node.value) == "Literal":
            elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            if len(elements) > 1:
                for i, element in enumerate(elements):
                    self._add(node, "drop_literal", i, scope, f"drop Literal value: {_text(element)}")
            for element in elements:
                self.skip.add(id(element))  # dropping a value is the mutation; no XX strings inside


def _apply(tree: ast.Module, site: Site) -> ast.Module:
    tree = copy.deepcopy(tree)
    node = list(ast.walk(tree))[site.node_index]
    if site.action == "compare":
        i, new = site.arg
        node.ops[i] = new()
    elif site.action == "boolop":
        node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
    elif site.action == "drop_not":
        _replace(tree, node, node.operand)
    elif site.action == "negate_test":
        node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
    elif site.action == "return_none":
        node.value = ast.Constant(value=None)
    elif site.action in ("number", "string"):
        node.value = site.arg
    elif site.action == "drop_entry":
        del node.keys[site.arg]
        del node.values[site.arg]
    elif site.action == "drop_keyword":
        del node.keywords[site.arg]
    elif site.action == "drop_literal":
        elements = list(node.slice.elts)
        del elements[site.arg]
        node.slice = elements[0] if len(elements) == 1 else ast.Tuple(elts=elements, ctx=ast.Load())
    return ast.fix_missing_locations(tree)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is old:
                        value[i] = new
                        return


def list_sites(module: str) -> tuple[ast.Module, list[Site]]:
    source = (ROOT / SOURCES[module]).read_text()
    tree = ast.parse(source)
    sites = _Lister(module, tree, MODULES[module][1]).sites
    seen: dict[str, int] = {}
    numbered = []
    for site in sites:
        count = seen.get(site.description, 0) + 1
        seen[site.description] = count
        description = site.description if count == 1 else f"{site.description} #{count}"
        numbered.append(Site(site.node_index, site.action, site.arg, description, site.line))
    return tree, numbered


def read_equivalents() -> dict[str, str]:
    out: dict[str, str] = {}
    if EQUIVALENTS.exists():
        for line in EQUIVALENTS.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                description, _, reason = line.partition("\t")
                out[description.strip()] = reason.strip()
    return out


def _child(module: str, code: types.CodeType | None, tests: list[str]) -> None:
    """In the forked child: install the (mutated) module, run pytest, exit with its status."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if code is not None:
        source = Path(SOURCES[module])
        name = ".".join(source.with_suffix("").parts).removesuffix(".__init__")
        mod = types.ModuleType(name)
        mod.__file__ = str(source)
        mod.__package__ = name if source.name == "__init__.py" else name.rpartition(".")[0]
        if source.name == "__init__.py":
            mod.__path__ = [str(source.parent)]
        sys.modules[name] = mod
        try:
            exec(code, mod.__dict__)
        except BaseException:
            os._exit(3)  # the mutant breaks at import: killed
    import pytest

    status = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
    os._exit(int(status))


def run_mutants(module: str, jobs: list[tuple[str, types.CodeType | None]], tests: list[str], *, parallel: int,
                timeout: float) -> dict[str, str]:
    """Run each (description, code) job in a forked child; returns description -> killed/survived/timeout."""
    results: dict[str, str] = {}
    running: dict[int, tuple[str, float]] = {}
    queue = list(jobs)
    while queue or running:
        while queue and len(running) < parallel:
            description, code = queue.pop(0)
            pid = os.fork()
            if pid == 0:
                _child(module, code, tests)
            running[pid] = (description, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid == 0:
            now = time.monotonic()
            for child, (description, started) in list(running.items()):
                if now - started > timeout:
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)
                    results[description] = "timeout"
                    del running[child]
            time.sleep(0.05)
            continue
        if pid in running:
            description, _ = running.pop(pid)
            code = os.waitstatus_to_exitcode(status)
            results[description] = "survived" if code == 0 else "killed"
            if len(jobs) > 1 and len(results) % 25 == 0:
                print(f"  {module}: {len(results)}/{len(jobs)} mutants run", file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", choices=list(MODULES), help="default: all five")
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
        for module in modules:
            for site in list_sites(module)[1]:
                print(f"{site.line:5}  {site.description}")
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
    started = time.monotonic()
    try:
        for module in modules:
            tests = [t for t in MODULES[module][0] if (copy_root / t).exists()]
            tree, sites = list_sites(module)
            total_sites = len(sites)
            if args.only:
                wanted = {line.strip() for line in args.only.read_text().splitlines() if line.strip()}
                sites = [site for site in sites if site.description in wanted]
            if args.sample and args.sample < len(sites):
                sites = sorted(random.Random(f"{module}-{args.seed}").sample(sites, args.sample), key=lambda s: s.node_index)
            baseline = run_mutants(module, [("baseline", None)], tests, parallel=1, timeout=args.timeout * 3)
            if baseline["baseline"] != "survived":
                print(f"{module}: the tests fail without any mutant ({tests}); not measured", flush=True)
                continue
            jobs = []
            path = str(copy_root / SOURCES[module])
            for site in sites:
                jobs.append((site.description, compile(_apply(tree, site), path, "exec")))
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
    print(f"\nTotal time {time.monotonic() - started:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
