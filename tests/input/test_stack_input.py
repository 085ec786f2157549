"""Every stack file gets a clean, fast answer: the classes of defect a stack-file fuzzer found, one test each.

Each test feeds a stack file through the offline render's command line, in-process (``offline.render.main``),
or a config map through the Pulumi program the way the Pulumi CLI hands it over (values as JSON strings), and
asserts the answer: the render, or exit code 2 with one ``error:`` line that names the key as the file writes it,
and nothing written.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Optional, Union

import pulumi
import pytest
import yaml

from offline import mocks, render
from components.settings import NAMESPACE, parse_quantity, parse_settings
from tests.conftest import PROJECT, ROOT
from tests.input.stack_fuzz import deadline

#: Every case is the smallest valid stack with one mistake, so that a key the stack needs later is needed here too.
BASE: dict[str, Any] = yaml.safe_load((ROOT / "tests" / "stacks" / "Pulumi.minimal.yaml").read_text())["config"]
NODE_GROUP: dict[str, Any] = BASE[f"{NAMESPACE}:nodeGroups"][0]
CLUSTER, AGENTS = f"{NAMESPACE}:cluster", f"{NAMESPACE}:agents"


@dataclass(frozen=True)
class Answer:
    code: int
    stderr: str
    wrote: list[str]
    seconds: float

    @property
    def message(self) -> str:
        """The one error line, after ``error: <file name>: ``."""
        lines = self.stderr.splitlines()
        assert self.code == 2, f"exit code {self.code}; stderr: {self.stderr[:2000]}"
        assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{self.stderr[:2000]}"
        assert self.wrote == [], f"wrote {self.wrote[:5]} for a refused stack"
        match = re.match(r"error: [^:]+: ", lines[0])
        assert match, lines[0]
        return lines[0][match.end():]


def cli(
    tmp_path: Path, text: Union[str, bytes], *, name: str = "Pulumi.input.yaml", out: Optional[Path] = None
) -> Answer:
    """``python -m offline.render --config <file> --out <dir>``, in-process, within a generous deadline."""
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    out = out or tmp_path / "out"
    stderr = io.StringIO()
    start = time.perf_counter()
    with deadline(30, lambda: TimeoutError("no answer within 30 s")), contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = render.main(["--config", str(path), "--out", str(out)])
    seconds = time.perf_counter() - start
    wrote = sorted(str(p.relative_to(out)) for p in out.rglob("*")) if out.is_dir() else []
    return Answer(code, stderr.getvalue(), wrote, seconds)


def stack(
    items: Optional[Mapping[str, str]] = None,
    *,
    values: Optional[Mapping[str, str]] = None,
    lines: tuple[str, ...] = (),
    before: str = "",
) -> str:
    """:data:`BASE` as stack-file text, one line per config key (JSON is YAML), with YAML written as a user would.

    Args:
        items: YAML items added to a config key's map: ``{CLUSTER: "tags: {NO: norway}"}``.
        values: YAML text replacing a config key's value: ``{"aws:region": "mars-north-9"}``.
        lines: more lines under ``config:``, as written.
        before: text before ``config:``.
    """
    items, values = items or {}, values or {}
    out = [f"{before}config:"]
    for key in [*BASE, *(k for k in items if k not in BASE)]:
        base = BASE.get(key, {})
        if key in values:
            out.append(f"  {key}: {values[key]}")
        elif key in items:
            written = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in base.items()] + [items[key]]
            out.append(f"  {key}: {{{', '.join(written)}}}")
        else:
            out.append(f"  {key}: {json.dumps(base)}")
    return "\n".join([*out, *(f"  {line}" for line in lines)]) + "\n"


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def merged(config: Mapping[str, Any]) -> dict[str, Any]:
    """:data:`BASE` with ``config`` laid over it, a map key's items over the base's."""
    result = dict(BASE)
    for key, value in config.items():
        result[key] = {**BASE[key], **value} if isinstance(BASE.get(key), dict) and isinstance(value, dict) else value
    return result


def parse(config: Mapping[str, Any], region: str = "us-east-2") -> Any:
    """``parse_settings`` of :data:`BASE` with ``config`` laid over it."""
    raw = {key.split(":", 1)[1]: value for key, value in merged(config).items() if key.startswith(f"{NAMESPACE}:")}
    raw.setdefault("cluster", {})
    return parse_settings(raw, project=PROJECT, stack="s", region=region)


def through_pulumi(config: Mapping[str, Any]) -> str:
    """Run the program with :data:`BASE` and ``config`` laid over it, as the Pulumi CLI hands config over (structured
    values as JSON); the refusal."""
    flat = {key: value if isinstance(value, str) else json.dumps(value) for key, value in merged(config).items()}
    with pytest.raises(pulumi.RunError) as caught:
        mocks.run_program(mocks.main_program(ROOT), config=flat, project=PROJECT, stack="input")
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message, message
    return message


def resources(tmp_path: Path) -> list[dict[str, Any]]:
    return json.loads((tmp_path / "out" / "resources.json").read_text())


# --------------------------------------------------------------------------------------------- 1. what JSON can't hold


def test_a_date_is_kept_as_the_text_it_was_written_as(tmp_path: Path) -> None:
    answer = cli(tmp_path, stack({CLUSTER: "tags: {created: 2026-01-01}"}))
    assert answer.code == 0, answer.stderr
    cluster = next(r for r in resources(tmp_path) if r["type"] == "eks:index:Cluster")
    assert cluster["inputs"]["tags"] == {"created": "2026-01-01"}


@pytest.mark.parametrize(
    "value, tag",
    [("!!binary aGVsbG8=", "!!binary"), ("!!set {a, b}", "!!set"), ("!!omap [a: 1]", "!!omap"), ("!ref x", '"!ref"')],
)
def test_a_yaml_tag_json_has_no_value_for_is_refused_at_its_key(tmp_path: Path, value: str, tag: str) -> None:
    answer = cli(tmp_path, stack({CLUSTER: f"tags: {{team: {value}}}"}))
    assert answer.message.startswith(f"eks-daemonsets:cluster.tags.team: the YAML tag {tag} is not supported")


# --------------------------------------------------------------------------------------------- 2. keys that aren't text


@pytest.mark.parametrize(
    "text, key, reads_as",
    [
        (stack({CLUSTER: "tags: {NO: norway}"}), "eks-daemonsets:cluster.tags.NO", "false"),
        (stack(lines=("on: true",)), "eks-daemonsets:on", "true"),
        (stack(before="on: true\n"), "on", "true"),
        (stack({CLUSTER: "tags: {1: one}"}), 'eks-daemonsets:cluster.tags["1"]', "1"),
    ],
    ids=["tag-NO", "config-on", "document-on", "tag-1"],
)
def test_a_key_yaml_reads_as_no_text_is_named_with_a_hint_to_quote_it(
    tmp_path: Path, text: str, key: str, reads_as: str
) -> None:
    message = cli(tmp_path, text).message
    assert message.startswith(f"{key}: the key reads as "), message
    assert f"({reads_as})" in message and "quote it" in message


# --------------------------------------------------------------------------------------------- 3. region, derived names


@pytest.mark.parametrize("region", ["'us-west-2 '", "mars-north-9", "42", "'us-west-٢'"])
def test_aws_region_must_be_a_region_even_with_cloudwatch_off(tmp_path: Path, region: str) -> None:
    off = "fluentd: {outputs: {cloudwatch: {enabled: false}, stdout: {enabled: true}}}"
    text = stack({AGENTS: off}, values={"aws:region": region})
    assert cli(tmp_path, text).message.startswith("aws:region: "), "refused, naming aws:region"
    assert "is not an AWS region" in through_pulumi({"aws:region": str(yaml.safe_load(region))})
    # Every partition's regions pass: commercial, China, GovCloud, ISO, the European Sovereign Cloud.
    for real in ("us-west-2", "ap-southeast-7", "cn-northwest-1", "us-gov-east-1", "us-isob-east-1", "eusc-de-east-1"):
        parse({}, region=real)


@pytest.mark.parametrize("name", ["café", "x" * 90], ids=["non-ascii", "too-long"])
def test_a_cluster_name_derived_from_the_stack_name_must_be_an_eks_name(tmp_path: Path, name: str) -> None:
    message = cli(tmp_path, stack(), name=f"Pulumi.{name}.yaml").message
    assert message.startswith("eks-daemonsets:cluster.name: is not set, and the default "), message


# --------------------------------------------------------------------------------------------- 4. deep nesting


def test_deep_nesting_is_refused_at_its_key_on_both_paths(tmp_path: Path) -> None:
    deep = "[" * 500 + "]" * 500
    message = cli(tmp_path, stack({CLUSTER: f"tags: {deep}"})).message
    assert message.startswith("eks-daemonsets:cluster.tags[0][0]"), message
    assert "nested more than 32 levels deep" in message
    for depth in (500, 5000):
        nested = "[" * depth + "]" * depth
        assert "eks-daemonsets:cluster" in through_pulumi({CLUSTER: '{"tags": ' + nested + "}"})


def test_the_pure_python_yaml_reader_is_bounded_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from components.input import stack_yaml

    monkeypatch.setattr(stack_yaml, "LOADER", stack_yaml.StrictPyLoader)
    deep = "[" * 2000 + "]" * 2000
    message = cli(tmp_path, stack({CLUSTER: f"tags: {deep}"})).message
    assert "nested more than 32 levels deep" in message


# --------------------------------------------------------------------------------------------- 5. bytes


def test_a_byte_that_is_not_utf8_is_placed_by_line_and_column(tmp_path: Path) -> None:
    text = stack({CLUSTER: "tags: {cafe: caf\xe9}"})
    at = text.index("\xe9")
    line, column = line_of(text, "\xe9"), at - text.rindex("\n", 0, at)
    assert cli(tmp_path, text.encode("latin-1")).message == (
        f"line {line}, column {column}: byte 0xe9 is not UTF-8 text; allowed: a UTF-8 file"
    )


# --------------------------------------------------------------------------------------------- 6. long numbers


def test_a_number_of_thousands_of_digits_is_refused_at_its_key(tmp_path: Path) -> None:
    digits = "9" * 5000
    message = cli(tmp_path, stack({CLUSTER: f"tags: {{big: {digits}}}"})).message
    assert message.startswith("eks-daemonsets:cluster.tags.big: the number "), message
    assert "5000 digits" in message and len(message) < 300
    message = through_pulumi({CLUSTER: f'{{"tags": {{"big": {digits}}}}}'})
    assert "eks-daemonsets:cluster.tags.big: the number " in message and "5000 digits" in message


# --------------------------------------------------------------------------------------------- 7. lone surrogates


def test_a_lone_surrogate_is_refused_before_any_resource(tmp_path: Path) -> None:
    text = stack({CLUSTER: 'tags: {team: "\\ud800"}'})
    message = cli(tmp_path, text).message
    # libyaml refuses the escape itself; the pure-Python reader reads it and the limits refuse the value.
    assert message.startswith((f"line {line_of(text, 'ud800')}, column", "eks-daemonsets:cluster.tags.team: ")), message
    message = through_pulumi({CLUSTER: '{"tags": {"team": "\\ud800"}}'})
    assert "eks-daemonsets:cluster.tags.team: the text '\\ud800' holds a lone surrogate" in message


# --------------------------------------------------------------------------------------------- 8. --out


@pytest.mark.parametrize("under", [False, True], ids=["a-file", "under-a-file"])
def test_out_naming_a_file_or_a_path_under_one_is_refused(tmp_path: Path, under: bool) -> None:
    existing = tmp_path / "existing"
    existing.write_text("keep me\n")
    out = existing / "render" if under else existing
    answer = cli(tmp_path, stack(), out=out)
    lines = answer.stderr.splitlines()
    assert answer.code == 2 and len(lines) == 1, answer.stderr
    assert lines[0].startswith(f"error: --out {out}: "), lines[0]
    assert existing.read_text() == "keep me\n"


# --------------------------------------------------------------------------------------------- 9. one line


def test_a_broken_rules_file_is_one_line_placed_in_the_rules(tmp_path: Path) -> None:
    rules = '"- rule: x\\n  desc: [unclosed\\n"'
    message = cli(tmp_path, stack({AGENTS: f"securityAgent: {{customRules: {rules}}}"}))
    assert message.message.startswith("eks-daemonsets:agents.securityAgent.customRules: rules file is not valid YAML: "
                                      "line 3, column 1: ")


def test_a_key_holding_a_newline_is_named_escaped_on_one_line(tmp_path: Path) -> None:
    message = cli(tmp_path, stack(lines=('"eks-daemonsets:clus\\nter": {}',))).message
    assert message.startswith('eks-daemonsets:"clus\\nter": unknown key'), message


# --------------------------------------------------------------------------------------------- 10. keys as written


def test_a_key_holding_brackets_is_named_as_written(tmp_path: Path) -> None:
    message = cli(tmp_path, stack({CLUSTER: "tags: {'tags[env]': [dev]}"})).message
    assert message.startswith('eks-daemonsets:cluster.tags["tags[env]"]: ["dev"] is not allowed'), message


def test_a_snake_case_key_is_unknown_and_named_as_written(tmp_path: Path) -> None:
    text = stack().replace("instanceTypes", "instance_types")
    message = cli(tmp_path, text).message
    assert "eks-daemonsets:nodeGroups[0].instance_types: unknown key" in message, message
    message = cli(tmp_path, stack({CLUSTER: "kubernetes_version: '1.33'"})).message
    assert message.startswith("eks-daemonsets:cluster.kubernetes_version: unknown key"), message


@pytest.mark.parametrize(
    "config, key, allowed",
    [
        ({"cluster": {"tags": {"team": ["a"]}}}, "cluster.tags.team", "allowed: text"),
        ({"cluster": ["a"]}, "cluster", "allowed: a map"),
        ({"nodeGroups": [dict(NODE_GROUP, instanceTypes="m7i.large")]}, "nodeGroups[0].instanceTypes",
         "allowed: a list"),
        ({"nodeGroups": [dict(NODE_GROUP, diskSizeGib=50.5)]}, "nodeGroups[0].diskSizeGib",
         "allowed: a whole number"),
    ],
    ids=["text", "map", "list", "whole-number"],
)
def test_a_value_of_the_wrong_kind_is_told_what_kind_is_allowed(config: dict, key: str, allowed: str) -> None:
    message = through_pulumi({f"{NAMESPACE}:{k}": v for k, v in config.items()})
    assert message.startswith(f"{NAMESPACE}:{key}: ") and message.endswith(allowed), message


# --------------------------------------------------------------------------------------------- 11. fast and bounded


def test_the_image_pattern_answers_in_linear_time(tmp_path: Path) -> None:
    image = "a/" * 5000 + "a!"
    answer = cli(tmp_path, stack({AGENTS: f"fluentd: {{image: '{image}'}}"}))
    assert answer.message.startswith("eks-daemonsets:agents.fluentd.image: 'a/a/a/"), answer.message
    assert "is not an image reference" in answer.message and len(answer.message) < 500


# The classic "billion laughs": nine lists of nine aliases of the list before, 9^9 strings in under 700 bytes.
ALIAS_BOMB = "tags: {a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol], " + ", ".join(
    f"{name}: &{name} [{', '.join(['*' + prev] * 9)}]" for prev, name in zip("abcdefgh", "bcdefghi")
) + "}"


def test_a_yaml_alias_bomb_is_refused_quickly_and_small(tmp_path: Path) -> None:
    text = stack({CLUSTER: ALIAS_BOMB})
    assert len(text.encode()) < 1000
    message = cli(tmp_path, text).message
    assert message.startswith("eks-daemonsets:cluster: holds more than 20000 values"), message


def test_ten_thousand_node_groups_are_refused_without_reading_them_all(tmp_path: Path) -> None:
    groups = ", ".join(json.dumps(dict(NODE_GROUP, name=f"g{i}")) for i in range(10_000))
    text = stack(values={f"{NAMESPACE}:nodeGroups": f"[{groups}]"})
    message = cli(tmp_path, text).message
    assert message.startswith("eks-daemonsets:nodeGroups: holds more than 20000 values"), message
    groups_json = json.dumps([dict(NODE_GROUP, name=f"g{i}") for i in range(10_000)])
    assert "eks-daemonsets:nodeGroups: holds more than 20000 values" in through_pulumi(
        {f"{NAMESPACE}:nodeGroups": groups_json}
    )


@pytest.mark.parametrize(
    "cluster",
    [
        lambda v: {"tags": {"team": v}},
        lambda v: {"name": v},
        lambda v: {"publicAccessCidrs": [v]},
        lambda v: {"adminPrincipalArns": [v]},
    ],
    ids=["tag", "name", "cidr", "admin"],
)
@pytest.mark.parametrize("size", [500_000, 10_000_000])
def test_a_huge_value_is_shown_shortened(cluster: Any, size: int) -> None:
    message = through_pulumi({CLUSTER: cluster("x" * size)})
    assert len(message) < 400, message[:400]
    assert f"({size} characters)" in message, message


def test_a_rules_file_is_bounded_like_the_stack_file() -> None:
    rules = "".join(f"- list: l{i}\n  items: [a, b, c]\n" for i in range(4000))
    message = through_pulumi({AGENTS: {"securityAgent": {"customRules": rules}}})
    assert message == (
        "eks-daemonsets:agents.securityAgent.customRules: rules file can't be read: the document: holds more than "
        "20000 values; allowed: at most 20000"
    )


def test_the_c_yaml_reader_is_used_where_pyyaml_has_it() -> None:
    from components.input import stack_yaml

    if not yaml.__with_libyaml__:
        pytest.skip("this PyYAML was built without libyaml (its wheels on PyPI have it)")
    assert issubclass(stack_yaml.LOADER, yaml.CSafeLoader)


# --------------------------------------------------------------------------------------------- 12. accepted but wrong


@pytest.mark.parametrize(
    "agents, key",
    [
        ("fluentd: {image: \"docker.io/fluent/fluentd:v1.19\\n\"}", "agents.fluentd.image"),
        ("nodeExporter: {resources: {requests: {cpu: '١٠٠m', memory: 64Mi}, limits: {memory: 128Mi}}}",
         "agents.nodeExporter.resources.requests.cpu"),
        ("nodeExporter: {maxUnavailable: \"10%\\n\"}", "agents.nodeExporter.maxUnavailable"),
        ("fluentd: {targeting: {tolerations: [{key: a, operator: Exists, effect: NoExecute, "
         "tolerationSeconds: 9223372036854775808}]}}", "agents.fluentd.targeting.tolerations[0].tolerationSeconds"),
    ],
    ids=["image-trailing-newline", "arabic-indic-digits", "percent-trailing-newline", "toleration-seconds-int64"],
)
def test_values_kubernetes_refuses_are_refused_here(tmp_path: Path, agents: str, key: str) -> None:
    message = cli(tmp_path, stack({AGENTS: agents})).message
    assert message.startswith(f"eks-daemonsets:{key}: "), message


def test_a_block_scalar_image_with_its_trailing_newline_is_refused(tmp_path: Path) -> None:
    text = stack() + "  eks-daemonsets:agents:\n    fluentd:\n      image: |\n        docker.io/fluent/fluentd:v1.19\n"
    assert cli(tmp_path, text).message.startswith("eks-daemonsets:agents.fluentd.image: ")


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    text = stack({CLUSTER: "kubernetesVersion: '1.33', kubernetesVersion: '1.34'"})
    line = line_of(text, "kubernetesVersion")
    assert cli(tmp_path, text).message == (
        f"eks-daemonsets:cluster.kubernetesVersion: the key appears twice in this map (lines {line} and {line}); "
        "allowed: each key once"
    )


def _many(count: int, item: Any) -> list[Any]:
    return [item(i) if callable(item) else item for i in range(count)]


@pytest.mark.parametrize(
    "cluster, agents, key, bound",
    [
        ({"tags": {f"k{i}": "v" for i in range(51)}}, None, "cluster.tags", "50"),
        ({"tags": {"k" * 129: "v"}}, None, "cluster.tags", "128"),
        ({"tags": {"aws:owner": "me"}}, None, "cluster.tags", "aws:"),
        ({"publicAccessCidrs": _many(41, lambda i: f"10.0.{i}.0/24")}, None, "cluster.publicAccessCidrs", "40"),
        ({"publicAccessCidrs": ["999.1.1.1/8"]}, None, "cluster.publicAccessCidrs[0]", "IPv4"),
        ({"adminPrincipalArns": _many(51, lambda i: f"arn:aws:iam::123456789012:role/r{i}")}, None,
         "cluster.adminPrincipalArns", "50"),
        (None, {"fluentd": {"targeting": {"tolerations": _many(51, {"operator": "Exists"})}}},
         "agents.fluentd.targeting.tolerations", "50"),
        (None, {"fluentd": {"targeting": {"nodeAffinity": _many(51, lambda i: {"key": f"k{i}", "operator": "In",
                                                                          "values": ["a"]})}}},
         "agents.fluentd.targeting.nodeAffinity", "50"),
        (None, {"securityAgent": {"privileged": True, "privilegedReason": "r" * 1001}},
         "agents.securityAgent.privilegedReason", "1000"),
        (None, {"securityAgent": {"customRules": "- list: l\n  items: []\n" + "#" * 600_000}},
         "agents.securityAgent.customRules", "524288"),
    ],
    ids=["tags-count", "tag-key-length", "tag-aws-prefix", "cidrs", "cidr-octet", "admins", "tolerations",
         "affinity", "privileged-reason", "custom-rules"],
)
def test_aws_and_kubernetes_bounds_are_kept(
    cluster: Optional[dict], agents: Optional[dict], key: str, bound: str
) -> None:
    message = through_pulumi({CLUSTER: cluster or {}, AGENTS: agents or {}})
    assert message.startswith(f"{NAMESPACE}:{key}"), message
    assert bound in message, message


def test_more_than_twenty_instance_types_is_refused() -> None:
    group = dict(NODE_GROUP, instanceTypes=[f"m{i}.large" for i in range(21)])
    message = through_pulumi({f"{NAMESPACE}:nodeGroups": [group]})
    assert message.startswith(f"{NAMESPACE}:nodeGroups[0].instanceTypes: ") and "at most 20" in message, message


# --------------------------------------------------------------------------------------------- 13. refused but valid


def test_capacity_block_node_groups_are_accepted_and_placed() -> None:
    group = dict(NODE_GROUP, capacityType="CAPACITY_BLOCK", instanceTypes=["p5.48xlarge"])
    settings = parse({f"{NAMESPACE}:nodeGroups": [group]})
    assert settings.node_groups[0].capacity_type == "CAPACITY_BLOCK"


def test_quantities_in_exponent_form_are_accepted() -> None:
    assert parse_quantity("1e3") == 1000
    assert parse_quantity("5E-1") == parse_quantity("500m")
    assert parse_quantity("1E") == 10**18  # exa, not an exponent
    with pytest.raises(ValueError, match="larger than any Kubernetes quantity"):
        parse_quantity("1e19")
    resources = {"requests": {"cpu": "1e-1", "memory": "64e6"}, "limits": {"memory": "1.28e8"}}
    parse({AGENTS: {"fluentd": {"resources": resources}}})


# --------------------------------------------------------------------------------------------- union members


def test_a_union_members_tag_is_not_named_as_a_key() -> None:
    """pydantic puts a union member's name in an error's location (``vpc.VpcSettings.id``); the file has no such key."""
    from pydantic import BaseModel, ConfigDict, ValidationError

    from components.settings import messages as settings

    class Vpc(BaseModel):
        model_config = ConfigDict(extra="forbid")
        id: str

    class Cluster(BaseModel):
        vpc: Union[Literal["default"], Vpc]

    raw = {"vpc": {"idd": "vpc-1"}}
    with pytest.raises(ValidationError) as caught:
        Cluster.model_validate(raw)
    named = {settings._location(error, raw) for error in caught.value.errors()}
    assert ("vpc", "id") in named and ("vpc", "idd") in named, named
    assert not any("Vpc" in part for loc in named for part in loc if isinstance(part, str)), named
