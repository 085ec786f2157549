"""Call the CrossGuard policies the way the policy engine calls them.

Validators get a real ``ResourceValidationArgs`` (or ``StackValidationArgs``) whose props went through
``unknown_checking_proxy``, so they are read-only ``Mapping``/``Sequence`` proxies as in ``pulumi preview``, not plain
dicts; ``Reports`` stands in for ``report_violation`` and records what it is told. The pack is imported as the CLI
imports it, by top-level name from ``policy/`` (see ``conftest.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from daemonset_policies import POLICIES
from resource_props import DAEMONSET

POLICY = {policy.name: policy for policy in POLICIES}
OPTS = PolicyResourceOptions(
    protect=False,
    ignore_changes=[],
    delete_before_replace=None,
    aliases=[],
    custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
    additional_secret_outputs=[],
)


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:test::eks-daemonsets::{type_}::{name}"


def engine_props(props: Mapping[str, Any]) -> Mapping[str, Any]:
    """Props as the engine hands them over: a deep copy behind unknown-checking proxies."""
    return unknown_checking_proxy(json.loads(json.dumps(props)))


def resource_args(type_: str, props: Mapping[str, Any], name: str = "agent") -> ResourceValidationArgs:
    return ResourceValidationArgs(type_, engine_props(props), urn_of(type_, name), name, OPTS, None)


def stack_resource(type_: str, props: Mapping[str, Any], name: str) -> PolicyResource:
    return PolicyResource(type_, engine_props(props), urn_of(type_, name), name, OPTS, None, None, [], {})


class Reports:
    """A ``report_violation`` stand-in with the engine's signature: ``(message, urn=None)``."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Optional[str]]] = []

    def __call__(self, message: str, urn: Optional[str] = None) -> None:
        self.calls.append((message, urn))

    @property
    def messages(self) -> list[str]:
        return [message for message, _ in self.calls]


def violations(policy_name: str, props: Mapping[str, Any], type_: str = DAEMONSET) -> list[str]:
    policy = POLICY[policy_name]
    assert isinstance(policy, ResourceValidationPolicy)
    reports = Reports()
    assert policy.validate(resource_args(type_, props), reports) is None
    return reports.messages
