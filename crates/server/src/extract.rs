//! Extractors whose rejections are `AppError`s, so malformed JSON, bad paths and bad queries get
//! the same JSON error shape as everything else; and the request's metadata for the audit trail.

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use ipnet::IpNet;
use models::FieldError;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, SocketAddr};

/// `axum::Json` with the portal's error shape. Serde's messages are kept for the field path
/// and position but lose any quoted input, which could be a secret.
pub struct AppJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AppJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = json_body(req, state).await?;
        match axum::Json::<T>::from_bytes(&body.bytes) {
            Ok(axum::Json(v)) => Ok(AppJson(v)),
            Err(rejection) => Err(json_rejection::<T>(rejection, &body)),
        }
    }
}

/// A request's JSON body as it is read.
struct JsonBody {
    bytes: axum::body::Bytes,
    /// Whether `bytes` is the body written anew (without its `null` members) rather than the
    /// text sent, so that a place in it is no place in what the sender wrote.
    rewritten: bool,
}

/// The bytes of a request's body, which must be JSON; a member given as `null` is read as left
/// out, as a JSON library writes a value it has none of.
async fn json_body<S: Send + Sync>(req: Request, state: &S) -> Result<JsonBody, AppError> {
    let json = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));
    let mut body = axum::body::Bytes::from_request(req, state)
        .await
        .map_err(|r| match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
            _ => AppError::BadRequest("The request body could not be received.".into()),
        })?;
    // A byte order mark, as editors on Windows begin a file saved as UTF-8 (`curl -d @file`),
    // is no part of the JSON: JSON's standard lets a reader ignore it, and the portal does.
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    if body.starts_with(BOM) {
        body = body.slice(BOM.len()..);
    }
    // None sent (a `curl -X DELETE` without `--data`, say): said as such, whatever its type.
    if body.trim_ascii().is_empty() {
        return Err(AppError::BadRequest(
            "The request has no body: this route takes a JSON object (Content-Type: \
             application/json) with its fields, as the README's API section lists them."
                .into(),
        ));
    }
    if !json {
        return Err(AppError::UnsupportedMediaType);
    }
    // Something after the one JSON value (`{} x`): said as such, rather than what the value
    // lacks, which a reader of its fields would say first.
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&body)
        && e.to_string().starts_with("trailing characters")
    {
        return Err(AppError::BadRequest(format!(
            "The request body is not valid JSON: {e}"
        )));
    }
    if let Some(refusal) = positional(&body) {
        return Err(AppError::BadRequest(format!(
            "The request body could not be read: {refusal}"
        )));
    }
    // A body with a null is read through a map (see `without_nulls`), which keeps only the last
    // of a key given twice: so a key given twice is refused here, as serde refuses it in a body
    // read as it came.
    if has_null(&body)
        && let Some(twice) = given_twice(&body)
    {
        return Err(AppError::BadRequest(format!(
            "The request body could not be read: {twice}"
        )));
    }
    Ok(match without_nulls(&body) {
        Some(rewritten) => JsonBody {
            bytes: rewritten.into(),
            rewritten: true,
        },
        None => JsonBody {
            bytes: body,
            rewritten: false,
        },
    })
}

/// Why a body that gives an array where an object belongs (the body itself, or a peering's
/// `config`) is refused: serde would read its items by position (`["acme"]` as
/// `{"company": "acme"}`). An empty array is refused by serde itself, with its place.
fn positional(body: &[u8]) -> Option<&'static str> {
    use serde_json::Value;
    if !body.contains(&b'[') {
        return None;
    }
    let items = |v: Option<&Value>| v.and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        // Nested deeper than a reader goes: no request of the portal's is, whatever it holds.
        Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
            return Some("arrays or objects nested more than 128 deep, which no route takes");
        }
        Err(_) => return None,
    };
    match value {
        v if items(Some(&v)) => Some("invalid type: array, expected an object"),
        Value::Object(members) if items(members.get("config")) => {
            Some("config: invalid type: array, expected an object")
        }
        _ => None,
    }
}

/// What says that an object of the body (at any depth) gives a key twice, if one does: the
/// key's name when it could be a field's (letters only), which a sender's text given as a key
/// (a secret pasted in the wrong place) is not said back.
fn given_twice(body: &[u8]) -> Option<String> {
    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
    struct Walk;
    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !seen.insert(key.clone()) {
                    let named = key.len() <= 40 && key.bytes().all(|b| b.is_ascii_alphabetic());
                    return Err(A::Error::custom(if named {
                        format!("duplicate field `{key}`")
                    } else {
                        "a member is given twice".to_owned()
                    }));
                }
                map.next_value_seed(Walk)?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk)?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match Walk.deserialize(&mut de) {
        Err(e) if e.is_data() => Some(e.to_string()),
        _ => None,
    }
}

/// Whether the body's text has `null` in it anywhere (a cheap first look).
fn has_null(body: &[u8]) -> bool {
    body.windows(4).any(|w| w == b"null")
}

/// The body without the members of its objects that are `null`, if it has any (and is JSON).
fn without_nulls(body: &[u8]) -> Option<Vec<u8>> {
    fn strip(value: &mut serde_json::Value) -> bool {
        match value {
            serde_json::Value::Object(members) => {
                let before = members.len();
                members.retain(|_, v| !v.is_null());
                let mut stripped = members.len() != before;
                for v in members.values_mut() {
                    stripped |= strip(v);
                }
                stripped
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |s, v| strip(v) | s),
            _ => false,
        }
    }
    if !has_null(body) {
        return None;
    }
    let mut value = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    strip(&mut value).then(|| serde_json::to_vec(&value).ok())?
}

/// A JSON body that may leave out required fields (or give a number a whole-number field's rule
/// refuses, such as a negative ASN), for a route that checks more rules of its own: the body is
/// read with a stand-in for each such field, so that [`Partial::checked`] can run the route's
/// rules on the rest and say every refusal at once ("vlanId is required" beside "reason is
/// required", say) instead of only those fields. Otherwise refused as [`AppJson`] refuses it.
pub struct Partial<T> {
    value: T,
    /// The fields left out, each said as required, and the numbers refused by their rule.
    refused: Vec<FieldError>,
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Partial<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = json_body(req, state).await?;
        let rejection = match axum::Json::<T>::from_bytes(&body.bytes) {
            Ok(axum::Json(value)) => {
                return Ok(Partial {
                    value,
                    refused: Vec::new(),
                });
            }
            Err(rejection) => rejection,
        };
        if let Some(Past::Readable {
            refused,
            filled: Some(filled),
        }) = read_past_refused::<T>(&body.bytes)
            && !refused.is_empty()
            && let Ok(value) = serde_json::from_value::<T>(filled)
        {
            return Ok(Partial { value, refused });
        }
        Err(json_rejection::<T>(rejection, &body))
    }
}

impl<T> Partial<T> {
    /// The body, once `check` (the route's own rules) passes and no field was refused while
    /// reading it; otherwise every field refused at once: those refused while reading, then
    /// what `check` refused of the others (its refusals of the stand-ins are not the sender's,
    /// and are dropped).
    pub fn checked(self, check: impl FnOnce(&T) -> Result<(), AppError>) -> Result<T, AppError> {
        let result = check(&self.value);
        if self.refused.is_empty() {
            return result.map(|()| self.value);
        }
        let mut fields = self.refused;
        if let Err(AppError::Validation(more)) = result {
            let others: Vec<FieldError> = more
                .into_iter()
                .filter(|f| fields.iter().all(|m| m.field != f.field))
                .collect();
            fields.extend(others);
        }
        Err(AppError::Validation(fields))
    }
}

fn json_rejection<T: DeserializeOwned>(r: JsonRejection, body: &JsonBody) -> AppError {
    const WRONG_SHAPE: &str = "Failed to deserialize the JSON body into the target type: ";
    match r.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        _ => {
            let mut text = r.body_text();
            if body.rewritten {
                text = without_position(&text).to_owned();
            }
            match read_past_refused::<T>(&body.bytes) {
                Some(Past::Readable { refused, .. }) if !refused.is_empty() => {
                    AppError::Validation(refused)
                }
                // Serde stopped at a field it could read past, but the body is wrong otherwise
                // too: that is said, since those fields alone would not make it readable.
                Some(Past::Other {
                    refusal,
                    past: true,
                }) => AppError::BadRequest(body_message(&format!("{WRONG_SHAPE}{}", refusal.text))),
                _ => AppError::BadRequest(body_message(&text)),
            }
        }
    }
}

