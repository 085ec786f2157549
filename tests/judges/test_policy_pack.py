"""The CrossGuard pack in policy/ as a whole: its policies and its PolicyPack, then the whole pack on the dev stack.

Each policy's passing and failing cases are in the other ``test_policy_*.py`` files; all call the validators the way
the policy engine does (``tests/judges/policy_engine.py``). Only the pack's modules are imported, by the top-level
names the CLI runs them under (``conftest.py`` puts ``policy/`` on ``sys.path``), never ``policy/__main__.py``: it
builds the ``PolicyPack``, whose constructor starts a gRPC server and blocks.
"""

from __future__ import annotations

import ast
import copy
import importlib
import re
import sys
from collections import Counter
from importlib.machinery import PathFinder
from pathlib import Path
from typing import Any, Optional

import yaml
from pulumi_policy import (
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from daemonset_policies import COVERAGE_LABEL, DAEMONSET, NAMESPACE, POLICIES
from tests.conftest import dev_config, run_config
from tests.judges.policy_engine import OPTS, Reports, engine_props, violations
from tests.judges.policy_resources import good_daemonset, pod_spec
from tests.source_imports import imported_modules

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policy"


# --------------------------------------------------------------------------------------------- the pack itself


def test_every_policy_has_a_unique_name_and_a_description() -> None:
    names = [policy.name for policy in POLICIES]
    assert len(names) == len(set(names))
    assert set(names) == {
        "daemonset-container-resources",
        "daemonset-image-pinned",
        "daemonset-seccomp",
        "daemonset-privileged-needs-reason",
        "daemonset-must-cover-tolerations",
        "namespace-pod-security-labels",
        "daemonset-fits-namespace-pod-security",
    }
    for policy in POLICIES:
        assert policy.description.strip(), policy.name


def test_the_good_daemonset_passes_every_resource_policy() -> None:
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            assert violations(policy.name, good_daemonset()) == [], policy.name


def test_daemonset_policies_leave_other_kinds_alone() -> None:
    """A Deployment breaking every rule is not a node agent: none of the DaemonSet policies looks at it."""
    deployment = good_daemonset()
    deployment["kind"] = "Deployment"
    spec = pod_spec(deployment)
    spec.pop("securityContext")
    spec.pop("tolerations")
    spec["containers"][0].update(image="nginx", resources={}, securityContext={"privileged": True})
    for policy in POLICIES:
        if isinstance(policy, ResourceValidationPolicy):
            assert violations(policy.name, deployment, type_="kubernetes:apps/v1:Deployment") == [], policy.name


def pack_imports() -> dict[str, set[str]]:
    """Each module of the pack reached from ``__main__.py``, with the top-level names its imports start from.

    Follows the imports of the pack's own modules (a ``policy/<name>.py`` file); a relative import counts as ``"."``.
    """
    reached: dict[str, set[str]] = {}
    to_read = ["__main__"]
    while to_read:
        module = to_read.pop()
        if module in reached:
            continue
        imported = {
            "." if name.startswith(".") else name.split(".")[0]
            for name in imported_modules(POLICY_DIR / f"{module}.py")
        }
        reached[module] = imported
        to_read += [name for name in imported if (POLICY_DIR / f"{name}.py").is_file()]
    return reached


def test_main_builds_a_mandatory_pack_from_the_module() -> None:
    """__main__.py can't be imported (it blocks serving gRPC), so read it: one PolicyPack, MANDATORY, our POLICIES."""
    tree = ast.parse((POLICY_DIR / "__main__.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PolicyPack"]
    assert len(calls) == 1
    keywords = {keyword.arg: ast.unparse(keyword.value) for keyword in calls[0].keywords}
    assert keywords == {
        "name": "'eks-daemonsets-policies'",
        "policies": "POLICIES",
        "enforcement_level": "EnforcementLevel.MANDATORY",
    }
    imports = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert any(node.module == "daemonset_policies" and node.names[0].name == "POLICIES" for node in imports)
    # The POLICIES the tests check are the ones __main__.py gets: each module of the pack is loaded once, from policy/,
    # under the top-level name the CLI imports it by, and never a second time as policy.<module>.
    for module in pack_imports().keys() - {"__main__"}:
        assert Path(importlib.import_module(module).__file__ or "").resolve() == POLICY_DIR / f"{module}.py"
    assert [name for name in sys.modules if name.split(".")[0] == "policy"] == []


def test_policy_project_file_runs_python_in_its_own_virtualenv() -> None:
    """The CLI runs the pack with policy/venv's python and policy/ first on sys.path, as a directory, not a package:
    the pack can import the standard library, its requirements and its own modules by top-level name, nothing else
    (not the program's packages, not a relative import)."""
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    requirements = (POLICY_DIR / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements
    installed = {
        re.split(r"[^\w.-]", line, maxsplit=1)[0].replace("-", "_")
        for line in map(str.strip, requirements.splitlines())
        if line and not line.startswith("#")
    }
    imports = pack_imports()
    own = imports.keys() - {"__main__"}
    modules = {path.stem for path in POLICY_DIR.glob("*.py")} - {"__main__"}
    assert own == modules, "policy/ holds a module the pack never imports"
    outside = set().union(*imports.values()) - own
    assert outside <= set(sys.stdlib_module_names) | installed, outside - set(sys.stdlib_module_names) - installed
    # policy/ comes first on the CLI's sys.path, so a pack module named like any other module would hide that one.
    elsewhere = [entry for entry in sys.path if Path(entry or ".").resolve() != POLICY_DIR]
    assert [name for name in own if name in sys.stdlib_module_names or PathFinder.find_spec(name, elsewhere)] == []


# --------------------------------------------------------------------------------------------- the real stack


def apply_pack(resources: list[Any]) -> tuple[list[tuple[str, str, Optional[str]]], Counter[str]]:
    """Every policy over every recorded resource, as the engine would run them; returns violations and type counts."""
    found: list[tuple[str, str, Optional[str]]] = []
    checked: Counter[str] = Counter()
    for policy in POLICIES:
        reports = Reports()
        if isinstance(policy, ResourceValidationPolicy):
            for resource in resources:
                policy.validate(resource_args_from(resource), reports)
        else:
            assert isinstance(policy, StackValidationPolicy)
            stack = [PolicyResource(r.type, engine_props(r.inputs), r.urn, r.name, OPTS, None, None, [], {}) for r in resources]
            policy.validate(StackValidationArgs(stack), reports)
        found += [(policy.name, message, urn) for message, urn in reports.calls]
    for resource in resources:
        checked[resource.type] += 1
    return found, checked


def resource_args_from(resource: Any) -> ResourceValidationArgs:
    return ResourceValidationArgs(resource.type, engine_props(resource.inputs), resource.urn, resource.name, OPTS, None)


def test_the_dev_stack_passes_the_whole_pack(dev) -> None:
    found, checked = apply_pack(dev.resources)
    assert found == []
    assert checked[DAEMONSET] >= 3, "the dev stack should hold the node-exporter, fluentd and falco DaemonSets"
    assert checked[NAMESPACE] >= 1
    must_cover = [
        r.name for r in dev.of_type(DAEMONSET) if (r.inputs.get("metadata", {}).get("labels") or {}).get(COVERAGE_LABEL) == "all"
    ]
    assert must_cover, f"no DaemonSet in the dev stack is labelled {COVERAGE_LABEL}: all"


def test_a_privileged_security_agent_still_passes_the_pack() -> None:
    """With privileged: true the program must write the reason where the policy looks for it."""
    config = copy.deepcopy(dev_config())
    config["eks-daemonsets:agents"]["securityAgent"].update(
        privileged=True, privilegedReason="the kernel is too old for the modern eBPF probe's capability split"
    )
    result = run_config(config)
    privileged = [
        r.name
        for r in result.of_type(DAEMONSET)
        for c in r.inputs["spec"]["template"]["spec"]["containers"]
        if (c.get("securityContext") or {}).get("privileged") is True
    ]
    assert privileged, "privileged: true should give the security agent a privileged container"
    found, _ = apply_pack(result.resources)
    assert found == []
