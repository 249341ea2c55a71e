#!/usr/bin/python3
"""Checks a bench.json against docs/bench.schema.json (JSON Schema 2020-12).

Usage: validate-bench-json.py SCHEMA BENCH_JSON
Exit status 0 when valid; 1 with every violation listed otherwise; 2 when
the files cannot be read or python3-jsonschema is missing.
"""
import json
import sys

try:
    import jsonschema
except ImportError:
    print("validate-bench-json: python3-jsonschema is missing; "
          "run scripts/setup.sh", file=sys.stderr)
    sys.exit(2)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            schema = json.load(f)
        with open(argv[2]) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        print(f"validate-bench-json: {e}", file=sys.stderr)
        return 2
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "(root)"
        print(f"{argv[2]}: {where}: {error.message}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
