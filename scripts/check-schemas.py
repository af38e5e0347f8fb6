#!/usr/bin/env python3
"""Check the Drehscheibe contract in Schemas/ with Python jsonschema (draft 2020-12).

What it checks:
  * every *.schema.json is a valid draft 2020-12 schema with $schema, an $id that mirrors its path,
    a title, anchored patterns, resolvable $refs (no network), known code lists and closed objects;
  * every code list and the catalogue match their meta schemas (Schemas/meta/);
  * the four Drehscheibe keywords x-codeList, x-mrz, x-notInFuture, x-dateOrder, implemented here
    as a cross-check of the Swift validator;
  * every valid-*.json example passes envelope + data validation and names a schema and source
    the catalogue allows; every invalid-*.json fails with exactly the errors of its .expect.json;
  * every catalogue entry has schemas, examples, routing pointers that exist, and AsyncAPI coverage
    (messages, channels, send/receive operations per agency kind);
  * the generated code lists are up to date (scripts/generate-codelists.py --check).

Error locations follow the JSON Schema output format: instanceLocation is a JSON pointer into the
whole envelope; keyword is the last segment of the failing keywordLocation. For required the location
is the object missing the member; for additionalProperties / unevaluatedProperties it is the
unexpected member itself; for x-dateOrder it is the object carrying the keyword.

Requires: python3 -m pip install "jsonschema>=4.18" rfc3339-validator pyyaml
Usage: scripts/check-schemas.py [-v]     exit status 0 when everything passes
"""

import datetime
import glob
import json
import os
import re
import subprocess
import sys
import zoneinfo

try:
    import yaml
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError
    from referencing import Registry, Resource
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT202012
except ImportError as exc:  # pragma: no cover
    print(f"check-schemas: missing Python package ({exc}); "
          "install with: python3 -m pip install 'jsonschema>=4.18' rfc3339-validator pyyaml", file=sys.stderr)
    sys.exit(2)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCHEMAS = os.path.join(REPO, "Schemas")
BASE = "https://drehscheibe.example/schemas/"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
CLOCK_SKEW = datetime.timedelta(seconds=300)
VERBOSE = "-v" in sys.argv

AGENCY_KINDS = ["abh", "av", "aa", "bamf", "bpol", "bka", "bsi", "bfv", "bnd", "mad", "zka", "lpol", "lfv", "ae", "ba", "bva", "hub"]
INSTANCE_KINDS = {"abh", "av", "lpol", "lfv", "ae"}
REQUIRED_CHANNELS = {  # address -> (binding kind, name)
    "exchange": {"case.ingress", "case.deliver", "case.dead", "case.retry"},
    "queue": {"router.ingress", "inbox.{agency}", "dead.letters", "retry.5s", "retry.30s", "retry.5m"},
}


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = []
        self.sections = []

    def ok(self, what):
        self.passed += 1
        if VERBOSE:
            print(f"  ok   {what}")

    def fail(self, what, detail):
        self.failed.append((what, detail))
        print(f"  FAIL {what}: {detail}")

    def check(self, cond, what, detail=""):
        (self.ok(what) if cond else self.fail(what, detail))
        return cond


R = Report()


def rel(path):
    return os.path.relpath(path, SCHEMAS)


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def pointer(parts):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# --------------------------------------------------------------------------- semantic keywords

CODELISTS = {}


def codes(name):
    if name not in CODELISTS:
        path = os.path.join(SCHEMAS, "codelists", name + ".json")
        CODELISTS[name] = {e["code"] for e in load_json(path)["entries"]} if os.path.exists(path) else None
    return CODELISTS[name]


def x_codelist(validator, name, instance, schema):
    if not isinstance(instance, str):
        return
    known = codes(name)
    if known is None:
        yield ValidationError(f"unknown code list {name!r}")
    elif instance not in known:
        yield ValidationError(f"{instance!r} is not a code of the code list {name}")


def mrz_value(ch):
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - ord("A") + 10
    return 0  # '<'


def check_digit(field):
    weights = (7, 3, 1)
    return str(sum(mrz_value(c) * weights[i % 3] for i, c in enumerate(field)) % 10)


