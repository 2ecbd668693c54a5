//! The neutral structural diff: what differs between two specs, with no judgement attached.
//!
//! Comparing and judging are kept apart (as oasdiff keeps `diff/` and `checker/`): the compare
//! step records every difference it sees as a [`Delta`], naming the element, where it is on both
//! sides and which way it travels; the rules then decide which deltas break clients. A delta
//! never says "breaking": whether a tighter `maxLength` hurts depends on the direction, and that
//! is the rule's business.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::spec::Loc;
use crate::spec::source::Position;

/// Which way the element travels: a client sends requests and reads responses, so the same
/// change can break one direction and be harmless in the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Request,
    Response,
    /// Paths, servers, security, versions: not a message body or header.
    None,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Request => "request",
            Direction::Response => "response",
            Direction::None => "none",
        }
    }
}

/// Which part of the spec a delta is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Area {
    /// `info`, the document as a whole.
    Info,
    Path,
    Operation,
    /// A request parameter (path, query, header or cookie) or its schema.
    Parameter,
    /// The request body, its media types or its schema.
    RequestBody,
    /// A response (status code), its media types or its body schema.
    ResponseBody,
    /// A response header or its schema.
    ResponseHeader,
    Security,
    Server,
}

impl Area {
    pub fn direction(self) -> Direction {
        match self {
            Area::Parameter | Area::RequestBody => Direction::Request,
            Area::ResponseBody | Area::ResponseHeader => Direction::Response,
            _ => Direction::None,
        }
    }
}

/// A numeric limit of a schema. Exclusive bounds are folded into `Maximum`/`Minimum` with a flag,
/// so that `minimum: 0, exclusiveMinimum: true` (3.0) and `exclusiveMinimum: 0` (3.1) compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bound {
    MaxLength,
    MinLength,
    Maximum,
    Minimum,
    MaxItems,
    MinItems,
    MaxProperties,
    MinProperties,
}

impl Bound {
    pub const ALL: [Bound; 8] = [
        Bound::MaxLength,
        Bound::MinLength,
        Bound::Maximum,
        Bound::Minimum,
        Bound::MaxItems,
        Bound::MinItems,
        Bound::MaxProperties,
        Bound::MinProperties,
    ];

    pub fn keyword(self) -> &'static str {
        match self {
            Bound::MaxLength => "maxLength",
            Bound::MinLength => "minLength",
            Bound::Maximum => "maximum",
            Bound::Minimum => "minimum",
            Bound::MaxItems => "maxItems",
            Bound::MinItems => "minItems",
            Bound::MaxProperties => "maxProperties",
            Bound::MinProperties => "minProperties",
        }
    }

    /// Whether the bound caps values from above (a lower new value is stricter).
    pub fn is_upper(self) -> bool {
        matches!(
            self,
            Bound::MaxLength | Bound::Maximum | Bound::MaxItems | Bound::MaxProperties
        )
    }
}

/// A limit's value: the number and whether it is exclusive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub value: f64,
    pub exclusive: bool,
}

/// What differs. The old and new values, where they matter, are in [`Delta::old_value`] and
/// [`Delta::new_value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    // Structure
    PathAdded,
    PathRemoved,
    OperationAdded,
    OperationRemoved,
    OperationIdChanged,
    /// `deprecated` changed on an operation, parameter or property (values are the booleans).
    DeprecatedChanged,
    /// `x-sunset` changed (values are the dates as written, `null` when absent).
    SunsetChanged,
    ParameterAdded,
    ParameterRemoved,
    ParameterRequiredChanged,
    ParameterStyleChanged,
    ParameterExplodeChanged,
    RequestBodyAdded,
    RequestBodyRemoved,
    RequestBodyRequiredChanged,
    MediaTypeAdded,
    MediaTypeRemoved,
    ResponseAdded,
    ResponseRemoved,
    HeaderAdded,
    HeaderRemoved,
    HeaderRequiredChanged,
    SecurityRequirementAdded,
    SecurityRequirementRemoved,
    SecurityScopeAdded,
    SecurityScopeRemoved,
    SecuritySchemeTypeChanged,
    SecurityTokenUrlChanged,
    ServerAdded,
    ServerRemoved,
    /// A server URL whose only difference is its `/vN` path segment (side-by-side versioning).
    ServerVersioned,
    VersionChanged,
    // Schemas
    TypeChanged,
    FormatChanged,
    NullableChanged,
    EnumValueAdded,
    EnumValueRemoved,
    /// An `enum` list appeared where there was none.
    EnumIntroduced,
    /// The `enum` list was dropped.
    EnumDropped,
    ConstChanged,
    Bound(Bound),
    MultipleOfChanged,
    UniqueItemsChanged,
    PatternChanged,
    DefaultChanged,
    PropertyAdded,
    PropertyRemoved,
    /// An existing property entered `required` (a new property is `PropertyAdded` with
    /// [`Flags::required`]).
    PropertyBecameRequired,
    PropertyBecameOptional,
    ReadOnlyChanged,
    WriteOnlyChanged,
    /// `additionalProperties` went from allowed to `false` (values: the old and new forms).
    AdditionalPropertiesClosed,
    AdditionalPropertiesOpened,
    /// A `oneOf`/`anyOf` alternative with no counterpart on the other side.
    VariantAdded,
    VariantRemoved,
    DiscriminatorChanged,
}

