"""The eks-daemonsets CrossGuard policy pack: run it with `pulumi preview --policy-pack policy`.

Only the wiring lives here: constructing the PolicyPack starts the analyzer's gRPC server and blocks, so the
policies themselves live in daemonset_policies.py, which the tests import.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

from daemonset_policies import POLICIES

PolicyPack(
    name="eks-daemonsets-policies",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
)
