"""A small valid stack for the edge tests, the edits they make to it, and the check that an edit is refused.

Each case parses the stack through :func:`parse_settings`. Refusals assert the config key the message starts
with and the essential words, not the whole sentence (the wording is the input-hardening issue's to change).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from components.settings import SettingsError, parse_settings

NS = "eks-daemonsets"
BASE: dict[str, Any] = {
    "cluster": {"vpc": "default"},
    "nodeGroups": [{"name": "g", "instanceTypes": ["m6i.large"], "scaling": {"min": 1, "desired": 1, "max": 2}}],
}
OIDC = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"


def parse(change: Callable[[dict], Any] = lambda raw: None):
    raw = copy.deepcopy(BASE)
    change(raw)
    return parse_settings(raw, project=NS, stack="t", region="eu-west-1")


def refused(change: Callable[[dict], Any], key: str) -> str:
    with pytest.raises(SettingsError) as caught:
        parse(change)
    message = str(caught.value)
    # Today a key inside the VPC union carries pydantic's member tag (cluster.vpc.VpcSettings.id); the key as
    # written is cluster.vpc.id, which the input-hardening issue (14) makes the message say. Accept both until then.
    assert message.replace("cluster.vpc.VpcSettings.", "cluster.vpc.").startswith(f"{NS}:{key}:"), message
    return message


def group(raw: dict) -> dict:
    return raw["nodeGroups"][0]


def set_in(path: str, value: Any) -> Callable[[dict], None]:
    """``set_in("nodeGroups.0.diskSizeGib", 19)``: set one value, creating mappings on the way."""

    def change(raw: dict) -> None:
        parts: list[Any] = [int(p) if p.isdigit() else p for p in path.split(".")]
        here = raw
        for part in parts[:-1]:
            here = here[part] if isinstance(part, int) else here.setdefault(part, {})
        here[parts[-1]] = value

    return change


def existing(**extra: Any) -> Callable[[dict], None]:
    def change(raw: dict) -> None:
        raw["cluster"] = {"existing": {"kubeconfigPath": "/k", **extra}}
    return change