/// Facts about the element that rules need to weigh a delta.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags {
    /// The element is (or, for a removal, was) required.
    pub required: bool,
    /// The property is `readOnly` (never sent in requests) on the side where it exists.
    pub read_only: bool,
    /// The property is `writeOnly` (never returned) on the side where it exists.
    pub write_only: bool,
    /// The response status is a success (1xx upgrade, 2xx, 3xx) or `default`-free success range.
    pub success: bool,
}

/// How the element stood in the old spec: the input to the notice-period policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub deprecated: bool,
    /// `x-sunset` as written (a date `YYYY-MM-DD` when well-formed).
    pub sunset: Option<String>,
}

/// One side's address of an element: its location and the position shown to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub loc: Loc,
    pub position: Position,
}

/// One structural difference.
#[derive(Debug, Clone)]
pub struct Delta {
    pub kind: Kind,
    pub area: Area,
    /// `GET /sager/{sagId}`, with the new side's path; `None` outside operations.
    pub operation: Option<String>,
    /// The element in words: `query parameter \`size\``, `request body (application/json)
    /// property \`sikkerhed.type\``. Shared with the judged change: subjects of deep recursive
    /// schemas run to kilobytes.
    pub subject: Arc<str>,
    pub old: Option<Site>,
    pub new: Option<Site>,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub flags: Flags,
    /// The element's deprecation in the old spec (for removals and changes of deprecated things).
    pub lifecycle: Lifecycle,
    /// For operations: `(method, path)` with path parameters blanked, to find the same operation in
    /// earlier versions when the policy looks for the first deprecation.
    pub operation_key: Option<(String, String)>,
}

impl Delta {
    pub fn direction(&self) -> Direction {
        self.area.direction()
    }

    /// The old and new values in compact JSON, `—` when absent.
    pub fn values(&self) -> (String, String) {
        let show = |v: &Option<Value>| match v {
            None | Some(Value::Null) => "—".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        };
        (show(&self.old_value), show(&self.new_value))
    }

    /// A neutral sentence saying what differs, for rules that add no wording of their own.
    pub fn describe(&self) -> String {
        let (old, new) = self.values();
        let what = match self.kind {
            Kind::PathAdded => "path added".to_string(),
            Kind::PathRemoved => "path removed".to_string(),
            Kind::OperationAdded => "operation added".to_string(),
            Kind::OperationRemoved => "operation removed".to_string(),
            Kind::OperationIdChanged => format!("operationId changed from `{old}` to `{new}`"),
            Kind::DeprecatedChanged => format!("`deprecated` changed from {old} to {new}"),
            Kind::SunsetChanged => format!("`x-sunset` changed from {old} to {new}"),
            Kind::ParameterAdded | Kind::HeaderAdded | Kind::RequestBodyAdded => {
                format!("added ({})", required_word(self.flags.required))
            }
            Kind::ParameterRemoved | Kind::HeaderRemoved | Kind::RequestBodyRemoved => {
                format!("removed (was {})", required_word(self.flags.required))
            }
            Kind::ParameterRequiredChanged
            | Kind::HeaderRequiredChanged
            | Kind::RequestBodyRequiredChanged => {
                format!("`required` changed from {old} to {new}")
            }
            Kind::ParameterStyleChanged => format!("`style` changed from {old} to {new}"),
            Kind::ParameterExplodeChanged => format!("`explode` changed from {old} to {new}"),
            Kind::MediaTypeAdded => format!("media type `{new}` added"),
            Kind::MediaTypeRemoved => format!("media type `{old}` removed"),
            Kind::ResponseAdded => format!("response `{new}` added"),
            Kind::ResponseRemoved => format!("response `{old}` removed"),
            Kind::SecurityRequirementAdded => format!("security requirement {new} added"),
            Kind::SecurityRequirementRemoved => format!("security requirement {old} removed"),
            Kind::SecurityScopeAdded => format!("scope `{new}` added"),
            Kind::SecurityScopeRemoved => format!("scope `{old}` removed"),
            Kind::SecuritySchemeTypeChanged => format!("scheme type changed from {old} to {new}"),
            Kind::SecurityTokenUrlChanged => format!("token URL changed from {old} to {new}"),
            Kind::ServerAdded => format!("server `{new}` added"),
            Kind::ServerRemoved => format!("server `{old}` removed"),
            Kind::ServerVersioned => format!("server `{old}` moved to the new major path `{new}`"),
            Kind::VersionChanged => format!("info.version changed from {old} to {new}"),
            Kind::TypeChanged => format!("type changed from {old} to {new}"),
            Kind::FormatChanged => format!("format changed from {old} to {new}"),
            Kind::NullableChanged => format!("nullable changed from {old} to {new}"),
            Kind::EnumValueAdded => format!("enum value {new} added"),
            Kind::EnumValueRemoved => format!("enum value {old} removed"),
            Kind::EnumIntroduced => format!("enum {new} introduced"),
            Kind::EnumDropped => format!("enum {old} dropped"),
            Kind::ConstChanged => format!("const changed from {old} to {new}"),
            Kind::Bound(b) => format!(
                "{} changed from {} to {}",
                b.keyword(),
                show_limit(&self.old_value),
                show_limit(&self.new_value)
            ),
            Kind::MultipleOfChanged => format!("multipleOf changed from {old} to {new}"),
            Kind::UniqueItemsChanged => format!("uniqueItems changed from {old} to {new}"),
            Kind::PatternChanged => format!("pattern changed from {old} to {new}"),
            Kind::DefaultChanged => format!("default changed from {old} to {new}"),
            Kind::PropertyAdded => format!(
                "property added ({}{})",
                required_word(self.flags.required),
                access_word(self.flags)
            ),
            Kind::PropertyRemoved => format!(
                "property removed (was {}{})",
                required_word(self.flags.required),
                access_word(self.flags)
            ),
            Kind::PropertyBecameRequired => "property became required".to_string(),
            Kind::PropertyBecameOptional => "property became optional".to_string(),
            Kind::ReadOnlyChanged => format!("readOnly changed from {old} to {new}"),
            Kind::WriteOnlyChanged => format!("writeOnly changed from {old} to {new}"),
            Kind::AdditionalPropertiesClosed => {
                format!("additionalProperties closed ({old} → {new})")
            }
            Kind::AdditionalPropertiesOpened => {
                format!("additionalProperties opened ({old} → {new})")
            }
            Kind::VariantAdded => format!("alternative {new} added"),
            Kind::VariantRemoved => format!("alternative {old} removed"),
            Kind::DiscriminatorChanged => {
                format!("discriminator property changed from {old} to {new}")
            }
        };
        if self.kind == Kind::VersionChanged {
            // The subject is `info.version` itself; saying it twice reads badly.
            return what;
        }
        // Built at its exact size: subjects of deep recursive schemas run to kilobytes, and
        // `format!` would leave up to as much again unused in each of thousands of messages.
        let mut message = String::with_capacity(self.subject.len() + 2 + what.len());
        message.push_str(&self.subject);
        message.push_str(": ");
        message.push_str(&what);
        message
    }

