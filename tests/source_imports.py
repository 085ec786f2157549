"""What a Python source file imports, read from its syntax tree without running it."""

from __future__ import annotations

import ast
from pathlib import Path


def imported_modules(path: Path, *, on_load: bool = False) -> set[str]:
    """Every module ``path`` imports, function-level imports included; ``on_load``: only those its loading runs.

    A relative import is its dots and module (``from . import x`` is ``"."``, ``from .a import x`` is ``".a"``).
    """
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree)
    if on_load:
        functions = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))]
        lazy = {id(inner) for f in functions for inner in ast.walk(f)}
        nodes = (n for n in ast.walk(tree) if id(n) not in lazy)
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
    return names
