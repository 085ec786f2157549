"""CrossGuard policies for the node agents this project runs as DaemonSets.

Every policy here is a plain ``ResourceValidationPolicy`` or ``StackValidationPolicy`` object in :data:`POLICIES`;
``__main__.py`` only wraps them in a ``PolicyPack``. The pack's constructor starts a gRPC server and blocks, so
tests import this module, never ``__main__``.

What the engine hands a validator: ``args.props`` are the resource's *inputs* as the program registered them, with
Kubernetes' own camelCase keys (the same shape as ``resources.json`` ``inputs`` in the offline render), wrapped in
read-only proxies (``Mapping``/``Sequence``, not ``dict``/``list``) that raise ``UnknownValueError`` for a value not
known during ``pulumi preview``. The helpers below therefore test for ``Mapping``/``Sequence``, never ``dict``/``list``.

Policies, by name:

- ``daemonset-container-resources``: every container and init container requests cpu and memory and limits memory.
- ``daemonset-image-pinned``: every image names an immutable version (see :func:`image_pin_problem`).
- ``daemonset-seccomp``: every container runs under a ``RuntimeDefault`` or ``Localhost`` seccomp profile.
- ``daemonset-privileged-needs-reason``: a privileged container needs a written reason on the pod template.
- ``daemonset-must-cover-tolerations``: an agent labelled ``eks-daemonsets.io/coverage: all`` tolerates every
  NoSchedule and NoExecute taint, so no node group (today's or tomorrow's) can keep it off a node.
- ``namespace-pod-security-labels``: every Namespace the stack creates carries a Pod Security Admission level.
- ``daemonset-fits-namespace-pod-security``: a DaemonSet's pods pass the enforce level of the stack's Namespace they
  land in (otherwise the API server accepts the DaemonSet but rejects every pod, and the rollout never finishes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Optional

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

__all__ = [
    "COVERAGE_LABEL",
    "DAEMONSET",
    "FLOATING_TAGS",
    "NAMESPACE",
    "POLICIES",
    "PRIVILEGED_REASON_ANNOTATION",
    "PSA_LEVELS",
    "image_pin_problem",
    "pod_security_problems",
]

DAEMONSET = "kubernetes:apps/v1:DaemonSet"
NAMESPACE = "kubernetes:core/v1:Namespace"

COVERAGE_LABEL = "eks-daemonsets.io/coverage"
PRIVILEGED_REASON_ANNOTATION = "eks-daemonsets.io/privileged-reason"

PSA_PREFIX = "pod-security.kubernetes.io/"
PSA_ENFORCE = PSA_PREFIX + "enforce"
PSA_MODES = ("enforce", "audit", "warn")
PSA_LEVELS = ("privileged", "baseline", "restricted")

CONFINED_SECCOMP = ("RuntimeDefault", "Localhost")

# Tags that name a moving target rather than a release, whatever the registry.
FLOATING_TAGS = frozenset(
    {
        "latest", "stable", "main", "master", "edge", "nightly", "dev", "develop", "devel", "canary", "rolling",
        "beta", "alpha", "current", "lts", "mainline", "release", "head", "unstable", "testing", "next",
    }
)

# name[:tag][@algorithm:hex]; the tag is whatever follows the last ':' of the last path segment, so a registry
# port (registry:5000/repo) is never taken for a tag.
_DIGEST = re.compile(r"^(?:sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
# A leading version: an optional "v", dot-separated numbers, then the end of the tag or a separator and a suffix.
_VERSION = re.compile(r"^[vV]?(?P<numbers>\d+(?:\.\d+)*)(?:$|[-_])")


# --------------------------------------------------------------------------------------------- reading props


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _sequence(value: Any) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, (str, bytes)) else ()


def _dig(value: Any, *path: str) -> Any:
    """``value[path[0]][path[1]]...``, or None where a step is missing or not a mapping."""
    for key in path:
        value = _mapping(value).get(key)
    return value


def _present(value: Any) -> bool:
    """A resource quantity is set: a non-empty string or a number (``cpu: 1``)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and value.strip() != ""