def td3_problems(mrz):
    lines = mrz.split("\n")
    if len(lines) != 2 or any(len(line) != 44 for line in lines):
        return ["not 2 lines of 44 characters"]
    if any(not re.fullmatch(r"[A-Z0-9<]{44}", line) for line in lines):
        return ["characters outside A-Z, 0-9, <"]
    if lines[0][0] != "P":
        return ["TD3 line 1 must start with P"]
    l2 = lines[1]
    problems = []
    for name, field, digit in (("document number", l2[0:9], l2[9]), ("birth date", l2[13:19], l2[19]),
                               ("expiry date", l2[21:27], l2[27])):
        if check_digit(field) != digit:
            problems.append(f"{name} check digit {digit} should be {check_digit(field)}")
    optional, opt_digit = l2[28:42], l2[42]
    if not (opt_digit == "<" and set(optional) == {"<"}) and check_digit(optional) != opt_digit:
        problems.append(f"optional data check digit {opt_digit} should be {check_digit(optional)}")
    composite = l2[0:10] + l2[13:20] + l2[21:43]
    if check_digit(composite) != l2[43]:
        problems.append(f"composite check digit {l2[43]} should be {check_digit(composite)}")
    return problems


def x_mrz(validator, kind, instance, schema):
    if not isinstance(instance, str):
        return
    if kind != "td3":
        yield ValidationError(f"unsupported x-mrz kind {kind!r}")
        return
    problems = td3_problems(instance)
    if problems:
        yield ValidationError("machine-readable zone invalid: " + "; ".join(problems))


def parse_temporal(value):
    """(kind, value) for date-time, full date or partial date strings; None if unparsable."""
    if not isinstance(value, str):
        return None
    try:
        if "T" in value or "t" in value:
            v = value.replace("Z", "+00:00").replace("z", "+00:00")
            dt = datetime.datetime.fromisoformat(v)
            return ("datetime", dt) if dt.tzinfo else None
        if re.fullmatch(r"[0-9]{4}", value):
            return ("date", datetime.date(int(value), 1, 1))
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}", value):
            return ("date", datetime.date(int(value[:4]), int(value[5:]), 1))
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return ("date", datetime.date.fromisoformat(value))
    except ValueError:
        return None
    return None


def x_not_in_future(validator, enabled, instance, schema):
    if not enabled:
        return
    parsed = parse_temporal(instance)
    if parsed is None:
        return  # format / pattern report it
    kind, value = parsed
    now = datetime.datetime.now(datetime.timezone.utc)
    if kind == "datetime" and value > now + CLOCK_SKEW:
        yield ValidationError(f"{instance!r} is in the future")
    if kind == "date" and value > now.astimezone(BERLIN).date():
        yield ValidationError(f"{instance!r} is in the future")


def x_date_order(validator, pairs, instance, schema):
    if not isinstance(instance, dict):
        return
    for first, second in pairs:
        if first in instance and second in instance:
            a, b = parse_temporal(instance[first]), parse_temporal(instance[second])
            if a is None or b is None or a[0] != b[0]:
                continue
            if not a[1] < b[1]:
                yield ValidationError(f"{first} ({instance[first]}) must be before {second} ({instance[second]})")


Validator = validators.extend(Draft202012Validator, {
    "x-codeList": x_codelist, "x-mrz": x_mrz, "x-notInFuture": x_not_in_future, "x-dateOrder": x_date_order,
})
FORMATS = Draft202012Validator.FORMAT_CHECKER


# --------------------------------------------------------------------------- registry

def schema_files():
    out = []
    for path in sorted(glob.glob(os.path.join(SCHEMAS, "**", "*.schema.json"), recursive=True)):
        if os.sep + "examples" + os.sep not in path:
            out.append(path)
    return out


def build_registry(files):
    resources = []
    docs = {}
    for path in files:
        doc = load_json(path)
        docs[path] = doc
        resources.append((doc.get("$id", "file://" + path), Resource.from_contents(doc, default_specification=DRAFT202012)))
    return Registry().with_resources(resources), docs


