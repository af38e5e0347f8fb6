#!/usr/bin/env python3
"""Check the data-minimisation grants in Schemas/rules/projections.json and write their matrix.

projections.json (version 2) is a fail-closed allow-list: for each recipient copy the router applies
the FIRST grant whose recipients match the recipient and whose types contain the event type (or "*");
of data the copy keeps only what the grant's allow pointers reach, then keepItems drops array items,
and the copy's legalpurpose becomes the grant's legalBasis. A copy no grant matches is not delivered.

What it checks (each failure is named, exit status 1):
  * the file's format: known keys only, grant names ^[a-z0-9][a-z0-9-]*$ and unique, recipients agency
    ids or <kind>.* patterns, types catalogue types (unversioned) or "*", legalBasis a code of
    codelists/legal-purpose.json (and one of the catalogue's legalBasis of every type it is applied
    to), allow/withhold JSON pointers under /data that do not overlap, keepItems well formed;
  * coverage: every current catalogue type x routing 'to' pattern (a pattern like abh.* is tried
    with a sample instance abh.zz and with every instance a grant names) has a grant;
  * need-to-know review: every leaf of the type's data schema (properties, items, prefixItems, $ref,
    allOf/anyOf/oneOf, if/then/else; arrays of scalars are leaves) is allowed or withheld by the
    grant of each pair, and no grant pointer is dead (matches nothing in the types it is applied to);
  * validity: every required member on the way to an allowed path is allowed too (then/else
    requirements count), keepItems selects by an allowed field, and every valid-*.json example of
    the type (deprecated versions upcast first) still validates after projection for each pair;
  * every grant is the first match of at least one routed pair (no dead or shadowed grant).

It writes Schemas/rules/projection-matrix.md: per type one row per data leaf, one column per recipient,
cells ✓ (sent) / – (withheld), and the grants with their reasoning, for review without code.

Usage: scripts/check-projections.py [--check] [-v]
  --check   do not write the matrix; fail if the written file differs from what would be written (CI)
"""

import importlib.util
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("check_schemas", os.path.join(HERE, "check-schemas.py"))
cs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cs)

SCHEMAS = cs.SCHEMAS
RULES_FILE = os.path.join(SCHEMAS, "rules", "projections.json")
MATRIX_FILE = os.path.join(SCHEMAS, "rules", "projection-matrix.md")
RULES_URN = "urn:de:migration:drehscheibe:rules:projections"
RULES_VERSION = 2
CHECK = "--check" in sys.argv

TOP_KEYS = {"rules", "version", "description", "grants"}
GRANT_REQUIRED = ["name", "recipients", "types", "legalBasis", "reasoning", "allow", "withhold"]
GRANT_KEYS = set(GRANT_REQUIRED) | {"keepItems"}
KEEP_KEYS = {"array", "where", "in"}
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TYPE_NAME = re.compile(r"^de\.migration\.[a-z]+(?:-[a-z]+)*\.[a-z]+(?:-[a-z]+)*$")
INSTANCE_PATTERN = re.compile(r"^(abh|av|lpol|lfv|ae)\.\*$")
SAMPLE_SUFFIX = "zz"  # abh.* is tried as abh.zz: an instance no grant names

R = cs.Report()


# --------------------------------------------------------------------------- pointers

def unescape(token):
    return token.replace("~1", "/").replace("~0", "~")


def parse_pointer(text):
    """Segments below /data of a pointer '/data/...', or None if it is not one."""
    if not isinstance(text, str) or not (text == "/data" or text.startswith("/data/")):
        return None
    if re.search(r"~[^01]|~$", text):
        return None
    parts = [unescape(t) for t in text.split("/")[2:]]
    if any(p == "" for p in parts):
        return None
    return tuple(parts)


def show(path):
    """A data path (segments below /data, '*' for items) as a pointer into the envelope."""
    return "/data" + "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in path)


def covers(pattern, path):
    """pattern (an allow/withhold pointer) reaches path and everything below it."""
    return len(pattern) <= len(path) and all(p == "*" or p == s for p, s in zip(pattern, path))


