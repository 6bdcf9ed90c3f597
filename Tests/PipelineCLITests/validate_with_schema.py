"""Validates pipeline files against `pipeline schema`'s output with jsonschema (the test peer).

usage: validate_with_schema.py SCHEMA FILE...

Checks the schema itself against draft 2020-12 (exit 1 if it is not a valid schema), then prints
one JSON line per file: {"file": FILE, "errors": ["stages/x/per_page: message", ...]}.
"""

import json
import sys

import jsonschema


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in sys.argv[2:]:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        errors = []
        for error in validator.iter_errors(document):
            # An if/then failure is reported inside the "then": its deepest causes name the key.
            for leaf in error.context or [error]:
                location = "/".join(str(step) for step in leaf.absolute_path)
                errors.append(f"{location}: {leaf.message}")
        print(json.dumps({"file": path, "errors": sorted(errors)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