/// serde's message without the place it ends with (`… at line 1 column 30`).
fn without_position(message: &str) -> &str {
    let Some((head, place)) = message.rsplit_once(" at line ") else {
        return message;
    };
    let numbers = place.split_once(" column ");
    let all_digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    match numbers {
        Some((line, column)) if all_digits(line) && all_digits(column) => head,
        _ => message,
    }
}

/// How far a body reads once every required field it leaves out, and every number a
/// whole-number field's rule refuses, is given a stand-in of a type the field takes.
enum Past {
    /// Nothing else is wrong: these are the fields refused, named as the request type names them
    /// (never with the sender's text: `config.vlanId` is `vlanId`, as the rules name a config's
    /// fields); and the body with a stand-in for each, unless one stands in for a whole object
    /// (whose own fields would then be refused for what the sender never sent).
    Readable {
        refused: Vec<FieldError>,
        filled: Option<serde_json::Value>,
    },
    /// Something else is wrong: the first such refusal, and whether it was met only past a
    /// stand-in (so that it is not the refusal of the body as sent).
    Other { refusal: Refusal, past: bool },
}

/// Serde stops at the first missing field, or number out of its field's rule; this reads the
/// body again past each one, so that all of them are said at once, whatever order they come
/// in, or says what else is wrong.
fn read_past_refused<T: DeserializeOwned>(body: &[u8]) -> Option<Past> {
    /// Values one of which any field type of a request takes, to read past a missing field.
    const STAND_INS: [&str; 5] = ["\"\"", "0", "[]", "{}", "false"];
    let mut value = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    let mut refused: Vec<FieldError> = Vec::new();
    // The fields read past, by the path of their object and their name.
    let mut found: Vec<(String, String)> = Vec::new();
    // Where the stand-ins are: what they lack in turn is not the sender's.
    let mut stood_in: Vec<String> = Vec::new();
    let mut whole_object = false;
    for _ in 0..64 {
        let Some(refused_here) = refusal::<T>(&value) else {
            return Some(Past::Readable {
                refused,
                filled: (!whole_object).then_some(value),
            });
        };
        let past = !found.is_empty();
        let (at, field, error, stand_ins) = if let Some((at, field)) = refused_here.required() {
            let error = FieldError {
                message: models::validate::required(&field),
                field: field.clone(),
            };
            (at, field, error, &STAND_INS[..])
        } else if let Some(error) = number_rule(&refused_here, &value) {
            let Some((serde_path_to_error::Segment::Map { key }, parent)) =
                refused_here.at.split_last()
            else {
                return Some(Past::Other {
                    refusal: refused_here,
                    past,
                });
            };
            (parent.to_vec(), key.clone(), error, &STAND_INS[1..2])
        } else {
            return Some(Past::Other {
                refusal: refused_here,
                past,
            });
        };
        let object_path = path_text(&at);
        let field_path = format!("{object_path}{field}/");
        let ours = stood_in.iter().any(|p| object_path.starts_with(p.as_str()));
        let key = (object_path, field.clone());
        if found.contains(&key) {
            return Some(Past::Other {
                refusal: refused_here,
                past,
            });
        }
        found.push(key);
        if !ours {
            refused.push(error);
        }
        let fits = stand_ins.iter().position(|stand_in| {
            let Some(object) = object_at(&mut value, &at) else {
                return false;
            };
            object.insert(
                field.clone(),
                serde_json::from_str(stand_in).unwrap_or_default(),
            );
            // Refused again at the field itself for anything but its own fields: not its type.
            !refusal::<T>(&value).is_some_and(|r| {
                path_text(&r.at) == field_path
                    && r.required()
                        .is_none_or(|(a, _)| path_text(&a) != field_path)
            })
        });
        let Some(fits) = fits else {
            return Some(Past::Other {
                refusal: refused_here,
                past,
            });
        };
        whole_object |= stand_ins[fits] == "{}";
        stood_in.push(field_path);
    }
    None
}

/// A number refused for a whole-number field that has a rule of its own (a negative ASN, a
/// VLAN with a fraction): that rule, under the field's name, rather than the type's range.
fn number_rule(refused: &Refusal, body: &serde_json::Value) -> Option<FieldError> {
    // Only a number refused for its value: a field the route does not take, whatever its
    // name, stays an unknown field.
    let a_number = ["invalid value: integer", "invalid type: floating point"]
        .iter()
        .any(|m| refused.message.starts_with(m));
    if !a_number {
        return None;
    }
    let (serde_path_to_error::Segment::Map { key }, parent) = refused.at.split_last()? else {
        return None;
    };
    let mut at = body;
    for segment in parent {
        at = match segment {
            serde_path_to_error::Segment::Map { key } => at.get(key)?,
            serde_path_to_error::Segment::Seq { index } => at.get(index)?,
            _ => return None,
        };
    }
    let serde_json::Value::Number(number) = at.get(key)? else {
        return None;
    };
    let e = models::validate::number_field(key, &number.to_string())?;
    Some(FieldError {
        field: e.field().to_owned(),
        message: e.to_string(),
    })
}

/// Where and why serde refused a body.
struct Refusal {
    at: Vec<serde_path_to_error::Segment>,
    message: String,
    /// As serde_path_to_error writes it: the path, then the message.
    text: String,
}

fn refusal<T: DeserializeOwned>(value: &serde_json::Value) -> Option<Refusal> {
    let e = serde_path_to_error::deserialize::<_, T>(value.clone()).err()?;
    Some(Refusal {
        at: e.path().iter().cloned().collect(),
        message: e.inner().to_string(),
        text: e.to_string(),
    })
}

impl Refusal {
    /// A field absent (a member given as `null` was taken out before): the path of the object
    /// that lacks it, and its name.
    fn required(&self) -> Option<(Vec<serde_path_to_error::Segment>, String)> {
        let rest = self.message.strip_prefix("missing field `")?;
        Some((self.at.clone(), rest.split_once('`')?.0.to_owned()))
    }
}

/// A path as serde_path_to_error writes it, to tell two apart.
fn path_text(path: &[serde_path_to_error::Segment]) -> String {
    path.iter().map(|s| format!("{s}/")).collect()
}

/// The object at `path` in `value`.
fn object_at<'v>(
    value: &'v mut serde_json::Value,
    path: &[serde_path_to_error::Segment],
) -> Option<&'v mut serde_json::Map<String, serde_json::Value>> {
    use serde_path_to_error::Segment;
    let mut here = value;
    for segment in path {
        here = match segment {
            Segment::Map { key } => here.get_mut(key)?,
            Segment::Seq { index } => here.get_mut(index)?,
            _ => return None,
        };
    }
    here.as_object_mut()
}

/// What a sender reads when serde refuses a body: in JSON's words rather than Rust's (a
/// `PeeringConfig` struct is an object, a `u16` a whole number), without any quoted input.
fn body_message(rejection: &str) -> String {
    const NOT_JSON: &str = "Failed to parse the request body as JSON: ";
    const WRONG_SHAPE: &str = "Failed to deserialize the JSON body into the target type: ";
    if let Some(detail) = rejection.strip_prefix(NOT_JSON) {
        return format!(
            "The request body is not valid JSON: {}",
            syntax_words(detail)
        );
    }
    let detail = rejection.strip_prefix(WRONG_SHAPE).unwrap_or(rejection);
    format!(
        "The request body could not be read: {}{}",
        json_words(&strip_quoted(&without_unknown_key(detail))),
        misplaced_config_field(detail).unwrap_or_default()
    )
}

/// The fields of a peering's `config`, as a request names them.
const CONFIG_FIELDS: [&str; 8] = [
    "peerASN",
    "primaryPeerSubnet",
    "secondaryPeerSubnet",
    "vlanId",
    "sharedKey",
    "advertisedPublicPrefixes",
    "customerASN",
    "routingRegistryName",
];

/// Where an unknown field is one of a peering config's, sent beside `config` rather than in
/// it, a sentence that says where it goes. The key is then one of the portal's own names, so
/// it can be said.
fn misplaced_config_field(detail: &str) -> Option<String> {
    let (path, rest) = detail.split_once(": unknown field `")?;
    let (key, expected) = rest.split_once("`, expected")?;
    (path == key && expected.contains("`config`") && CONFIG_FIELDS.contains(&key))
        .then(|| format!(". `{key}` is a field of `config`: send it inside that object"))
}