def crosses(a, b):
    """The two paths can address the same place or one lies below the other ('*' on either side)."""
    return all(x == y or x == "*" or y == "*" for x, y in zip(a, b))


def reaches(patterns, path):
    """Some pattern keeps something at or below path (wholly or in part)."""
    return any(crosses(p, path) for p in patterns)


# --------------------------------------------------------------------------- schema tree

class Node:
    """A place in a type's data: object members, array items, or a leaf."""

    def __init__(self, path):
        self.path = path
        self.members = {}      # name -> Node
        self.items = None      # Node of the items of an array of objects
        self.required = []     # member names required here (also by then/else)
        self.leaf = False

    def walk(self):
        yield self
        for child in self.members.values():
            yield from child.walk()
        if self.items is not None:
            yield from self.items.walk()

    def leaves(self):
        return [n for n in self.walk() if n.leaf]


class SchemaTree:
    """The data tree of an event schema, through $ref, allOf/anyOf/oneOf, if/then/else."""

    def __init__(self, registry):
        self.registry = registry

    def expand(self, schema, resolver, condition=False, depth=0):
        """Fragments (schema, resolver, only-a-condition) that together describe one place."""
        if not isinstance(schema, dict) or depth > 30:
            return []
        out = [(schema, resolver, condition)]
        if "$ref" in schema:
            resolved = resolver.lookup(schema["$ref"])
            out += self.expand(resolved.contents, resolved.resolver, condition, depth + 1)
        for key in ("allOf", "anyOf", "oneOf"):
            for sub in schema.get(key, []):
                out += self.expand(sub, resolver, condition, depth + 1)
        if "if" in schema:
            out += self.expand(schema["if"], resolver, True, depth + 1)
        for key in ("then", "else"):
            if key in schema:
                out += self.expand(schema[key], resolver, condition, depth + 1)
        return out

    def build(self, schema_id):
        resolver = self.registry.resolver(base_uri=schema_id)
        root = self.registry.contents(schema_id)
        return self.node(self.expand(root, resolver), ())

    def node(self, fragments, path, depth=0):
        node = Node(path)
        members = {}
        items = []
        required = []
        for schema, resolver, condition in fragments:
            for name, sub in schema.get("properties", {}).items():
                members.setdefault(name, []).extend(self.expand(sub, resolver, condition))
            if isinstance(schema.get("items"), dict):
                items.extend(self.expand(schema["items"], resolver, condition))
            for sub in schema.get("prefixItems", []):
                items.extend(self.expand(sub, resolver, condition))
            if not condition:
                required += [r for r in schema.get("required", []) if r not in required]
        if depth > 30:
            raise RuntimeError(f"schema too deep at {show(path)}")
        if members:
            node.required = required
            for name in members:
                node.members[name] = self.node(members[name], path + (name,), depth + 1)
        elif items:
            item = self.node(items, path + ("*",), depth + 1)
            if item.leaf:
                node.leaf = True  # an array of scalars is one leaf
            else:
                node.items = item
        else:
            node.leaf = True
        return node


# --------------------------------------------------------------------------- projection (the router's)

def project_value(value, patterns):
    """What the patterns (paths relative to value) keep of value; None when nothing."""
    if any(len(p) == 0 for p in patterns):
        return value
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            rest = [p[1:] for p in patterns if p[0] == "*" or p[0] == key]
            if rest:
                kept = project_value(child, rest)
                if kept is not None:
                    out[key] = kept
        return out or None
    if isinstance(value, list):
        out = []
        for index, child in enumerate(value):
            rest = [p[1:] for p in patterns if p[0] == "*" or p[0] == str(index)]
            if rest:
                kept = project_value(child, rest)
                if kept is not None:
                    out.append(kept)
        return out or None
    return None  # a pattern goes below a scalar: nothing there


