"""Offline render: run the real program under recording mocks and write what it would create.

    python -m offline.render --stack dev --out build/dev
    python -m offline.render --config path/to/Pulumi.other.yaml --out build/other

Writes, under ``--out``:

- ``manifests/<namespace or _cluster>/<kind>-<name>.yaml``: every Kubernetes object, one file each;
- ``resources.json``: every registered resource (type, name, parent, provider, inputs; secrets masked);
- ``outputs.json``: the stack outputs (secrets masked);
- ``placement.md``: which agent runs on which node group, and why not where it doesn't;
- ``alert-rules/<object name>.yaml``: each agent's coverage alert rules as a plain Prometheus rules file (what its
  PrometheusRule or ConfigMap holds), ready for ``promtool`` and a Prometheus's ``rule_files``.

No cloud account, no Pulumi CLI. The same stack file renders byte-identical files. A mistake in the stack file exits
with code 2 and one message on stderr.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from components.input import stack_yaml
from components.input.error_text import document_key, one_line, shown
from components.input.limits import LimitError, check_value

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXIT_BAD_INPUT = 2


class StackFileError(Exception):
    """The stack file itself can't be read: missing, not YAML, not a Pulumi stack file, or out of bounds.

    ``str()`` is one line that starts with the key it is about, or with a line and column where the file is not
    YAML, or says what is wrong with the file as a whole.
    """


@dataclass(frozen=True)
class StackFile:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: tuple[str, ...]


def read_project_name(project_dir: Path) -> str:
    document = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())
    return str(document["name"])


def read_stack_file(path: Path, *, project: str) -> StackFile:
    """Flatten a ``Pulumi.<stack>.yaml`` into the ``namespace:key -> string`` map the Pulumi CLI hands a program.

    Structured values are passed as JSON, as the CLI does; ``secure:`` values become a masked placeholder, since
    nobody renders with the stack's secrets provider. The file is read strictly and within bounds
    (:mod:`components.input.stack_yaml`, :mod:`components.input.limits`) before anything is serialised.

    Raises:
        StackFileError: the file is missing, is not YAML, holds what JSON can't, or holds too much.
    """
    if not path.is_file():
        raise StackFileError(f"no such stack file: {path}")
    match = re.fullmatch(r"Pulumi\.(?P<stack>[A-Za-z0-9_.-]+)\.yaml", path.name)
    stack = match["stack"] if match else path.stem
    try:
        document = stack_yaml.load(path.read_bytes())
    except stack_yaml.YamlError as error:
        if error.path is None:
            raise StackFileError(f"line {error.line}, column {error.column}: {error}") from None
        raise StackFileError(f"{document_key(error.path, project=project)}: {error}") from None
    except OSError as error:
        raise StackFileError(f"can't read {path}: {error.strerror}") from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise StackFileError(
            f"the file holds {shown(document)}; allowed: a YAML map with a 'config' map (a stack file)"
        )
    config = document.get("config")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise StackFileError(f"config: {shown(config)} is not a map; allowed: a map of config keys")
    try:
        check_value(config, path=("config",))
    except LimitError as error:
        raise StackFileError(f"{document_key(error.path, project=project)}: {error}") from None
    config, secret_keys = flatten_config(config, project=project)
    return StackFile(project=project, stack=stack, config=config, secret_keys=secret_keys)


def flatten_config(document: Mapping[str, Any], *, project: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """A stack file's ``config`` map as the CLI hands it over: ``namespace:key`` -> string, and the secret keys."""
    config: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in document.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if _is_secure(value):
            config[full_key] = "[secret]"
            secret_keys.append(full_key)
        elif isinstance(value, str):
            config[full_key] = value
        else:
            config[full_key] = json.dumps(_masked_secure(value), sort_keys=True)
            # The CLI marks a structured value secret as a whole when a secure value sits anywhere inside it.
            if _holds_secure(value):
                secret_keys.append(full_key)
    return config, tuple(sorted(secret_keys))


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _holds_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_holds_secure(child) for child in children)


def _masked_secure(value: Any) -> Any:
    if _is_secure(value):
        return "[secret]"
    if isinstance(value, dict):
        return {k: _masked_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_secure(v) for v in value]
    return value


# Kubernetes objects first show who they are, then what they hold.
_HEAD = ("apiVersion", "kind", "metadata")


def _ordered(manifest: Mapping[str, Any]) -> dict[str, Any]:
    head = {k: manifest[k] for k in _HEAD if k in manifest}
    return {**head, **{k: manifest[k] for k in sorted(manifest) if k not in _HEAD}}


