"""The policies on each container of a node agent's pod template.

(a) ``daemonset-container-resources``, (b) ``daemonset-image-pinned`` (with :func:`image_pin_problem`),
(c) ``daemonset-seccomp`` and (d) ``daemonset-privileged-needs-reason``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from pulumi_policy import ReportViolation, ResourceValidationArgs

from pod_security_policies import CONFINED_SECCOMP
from resource_props import _containers, _dig, _is_daemonset, _mapping, _object_name, _pod_spec, _pod_template, _present

__all__ = ["FLOATING_TAGS", "PRIVILEGED_REASON_ANNOTATION", "image_pin_problem"]

PRIVILEGED_REASON_ANNOTATION = "eks-daemonsets.io/privileged-reason"

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