def value_at(value, path):
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def keep_items(value, array_path, where, allowed):
    """Drop the items of the array(s) at array_path whose value at where is not in allowed."""
    if not array_path:
        if isinstance(value, list):
            value[:] = [item for item in value if value_at(item, where) in allowed]
        return
    head, rest = array_path[0], array_path[1:]
    if isinstance(value, dict):
        for key in (list(value) if head == "*" else [head]):
            if key in value:
                keep_items(value[key], rest, where, allowed)
    elif isinstance(value, list):
        for index in (range(len(value)) if head == "*" else [int(head)] if head.isdigit() else []):
            if index < len(value):
                keep_items(value[index], rest, where, allowed)


def project(envelope, grant):
    """The recipient copy of an envelope under a grant (a new object)."""
    copy = json.loads(json.dumps(envelope))
    allow = [parse_pointer(p) for p in grant["allow"]]
    data = copy.get("data")
    kept = project_value(data, allow) if isinstance(data, dict) else data
    copy["data"] = kept if kept is not None else {}
    for rule in grant.get("keepItems", []):
        where = tuple(unescape(t) for t in rule["where"].split("/")[1:])
        keep_items(copy["data"], parse_pointer(rule["array"]), where, set(rule["in"]))
    copy["legalpurpose"] = grant["legalBasis"]
    return copy


# --------------------------------------------------------------------------- recipients

def sample_of(pattern):
    return pattern[:-1] + SAMPLE_SUFFIX if pattern.endswith(".*") else pattern


def first_grant(grants, recipient, type_name):
    for grant in grants:
        if (("*" in grant["types"] or type_name in grant["types"])
                and any(cs.matches(recipient, p) for p in grant["recipients"])):
            return grant
    return None


def recipients_of(route_to, grants):
    """The recipients to test for a routing pattern: a sample instance and every instance a grant names."""
    if not route_to.endswith(".*"):
        return [route_to]
    named = sorted({r for g in grants for r in g["recipients"] if not r.endswith(".*") and cs.matches(r, route_to)})
    return [sample_of(route_to)] + named


# --------------------------------------------------------------------------- format

