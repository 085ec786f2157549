"""Pod Security Admission: every Namespace enforces a level, and each DaemonSet's pods pass the level of theirs.

(f) ``namespace-pod-security-labels`` and (g) ``daemonset-fits-namespace-pod-security``, with
:func:`pod_security_problems`, the Pod Security Standards checks a node agent's pod template can trip.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, StackValidationArgs

from resource_props import DAEMONSET, NAMESPACE, _containers, _dig, _mapping, _object_name, _pod_template, _sequence

__all__ = ["CONFINED_SECCOMP", "PSA_ENFORCE", "PSA_LEVELS", "PSA_MODES", "PSA_PREFIX", "pod_security_problems"]

PSA_PREFIX = "pod-security.kubernetes.io/"
PSA_ENFORCE = PSA_PREFIX + "enforce"
PSA_MODES = ("enforce", "audit", "warn")
PSA_LEVELS = ("privileged", "baseline", "restricted")

# The seccomp profile types that confine a container: what the restricted Pod Security Standard allows, and what
# daemonset-seccomp asks of every node agent whatever its namespace enforces.
CONFINED_SECCOMP = ("RuntimeDefault", "Localhost")


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
