"""The EKS cluster, its managed node groups and the Kubernetes provider, as registered for the dev stack."""

from __future__ import annotations

import json

from offline.mocks import SECRET, RunResult
from tests.conftest import dev_config, run_config


def _cluster(result: RunResult):
    (cluster,) = result.of_type("eks:index:Cluster")
    return cluster


def _node_groups(result: RunResult) -> dict:
    return {r.inputs["labels"]["eks-daemonsets.io/node-group"]: r for r in result.of_type("eks:index:ManagedNodeGroup")}


def test_cluster_uses_access_entries_oidc_logging_and_no_default_node_group(dev: RunResult) -> None:
    inputs = _cluster(dev).inputs
    assert inputs["name"] == "dev-agents"
    assert inputs["version"] == "1.35"
    assert inputs["authenticationMode"] == "API"
    assert inputs["createOidcProvider"] is True
    assert inputs["skipDefaultNodeGroup"] is True
    assert inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    assert inputs["endpointPrivateAccess"] is True


def test_cluster_name_defaults_to_project_and_stack() -> None:
    config = dev_config()
    del config["eks-daemonsets:cluster"]["name"]
    result = run_config(config, stack="staging")
    assert _cluster(result).inputs["name"] == "eks-daemonsets-staging"
    assert result.outputs["clusterName"] == "eks-daemonsets-staging"


def test_one_managed_node_group_per_configured_group(dev: RunResult) -> None:
    groups = _node_groups(dev)
    assert sorted(groups) == ["general", "gpu", "pci", "system"]
    assert dev.outputs["nodeGroupNames"] == ["system", "general", "gpu", "pci"]