    /// For boolean values (`nullable`, `uniqueItems`, `readOnly`, `deprecated`): whether the new
    /// side says `true`.
    pub fn turned_on(&self) -> bool {
        self.new_value == Some(Value::Bool(true))
    }

    /// Whether the new side says `false` (or nothing) where the old said `true`.
    pub fn turned_off(&self) -> bool {
        self.old_value == Some(Value::Bool(true)) && !self.turned_on()
    }

    /// For type changes: whether the new types accept every value of the old types.
    pub fn new_types_accept_old(&self) -> bool {
        let null = Value::Null;
        super::schema::types_accept(
            self.new_value.as_ref().unwrap_or(&null),
            self.old_value.as_ref().unwrap_or(&null),
        )
    }

    /// For type changes: whether the old types accept every value of the new types.
    pub fn old_types_accept_new(&self) -> bool {
        let null = Value::Null;
        super::schema::types_accept(
            self.old_value.as_ref().unwrap_or(&null),
            self.new_value.as_ref().unwrap_or(&null),
        )
    }

    /// For bounds: whether the new limit admits fewer values than the old.
    pub fn tightened(&self) -> bool {
        let Kind::Bound(b) = self.kind else {
            return false;
        };
        let (old, new) = (limit(&self.old_value), limit(&self.new_value));
        match (old, new) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(o), Some(n)) => {
                if o.value == n.value {
                    n.exclusive && !o.exclusive
                } else if b.is_upper() {
                    n.value < o.value
                } else {
                    n.value > o.value
                }
            }
        }
    }

    /// For bounds: whether the new limit admits more values than the old.
    pub fn loosened(&self) -> bool {
        matches!(self.kind, Kind::Bound(_)) && !self.tightened()
    }
}

/// A limit stored as `{"value": n, "exclusive": bool}` or a plain number.
pub fn limit(v: &Option<Value>) -> Option<Limit> {
    match v.as_ref()? {
        Value::Number(n) => Some(Limit {
            value: n.as_f64()?,
            exclusive: false,
        }),
        Value::Object(m) => Some(Limit {
            value: m.get("value")?.as_f64()?,
            exclusive: m.get("exclusive").and_then(Value::as_bool).unwrap_or(false),
        }),
        _ => None,
    }
}

fn show_limit(v: &Option<Value>) -> String {
    match limit(v) {
        None => "—".to_string(),
        Some(Limit {
            value,
            exclusive: true,
        }) => format!("{value} (exclusive)"),
        Some(Limit { value, .. }) => value.to_string(),
    }
}

fn required_word(required: bool) -> &'static str {
    if required { "required" } else { "optional" }
}

fn access_word(f: Flags) -> &'static str {
    if f.read_only {
        ", readOnly"
    } else if f.write_only {
        ", writeOnly"
    } else {
        ""
    }
}
