"""mqsim_sweep_test: a Bazel test sweeping stock scenarios over a seed range."""

load("@rules_cc//cc:defs.bzl", "cc_test")

def mqsim_sweep_test(name, scenario = "all", seeds = "1..3", corpus = False, swarm = False, backend = "", shard_count = 1, **kwargs):
    """Sweeps `scenario` (a stock scenario's name, or "all") over `seeds` ("A..B").

    Honours Bazel's sharding protocol: with shard_count > 1 (or a remote executor) the
    (scenario, seed) pairs are split across shards in contiguous slices (scenarios/shard.h,
    as `mqsim sweep --shard`). Every failure prints its REPRO line in
    the test log; results also go to XML_OUTPUT_FILE. --test_env=MQSIM_SEEDS=N narrows a
    run to one seed. swarm = True draws every seed's fault mix from the seed; backend
    ("rocksmq" or "natsmq") runs every scenario that names an engine on that one instead.
    """
    cc_test(
        name = name,
        srcs = ["//scenarios:sweep_test_main.cc"],
        env = {
            "MQSIM_SCENARIO": scenario,
            "MQSIM_SEEDS": seeds,
            "MQSIM_CORPUS": "1" if corpus else "0",
            "MQSIM_SWARM": "1" if swarm else "0",
            "MQSIM_BACKEND": backend,
        },
        shard_count = shard_count,
        deps = [
            "//backends:message_queue",
            "//base:bug_modes",
            "//scenarios:cluster",
            "//scenarios:driver",
            "//scenarios:embedded",
            "//scenarios:report",
            "//scenarios:runner",
            "//scenarios:scenario",
        ],
        **kwargs
    )
