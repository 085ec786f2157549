"""The node agents: ``node_agent`` is the shared base, and each agent sits beside its config builder
(``fluentd`` + ``fluentd_conf``, ``falco`` + ``falco_conf``, ``node_exporter`` + ``node_exporter_args``)."""