def kubernetes_manifests(resources: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Every Kubernetes object the program registered, keyed by its stable file path."""
    manifests: dict[str, dict[str, Any]] = {}
    for resource in resources:
        if not resource.type.startswith("kubernetes:") or resource.type.startswith("pulumi:providers:"):
            continue
        if "kind" not in resource.inputs:
            continue
        manifest = _ordered(resource.inputs)
        metadata = manifest.get("metadata", {})
        namespace = metadata.get("namespace") or "_cluster"
        path = f"{namespace}/{manifest['kind'].lower()}-{metadata.get('name', resource.name)}.yaml"
        if path in manifests:
            raise ValueError(f"two Kubernetes objects render to {path}")
        manifests[path] = manifest
    return dict(sorted(manifests.items()))


def alert_rule_files(manifests: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The rules files the agents' PrometheusRules and rules ConfigMaps hold, by file name (``<object name>.yaml``)."""
    from components.monitoring import RULES_FILE_KEY, rules_file

    files: dict[str, str] = {}
    for manifest in manifests.values():
        if manifest["kind"] == "PrometheusRule":
            text = rules_file(manifest["spec"]["groups"])
        elif manifest["kind"] == "ConfigMap" and RULES_FILE_KEY in manifest.get("data", {}):
            text = manifest["data"][RULES_FILE_KEY]
        else:
            continue
        files[f"{manifest['metadata']['name']}.yaml"] = text
    return dict(sorted(files.items()))


def dump_yaml(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120, allow_unicode=True)


def dump_json(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_render(out: Path, result: Any) -> int:
    """Write the render; returns the number of Kubernetes objects."""
    manifests = kubernetes_manifests(result.resources)
    if (out / "manifests").exists():
        shutil.rmtree(out / "manifests")
    for path, manifest in manifests.items():
        target = out / "manifests" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(dump_yaml(manifest))
    if (out / "alert-rules").exists():
        shutil.rmtree(out / "alert-rules")
    for file_name, text in alert_rule_files(manifests).items():
        (out / "alert-rules").mkdir(parents=True, exist_ok=True)
        (out / "alert-rules" / file_name).write_text(text)
    (out / "resources.json").write_text(dump_json([r.as_json() for r in result.resources]))
    (out / "outputs.json").write_text(dump_json(result.outputs))
    if "placement" in result.outputs:
        from components.placement.plan import plan_from_output

        pools = list(result.outputs.get("nodePoolNames", []))
        markdown = plan_from_output(result.outputs["placement"], list(result.outputs["nodeGroupNames"]), pools)
        if "agentRequestsPerNode" in result.outputs:
            from components.placement.report import overhead_markdown

            markdown += "\n" + overhead_markdown(result.outputs["agentRequestsPerNode"], pools)
        (out / "placement.md").write_text(markdown)
    return len(manifests)


class OutputError(Exception):
    """``--out`` names a place no directory can be written: an existing file, or a path under one."""


def check_out(out: Path) -> None:
    """Refuse an output path that can't become a directory, before anything runs.

    Raises:
        OutputError: ``out`` is a file, or a path under one.
    """
    for place in (out, *out.parents):
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                what = "is a file" if place == out else f"is under {place}, which is a file"
                raise OutputError(f"{what}; allowed: a directory, or a path where one can be created")
            return


def render(stack_file: Path, out: Path, *, project_dir: Path = PROJECT_DIR) -> Any:
    """Run the program for ``stack_file`` and write the render to ``out``; returns the run result.

    Raises:
        OutputError: ``out`` can't be a directory (checked first; nothing runs).
        StackFileError: the stack file can't be read.
        components.settings.SettingsError: the settings are invalid (nothing is written).
    """
    # Imported here so that `--help` and stack-file errors answer without loading the Pulumi SDKs.
    from offline.mocks import main_program, run_program

    check_out(out)
    stack = read_stack_file(stack_file, project=read_project_name(project_dir))
    result = run_program(
        main_program(project_dir),
        config=stack.config,
        project=stack.project,
        stack=stack.stack,
        secret_keys=stack.secret_keys,
    )
    try:
        out.mkdir(parents=True, exist_ok=True)
        write_render(out, result)
    except OSError as error:
        raise OutputError(f"can't write there: {error.strerror or error}") from None
    return result


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline.render", description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--stack", help="stack name: renders Pulumi.<stack>.yaml from the project directory")
    source.add_argument("--config", type=Path, help="path to any Pulumi.<stack>.yaml")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    stack_file = args.config if args.config else PROJECT_DIR / f"Pulumi.{args.stack}.yaml"

    import pulumi

    # Every refusal is one line on stderr, whatever the stack file holds: one_line escapes what would break it.
    try:
        result = render(stack_file, args.out)
    except OutputError as error:
        print(one_line(f"error: --out {args.out}: {error}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (StackFileError, pulumi.RunError) as error:
        print(one_line(f"error: {stack_file.name}: {error}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    objects = sum(1 for _ in (args.out / "manifests").rglob("*.yaml")) if (args.out / "manifests").exists() else 0
    print(f"rendered {stack_file.name}: {len(result.resources)} resources, {objects} Kubernetes objects -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
