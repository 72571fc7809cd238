#!/usr/bin/python3
"""The pysnmp baseline: the same poll (the same OIDs, in requests of the same size) with
Debian's python3-pysnmp4, the library the project this one descends from used.

Uses pysnmp the fast way it offers: one SnmpEngine and one transport target reused for every
request, synchronous hlapi getCmd, no MIB lookups. Prints one JSON object:
{"latencies_us": [...], "errors": N, "first_error": "..." or null}.
"""
import argparse
import json
import sys
import time

from pysnmp.hlapi import (CommunityData, ContextData, ObjectIdentity, ObjectType, SnmpEngine,
                          UdpTransportTarget, getCmd)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--community", default="public")
    parser.add_argument("--oids-file", required=True, help="one numeric OID per line")
    parser.add_argument("--polls", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--max-varbinds", type=int, default=128)
    args = parser.parse_args()

    with open(args.oids_file, encoding="ascii") as f:
        oids = [line.strip().lstrip(".") for line in f if line.strip()]
    chunks = [oids[i:i + args.max_varbinds] for i in range(0, len(oids), args.max_varbinds)]
    requests = [[ObjectType(ObjectIdentity(o)) for o in chunk] for chunk in chunks]

    engine = SnmpEngine()
    community = CommunityData(args.community, mpModel=1)  # v2c
    target = UdpTransportTarget((args.host, args.port), timeout=2, retries=1)
    context = ContextData()

    latencies = []
    errors = 0
    first_error = None
    for i in range(args.warmup + args.polls):
        started = time.perf_counter()
        ok = True
        for request in requests:
            error_indication, error_status, _, var_binds = next(
                getCmd(engine, community, target, context, *request, lookupMib=False))
            if error_indication or error_status or len(var_binds) != len(request):
                ok = False
                if first_error is None:
                    first_error = "%s / %s / %d of %d varbinds" % (
                        error_indication, error_status.prettyPrint() if error_status else 0,
                        len(var_binds), len(request))
                break
        elapsed = time.perf_counter() - started
        if i < args.warmup:
            continue
        if ok:
            latencies.append(elapsed * 1e6)
        else:
            errors += 1
    json.dump({"latencies_us": latencies, "errors": errors, "first_error": first_error},
              sys.stdout)
    return 0 if latencies else 1


if __name__ == "__main__":
    sys.exit(main())
