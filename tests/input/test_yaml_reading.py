"""What YAML can write but JSON can't hold is refused at its key, where the Pulumi CLI would refuse or change it.

The offline render reads a stack file the way the Pulumi CLI hands config to the program, as JSON: a date stays the
text it was written as; a tag JSON has no value for, a key YAML reads as a boolean or a number, a byte that is not
UTF-8, a lone surrogate and a key written twice are each refused, named by the key as the file writes it (or placed by
line and column when there is no key to name).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.input.stack_answers import CLUSTER, cli, line_of, resources, stack, through_pulumi


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


# --------------------------------------------------------------------------------------------- 5. bytes


def test_a_byte_that_is_not_utf8_is_placed_by_line_and_column(tmp_path: Path) -> None:
    text = stack({CLUSTER: "tags: {cafe: caf\xe9}"})
    at = text.index("\xe9")
    line, column = line_of(text, "\xe9"), at - text.rindex("\n", 0, at)
    assert cli(tmp_path, text.encode("latin-1")).message == (
        f"line {line}, column {column}: byte 0xe9 is not UTF-8 text; allowed: a UTF-8 file"
    )


# --------------------------------------------------------------------------------------------- 7. lone surrogates


def test_a_lone_surrogate_is_refused_before_any_resource(tmp_path: Path) -> None:
    text = stack({CLUSTER: 'tags: {team: "\\ud800"}'})
    message = cli(tmp_path, text).message
    # libyaml refuses the escape itself; the pure-Python reader reads it and the limits refuse the value.
    assert message.startswith((f"line {line_of(text, 'ud800')}, column", "eks-daemonsets:cluster.tags.team: ")), message
    message = through_pulumi({CLUSTER: '{"tags": {"team": "\\ud800"}}'})
    assert "eks-daemonsets:cluster.tags.team: the text '\\ud800' holds a lone surrogate" in message


# --------------------------------------------------------------------------------------------- 12. accepted but wrong


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    text = stack({CLUSTER: "kubernetesVersion: '1.33', kubernetesVersion: '1.34'"})
    line = line_of(text, "kubernetesVersion")
    assert cli(tmp_path, text).message == (
        f"eks-daemonsets:cluster.kubernetesVersion: the key appears twice in this map (lines {line} and {line}); "
        "allowed: each key once"
    )
