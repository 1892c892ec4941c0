#!/usr/bin/env python3
"""Prints the markdown tables of benches/README.md from criterion's results.

Usage: python3 benches/report.py [CRITERION_DIR]
CRITERION_DIR defaults to $CARGO_TARGET_DIR/criterion or target/criterion.

Every number is criterion's median estimate of one iteration, from the same
run; ratios divide two medians of that run.
"""

import json
import os
import sys


def load(root):
    results = {}
    for group in sorted(os.listdir(root)):
        gdir = os.path.join(root, group)
        if not os.path.isdir(gdir) or group == "report":
            continue
        for dirpath, _dirs, files in os.walk(gdir):
            if os.path.basename(dirpath) != "new" or "estimates.json" not in files:
                continue
            with open(os.path.join(dirpath, "benchmark.json")) as f:
                meta = json.load(f)
            with open(os.path.join(dirpath, "estimates.json")) as f:
                est = json.load(f)
            results.setdefault(meta["group_id"], {})[meta["function_id"]] = est["median"]["point_estimate"]
    return results


def fmt(ns):
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.2f µs" % (ns / 1e3)
    return "%.1f ns" % ns


ORDER = ["harness", "mqtt-sansio/v4", "mqtt-sansio-ref/v4", "mqttbytes/v4", "rumqttc/v4", "mqttrs/v4", "mqtt-protocol/v4",
         "mqtt-sansio/v5", "mqtt-sansio-ref/v5", "mqttbytes/v5", "rumqttc/v5", "memcpy/64KiB", "memcpy_at_37/64KiB"]


def table(results):
    out = []
    for group in sorted(results):
        funcs = results[group]
        base = funcs.get("mqttbytes/v4")
        out.append("#### `%s`\n" % group)
        out.append("| codec | median | × mqttbytes/v4 |")
        out.append("|---|---:|---:|")
        names = [n for n in ORDER if n in funcs] + sorted(n for n in funcs if n not in ORDER)
        for name in names:
            ratio = "%.2f" % (funcs[name] / base) if base else "—"
            extra = ""
            if group.startswith("decode_stream"):
                extra = " (%.1f M packets/s)" % (10_000 / funcs[name] * 1e3)
            out.append("| %s | %s%s | %s |" % (name, fmt(funcs[name]), extra, ratio))
        out.append("")
    return "\n".join(out)


def targets(r):
    rows = []

    def get(group, func):
        return r.get(group, {}).get(func)

    def ratio(label, a, b, limit, cmp="≤"):
        if a is None or b is None:
            rows.append("| %s | not measured | %s %s | — |" % (label, cmp, limit))
            return
        x = a / b
        ok = x <= limit if cmp == "≤" else x < limit
        rows.append("| %s | %.2f | %s %s | %s |" % (label, x, cmp, limit, "met" if ok else "**missed**"))

    # Each decode target is reported for both decoders, each labelled:
    # owned (`decode` -> `Packet`) and borrowed (`decode_ref` -> `PacketRef`).
    for path in ("mqtt-sansio", "mqtt-sansio-ref"):
        for v in ("v4", "v5"):
            ours = "%s/%s" % (path, v)
            peer = "mqttbytes/" + v
            ratio("decode PUBLISH 16 B, %s ÷ %s" % (ours, peer),
                  get("decode_publish_qos0_16B", ours), get("decode_publish_qos0_16B", peer), 0.4)
        ours = path + "/v4"
        ratio("decode PUBLISH 16 B, %s ÷ mqttrs/v4" % ours,
              get("decode_publish_qos0_16B", ours), get("decode_publish_qos0_16B", "mqttrs/v4"), 1.0, "<")
        for v in ("v4", "v5"):
            ours = "%s/%s" % (path, v)
            ratio("decode PUBLISH 64 KiB ÷ 16 B, %s" % ours,
                  get("decode_publish_qos0_64KiB", ours), get("decode_publish_qos0_16B", ours), 1.2)
        for v in ("v4", "v5"):
            ours = "%s/%s" % (path, v)
            t = get("decode_stream_10k_publish_16B", ours)
            if t is None:
                rows.append("| 10k stream, %s | not measured | ≥ 30 M/s | — |" % ours)
            else:
                rate = 10_000 / t * 1e3
                rows.append("| 10k stream, %s (M packets/s) | %.1f | ≥ 30 | %s |"
                            % (ours, rate, "met" if rate >= 30 else "**missed**"))
        ours = path + "/v4"
        ratio("decode CONNECT, %s ÷ mqttbytes/v4" % ours,
              get("decode_connect", ours), get("decode_connect", "mqttbytes/v4"), 0.35)
        ratio("decode SUBSCRIBE(5), %s ÷ mqttbytes/v4" % ours,
              get("decode_subscribe5", ours), get("decode_subscribe5", "mqttbytes/v4"), 0.4)
    ratio("encode PUBLISH 16 B, mqtt-sansio/v4 ÷ mqttbytes/v4",
          get("encode_publish_qos0_16B", "mqtt-sansio/v4"), get("encode_publish_qos0_16B", "mqttbytes/v4"), 1.0)
    for v in ("v4", "v5"):
        ratio("encode PUBLISH 64 KiB, mqtt-sansio/%s ÷ memcpy 64 KiB" % v,
              get("encode_publish_qos0_64KiB", "mqtt-sansio/" + v), get("encode_publish_qos0_64KiB", "memcpy/64KiB"), 1.1)
    head = ["| target | measured | required | |", "|---|---:|---:|---|"]
    return "\n".join(head + rows)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "criterion")
    r = load(root)
    print("### Targets\n")
    print(targets(r))
    print("\n### All groups\n")
    print(table(r))


if __name__ == "__main__":
    main()
