"""Coverage and rollout of ours and the anchors' DaemonSets on one simulated 1,000-node cluster (``make bench-scale``).

    python -m benchmarks.scale_bench [--nodes 1000] [--window 120] [--startup-seconds 0 5] [--no-pulumi]

One scenario per ``--startup-seconds`` value (how long kwok takes to make a scheduled pod Ready; 0 is kwok's own
instant), each on its own cluster (``LocalCluster("eks-daemonsets-bench", port=16447)``, stopped at the end whatever
happens):

1. ``--nodes`` kwok nodes, shared among the dev stack's node groups in proportion to their ``desired`` sizes and
   labelled and tainted as EKS does (``local.nodes.eks_nodes``).
2. Our three DaemonSets, rendered from the dev stack in existing-cluster mode under the recording mocks, and the
   anchors' DaemonSets, built from the facts of their shipped manifests (``anchors.yaml``, ``anchors.py``), applied straight. DaemonSets that take the same host
   port (both node-exporters take 9100, as on a real node) can't share a node, so they run in separate phases, ours
   first.
3. Coverage: per node group, how many nodes run a ready pod of each DaemonSet.
4. Rollout, one DaemonSet at a time: ``kubectl set image`` of the first container to a new tag, then a watch of its
   pods until every node has a ready pod of the new image. From the watch (every pod change, not samples): the
   most nodes without a ready agent at any moment (no pod that is Ready and not terminating), the most without an
   *available* one (ready for minReadySeconds, what maxUnavailable bounds), and the waves. A DaemonSet that replaces
   one node at a time is watched for ``--window`` seconds only, then frozen (updateStrategy OnDelete), and its
   figures are projected from its rate.
5. ``pulumi up`` of our three agents through the real engine (``local.stack.LocalStack``, existing-cluster config as
   ``make local-up`` sets it) on the same nodes, a no-change ``pulumi preview``, and ``pulumi destroy``, timed (first
   scenario only).

Figures are printed, never asserted; ``--out`` (``build/bench/scale``) keeps, per scenario, ``startup-<s>s/scale.json``,
each rollout's pod events in ``watch-*.tsv`` for a second look, and the engine's output in ``pulumi.log``.

The modules, in the order a scenario uses them: ``targets.py`` (what is measured), ``layout.py`` (node counts, phases),
``cluster.py`` (the cluster, applying, waiting), ``figures.py`` (settings and coverage), ``rollout_watch.py`` over
``rollout.py`` (a rollout, watched and followed), ``pulumi_timing.py``, ``machine.py``, ``report.py`` (the table and
the goals); ``scenario.py`` runs them, ``__main__.py`` is the command line; ``anchors.py`` builds the anchors from ``anchors.yaml``.
"""
