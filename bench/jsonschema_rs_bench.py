#!/usr/bin/env python3
"""Baseline for `drehscheibe bench validate`: jsonschema-rs on the same schema and instance.

Prints one JSON object: validations per second and p50/p99 latency (ns) for
  - is_valid on an already parsed dict,
  - validate (raising on the first error) on the parsed dict,
  - json.loads + is_valid from the serialized bytes.
Format assertion is on, like the Swift validator's default.
"""
import argparse
import importlib.metadata
import json
import time

import jsonschema_rs


def measure(fn, seconds, batch=200):
    # Warm up, then time batches; per-call latency is batch time / batch size.
    for _ in range(2000):
        fn()
    samples = []
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        t0 = time.perf_counter_ns()
        for _ in range(batch):
            fn()
        samples.append((time.perf_counter_ns() - t0) / batch)
        count += batch
        if time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    samples.sort()

    def percentile(p):
        rank = max(0, min(len(samples) - 1, int(-(-p / 100 * len(samples) // 1)) - 1))
        return samples[rank]

    return {"per_sec": count / elapsed, "p50_ns": percentile(50), "p99_ns": percentile(99), "count": count}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("instance")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    with open(args.schema, encoding="utf-8") as f:
        schema = json.load(f)
    with open(args.instance, "rb") as f:
        raw = f.read()
    instance = json.loads(raw)
    compact = json.dumps(instance, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    if not validator.is_valid(instance):
        raise SystemExit("instance is not valid for jsonschema-rs: " + str(next(validator.iter_errors(instance))))

    result = {
        "version": importlib.metadata.version("jsonschema-rs"),
        "instance_bytes": len(compact),
        "is_valid": measure(lambda: validator.is_valid(instance), args.seconds),
        "validate": measure(lambda: validator.validate(instance), args.seconds),
        "parse_is_valid": measure(lambda: validator.is_valid(json.loads(compact)), args.seconds),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
