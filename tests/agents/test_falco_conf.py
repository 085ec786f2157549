"""Tests for components.agents.falco_conf (falco.yaml rendering and rules checks)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from components.agents.falco_conf import (
    BOTTLEROCKET_HOST_CONTAINERD_SOCKET,
    CAPABILITY_REASONS,
    FALCO_IMAGE,
    PRIORITIES,
    build_falco_config,
    build_falco_yaml,
    falco_capabilities,
    validate_custom_rules,
)


def _load(**kwargs: Any) -> dict[str, Any]:
    data = yaml.safe_load(build_falco_yaml(**kwargs))
    assert isinstance(data, dict)
    return data


def test_engine_is_modern_ebpf_without_kernel_module() -> None:
    assert _load()["engine"] == {
        "kind": "modern_ebpf",
        "modern_ebpf": {
            "buf_size_preset": 4,
            "cpus_for_each_buffer": 2,
            "drop_failed_exit": False,
        },
    }


def test_outputs_json_to_stdout_only() -> None:
    cfg = _load()
    assert cfg["json_output"] is True
    assert cfg["json_include_output_property"] is True
    assert cfg["json_include_tags_property"] is True
    assert cfg["stdout_output"] == {"enabled": True}
    assert cfg["syslog_output"] == {"enabled": False}
    assert cfg["file_output"] == {"enabled": False}
    assert cfg["http_output"] == {"enabled": False}
    assert "program_output" not in cfg  # off by default; a block needs `program` under Falco's schema
    assert cfg["log_syslog"] is False
    assert cfg["log_stderr"] is True
    assert cfg["priority"] == "notice"
    assert cfg["time_format_iso_8601"] is True


def test_webserver_serves_healthz_and_prometheus_metrics() -> None:
    cfg = _load()
    assert cfg["webserver"] == {
        "enabled": True,
        "threadiness": 0,
        "listen_address": "0.0.0.0",
        "listen_port": 8765,
        "k8s_healthz_endpoint": "/healthz",
        "prometheus_metrics_enabled": True,
        "ssl_enabled": False,
    }
    assert cfg["metrics"]["enabled"] is True
    assert cfg["metrics"]["output_rule"] is False
    assert cfg["metrics"]["libbpf_stats_enabled"] is False
    assert cfg["metrics"]["interval"] == "1h"


def test_container_plugin_uses_containerd_cri_socket() -> None:
    cfg = _load()
    assert cfg["load_plugins"] == ["container"]
    assert cfg["plugins"] == [
        {
            "name": "container",
            "library_path": "libcontainer.so",
            "init_config": {
                "engines": {
                    "bpm": {"enabled": False},
                    "containerd": {"enabled": False, "sockets": []},
                    "cri": {"enabled": True, "sockets": ["/run/containerd/containerd.sock"]},
                    "docker": {"enabled": False, "sockets": []},
                    "libvirt_lxc": {"enabled": False},
                    "lxc": {"enabled": False},
                    "podman": {"enabled": False, "sockets": []},
                },
                "hooks": ["create"],
                "label_max_len": 100,
                "with_size": False,
            },
        }
    ]


def test_engines_cover_every_key_the_plugin_schema_requires() -> None:
    engines = _load()["plugins"][0]["init_config"]["engines"]
    required = {"bpm", "containerd", "cri", "docker", "libvirt_lxc", "lxc", "podman"}
    assert set(engines) == required
    for name in ("containerd", "cri", "docker", "podman"):
        assert set(engines[name]) == {"enabled", "sockets"}


def test_bottlerocket_host_containerd_enables_containerd_engine() -> None:
    engines = _load(containerd_sockets=(BOTTLEROCKET_HOST_CONTAINERD_SOCKET,))["plugins"][0]["init_config"]["engines"]
    assert engines["containerd"] == {"enabled": True, "sockets": ["/run/host-containerd/containerd.sock"]}
    assert engines["cri"]["enabled"] is True


def test_rules_files_defaults_then_custom_file_last() -> None:
    assert _load()["rules_files"] == [
        "/etc/falco/falco_rules.yaml",
        "/etc/falco/falco_rules.local.yaml",
        "/etc/falco/rules.d",
    ]
    assert _load(custom_rules_file="/etc/falco/custom/eks.yaml")["rules_files"][-1] == "/etc/falco/custom/eks.yaml"


def test_custom_rules_inside_rules_dir_are_not_listed_twice() -> None:
    files = _load(custom_rules_file="/etc/falco/rules.d/eks.yaml")["rules_files"]
    assert files.count("/etc/falco/rules.d") == 1
    assert "/etc/falco/rules.d/eks.yaml" not in files


def test_yaml_keys_are_sorted_and_output_is_stable() -> None:
    text = build_falco_yaml()
    top_level = [line.split(":", 1)[0] for line in text.splitlines() if line and not line.startswith((" ", "-"))]
    assert top_level == sorted(top_level)
    assert text == build_falco_yaml()
    assert yaml.safe_load(text) == build_falco_config()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"priority": "NOTICE"}, "priority"),
        ({"priority": "informational"}, "priority"),
        ({"log_level": "warn"}, "log_level"),
        ({"webserver_port": 0}, "out of range"),
        ({"custom_rules_file": "rules/eks.yaml"}, "absolute"),
        ({"custom_rules_file": "/etc/falco/eks.json"}, r"\.yaml/\.yml"),
        ({"cri_sockets": (), "containerd_sockets": ()}, "socket"),
        ({"cri_sockets": ("run/containerd/containerd.sock",)}, "absolute"),
        ({"rules_dir": "/etc/falco/rules.d/"}, "rules_dir"),
    ],
)
def test_invalid_arguments_are_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_falco_yaml(**kwargs)


@given(st.sampled_from(PRIORITIES))
def test_every_priority_round_trips(priority: str) -> None:
    assert _load(priority=priority)["priority"] == priority


def test_least_privilege_capabilities() -> None:
    assert falco_capabilities(privileged=False) == ("BPF", "PERFMON", "SYS_PTRACE", "SYS_RESOURCE")
    assert falco_capabilities(privileged=True) == ()
    assert set(CAPABILITY_REASONS) == set(falco_capabilities(privileged=False))
    for cap, reason in CAPABILITY_REASONS.items():
        assert not cap.startswith("CAP_")
        assert reason and "\n" not in reason


def test_image_is_pinned_to_an_exact_version_and_digest() -> None:
    assert re.fullmatch(r"docker\.io/falcosecurity/falco:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}", FALCO_IMAGE)


VALID_RULES = textwrap.dedent(
    """\
    - required_engine_version: 0.26.0
    - list: eks_admin_images
      items: [public.ecr.aws/eks/aws-cli]
    - macro: eks_admin_container
      condition: container.image.repository in (eks_admin_images)
    - rule: Shell in EKS workload
      desc: A shell was spawned in a container
      condition: spawned_process and container and proc.name in (bash, sh) and not eks_admin_container
      output: Shell in container (user=%user.name container=%container.name)
      priority: WARNING
      tags: [container, shell]
    - rule: Terminal shell in container
      enabled: false
    - rule: Read sensitive file untrusted
      condition: and not proc.name = sshd
      override:
        condition: append
    - list: eks_admin_images
      items: [amazon/aws-cli]
      append: true
    """
)


def test_valid_rules_file_passes() -> None:
    validate_custom_rules(VALID_RULES)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- rule: [unclosed", "not valid YAML"),
        ("", "empty"),
        ("rule: x\ncondition: y\n", "YAML list"),
        ("- just a string\n", "item 0: must be a mapping"),
        ("- desc: no kind\n", "item 0: needs exactly one of"),
        ("- rule: a\n  macro: b\n  condition: x\n", "found: rule, macro"),
        ("- rule: ''\n  condition: x\n", "non-empty string"),
        ("- rule: r\n  desc: d\n  condition: c\n  priority: NOTICE\n", "missing output"),
        ("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: LOUD\n", "unknown priority 'LOUD'"),
        ("- macro: m\n  items: [a]\n", "macro 'm' is missing condition"),
        ("- list: l\n  items: a\n", "list 'l' needs an items sequence"),
        (
            "- required_engine_version: 1\n- rule: r\n  desc: d\n",
            "item 1: rule 'r' is missing condition, output, priority",
        ),
    ],
)
def test_invalid_rules_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_custom_rules(text)


# The JSON schema of Falco's falco.yaml, as Falco checks it at every start ("schema validation: failed" otherwise):
# userspace/falco/config_json_schema.h, 0.44 line. See tests/data/README.md for where it comes from.
FALCO_CONFIG_SCHEMA = json.loads((Path(__file__).parents[1] / "data" / "falco-config-schema.json").read_text())


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"priority": "debug", "log_level": "warning"},
        {"custom_rules_file": "/etc/falco/extra/rules.yaml"},
        {"containerd_sockets": (BOTTLEROCKET_HOST_CONTAINERD_SOCKET,)},
    ],
    ids=["defaults", "priorities", "custom-rules", "bottlerocket"],
)
def test_falco_yaml_passes_the_config_schema_of_the_pinned_falco(options: dict) -> None:
    validator = jsonschema.Draft6Validator(FALCO_CONFIG_SCHEMA)
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(_load(**options))]
    assert errors == []


def test_the_schema_is_a_real_judge() -> None:
    validator = jsonschema.Draft6Validator(FALCO_CONFIG_SCHEMA)
    assert not validator.is_valid({**_load(), "program_output": {"enabled": False}})
    assert not validator.is_valid({**_load(), "grpc_output": {"enabled": False}})  # removed in 0.44
