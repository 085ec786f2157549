"""Where a module can be mutated, and the mutant of one site (the standard library's :mod:`ast` only).

:class:`_Lister` walks one file's tree and lists its *mutation sites*, each with a description that names the group,
the qualified name of where it sits and what it changes, independent of line numbers and of the file the code is in;
:func:`_apply` returns the tree with one site mutated.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass

_FLIP = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Site:
    """One mutation: the file, the index of the node in ``ast.walk`` order, what to do, and its stable description.

    ``statement`` is, for a site at module level, the names its statement assigns (see :func:`_assigned_names`):
    identical ``<module>`` descriptions are numbered in that order, which moves with the code from file to file.
    """

    path: str
    node_index: int
    action: str
    arg: object
    description: str
    line: int
    statement: str = ""


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_docstring(parent: ast.AST | None, node: ast.AST) -> bool:
    return isinstance(parent, ast.Expr) and isinstance(node, ast.Constant) and isinstance(node.value, str)


def _assigned_names(statement: ast.AST) -> str:
    """The names a module-level statement assigns (``_TOP_LEVEL``; ``STR,INT,...`` sorted), ``""`` if none."""
    targets = statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)]
    names = [node.id for target in targets if target for node in ast.walk(target) if isinstance(node, ast.Name)]
    return ",".join(sorted(names))


class _Lister:
    """Walks one file of a group and lists its mutation sites, with the qualified name of where each sits."""

    def __init__(self, module: str, path: str, tree: ast.Module, excluded: dict[str, str]) -> None:
        self.module = module
        self.path = path
        self.excluded = excluded
        self.sites: list[Site] = []
        self.index = {id(node): i for i, node in enumerate(ast.walk(tree))}
        self.skip: set[int] = set()
        self.regex: set[int] = set()
        self.strings_ok: set[int] = set()
        self.statement = ""
        self._visit(tree, [], None)

    def _add(self, node: ast.AST, action: str, arg: object, scope: list[str], what: str) -> None:
        where = ".".join(scope) or "<module>"
        description = f"{self.module}.{where} {what}"
        statement = "" if scope else self.statement
        self.sites.append(Site(self.path, self.index[id(node)], action, arg, description, node.lineno, statement))

    def _visit(self, node: ast.AST, scope: list[str], parent: ast.AST | None) -> None:
        if id(node) in self.skip:
            return
        if isinstance(parent, ast.Module):
            self.statement = _assigned_names(node)
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
        if isinstance(node, ast.If) and _text(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING"):
            return  # imports for the type checker only (a split package may need them to avoid a cycle)
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