def test_node_group_carries_labels_taints_in_eks_form_scaling_and_capacity(dev: RunResult) -> None:
    system = _node_groups(dev)["system"].inputs
    assert system["labels"] == {"eks-daemonsets.io/node-group": "system", "node-role": "system"}
    assert system["taints"] == [{"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}]
    assert system["scalingConfig"] == {"minSize": 2, "desiredSize": 2, "maxSize": 4}
    assert system["capacityType"] == "ON_DEMAND"
    assert system["amiType"] == "AL2023_x86_64_STANDARD"
    assert system["instanceTypes"] == ["t3.large"]

    pci = _node_groups(dev)["pci"].inputs
    assert pci["taints"] == [{"key": "compliance", "value": "pci", "effect": "NO_EXECUTE"}]
    general = _node_groups(dev)["general"].inputs
    assert general["capacityType"] == "SPOT"
    assert "taints" not in general


def test_prefer_no_schedule_taint_converts_to_eks_form() -> None:
    config = dev_config()
    config["eks-daemonsets:nodeGroups"][1]["taints"] = [{"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}]
    general = _node_groups(run_config(config))["general"].inputs
    assert general["taints"] == [{"key": "spot", "value": "yes", "effect": "PREFER_NO_SCHEDULE"}]


def test_every_child_of_the_cluster_component_has_it_as_parent(dev: RunResult) -> None:
    (component,) = dev.of_type("eks-daemonsets:index:EksCluster")
    children = [r for r in dev.resources if r.parent == component.urn]
    kinds = sorted({r.type for r in children})
    assert kinds == [
        "aws:eks/addon:Addon",
        "aws:iam/role:Role",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "eks:index:Cluster",
        "eks:index:ManagedNodeGroup",
        "pulumi:providers:kubernetes",
    ]
    assert len(children) == 1 + 1 + 3 + 1 + 4 + 1


def test_nodes_role_joins_the_cluster_and_node_groups_wait_for_its_policies(dev: RunResult) -> None:
    (role,) = dev.of_type("aws:iam/role:Role")[:1]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    attachments = {r.urn for r in dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")}
    assert {r.inputs["policyArn"] for r in dev.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")} == {
        "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
        "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
        "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    }
    for group in dev.of_type("eks:index:ManagedNodeGroup"):
        assert attachments <= set(group.depends_on)


def test_kubernetes_provider_is_built_from_the_cluster_kubeconfig(dev: RunResult) -> None:
    (provider,) = dev.of_type("pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.inputs["kubeconfig"])
    assert kubeconfig["clusters"][0]["name"] == "dev-agents"


def test_kubeconfig_output_is_secret(dev: RunResult) -> None:
    assert dev.outputs["kubeconfig"] == SECRET


def test_admin_principals_get_cluster_admin_access_entries_and_a_vpc_is_used_when_given() -> None:
    config = dev_config()
    admin = "arn:aws:iam::123456789012:role/platform-admins"
    config["eks-daemonsets:cluster"].update(
        {
            "adminPrincipalArns": [admin],
            "vpc": {"id": "vpc-0123456789abcdef0", "privateSubnetIds": ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]},
            "publicAccessCidrs": ["203.0.113.0/24"],
        }
    )
    result = run_config(config)
    (entry,) = result.of_type("aws:eks/accessEntry:AccessEntry")
    assert entry.inputs["principalArn"] == admin
    assert entry.inputs["clusterName"] == "dev-agents"
    assert entry.inputs["type"] == "STANDARD"
    (association,) = result.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert association.parent == entry.urn
    assert association.inputs["principalArn"] == admin
    # An EKS access policy ARN, as pulumi-eks's own examples use (examples/access-entries): EKS refuses the IAM
    # policy ARN arn:aws:iam::aws:policy/AmazonEKSClusterAdminPolicy here.
    assert association.inputs["policyArn"] == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
    assert association.inputs["accessScope"] == {"type": "cluster"}
    inputs = _cluster(result).inputs
    assert "accessEntries" not in inputs
    assert inputs["vpcId"] == "vpc-0123456789abcdef0"
    assert inputs["privateSubnetIds"] == ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
    assert inputs["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_network_policies_are_enforced_by_the_vpc_cni(dev: RunResult) -> None:
    inputs = _cluster(dev).inputs
    assert inputs["useDefaultVpcCni"] is False
    assert inputs["vpcCniOptions"]["enableNetworkPolicy"] is True


def test_cluster_admin_access_policy_is_in_the_principals_partition() -> None:
    config = dev_config()
    config["eks-daemonsets:cluster"]["adminPrincipalArns"] = ["arn:aws-us-gov:iam::123456789012:role/platform-admins"]
    config["aws:region"] = "us-gov-west-1"
    (association,) = run_config(config).of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    policy = association.inputs["policyArn"]
    assert policy == "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"


def test_node_groups_in_a_given_vpc_run_in_its_private_subnets_only() -> None:
    # Without subnet_ids a ManagedNodeGroup takes the cluster's public-and-private subnet list (pulumi-eks
    # ManagedNodeGroup.subnetIds: "Default subnetIds is chosen from ... core.subnetIds"), so nodes would land in
    # public subnets, or never join where those subnets assign no public IP.
    private = ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"]
    public = ["subnet-0bbbbbbbbbbbbbbb1", "subnet-0bbbbbbbbbbbbbbb2"]
    config = dev_config()
    config["eks-daemonsets:cluster"]["vpc"] = {
        "id": "vpc-0123456789abcdef0", "privateSubnetIds": private, "publicSubnetIds": public,
    }
    result = run_config(config)
    assert _cluster(result).inputs["publicSubnetIds"] == public
    groups = result.of_type("eks:index:ManagedNodeGroup")
    assert len(groups) == 4
    assert all(group.inputs["subnetIds"] == private for group in groups)


def test_the_default_vpc_is_taken_only_when_the_stack_says_so(dev: RunResult) -> None:
    # Pulumi.dev.yaml says `vpc: default`: pulumi-eks then looks the account's default VPC up itself.
    assert "vpcId" not in _cluster(dev).inputs
    assert all("subnetIds" not in group.inputs for group in dev.of_type("eks:index:ManagedNodeGroup"))


def test_node_groups_are_named_by_eks_from_a_prefix_so_a_replacement_comes_before_the_old_group_goes(
    dev: RunResult,
) -> None:
    # A pinned nodeGroupName makes the provider delete the old group before creating its replacement (the name is
    # taken): every node of the group, and its agents, gone at once. A prefix lets EKS name the new one alongside.
    for name, group in _node_groups(dev).items():
        assert "nodeGroupName" not in group.inputs
        assert group.inputs["nodeGroupNamePrefix"] == f"{name}-"
        # Agents find the group through our own label, not eks.amazonaws.com/nodegroup, whose value EKS generates.
        assert group.inputs["labels"]["eks-daemonsets.io/node-group"] == name


def test_true_false_and_numbers_typed_as_config_values_are_their_string_form() -> None:
    # `pulumi config set --path 'eks-daemonsets:nodeGroups[2].labels.gpu' true` stores a boolean, and a digit string
    # as an integer (so does YAML); Kubernetes and AWS hold them as the strings "true" and "1".
    config = dev_config()
    config["eks-daemonsets:cluster"]["tags"] = {"cost-center": 1234, "billable": False}
    gpu = config["eks-daemonsets:nodeGroups"][2]
    gpu["labels"] = {"node-role": "gpu", "accelerator": "nvidia", "gpu": True, "rack": 7}
    gpu["taints"] = [{"key": "nvidia.com/gpu", "value": True, "effect": "NoSchedule"}]
    config["eks-daemonsets:agents"]["nodeExporter"]["targeting"] = {
        "nodeSelector": {"monitored": True},
        "nodeAffinity": [{"key": "rack", "operator": "Gt", "values": [3]}],
        "tolerations": [{"key": "nvidia.com/gpu", "operator": "Equal", "value": True, "effect": "NoSchedule"},
                        {"key": "compliance", "operator": "Exists"}, {"key": "CriticalAddonsOnly", "operator": "Exists"}],
    }
    config["eks-daemonsets:agents"]["nodeExporter"]["coverage"] = "any"
    config["eks-daemonsets:nodeGroups"][0]["labels"]["monitored"] = True
    config["eks-daemonsets:nodeGroups"][0]["labels"]["rack"] = 4
    config["eks-daemonsets:agents"]["fluentd"]["resources"] = {
        "requests": {"cpu": 0.5, "memory": "256Mi"}, "limits": {"cpu": 1, "memory": "512Mi"},
    }
    result = run_config(config)
    assert _cluster(result).inputs["tags"] == {"billable": "false", "cost-center": "1234"}
    group = _node_groups(result)["gpu"].inputs
    assert group["labels"]["gpu"] == "true" and group["labels"]["rack"] == "7"
    assert group["taints"] == [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}]
    daemonsets = {r.inputs["metadata"]["name"]: r.inputs["spec"]["template"]["spec"] for r in
                  result.of_type("kubernetes:apps/v1:DaemonSet")}
    exporter = daemonsets["node-exporter"]
    assert exporter["nodeSelector"] == {"monitored": "true"}
    assert {"key": "rack", "operator": "Gt", "values": ["3"]} in (
        exporter["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
        ["matchExpressions"]
    )
    assert {"key": "nvidia.com/gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"} in exporter["tolerations"]
    assert daemonsets["fluentd"]["containers"][0]["resources"]["requests"]["cpu"] == "0.5"
    assert result.outputs["placement"]["nodeExporter"]["system"]["runs"] is True
