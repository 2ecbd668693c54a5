#!/usr/bin/env python3
"""Generates the diff rule files (src/diff/rules/*.rs, rules/mod.rs) and their fixture pairs
(suites/diff/<rule-id>/<case>/{base,revision}.yaml) from one table.

Most diff rules are the same check in another place (a tighter maxLength in a request parameter,
in a request body property, ...), so their files are written from this table rather than by
hand; the files are committed, and a change to a rule is made here and regenerated:

    python3 suites/diff/generate.py && cargo fmt

Hand-written detector bodies (rules about the release as a whole) are in the table as Rust text.
"""

import json
import os
import shutil
import textwrap

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES_DIR = os.path.join(ROOT, "src", "diff", "rules")
SUITE_DIR = os.path.join(ROOT, "suites", "diff")

RULES = []  # dicts: id, level, direction, summary, why, example, fix, mirror, pred | whole, cases


def rule(**kw):
    for key in ("summary", "why", "example", "fix"):
        kw[key] = " ".join(kw[key].split())
    RULES.append(kw)


# ------------------------------------------------------------------------------------------
# Spec builders for fixtures
# ------------------------------------------------------------------------------------------


def spec(version="1.0.0", paths=None, **extra):
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Sager", "version": version},
    }
    doc.update({k: v for k, v in extra.items() if k not in ("components",)})
    doc["paths"] = paths if paths is not None else {}
    if "components" in extra:
        doc["components"] = extra["components"]
    return doc


def ok(desc="OK"):
    return {"description": desc}


def get_op(op_id="listSager", **kw):
    op = {"operationId": op_id}
    op.update(kw)
    op.setdefault("responses", {"200": ok()})
    return op


def loc_spec(where, schema, version):
    """A spec with `schema` placed in one of the four schema locations."""
    if where == "request-parameter":
        op = get_op(parameters=[{"name": "q", "in": "query", "schema": schema}])
        return spec(version, {"/sager": {"get": op}})
    if where == "request-body":
        op = get_op(
            "opretSag",
            requestBody={
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"felt": schema}}
                    }
                },
            },
            responses={"201": ok("Oprettet")},
        )
        return spec(version, {"/sager": {"post": op}})
    if where == "response-body":
        op = get_op(
            responses={
                "200": {
                    "description": "OK",
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"felt": schema}}
                        }
                    },
                }
            }
        )
        return spec(version, {"/sager": {"get": op}})
    if where == "response-header":
        op = get_op(
            responses={"200": {"description": "OK", "headers": {"X-Felt": {"schema": schema}}}}
        )
        return spec(version, {"/sager": {"get": op}})
    raise ValueError(where)


def pair(base, revision):
    return (base, revision)


def loc_pair(where, a, b):
    return pair(loc_spec(where, a, "1.0.0"), loc_spec(where, b, "2.0.0"))


# ------------------------------------------------------------------------------------------
# Schema rules: the same constraint in four places, each way round
# ------------------------------------------------------------------------------------------

LOCATIONS = {
    "request-parameter": ("Area::Parameter", "Request", "a request parameter's schema",
                          "query parameter `q`"),
    "request-body": ("Area::RequestBody", "Request", "a request body schema (or a property in it)",
                     "request body property `felt`"),
    "response-body": ("Area::ResponseBody", "Response",
                      "a response body schema (or a property in it)",
                      "response body property `felt`"),
    "response-header": ("Area::ResponseHeader", "Response", "a response header's schema",
                        "response header `X-Felt`"),
}
MIRROR_LOCATION = {
    "request-parameter": "response-header",
    "response-header": "request-parameter",
    "request-body": "response-body",
    "response-body": "request-body",
}

# name: (kind pattern, tight predicate, loose predicate, tight pair, loose pair,
#        tight word, loose word, what, bodies_only)
# "tight" admits fewer values than before; "loose" admits more.
FAMILIES = [
    dict(stem="type", tight_name="type-changed", loose_name="type-widened",
         resp_tight_name="type-narrowed", resp_loose_name="type-changed",
         kind="Kind::TypeChanged", tight="!d.new_types_accept_old()", loose="d.new_types_accept_old()",
         resp_tight="d.old_types_accept_new()", resp_loose="!d.old_types_accept_new()",
         tight_pair=({"type": "number"}, {"type": "integer"}),
         loose_pair=({"type": "integer"}, {"type": "number"}),
         what="the type", req_why="values of the old type are now rejected",
         resp_why="clients parse the old type and fail on values of the new one"),
    dict(stem="nullable", tight_name="became-not-nullable", loose_name="became-nullable",
         kind="Kind::NullableChanged", tight="d.turned_off()", loose="d.turned_on()",
         tight_pair=({"type": "string", "nullable": True}, {"type": "string"}),
         loose_pair=({"type": "string"}, {"type": "string", "nullable": True}),
         what="`null`", req_why="clients that send `null` are now rejected",
         resp_why="clients that never expected `null` crash or mis-handle it"),
    dict(stem="enum-value", tight_name="enum-value-removed", loose_name="enum-value-added",
         kind=None, tight="d.kind == Kind::EnumValueRemoved", loose="d.kind == Kind::EnumValueAdded",
         tight_pair=({"type": "string", "enum": ["A", "B"]}, {"type": "string", "enum": ["A"]}),
         loose_pair=({"type": "string", "enum": ["A"]}, {"type": "string", "enum": ["A", "B"]}),
         what="an enum value", req_why="clients that send the removed value are now rejected",
         resp_why="clients with an exhaustive match over the values meet one they do not know",
         resp_level="Warning"),
    dict(stem="enum", tight_name="enum-introduced", loose_name="enum-dropped",
         kind=None, tight="d.kind == Kind::EnumIntroduced", loose="d.kind == Kind::EnumDropped",
         tight_pair=({"type": "string"}, {"type": "string", "enum": ["A", "B"]}),
         loose_pair=({"type": "string", "enum": ["A", "B"]}, {"type": "string"}),
         what="an enum list", req_why="every value outside the new list is now rejected",
         resp_why="clients that switch over the listed values now meet any string",
         resp_level="Warning"),
    dict(stem="unique-items", tight_name="unique-items-set", loose_name="unique-items-unset",
         kind="Kind::UniqueItemsChanged", tight="d.turned_on()", loose="d.turned_off()",
         tight_pair=({"type": "array", "items": {"type": "string"}},
                     {"type": "array", "items": {"type": "string"}, "uniqueItems": True}),
         loose_pair=({"type": "array", "items": {"type": "string"}, "uniqueItems": True},
                     {"type": "array", "items": {"type": "string"}}),
         what="`uniqueItems`", req_why="lists with repeated items are now rejected",
         resp_why="clients that relied on unique items (sets, keys) now meet duplicates",
         resp_level="Warning"),
    dict(stem="variant", tight_name="variant-removed", loose_name="variant-added",
         kind=None, tight="d.kind == Kind::VariantRemoved", loose="d.kind == Kind::VariantAdded",
         tight_pair=({"oneOf": [{"type": "string"}, {"type": "integer"}]},
                     {"oneOf": [{"type": "string"}]}),
         loose_pair=({"oneOf": [{"type": "string"}]},
                     {"oneOf": [{"type": "string"}, {"type": "integer"}]}),
         what="a `oneOf`/`anyOf` alternative",
         req_why="clients that send the removed alternative are now rejected",
         resp_why="clients cannot parse the new alternative",
         resp_level="Error"),
    dict(stem="pattern", tight_name="pattern-added", loose_name="pattern-removed",
         kind="Kind::PatternChanged", tight="d.old_value.is_none() && d.new_value.is_some()",
         loose="d.old_value.is_some() && d.new_value.is_none()",
         tight_pair=({"type": "string"}, {"type": "string", "pattern": "^[0-9]{8}$"}),
         loose_pair=({"type": "string", "pattern": "^[0-9]{8}$"}, {"type": "string"}),
         what="a `pattern`", req_why="values that do not match the new pattern are now rejected",
         resp_why="clients that relied on the format (parsing, storage columns) meet any string",
         resp_level="Warning"),
]

BOUNDS = [
    # keyword stem, Bound variant, upper?, bodies only, base schema kind
    ("max-length", "MaxLength", True, False, "string", "maxLength", "length"),
    ("min-length", "MinLength", False, False, "string", "minLength", "length"),
    ("maximum", "Maximum", True, False, "integer", "maximum", "value"),
    ("minimum", "Minimum", False, False, "integer", "minimum", "value"),
    ("max-items", "MaxItems", True, False, "array", "maxItems", "item count"),
    ("min-items", "MinItems", False, False, "array", "minItems", "item count"),
    ("max-properties", "MaxProperties", True, True, "object", "maxProperties", "property count"),
    ("min-properties", "MinProperties", False, True, "object", "minProperties", "property count"),
]


def bound_schema(typ, kw, n):
    s = {"type": typ, kw: n}
    if typ == "array":
        s["items"] = {"type": "string"}
    return s