def walk(node, path=()):
    """Yield (json path tuple, subschema dict) for every schema object in a schema document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                for k, v in value.items():
                    yield from walk(v, path + (key, k))
            elif key in ("items", "contains", "not", "if", "then", "else", "additionalProperties",
                         "unevaluatedProperties", "propertyNames", "unevaluatedItems"):
                yield from walk(value, path + (key,))
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                for i, v in enumerate(value):
                    yield from walk(v, path + (key, i))


OPEN_OK = {  # schema objects deliberately left open (extended elsewhere and closed there)
    ("common/person.schema.json", "/$defs/personFields"),
    ("common/address.schema.json", "/$defs/address"),
    ("meta/codelist.schema.json", "/properties/entries/items"),  # entries carry list-specific fields
}


def check_schemas(files, registry, docs):
    print("schemas")
    for path in files:
        doc = docs[path]
        name = rel(path)
        expected_id = BASE + name.replace(os.sep, "/")
        problems = []
        if doc.get("$schema") != DRAFT:
            problems.append(f"$schema must be {DRAFT}")
        if doc.get("$id") != expected_id:
            problems.append(f"$id {doc.get('$id')} should be {expected_id}")
        if not doc.get("title") or not doc.get("description"):
            problems.append("title and description required")
        try:
            Draft202012Validator.check_schema(doc)
        except Exception as exc:  # SchemaError
            problems.append(f"not a valid 2020-12 schema: {exc.message if hasattr(exc, 'message') else exc}")
        resolver = registry.resolver(base_uri=doc.get("$id", ""))
        for jpath, sub in walk(doc):
            where = pointer(jpath)
            if "$ref" in sub:
                ref = sub["$ref"]
                if re.match(r"^[a-z]+:", ref) and not ref.startswith(BASE):
                    problems.append(f"{where}: network $ref {ref}")
                try:
                    resolver.lookup(ref)
                except Unresolvable as exc:
                    problems.append(f"{where}: unresolvable $ref {ref} ({exc})")
            if "pattern" in sub:
                p = sub["pattern"]
                if not (p.startswith("^") and p.endswith("$")):
                    problems.append(f"{where}: pattern not anchored")
                try:
                    re.compile(p)
                except re.error as exc:
                    problems.append(f"{where}: bad pattern ({exc})")
            if "x-codeList" in sub and codes(sub["x-codeList"]) is None:
                problems.append(f"{where}: unknown code list {sub['x-codeList']}")
            if "x-mrz" in sub and sub["x-mrz"] != "td3":
                problems.append(f"{where}: x-mrz must be td3")
            if "x-dateOrder" in sub:
                props = sub.get("properties", {})
                for pair in sub["x-dateOrder"]:
                    if len(pair) != 2 or any(p not in props for p in pair):
                        problems.append(f"{where}: x-dateOrder {pair} names unknown properties")
            if "examples" in sub and not any(k in ("if", "contains", "not") for k in jpath if isinstance(k, str)):
                wrapper = Validator({"$ref": doc.get("$id", "") + "#" + where}, registry=registry, format_checker=FORMATS)
                for example in sub["examples"]:
                    errs = errors_of(wrapper, example)
                    if errs:
                        problems.append(f"{where}: example {example!r} is invalid {errs}")
            inside_condition = any(k in ("if", "contains", "not") for k in jpath if isinstance(k, str))
            if "properties" in sub and not inside_condition and (name.replace(os.sep, "/"), where) not in OPEN_OK:
                if sub.get("additionalProperties") is not False and sub.get("unevaluatedProperties") is not False:
                    problems.append(f"{where}: object with properties is not closed "
                                    "(additionalProperties/unevaluatedProperties false)")
        R.check(not problems, name, "; ".join(problems))


# --------------------------------------------------------------------------- instances

def errors_of(validator, instance, prefix=""):
    """Drehscheibe error list [(instanceLocation, keyword)] of one validation."""
    out = []
    for err in validator.iter_errors(instance):
        loc = prefix + pointer(err.absolute_path)
        if err.validator in ("additionalProperties", "unevaluatedProperties"):
            m = re.search(r"\((.*) (?:was|were) unexpected\)", err.message)
            names = re.findall(r"'((?:[^'\\]|\\.)*)'", m.group(1)) if m else []
            if names:
                out += [(loc + pointer([n]), err.validator) for n in names]
                continue
        out.append((loc, err.validator))
    return sorted(set(out))


class Contract:
    def __init__(self, registry, docs):
        self.registry = registry
        self.by_id = {d["$id"]: d for d in docs.values() if "$id" in d}

    def validator(self, schema_id):
        return Validator(self.by_id[schema_id], registry=self.registry, format_checker=FORMATS)

    def validate_envelope(self, env):
        errs = errors_of(self.validator(BASE + "envelope/cloudevent.schema.json"), env)
        if isinstance(env, dict) and isinstance(env.get("data"), dict) and env.get("dataschema") in self.by_id:
            errs += errors_of(self.validator(env["dataschema"]), env["data"], "/data")
        return sorted(set(errs))


def agency_of_source(source):
    m = re.fullmatch(r"urn:de:migration:(.+)", source or "")
    return m.group(1).replace(":", ".") if m else None


def matches(agency, pattern):
    if agency is None:
        return False
    if pattern.endswith(".*"):
        return agency.startswith(pattern[:-1])
    return agency == pattern


def check_examples(contract, catalogue):
    print("examples")
    types = {}
    for e in catalogue["events"]:
        for v, info in e["versions"].items():
            types[f"{e['type']}.{v}"] = (e, info)
    ex_root = os.path.join(SCHEMAS, "examples")
    dirs = sorted(d for d in os.listdir(ex_root) if os.path.isdir(os.path.join(ex_root, d))) if os.path.isdir(ex_root) else []
    seen = set()
    counts = {"valid": 0, "invalid": 0}
    keywords = {}
    for d in dirs:
        full = "de.migration." + d
        if not R.check(full in types, f"examples/{d}", "no catalogue entry/version for this folder"):
            continue
        seen.add(full)
        entry, info = types[full]
        files = sorted(os.listdir(os.path.join(ex_root, d)))
        valid = [f for f in files if f.startswith("valid-") and f.endswith(".json")]
        invalid = [f for f in files if f.startswith("invalid-") and f.endswith(".json") and not f.endswith(".expect.json")]
        R.check(len(valid) >= 1 and len(invalid) >= 2, f"examples/{d} count",
                f"{len(valid)} valid and {len(invalid)} invalid (need >= 1 and >= 2)")
        for f in files:
            if not (f in valid or f in invalid or (f.endswith(".expect.json") and f[:-12] + ".json" in invalid)):
                R.fail(f"examples/{d}/{f}", "unexpected file name (valid-*.json, invalid-*.json, invalid-*.expect.json)")
        for f in valid + invalid:
            path = os.path.join(ex_root, d, f)
            name = f"examples/{d}/{f}"
            env = load_json(path)
            errs = contract.validate_envelope(env)
            expect_errs = []
            if f.startswith("valid-"):
                counts["valid"] += 1
                problems = [f"{loc or '/'} {kw}" for loc, kw in errs]
            else:
                counts["invalid"] += 1
                expect_path = path[:-5] + ".expect.json"
                if not os.path.exists(expect_path):
                    R.fail(name, "missing .expect.json")
                    continue
                expect = load_json(expect_path)
                expect_errs = sorted({(e["instanceLocation"], e["keyword"]) for e in expect.get("errors", [])})
                problems = []
                if not expect.get("reason"):
                    problems.append("expect file has no reason")
                if not expect_errs:
                    problems.append("expect file lists no errors")
                if errs != expect_errs:
                    problems.append(f"errors {errs} != expected {expect_errs}")
                for _, kw in expect_errs:
                    keywords[kw] = keywords.get(kw, 0) + 1
            # catalogue consistency: type, dataschema and source must fit unless that is the expected error
            touched = {loc for loc, _ in expect_errs}
            if "/type" not in touched and env.get("type") != full:
                problems.append(f"type {env.get('type')} does not match folder {d}")
            if "/dataschema" not in touched and env.get("dataschema") != info["$id"]:
                problems.append(f"dataschema {env.get('dataschema')} is not {info['$id']}")
            lp = env.get("legalpurpose")
            if lp is not None and "/legalpurpose" not in touched and lp not in entry["legalBasis"]:
                problems.append(f"legalpurpose {lp!r} is not in the catalogue's legalBasis {entry['legalBasis']}")
            if "/source" not in touched and not any(matches(agency_of_source(env.get("source")), p) for p in entry["producers"]):
                problems.append(f"source {env.get('source')} is not an allowed producer {entry['producers']}")
            R.check(not problems, name, "; ".join(problems))
    for t in types:
        R.check(t in seen, f"examples for {t}", "no examples folder")
    check_upcasts(contract, catalogue, ex_root)
    return counts, keywords


def upcast(data, steps):
    """Apply catalogue upcast steps (pointers relative to data) to a copy of data."""
    data = json.loads(json.dumps(data))

    def split(ptr):
        return [p.replace("~1", "/").replace("~0", "~") for p in ptr.split("/")[1:]]

    def take(ptr):
        *parents, last = split(ptr)
        node = data
        for p in parents:
            if not isinstance(node, dict) or p not in node:
                return None, False
            node = node[p]
        if isinstance(node, dict) and last in node:
            return node.pop(last), True
        return None, False

    def put(ptr, value):
        *parents, last = split(ptr)
        node = data
        for p in parents:
            node = node.setdefault(p, {})
        node[last] = value

    for step in steps:
        value, found = take(step["from"])
        if not found:
            continue
        if step["op"] == "wrap-in-array":
            put(step["path"], [value])
        elif step["op"] == "move":
            put(step["path"], value)
        else:
            raise ValueError(f"unknown upcast op {step['op']}")
    return data


def check_upcasts(contract, catalogue, ex_root):
    for e in catalogue["events"]:
        for v, info in e["versions"].items():
            up = info.get("upcastTo")
            if not up:
                continue
            target = e["versions"][up["to"]]
            folder = os.path.join(ex_root, f"{e['type'][len('de.migration.'):]}.{v}")
            for f in sorted(glob.glob(os.path.join(folder, "valid-*.json"))):
                env = load_json(f)
                env["data"] = upcast(env["data"], up["steps"])
                env["type"] = f"{e['type']}.{up['to']}"
                env["dataschema"] = target["$id"]
                errs = contract.validate_envelope(env)
                R.check(not errs, f"upcast {v}->{up['to']} of examples/{os.path.basename(folder)}/{os.path.basename(f)}",
                        f"upcast result invalid: {errs}")


# --------------------------------------------------------------------------- catalogue

def schema_at(contract, schema, parts, base_id):
    """Follow a /data/... pointer (with * for array items) through properties/items/$ref."""
    resolver = contract.registry.resolver(base_uri=base_id)
    node = schema
    for part in parts:
        for _ in range(10):
            if "$ref" in node and "properties" not in node:
                resolved = resolver.lookup(node["$ref"])
                resolver = resolved.resolver
                node = resolved.contents
            else:
                break
        if part == "*":
            node = node.get("items")
        else:
            props = dict(node.get("properties", {}))
            if part not in props and "$ref" in node:
                resolved = resolver.lookup(node["$ref"])
                props.update(resolved.contents.get("properties", {}))
            node = props.get(part)
        if node is None:
            return None
    return node


def check_catalogue(contract, catalogue):
    print("catalogue")
    meta = Validator(contract.by_id[BASE + "meta/catalogue.schema.json"], registry=contract.registry, format_checker=FORMATS)
    errs = errors_of(meta, catalogue)
    R.check(not errs, "catalogue.json matches meta/catalogue.schema.json", str(errs))
    event_files = {rel(p).replace(os.sep, "/") for p in glob.glob(os.path.join(SCHEMAS, "events", "*.schema.json"))}
    listed = set()
    kinds_seen = set()
    for e in catalogue["events"]:
        problems = []
        versions = e["versions"]
        numbers = sorted(int(v[1:]) for v in versions)
        if e["current"] != f"v{numbers[-1]}":
            problems.append(f"current {e['current']} is not the highest version")
        for v, info in versions.items():
            listed.add(info["schema"])
            expect_file = f"events/{e['type'][len('de.migration.'):]}.{v}.schema.json"
            if info["schema"] != expect_file:
                problems.append(f"{v}: schema {info['schema']} should be {expect_file}")
            if info["$id"] != BASE + info["schema"]:
                problems.append(f"{v}: $id {info['$id']} does not mirror {info['schema']}")
            if info["$id"] not in contract.by_id:
                problems.append(f"{v}: schema {info['schema']} missing")
            if info["routingKey"] != f"{e['type']}.{v}":
                problems.append(f"{v}: routingKey {info['routingKey']}")
        for pattern in e["producers"] + e["consumers"]:
            kinds_seen.add(pattern.split(".")[0])
        current_id = versions[e["current"]]["$id"]
        for route in e["routing"]:
            if route["to"] not in e["consumers"]:
                problems.append(f"route to {route['to']} is not a consumer")
            for p in route.get("fromProducers", []):
                if p not in e["producers"]:
                    problems.append(f"fromProducers {p} is not a producer")
            if "selectBy" in route and current_id in contract.by_id:
                parts = route["selectBy"].split("/")[2:]
                if schema_at(contract, contract.by_id[current_id], parts, current_id) is None:
                    problems.append(f"selectBy {route['selectBy']} not in {e['current']} schema")
        for c in e["consumers"]:
            if not any(r["to"] == c for r in e["routing"]):
                problems.append(f"consumer {c} has no route")
        R.check(not problems, e["type"], "; ".join(problems))
    R.check(listed == event_files, "every events/*.schema.json is in the catalogue",
            f"not listed: {sorted(event_files - listed)}; missing files: {sorted(listed - event_files)}")
    R.check(kinds_seen >= set(AGENCY_KINDS), "every agency kind produces or consumes",
            f"missing: {sorted(set(AGENCY_KINDS) - kinds_seen)}")


def check_codelists(contract):
    print("code lists")
    meta = Validator(contract.by_id[BASE + "meta/codelist.schema.json"], registry=contract.registry, format_checker=FORMATS)
    for path in sorted(glob.glob(os.path.join(SCHEMAS, "codelists", "*.json"))):
        doc = load_json(path)
        problems = [f"{loc} {kw}" for loc, kw in errors_of(meta, doc)]
        all_codes = [e.get("code") for e in doc.get("entries", [])]
        dup = sorted({c for c in all_codes if all_codes.count(c) > 1})
        if dup:
            problems.append(f"duplicate codes {dup}")
        R.check(not problems, rel(path), "; ".join(problems))
    gen = os.path.join(REPO, "scripts", "generate-codelists.py")
    if not os.path.isdir("/usr/share/iso-codes/json"):
        print("  skip generated code lists: Debian iso-codes not installed")
        return
    proc = subprocess.run([sys.executable, gen, "--check"], capture_output=True, text=True)
    if proc.returncode == 2:  # an input (iso-codes, shared/data) is not available on this machine
        print("  skip generated code lists: " + (proc.stderr or proc.stdout).strip().splitlines()[0])
        return
    R.check(proc.returncode == 0, "generated code lists up to date", (proc.stderr or proc.stdout).strip())


# --------------------------------------------------------------------------- asyncapi

def resolve_local(doc, ref):
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def check_asyncapi(catalogue):
    print("asyncapi")
    path = os.path.join(SCHEMAS, "asyncapi.yaml")
    if not R.check(os.path.exists(path), "asyncapi.yaml exists", "missing"):
        return
    with open(path, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    R.check(doc.get("asyncapi") == "3.0.0", "asyncapi version 3.0.0", str(doc.get("asyncapi")))
    problems = []
    # every $ref resolves (local pointer or file)
    def refs(node, where=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and isinstance(v, str):
                    yield where, v
                else:
                    yield from refs(v, f"{where}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from refs(v, f"{where}/{i}")
    for where, ref in refs(doc):
        if ref.startswith("#/"):
            if resolve_local(doc, ref) is None:
                problems.append(f"{where}: unresolved {ref}")
        else:
            target = os.path.normpath(os.path.join(SCHEMAS, ref.split("#")[0]))
            if not os.path.exists(target):
                problems.append(f"{where}: missing file {ref}")
    R.check(not problems, "asyncapi $refs resolve", "; ".join(problems[:10]))

    # channels
    found = {"exchange": set(), "queue": set()}
    channels = doc.get("channels", {})
    for cname, ch in channels.items():
        b = (ch.get("bindings") or {}).get("amqp") or {}
        if b.get("is") == "routingKey" and "exchange" in b:
            found["exchange"].add(b["exchange"].get("name"))
        if b.get("is") == "queue" and "queue" in b:
            found["queue"].add(b["queue"].get("name"))
    for kind, names in REQUIRED_CHANNELS.items():
        missing = names - found[kind]
        R.check(not missing, f"asyncapi {kind} channels", f"missing {sorted(missing)}")

    # messages per event type and version, each referencing its schema file
    messages = doc.get("components", {}).get("messages", {})
    by_name = {m.get("name"): (key, m) for key, m in messages.items()}
    wanted = {}
    for e in catalogue["events"]:
        for v, info in e["versions"].items():
            wanted[f"{e['type']}.{v}"] = (e, info)
            mkey = by_name.get(f"{e['type']}.{v}")
            if not R.check(mkey is not None, f"asyncapi message {e['type']}.{v}", "missing in components/messages"):
                continue
            text = json.dumps(mkey[1])
            R.check("./" + info["schema"] in text and "./envelope/cloudevent.schema.json" in text,
                    f"asyncapi message {e['type']}.{v} payload", f"does not reference ./{info['schema']} and the envelope")
    key_of = {f"{e['type']}.{v}": by_name[f"{e['type']}.{v}"][0] for e in catalogue["events"] for v in e["versions"]
              if f"{e['type']}.{v}" in by_name}

    # channel message sets: ingress carries every version; deliver and inbox the current versions
    # (the router upcasts deprecated versions before delivery)
    current = {key_of[f"{e['type']}.{e['current']}"] for e in catalogue["events"] if f"{e['type']}.{e['current']}" in key_of}
    for cname in channels:
        ch = channels[cname]
        addr = ch.get("address")
        expected = {"{eventType}": set(key_of.values()), "inbox.{agency}": current, "{agency}": current}.get(addr)
        if expected is not None:
            refs_ = {m.get("$ref", "").split("/")[-1] for m in ch.get("messages", {}).values()}
            R.check(refs_ == expected, f"asyncapi channel {cname} carries the event messages",
                    f"missing {sorted(expected - refs_)}, extra {sorted(refs_ - expected)}")

    # operations per agency kind: send = what the kind may produce, receive = what it consumes
    ops = doc.get("operations", {})
    for kind in AGENCY_KINDS:
        pattern = kind + ".*" if kind in INSTANCE_KINDS else kind
        produce = {key_of[t] for t, (e, _) in wanted.items() if pattern in e["producers"] and t in key_of}
        consume = {key_of[t] for t, (e, _) in wanted.items() if pattern in e["consumers"] and t in key_of and key_of[t] in current}
        for action, expected in (("send", produce), ("receive", consume)):
            if not expected:
                continue
            got = set()
            for op in ops.values():
                if op.get("action") == action and op.get("x-agencyKind") == kind:
                    for m in op.get("messages", []):
                        got.add(m.get("$ref", "").split("/")[-1])
                    ch_ref = op.get("channel", {}).get("$ref", "")
                    ch = resolve_local(doc, ch_ref) if ch_ref else None
                    if ch is None:
                        got.add("<no channel>")
                    else:
                        for m in op.get("messages", []):
                            if resolve_local(doc, m.get("$ref", "")) is None or not m.get("$ref", "").startswith(ch_ref + "/messages/"):
                                got.add("<message not of channel>")
            R.check(got == expected, f"asyncapi {action} operation of {kind}",
                    f"missing {sorted(expected - got)}, extra {sorted(got - expected)}")


# --------------------------------------------------------------------------- main

def main():
    if "date-time" not in FORMATS.checkers or "uuid" not in FORMATS.checkers:
        print("check-schemas: jsonschema cannot check format date-time; install rfc3339-validator", file=sys.stderr)
        return 2
    files = schema_files()
    registry, docs = build_registry(files)
    contract = Contract(registry, docs)
    for path in sorted(glob.glob(os.path.join(SCHEMAS, "**", "*.json"), recursive=True)):
        try:
            load_json(path)
        except ValueError as exc:
            R.fail(rel(path), f"not JSON: {exc}")
    check_schemas(files, registry, docs)
    check_codelists(contract)
    catalogue = load_json(os.path.join(SCHEMAS, "catalogue.json"))
    check_catalogue(contract, catalogue)
    counts, keywords = check_examples(contract, catalogue)
    check_asyncapi(catalogue)

    print()
    print(f"schemas: {len(files)}  event types: {len(catalogue['events'])}  "
          f"event schemas: {sum(len(e['versions']) for e in catalogue['events'])}  "
          f"code lists: {len(glob.glob(os.path.join(SCHEMAS, 'codelists', '*.json')))}")
    print(f"examples: {counts['valid']} valid, {counts['invalid']} invalid; expected error keywords: "
          + ", ".join(f"{k} {v}" for k, v in sorted(keywords.items())))
    if R.failed:
        print(f"{len(R.failed)} check(s) failed:")
        for what, detail in R.failed:
            print(f"  - {what}: {detail}")
    print(f"check-schemas: {R.passed} passed, {len(R.failed)} failed")
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
