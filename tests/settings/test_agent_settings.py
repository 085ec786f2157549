"""eks-daemonsets:agents at their edges: images, rollout pace, Fluentd's CloudWatch output, the security agent's
priority, privilege and rules (issue 15)."""

from __future__ import annotations

import pytest

from components.settings import image_digest
from tests.settings.small_stack import parse, refused, set_in

KMS = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d"


DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("image", "taken"),
    [
        ("nginx:1.25", True),
        ("registry.k8s.io:5000/ns/app:v1", True),
        (f"nginx@{DIGEST}", True),
        (f"nginx:latest@{DIGEST}", True),
        ("nginx", False),
        ("nginx:latest", False),
        ("Nginx:1", False),
        ("nginx:1 x", False),
        ("nginx:1!", False),
        ("-nginx:1", False),
        (f"nginx@sha256:{'a' * 63}", False),
        ("nginx:" + "a" * 128, True),
        ("nginx:" + "a" * 129, False),
    ],
)
def test_images_must_pin_a_version(image: str, taken: bool) -> None:
    change = set_in("agents.nodeExporter.image", image)
    if taken:
        assert parse(change).agents["nodeExporter"].settings.image == image
    else:
        refused(change, "agents.nodeExporter.image")


@pytest.mark.parametrize(
    "digest",
    ["sha256:" + "a" * 63, "sha256:" + "a" * 65, "sha256:" + "A" * 64, "sha512:" + "a" * 128, "sha256" + "a" * 64,
     "sha256:" + "g" * 64, ""],
)
def test_a_malformed_digest_is_refused_as_one(digest: str) -> None:
    message = refused(set_in("agents.fluentd.image", f"fluent/fluentd:v1.19.3@{digest}"), "agents.fluentd.image")
    assert f"has a malformed digest {digest!r}; allowed: @sha256: followed by 64 lowercase hex digits" in message


def test_image_digest_is_the_sha256_digest_after_the_at_sign_or_none() -> None:
    assert image_digest(f"quay.io/a/b:v1.2.3@{DIGEST}") == DIGEST
    assert image_digest(f"quay.io/a/b@{DIGEST}") == DIGEST
    for image in ("quay.io/a/b:v1.2.3", f"quay.io/a/b:v1.2.3@{DIGEST[:-1]}", f"quay.io/a/b@{DIGEST}0",
                  f"quay.io/a/b@{DIGEST.upper()}", f"quay.io/a/b@sha512:{'a' * 64}"):
        assert image_digest(image) is None, image


def _notes(values: dict[str, str | bool]) -> tuple[str, ...]:
    def change(raw: dict) -> None:
        for path, value in values.items():
            set_in(path, value)(raw)
    return parse(change).notes


def test_an_image_set_without_a_digest_is_named_in_a_preview_warning() -> None:
    notes = _notes({"agents.fluentd.image": "fluent/fluentd:v1.19.3",
                    "agents.nodeExporter.rbacProxyImage": "quay.io/brancz/kube-rbac-proxy:v0.22.1"})
    assert notes == (
        'eks-daemonsets:agents.nodeExporter.rbacProxyImage: "quay.io/brancz/kube-rbac-proxy:v0.22.1" has no digest, so '
        "it is pulled with imagePullPolicy Always: every pod start asks the registry, and fails while the registry is "
        "down or rate-limiting; pin it as <image>:<tag>@sha256:<digest> (`crane digest <image>:<tag>` prints the "
        "digest)",
        'eks-daemonsets:agents.fluentd.image: "fluent/fluentd:v1.19.3" has no digest, so it is pulled with '
        "imagePullPolicy Always: every pod start asks the registry, and fails while the registry is down or "
        "rate-limiting; pin it as <image>:<tag>@sha256:<digest> (`crane digest <image>:<tag>` prints the digest)",
    )


def test_no_warning_for_an_image_with_a_digest_the_defaults_or_a_disabled_agent() -> None:
    assert _notes({"agents.securityAgent.image": f"falco:0.44.1@{DIGEST}", "agents.nodeExporter.image": f"ne@{DIGEST}"}) == ()
    assert _notes({}) == ()
    assert _notes({"agents.fluentd.image": "fluent/fluentd:v1.19.3", "agents.fluentd.enabled": False}) == ()