/// A JSON syntax error as serde_json words it. It quotes only its own tokens (`expected `,` or
/// `}``), which stay; anything else quoted goes, as in [`strip_quoted`]. Where the parser was when
/// the text broke off has no name (`config.?`), so that part of the path is left out.
fn syntax_words(detail: &str) -> String {
    const TOKENS: [&str; 4] = ["`,` or `}`", "`,` or `]`", "`:`", "`\"`"];
    let path_end = detail.find(": ").map_or(0, |i| i + 2);
    let (path, words) = detail.split_at(path_end);
    let path = match path.replace(".?", "").as_str() {
        "?: " => String::new(),
        p => p.to_owned(),
    };
    let unquoted = TOKENS
        .iter()
        .fold(words.to_owned(), |w, t| w.replace(t, ""));
    if unquoted.contains(['"', '`']) {
        format!("{path}{}", strip_quoted(words))
    } else {
        format!("{path}{words}")
    }
}

/// serde's path to an unknown field ends in the sender's own key, which the message must not
/// echo either: `config.sharedkey: unknown field …` is said as `config: unknown field …`.
fn without_unknown_key(detail: &str) -> String {
    const UNKNOWN: &str = ": unknown field `";
    let Some((path, rest)) = detail.split_once(UNKNOWN) else {
        return detail.to_owned();
    };
    // The key as serde quotes it (it may hold quotes and dots itself), and the path without it.
    let key = rest.rfind("`, expected").map_or(rest, |end| &rest[..end]);
    let parent = path
        .strip_suffix(key)
        .map_or("", |p| p.strip_suffix('.').unwrap_or(p));
    match parent {
        "" => format!("unknown field `{rest}"),
        parent => format!("{parent}: unknown field `{rest}"),
    }
}

/// serde's names of Rust types and of its own data model, as JSON calls them.
fn json_words(message: &str) -> String {
    const WORDS: [(&str, &str); 5] = [
        ("invalid type: sequence", "invalid type: array"),
        ("invalid type: map", "invalid type: object"),
        // serde_json reads a number with a fraction or an exponent, or one too large for any
        // integer, as a float.
        (
            "invalid type: floating point",
            "invalid type: number with a fraction or an exponent, or too large",
        ),
        ("expected a sequence", "expected an array"),
        ("expected a map", "expected an object"),
    ];
    let out = WORDS
        .iter()
        .fold(message.to_owned(), |m, (rust, json)| m.replace(rust, json));
    field_number_words(&integer_words(&object_words(&out)))
}

/// A whole-number field with a rule of its own says that rule, not its type's range (`peerASN:
/// … expected a whole number from 1 to 4294967295`, not `of 0 or more`): the field is the
/// message's first word, as serde names it (`config.peerASN:`).
fn field_number_words(message: &str) -> String {
    const TYPE_WORDS: &str = "a whole number of 0 or more";
    let field = message
        .split_once(": ")
        .map(|(path, _)| path.rsplit('.').next().unwrap_or(path));
    let rule = match field {
        Some("peerASN" | "customerASN") => "a whole number from 1 to 4294967295",
        Some("vlanId") => "a whole number from 1 to 4094",
        Some("speedMbps") => "a whole number of Mbps, one of the speeds offered",
        _ => return message.to_owned(),
    };
    message.replacen(TYPE_WORDS, rule, 1)
}

/// An integer type is a whole number: `expected u16`, `expected i64`.
fn integer_words(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut previous = "";
    for (n, word) in message.split(' ').enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let name_len = word
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(word.len());
        let (name, tail) = word.split_at(name_len);
        match (previous, name) {
            ("expected", "u8" | "u16" | "u32" | "u64" | "u128" | "usize") => {
                out.push_str("a whole number of 0 or more");
                out.push_str(tail);
            }
            ("expected", "i8" | "i16" | "i32" | "i64" | "i128" | "isize") => {
                out.push_str("a whole number");
                out.push_str(tail);
            }
            _ => out.push_str(word),
        }
        previous = word;
    }
    out
}

/// A struct is an object: `expected struct PeeringConfig`, and given an array instead,
/// `invalid length 0, expected struct PeeringConfig with 8 elements`.
fn object_words(message: &str) -> String {
    const STRUCT: &str = "expected struct ";
    const LENGTH: &str = "invalid length ";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(STRUCT) {
        let mut before = &rest[..at];
        let given_an_array = before.strip_suffix(", ").and_then(|b| {
            let i = b.rfind(LENGTH)?;
            let count = &b[i + LENGTH.len()..];
            (!count.is_empty() && count.bytes().all(|c| c.is_ascii_digit())).then_some(&b[..i])
        });
        if let Some(head) = given_an_array {
            before = head;
        }
        out.push_str(before);
        out.push_str(if given_an_array.is_some() {
            "invalid type: array, expected an object"
        } else {
            "expected an object"
        });
        let after =
            rest[at + STRUCT.len()..].trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        rest = match after.strip_prefix(" with ") {
            Some(count) => {
                let words = count.trim_start_matches(|c: char| c.is_ascii_digit());
                [" elements", " element"]
                    .iter()
                    .find_map(|w| words.strip_prefix(w))
                    .unwrap_or(after)
            }
            None => after,
        };
    }
    out.push_str(rest);
    out
}

/// Serde's message without the sender's text: what it quotes of the input (a value, an unknown
/// key, which could be a secret) becomes `…`. Serde puts that text first and the request type's
/// own words after `, expected` (the allowed values, say), which are kept, as is the name of a
/// field it says is missing or given twice. Quoted input may itself hold quotes, so everything
/// from its opening quote to the last possible closing one goes.
pub fn strip_quoted(message: &str) -> String {
    const NAMES_A_FIELD: [&str; 2] = ["missing field ", "duplicate field "];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find(['"', '`']) {
        let (before, quote, after) = (&rest[..i], &rest[i..=i], &rest[i + 1..]);
        out.push_str(before);
        out.push_str(quote);
        let names_a_field = NAMES_A_FIELD.iter().any(|p| before.ends_with(p));
        if quote == "`"
            && names_a_field
            && let Some(j) = after.find('`')
        {
            out.push_str(&after[..=j]);
            rest = &after[j + 1..];
            continue;
        }
        // An unknown key that is a slip of one of the names expected is said, with that name:
        // it is no one's secret, and the sender sees what to write instead.
        if quote == "`"
            && before.ends_with("unknown field ")
            && let Some(j) = after.rfind("`, expected")
            && let Some(meant) = meant_field(&after[..j], &after[j + 1..])
        {
            out.push_str(&format!("{}` (did you mean `{meant}`?)", &after[..j]));
            out.push_str(&after[j + 1..]);
            return out;
        }
        out.push('…');
        if let Some(j) = after.rfind(&format!("{quote}, expected")) {
            out.push_str(&after[j..]);
            return out;
        }
        out.push_str(quote);
        rest = after.rfind(quote).map_or("", |j| &after[j + 1..]);
    }
    out.push_str(rest);
    out
}

/// The field `key` was most likely meant to be, among the names quoted in serde's `expected`
/// part (`, expected one of `a`, `b``): one it is a slip of, as people make them: another case
/// or separator (`service_key` for `serviceKey`), a word added (`ticketId` for `ticket`,
/// `speedMbps` for `speed`), or a letter or two wrong, left out or swapped (`tciket`). Only a
/// short key of letters, `_` and `-` is one (no name the portal takes has a digit); anything
/// else, which may be text pasted in the wrong place, is not said.
fn meant_field<'e>(key: &str, expected: &'e str) -> Option<&'e str> {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    if key.is_empty()
        || key.len() > 40
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphabetic() || matches!(b, b'_' | b'-'))
    {
        return None;
    }
    let typed = plain(key);
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|name| !name.is_empty())
        .map(|name| (name, plain(name)))
        .filter(|(_, name)| {
            let (short, long) = if name.len() <= typed.len() {
                (name.as_str(), typed.as_str())
            } else {
                (typed.as_str(), name.as_str())
            };
            *name == typed
                || (short.len() >= 4 && long.starts_with(short) && long.len() - short.len() <= 8)
                || (short.len() >= 5 && edits(&typed, name) <= 2)
        })
        .min_by_key(|(_, name)| edits(&typed, name))
        .map(|(name, _)| name)
}

