"""The cluster the agents run on: a new EKS cluster with its node groups (``components.cluster.eks``), or one the user
already has (``components.cluster.existing``). Import the one you need: the EKS module loads the AWS SDKs."""