for stem, variant, upper, bodies_only, typ, kw, unit in BOUNDS:
    small, big = (5, 10) if not upper else (30, 50)
    dec, inc = f"{stem}-decreased", f"{stem}-increased"
    FAMILIES.append(dict(
        stem=stem, bodies_only=bodies_only,
        tight_name=dec if upper else inc, loose_name=inc if upper else dec,
        kind=f"Kind::Bound(Bound::{variant})", tight="d.tightened()", loose="d.loosened()",
        tight_pair=(bound_schema(typ, kw, big if upper else small),
                    bound_schema(typ, kw, small if upper else big)),
        loose_pair=(bound_schema(typ, kw, small if upper else big),
                    bound_schema(typ, kw, big if upper else small)),
        what=f"`{kw}`",
        req_why=f"clients that send a {unit} inside the old limit but outside the new one are now rejected",
        resp_why=f"clients that sized buffers, columns or validation on the old {unit} limit now meet larger or smaller values",
        resp_level="Warning"))

SYMMETRIC = [
    # stem, kind, level, schemas (base, revision), what, why, fix, bodies_only
    ("format-changed", "Kind::FormatChanged", "Error",
     ({"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}),
     "the `format`",
     "A format is part of the value's meaning: a `date` sent where a `date-time` is now expected is rejected, and a client parsing a `date` fails on a `date-time`.",
     "Add a new field with the new format, deprecate the old one, and remove it after the notice period.",
     False),
    ("const-changed", "Kind::ConstChanged", "Error",
     ({"type": "string", "const": "A"}, {"type": "string", "const": "B"}),
     "the `const` value",
     "The only allowed value is now another one: every old request is rejected and every client that checks the value fails.",
     "Widen to an `enum` of both values first, and narrow only after the notice period.",
     False),
    ("default-changed", "Kind::DefaultChanged", "Warning",
     ({"type": "integer", "default": 20}, {"type": "integer", "default": 50}),
     "the `default` value",
     "Clients that leave the value out get a different behaviour (a request) or read a different meaning into its absence (a response) without changing a line.",
     "Keep the default; if the behaviour must change, add a new parameter or field and announce it.",
     False),
    ("multiple-of-changed", "Kind::MultipleOfChanged", "Warning",
     ({"type": "number", "multipleOf": 0.01}, {"type": "number", "multipleOf": 0.5}),
     "`multipleOf`",
     "Values that were multiples of the old step need not be multiples of the new one, so some are now rejected or unexpected.",
     "Keep the step, or change it only to a divisor of the old step in requests.",
     False),
    ("pattern-changed", "Kind::PatternChanged", "Warning",
     ({"type": "string", "pattern": "^[0-9]{8}$"}, {"type": "string", "pattern": "^[1-9][0-9]{7}$"}),
     "the `pattern`",
     "Whether two regular expressions accept the same strings is not decided here, so a changed pattern may reject values it accepted before (requests) or produce values clients do not expect (responses).",
     "Only widen patterns in requests and only narrow them in responses; test old examples against the new pattern.",
     False),
    ("discriminator-changed", "Kind::DiscriminatorChanged", "Error",
     ({"type": "object", "properties": {"art": {"type": "string"}}, "discriminator": {"propertyName": "art"}},
      {"type": "object", "properties": {"art": {"type": "string"}, "slags": {"type": "string"}}, "discriminator": {"propertyName": "slags"}}),
     "the discriminator property",
     "Polymorphic clients pick the subtype from the discriminator property; a new property name means they pick wrongly or not at all.",
     "Keep the discriminator; introduce a new schema if the polymorphism must change.",
     True),
]


def words(s):
    return s.replace("-", " ")


def schema_rules():
    for where, (area, direction, place, example_place) in LOCATIONS.items():
        is_req = direction == "Request"
        body = where in ("request-body", "response-body")
        mirror_where = MIRROR_LOCATION[where]
        for f in FAMILIES:
            if f.get("bodies_only") and not body:
                continue
            kind_check = f"d.kind == {f['kind']} && " if f["kind"] else ""
            if is_req:
                breaking = (f["tight_name"], f["tight"], f["tight_pair"], f["loose_pair"], "Error")
                benign = (f["loose_name"], f["loose"], f["loose_pair"], f["tight_pair"], "Info")
            else:
                breaking = (f.get("resp_loose_name", f["loose_name"]), f.get("resp_loose", f["loose"]),
                            f["loose_pair"], f["tight_pair"], f.get("resp_level", "Error"))
                benign = (f.get("resp_tight_name", f["tight_name"]), f.get("resp_tight", f["tight"]),
                          f["tight_pair"], f["loose_pair"], "Info")
            # Mirrors: a request's breaking rule mirrors the response's breaking rule.
            if is_req:
                m_breaking = f.get("resp_loose_name", f["loose_name"])
                m_benign = f.get("resp_tight_name", f["tight_name"])
            else:
                m_breaking = f["tight_name"]
                m_benign = f["loose_name"]
            for (name, pred, fires, clean, level), mname, is_breaking in (
                (breaking, m_breaking, True), (benign, m_benign, False)
            ):
                rid = f"{where}-{name}"
                base_s, rev_s = fires
                ex = f"`{flow(base_s)}` → `{flow(rev_s)}` in the {example_place}."
                if is_breaking:
                    why = (f"{f['req_why'] if is_req else f['resp_why']}. "
                           f"{'The server must accept what it accepted before' if is_req else 'Clients must be able to read what the server now sends'}, "
                           f"so changing {f['what']} this way breaks existing integrations.")
                    fix = ("Keep the old constraint for the current major version; if it must change, "
                           "announce it (deprecate and set `x-sunset`) and change it only after the "
                           "notice period, in a new major version.")
                else:
                    why = ("Every client that worked before still works: "
                           + ("the server now accepts more than before."
                              if is_req else "every value the server now sends was allowed before.")
                           + " It is reported so the change log is complete.")
                    fix = "No action is needed for existing clients; mention the change in the release notes."
                # readOnly properties are not sent and writeOnly ones not returned, so their
                # constraints do not bind that direction.
                access = "!d.flags.read_only" if is_req else "!d.flags.write_only"
                rule(id=rid, level=level, direction=direction,
                     summary=f"{place}: {words(name)}",
                     why=why[0].upper() + why[1:], example=ex, fix=fix,
                     mirror=f"{mirror_where}-{mname}",
                     pred=f"d.area == {area} && {kind_check}{pred} && {access}",
                     cases=schema_cases(where, name, fires, clean, is_req,
                                        is_breaking and f["stem"] == "max-length" and body))
        for stem, kind, level, (a, b), what, why, fix, bodies_only in SYMMETRIC:
            if bodies_only and not body:
                continue
            rid = f"{where}-{stem}"
            access = "!d.flags.read_only" if is_req else "!d.flags.write_only"
            rule(id=rid, level=level, direction=direction,
                 summary=f"{place}: {what} changed",
                 why=why, example=f"`{flow(a)}` → `{flow(b)}` in the {example_place}.", fix=fix,
                 mirror=f"{mirror_where}-{stem}",
                 pred=f"d.area == {area} && d.kind == {kind} && {access}",
                 cases={"fires": loc_pair(where, a, b),
                        "clean-unchanged": loc_pair(where, a, dict(a, description="Uændret"))})


class PlainDumper(yaml.SafeDumper):
    """Writes shared sub-objects out in full: anchors and aliases make fixtures hard to read."""

    def ignore_aliases(self, data):
        return True


def schema_cases(where, name, fires, clean, is_req, with_access):
    cases = {"fires-" + name: loc_pair(where, *fires), "clean-opposite": loc_pair(where, *clean)}
    if with_access:
        # The same change on a property that does not travel this way is not reported.
        flag = "readOnly" if is_req else "writeOnly"
        a, b = (dict(x, **{flag: True}) for x in fires)
        cases["clean-" + flag.lower().replace("only", "-only")] = loc_pair(where, a, b)
    return cases


def flow(v):
    return yaml.dump(v, Dumper=PlainDumper, default_flow_style=True, sort_keys=False,
                     allow_unicode=True, width=1000).strip()


# ------------------------------------------------------------------------------------------
# Properties of bodies
# ------------------------------------------------------------------------------------------


def obj(props, required=(), **extra):
    s = {"type": "object", "properties": props}
    if required:
        s["required"] = list(required)
    s.update(extra)
    return s


def body_pair(where, a, b):
    """Like loc_pair, but `a`/`b` are the whole body schema rather than one property."""
    def build(schema, version):
        s = loc_spec(where, {"type": "string"}, version)
        path = s["paths"]["/sager"]
        if where == "request-body":
            path["post"]["requestBody"]["content"]["application/json"]["schema"] = schema
        else:
            path["get"]["responses"]["200"]["content"]["application/json"]["schema"] = schema
        return s
    return pair(build(a, "1.0.0"), build(b, "2.0.0"))


S = {"type": "string"}
RO = {"type": "string", "readOnly": True}
WO = {"type": "string", "writeOnly": True}

PROPERTY_RULES = [
    # id, level, pred, summary, why, fix, fires (a, b), clean (a, b), mirror
    ("request-body-required-property-added", "Error",
     "d.area == Area::RequestBody && d.kind == Kind::PropertyAdded && d.flags.required && !d.flags.read_only",
     "a new required property in a request body",
     "Existing clients do not send the new property, so every one of their requests is now rejected. A default value does not help: the schema still demands the property.",
     "Add the property as optional (with a server-side default), announce that it becomes required, and make it required only after the notice period, in a new major version.",
     (obj({"navn": S}, ["navn"]), obj({"navn": S, "kravtype": S}, ["navn", "kravtype"])),
     (obj({"navn": S}, ["navn"]), obj({"navn": S, "id": RO}, ["navn", "id"])),
     "response-body-required-property-removed"),
    ("request-body-optional-property-added", "Info",
     "d.area == Area::RequestBody && d.kind == Kind::PropertyAdded && (!d.flags.required || d.flags.read_only)",
     "a new optional property in a request body",
     "Clients that do not know the property simply do not send it. Listed so the change log shows the new possibility.",
     "No action is needed; document what the property does and its default.",
     (obj({"navn": S}), obj({"navn": S, "note": S})),
     (obj({"navn": S}), obj({"navn": S, "note": S}, ["note"])),
     "response-body-optional-property-removed"),
    ("request-body-property-removed", "Warning",
     "d.area == Area::RequestBody && d.kind == Kind::PropertyRemoved && !d.flags.read_only",
     "a property removed from a request body",
     "Clients still send the property: a server that rejects unknown properties now fails their requests, and one that ignores them silently drops data the client believes was stored.",
     "Deprecate the property first (`deprecated: true`, `x-sunset`), keep accepting and ignoring it through the notice period, and document where its data goes now.",
     (obj({"navn": S, "note": S}), obj({"navn": S})),
     (obj({"navn": S, "id": RO}), obj({"navn": S})),
     "response-body-property-added"),
    ("request-body-property-became-required", "Error",
     "d.area == Area::RequestBody && d.kind == Kind::PropertyBecameRequired && !d.flags.read_only",
     "an existing request body property became required",
     "Clients that leave the property out (it was optional) now have their requests rejected.",
     "Keep it optional with a server-side default; if it must become required, announce it and change it after the notice period, in a new major version.",
     (obj({"navn": S, "kravtype": S}, ["navn"]), obj({"navn": S, "kravtype": S}, ["navn", "kravtype"])),
     (obj({"navn": S, "kravtype": S}, ["navn", "kravtype"]), obj({"navn": S, "kravtype": S}, ["navn"])),
     "response-body-property-became-optional"),
    ("request-body-property-became-optional", "Info",
     "d.area == Area::RequestBody && d.kind == Kind::PropertyBecameOptional",
     "a request body property is no longer required",
     "Every request that carried the property is still accepted. Listed for the change log.",
     "No action is needed; document what the server does when the property is left out.",
     (obj({"navn": S, "kravtype": S}, ["navn", "kravtype"]), obj({"navn": S, "kravtype": S}, ["navn"])),
     (obj({"navn": S, "kravtype": S}, ["navn"]), obj({"navn": S, "kravtype": S}, ["navn", "kravtype"])),
     "response-body-property-became-required"),
    ("request-body-additional-properties-closed", "Error",
     "d.area == Area::RequestBody && d.kind == Kind::AdditionalPropertiesClosed",
     "a request body schema stopped accepting extra properties (`additionalProperties: false`)",
     "Clients that send properties outside the list (extensions, fields of a newer model) are now rejected.",
     "Keep the schema open for the current major version; close it in a new major version after announcing it.",
     (obj({"navn": S}), obj({"navn": S}, additionalProperties=False)),
     (obj({"navn": S}, additionalProperties=False), obj({"navn": S})),
     "response-body-additional-properties-opened"),
    ("request-body-additional-properties-opened", "Info",
     "d.area == Area::RequestBody && d.kind == Kind::AdditionalPropertiesOpened",
     "a request body schema now accepts extra properties",
     "Everything accepted before is still accepted. Listed for the change log.",
     "No action is needed for existing clients.",
     (obj({"navn": S}, additionalProperties=False), obj({"navn": S})),
     (obj({"navn": S}), obj({"navn": S}, additionalProperties=False)),
     "response-body-additional-properties-closed"),
    ("request-body-property-became-read-only", "Error",
     "d.area == Area::RequestBody && d.kind == Kind::ReadOnlyChanged && d.turned_on()",
     "a request body property became `readOnly`",
     "Clients send the property, which the server now ignores or rejects: the value they set no longer takes effect.",
     "Deprecate the property in requests first and explain where the value comes from now; make it readOnly in a new major version.",
     (obj({"navn": S, "status": S}), obj({"navn": S, "status": RO})),
     (obj({"navn": S, "status": RO}), obj({"navn": S, "status": S})),
     "response-body-property-became-write-only"),
    ("response-body-required-property-removed", "Error",
     "d.area == Area::ResponseBody && d.kind == Kind::PropertyRemoved && d.flags.required && !d.flags.write_only",
     "a required property removed from a response body",
     "Clients read the property, which was always present; without it they fail to deserialise or act on a missing value.",
     "Deprecate the property (`deprecated: true`, `x-sunset`), keep sending it through the notice period, and remove it in a new major version.",
     (obj({"navn": S, "status": S}, ["navn", "status"]), obj({"navn": S}, ["navn"])),
     (obj({"navn": S, "kode": WO}, ["navn", "kode"]), obj({"navn": S}, ["navn"])),
     "request-body-required-property-added"),
    ("response-body-optional-property-removed", "Warning",
     "d.area == Area::ResponseBody && d.kind == Kind::PropertyRemoved && !d.flags.required && !d.flags.write_only",
     "an optional property removed from a response body",
     "The property was optional, so robust clients cope, but clients that used it lose the data silently.",
     "Deprecate the property first and remove it after the notice period.",
     (obj({"navn": S, "note": S}), obj({"navn": S})),
     (obj({"navn": S, "kode": WO}), obj({"navn": S})),
     "request-body-optional-property-added"),
    ("response-body-property-added", "Info",
     "d.area == Area::ResponseBody && d.kind == Kind::PropertyAdded",
     "a new property in a response body",
     "Clients ignore properties they do not know (tolerant reader), so nothing breaks; strict deserialisers that reject unknown fields should be configured not to.",
     "No action is needed; document the new property.",
     (obj({"navn": S}), obj({"navn": S, "note": S})),
     (obj({"navn": S, "note": S}), obj({"navn": S, "note": S}, ["note"])),
     "request-body-property-removed"),
    ("response-body-property-became-optional", "Error",
     "d.area == Area::ResponseBody && d.kind == Kind::PropertyBecameOptional && !d.flags.write_only",
     "a response body property is no longer required (may be missing)",
     "Clients read the property as always present; when it is missing they fail or act on a default they never chose.",
     "Keep sending the property; if it must become optional, announce it and change it after the notice period, in a new major version.",
     (obj({"navn": S, "status": S}, ["navn", "status"]), obj({"navn": S, "status": S}, ["navn"])),
     (obj({"navn": S, "status": S}, ["navn"]), obj({"navn": S, "status": S}, ["navn", "status"])),
     "request-body-property-became-required"),
    ("response-body-property-became-required", "Info",
     "d.area == Area::ResponseBody && d.kind == Kind::PropertyBecameRequired",
     "a response body property is now always present",
     "Clients that coped with a missing property still cope. Listed for the change log.",
     "No action is needed.",
     (obj({"navn": S, "status": S}, ["navn"]), obj({"navn": S, "status": S}, ["navn", "status"])),
     (obj({"navn": S, "status": S}, ["navn", "status"]), obj({"navn": S, "status": S}, ["navn"])),
     "request-body-property-became-optional"),
    ("response-body-additional-properties-opened", "Warning",
     "d.area == Area::ResponseBody && d.kind == Kind::AdditionalPropertiesOpened",
     "a response body schema now allows extra properties where it allowed none",
     "Clients generated from a closed schema (strict deserialisers) reject responses with properties they do not know.",
     "Keep the schema closed in the current major version, or make sure clients are tolerant readers before opening it.",
     (obj({"navn": S}, additionalProperties=False), obj({"navn": S})),
     (obj({"navn": S}), obj({"navn": S}, additionalProperties=False)),
     "request-body-additional-properties-closed"),
    ("response-body-additional-properties-closed", "Info",
     "d.area == Area::ResponseBody && d.kind == Kind::AdditionalPropertiesClosed",
     "a response body schema no longer allows extra properties",
     "The server promises less variety than before; clients keep working. Listed for the change log.",
     "No action is needed.",
     (obj({"navn": S}), obj({"navn": S}, additionalProperties=False)),
     (obj({"navn": S}, additionalProperties=False), obj({"navn": S})),
     "request-body-additional-properties-opened"),
    ("response-body-property-became-write-only", "Error",
     "d.area == Area::ResponseBody && d.kind == Kind::WriteOnlyChanged && d.turned_on()",
     "a response body property became `writeOnly` (no longer returned)",
     "Clients read the property from responses; it is no longer sent, so they lose the value.",
     "Deprecate the property in responses first; make it writeOnly in a new major version.",
     (obj({"navn": S, "kode": S}), obj({"navn": S, "kode": WO})),
     (obj({"navn": S, "kode": WO}), obj({"navn": S, "kode": S})),
     "request-body-property-became-read-only"),
]


def property_rules():
    for rid, level, pred, summary, why, fix, fires, clean, mirror in PROPERTY_RULES:
        where = "request-body" if rid.startswith("request") else "response-body"
        rule(id=rid, level=level, direction="Request" if where == "request-body" else "Response",
             summary=summary, why=why,
             example=f"`{flow(fires[0])}` → `{flow(fires[1])}` as the body schema.",
             fix=fix, mirror=mirror, pred=pred,
             cases={"fires": body_pair(where, *fires), "clean": body_pair(where, *clean)})


# ------------------------------------------------------------------------------------------
# Operations, parameters, bodies, responses, headers, security, servers, versions, lifecycle
# ------------------------------------------------------------------------------------------


def param(name, where="query", required=False, **kw):
    p = {"name": name, "in": where}
    if required or where == "path":
        p["required"] = True
    p["schema"] = kw.pop("schema", {"type": "string"})
    p.update(kw)
    return p


def with_params(params, path="/sager", version="1.0.0"):
    return spec(version, {path: {"get": get_op(parameters=params)}})


def with_body(body, version="1.0.0"):
    op = get_op("opretSag", responses={"201": ok("Oprettet")})
    if body is not None:
        op["requestBody"] = body
    return spec(version, {"/sager": {"post": op}})


def json_body(required=True, types=("application/json",)):
    return {"required": required,
            "content": {t: {"schema": {"type": "object"}} for t in types}}


def with_responses(responses, version="1.0.0"):
    return spec(version, {"/sager": {"get": get_op(responses=responses)}})


def resp_with_headers(headers, types=("application/json",)):
    r = {"description": "OK"}
    if headers is not None:
        r["headers"] = headers
    if types:
        r["content"] = {t: {"schema": {"type": "object"}} for t in types}
    return r


def hdr(required=False):
    h = {"schema": {"type": "string"}}
    if required:
        h["required"] = True
    return h


def v2(doc):
    doc = yaml.safe_load(yaml.safe_dump(doc))
    doc["info"]["version"] = "2.0.0"
    return doc


def ops(*methods, path="/sager", version="1.0.0", extra=None, deprecated=False, sunset=None):
    item = {}
    for m in methods:
        op = get_op(f"{m}Sager")
        if deprecated:
            op["deprecated"] = True
        if sunset:
            op["x-sunset"] = sunset
        item[m] = op
    paths = {path: item}
    if extra:
        paths.update(extra)
    return spec(version, paths)


def secured(requirements, schemes=None, version="1.0.0"):
    op = get_op()
    if requirements is not None:
        op["security"] = requirements
    comps = {"securitySchemes": schemes or {
        "oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "https://auth.example/token",
            "scopes": {"sager.laes": "Læs", "sager.skriv": "Skriv"}}}},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}}
    return spec(version, {"/sager": {"get": op}}, components=comps)