/// How many letters must be put in, taken out, changed or swapped with the next to make one
/// text the other (optimal string alignment distance).
fn edits(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// `axum::extract::Query` with the portal's error shape. A parameter given with an empty or
/// blank value (`action=`, as a form with nothing chosen sends it) is read as not given, the
/// same for every parameter.
pub struct AppQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AppQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        // A blank parameter is left out only if the route has it: `?foo` is refused as
        // `?foo=bar` is, naming the parameters there are.
        for name in blank_parameter_names(query) {
            let alone = axum::http::Uri::try_from(format!("/?{name}="));
            if let Ok(Err(r)) = alone.map(|uri| axum::extract::Query::<T>::try_from_uri(&uri))
                && r.body_text().contains("unknown field")
            {
                return Err(query_rejection(r));
            }
        }
        let given = without_blank_parameters(query);
        // Only parameters of the request's own query are kept, so the address stays valid.
        let uri = axum::http::Uri::try_from(format!("/?{given}"))
            .map_err(|_| AppError::BadRequest("The query string could not be read.".into()))?;
        match axum::extract::Query::<T>::try_from_uri(&uri) {
            Ok(axum::extract::Query(v)) => Ok(AppQuery(v)),
            Err(r) => Err(every_bad_value::<T>(&given).unwrap_or_else(|| query_rejection(r))),
        }
    }
}

/// serde stops at the first value it cannot read: each parameter is read alone, so that all of
/// those refused are named at once: a value refused under its name (422), or, when there is an
/// unknown parameter among them, all in one message (400, as an unknown parameter is).
/// `None` when a parameter alone is refused for anything else (serde's own message is said).
fn every_bad_value<T: DeserializeOwned>(given: &str) -> Option<AppError> {
    const UNREAD: &str = "The query string could not be read: ";
    let mut fields: Vec<FieldError> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    for pair in given.split('&').filter(|pair| !pair.is_empty()) {
        let uri = axum::http::Uri::try_from(format!("/?{pair}")).ok()?;
        if let Err(r) = axum::extract::Query::<T>::try_from_uri(&uri) {
            match query_rejection(r) {
                AppError::Validation(said) => {
                    for e in said {
                        if !fields.iter().any(|f| f.field == e.field) {
                            fields.push(e);
                        }
                    }
                }
                AppError::BadRequest(said) if said.contains("unknown field `") => {
                    let said = said.strip_prefix(UNREAD).unwrap_or(&said).to_owned();
                    if !unknown.contains(&said) {
                        unknown.push(said);
                    }
                }
                _ => return None,
            }
        }
    }
    if unknown.is_empty() {
        return (!fields.is_empty()).then_some(AppError::Validation(fields));
    }
    unknown.extend(fields.into_iter().map(|f| f.message));
    Some(AppError::BadRequest(format!(
        "{UNREAD}{}",
        unknown.join("; ")
    )))
}

/// The query read from only those of its parameters that can be read alone, the others left
/// out: what a route can still check of a query refused for some of its values, so that what
/// it checks after reading (times, ranges) is said in the same answer.
pub fn readable_part<T: DeserializeOwned>(query: &str) -> Option<T> {
    let read = |pairs: &str| {
        axum::http::Uri::try_from(format!("/?{pairs}"))
            .ok()
            .and_then(|uri| axum::extract::Query::<T>::try_from_uri(&uri).ok())
            .map(|axum::extract::Query(v)| v)
    };
    let given = without_blank_parameters(query);
    let kept: Vec<&str> = given
        .split('&')
        .filter(|pair| !pair.is_empty() && read(pair).is_some())
        .collect();
    read(&kept.join("&"))
}

/// A query `AppQuery` refused (`refused`), with what the route's own `check` refuses of the
/// parameters that could be read said in the same answer, so that every parameter refused is
/// named at once: beside values refused under their names (422), by name; beside a parameter
/// the route does not have (400), in its message. Those of `skipped` are not checked (a
/// parameter a route refuses on its own whatever its value).
pub fn with_route_refusals<T: DeserializeOwned>(
    refused: AppError,
    raw: Option<&str>,
    skipped: &[&str],
    check: impl FnOnce(T) -> Vec<FieldError>,
) -> AppError {
    let more = || -> Vec<FieldError> {
        readable_part::<T>(raw.unwrap_or_default())
            .map(check)
            .unwrap_or_default()
            .into_iter()
            .filter(|e| !skipped.contains(&e.field.as_str()))
            .collect()
    };
    match refused {
        AppError::Validation(mut fields) => {
            for e in more() {
                if !fields.iter().any(|f| f.field == e.field) {
                    fields.push(e);
                }
            }
            AppError::Validation(fields)
        }
        AppError::BadRequest(mut message) if message.contains("unknown field `") => {
            for e in more() {
                let said = message
                    .split("; ")
                    .any(|part| part == e.message || part.starts_with(&format!("{} ", e.field)));
                if !said {
                    message.push_str("; ");
                    message.push_str(&e.message);
                }
            }
            AppError::BadRequest(message)
        }
        other => other,
    }
}

/// For a read that takes no query parameters: one sent anyway (`?status=ACTIVE`) is refused
/// rather than ignored, as a route that takes some refuses one it does not know. Blank ones are
/// left out, as a form with nothing chosen sends them.
pub struct NoQuery;

impl<S: Send + Sync> FromRequestParts<S> for NoQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let given = without_blank_parameters(parts.uri.query().unwrap_or_default());
        match given
            .split('&')
            .find(|p| !p.is_empty() && !p.starts_with('='))
        {
            None => Ok(NoQuery),
            Some(pair) => {
                let name = pair.split('=').next().unwrap_or(pair);
                let name = if plain_name(name) { name } else { "…" };
                Err(AppError::BadRequest(format!(
                    "The query string could not be read: unknown field `{name}`; this route \
                     takes no query parameters"
                )))
            }
        }
    }
}

/// Whether a `name=value` pair's value is empty or only spaces (`+` or `%20`).
fn is_blank(pair: &str) -> bool {
    let mut value = pair.split_once('=').map_or("", |(_, value)| value);
    while let Some(rest) = value
        .strip_prefix('+')
        .or_else(|| value.strip_prefix("%20"))
    {
        value = rest;
    }
    value.is_empty()
}

/// The query's `name=value` pairs without those whose value is empty or only spaces (`+` or
/// `%20`), nor empty pairs (`a=1&&b=2`).
pub fn without_blank_parameters(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !is_blank(pair))
        .collect::<Vec<_>>()
        .join("&")
}

/// The names of the query's parameters given blank (`phase`, `phase=`, `phase=+`).
fn blank_parameter_names(query: &str) -> impl Iterator<Item = &str> {
    query
        .split('&')
        .filter(|pair| is_blank(pair))
        .map(|pair| pair.split_once('=').map_or(pair, |(name, _)| name))
        .filter(|name| !name.is_empty())
}

/// serde's quotes name the allowed parameters (or the allowed values); an unknown parameter's
/// name is said back only as [`unknown_parameter_words`] allows.
fn query_rejection(r: QueryRejection) -> AppError {
    let text = r.body_text();
    let detail = text
        .strip_prefix("Failed to deserialize query string: ")
        .unwrap_or(&text);
    let plain = plain_number_error(detail);
    // A number its parameter cannot take is that parameter's error, as a number of a body is:
    // 422, under its name.
    if plain != detail
        && let Some((field, rest)) = plain.split_once(": ")
    {
        return AppError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: format!("{field} {rest}"),
        }]);
    }
    // So is a value a filter chosen from a list does not have (`action=drop_table`): it is
    // said under the parameter's name with the values there are, as an unknown `vendor` is.
    if let Some((field, allowed)) = unknown_variant(&plain) {
        return AppError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: format!("{field} is one of {allowed}"),
        }]);
    }
    AppError::BadRequest(format!(
        "The query string could not be read: {}",
        unknown_parameter_words(&plain)
    ))
}

/// Whether a name sent in the address (a query parameter's, a path segment) can be said back as
/// sent: a short one of letters and `_` only. One with digits or other signs (an API key or a
/// service key pasted in the wrong place, say) is not.
pub fn plain_name(name: &str) -> bool {
    (1..=24).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// serde's "`name`: unknown field `name`, expected one of …" for a query parameter: said once,
/// with the name it is a slip of, and the name itself only if it is plain (see
/// [`plain_name`]).
fn unknown_parameter_words(detail: &str) -> String {
    const UNKNOWN: &str = "unknown field `";
    let detail = without_unknown_key(detail);
    let Some(i) = detail.find(UNKNOWN) else {
        return detail;
    };
    let after = &detail[i + UNKNOWN.len()..];
    let end = after
        .rfind("`, expected")
        .or_else(|| after.rfind("`, there are no fields"));
    let (key, rest) = match end {
        Some(j) => (&after[..j], &after[j + 1..]),
        None => (after.strip_suffix('`').unwrap_or(after), ""),
    };
    let name = if plain_name(key) { key } else { "…" };
    let shown = match meant_field(key, rest) {
        Some(meant) => format!("{name}` (did you mean `{meant}`?)"),
        None => format!("{name}`"),
    };
    format!("{}{UNKNOWN}{shown}{rest}", &detail[..i])
}

/// The parameter and its allowed values, plainly listed, from serde's "`field`: unknown variant
/// `x`, expected one of `a`, `b`" (or "expected `a`" where there is one).
fn unknown_variant(detail: &str) -> Option<(&str, String)> {
    let (field, rest) = detail.split_once(": unknown variant `")?;
    if field.is_empty()
        || !field
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return None;
    }
    let (_, expected) = rest.rsplit_once("`, expected ")?;
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    Some((field, expected.replace('`', "")))
}

