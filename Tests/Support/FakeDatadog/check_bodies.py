#!/usr/bin/env python3
"""Checks Datadog API bodies against the official client's v1 models (datadog-api-client, PyPI).

The client itself deserializes leniently (unknown keys are kept as additional properties, an
unknown oneOf becomes an UnparsedObject), so this walks each body against the models' declared
types: every key must be a property of its model (unknown keys and read-only ones fail), every
required property must be there, every value must have the declared type (a string enum's value
must be one of its allowed values, a oneOf must match one of its schemas), and each property's
validations (min/max items, lengths, bounds) must hold. Then the client's own
`validate_and_convert_types` deserializes the body with type checking on, and any part it could
not parse fails.

usage:
  check_bodies.py MODEL FILE...   MODEL: dashboard, monitor, metric_metadata; a FILE holding a JSON
                                  array is checked element by element. Exit 1 on any fault.
  check_bodies.py --serve         {"ready": true} once loaded, then one request per stdin line,
                                  {"model": M, "body": B}; one answer
                                  per stdout line, {"errors": [...]} (empty when the body is good).
"""
import datetime
import inspect
import json
import sys

from datadog_api_client import Configuration
from datadog_api_client import model_utils as mu
from datadog_api_client.v1.model.dashboard import Dashboard
from datadog_api_client.v1.model.metric_metadata import MetricMetadata
from datadog_api_client.v1.model.monitor import Monitor

MODELS = {"dashboard": Dashboard, "monitor": Monitor, "metric_metadata": MetricMetadata}
CONFIGURATION = Configuration()


def required(cls):
    params = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in params if p.name not in ("self", "self_") and p.kind == p.POSITIONAL_OR_KEYWORD
            and p.default is inspect.Parameter.empty]


def check(value, types, path):
    """The faults of `value` against the union `types` (a tuple, as in openapi_types)."""
    if value is None:
        return [] if mu.none_type in types else [f"{path}: null is not allowed"]
    best = None
    for kind in types:
        faults = check_one(value, kind, path)
        if not faults:
            return []
        if best is None or len(faults) < len(best):
            best = faults
    return best or [f"{path}: no type matches"]


def check_one(value, kind, path):
    if isinstance(kind, list):
        if not isinstance(value, list):
            return [f"{path}: expected an array, found {type(value).__name__}"]
        faults = []
        for index, item in enumerate(value):
            faults += check(item, tuple(kind), f"{path}[{index}]")
        return faults
    if isinstance(kind, dict):
        if not isinstance(value, dict):
            return [f"{path}: expected an object, found {type(value).__name__}"]
        inner = tuple(next(iter(kind.values())))
        return [fault for key, item in value.items() for fault in check(item, inner, f"{path}.{key}")]
    if kind is mu.none_type:
        return [f"{path}: expected null"]
    if kind is bool:
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean, found {json.dumps(value)}"]
    if kind is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: expected an integer, found {json.dumps(value)}"]
    if kind is float:
        return [] if isinstance(value, (int, float)) and not isinstance(value, bool) else [f"{path}: expected a number, found {json.dumps(value)}"]
    if kind is str:
        return [] if isinstance(value, str) else [f"{path}: expected a string, found {json.dumps(value)}"]
    if kind in (datetime.datetime, datetime.date):
        return [] if isinstance(value, str) else [f"{path}: expected a date string"]
    if kind is dict:
        return [] if isinstance(value, dict) else [f"{path}: expected an object"]
    if isinstance(kind, type) and issubclass(kind, mu.ModelSimple):
        allowed = getattr(kind, "allowed_values", None)
        if allowed and value not in allowed:
            return [f"{path}: {json.dumps(value)} is not one of {sorted(allowed)}"]
        return check(value, tuple(kind.openapi_types["value"]), path) if not allowed else []
    if isinstance(kind, type) and issubclass(kind, mu.ModelComposed):
        schemas = kind._composed_schemas.get("oneOf", [])
        results = [check_one(value, schema, path) for schema in schemas]
        if any(not faults for faults in results):
            return []
        return min(results, key=len) if results else [f"{path}: matches no schema of {kind.__name__}"]
    if isinstance(kind, type) and issubclass(kind, mu.ModelNormal):
        if not isinstance(value, dict):
            return [f"{path}: expected a {kind.__name__} object, found {json.dumps(value)[:60]}"]
        names = {json_key: name for name, json_key in kind.attribute_map.items()}
        faults = []
        for key, item in value.items():
            name = names.get(key)
            if name is None:
                faults.append(f"{path}.{key}: not a property of {kind.__name__}")
                continue
            if name in getattr(kind, "read_only_vars", ()):
                faults.append(f"{path}.{key}: read-only in {kind.__name__}")
                continue
            faults += check(item, tuple(kind.openapi_types[name]), f"{path}.{key}")
            validations = getattr(kind, "validations", {}).get(name)
            if validations and item is not None:
                try:
                    mu.check_validations(validations, name, item, CONFIGURATION)
                except Exception as error:  # the client's ApiValueError
                    faults.append(f"{path}.{key}: {error}")
        for name in required(kind):
            if kind.attribute_map.get(name, name) not in value:
                faults.append(f"{path}: {kind.__name__} requires {kind.attribute_map.get(name, name)}")
        return faults
    return [f"{path}: cannot check type {kind!r}"]


def unparsed(model, path="body"):
    """Parts the client could not parse (UnparsedObject, or a model marked _unparsed)."""
    if isinstance(model, mu.UnparsedObject):
        return [f"{path}: the client could not parse this"]
    faults = []
    if isinstance(model, mu.OpenApiModel):
        if getattr(model, "_unparsed", False) and not isinstance(model, mu.ModelComposed):
            faults.append(f"{path}: the client could not parse this")
        store = model.__dict__.get("_data_store", {})
        for key, item in store.items():
            faults += unparsed(item, f"{path}.{key}")
        for inner in model.__dict__.get("_composed_instances", []) or []:
            faults += unparsed(inner, path)
    elif isinstance(model, list):
        for index, item in enumerate(model):
            faults += unparsed(item, f"{path}[{index}]")
    return faults


def faults(model_name, body):
    model = MODELS.get(model_name)
    if model is None:
        return [f"unknown model {model_name}"]
    found = check(body, (model,), model_name)
    if found:
        return found
    try:
        parsed = mu.validate_and_convert_types(body, (model,), [model_name], True, True, configuration=CONFIGURATION)
    except Exception as error:
        return [f"{model_name}: {error}"]
    return unparsed(parsed, model_name)


def main(argv):
    if argv[1:] == ["--serve"]:
        # The imports above take seconds on a loaded machine: say when requests can be answered.
        print(json.dumps({"ready": True}), flush=True)
        for line in sys.stdin:
            request = json.loads(line)
            print(json.dumps({"errors": faults(request["model"], request["body"])}), flush=True)
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    failed = False
    for file in argv[2:]:
        with open(file) as handle:
            body = json.load(handle)
        for index, item in enumerate(body if isinstance(body, list) else [body]):
            for fault in faults(argv[1], item):
                failed = True
                print(f"{file}[{index}]: {fault}" if isinstance(body, list) else f"{file}: {fault}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
