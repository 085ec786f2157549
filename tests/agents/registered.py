"""Read the agents' objects out of a mock run of the program, and run the dev stack with an agent's settings changed."""

from __future__ import annotations

from offline.mocks import Registration, RunResult
from tests.conftest import dev_config, run_config

NS = "eks-daemonsets"


def daemonsets(result: RunResult) -> dict[str, Registration]:
    return {r.inputs["metadata"]["name"]: r for r in result.of_type("kubernetes:apps/v1:DaemonSet")}


def pod(result: RunResult, name: str) -> dict:
    return daemonsets(result)[name].inputs["spec"]["template"]["spec"]


def containers(result: RunResult, name: str) -> dict[str, dict]:
    return {c["name"]: c for c in pod(result, name)["containers"]}


def k8s_object(result: RunResult, type_: str, name: str) -> dict:
    (found,) = [r.inputs for r in result.of_type(type_) if r.inputs["metadata"]["name"] == name]
    return found


def with_agent(**agent_settings) -> RunResult:
    config = dev_config()
    for agent, settings in agent_settings.items():
        config[f"{NS}:agents"].setdefault(agent, {}).update(settings)
    return run_config(config)