@pytest.mark.parametrize(
    ("value", "taken"),
    [("1%", True), ("100%", True), ("99%", True), ("10%", True), ("0%", False), ("101%", False), ("x10%", False),
     ("10%x", False), ("10", False), ("05%", False)],
)
def test_max_unavailable_percentages(value: str, taken: bool) -> None:
    change = set_in("agents.fluentd.maxUnavailable", value)
    if taken:
        assert parse(change).agents["fluentd"].settings.max_unavailable == value
    else:
        refused(change, "agents.fluentd.maxUnavailable")


@pytest.mark.parametrize(
    ("arn", "taken"),
    [(KMS, True), ("arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/x", True), ("x" + KMS, False),
     (KMS.replace("123456789012", "12345678901"), False), ("arn:aws:kms:eu-west-1:123456789012:key/", False),
     ("arn:aws:kms:EU:123456789012:key/x", False)],
)
def test_kms_key_arns(arn: str, taken: bool) -> None:
    change = set_in("agents.fluentd.outputs.cloudwatch.kmsKeyArn", arn)
    if taken:
        assert parse(change).agents["fluentd"].settings.outputs.cloudwatch.kms_key_arn == arn
    else:
        refused(change, "agents.fluentd.outputs.cloudwatch.kmsKeyArn")


@pytest.mark.parametrize(
    ("name", "taken"),
    [("a", True), ("/aws/eks/x#1.a_b-c", True), ("a" * 512, True), ("a" * 513, False), ("", False), ("a b", False),
     ("a:b", False), ("!ab", False), ("ab!", False),
     # CreateLogGroup (botocore's logs service-2.json): "Log group names can't start with the string aws/".
     ("aws/eks/x", False), ("/aws/eks/x", True), ("awsx/y", True), ("AWS/x", True)],
)
def test_log_group_names(name: str, taken: bool) -> None:
    change = set_in("agents.fluentd.outputs.cloudwatch.logGroupName", name)
    if taken:
        assert parse(change).agents["fluentd"].settings.outputs.cloudwatch.log_group_name == name
    else:
        refused(change, "agents.fluentd.outputs.cloudwatch.logGroupName")


RETENTION = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]


def test_every_cloudwatch_retention_period_is_taken_and_others_are_not() -> None:
    for days in RETENTION:
        settings = parse(set_in("agents.fluentd.outputs.cloudwatch.retentionDays", days))
        assert settings.agents["fluentd"].settings.outputs.cloudwatch.retention_days == days
    for days in (2, 31, 3654):
        refused(set_in("agents.fluentd.outputs.cloudwatch.retentionDays", days),
                "agents.fluentd.outputs.cloudwatch.retentionDays")


@pytest.mark.parametrize("priority", ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"])
def test_every_falco_priority_is_taken(priority: str) -> None:
    assert parse(set_in("agents.securityAgent.priority", priority)).agents["securityAgent"].settings.priority == priority


def test_a_privileged_reason_of_ten_characters_is_enough() -> None:
    def change(raw: dict) -> None:
        set_in("agents.securityAgent.privileged", True)(raw)
        set_in("agents.securityAgent.privilegedReason", "0123456789")(raw)
    assert parse(change).agents["securityAgent"].settings.privileged_reason == "0123456789"
    refused(lambda raw: (change(raw), set_in("agents.securityAgent.privilegedReason", "012345678")(raw)),
            "agents.securityAgent.privilegedReason")


def test_fluentd_needs_an_output() -> None:
    refused(set_in("agents.fluentd.outputs", {"cloudwatch": {"enabled": False}}), "agents.fluentd.outputs")
    settings = parse(set_in("agents.fluentd.outputs", {"stdout": {"enabled": True}}))
    assert settings.agents["fluentd"].settings.outputs.cloudwatch.enabled is True


def test_custom_rules_reach_the_settings_unchanged() -> None:
    rules = ("- rule: Shell in PCI container\n  desc: A shell\n  condition: spawned_process and proc.name = bash\n"
             "  output: shell\n  priority: WARNING\n")
    assert parse(set_in("agents.securityAgent.customRules", rules)).agents["securityAgent"].settings.custom_rules == rules
    assert parse().agents["securityAgent"].settings.custom_rules is None