def servers(urls, version="1.0.0"):
    return spec(version, {"/sager": {"get": get_op()}}, servers=[{"url": u} for u in urls])


def structural_rules():
    add = lambda **kw: rule(**kw)

    # ---- paths and operations
    add(id="path-removed", level="Error", direction="None", mirror=None,
        summary="a path and all its operations removed",
        why="Every client calling the path now gets 404. Removal is allowed only after the element was deprecated and the notice period has run (see the policy verdict).",
        example="`/sager/{sagId}/indhentet-data` disappears from `paths`.",
        fix="Deprecate every operation on the path (`deprecated: true`, `x-sunset`), keep it through the notice period, and remove it in a new major version.",
        pred="d.kind == Kind::PathRemoved",
        cases={"fires": pair(ops("get", extra={"/krav": {"get": get_op("listKrav")}}), v2(ops("get"))),
               "clean-renamed-parameter": pair(ops("get", path="/sager/{id}"), v2(ops("get", path="/sager/{sagId}")))})
    add(id="operation-removed", level="Error", direction="None", mirror=None,
        summary="an operation removed from a path that still exists",
        why="Clients calling the method now get 405 or 404.",
        example="`DELETE /sager/{sagId}` removed while `GET /sager/{sagId}` stays.",
        fix="Deprecate the operation with an `x-sunset` date, keep it through the notice period, and remove it in a new major version.",
        pred="d.kind == Kind::OperationRemoved",
        cases={"fires": pair(ops("get", "delete"), v2(ops("get"))),
               "clean": pair(ops("get"), v2(ops("get", "delete")))})
    add(id="path-added", level="Info", direction="None", mirror=None,
        summary="a new path",
        why="New paths break nobody. Listed for the change log.",
        example="`/sager/{sagId}/frister` appears.",
        fix="No action is needed; document the new path.",
        pred="d.kind == Kind::PathAdded",
        cases={"fires": pair(ops("get"), v2(ops("get", extra={"/krav": {"get": get_op("listKrav")}}))),
               "clean": pair(ops("get"), v2(ops("get")))})
    add(id="operation-added", level="Info", direction="None", mirror=None,
        summary="a new operation on an existing path",
        why="New operations break nobody. Listed for the change log.",
        example="`POST /sager` next to `GET /sager`.",
        fix="No action is needed; document the new operation.",
        pred="d.kind == Kind::OperationAdded",
        cases={"fires": pair(ops("get"), v2(ops("get", "post"))),
               "clean": pair(ops("get", "post"), v2(ops("get", "post")))})
    add(id="operation-id-changed", level="Warning", direction="None", mirror=None,
        summary="an operation's `operationId` changed",
        why="Generated clients name their methods after the operationId, so a rename breaks the client code at compile time although the HTTP call is unchanged.",
        example="`operationId: listSager` → `operationId: hentSager`.",
        fix="Keep operationIds stable; they are public names like paths.",
        pred="d.kind == Kind::OperationIdChanged",
        cases={"fires": pair(with_params([]), v2(spec("1.0.0", {"/sager": {"get": get_op("hentSager", parameters=[])}}))),
               "clean": pair(with_params([]), v2(with_params([])))})

    # ---- parameters
    add(id="request-parameter-added-required", level="Error", direction="Request",
        mirror="response-required-header-removed",
        summary="a new required request parameter",
        why="Existing clients do not send the parameter, so all their calls are now rejected.",
        example="A new query parameter `retskreds` with `required: true`.",
        fix="Add the parameter as optional with a server-side default; make it required only in a new major version after the notice period.",
        pred="d.kind == Kind::ParameterAdded && d.flags.required",
        cases={"fires": pair(with_params([]), v2(with_params([param("retskreds", required=True)]))),
               "clean-optional": pair(with_params([]), v2(with_params([param("retskreds")])))})
    add(id="request-parameter-added-optional", level="Info", direction="Request",
        mirror="response-header-added",
        summary="a new optional request parameter",
        why="Clients that do not send it keep working. Listed for the change log.",
        example="A new query parameter `fristFoer`.",
        fix="No action is needed; document the default behaviour.",
        pred="d.kind == Kind::ParameterAdded && !d.flags.required",
        cases={"fires": pair(with_params([]), v2(with_params([param("fristFoer")]))),
               "clean-required": pair(with_params([]), v2(with_params([param("fristFoer", required=True)])))})
    add(id="request-parameter-removed", level="Warning", direction="Request",
        mirror="response-optional-header-removed",
        summary="a request parameter removed",
        why="Clients still send the parameter; the server ignores it (their filter or option silently stops working) or rejects it.",
        example="The query parameter `status` disappears from `GET /sager`.",
        fix="Deprecate the parameter with an `x-sunset` date first and remove it after the notice period.",
        pred="d.kind == Kind::ParameterRemoved",
        cases={"fires": pair(with_params([param("status")]), v2(with_params([]))),
               "clean-renamed-path-parameter": pair(
                   with_params([param("id", "path")], path="/sager/{id}"),
                   v2(with_params([param("sagId", "path")], path="/sager/{sagId}")))})
    add(id="request-parameter-became-required", level="Error", direction="Request",
        mirror="response-header-became-optional",
        summary="an optional request parameter became required",
        why="Clients that leave the parameter out (it was optional) now have their calls rejected.",
        example="`Idempotency-Key` goes from `required: false` to `required: true`.",
        fix="Announce the change in the version before, and make it only after the notice period, in a new major version.",
        pred="d.kind == Kind::ParameterRequiredChanged && d.turned_on()",
        cases={"fires": pair(with_params([param("Idempotency-Key", "header")]),
                             v2(with_params([param("Idempotency-Key", "header", required=True)]))),
               "clean": pair(with_params([param("Idempotency-Key", "header", required=True)]),
                             v2(with_params([param("Idempotency-Key", "header")])))})
    add(id="request-parameter-became-optional", level="Info", direction="Request",
        mirror="response-header-became-required",
        summary="a required request parameter became optional",
        why="Every call that sent the parameter still works. Listed for the change log.",
        example="`size` goes from `required: true` to `required: false`.",
        fix="No action is needed; document the default.",
        pred="d.kind == Kind::ParameterRequiredChanged && d.turned_off()",
        cases={"fires": pair(with_params([param("size", required=True)]), v2(with_params([param("size")]))),
               "clean": pair(with_params([param("size")]), v2(with_params([param("size", required=True)])))})
    add(id="request-parameter-style-changed", level="Error", direction="Request", mirror=None,
        summary="a request parameter's serialisation `style` changed",
        why="Clients serialise the value the old way (`form` vs `spaceDelimited`, `simple` vs `label`); the server now parses it differently or not at all.",
        example="`style: form` → `style: pipeDelimited` on an array query parameter.",
        fix="Keep the style; accept a new style under a new parameter name.",
        pred="d.kind == Kind::ParameterStyleChanged",
        cases={"fires": pair(with_params([param("ids", schema={"type": "array", "items": {"type": "string"}})]),
                             v2(with_params([param("ids", style="pipeDelimited", schema={"type": "array", "items": {"type": "string"}})]))),
               "clean-default-spelled-out": pair(with_params([param("ids")]), v2(with_params([param("ids", style="form")])))})
    add(id="request-parameter-explode-changed", level="Error", direction="Request", mirror=None,
        summary="a request parameter's `explode` changed",
        why="`ids=a&ids=b` and `ids=a,b` are different wire formats; clients keep sending the old one.",
        example="`explode: true` → `explode: false` on an array query parameter.",
        fix="Keep `explode`; accept the other form under a new parameter name.",
        pred="d.kind == Kind::ParameterExplodeChanged",
        cases={"fires": pair(with_params([param("ids", schema={"type": "array", "items": {"type": "string"}})]),
                             v2(with_params([param("ids", explode=False, schema={"type": "array", "items": {"type": "string"}})]))),
               "clean-default-spelled-out": pair(with_params([param("ids")]), v2(with_params([param("ids", explode=True)])))})

    # ---- request bodies
    add(id="request-body-added-required", level="Error", direction="Request", mirror=None,
        summary="a required request body added to an operation that had none",
        why="Existing clients send no body, so their calls are now rejected.",
        example="`POST /sager/{sagId}/afslut` gains `requestBody: {required: true, ...}`.",
        fix="Add the body as optional and make it required only in a new major version.",
        pred="d.kind == Kind::RequestBodyAdded && d.flags.required",
        cases={"fires": pair(with_body(None), v2(with_body(json_body(True)))),
               "clean-optional": pair(with_body(None), v2(with_body(json_body(False))))})
    add(id="request-body-added-optional", level="Info", direction="Request", mirror=None,
        summary="an optional request body added",
        why="Clients that send no body keep working. Listed for the change log.",
        example="`POST /sager/{sagId}/afslut` gains an optional body.",
        fix="No action is needed.",
        pred="d.kind == Kind::RequestBodyAdded && !d.flags.required",
        cases={"fires": pair(with_body(None), v2(with_body(json_body(False)))),
               "clean": pair(with_body(json_body(False)), v2(with_body(json_body(False))))})
    add(id="request-body-removed", level="Warning", direction="Request", mirror=None,
        summary="an operation no longer takes a request body",
        why="Clients keep sending the body; the server ignores it (data silently lost) or rejects it.",
        example="`requestBody` disappears from `POST /sager`.",
        fix="Deprecate the body's fields first and remove the body in a new major version.",
        pred="d.kind == Kind::RequestBodyRemoved",
        cases={"fires": pair(with_body(json_body()), v2(with_body(None))),
               "clean": pair(with_body(None), v2(with_body(None)))})
    add(id="request-body-became-required", level="Error", direction="Request", mirror=None,
        summary="an optional request body became required",
        why="Clients that send no body (it was optional) now have their calls rejected.",
        example="`requestBody.required: false` → `true`.",
        fix="Keep it optional; require it only in a new major version after the notice period.",
        pred="d.kind == Kind::RequestBodyRequiredChanged && d.turned_on()",
        cases={"fires": pair(with_body(json_body(False)), v2(with_body(json_body(True)))),
               "clean": pair(with_body(json_body(True)), v2(with_body(json_body(False))))})
    add(id="request-body-became-optional", level="Info", direction="Request", mirror=None,
        summary="a required request body became optional",
        why="Every call that sent a body still works. Listed for the change log.",
        example="`requestBody.required: true` → `false`.",
        fix="No action is needed; document what happens without a body.",
        pred="d.kind == Kind::RequestBodyRequiredChanged && d.turned_off()",
        cases={"fires": pair(with_body(json_body(True)), v2(with_body(json_body(False)))),
               "clean": pair(with_body(json_body(False)), v2(with_body(json_body(True))))})
    add(id="request-body-media-type-removed", level="Error", direction="Request",
        mirror="response-media-type-added",
        summary="a request body media type is no longer accepted",
        why="Clients that send that content type now get 415 Unsupported Media Type.",
        example="`application/xml` removed from `requestBody.content`.",
        fix="Keep accepting the media type through the notice period; remove it in a new major version.",
        pred="d.area == Area::RequestBody && d.kind == Kind::MediaTypeRemoved",
        cases={"fires": pair(with_body(json_body(types=("application/json", "application/xml"))), v2(with_body(json_body()))),
               "clean": pair(with_body(json_body()), v2(with_body(json_body(types=("application/json", "application/xml")))))})
    add(id="request-body-media-type-added", level="Info", direction="Request",
        mirror="response-media-type-removed",
        summary="a request body media type added",
        why="Clients keep sending what they sent. Listed for the change log.",
        example="`multipart/form-data` added next to `application/json`.",
        fix="No action is needed.",
        pred="d.area == Area::RequestBody && d.kind == Kind::MediaTypeAdded",
        cases={"fires": pair(with_body(json_body()), v2(with_body(json_body(types=("application/json", "multipart/form-data"))))),
               "clean": pair(with_body(json_body(types=("application/json", "multipart/form-data"))), v2(with_body(json_body())))})

    # ---- responses
    r200 = {"200": resp_with_headers(None)}
    r200_404 = {"200": resp_with_headers(None), "404": ok("Ikke fundet")}
    add(id="response-success-status-removed", level="Error", direction="Response", mirror=None,
        summary="a success (2xx/3xx) response removed",
        why="Clients expect that status on success; the server now answers with another one, which they treat as a failure or cannot parse.",
        example="`201` removed, `200` added, for `POST /sager`.",
        fix="Keep the status; a new success status belongs in a new major version.",
        pred="d.kind == Kind::ResponseRemoved && d.flags.success",
        cases={"fires": pair(with_responses({"200": ok(), "202": ok("Accepteret")}), v2(with_responses({"200": ok()}))),
               "clean-error-status": pair(with_responses(r200_404), v2(with_responses(r200)))})
    add(id="response-non-success-status-removed", level="Warning", direction="Response", mirror=None,
        summary="an error (4xx/5xx) response removed from the spec",
        why="The server may still send the status; clients that handled it specially now see it as undocumented, and generated clients lose the error type.",
        example="`404` removed from `GET /sager/{sagId}`.",
        fix="Keep documenting every status the server can send.",
        pred="d.kind == Kind::ResponseRemoved && !d.flags.success",
        cases={"fires": pair(with_responses(r200_404), v2(with_responses(r200))),
               "clean": pair(with_responses(r200), v2(with_responses(r200_404)))})
    add(id="response-success-status-added", level="Info", direction="Response", mirror=None,
        summary="a new success response",
        why="A new success status (say 202 beside 200) is new behaviour clients may not handle; usually it comes with a new feature. Listed for the change log.",
        example="`202` added beside `200`.",
        fix="Document when the server answers with the new status.",
        pred="d.kind == Kind::ResponseAdded && d.flags.success",
        cases={"fires": pair(with_responses({"200": ok()}), v2(with_responses({"200": ok(), "202": ok("Accepteret")}))),
               "clean-error-status": pair(with_responses(r200), v2(with_responses(r200_404)))})
    add(id="response-non-success-status-added", level="Info", direction="Response", mirror=None,
        summary="a new error response documented",
        why="Documenting an error status the server may already send helps clients. Listed for the change log.",
        example="`409` added to `POST /sager/{sagId}/krav`.",
        fix="No action is needed.",
        pred="d.kind == Kind::ResponseAdded && !d.flags.success",
        cases={"fires": pair(with_responses(r200), v2(with_responses(r200_404))),
               "clean": pair(with_responses(r200_404), v2(with_responses(r200_404)))})
    add(id="response-media-type-removed", level="Error", direction="Response",
        mirror="request-body-media-type-added",
        summary="a response media type removed",
        why="Clients that ask for (Accept) or parse that content type no longer get it.",
        example="`application/pdf` removed from the `200` response of `GET /kvitteringer/{id}`.",
        fix="Keep producing the media type through the notice period; remove it in a new major version.",
        pred="d.area == Area::ResponseBody && d.kind == Kind::MediaTypeRemoved",
        cases={"fires": pair(with_responses({"200": resp_with_headers(None, ("application/json", "application/pdf"))}),
                             v2(with_responses({"200": resp_with_headers(None)}))),
               "clean": pair(with_responses({"200": resp_with_headers(None)}),
                             v2(with_responses({"200": resp_with_headers(None, ("application/json", "application/pdf"))})))})
    add(id="response-media-type-added", level="Warning", direction="Response",
        mirror="request-body-media-type-removed",
        summary="a new response media type",
        why="Clients that send no `Accept` header may now receive content they cannot parse.",
        example="`application/xml` added beside `application/json` in a `200` response.",
        fix="Serve the new media type only when the client asks for it, and say so in the description.",
        pred="d.area == Area::ResponseBody && d.kind == Kind::MediaTypeAdded",
        cases={"fires": pair(with_responses({"200": resp_with_headers(None)}),
                             v2(with_responses({"200": resp_with_headers(None, ("application/json", "application/xml"))}))),
               "clean": pair(with_responses({"200": resp_with_headers(None, ("application/json", "application/xml"))}),
                             v2(with_responses({"200": resp_with_headers(None)})))})

    # ---- response headers
    def rh(headers):
        return with_responses({"200": resp_with_headers(headers)})
    add(id="response-required-header-removed", level="Error", direction="Response",
        mirror="request-parameter-added-required",
        summary="a required response header removed",
        why="Clients read the header (an ETag for If-Match, X-Total-Count for paging); without it they fail.",
        example="`ETag` removed from the `200` response of `GET /sager/{sagId}`.",
        fix="Keep sending the header; deprecate it first if it must go.",
        pred="d.kind == Kind::HeaderRemoved && d.flags.required",
        cases={"fires": pair(rh({"ETag": hdr(True)}), v2(rh({}))),
               "clean-optional": pair(rh({"ETag": hdr(False)}), v2(rh({})))})
    add(id="response-optional-header-removed", level="Warning", direction="Response",
        mirror="request-parameter-removed",
        summary="an optional response header removed",
        why="The header was optional, so robust clients cope, but those that used it lose the information.",
        example="`X-Correlation-Id` removed from a response.",
        fix="Deprecate the header first and remove it after the notice period.",
        pred="d.kind == Kind::HeaderRemoved && !d.flags.required",
        cases={"fires": pair(rh({"X-Correlation-Id": hdr(False)}), v2(rh({}))),
               "clean-required": pair(rh({"X-Correlation-Id": hdr(True)}), v2(rh({})))})
    add(id="response-header-became-optional", level="Error", direction="Response",
        mirror="request-parameter-became-required",
        summary="a required response header became optional",
        why="Clients read the header as always present; when it is missing they fail.",
        example="`X-Total-Count` goes from `required: true` to `required: false`.",
        fix="Keep the header required in the current major version.",
        pred="d.kind == Kind::HeaderRequiredChanged && d.turned_off()",
        cases={"fires": pair(rh({"X-Total-Count": hdr(True)}), v2(rh({"X-Total-Count": hdr(False)}))),
               "clean": pair(rh({"X-Total-Count": hdr(False)}), v2(rh({"X-Total-Count": hdr(True)})))})
    add(id="response-header-became-required", level="Info", direction="Response",
        mirror="request-parameter-became-optional",
        summary="an optional response header is now always sent",
        why="Clients that coped with a missing header still cope. Listed for the change log.",
        example="`ETag` goes from `required: false` to `required: true`.",
        fix="No action is needed.",
        pred="d.kind == Kind::HeaderRequiredChanged && d.turned_on()",
        cases={"fires": pair(rh({"ETag": hdr(False)}), v2(rh({"ETag": hdr(True)}))),
               "clean": pair(rh({"ETag": hdr(True)}), v2(rh({"ETag": hdr(False)})))})
    add(id="response-header-added", level="Info", direction="Response",
        mirror="request-parameter-added-optional",
        summary="a new response header",
        why="Clients ignore headers they do not know. Listed for the change log.",
        example="`Deprecation` and `Sunset` added to a deprecated operation's responses.",
        fix="No action is needed; document the header.",
        pred="d.kind == Kind::HeaderAdded",
        cases={"fires": pair(rh({}), v2(rh({"Sunset": hdr(False)}))),
               "clean": pair(rh({"Sunset": hdr(False)}), v2(rh({})))})

    # ---- security
    oauth = lambda *scopes: {"oauth2": list(scopes)}
    add(id="security-requirement-added", level="Error", direction="None", mirror=None,
        summary="an operation needs authentication it did not need, or an extra scheme",
        why="Clients that called the operation without credentials, or with one scheme only, are now refused (401).",
        example="`security: []` → `security: [{oauth2: [sager.laes]}]`.",
        fix="Announce the new requirement and enforce it only after the notice period, in a new major version.",
        pred="d.kind == Kind::SecurityRequirementAdded && d.flags.required",
        cases={"fires": pair(secured([]), v2(secured([oauth("sager.laes")]))),
               "clean-alternative": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes"), {"apiKey": []}])))})
    add(id="security-alternative-added", level="Info", direction="None", mirror=None,
        summary="a new way to authenticate (an alternative security requirement)",
        why="Existing credentials still work; clients gain a choice. Listed for the change log.",
        example="`[{oauth2: [sager.laes]}]` → `[{oauth2: [sager.laes]}, {apiKey: []}]`.",
        fix="No action is needed.",
        pred="d.kind == Kind::SecurityRequirementAdded && !d.flags.required",
        cases={"fires": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes"), {"apiKey": []}]))),
               "clean": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes")])))})
    add(id="security-alternative-removed", level="Error", direction="None", mirror=None,
        summary="a way to authenticate removed",
        why="Clients that used the removed alternative (a scope, a scheme) are now refused.",
        example="`[{oauth2: [sager.laes]}, {oauth2: [sager.skriv]}]` → `[{oauth2: [sager.skriv]}]`.",
        fix="Keep the alternative through the notice period; remove it in a new major version.",
        pred="d.kind == Kind::SecurityRequirementRemoved && d.flags.required",
        cases={"fires": pair(secured([oauth("sager.laes"), {"apiKey": []}]), v2(secured([oauth("sager.laes")]))),
               "clean-made-public": pair(secured([oauth("sager.laes")]), v2(secured([])))})
    add(id="security-requirement-removed", level="Info", direction="None", mirror=None,
        summary="authentication relaxed (a requirement removed, the operation made public)",
        why="Clients that send credentials keep working. Listed for the change log; check it was meant.",
        example="`security: [{oauth2: [sager.laes]}]` → `security: []`.",
        fix="No action is needed for clients; make sure the relaxation is intended.",
        pred="d.kind == Kind::SecurityRequirementRemoved && !d.flags.required",
        cases={"fires": pair(secured([oauth("sager.laes")]), v2(secured([]))),
               "clean": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes")])))})
    add(id="security-scope-added", level="Error", direction="None", mirror=None,
        summary="an operation needs an extra OAuth scope",
        why="Tokens issued for the old scopes are refused (403 insufficient_scope) until every client is re-registered.",
        example="`{oauth2: [sager.laes]}` → `{oauth2: [sager.laes, sager.skriv]}`.",
        fix="Accept the old scope as an alternative through the notice period.",
        pred="d.kind == Kind::SecurityScopeAdded",
        cases={"fires": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes", "sager.skriv")]))),
               "clean": pair(secured([oauth("sager.laes", "sager.skriv")]), v2(secured([oauth("sager.laes")])))})
    add(id="security-scope-removed", level="Info", direction="None", mirror=None,
        summary="an operation needs fewer OAuth scopes",
        why="Tokens with the old scopes still carry what is needed. Listed for the change log.",
        example="`{oauth2: [sager.laes, sager.skriv]}` → `{oauth2: [sager.laes]}`.",
        fix="No action is needed.",
        pred="d.kind == Kind::SecurityScopeRemoved",
        cases={"fires": pair(secured([oauth("sager.laes", "sager.skriv")]), v2(secured([oauth("sager.laes")]))),
               "clean": pair(secured([oauth("sager.laes")]), v2(secured([oauth("sager.laes", "sager.skriv")])))})
    other_schemes = {"oauth2": {"type": "http", "scheme": "bearer"},
                     "apiKey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    add(id="security-scheme-type-changed", level="Error", direction="None", mirror=None,
        summary="a security scheme changed type",
        why="Clients obtain and send credentials the old way (an OAuth flow, an API key header); the server now expects another kind.",
        example="`oauth2` scheme changed from `type: oauth2` to `type: http`.",
        fix="Add a new scheme as an alternative and retire the old one after the notice period.",
        pred="d.kind == Kind::SecuritySchemeTypeChanged",
        cases={"fires": pair(secured([oauth()]), v2(secured([oauth()], other_schemes))),
               "clean": pair(secured([oauth()]), v2(secured([oauth()])))})
    moved = {"oauth2": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://auth2.example/token", "scopes": {"sager.laes": "Læs"}}}}}
    add(id="security-token-url-changed", level="Warning", direction="None", mirror=None,
        summary="an OAuth flow's token URL changed",
        why="Clients with the token endpoint configured fetch tokens from the old URL, which may stop working.",
        example="`tokenUrl: https://auth.example/token` → `https://auth2.example/token`.",
        fix="Keep the old endpoint working (or redirecting) through the notice period.",
        pred="d.kind == Kind::SecurityTokenUrlChanged",
        cases={"fires": pair(secured([oauth()]), v2(secured([oauth()], moved))),
               "clean": pair(secured([oauth()]), v2(secured([oauth()])))})

    # ---- servers
    add(id="server-removed", level="Error", direction="None", mirror=None,
        summary="a server URL removed",
        why="Clients configured with that base URL can no longer reach the API.",
        example="`https://api.test-minskiftesag.net/x/v1` removed from `servers`.",
        fix="Keep the server through the notice period, or redirect it.",
        pred="d.kind == Kind::ServerRemoved",
        cases={"fires": pair(servers(["https://a.example/x", "https://b.example/x"]), v2(servers(["https://a.example/x"]))),
               "clean-new-major-path": pair(servers(["https://a.example/x/v1"]), v2(servers(["https://a.example/x/v2"])))})
    add(id="server-added", level="Info", direction="None", mirror=None,
        summary="a new server URL",
        why="New servers break nobody. Listed for the change log.",
        example="A test server added to `servers`.",
        fix="No action is needed.",
        pred="d.kind == Kind::ServerAdded",
        cases={"fires": pair(servers(["https://a.example/x"]), v2(servers(["https://a.example/x", "https://b.example/x"]))),
               "clean": pair(servers(["https://a.example/x"]), v2(servers(["https://a.example/x"])))})
    add(id="server-major-path-changed", level="Info", direction="None", mirror=None,
        summary="a server URL moved to a new major-version path (`/v1` → `/v2`)",
        why="With versioned base paths the old major version keeps running beside the new one, so clients of the old one are not broken by the move itself; its removal is judged by the notice period.",
        example="`https://api.domstol.dk/dokumentlager/v1` → `https://api.domstol.dk/dokumentlager/v2`.",
        fix="Keep the old major version running until its notice period has run.",
        pred="d.kind == Kind::ServerVersioned",
        cases={"fires": pair(servers(["https://a.example/x/v1"]), v2(servers(["https://a.example/x/v2"]))),
               "clean": pair(servers(["https://a.example/x/v1"]), v2(servers(["https://a.example/x/v1"])))})

    # ---- lifecycle
    add(id="operation-deprecated", level="Info", direction="None", mirror=None,
        summary="an operation was deprecated",
        why="Deprecation starts the notice period: clients must move off the operation before its sunset.",
        example="`deprecated: true` and `x-sunset: '2024-12-31'` added to `uploadDel`.",
        fix="Give an `x-sunset` date at least the notice period after publication, and name the replacement in the description.",
        pred="d.area == Area::Operation && d.kind == Kind::DeprecatedChanged && d.turned_on()",
        cases={"fires": pair(ops("get"), v2(ops("get", deprecated=True, sunset="2030-01-01"))),
               "clean": pair(ops("get", deprecated=True, sunset="2030-01-01"), v2(ops("get", deprecated=True, sunset="2030-01-01")))})
    add(id="operation-deprecation-withdrawn", level="Info", direction="None", mirror=None,
        summary="an operation is no longer deprecated",
        why="Clients that planned to move off the operation need not. Listed for the change log.",
        example="`deprecated: true` removed from an operation.",
        fix="No action is needed.",
        pred="d.area == Area::Operation && d.kind == Kind::DeprecatedChanged && d.turned_off()",
        cases={"fires": pair(ops("get", deprecated=True), v2(ops("get"))),
               "clean": pair(ops("get"), v2(ops("get", deprecated=True, sunset="2030-01-01")))})
    add(id="parameter-deprecated", level="Info", direction="None", mirror=None,
        summary="a request parameter was deprecated",
        why="Deprecation starts the notice period for the parameter.",
        example="`deprecated: true` on the query parameter `status`.",
        fix="Give an `x-sunset` date and name the replacement.",
        pred="d.area == Area::Parameter && d.kind == Kind::DeprecatedChanged && d.turned_on()",
        cases={"fires": pair(with_params([param("status")]), v2(with_params([param("status", deprecated=True)]))),
               "clean": pair(with_params([param("status", deprecated=True)]), v2(with_params([param("status", deprecated=True)])))})
    add(id="property-deprecated", level="Info", direction="None", mirror=None,
        summary="a schema property was deprecated",
        why="Deprecation starts the notice period for the property.",
        example="`deprecated: true` on the response property `note`.",
        fix="Give an `x-sunset` date and name the replacement.",
        pred="matches!(d.area, Area::RequestBody | Area::ResponseBody) && d.kind == Kind::DeprecatedChanged && d.turned_on()",
        cases={"fires": body_pair("response-body", obj({"note": S}), obj({"note": dict(S, deprecated=True)})),
               "clean": body_pair("response-body", obj({"note": dict(S, deprecated=True)}), obj({"note": dict(S, deprecated=True)}))})
    add(id="sunset-moved-earlier", level="Error", direction="None", mirror=None,
        summary="an `x-sunset` date moved earlier",
        why="Clients planned their migration against the announced date; an earlier date cuts their notice short.",
        example="`x-sunset: '2024-12-31'` → `x-sunset: '2024-09-30'`.",
        fix="Never move a sunset earlier; move it later if needed.",
        pred="d.kind == Kind::SunsetChanged && matches!((&d.old_value, &d.new_value), (Some(o), Some(n)) if n.as_str() < o.as_str())",
        cases={"fires": pair(ops("get", deprecated=True, sunset="2030-06-01"), v2(ops("get", deprecated=True, sunset="2030-01-01"))),
               "clean-later": pair(ops("get", deprecated=True, sunset="2030-01-01"), v2(ops("get", deprecated=True, sunset="2030-06-01")))})
    add(id="sunset-removed", level="Error", direction="None", mirror=None,
        summary="an `x-sunset` date removed from an element that is still deprecated",
        why="Clients lose the date they plan against; tools can no longer check that removal waits for the sunset.",
        example="`x-sunset` removed while `deprecated: true` stays.",
        fix="Keep the sunset date, or move it later.",
        pred="d.kind == Kind::SunsetChanged && d.old_value.is_some() && d.new_value.is_none() && d.lifecycle.deprecated",
        cases={"fires": pair(ops("get", deprecated=True, sunset="2030-06-01"), v2(ops("get", deprecated=True))),
               "clean-later": pair(ops("get", deprecated=True, sunset="2030-01-01"), v2(ops("get", deprecated=True, sunset="2030-06-01")))})
    add(id="deprecated-without-sunset", level="Warning", direction="None", mirror=None,
        summary="an element deprecated without an `x-sunset` date",
        why="Without a date clients cannot plan their migration, and the notice period cannot be checked against the removal.",
        example="`deprecated: true` added to an operation with no `x-sunset`.",
        fix="Add `x-sunset` with a date at least the notice period after the version's publication.",
        whole="deprecated_without_sunset",
        cases={"fires": pair(ops("get"), v2(ops("get", deprecated=True))),
               "clean": pair(ops("get"), v2(ops("get", deprecated=True, sunset="2030-01-01")))})

    release = {"service": "sager", "oldVersion": "1.0.0", "newVersion": "2.0.0",
               "noticePeriodDays": 90, "oldPublished": "2030-01-02", "newPublished": "2030-03-01",
               "newEffective": "2030-04-01"}
    add(id="sunset-shorter-than-notice", level="Error", direction="None", mirror=None,
        summary="an `x-sunset` date earlier than the notice period allows",
        why="The sunset is the date clients plan against; one that falls before the announcement plus the notice period promises less notice than the catalog does, and removing the element on that date would break the policy.",
        example="Published 2030-03-01 with 90 days' notice, but `x-sunset: '2030-04-15'` (earliest allowed 2030-05-30).",
        fix="Set `x-sunset` at least the notice period after the version's publication date.",
        whole="sunset_shorter_than_notice",
        cases={"fires": pair(ops("get"), v2(ops("get", deprecated=True, sunset="2030-04-15"))) + (release,),
               "clean-long-enough": pair(ops("get"), v2(ops("get", deprecated=True, sunset="2030-06-01"))) + (release,)})

    # ---- versions
    add(id="version-not-bumped", level="Error", direction="None", mirror=None,
        summary="a breaking change without a new major `info.version`",
        why="Semantic versioning promises that a minor or patch release does not break clients; tooling and people decide whether to upgrade on that promise.",
        example="`kravtype` becomes required but `info.version` goes from 1.0.0 to 1.1.0.",
        fix="Bump the major version (2.0.0) for a breaking change, or make the change compatible.",
        whole="version_not_bumped",
        cases={"fires": pair(with_params([]), dict(with_params([param("q", required=True)]), info={"title": "Sager", "version": "1.1.0"})),
               "clean-major": pair(with_params([]), v2(with_params([param("q", required=True)]))),
               "clean-no-promise": pair(with_params([]), dict(with_params([param("q", required=True)]), info={"title": "Sager", "version": "1.1.0"}))
               + ({"service": "sager", "oldVersion": "1.0.0", "newVersion": "1.1.0",
                   "noticePeriodDays": 0, "oldPublished": "2030-01-02", "newPublished": "2030-03-01",
                   "newEffective": "2030-03-01"},)})
    add(id="version-decreased", level="Error", direction="None", mirror=None,
        summary="`info.version` went down",
        why="Versions order releases; a lower number for a newer spec confuses clients, caches and changelogs.",
        example="`info.version: 2.0.0` → `1.9.0`.",
        fix="Always increase the version.",
        whole="version_decreased",
        cases={"fires": pair(with_params([], version="2.0.0"), with_params([], version="1.9.0")),
               "clean": pair(with_params([], version="1.9.0"), with_params([], version="2.0.0"))})
    add(id="version-unchanged", level="Warning", direction="None", mirror=None,
        summary="the spec changed but `info.version` did not",
        why="Two different contracts under one version number cannot be told apart by clients, caches or support.",
        example="A new optional parameter, `info.version` still 1.0.0.",
        fix="Bump the patch, minor or major version with every published change.",
        whole="version_unchanged",
        cases={"fires": pair(with_params([]), with_params([param("q")])),
               "clean": pair(with_params([]), dict(with_params([param("q")]), info={"title": "Sager", "version": "1.1.0"}))})


WHOLE_FNS = {
    "sunset_shorter_than_notice": '''
/// Sunsets set or moved in the new spec that fall before its publication plus the notice period
/// (needs the catalog; without one nothing is known about notice periods).
fn detect(diff: &SpecDiff, _fired: &[Fired]) -> Vec<Delta> {
    let Some(release) = &diff.release else {
        return Vec::new();
    };
    diff.deltas
        .iter()
        .filter(|d| d.kind == Kind::SunsetChanged)
        .filter(|d| {
            // The operation's own stability level may promise another notice (policy file).
            let notice = NoticePeriod {
                from: release.new_published,
                days: release.notice_for(d.operation.as_deref()),
            };
            let sunset = d.new_value.as_ref().and_then(|v| v.as_str());
            sunset
                .and_then(|s| s.parse::<Date>().ok())
                .is_some_and(|s| s < notice.ends())
        })
        .cloned()
        .collect()
}
''',
    "deprecated_without_sunset": '''
/// Deprecations in the new spec whose element carries no `x-sunset`.
fn detect(diff: &SpecDiff, _fired: &[Fired]) -> Vec<Delta> {
    diff.deltas
        .iter()
        .filter(|d| d.kind == Kind::DeprecatedChanged && d.turned_on())
        .filter(|d| {
            let Some(site) = &d.new else { return false };
            // The site is the `deprecated` keyword (or the element); the sunset sits beside it.
            let element = match site.loc.ptr.strip_suffix("/deprecated") {
                Some(parent) => Loc::new(site.loc.file, parent),
                None => site.loc.clone(),
            };
            diff.new.get(&element).and_then(|v| v.get("x-sunset")).is_none()
        })
        .cloned()
        .collect()
}
''',
    "version_not_bumped": '''
/// One delta at `info.version` when error-level changes came without a major bump. A version
/// that promised no notice (a catalog's beta or draft with `noticePeriodDays: 0`) made no
/// compatibility promise, so a minor bump may break it: semver's promise is the notice promise.
fn detect(diff: &SpecDiff, fired: &[Fired]) -> Vec<Delta> {
    let breaking = fired.iter().filter(|f| f.rule.level == Level::Error).count();
    if breaking == 0 {
        return Vec::new();
    }
    if diff.release.as_ref().is_some_and(|r| r.notice_period_days == 0) {
        return Vec::new();
    }
    let (old, new) = (
        diff.old_version.parse::<Semver>(),
        diff.new_version.parse::<Semver>(),
    );
    let bumped = matches!((old, new), (Ok(o), Ok(n)) if n.major > o.major);
    if bumped {
        return Vec::new();
    }
    vec![version_delta(diff)]
}
''',
    "version_decreased": '''
/// One delta at `info.version` when the new version is lower than the old.
fn detect(diff: &SpecDiff, _fired: &[Fired]) -> Vec<Delta> {
    match (
        diff.old_version.parse::<Semver>(),
        diff.new_version.parse::<Semver>(),
    ) {
        (Ok(o), Ok(n)) if n < o => vec![version_delta(diff)],
        _ => Vec::new(),
    }
}
''',
    "version_unchanged": '''
/// One delta at `info.version` when anything changed but the version.
fn detect(diff: &SpecDiff, _fired: &[Fired]) -> Vec<Delta> {
    if diff.old_version != diff.new_version || diff.deltas.is_empty() {
        return Vec::new();
    }
    vec![version_delta(diff)]
}
''',
}

WHOLE_IMPORTS = {
    "sunset_shorter_than_notice": "use crate::catalog::{Date, NoticePeriod};\nuse crate::diff::compare::SpecDiff;\nuse crate::diff::delta::{Delta, Direction, Kind};\nuse crate::diff::rule::{Detect, Fired, Level, Rule};\n",
    "deprecated_without_sunset": "use crate::diff::compare::SpecDiff;\nuse crate::diff::delta::{Delta, Direction, Kind};\nuse crate::diff::rule::{Detect, Fired, Level, Rule};\nuse crate::spec::Loc;\n",
    "version_not_bumped": "use crate::catalog::Semver;\nuse crate::diff::compare::SpecDiff;\nuse crate::diff::delta::{Delta, Direction};\nuse crate::diff::rule::{Detect, Fired, Level, Rule};\nuse crate::diff::version_delta;\n",
    "version_decreased": "use crate::catalog::Semver;\nuse crate::diff::compare::SpecDiff;\nuse crate::diff::delta::{Delta, Direction};\nuse crate::diff::rule::{Detect, Fired, Level, Rule};\nuse crate::diff::version_delta;\n",
    "version_unchanged": "use crate::diff::compare::SpecDiff;\nuse crate::diff::delta::{Delta, Direction};\nuse crate::diff::rule::{Detect, Fired, Level, Rule};\nuse crate::diff::version_delta;\n",
}


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def module_name(rid):
    return rid.replace("-", "_")


def write_rule(r):
    imports_needed = set()
    pred = r.get("pred")
    if pred:
        for name in ("Area", "Bound", "Kind"):
            if name + "::" in pred:
                imports_needed.add(name)
        delta_imports = ", ".join(sorted(imports_needed | {"Delta", "Direction"}))
        imports = (f"use crate::diff::delta::{{{delta_imports}}};\n"
                   "use crate::diff::rule::{Detect, Level, Rule};\n")
        detect = "Detect::Each(applies)"
        body = f"\nfn applies(d: &Delta) -> bool {{\n    {pred}\n}}\n"
    else:
        imports = WHOLE_IMPORTS[r["whole"]]
        detect = "Detect::Whole(detect)"
        body = WHOLE_FNS[r["whole"]]
    mirror = f"Some({rust_str(r['mirror'])})" if r.get("mirror") else "None"
    text = f"""//! `{r['id']}`: {r['summary']}.
//!
//! Generated by `suites/diff/generate.py` from its rule table; edit the table, not this file.

{imports}
pub static RULE: Rule = Rule {{
    id: {rust_str(r['id'])},
    level: Level::{r['level']},
    direction: Direction::{r['direction']},
    summary: {rust_str(r['summary'])},
    why: {rust_str(r['why'])},
    example: {rust_str(r['example'])},
    fix: {rust_str(r['fix'])},
    mirror: {mirror},
    detect: {detect},
}};
{body}"""
    with open(os.path.join(RULES_DIR, module_name(r["id"]) + ".rs"), "w") as f:
        f.write(text)


def write_mod():
    mods = "\n".join(f"mod {module_name(r['id'])};" for r in sorted(RULES, key=lambda r: r["id"]))
    entries = "\n".join(f"    &{module_name(r['id'])}::RULE," for r in RULES)
    text = f"""//! The diff rules, one file each, and the one list that registers them.
//!
//! The files are generated by `suites/diff/generate.py` (most rules are one check in several
//! places); each still holds its own id, level, direction, documentation and detector.

{mods}

use super::rule::Rule;

/// Every rule, in the order they are documented. Ids are public API: never rename one.
pub static RULES: &[&Rule] = &[
{entries}
];
"""
    with open(os.path.join(RULES_DIR, "mod.rs"), "w") as f:
        f.write(text)


def dump(doc):
    return yaml.dump(doc, Dumper=PlainDumper, sort_keys=False, allow_unicode=True, width=100)


def write_cases(r):
    d = os.path.join(SUITE_DIR, r["id"])
    for case, files in r["cases"].items():
        base, revision = files[0], files[1]
        case = case.rstrip("-")
        if case == "clean":
            case = "clean"
        cd = os.path.join(d, case)
        os.makedirs(cd, exist_ok=True)
        with open(os.path.join(cd, "base.yaml"), "w") as f:
            f.write(dump(base))
        with open(os.path.join(cd, "revision.yaml"), "w") as f:
            f.write(dump(revision))
        if len(files) > 2:
            # What the catalog would say about the two versions (for policy-aware rules).
            with open(os.path.join(cd, "release.json"), "w") as f:
                json.dump(files[2], f, indent=2)
                f.write("\n")


def main():
    structural_rules()
    property_rules()
    schema_rules()
    ids = [r["id"] for r in RULES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    for f in os.listdir(RULES_DIR):
        if f.endswith(".rs"):
            os.remove(os.path.join(RULES_DIR, f))
    for entry in os.listdir(SUITE_DIR):
        p = os.path.join(SUITE_DIR, entry)
        if os.path.isdir(p):
            shutil.rmtree(p)
    for r in RULES:
        write_rule(r)
        write_cases(r)
    write_mod()
    print(f"{len(RULES)} rules")


if __name__ == "__main__":
    main()
