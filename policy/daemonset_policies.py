"""CrossGuard policies for the node agents this project runs as DaemonSets: the pack's list, :data:`POLICIES`.

Every policy here is a plain ``ResourceValidationPolicy`` or ``StackValidationPolicy`` object in :data:`POLICIES`;
``__main__.py`` only wraps them in a ``PolicyPack``. The pack's constructor starts a gRPC server and blocks, so
tests import this module, never ``__main__``.

The validators live in sibling modules: ``resource_props`` reads the props the engine hands over,
``container_policies`` checks each container, ``must_cover_policy`` the tolerations of an agent that covers every
node, ``pod_security_policies`` the Pod Security levels. The Pulumi CLI runs ``__main__.py`` with ``policy/`` as the
script's directory (first on ``sys.path``), not as a package, so they import one another by top-level name.

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

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from container_policies import (
    FLOATING_TAGS,
    PRIVILEGED_REASON_ANNOTATION,
    _validate_image_pinned,
    _validate_privileged,
    _validate_resources,
    _validate_seccomp,
    image_pin_problem,
)
from must_cover_policy import COVERAGE_LABEL, _validate_must_cover
from pod_security_policies import (
    PSA_ENFORCE,
    PSA_LEVELS,
    _validate_namespace_psa,
    _validate_psa_fit,
    pod_security_problems,
)
from resource_props import DAEMONSET, NAMESPACE

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
