//! Two loaded specs → a [`SpecDiff`]: every structural difference, judged by nobody yet.
//!
//! Operations are matched by method and path template with parameter names blanked, so
//! `/sager/{id}` and `/sager/{sagId}` are the same path, and path parameters are matched by their
//! position in the template. Other parameters match by location and name (header names without
//! regard to case), responses by status key, media types and headers by name. Schemas are
//! compared by meaning in [`super::schema`].

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use serde_json::{Value, json};

use super::delta::{Area, Delta, Flags, Kind, Lifecycle, Site};
use super::schema::{FxMap, Memo, Reported, SchemaDiff};
use crate::spec::model::{self, MediaType, Operation, ParamIn, Parameter, StatusSpec};
use crate::spec::{Loc, Spec};

/// The structural difference between two specs.
pub struct SpecDiff<'s> {
    pub old: &'s Spec,
    pub new: &'s Spec,
    pub deltas: Vec<Delta>,
    /// `info.version` on each side (empty when missing).
    pub old_version: String,
    pub new_version: String,
    pub old_operations: usize,
    pub new_operations: usize,
    /// Operations found on both sides: zero with operations on both sides means the two specs
    /// are probably different APIs.
    pub matched_operations: usize,
    /// What the catalog says about the two versions, for rules that need the notice period;
    /// `None` from [`compare`], set by the caller when a catalog is known.
    pub release: Option<super::policy::Release>,
    /// Occurrences of shared-schema changes not listed because the change was already listed
    /// under [`super::schema::MAX_OPERATIONS_PER_SCHEMA_CHANGE`] operations.
    pub elided: usize,
}

impl SpecDiff<'_> {
    /// Whether the two specs share nothing: probably two different services compared by mistake.
    pub fn unrelated(&self) -> bool {
        self.matched_operations == 0 && self.old_operations > 0 && self.new_operations > 0
    }
}

/// What every delta emitted under one root (an operation's body, a parameter) shares.
#[derive(Debug, Clone)]
pub struct Base {
    pub area: Area,
    pub operation: Option<String>,
    pub operation_key: Option<(String, String)>,
    pub subject: String,
}

/// Positions already looked up, old side and new: a shared schema's changes are reported
/// under several operations at the same places, and finding a place in a large file is slow.
type Positions = Rc<RefCell<[FxMap<Loc, crate::spec::Position>; 2]>>;

/// Collects deltas for one root, filling in positions; a probe only counts them.
pub struct Emitter<'s> {
    specs: Option<(&'s Spec, &'s Spec)>,
    positions: Positions,
    base: Base,
    deltas: Vec<Delta>,
    count: usize,
}

impl<'s> Emitter<'s> {
    fn new(old: &'s Spec, new: &'s Spec, base: Base, positions: Positions) -> Self {
        Emitter {
            specs: Some((old, new)),
            positions,
            base,
            deltas: Vec::new(),
            count: 0,
        }
    }

