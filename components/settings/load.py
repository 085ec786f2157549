"""The Pulumi wiring: read the current stack's config through ``pulumi.Config`` and the AWS region the provider
will use, then parse them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Optional

import pulumi

from components.input.error_text import short_repr
from components.input.limits import MAX_DEPTH, json_loads
from components.settings.constants import NAMESPACE
from components.settings.errors import SettingsError, config_key
from components.settings.parse import parse_settings
from components.settings.stack import Settings, _TOP_LEVEL


def _read_raw(config: pulumi.Config) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for key in _TOP_LEVEL:
        text = config.get(key)
        if text is None:
            continue
        try:
            raw[key] = json_loads(text)
        except json.JSONDecodeError:
            raise SettingsError(
                f"{NAMESPACE}:{key}: {short_repr(text)} is not structured config; allowed: a YAML map or list in the "
                "stack file"
            ) from None
        except RecursionError:
            raise SettingsError(
                f"{NAMESPACE}:{key}: is nested too deeply to read; allowed: at most {MAX_DEPTH} levels"
            ) from None
    for key in _TOP_LEVEL:
        if pulumi.runtime.config.is_config_secret(f"{NAMESPACE}:{key}") and not _holds_inline_kubeconfig(key, raw):
            # Config.get hands over the decrypted JSON; from here on nothing would keep it secret.
            raise SettingsError(
                f"{NAMESPACE}:{key}: holds a secret (secure:) value; allowed: plain values only: every value under "
                f"{NAMESPACE}:{key} becomes an AWS tag, a Kubernetes label, annotation or ConfigMap entry, or a "
                "resource argument, which Pulumi keeps in plain text in state and diffs (the one secret taken is "
                f"{NAMESPACE}:cluster.existing.kubeconfig)"
            )
    unknown = sorted(
        k.split(":", 1)[1]
        for k in {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
        if k.startswith(NAMESPACE + ":") and k.split(":", 1)[1] not in _TOP_LEVEL
    )
    if unknown:
        raise SettingsError(
            f"{config_key((unknown[0],))}: unknown key; allowed keys: "
            + ", ".join(f"{NAMESPACE}:{k}" for k in sorted(_TOP_LEVEL))
        )
    if "cluster" not in raw:
        raw["cluster"] = {}
    if "nodeGroups" not in raw and "nodePools" not in raw:
        raise SettingsError(
            f"{NAMESPACE}:nodeGroups: required key is missing; allowed: a list of 1 to 30 node groups, or "
            f"{NAMESPACE}:nodePools with Karpenter NodePools, or both"
        )
    return raw


def _holds_inline_kubeconfig(key: str, raw: Mapping[str, Any]) -> bool:
    """The one secret the program takes: an existing cluster's kubeconfig, which the provider keeps secret.

    The CLI marks the whole ``cluster`` object secret for it; the other keys under ``cluster`` are not secrets.
    """
    cluster = raw.get(key) if key == "cluster" else None
    existing = cluster.get("existing") if isinstance(cluster, dict) else None
    return isinstance(existing, dict) and isinstance(existing.get("kubeconfig"), str)


def load_settings() -> Settings:
    """Read and validate the current stack's settings through ``pulumi.Config``."""
    return parse_settings(
        _read_raw(pulumi.Config(NAMESPACE)),
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        region=aws_region(),
        aws_config_keys=sorted(
            k for k in {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
            if k.startswith("aws:")
        ),
    )


def aws_region() -> Optional[str]:
    """The region the AWS provider will use: ``aws:region``, else AWS_REGION, else AWS_DEFAULT_REGION."""
    region = pulumi.Config("aws").get("region")
    if region:
        return region
    # pulumi-aws's own fallback to the environment (pulumi_aws.config.region), imported only when it is needed.
    import pulumi_aws.config

    return pulumi_aws.config.region