/// serde names the parameter and then gives Rust's integer parsing error, which says what was
/// wrong with the digits but not what the parameter takes: say that instead (or that the
/// number is beyond what the parameter can hold, in place of Rust's "target type").
fn plain_number_error(detail: &str) -> String {
    const NUMBER_ERRORS: [&str; 2] = [
        "invalid digit found in string",
        "cannot parse integer from empty string",
    ];
    const SIZE_ERRORS: [(&str, &str); 2] = [
        ("number too large to fit in target type", "too large"),
        ("number too small to fit in target type", "too small"),
    ];
    if let Some(field) = NUMBER_ERRORS.iter().find_map(|e| detail.strip_suffix(e)) {
        let rule = parameter_rule(field).unwrap_or_else(|| "a whole number".to_owned());
        return format!("{field}must be {rule}, written with the digits 0-9 only");
    }
    match SIZE_ERRORS
        .iter()
        .find_map(|(e, size)| Some((detail.strip_suffix(e)?, size)))
    {
        Some((field, size)) => match parameter_rule(field) {
            Some(rule) => format!("{field}is {size}: it must be {rule}"),
            None => format!("{field}is {size} a number for this parameter"),
        },
        None => detail.to_owned(),
    }
}

/// What a number parameter with a rule of its own takes, by its name as serde writes it before
/// its error (`limit: `): said instead of only "a whole number".
fn parameter_rule(field: &str) -> Option<String> {
    match field.strip_suffix(": ")? {
        "limit" => Some(format!(
            "a whole number from 1 to {}",
            crate::audit::query::MAX_PAGE
        )),
        "speed" => Some(format!(
            "a speed in Mbps, one of {}",
            models::validate::OFFERED_SPEEDS_MBPS
                .map(|s| s.to_string())
                .join(", ")
        )),
        _ => None,
    }
}

/// Who sent a request and under which id, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: String,
    /// The client's address: the connection's, or behind a trusted proxy the one it forwards.
    pub client_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestMeta {
    /// The client's address as the audit history writes it.
    pub fn client_addr(&self) -> Option<String> {
        self.client_ip.map(|ip| ip.to_string())
    }
}