    /// An emitter that keeps nothing: used to ask "do these two schemas differ at all?".
    pub fn probe() -> Emitter<'static> {
        Emitter {
            specs: None,
            positions: Positions::default(),
            base: Base {
                area: Area::Info,
                operation: None,
                operation_key: None,
                subject: String::new(),
            },
            deltas: Vec::new(),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether this emitter only counts (see [`Emitter::probe`]).
    pub fn is_probe(&self) -> bool {
        self.specs.is_none()
    }

    /// Counts a difference without recording it (for probes).
    pub fn count_one(&mut self) {
        self.count += 1;
    }

    /// The delta's subject.
    fn subject(&self, path: &str) -> Arc<str> {
        if path.is_empty() {
            return Arc::from(self.base.subject.as_str());
        }
        Arc::from(format!("{} property `{path}`", self.base.subject))
    }

    /// The site of `loc` in `spec` (side 0 old, 1 new), its position looked up once.
    fn site(&self, side: usize, spec: &Spec, loc: &Loc) -> Site {
        let mut positions = self.positions.borrow_mut();
        let position = positions[side]
            .entry(loc.clone())
            .or_insert_with(|| spec.position(loc))
            .clone();
        Site {
            loc: loc.clone(),
            position,
        }
    }

    /// A delta on both sides: sites at the keyword when it is written there, else the schema.
    #[allow(clippy::too_many_arguments)]
    pub fn schema(
        &mut self,
        kind: Kind,
        path: &str,
        old_kw: &Loc,
        new_kw: &Loc,
        old_schema: &Loc,
        new_schema: &Loc,
        old_value: Value,
        new_value: Value,
        flags: Flags,
        lifecycle: Lifecycle,
    ) {
        self.count += 1;
        let Some((old, new)) = self.specs else {
            return;
        };
        let pick = |side: usize, spec: &Spec, kw: &Loc, schema: &Loc| {
            let loc = if spec.get(kw).is_some() { kw } else { schema };
            self.site(side, spec, loc)
        };
        let delta = Delta {
            kind,
            area: self.base.area,
            operation: self.base.operation.clone(),
            subject: self.subject(path),
            old: Some(pick(0, old, old_kw, old_schema)),
            new: Some(pick(1, new, new_kw, new_schema)),
            old_value: non_null(old_value),
            new_value: non_null(new_value),
            flags,
            lifecycle,
            operation_key: self.base.operation_key.clone(),
        };
        self.deltas.push(delta);
    }

    /// A delta for something that exists on one side only (or whose sites are given directly).
    #[allow(clippy::too_many_arguments)]
    pub fn one_sided(
        &mut self,
        kind: Kind,
        path: &str,
        old_loc: Option<&Loc>,
        new_loc: Option<&Loc>,
        old_value: Value,
        new_value: Value,
        flags: Flags,
        lifecycle: Lifecycle,
    ) {
        self.count += 1;
        let Some((old, new)) = self.specs else {
            return;
        };
        let delta = Delta {
            kind,
            area: self.base.area,
            operation: self.base.operation.clone(),
            subject: self.subject(path),
            old: old_loc.map(|l| self.site(0, old, l)),
            new: new_loc.map(|l| self.site(1, new, l)),
            old_value: non_null(old_value),
            new_value: non_null(new_value),
            flags,
            lifecycle,
            operation_key: self.base.operation_key.clone(),
        };
        self.deltas.push(delta);
    }
}

fn non_null(v: Value) -> Option<Value> {
    (!v.is_null()).then_some(v)
}

/// A path template with parameter names blanked: `/sager/{}/krav/{}`.
pub fn normalized_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    out.push('{');
                }
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    out.push('}');
                }
            }
            _ if depth > 0 => {}
            _ => out.push(c),
        }
    }
    out
}

fn op_key(op: &Operation) -> (String, String) {
    match &op.webhook {
        Some(name) => (op.method.clone(), format!("webhook {name}")),
        None => (op.method.clone(), normalized_path(&op.path)),
    }
}

/// How a parameter is matched: location plus name, or plus position for path parameters.
fn param_key(op: &Operation, p: &Parameter) -> (ParamIn, String) {
    match p.location {
        ParamIn::Path => {
            let names = model::template_params(&op.path);
            match names.iter().position(|n| *n == p.name) {
                Some(i) => (ParamIn::Path, format!("#{i}")),
                None => (ParamIn::Path, p.name.clone()),
            }
        }
        ParamIn::Header => (ParamIn::Header, p.name.to_ascii_lowercase()),
        other => (other, p.name.clone()),
    }
}

fn lifecycle_at(spec: &Spec, loc: &Loc) -> Lifecycle {
    lifecycle_of(spec.get(loc))
}

/// `deprecated` and `x-sunset` of an operation, parameter or header object.
fn lifecycle_of(v: Option<&Value>) -> Lifecycle {
    Lifecycle {
        deprecated: v.and_then(|v| v.get("deprecated")) == Some(&Value::Bool(true)),
        sunset: v
            .and_then(|v| v.get("x-sunset"))
            .and_then(Value::as_str)
            .map(str::to_string),
    }
}

struct Differ<'s> {
    old: &'s Spec,
    new: &'s Spec,
    deltas: Vec<Delta>,
    memo: Memo<'s>,
    reported: Reported,
    positions: Positions,
    elided: usize,
}

/// Compares two loaded specs.
pub fn compare<'s>(old: &'s Spec, new: &'s Spec) -> SpecDiff<'s> {
    compare_models(old, new, model::build(old), model::build(new))
}