def _object_name(props: Mapping[str, Any], fallback: str) -> str:
    """``namespace/name`` of a namespaced object (or ``name``), falling back to the Pulumi name."""
    try:
        metadata = _mapping(props.get("metadata"))
        name = metadata.get("name")
        namespace = metadata.get("namespace")
    except UnknownValueError:
        return fallback
    name = name if isinstance(name, str) and name else fallback
    return f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name


def _pod_template(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_dig(props, "spec", "template"))


def _pod_spec(props: Mapping[str, Any]) -> Mapping[str, Any]:
    return _mapping(_dig(props, "spec", "template", "spec"))


def _containers(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Each ``(label, container)`` of a pod spec, init containers first; label reads ``init container "x"``."""
    for field, kind in (("initContainers", "init container"), ("containers", "container")):
        for index, container in enumerate(_sequence(pod_spec.get(field))):
            container = _mapping(container)
            name = container.get("name")
            label = name if isinstance(name, str) and name else f"{field}[{index}]"
            yield f'{kind} "{label}"', container


def _is_daemonset(args: ResourceValidationArgs) -> bool:
    return args.resource_type == DAEMONSET


# --------------------------------------------------------------------------------------------- (a) resources

_RESOURCE_FIELDS = (("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))


def _validate_resources(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args):
        return
    daemonset = _object_name(args.props, args.name)
    for label, container in _containers(_pod_spec(args.props)):
        resources = _mapping(container.get("resources"))
        missing = [f"{kind}.{name}" for kind, name in _RESOURCE_FIELDS if not _present(_dig(resources, kind, name))]
        if missing:
            report_violation(
                f"DaemonSet {daemonset}: {label} has no resources.{', resources.'.join(missing)}; every container "
                "of a node agent requests cpu and memory and limits memory, so it is scheduled for what it uses and "
                "cannot take a node's memory from the workloads on it",
                None,
            )


# --------------------------------------------------------------------------------------------- (b) image pinned


def image_pin_problem(image: Any) -> Optional[str]:
    """Why ``image`` does not pin one immutable build, or None when it does.

    The rule, in order:

    1. A digest (``@sha256:<64 hex>``, also sha384/sha512) pins the image whatever the tag says: accepted.
    2. No tag means ``latest``: rejected.
    3. A tag in :data:`FLOATING_TAGS` (``latest``, ``stable``, ``main``, ``master``, ``edge``, ``nightly``, ...),
       in any case: rejected.
    4. Otherwise the tag must start with a full version, at least MAJOR.MINOR.PATCH (``1.2.3``, ``v1.19.3``,
       ``1.2.3.4``), optionally followed by ``-`` or ``_`` and a suffix (``v1.19.3-debian-cloudwatch-1.1``,
       ``0.44.1-debian``, ``1.2.3-rc.1``). Publishers move shorter version tags to each new release: ``v1``,
       ``1``, ``1.2``, ``v1-debian-cloudwatch`` and ``1.2-alpine`` are floating, and so rejected.
    5. A tag that is not a version at all (``bookworm``, a date, a commit hash) cannot be told apart from a
       moving alias by its name: it needs a digest.

    A malformed digest or tag is rejected too. Only the reference text is judged: no registry is asked.
    """
    if not isinstance(image, str) or not image.strip():
        return "no image is set"
    name, at, digest = image.partition("@")
    if at:
        if not _DIGEST.match(digest):
            return f"the digest {digest!r} is not an algorithm:hex content digest such as sha256:<64 hex digits>"
        return None
    last_segment = name.rsplit("/", 1)[-1]
    if ":" not in last_segment:
        return "it has no tag, which means the floating tag 'latest'"
    tag = last_segment.rsplit(":", 1)[1]
    if not _TAG.match(tag):
        return f"the tag {tag!r} is not a valid tag"
    if tag.lower() in FLOATING_TAGS:
        return f"the tag {tag!r} is a floating tag"
    version = _VERSION.match(tag)
    if not version:
        return f"the tag {tag!r} is not a version (MAJOR.MINOR.PATCH); pin a tag like that one with a digest"
    if len(version["numbers"].split(".")) < 3:
        return f"the tag {tag!r} names {version['numbers']} without a patch version, which moves with each release"
    return None


def _validate_image_pinned(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args):
        return
    daemonset = _object_name(args.props, args.name)
    for label, container in _containers(_pod_spec(args.props)):
        image = container.get("image")
        problem = image_pin_problem(image)
        if problem:
            report_violation(
                f"DaemonSet {daemonset}: {label} image {image!r} is not pinned: {problem}; use an exact "
                "MAJOR.MINOR.PATCH tag or an @sha256 digest",
                None,
            )


# --------------------------------------------------------------------------------------------- (c) seccomp


def _seccomp_problem(profile: Mapping[str, Any], where: str) -> Optional[str]:
    """What is wrong with an explicitly set seccompProfile, or None."""
    kind = profile.get("type")
    if kind not in CONFINED_SECCOMP:
        return f"runs with {where} {kind!r}; allowed: {' or '.join(CONFINED_SECCOMP)}"
    if kind == "Localhost" and not _present(profile.get("localhostProfile")):
        return f"runs with {where} 'Localhost' but no localhostProfile"
    return None


def _validate_seccomp(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args):
        return
    daemonset = _object_name(args.props, args.name)
    pod_spec = _pod_spec(args.props)
    pod_profile = _mapping(_dig(pod_spec, "securityContext", "seccompProfile"))
    pod_where = "spec.template.spec.securityContext.seccompProfile.type"
    for label, container in _containers(pod_spec):
        profile = _mapping(_dig(container, "securityContext", "seccompProfile"))
        if profile.get("type") is not None:
            problem = _seccomp_problem(profile, "securityContext.seccompProfile.type")
        elif pod_profile.get("type") is not None:
            problem = _seccomp_problem(pod_profile, f"the pod's {pod_where}")
        else:
            problem = (
                f"has no seccomp profile; set {pod_where} (or each container's "
                "securityContext.seccompProfile.type) to RuntimeDefault or Localhost"
            )
        if problem:
            report_violation(f"DaemonSet {daemonset}: {label} {problem}", None)


# --------------------------------------------------------------------------------------------- (d) privileged


def _validate_privileged(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args):
        return
    annotations = _mapping(_dig(_pod_template(args.props), "metadata", "annotations"))
    reason = annotations.get(PRIVILEGED_REASON_ANNOTATION)
    if isinstance(reason, str) and reason.strip():
        return
    daemonset = _object_name(args.props, args.name)
    for label, container in _containers(_pod_spec(args.props)):
        if _dig(container, "securityContext", "privileged") is True:
            report_violation(
                f"DaemonSet {daemonset}: {label} is privileged but the pod template has no non-empty "
                f"{PRIVILEGED_REASON_ANNOTATION} annotation; write down why the capabilities it names are not "
                "enough, or drop privileged: true",
                None,
            )


# --------------------------------------------------------------------------------------------- (e) must-cover


def _tolerates_every(tolerations: Sequence[Any], effect: str) -> bool:
    """Whether some toleration matches every taint with ``effect``, for good (no tolerationSeconds)."""
    for toleration in tolerations:
        toleration = _mapping(toleration)
        if (
            toleration.get("key") in (None, "")
            and toleration.get("operator") == "Exists"
            and toleration.get("effect") in (None, "", effect)
            and toleration.get("tolerationSeconds") is None
        ):
            return True
    return False


def _must_cover(props: Mapping[str, Any]) -> bool:
    for labels in (_dig(props, "metadata", "labels"), _dig(_pod_template(props), "metadata", "labels")):
        if _mapping(labels).get(COVERAGE_LABEL) == "all":
            return True
    return False


def _validate_must_cover(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if not _is_daemonset(args) or not _must_cover(args.props):
        return
    daemonset = _object_name(args.props, args.name)
    tolerations = _sequence(_pod_spec(args.props).get("tolerations"))
    if not tolerations:
        report_violation(
            f"DaemonSet {daemonset} is labelled {COVERAGE_LABEL}: all but has no tolerations, so any tainted node "
            "group goes without it; add {operator: Exists} (every taint) or {operator: Exists, effect: NoSchedule} "
            "and {operator: Exists, effect: NoExecute}",
            None,
        )
        return
    missing = [effect for effect in ("NoSchedule", "NoExecute") if not _tolerates_every(tolerations, effect)]
    if missing:
        report_violation(
            f"DaemonSet {daemonset} is labelled {COVERAGE_LABEL}: all but does not tolerate every "
            f"{' and every '.join(missing)} taint, so a node group tainted that way goes without it; add "
            "{operator: Exists} (every taint) or {operator: Exists, effect: <effect>} without tolerationSeconds",
            None,
        )


# --------------------------------------------------------------------------------------------- (f) namespaces


def _validate_namespace_psa(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
    if args.resource_type != NAMESPACE:
        return
    namespace = _object_name(args.props, args.name)
    labels = _mapping(_dig(args.props, "metadata", "labels"))
    if PSA_ENFORCE not in labels:
        report_violation(
            f"Namespace {namespace} has no {PSA_ENFORCE} label; set it to one of {', '.join(PSA_LEVELS)} (the "
            "least the namespace's pods need), so the API server enforces a Pod Security Standard there",
            None,
        )
    for mode in PSA_MODES:
        key = PSA_PREFIX + mode
        if key in labels and labels[key] not in PSA_LEVELS:
            report_violation(
                f"Namespace {namespace}: label {key}={labels[key]!r} is not a Pod Security level; allowed: "
                f"{', '.join(PSA_LEVELS)}",
                None,
            )


# --------------------------------------------------------------------------------------------- (g) PSA fit

# Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards), the checks a DaemonSet
# for a node agent can plausibly trip. Not every rule is here (sysctls, SELinux, AppArmor, Windows are not).
_BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
        "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)
_RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)


def _strip_cap(name: Any) -> str:
    text = str(name).upper()
    return text[4:] if text.startswith("CAP_") else text


def pod_security_problems(template: Mapping[str, Any], level: str) -> list[str]:
    """What in a pod template the Pod Security Standard ``level`` forbids (empty for ``privileged``)."""
    if level not in ("baseline", "restricted"):
        return []
    spec = _mapping(template.get("spec"))
    problems: list[str] = []
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field) is True:
            problems.append(f"{field}: true")
    volumes = [_mapping(volume) for volume in _sequence(spec.get("volumes"))]
    for volume in volumes:
        if "hostPath" in volume:
            problems.append(f'hostPath volume "{volume.get("name")}"')
    pod_context = _mapping(spec.get("securityContext"))
    pod_seccomp = _dig(pod_context, "seccompProfile", "type")
    if pod_seccomp == "Unconfined":
        problems.append("pod seccompProfile Unconfined")
    containers = list(_containers(spec))
    for label, container in containers:
        context = _mapping(container.get("securityContext"))
        if context.get("privileged") is True:
            problems.append(f"{label} privileged")
        added = {_strip_cap(c) for c in _sequence(_dig(context, "capabilities", "add"))}
        if added - _BASELINE_CAPABILITIES:
            problems.append(f"{label} adds capabilities {', '.join(sorted(added - _BASELINE_CAPABILITIES))}")
        for port in _sequence(container.get("ports")):
            host_port = _mapping(port).get("hostPort")
            if host_port not in (None, 0):
                problems.append(f"{label} hostPort {host_port}")
        if context.get("procMount") not in (None, "Default"):
            problems.append(f"{label} procMount {context.get('procMount')}")
        if _dig(context, "seccompProfile", "type") == "Unconfined":
            problems.append(f"{label} seccompProfile Unconfined")
    if level == "baseline":
        return problems
    for volume in volumes:
        kinds = [key for key in volume if key != "name"]
        if kinds and not set(kinds) <= _RESTRICTED_VOLUMES and "hostPath" not in volume:
            problems.append(f'{"/".join(sorted(kinds))} volume "{volume.get("name")}"')
    for label, container in containers:
        context = _mapping(container.get("securityContext"))
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{label} without allowPrivilegeEscalation: false")
        run_as_non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if run_as_non_root is not True:
            problems.append(f"{label} without runAsNonRoot: true")
        if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
            problems.append(f"{label} runAsUser 0")
        if _dig(context, "seccompProfile", "type") is None and pod_seccomp not in CONFINED_SECCOMP:
            problems.append(f"{label} without a RuntimeDefault or Localhost seccomp profile")
        dropped = {_strip_cap(c) for c in _sequence(_dig(context, "capabilities", "drop"))}
        if "ALL" not in dropped:
            problems.append(f"{label} without capabilities.drop: [ALL]")
        # Capabilities outside the baseline set were reported above; restricted allows only NET_BIND_SERVICE.
        added = {_strip_cap(c) for c in _sequence(_dig(context, "capabilities", "add"))}
        extra = (added & _BASELINE_CAPABILITIES) - {"NET_BIND_SERVICE"}
        if extra:
            problems.append(f"{label} adds capabilities {', '.join(sorted(extra))}")
    return problems


def _validate_psa_fit(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    levels: dict[str, str] = {}
    for resource in args.resources:
        if resource.resource_type == NAMESPACE:
            name = _dig(resource.props, "metadata", "name")
            level = _mapping(_dig(resource.props, "metadata", "labels")).get(PSA_ENFORCE)
            if isinstance(name, str) and level in PSA_LEVELS:
                levels[name] = level
    for resource in args.resources:
        if resource.resource_type != DAEMONSET:
            continue
        namespace = _dig(resource.props, "metadata", "namespace")
        level = levels.get(namespace) if isinstance(namespace, str) else None
        if level is None:
            continue
        problems = pod_security_problems(_pod_template(resource.props), level)
        if problems:
            report_violation(
                f"DaemonSet {_object_name(resource.props, resource.name)}: namespace {namespace} enforces Pod "
                f"Security level {level!r}, which rejects these pods for {'; '.join(problems)}; loosen the "
                f"namespace's {PSA_ENFORCE} label or the pod spec",
                resource.urn,
            )


# --------------------------------------------------------------------------------------------- the pack

POLICIES = [
    ResourceValidationPolicy(
        name="daemonset-container-resources",
        description="Every container and init container of a DaemonSet requests cpu and memory and limits memory.",
        validate=_validate_resources,
    ),
    ResourceValidationPolicy(
        name="daemonset-image-pinned",
        description=(
            "Every DaemonSet image is pinned by a digest or an exact MAJOR.MINOR.PATCH tag: no latest, no floating "
            "tag such as stable, v1 or 1.2."
        ),
        validate=_validate_image_pinned,
    ),
    ResourceValidationPolicy(
        name="daemonset-seccomp",
        description="Every DaemonSet container runs under a RuntimeDefault or Localhost seccomp profile.",
        validate=_validate_seccomp,
    ),
    ResourceValidationPolicy(
        name="daemonset-privileged-needs-reason",
        description=(
            f"A privileged DaemonSet container needs a non-empty {PRIVILEGED_REASON_ANNOTATION} annotation on its pod "
            "template."
        ),
        validate=_validate_privileged,
    ),
    ResourceValidationPolicy(
        name="daemonset-must-cover-tolerations",
        description=(
            f"A DaemonSet labelled {COVERAGE_LABEL}: all tolerates every NoSchedule and NoExecute taint, so it runs on "
            "every node."
        ),
        validate=_validate_must_cover,
    ),
    ResourceValidationPolicy(
        name="namespace-pod-security-labels",
        description=f"Every Namespace carries a {PSA_ENFORCE} label with a valid Pod Security level.",
        validate=_validate_namespace_psa,
    ),
    StackValidationPolicy(
        name="daemonset-fits-namespace-pod-security",
        description="A DaemonSet's pods pass the Pod Security level enforced by the stack's Namespace they run in.",
        validate=_validate_psa_fit,
    ),
]
