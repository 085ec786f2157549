"""The eks-daemonsets CrossGuard policy pack: run it with `pulumi preview --policy-pack policy`.

Only the wiring lives here: constructing the PolicyPack starts the analyzer's gRPC server and blocks, so the
policies themselves are listed in daemonset_policies.py, which the tests import.
"""

from pulumi_policy import EnforcementLevel, PolicyPack

# The CLI starts the pack with `python -m pulumi.policy <engine-address> .` in this directory, which runs this file
# with runpy.run_path("."): policy/ is first on sys.path and is not a package, so the pack's modules import one
# another by top-level name, never relatively or as policy.<module>.
from daemonset_policies import POLICIES

PolicyPack(
    name="eks-daemonsets-policies",
    policies=POLICIES,
    enforcement_level=EnforcementLevel.MANDATORY,
)