/// [`compare`] with the operation models of both specs already built (a caller that needs a
/// model itself builds it once); the models are used up.
pub fn compare_models<'s>(
    old: &'s Spec,
    new: &'s Spec,
    old_model: model::Model,
    new_model: model::Model,
) -> SpecDiff<'s> {
    let mut d = Differ {
        old,
        new,
        deltas: Vec::new(),
        memo: Memo::new(old, new),
        reported: Reported::default(),
        positions: Positions::default(),
        elided: 0,
    };
    let version = |s: &Spec| {
        s.root()
            .get("info")
            .and_then(|i| i.get("version"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let (old_version, new_version) = (version(old), version(new));
    let mut top = d.emitter(Area::Info, None, None, "info.version".into());
    if old_version != new_version {
        let at = Loc::new(0, "/info/version");
        top.one_sided(
            Kind::VersionChanged,
            "",
            Some(&at),
            Some(&at),
            json!(old_version),
            json!(new_version),
            Flags::default(),
            Lifecycle::default(),
        );
    }
    d.keep(top);
    d.servers();
    d.security_schemes();

    let (old_operations, new_operations) = (old_model.operations.len(), new_model.operations.len());
    // Operations are taken out of the models as they are compared, so the memory of both
    // models is given back while the deltas grow.
    let mut old_ops: BTreeMap<(String, String), Operation> = old_model
        .operations
        .into_iter()
        .map(|o| (op_key(&o), o))
        .collect();
    let mut new_ops: BTreeMap<(String, String), Operation> = new_model
        .operations
        .into_iter()
        .map(|o| (op_key(&o), o))
        .collect();
    let old_paths: HashSet<String> = old_ops.keys().map(|(_, p)| p.clone()).collect();
    let new_paths: HashSet<String> = new_ops.keys().map(|(_, p)| p.clone()).collect();
    let mut matched = 0;

    // A path gone as a whole is one delta, not one per operation under it.
    let mut reported_paths: HashSet<String> = HashSet::new();
    let old_keys: Vec<(String, String)> = old_ops.keys().cloned().collect();
    for key in &old_keys {
        if let Some(new_op) = new_ops.remove(key) {
            matched += 1;
            if let Some(op) = old_ops.remove(key) {
                d.operation(&op, &new_op, key);
            }
        } else if !new_paths.contains(&key.1) {
            if reported_paths.insert(key.1.clone()) {
                // Every operation under the path is unmatched, so all are still in `old_ops`.
                d.path_removed(&old_ops, &key.1);
            }
        } else if let Some(op) = old_ops.get(key) {
            d.operation_one_sided(op, key, Kind::OperationRemoved);
        }
    }
    reported_paths.clear();
    // What is left of the new operations matched nothing.
    for (key, op) in &new_ops {
        if !old_paths.contains(&key.1) {
            if reported_paths.insert(key.1.clone()) {
                let at = path_loc(op);
                let mut e = d.emitter(Area::Path, None, None, format!("path `{}`", op.path));
                e.one_sided(
                    Kind::PathAdded,
                    "",
                    None,
                    Some(&at),
                    Value::Null,
                    json!(op.path),
                    Flags::default(),
                    Lifecycle::default(),
                );
                d.keep(e);
            }
        } else {
            d.operation_one_sided(op, key, Kind::OperationAdded);
        }
    }
    SpecDiff {
        old,
        new,
        deltas: d.deltas,
        old_version,
        new_version,
        old_operations,
        new_operations,
        matched_operations: matched,
        release: None,
        elided: d.elided,
    }
}

/// The path item an operation belongs to (its parent location, in whichever file holds it).
fn path_loc(op: &Operation) -> Loc {
    let parent = op.loc.ptr.rsplit_once('/').map_or("", |(p, _)| p);
    Loc::new(op.loc.file, parent)
}

fn security_label(schemes: &[(String, Vec<String>)]) -> String {
    let parts: Vec<String> = schemes
        .iter()
        .map(|(name, scopes)| {
            if scopes.is_empty() {
                name.clone()
            } else {
                format!("{name} [{}]", scopes.join(", "))
            }
        })
        .collect();
    format!("{{{}}}", parts.join(" + "))
}

fn scheme_names(schemes: &[(String, Vec<String>)]) -> Vec<&str> {
    let mut v: Vec<&str> = schemes.iter().map(|(n, _)| n.as_str()).collect();
    v.sort_unstable();
    v
}

fn sorted_schemes(schemes: &[(String, Vec<String>)]) -> Vec<(String, Vec<String>)> {
    let mut v: Vec<(String, Vec<String>)> = schemes
        .iter()
        .map(|(n, s)| {
            let mut s = s.clone();
            s.sort();
            (n.clone(), s)
        })
        .collect();
    v.sort();
    v
}

impl<'s> Differ<'s> {
    fn emitter(
        &self,
        area: Area,
        operation: Option<String>,
        operation_key: Option<(String, String)>,
        subject: String,
    ) -> Emitter<'s> {
        Emitter::new(
            self.old,
            self.new,
            Base {
                area,
                operation,
                operation_key,
                subject,
            },
            self.positions.clone(),
        )
    }

    fn keep(&mut self, e: Emitter<'s>) {
        self.deltas.extend(e.deltas);
    }

    fn schema(&mut self, e: &mut Emitter<'s>, o: &Loc, n: &Loc) {
        let mut s = SchemaDiff::new(&mut self.memo);
        s.reported = Some(&mut self.reported);
        s.area = e.base.area;
        s.compare(e, o, n);
        self.elided += s.elided;
    }

    fn servers(&mut self) {
        let urls = |s: &Spec| -> Vec<(usize, String)> {
            s.root()
                .get("servers")
                .and_then(Value::as_array)
                .map(|list| {
                    list.iter()
                        .enumerate()
                        .filter_map(|(i, v)| Some((i, v.get("url")?.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let (old, new) = (urls(self.old), urls(self.new));
        let mut e = self.emitter(Area::Server, None, None, "servers".into());
        let mut paired_new: HashSet<usize> = HashSet::new();
        for (i, url) in &old {
            if new.iter().any(|(_, u)| u == url) {
                continue;
            }
            let at = Loc::new(0, format!("/servers/{i}"));
            let versioned = new
                .iter()
                .find(|(j, u)| !paired_new.contains(j) && same_but_version(url, u));
            match versioned {
                Some((j, u)) => {
                    paired_new.insert(*j);
                    let to = Loc::new(0, format!("/servers/{j}"));
                    e.one_sided(
                        Kind::ServerVersioned,
                        "",
                        Some(&at),
                        Some(&to),
                        json!(url),
                        json!(u),
                        Flags::default(),
                        Lifecycle::default(),
                    );
                }
                None => e.one_sided(
                    Kind::ServerRemoved,
                    "",
                    Some(&at),
                    None,
                    json!(url),
                    Value::Null,
                    Flags::default(),
                    Lifecycle::default(),
                ),
            }
        }
        for (j, url) in &new {
            if paired_new.contains(j) || old.iter().any(|(_, u)| u == url) {
                continue;
            }
            let at = Loc::new(0, format!("/servers/{j}"));
            e.one_sided(
                Kind::ServerAdded,
                "",
                None,
                Some(&at),
                Value::Null,
                json!(url),
                Flags::default(),
                Lifecycle::default(),
            );
        }
        self.keep(e);
    }

    fn security_schemes(&mut self) {
        let schemes = |s: &'s Spec| {
            s.root()
                .pointer("/components/securitySchemes")
                .and_then(Value::as_object)
        };
        let (Some(old), Some(new)) = (schemes(self.old), schemes(self.new)) else {
            return;
        };
        for (name, ov) in old {
            let Some(nv) = new.get(name) else { continue };
            let at = Loc::new(
                0,
                format!(
                    "/components/securitySchemes/{}",
                    crate::spec::pointer::escape(name)
                ),
            );
            let mut e = self.emitter(
                Area::Security,
                None,
                None,
                format!("security scheme `{name}`"),
            );
            let (ot, nt) = (ov.get("type"), nv.get("type"));
            if ot != nt {
                e.one_sided(
                    Kind::SecuritySchemeTypeChanged,
                    "",
                    Some(&at.child("type")),
                    Some(&at.child("type")),
                    json!(ot),
                    json!(nt),
                    Flags::default(),
                    Lifecycle::default(),
                );
            }
            for flow in ["clientCredentials", "authorizationCode", "password"] {
                let (ou, nu) = (
                    ov.pointer(&format!("/flows/{flow}/tokenUrl")),
                    nv.pointer(&format!("/flows/{flow}/tokenUrl")),
                );
                if let (Some(ou), Some(nu)) = (ou, nu)
                    && ou != nu
                {
                    let l = at.child("flows").child(flow).child("tokenUrl");
                    e.one_sided(
                        Kind::SecurityTokenUrlChanged,
                        "",
                        Some(&l),
                        Some(&l),
                        ou.clone(),
                        nu.clone(),
                        Flags::default(),
                        Lifecycle::default(),
                    );
                }
            }
            self.keep(e);
        }
    }

    fn path_removed(&mut self, old_ops: &BTreeMap<(String, String), Operation>, path: &str) {
        let ops: Vec<&Operation> = old_ops
            .iter()
            .filter(|((_, p), _)| p == path)
            .map(|(_, o)| o)
            .collect();
        let Some(first) = ops.first() else { return };
        // The path counts as deprecated only when every operation under it is.
        let lifecycles: Vec<Lifecycle> =
            ops.iter().map(|o| lifecycle_at(self.old, &o.loc)).collect();
        let lifecycle = Lifecycle {
            deprecated: lifecycles.iter().all(|l| l.deprecated),
            sunset: lifecycles.iter().filter_map(|l| l.sunset.clone()).max(),
        };
        let at = path_loc(first);
        let key = op_key(first);
        let mut e = self.emitter(
            Area::Path,
            None,
            Some(key),
            format!("path `{}`", first.path),
        );
        e.one_sided(
            Kind::PathRemoved,
            "",
            Some(&at),
            None,
            json!(first.path),
            Value::Null,
            Flags::default(),
            lifecycle,
        );
        self.keep(e);
    }

    fn operation_one_sided(&mut self, op: &Operation, key: &(String, String), kind: Kind) {
        let mut e = self.emitter(
            Area::Operation,
            Some(op.key()),
            Some(key.clone()),
            format!("operation `{}`", op.display_name()),
        );
        if kind == Kind::OperationRemoved {
            let lifecycle = lifecycle_at(self.old, &op.loc);
            e.one_sided(
                kind,
                "",
                Some(&op.loc),
                None,
                json!(op.key()),
                Value::Null,
                Flags::default(),
                lifecycle,
            );
        } else {
            e.one_sided(
                kind,
                "",
                None,
                Some(&op.loc),
                Value::Null,
                json!(op.key()),
                Flags::default(),
                Lifecycle::default(),
            );
        }
        self.keep(e);
    }

    fn operation(&mut self, old: &Operation, new: &Operation, key: &(String, String)) {
        let name = Some(new.key());
        let okey = Some(key.clone());
        let mut e = self.emitter(
            Area::Operation,
            name.clone(),
            okey.clone(),
            format!("operation `{}`", new.display_name()),
        );
        if old.operation_id != new.operation_id {
            let (ol, nl) = (old.loc.child("operationId"), new.loc.child("operationId"));
            e.one_sided(
                Kind::OperationIdChanged,
                "",
                Some(&ol),
                Some(&nl),
                json!(old.operation_id),
                json!(new.operation_id),
                Flags::default(),
                Lifecycle::default(),
            );
        }
        self.lifecycle_changes(&mut e, &old.loc, &new.loc);
        self.keep(e);

        self.parameters(old, new, &name, &okey);
        self.request_body(old, new, &name, &okey);
        self.responses(old, new, &name, &okey);
        self.security(old, new, &name, &okey);
    }

    /// `deprecated` and `x-sunset` of an operation or parameter object.
    fn lifecycle_changes(&mut self, e: &mut Emitter<'s>, ol: &Loc, nl: &Loc) {
        // Asked for every operation and parameter: looked up from the previous location.
        let (o, n) = (
            lifecycle_of(self.memo.old.get(ol)),
            lifecycle_of(self.memo.new.get(nl)),
        );
        if o.deprecated != n.deprecated {
            e.one_sided(
                Kind::DeprecatedChanged,
                "",
                Some(ol),
                Some(&nl.child("deprecated"))
                    .filter(|l| self.new.get(l).is_some())
                    .or(Some(nl)),
                json!(o.deprecated),
                json!(n.deprecated),
                Flags::default(),
                o.clone(),
            );
        }
        if o.sunset != n.sunset {
            let osite = ol.child("x-sunset");
            let nsite = nl.child("x-sunset");
            let osite = if self.old.get(&osite).is_some() {
                osite
            } else {
                ol.clone()
            };
            let nsite = if self.new.get(&nsite).is_some() {
                nsite
            } else {
                nl.clone()
            };
            e.one_sided(
                Kind::SunsetChanged,
                "",
                Some(&osite),
                Some(&nsite),
                json!(o.sunset),
                json!(n.sunset),
                Flags::default(),
                o,
            );
        }
    }

    fn parameters(
        &mut self,
        old: &Operation,
        new: &Operation,
        name: &Option<String>,
        key: &Option<(String, String)>,
    ) {
        let subject = |p: &Parameter| format!("{} parameter `{}`", p.location.as_str(), p.name);
        for op in &old.parameters {
            let k = param_key(old, op);
            let found = new.parameters.iter().find(|np| param_key(new, np) == k);
            let mut e = self.emitter(
                Area::Parameter,
                name.clone(),
                key.clone(),
                subject(found.unwrap_or(op)),
            );
            match found {
                None => {
                    let flags = Flags {
                        required: op.required,
                        ..Flags::default()
                    };
                    e.one_sided(
                        Kind::ParameterRemoved,
                        "",
                        Some(&op.loc),
                        None,
                        json!(op.name),
                        Value::Null,
                        flags,
                        lifecycle_at(self.old, &op.loc),
                    );
                }
                Some(np) => {
                    let flags = Flags {
                        required: np.required,
                        ..Flags::default()
                    };
                    if op.required != np.required {
                        e.one_sided(
                            Kind::ParameterRequiredChanged,
                            "",
                            Some(&op.loc),
                            Some(&np.loc),
                            json!(op.required),
                            json!(np.required),
                            flags,
                            lifecycle_at(self.old, &op.loc),
                        );
                    }
                    if op.style != np.style {
                        e.one_sided(
                            Kind::ParameterStyleChanged,
                            "",
                            Some(&op.loc),
                            Some(&np.loc),
                            json!(op.style),
                            json!(np.style),
                            flags,
                            Lifecycle::default(),
                        );
                    }
                    if op.explode != np.explode {
                        e.one_sided(
                            Kind::ParameterExplodeChanged,
                            "",
                            Some(&op.loc),
                            Some(&np.loc),
                            json!(op.explode),
                            json!(np.explode),
                            flags,
                            Lifecycle::default(),
                        );
                    }
                    self.lifecycle_changes(&mut e, &op.loc, &np.loc);
                    let schema = |p: &Parameter| {
                        p.schema
                            .clone()
                            .or_else(|| p.content.first().and_then(|m| m.schema.clone()))
                    };
                    if let (Some(os), Some(ns)) = (schema(op), schema(np)) {
                        self.schema(&mut e, &os, &ns);
                    }
                }
            }
            self.keep(e);
        }
        for np in &new.parameters {
            let k = param_key(new, np);
            if old.parameters.iter().any(|op| param_key(old, op) == k) {
                continue;
            }
            let mut e = self.emitter(Area::Parameter, name.clone(), key.clone(), subject(np));
            let flags = Flags {
                required: np.required,
                ..Flags::default()
            };
            e.one_sided(
                Kind::ParameterAdded,
                "",
                None,
                Some(&np.loc),
                Value::Null,
                json!(np.name),
                flags,
                Lifecycle::default(),
            );
            self.keep(e);
        }
    }

    fn request_body(
        &mut self,
        old: &Operation,
        new: &Operation,
        name: &Option<String>,
        key: &Option<(String, String)>,
    ) {
        let mut e = self.emitter(
            Area::RequestBody,
            name.clone(),
            key.clone(),
            "request body".into(),
        );
        match (&old.request_body, &new.request_body) {
            (None, None) => {}
            (None, Some(nb)) => {
                let flags = Flags {
                    required: nb.required,
                    ..Flags::default()
                };
                e.one_sided(
                    Kind::RequestBodyAdded,
                    "",
                    None,
                    Some(&nb.loc),
                    Value::Null,
                    json!(nb.required),
                    flags,
                    Lifecycle::default(),
                );
            }
            (Some(ob), None) => {
                let flags = Flags {
                    required: ob.required,
                    ..Flags::default()
                };
                e.one_sided(
                    Kind::RequestBodyRemoved,
                    "",
                    Some(&ob.loc),
                    None,
                    json!(ob.required),
                    Value::Null,
                    flags,
                    Lifecycle::default(),
                );
            }
            (Some(ob), Some(nb)) => {
                if ob.required != nb.required {
                    let flags = Flags {
                        required: nb.required,
                        ..Flags::default()
                    };
                    e.one_sided(
                        Kind::RequestBodyRequiredChanged,
                        "",
                        Some(&ob.loc),
                        Some(&nb.loc),
                        json!(ob.required),
                        json!(nb.required),
                        flags,
                        Lifecycle::default(),
                    );
                }
                self.keep(e);
                self.media_types(
                    Area::RequestBody,
                    "request body",
                    &ob.content,
                    &nb.content,
                    name,
                    key,
                    Flags::default(),
                );
                return;
            }
        }
        self.keep(e);
    }

    #[allow(clippy::too_many_arguments)]
    fn media_types(
        &mut self,
        area: Area,
        what: &str,
        old: &[MediaType],
        new: &[MediaType],
        name: &Option<String>,
        key: &Option<(String, String)>,
        flags: Flags,
    ) {
        let norm = |m: &MediaType| m.name.to_ascii_lowercase();
        let mut e = self.emitter(area, name.clone(), key.clone(), what.to_string());
        for om in old {
            if !new.iter().any(|nm| norm(nm) == norm(om)) {
                e.one_sided(
                    Kind::MediaTypeRemoved,
                    "",
                    Some(&om.loc),
                    None,
                    json!(om.name),
                    Value::Null,
                    flags,
                    Lifecycle::default(),
                );
            }
        }
        for nm in new {
            if !old.iter().any(|om| norm(om) == norm(nm)) {
                e.one_sided(
                    Kind::MediaTypeAdded,
                    "",
                    None,
                    Some(&nm.loc),
                    Value::Null,
                    json!(nm.name),
                    flags,
                    Lifecycle::default(),
                );
            }
        }
        self.keep(e);
        for om in old {
            let Some(nm) = new.iter().find(|nm| norm(nm) == norm(om)) else {
                continue;
            };
            if let (Some(os), Some(ns)) = (&om.schema, &nm.schema) {
                let mut e = self.emitter(
                    area,
                    name.clone(),
                    key.clone(),
                    format!("{what} ({})", nm.name),
                );
                self.schema(&mut e, os, ns);
                self.keep(e);
            }
        }
    }

    fn responses(
        &mut self,
        old: &Operation,
        new: &Operation,
        name: &Option<String>,
        key: &Option<(String, String)>,
    ) {
        let success = |k: &str| StatusSpec::parse(k).is_some_and(StatusSpec::is_success);
        let mut e = self.emitter(
            Area::ResponseBody,
            name.clone(),
            key.clone(),
            "responses".into(),
        );
        for or in &old.responses {
            if !new.responses.iter().any(|nr| nr.key == or.key) {
                let flags = Flags {
                    success: success(&or.key),
                    ..Flags::default()
                };
                e.one_sided(
                    Kind::ResponseRemoved,
                    "",
                    Some(&or.loc),
                    None,
                    json!(or.key),
                    Value::Null,
                    flags,
                    Lifecycle::default(),
                );
            }
        }
        for nr in &new.responses {
            if !old.responses.iter().any(|or| or.key == nr.key) {
                let flags = Flags {
                    success: success(&nr.key),
                    ..Flags::default()
                };
                e.one_sided(
                    Kind::ResponseAdded,
                    "",
                    None,
                    Some(&nr.loc),
                    Value::Null,
                    json!(nr.key),
                    flags,
                    Lifecycle::default(),
                );
            }
        }
        self.keep(e);
        for or in &old.responses {
            let Some(nr) = new.responses.iter().find(|nr| nr.key == or.key) else {
                continue;
            };
            let flags = Flags {
                success: success(&nr.key),
                ..Flags::default()
            };
            let what = format!("response {}", nr.key);
            self.media_types(
                Area::ResponseBody,
                &what,
                &or.content,
                &nr.content,
                name,
                key,
                flags,
            );
            for oh in &or.headers {
                let found = nr
                    .headers
                    .iter()
                    .find(|nh| nh.name.eq_ignore_ascii_case(&oh.name));
                let mut e = self.emitter(
                    Area::ResponseHeader,
                    name.clone(),
                    key.clone(),
                    format!("{what} header `{}`", oh.name),
                );
                match found {
                    None => {
                        let f = Flags {
                            required: oh.required,
                            success: flags.success,
                            ..Flags::default()
                        };
                        e.one_sided(
                            Kind::HeaderRemoved,
                            "",
                            Some(&oh.loc),
                            None,
                            json!(oh.name),
                            Value::Null,
                            f,
                            lifecycle_at(self.old, &oh.loc),
                        );
                    }
                    Some(nh) => {
                        let f = Flags {
                            required: nh.required,
                            success: flags.success,
                            ..Flags::default()
                        };
                        if oh.required != nh.required {
                            e.one_sided(
                                Kind::HeaderRequiredChanged,
                                "",
                                Some(&oh.loc),
                                Some(&nh.loc),
                                json!(oh.required),
                                json!(nh.required),
                                f,
                                Lifecycle::default(),
                            );
                        }
                        let schema = |h: &model::Header| {
                            h.schema
                                .clone()
                                .or_else(|| h.content.first().and_then(|m| m.schema.clone()))
                        };
                        if let (Some(os), Some(ns)) = (schema(oh), schema(nh)) {
                            self.schema(&mut e, &os, &ns);
                        }
                    }
                }
                self.keep(e);
            }
            let mut e = self.emitter(
                Area::ResponseHeader,
                name.clone(),
                key.clone(),
                what.clone(),
            );
            for nh in &nr.headers {
                if !or
                    .headers
                    .iter()
                    .any(|oh| oh.name.eq_ignore_ascii_case(&nh.name))
                {
                    let f = Flags {
                        required: nh.required,
                        success: flags.success,
                        ..Flags::default()
                    };
                    e.base.subject = format!("{what} header `{}`", nh.name);
                    e.one_sided(
                        Kind::HeaderAdded,
                        "",
                        None,
                        Some(&nh.loc),
                        Value::Null,
                        json!(nh.name),
                        f,
                        Lifecycle::default(),
                    );
                }
            }
            self.keep(e);
        }
    }

    fn security(
        &mut self,
        old: &Operation,
        new: &Operation,
        name: &Option<String>,
        key: &Option<(String, String)>,
    ) {
        let mut e = self.emitter(Area::Security, name.clone(), key.clone(), "security".into());
        let olds: Vec<_> = old
            .security
            .iter()
            .map(|r| (sorted_schemes(&r.schemes), &r.loc))
            .collect();
        let news: Vec<_> = new
            .security
            .iter()
            .map(|r| (sorted_schemes(&r.schemes), &r.loc))
            .collect();
        let mut left: Vec<usize> = (0..olds.len())
            .filter(|i| !news.iter().any(|n| n.0 == olds[*i].0))
            .collect();
        let mut right: Vec<usize> = (0..news.len())
            .filter(|j| !olds.iter().any(|o| o.0 == news[*j].0))
            .collect();
        // Alternatives with the same schemes but other scopes: report the scopes, not the whole.
        let mut i = 0;
        while i < left.len() {
            let o = &olds[left[i]];
            match right
                .iter()
                .position(|j| scheme_names(&news[*j].0) == scheme_names(&o.0))
            {
                Some(p) => {
                    let n = &news[right.remove(p)];
                    for (scheme, oscopes) in &o.0 {
                        let nscopes =
                            n.0.iter()
                                .find(|(s, _)| s == scheme)
                                .map(|(_, s)| s.clone())
                                .unwrap_or_default();
                        for s in nscopes.iter().filter(|s| !oscopes.contains(s)) {
                            e.base.subject = format!("security scheme `{scheme}`");
                            e.one_sided(
                                Kind::SecurityScopeAdded,
                                "",
                                Some(o.1),
                                Some(n.1),
                                Value::Null,
                                json!(s),
                                Flags {
                                    required: true,
                                    ..Flags::default()
                                },
                                Lifecycle::default(),
                            );
                        }
                        for s in oscopes.iter().filter(|s| !nscopes.contains(s)) {
                            e.base.subject = format!("security scheme `{scheme}`");
                            e.one_sided(
                                Kind::SecurityScopeRemoved,
                                "",
                                Some(o.1),
                                Some(n.1),
                                json!(s),
                                Value::Null,
                                Flags::default(),
                                Lifecycle::default(),
                            );
                        }
                    }
                    left.remove(i);
                }
                None => i += 1,
            }
        }
        e.base.subject = "security".into();
        let subset = |a: &[(String, Vec<String>)], b: &[(String, Vec<String>)]| {
            a.iter().all(|(s, scopes)| {
                b.iter()
                    .any(|(t, tscopes)| s == t && scopes.iter().all(|x| tscopes.contains(x)))
            })
        };
        for i in left {
            let (o, loc) = &olds[i];
            // Clients that used this way in lose access unless a weaker way in remains.
            let stricter = !news.is_empty() && !news.iter().any(|(n, _)| subset(n, o));
            let new_site = news.first().map(|(_, l)| *l);
            e.one_sided(
                Kind::SecurityRequirementRemoved,
                "",
                Some(loc),
                new_site,
                json!(security_label(o)),
                Value::Null,
                Flags {
                    required: stricter,
                    ..Flags::default()
                },
                Lifecycle::default(),
            );
        }
        for j in right {
            let (n, loc) = &news[j];
            // Stricter when the operation was open, or an existing way in gained a scheme.
            let stricter = olds.is_empty() || olds.iter().any(|(o, _)| subset(o, n) && o != n);
            let old_site = olds.first().map(|(_, l)| *l);
            e.one_sided(
                Kind::SecurityRequirementAdded,
                "",
                old_site,
                Some(loc),
                Value::Null,
                json!(security_label(n)),
                Flags {
                    required: stricter,
                    ..Flags::default()
                },
                Lifecycle::default(),
            );
        }
        self.keep(e);
    }
}

/// Whether two server URLs differ only in a `v<digits>` path segment (`/x/v1` vs `/x/v2`).
fn same_but_version(a: &str, b: &str) -> bool {
    let (sa, sb): (Vec<&str>, Vec<&str>) = (a.split('/').collect(), b.split('/').collect());
    if sa.len() != sb.len() {
        return false;
    }
    let is_version =
        |s: &str| s.len() > 1 && s.starts_with('v') && s[1..].bytes().all(|c| c.is_ascii_digit());
    let mut diffs = 0;
    for (x, y) in sa.iter().zip(&sb) {
        if x != y {
            if !(is_version(x) && is_version(y)) {
                return false;
            }
            diffs += 1;
        }
    }
    diffs == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_whatever_the_parameter_names() {
        assert_eq!(
            normalized_path("/sager/{id}"),
            normalized_path("/sager/{sagId}")
        );
        assert_eq!(normalized_path("/a/{x}/b/{y}"), "/a/{}/b/{}");
        assert_ne!(normalized_path("/a/{x}"), normalized_path("/a/x"));
    }

    #[test]
    fn versioned_servers() {
        assert!(same_but_version(
            "https://h/dokumentlager/v1",
            "https://h/dokumentlager/v2"
        ));
        assert!(!same_but_version("https://h/a/v1", "https://h/b/v2"));
        assert!(!same_but_version("https://h/a/v1", "https://g/a/v2"));
    }
}