def check_format(doc, legal_codes, catalogue_types, agency_pattern):
    """The grants that are well formed enough to be used further; problems are reported."""
    print("format")
    problems = []
    if not isinstance(doc, dict):
        R.fail("projections.json", "not a JSON object")
        return []
    unknown = set(doc) - TOP_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    missing = [k for k in sorted(TOP_KEYS) if k not in doc]
    if missing:
        problems.append(f"missing keys {missing}")
    if doc.get("rules") != RULES_URN:
        problems.append(f"rules must be {RULES_URN}")
    if doc.get("version") != RULES_VERSION:
        problems.append(f"version must be {RULES_VERSION}")
    if not isinstance(doc.get("description"), str) or not doc.get("description", "").strip():
        problems.append("description must be a non-empty string")
    grants = doc.get("grants")
    if not isinstance(grants, list) or not grants:
        problems.append("grants must be a non-empty array")
        grants = []
    R.check(not problems, "projections.json top level", "; ".join(problems))

    usable = []
    names = {}
    for index, grant in enumerate(grants):
        where = f"grants[{index}]"
        if not isinstance(grant, dict):
            R.fail(where, "not an object")
            continue
        name = grant.get("name")
        if isinstance(name, str):
            where = f"grant {name}"
        p = []
        unknown = set(grant) - GRANT_KEYS
        if unknown:
            p.append(f"unknown keys {sorted(unknown)}")
        missing = [k for k in GRANT_REQUIRED if k not in grant]
        if missing:
            p.append(f"missing keys {missing}")
        if not isinstance(name, str) or not NAME.match(name):
            p.append(f"name {name!r} must match {NAME.pattern}")
        elif name in names:
            p.append(f"duplicate name (also grants[{names[name]}])")
        else:
            names[name] = index

        recipients = grant.get("recipients")
        if not isinstance(recipients, list) or not recipients or not all(isinstance(r, str) for r in recipients):
            p.append("recipients must be a non-empty array of strings")
        else:
            for r in recipients:
                if not (INSTANCE_PATTERN.match(r) or re.match(agency_pattern, r)) or r == "hub":
                    p.append(f"recipient {r!r} is not an agency id or abh.*, av.*, lpol.*, lfv.*, ae.*")
            if len(set(recipients)) != len(recipients):
                p.append("recipients repeat")

        types = grant.get("types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            p.append("types must be a non-empty array of strings")
        else:
            for t in types:
                if t == "*":
                    continue
                if re.match(r".*\.v[0-9]+$", t):
                    p.append(f"type {t!r} must be given without version")
                elif not TYPE_NAME.match(t) or t not in catalogue_types:
                    p.append(f"type {t!r} is not a catalogue type")
            if len(set(types)) != len(types):
                p.append("types repeat")
            if "*" in types and len(types) > 1:
                p.append("'*' stands alone in types")

        basis = grant.get("legalBasis")
        if not isinstance(basis, str) or basis not in legal_codes:
            p.append(f"legalBasis {basis!r} is not a code of codelists/legal-purpose.json")
        reasoning = grant.get("reasoning")
        if not isinstance(reasoning, str) or len(reasoning.strip()) < 40:
            p.append("reasoning must say why (at least a sentence)")

        pointers = {}
        for key in ("allow", "withhold"):
            value = grant.get(key)
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                p.append(f"{key} must be an array of strings")
                pointers[key] = []
                continue
            if key == "allow" and not value:
                p.append("allow must not be empty (a recipient that may receive nothing has no route)")
            if len(set(value)) != len(value):
                p.append(f"{key} repeats pointers")
            parsed = []
            for v in value:
                ptr = parse_pointer(v)
                if ptr is None:
                    p.append(f"{key} {v!r} is not a JSON pointer under /data")
                else:
                    parsed.append((v, ptr))
            pointers[key] = parsed
        for a, ap in pointers.get("allow", []):
            for w, wp in pointers.get("withhold", []):
                if crosses(ap, wp):
                    p.append(f"allow {a} and withhold {w} overlap")
        if "/data" in [a for a, _ in pointers.get("allow", [])] and grant.get("withhold"):
            p.append("allow /data sends everything: withhold must be empty")

        keep = grant.get("keepItems", [])
        if not isinstance(keep, list):
            p.append("keepItems must be an array")
        else:
            for k, rule in enumerate(keep):
                if not isinstance(rule, dict) or set(rule) != KEEP_KEYS:
                    p.append(f"keepItems[{k}] must have exactly array, where, in")
                    continue
                if parse_pointer(rule["array"]) in (None, ()):
                    p.append(f"keepItems[{k}].array {rule['array']!r} is not a pointer below /data")
                if not isinstance(rule["where"], str) or not re.fullmatch(r"(?:/(?:[^~/]|~[01])+)+", rule["where"]):
                    p.append(f"keepItems[{k}].where {rule['where']!r} is not a relative JSON pointer like /role")
                if (not isinstance(rule["in"], list) or not rule["in"]
                        or not all(isinstance(v, str) for v in rule["in"])):
                    p.append(f"keepItems[{k}].in must be a non-empty array of strings")
        if R.check(not p, where, "; ".join(p)):
            usable.append(grant)
    if len(usable) != len(grants):
        print("  (the checks below use the well-formed grants only)")
    return usable


# --------------------------------------------------------------------------- per pair

def check_pair(type_name, recipient, grant, tree, examples, contract, catalogue_entry):
    """Leaf coverage, required members, keepItems and examples of one (type, recipient) under its grant."""
    label = f"{type_name} -> {recipient} ({grant['name']})"
    allow = [parse_pointer(p) for p in grant["allow"]]
    withhold = [parse_pointer(p) for p in grant["withhold"]]
    problems = []

    uncovered = [show(leaf.path) for leaf in tree.leaves()
                 if not any(covers(a, leaf.path) for a in allow) and not any(covers(w, leaf.path) for w in withhold)]
    if uncovered:
        problems.append("neither allowed nor withheld: " + ", ".join(uncovered))

    def required(node):
        if any(covers(a, node.path) for a in allow):
            return  # the whole subtree goes out
        for name in node.required:
            child = node.members.get(name)
            if child is not None and not reaches(allow, child.path):
                problems.append(f"{show(child.path)} is required by {show(node.path)} but not allowed")
        for child in node.members.values():
            if reaches(allow, child.path):
                required(child)
        if node.items is not None and reaches(allow, node.items.path):
            required(node.items)
    required(tree)

    for rule in grant.get("keepItems", []):
        array = parse_pointer(rule["array"])
        field = tuple(unescape(t) for t in rule["where"].split("/")[1:])
        if not any(covers(a, array + ("*",) + field) for a in allow):
            problems.append(f"keepItems selects by {rule['array']}/*{rule['where']}, which the grant does not allow")

    if basis_problem(grant, catalogue_entry):
        problems.append(basis_problem(grant, catalogue_entry))

    for name, envelope in examples:
        copy = project(envelope, grant)
        copy_errors = contract.validate_envelope(copy)
        if copy_errors:
            problems.append(f"example {name} projected is invalid: "
                            + ", ".join(f"{loc or '/'} {kw}" for loc, kw in copy_errors))
    R.check(not problems, label, "; ".join(problems))


def basis_problem(grant, entry):
    if grant["legalBasis"] not in entry["legalBasis"]:
        return (f"legalBasis {grant['legalBasis']!r} (the copy's legalpurpose) is not one of the catalogue's "
                f"legalBasis {entry['legalBasis']}")
    return None


def dead_pointers(grant, trees):
    """Pointers of a grant that address nothing in any type it is applied to."""
    nodes = [n.path for tree in trees for n in tree.walk()]
    dead = []
    for key in ("allow", "withhold"):
        for text in grant[key]:
            ptr = parse_pointer(text)
            if not any(crosses(ptr, path) and len(ptr) <= len(path) for path in nodes):
                dead.append(f"{key} {text}")
    for rule in grant.get("keepItems", []):
        ptr = parse_pointer(rule["array"])
        if not any(crosses(ptr, path) and len(path) == len(ptr) for path in nodes):
            dead.append(f"keepItems array {rule['array']}")
    return dead


# --------------------------------------------------------------------------- examples

def examples_of(entry):
    """(name, envelope) of every valid example of the type; deprecated versions upcast to the current one."""
    out = []
    ex_root = os.path.join(SCHEMAS, "examples")
    current = entry["versions"][entry["current"]]
    short = entry["type"][len("de.migration."):]
    for version, info in sorted(entry["versions"].items()):
        folder = os.path.join(ex_root, f"{short}.{version}")
        if not os.path.isdir(folder):
            continue
        for f in sorted(os.listdir(folder)):
            if not (f.startswith("valid-") and f.endswith(".json")):
                continue
            env = cs.load_json(os.path.join(folder, f))
            if version != entry["current"]:
                # follow the upcast chain (v1 -> v2 -> v3) to the current version, as the router does
                at, chained = version, []
                while at != entry["current"]:
                    up = entry["versions"].get(at, {}).get("upcastTo")
                    if not up or up["to"] in [v for v, _ in chained] or up["to"] not in entry["versions"]:
                        break
                    chained.append((up["to"], up["steps"]))
                    at = up["to"]
                if at != entry["current"]:
                    continue
                for _, steps in chained:
                    env["data"] = cs.upcast(env["data"], steps)
                env["type"] = f"{entry['type']}.{entry['current']}"
                env["dataschema"] = current["$id"]
            out.append((f"{short}.{version}/{f}", env))
    return out


# --------------------------------------------------------------------------- matrix

def cell_text(text):
    return text.replace("|", "\\|")


def matrix(catalogue, grants, plan, trees):
    out = []
    out.append("# Projection matrix: what each recipient receives")
    out.append("")
    out.append("Generated by `scripts/check-projections.py` from `rules/projections.json` and `catalogue.json`; "
               "do not edit (CI runs it with `--check`).")
    out.append("")
    out.append("For every event type (current version) the table lists each field of `data` (its JSON pointer; "
               "`*` is every array item) and, per recipient the catalogue routes the type to, whether the "
               "recipient's copy carries it: **✓** sent, **–** withheld (removed by the router before delivery). "
               "The column header names the grant that applies (the first grant in `rules/projections.json` "
               "whose recipients and types match) and its legal basis, which the copy carries as `legalpurpose`. "
               "A pattern such as `abh.*` stands for every instance of the kind. Envelope attributes "
               "(`id`, `source`, `type`, `subject`, `time`, ...) are always sent. A copy that no grant "
               "matches is not delivered (dead letter), and this check fails for it. The grants and their "
               "reasoning follow the tables.")
    out.append("")
    for entry in catalogue["events"]:
        type_name = entry["type"]
        pairs = plan[type_name]
        tree = trees[type_name]
        out.append(f"## {type_name[len('de.migration.'):]} ({entry['current']})")
        out.append("")
        out.append(f"{entry['title']['en']} ({entry['title']['de']}). Routing: "
                   + "; ".join(route_text(r) for r in entry["routing"]) + ".")
        out.append("")
        header = ["data field"]
        for recipient, grant in pairs:
            if grant is None:
                header.append(f"`{recipient}`<br>no grant: not delivered")
            else:
                header.append(f"`{recipient}`<br>grant `{grant['name']}`<br>{grant['legalBasis']}")
        out.append("| " + " | ".join(cell_text(h) for h in header) + " |")
        out.append("|" + "---|" * len(header))
        for leaf in tree.leaves():
            row = [f"`{show(leaf.path)}`"]
            for _, grant in pairs:
                row.append(mark(grant, leaf.path))
            out.append("| " + " | ".join(cell_text(c) for c in row) + " |")
        notes = []
        for recipient, grant in pairs:
            for rule in (grant or {}).get("keepItems", []):
                notes.append(f"`{recipient}`: of `{rule['array']}` only the items whose `{rule['where'].lstrip('/')}` "
                             f"is {', '.join('`' + v + '`' for v in rule['in'])} are sent.")
        if notes:
            out.append("")
            out += ["- " + n for n in notes]
        out.append("")
    out.append("## Grants")
    out.append("")
    out.append("In the order the router tries them (the first match applies).")
    out.append("")
    for grant in grants:
        out.append(f"### `{grant['name']}`")
        out.append("")
        out.append(f"- recipients: {', '.join('`' + r + '`' for r in grant['recipients'])}")
        out.append(f"- types: {', '.join('`' + t + '`' for t in grant['types'])}")
        out.append(f"- legal basis: {grant['legalBasis']}")
        out.append(f"- allow: {', '.join('`' + a + '`' for a in grant['allow'])}")
        if grant["withhold"]:
            out.append(f"- withhold: {', '.join('`' + w + '`' for w in grant['withhold'])}")
        for rule in grant.get("keepItems", []):
            out.append(f"- keep items of `{rule['array']}` whose `{rule['where'].lstrip('/')}` is "
                       + ", ".join('`' + v + '`' for v in rule["in"]))
        out.append("")
        out.append(grant["reasoning"])
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def route_text(route):
    text = f"`{route['to']}`"
    if "selectBy" in route:
        text += f" by `{route['selectBy']}`"
    if route.get("optional"):
        text += " (if named)"
    if "fromProducers" in route:
        text += " from " + ", ".join(f"`{p}`" for p in route["fromProducers"])
    return text


def mark(grant, path):
    if grant is None:
        return "✗"
    if any(covers(parse_pointer(a), path) for a in grant["allow"]):
        return "✓"
    if any(covers(parse_pointer(w), path) for w in grant["withhold"]):
        return "–"
    return "?"


# --------------------------------------------------------------------------- main

def main():
    files = cs.schema_files()
    registry, docs = cs.build_registry(files)
    contract = cs.Contract(registry, docs)
    catalogue = cs.load_json(os.path.join(SCHEMAS, "catalogue.json"))
    legal_codes = {e["code"] for e in cs.load_json(os.path.join(SCHEMAS, "codelists", "legal-purpose.json"))["entries"]}
    agency_pattern = contract.by_id[cs.BASE + "common/authority.schema.json"]["$defs"]["agencyId"]["pattern"]
    entries = {e["type"]: e for e in catalogue["events"]}

    try:
        doc = cs.load_json(RULES_FILE)
    except (OSError, ValueError) as exc:
        R.fail("projections.json", f"cannot read: {exc}")
        doc = {}
    grants = check_format(doc, legal_codes, set(entries), agency_pattern)

    walker = SchemaTree(registry)
    trees = {}
    for entry in catalogue["events"]:
        trees[entry["type"]] = walker.build(entry["versions"][entry["current"]]["$id"])

    print("coverage")
    plan = {}          # type -> [(recipient, grant)]
    used = {}          # grant name -> [type]
    for entry in catalogue["events"]:
        pairs = []
        for route in entry["routing"]:
            for recipient in recipients_of(route["to"], grants):
                if recipient in [r for r, _ in pairs]:
                    continue
                grant = first_grant(grants, recipient, entry["type"])
                pairs.append((recipient, grant))
                shown = route["to"] if recipient == sample_of(route["to"]) and route["to"].endswith(".*") else recipient
                R.check(grant is not None, f"{entry['type']} -> {shown}",
                        f"no grant matches (tried {recipient}): the router would dead-letter every copy")
                if grant is not None:
                    used.setdefault(grant["name"], []).append(entry["type"])
        # a pattern column shows the pattern, a named instance its id
        plan[entry["type"]] = [(next((r["to"] for r in entry["routing"] if r["to"].endswith(".*")
                                      and recipient == sample_of(r["to"])), recipient), grant)
                               for recipient, grant in pairs]

    print("grants")
    for grant in grants:
        types = sorted(set(used.get(grant["name"], [])))
        if not R.check(bool(types), f"grant {grant['name']} is used",
                       "it is the first match of no routed (type, recipient): remove it or move it up"):
            continue
        dead = dead_pointers(grant, [trees[t] for t in types])
        R.check(not dead, f"grant {grant['name']} pointers address data",
                "nothing in " + ", ".join(types) + " at: " + ", ".join(dead))

    print("pairs")
    for entry in catalogue["events"]:
        examples = examples_of(entry)
        R.check(bool(examples), f"{entry['type']} has valid examples", "none found")
        for recipient, grant in plan[entry["type"]]:
            if grant is not None:
                tested = sample_of(recipient) if recipient.endswith(".*") else recipient
                check_pair(entry["type"], recipient if recipient == tested else f"{recipient} ({tested})",
                           grant, trees[entry["type"]], examples, contract, entry)

    print("matrix")
    text = matrix(catalogue, grants, plan, trees)
    rel = os.path.relpath(MATRIX_FILE, cs.REPO)
    if CHECK:
        try:
            with open(MATRIX_FILE, encoding="utf-8") as f:
                current = f.read()
        except OSError:
            current = None
        R.check(current == text, f"{rel} is up to date",
                "differs from the grants: run scripts/check-projections.py and commit the matrix")
    else:
        with open(MATRIX_FILE, "w", encoding="utf-8") as f:
            f.write(text)
        R.ok(f"wrote {rel}")

    print()
    pairs = sum(len(p) for p in plan.values())
    print(f"grants: {len(grants)}  routed (type, recipient) pairs: {pairs}  "
          f"leaves: {sum(len(t.leaves()) for t in trees.values())}")
    if R.failed:
        print(f"{len(R.failed)} check(s) failed:")
        for what, detail in R.failed:
            print(f"  - {what}: {detail}")
    print(f"check-projections: {R.passed} passed, {len(R.failed)} failed")
    return 1 if R.failed else 0


if __name__ == "__main__":
    sys.exit(main())