impl FromRequestParts<AppState> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(256).collect::<String>())
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = parts
            .headers
            .get_all(X_FORWARDED_FOR)
            .iter()
            .filter_map(|v| v.to_str().ok());
        Ok(RequestMeta {
            request_id: header("x-request-id").unwrap_or_default(),
            client_ip: peer.map(|peer| client_ip(peer, forwarded, &state.config.trusted_proxies)),
            // Not ASCII only: a browser's or a tool's name in its own language is kept, its
            // bytes that are not UTF-8 replaced.
            user_agent: parts.headers.get("user-agent").map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .chars()
                    .take(256)
                    .collect()
            }),
        })
    }
}

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: `peer` unless it is a trusted proxy; then, walking `X-Forwarded-For`
/// from its end (each proxy appends the address it heard from), the first address that is not
/// a trusted proxy, or the first one listed when all are. Entries that are not addresses end
/// the walk there: what lies before them was not written by a proxy we trust.
fn client_ip<'a>(
    peer: IpAddr,
    forwarded: impl Iterator<Item = &'a str>,
    trusted: &[IpNet],
) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // Some proxies write the port too.
        let parsed = hop
            .parse::<IpAddr>()
            .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()));
        let Ok(ip) = parsed else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_query_parameters_are_left_out() {
        assert_eq!(
            without_blank_parameters("action=&limit=5&outcome=+%20&&phase&connection=%20a"),
            "limit=5&connection=%20a"
        );
        assert_eq!(without_blank_parameters(""), "");
        assert_eq!(
            blank_parameter_names("action=&limit=5&outcome=+%20&&phase&=&connection=%20a")
                .collect::<Vec<_>>(),
            ["action", "outcome", "phase"]
        );
        assert_eq!(
            without_blank_parameters("a=%2520"),
            "a=%2520",
            "an encoded %20"
        );
        assert_eq!(without_blank_parameters("a==b"), "a==b");
    }

    #[test]
    fn every_refused_parameter_is_named_whatever_their_order() {
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Q {
            speed: Option<u32>,
            count: Option<u32>,
        }
        let said = |q: &str| match every_bad_value::<Q>(q) {
            Some(AppError::BadRequest(m)) => format!("400 {m}"),
            Some(AppError::Validation(f)) => format!(
                "422 {}",
                f.iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            other => panic!("{other:?}"),
        };
        let number = "must be a whole number, written with the digits 0-9 only";
        for q in ["count=abc&foo=1", "foo=1&count=abc"] {
            let m = said(q);
            assert!(
                m.starts_with("400 The query string could not be read: "),
                "{m}"
            );
            assert!(m.contains("unknown field `foo`"), "{m}");
            assert!(m.contains(&format!("count {number}")), "{m}");
        }
        assert_eq!(
            said("count=x&speed=y"),
            format!(
                "422 count {number}; speed must be a speed in Mbps, one of 50, 100, 200, 500, 1000, \
                 2000, 5000, 10000, written with the digits 0-9 only"
            )
        );
        // A name that is a slip of one there is says which; one that may be a key pasted in
        // the wrong place is not said back.
        assert!(
            said("cuont=1").contains("unknown field `cuont` (did you mean `count`?), expected"),
            "{}",
            said("cuont=1")
        );
        // A name close to one there is but not plain is not said back, only what was meant.
        let near = said("cuont-x=1");
        assert!(
            near.contains("unknown field `…` (did you mean `count`?)"),
            "{near}"
        );
        assert!(!said("count3f9c=1").contains("3f9c"));
        let pasted = said("sandbox-ada-3f9c1e7a52b84d06=1&count=2");
        assert!(pasted.contains("unknown field `…`, expected"), "{pasted}");
        assert!(!pasted.contains("3f9c1e7a"), "{pasted}");
        let m = said("foo=1&bar=2&foo=3");
        assert_eq!(m.matches("unknown field `foo`").count(), 1, "{m}");
        assert!(m.contains("unknown field `bar`"), "{m}");
        assert!(every_bad_value::<Q>("speed=1").is_none());
    }

    #[test]
    fn a_query_parameter_that_is_not_a_number_is_said_to_take_one() {
        assert_eq!(
            plain_number_error("before: invalid digit found in string"),
            "before: must be a whole number, written with the digits 0-9 only"
        );
        // A parameter with a rule of its own says it.
        assert_eq!(
            plain_number_error("limit: cannot parse integer from empty string"),
            "limit: must be a whole number from 1 to 500, written with the digits 0-9 only"
        );
        assert_eq!(
            plain_number_error("speed: number too large to fit in target type"),
            "speed: is too large: it must be a speed in Mbps, one of 50, 100, 200, 500, 1000, 2000, 5000, 10000"
        );
        assert_eq!(
            plain_number_error("before: number too large to fit in target type"),
            "before: is too large a number for this parameter"
        );
        assert_eq!(
            plain_number_error("before: number too small to fit in target type"),
            "before: is too small a number for this parameter"
        );
        // Other errors are kept as serde wrote them.
        let unknown = "foo: unknown field `foo`, expected one of `a`, `b`";
        assert_eq!(plain_number_error(unknown), unknown);
    }

    #[test]
    fn the_client_is_the_last_forwarded_address_that_is_not_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap(), "::1/128".parse().unwrap()];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let client = |peer: &str, headers: &[&str]| {
            client_ip(ip(peer), headers.iter().copied(), &trusted).to_string()
        };
        // From anyone else the header is ignored: it is the client's own to write.
        assert_eq!(client("198.51.100.9", &["203.0.113.7"]), "198.51.100.9");
        assert_eq!(client("10.0.0.5", &["203.0.113.7"]), "203.0.113.7");
        assert_eq!(client("::1", &["203.0.113.7, 10.0.0.8"]), "203.0.113.7");
        // What the client wrote itself before the proxies' entries does not count.
        assert_eq!(client("10.0.0.5", &["1.2.3.4, 203.0.113.7"]), "203.0.113.7");
        assert_eq!(
            client("10.0.0.5", &["1.2.3.4", "203.0.113.7, 10.0.0.9"]),
            "203.0.113.7"
        );
        assert_eq!(client("10.0.0.5", &["10.0.0.7, 10.0.0.9"]), "10.0.0.7");
        assert_eq!(client("10.0.0.5", &["1.2.3.4, unknown"]), "10.0.0.5");
        assert_eq!(client("10.0.0.5", &[]), "10.0.0.5");
        assert_eq!(client("10.0.0.5", &["2001:db8::7"]), "2001:db8::7");
        assert_eq!(client("10.0.0.5", &["203.0.113.7:51234"]), "203.0.113.7");
        assert_eq!(client("10.0.0.5", &["[2001:db8::7]:443"]), "2001:db8::7");
    }

    #[test]
    fn an_unknown_value_of_a_list_is_read_as_its_parameter_and_the_values_there_are() {
        assert_eq!(
            unknown_variant("phase: unknown variant `x`, expected one of `intent`, `outcome`"),
            Some(("phase", "intent, outcome".to_owned()))
        );
        assert_eq!(
            unknown_variant("kind: unknown variant `a`, expected `b`"),
            Some(("kind", "b".to_owned()))
        );
        // A value holding the words serde writes around it ends at the last of them.
        assert_eq!(
            unknown_variant("phase: unknown variant `x`, expected `y`, expected one of `intent`"),
            Some(("phase", "intent".to_owned()))
        );
        assert_eq!(
            unknown_variant("unknown field `foo`, expected `speed`"),
            None
        );
        assert_eq!(
            unknown_variant("a b: unknown variant `x`, expected `y`"),
            None
        );
    }

    #[test]
    fn quoted_input_is_removed_from_messages() {
        let cases = [
            (
                "config.sharedKey: invalid type: integer `123`, expected a string at line 1",
                "config.sharedKey: invalid type: integer `…`, expected a string at line 1",
            ),
            // Serde writes a string value escaped; its quotes end nothing early.
            (
                r#"config.vlanId: invalid type: string "a\", expected u16 \"b", expected u16 at line 1"#,
                r#"config.vlanId: invalid type: string "…", expected u16 at line 1"#,
            ),
            // An unknown key or variant is the sender's; the allowed ones are the type's.
            (
                "unknown field `s3cret`, expected `apiKey` at line 1 column 12",
                "unknown field `…`, expected `apiKey` at line 1 column 12",
            ),
            (
                "paymentType: unknown variant `a`b`, expected one of `payg`, `invoice` at line 1",
                "paymentType: unknown variant `…`, expected one of `payg`, `invoice` at line 1",
            ),
            // The name of a field that is missing or doubled is the type's, and is kept.
            (
                "missing field `paymentType` at line 1 column 122",
                "missing field `paymentType` at line 1 column 122",
            ),
            (
                "duplicate field `name` at line 1 column 30",
                "duplicate field `name` at line 1 column 30",
            ),
            // Without an `expected` part, all from the first quote to the last goes.
            ("bad `one` and `two` here", "bad `…` here"),
            ("unclosed `s3cret", "unclosed `…`"),
            (
                r#"invalid value: string "missing field `x`""#,
                r#"invalid value: string "…""#,
            ),
        ];
        for (message, stripped) in cases {
            assert_eq!(strip_quoted(message), stripped, "{message}");
        }
    }

    /// The message a body gets through [`AppJson`], as the sender would read it.
    fn refusal<T: DeserializeOwned>(body: &serde_json::Value) -> String {
        refused::<T>(body).to_string()
    }

    /// How [`AppJson`] refuses a body.
    fn refused<T: DeserializeOwned>(body: &serde_json::Value) -> AppError {
        refused_text::<T>(&body.to_string())
    }

    /// How [`AppJson`] refuses a body sent as this text, which need not be JSON.
    fn refused_text<T: DeserializeOwned>(body: &str) -> AppError {
        let req = Request::builder()
            .method("POST")
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_owned()))
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        match runtime.block_on(AppJson::<T>::from_request(req, &())) {
            Ok(_) => panic!("{body} was accepted"),
            Err(e) => e,
        }
    }

    /// The fields of a body's refusal, as the sender reads them.
    fn refused_fields<T: DeserializeOwned>(body: &serde_json::Value) -> Vec<FieldError> {
        match refused::<T>(body) {
            AppError::Validation(fields) => fields,
            other => panic!("{body} was refused without fields: {other}"),
        }
    }

    #[test]
    fn a_missing_field_is_refused_under_its_name() {
        use models::api::{
            CreateConnectionRequest, DeleteRequest, PeeringChangeRequest, SelectCompanyRequest,
        };
        let required = |field: &str| {
            vec![FieldError {
                field: field.to_owned(),
                message: models::validate::required(field),
            }]
        };
        assert_eq!(
            refused_fields::<CreateConnectionRequest>(&serde_json::json!({
                "serviceKey": "4f8a2c1e-7b3d-4e59-9a10-2c6b8d0e1f37",
                "name": "x",
                "portIds": [],
                "speedMbps": 100,
            })),
            required("paymentType")
        );
        assert_eq!(
            refused_fields::<DeleteRequest>(&serde_json::json!({ "confirmName": "x" })),
            required("reason")
        );
        // A config's fields are named as the rules name them, without `config.`.
        assert_eq!(
            refused_fields::<PeeringChangeRequest>(&serde_json::json!({
                "config": { "peerASN": 65010, "primaryPeerSubnet": "10.0.0.0/30" },
                "reason": "r",
            })),
            [required("secondaryPeerSubnet"), required("vlanId")].concat()
        );
        assert_eq!(
            required("vlanId")[0].message,
            "vlanId is required: a whole number from 1 to 4094"
        );
        // Every one left out or sent as null is said at once, in the order the request has them.
        let names = |fields: Vec<FieldError>| -> Vec<String> {
            fields.into_iter().map(|f| f.field).collect()
        };
        assert_eq!(
            names(refused_fields::<CreateConnectionRequest>(
                &serde_json::json!({})
            )),
            ["serviceKey", "name", "portIds", "speedMbps", "paymentType"]
        );
        assert_eq!(
            names(refused_fields::<PeeringChangeRequest>(
                &serde_json::json!({ "config": { "vlanId": null } })
            )),
            [
                "peerASN",
                "primaryPeerSubnet",
                "secondaryPeerSubnet",
                "vlanId"
            ]
        );
        assert_eq!(
            names(refused_fields::<DeleteRequest>(&serde_json::json!({}))),
            ["reason", "confirmName"]
        );
        assert_eq!(
            names(refused_fields::<PeeringChangeRequest>(
                &serde_json::json!({ "config": null, "reason": "r" })
            )),
            ["config"]
        );
        // A field of the wrong type is not a missing one: it is told as such, and a body wrong
        // otherwise too is told what else is wrong, whatever order its fields come in.
        let bad_request = |e: AppError| match e {
            AppError::BadRequest(m) => m,
            other => panic!("not a 400: {other:?}"),
        };
        let wrong = bad_request(refused::<DeleteRequest>(
            &serde_json::json!({ "reason": 5 }),
        ));
        assert!(wrong.contains("reason: invalid type"), "{wrong}");
        let wrong = bad_request(refused::<CreateConnectionRequest>(
            &serde_json::json!({ "serviceKey": 5, "name": null }),
        ));
        assert!(wrong.contains("serviceKey: invalid type"), "{wrong}");
        for body in [
            r#"{"speedMbps":null,"name":"x","serviceKey":"k","portIds":"p","paymentType":"payg"}"#,
            r#"{"portIds":"p","speedMbps":null,"name":"x","serviceKey":"k","paymentType":"payg"}"#,
        ] {
            let wrong = bad_request(refused_text::<CreateConnectionRequest>(body));
            assert!(wrong.contains("portIds: invalid type"), "{body}: {wrong}");
        }
        // An enum of an order is a string, as any text field: another JSON type is refused as
        // one, its value not said back.
        for (field, value) in [
            ("paymentType", serde_json::json!(5)),
            ("paymentType", serde_json::json!({"a": "s3cret"})),
            ("classOfService", serde_json::json!(7)),
        ] {
            let mut body = serde_json::json!({
                "serviceKey": "k", "name": "x", "portIds": [], "speedMbps": 100,
                "paymentType": "payg",
            });
            body[field] = value;
            let wrong = bad_request(refused::<CreateConnectionRequest>(&body));
            assert!(
                wrong.contains(&format!("{field}: invalid type"))
                    && wrong.contains("expected a string"),
                "{body}: {wrong}"
            );
            assert!(!wrong.contains("s3cret"), "{wrong}");
        }
        let wrong = bad_request(refused::<PeeringChangeRequest>(
            &serde_json::json!({ "config": { "peerASN": null }, "bogus": 1 }),
        ));
        assert!(wrong.contains("unknown field `…`"), "{wrong}");
        // An array is no object, even one whose items serde could read by position.
        let read = "The request body could not be read: ";
        for body in [r#"["acme"]"#, r#" [ "acme", "x" ]"#, "[1]"] {
            assert_eq!(
                bad_request(refused_text::<SelectCompanyRequest>(body)),
                format!("{read}invalid type: array, expected an object"),
                "{body}"
            );
        }
        let by_position = serde_json::json!({
            "config": [65010, "10.1.0.0/30", "10.1.0.4/30", 100],
            "reason": "r",
        });
        assert_eq!(
            bad_request(refused::<PeeringChangeRequest>(&by_position)),
            format!("{read}config: invalid type: array, expected an object")
        );
        // A key given twice is refused with a null beside it too (the body is then rewritten
        // without its nulls, through a map that would keep only the last copy), at any depth;
        // a key that could be no field's is not said back.
        for (body, says) in [
            (
                r#"{"company":"acme","company":"globex","x":null}"#,
                "duplicate field `company`",
            ),
            (
                r#"{"x":null,"company":{"a":1,"a":2}}"#,
                "duplicate field `a`",
            ),
            (
                r#"{"S3cret-1":1,"S3cret-1":2,"company":null}"#,
                "a member is given twice",
            ),
            // The null the first of the two: a map would keep nothing to strip.
            (
                r#"{"company":null,"company":"acme"}"#,
                "duplicate field `company`",
            ),
        ] {
            let wrong = bad_request(refused_text::<SelectCompanyRequest>(body));
            assert!(
                wrong.starts_with(&format!("{read}{says}")),
                "{body}: {wrong}"
            );
            assert!(!wrong.contains("S3cret"), "{wrong}");
        }
    }

    #[test]
    fn a_member_given_as_null_is_read_as_left_out() {
        use models::api::{DeleteRequest, PeeringChangeRequest};
        let config = serde_json::json!({
            "peerASN": 65010,
            "primaryPeerSubnet": "10.0.0.0/30",
            "secondaryPeerSubnet": "10.0.0.4/30",
            "vlanId": 100,
            "customerASN": null,
        });
        let body = serde_json::json!({
            "config": config,
            "reason": "r",
            "keepSharedKey": null,
            "ticket": null,
        })
        .to_string();
        let read: PeeringChangeRequest =
            serde_json::from_slice(&without_nulls(body.as_bytes()).unwrap()).unwrap();
        assert!(!read.keep_shared_key);
        assert_eq!(read.ticket, None);
        assert_eq!(read.config.customer_asn, None);
        // A field that must be given is required when null, as when left out.
        assert_eq!(
            refused_fields::<DeleteRequest>(
                &serde_json::json!({ "reason": null, "confirmName": "x" })
            ),
            vec![FieldError {
                field: "reason".into(),
                message: "reason is required: 1 to 500 characters saying why".into(),
            }]
        );
        // A place in a message is one in the text sent: none is said when it was written anew.
        let message = |body: &str| match refused_text::<DeleteRequest>(body) {
            AppError::BadRequest(m) => m,
            other => panic!("not a 400: {other:?}"),
        };
        let sent = "{\n  \"confirmName\": \"x\",\n  \"ticket\": 5\n}";
        assert!(
            message(sent).ends_with("at line 3 column 13"),
            "{}",
            message(sent)
        );
        let with_null = "{\n  \"reason\": null,\n  \"confirmName\": \"x\",\n  \"ticket\": 5\n}";
        let m = message(with_null);
        assert!(
            m.contains("ticket: invalid type") && !m.contains("line"),
            "{m}"
        );
        assert_eq!(
            without_position("a: b at line 1 column 30"),
            "a: b",
            "a place is left out"
        );
        assert_eq!(without_position("at line x column 2"), "at line x column 2");
        // `null` as a list's item is no member left out.
        assert_eq!(without_nulls(br#"{"a":[null]}"#), None);
        assert_eq!(without_nulls(br#"{"a":"null"}"#), None);
        assert_eq!(
            without_nulls(br#"[{"a":null,"b":{"c":null}}]"#).as_deref(),
            Some(&br#"[{"b":{}}]"#[..])
        );
    }

    #[test]
    fn a_number_out_of_a_whole_number_field_is_told_by_the_field_s_rule() {
        use models::api::{CreateConnectionRequest, PeeringChangeRequest};
        let peering = |field: &str, value: serde_json::Value| {
            let mut config = serde_json::json!({
                "peerASN": 65010,
                "primaryPeerSubnet": "203.0.113.0/30",
                "secondaryPeerSubnet": "203.0.113.4/30",
                "vlanId": 100,
                "customerASN": 64500,
            });
            config[field] = value;
            refused_fields::<PeeringChangeRequest>(&serde_json::json!({
                "config": config,
                "reason": "r",
            }))
        };
        let one = |field: &str, message: &str| {
            vec![FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            }]
        };
        assert_eq!(
            peering("peerASN", serde_json::json!(-5)),
            one(
                "peerASN",
                "peerASN must be a whole number from 1 to 4294967295; got -5"
            )
        );
        assert_eq!(
            peering("customerASN", serde_json::json!(64500.5)),
            one(
                "customerASN",
                "customerASN must be a whole number from 1 to 4294967295; got 64500.5"
            )
        );
        assert_eq!(
            peering("vlanId", serde_json::json!(1e30))[0].field,
            "vlanId"
        );
        let speed = refused_fields::<CreateConnectionRequest>(&serde_json::json!({
            "serviceKey": "k", "name": "n", "portIds": [], "speedMbps": -100, "paymentType": "payg",
        }));
        assert_eq!(speed[0].field, "speedMbps");
        assert!(speed[0].message.ends_with("(Mbps); got -100"), "{speed:?}");
        // Each such number is said, beside the fields left out, whatever their order.
        let names = |fields: Vec<FieldError>| -> Vec<String> {
            fields.into_iter().map(|f| f.field).collect()
        };
        assert_eq!(
            names(refused_fields::<CreateConnectionRequest>(
                &serde_json::json!({ "name": "n", "speedMbps": -1 })
            )),
            ["speedMbps", "serviceKey", "portIds", "paymentType"]
        );
        assert_eq!(
            names(refused_fields::<PeeringChangeRequest>(&serde_json::json!({
                "config": { "peerASN": -1, "vlanId": 5000.5, "primaryPeerSubnet": "a",
                            "customerASN": -3 },
            }))),
            // In the order of the body's members as read, then those left out.
            ["customerASN", "peerASN", "vlanId", "secondaryPeerSubnet"]
        );
        // A field the route does not take is unknown, whatever its name and value.
        match refused::<models::api::SignInRequest>(&serde_json::json!({
            "apiKey": "k", "peerASN": -1,
        })) {
            AppError::BadRequest(m) => assert!(m.contains("unknown field"), "{m}"),
            other => panic!("not a 400: {other:?}"),
        }
        // Text for a number is of the wrong type, said as before.
        match refused::<PeeringChangeRequest>(&serde_json::json!({
            "config": { "peerASN": "65010", "primaryPeerSubnet": "a", "secondaryPeerSubnet": "b",
                        "vlanId": 1 },
            "reason": "r",
        })) {
            AppError::BadRequest(m) => assert!(m.contains("peerASN: invalid type"), "{m}"),
            other => panic!("not a 400: {other:?}"),
        }
    }

    #[test]
    fn the_config_fields_named_are_those_a_full_config_has() {
        let full = models::upstream::PeeringConfig {
            peer_asn: 65010,
            primary_peer_subnet: "10.0.0.0/30".into(),
            secondary_peer_subnet: "10.0.0.4/30".into(),
            vlan_id: 100,
            shared_key: Some("k".into()),
            advertised_public_prefixes: Some(vec![]),
            customer_asn: Some(1),
            routing_registry_name: Some("ARIN".into()),
        };
        let value = serde_json::to_value(full).unwrap();
        let mut keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut named = CONFIG_FIELDS.to_vec();
        keys.sort_unstable();
        named.sort_unstable();
        assert_eq!(keys, named);
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_told_in_json_s_words() {
        use models::api::{CreateConnectionRequest, PeeringChangeRequest, SignInRequest};
        let config = |field: &str, value: serde_json::Value| {
            let mut c = serde_json::json!({
                "peerASN": 65010,
                "primaryPeerSubnet": "10.0.0.0/30",
                "secondaryPeerSubnet": "10.0.0.4/30",
                "vlanId": 100,
            });
            c[field] = value;
            serde_json::json!({ "config": c, "reason": "r" })
        };
        let create = |field: &str, value: serde_json::Value| {
            let mut c = serde_json::json!({
                "serviceKey": "k",
                "name": "x",
                "portIds": [],
                "speedMbps": 100,
                "paymentType": "payg",
            });
            c[field] = value;
            c
        };
        let read = "The request body could not be read: ";
        let cases = [
            (
                refusal::<SignInRequest>(&serde_json::json!([])),
                "invalid type: array, expected an object",
            ),
            (
                refusal::<SignInRequest>(&serde_json::json!("key")),
                "invalid type: string \"…\", expected an object",
            ),
            (
                refusal::<PeeringChangeRequest>(
                    &serde_json::json!({ "config": [], "reason": "r" }),
                ),
                "config: invalid type: array, expected an object",
            ),
            (
                refusal::<PeeringChangeRequest>(&config(
                    "advertisedPublicPrefixes",
                    serde_json::json!({}),
                )),
                "config.advertisedPublicPrefixes: invalid type: object, expected an array",
            ),
            (
                refusal::<CreateConnectionRequest>(&create("portIds", serde_json::json!("a"))),
                "portIds: invalid type: string \"…\", expected an array",
            ),
        ];
        // An unknown field's key is the sender's: neither it nor the path ending in it shows,
        // unless it is a slip of a name expected.
        for (path, key) in [
            ("config.", "sharedkey"),
            ("", "tkt"),
            ("", "s3cr3tk3y"),
            ("config.", "a.b`c"),
            ("", "ticket.x"),
        ] {
            let detail = format!(
                "Failed to deserialize the JSON body into the target type: {path}{key}: unknown \
                 field `{key}`, expected `ticket` at line 1 column 9"
            );
            let message = body_message(&detail);
            assert_eq!(
                message,
                format!(
                    "{read}{}unknown field `…`, expected `ticket` at line 1 column 9",
                    path.strip_suffix('.')
                        .map_or(String::new(), |p| format!("{p}: "))
                )
            );
        }
        for (key, meant) in [
            ("tciket", "ticket"),
            ("ticketId", "ticket"),
            ("Ticket", "ticket"),
            ("tick_et", "ticket"),
        ] {
            assert_eq!(
                body_message(&format!(
                    "{key}: unknown field `{key}`, expected one of `reason`, `ticket` at line 1 \
                     column 9"
                )),
                format!(
                    "{read}unknown field `{key}` (did you mean `{meant}`?), expected one of \
                     `reason`, `ticket` at line 1 column 9"
                )
            );
        }
        assert_eq!(
            meant_field("service_key", ", expected one of `serviceKey`, `name`"),
            Some("serviceKey")
        );
        assert_eq!(
            meant_field("nmae", ", expected one of `name`, `reason`"),
            None
        );
        // No name the portal takes has a digit: a key with one is not a slip of any.
        assert_eq!(
            meant_field("serviceKey1b2c3d4e", ", expected `serviceKey`"),
            None
        );
        assert_eq!(
            meant_field("vlan", ", expected one of `vlanId`, `peerASN`"),
            Some("vlanId")
        );
        // A config field sent beside `config` is one of the portal's names: where it goes is
        // said. Inside `config`, or under a route without one, it stays unknown.
        assert_eq!(
            body_message(
                "sharedKey: unknown field `sharedKey`, expected one of `config`, `reason` at line 1 column 12"
            ),
            format!(
                "{read}unknown field `…`, expected one of `config`, `reason` at line 1 column 12. \
                 `sharedKey` is a field of `config`: send it inside that object"
            )
        );
        for detail in [
            "config.sharedKey: unknown field `sharedKey`, expected one of `config` at line 1",
            "sharedKey: unknown field `sharedKey`, expected `apiKey` at line 1 column 12",
            "sharedkey: unknown field `sharedkey`, expected one of `config` at line 1",
        ] {
            assert!(!body_message(detail).contains("send it inside"), "{detail}");
        }
        // Where the text went wrong stays (its line and column), after the words.
        for (message, detail) in cases {
            let (words, place) = message.rsplit_once(" at line 1 column ").expect(&message);
            assert_eq!(words, format!("{read}{detail}"));
            assert!(place.parse::<u32>().is_ok(), "{message}");
        }
        // A whole-number field with a rule of its own is told by that rule (see above); the
        // words of the type are for any other.
        for (serde, words) in [
            (
                "invalid value: integer `-1`, expected u64",
                "invalid value: integer `…`, expected a whole number of 0 or more",
            ),
            (
                "invalid type: floating point `7.5`, expected u16",
                "invalid type: number with a fraction or an exponent, or too large `…`, expected \
                 a whole number of 0 or more",
            ),
        ] {
            assert_eq!(
                body_message(&format!(
                    "Failed to deserialize the JSON body into the target type: config.n: {serde} \
                     at line 1 column 9"
                )),
                format!("{read}config.n: {words} at line 1 column 9")
            );
        }
        // Refused by serde beside another mistake (see `read_past_refused`), or given as text,
        // such a field still says its own rule.
        for (path, rule) in [
            ("config.peerASN", "a whole number from 1 to 4294967295"),
            ("config.vlanId", "a whole number from 1 to 4094"),
            (
                "speedMbps",
                "a whole number of Mbps, one of the speeds offered",
            ),
        ] {
            assert_eq!(
                body_message(&format!(
                    "Failed to deserialize the JSON body into the target type: {path}: invalid \
                     type: string \"100\", expected u64 at line 1 column 9"
                )),
                format!(
                    "{read}{path}: invalid type: string \"…\", expected {rule} at line 1 column 9"
                )
            );
        }
        assert_eq!(
            body_message("Failed to parse the request body as JSON: EOF while parsing a value"),
            "The request body is not valid JSON: EOF while parsing a value"
        );
        // A syntax error names what was expected in serde_json's own quotes, and where; the
        // part of the path it cannot name is left out.
        let broken = |body: &str| refused_text::<PeeringChangeRequest>(body).to_string();
        assert_eq!(
            broken(r#"{"reason": "r" "config": {}}"#),
            "The request body is not valid JSON: expected `,` or `}` at line 1 column 16"
        );
        assert_eq!(
            broken(r#"{"config": {"vlanId": 1 "sharedKey": "Secret1"}}"#),
            "The request body is not valid JSON: config: expected `,` or `}` at line 1 column 25"
        );
        assert_eq!(
            syntax_words("x: expected `,` or `}` near `Secret1`"),
            "x: expected `…`",
            "anything quoted beyond serde_json's own tokens goes, and the tokens with it"
        );
        // A name that only starts like a type's, or a count that is not one, is left alone.
        assert_eq!(
            json_words("expected u16s, invalid length x, expected struct S with many"),
            "expected u16s, invalid length x, expected an object with many"
        );
    }

    proptest::proptest! {
        /// Whatever the text, and wherever serde quotes it back, none of it is in the message:
        /// each piece of the secret ends with a marker, so a leak of any part shows.
        #[test]
        fn no_part_of_a_refused_value_is_in_the_message(
            pieces in proptest::collection::vec("[a-z0-9\"`\\\\, ]{0,12}", 1..4),
            place in 0..4usize,
        ) {
            use models::api::{CreateConnectionRequest, PeeringChangeRequest};
            let secret: String = pieces.iter().map(|p| format!("{p}QZX")).collect();
            let config = |field: &str| {
                let mut c = serde_json::json!({
                    "peerASN": 65010,
                    "primaryPeerSubnet": "10.0.0.0/30",
                    "secondaryPeerSubnet": "10.0.0.4/30",
                    "vlanId": 100,
                });
                c[field] = serde_json::json!(secret);
                c
            };
            let message = match place {
                0 => refusal::<PeeringChangeRequest>(&serde_json::json!({ "config": config("vlanId") })),
                1 => refusal::<PeeringChangeRequest>(&serde_json::json!({ "config": config("peerASN") })),
                2 => refusal::<PeeringChangeRequest>(&serde_json::json!({
                    "config": config("sharedKey"),
                    "keepSharedKey": secret,
                })),
                _ => refusal::<CreateConnectionRequest>(&serde_json::json!({
                    "serviceKey": "k",
                    "name": "x",
                    "portIds": [],
                    "speedMbps": secret,
                    "paymentType": "payg",
                })),
            };
            proptest::prop_assert!(!message.contains("QZX"), "{}", message);
        }
    }
}
