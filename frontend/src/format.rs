//! Turning wire values into text for people: times, speeds, JSON values in a diff, and the
//! `datetime-local` inputs of the audit filters to and from RFC 3339 UTC.

use serde_json::Value;
use wasm_bindgen::JsValue;
use web_sys::js_sys::Date;

/// `2026-11-25T21:48:39.979Z` → `2026-11-25 21:48:39 UTC`; other text is shown as it came.
pub fn time(rfc3339: &str) -> String {
    match rfc3339.get(..19) {
        Some(head) if rfc3339.ends_with('Z') && head.as_bytes().get(10) == Some(&b'T') => {
            format!("{} UTC", head.replacen('T', " ", 1))
        }
        _ => rfc3339.to_owned(),
    }
}

pub fn optional_time(rfc3339: Option<&str>) -> String {
    rfc3339.map(time).unwrap_or_else(|| "—".to_owned())
}

/// A speed or capacity in Mbps as people say it (8.5 Gbps, 200 Mbps), as the portal's own
/// messages write it.
pub fn speed(mbps: u64) -> String {
    models::upstream::speed_text(mbps)
}

pub fn optional_speed(mbps: Option<u64>) -> String {
    mbps.map(speed).unwrap_or_else(|| "—".to_owned())
}

/// A JSON value as one line of text: strings without quotes, lists joined by commas.
pub fn value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        // A list of records (a connection's legs, its peerings): one line each.
        Some(Value::Array(items)) if items.iter().any(Value::is_object) => items
            .iter()
            .map(|i| value(Some(i)))
            .collect::<Vec<_>>()
            .join("\n"),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| value(Some(i)))
            .collect::<Vec<_>>()
            .join(", "),
        // A record: its fields as `name: value`, by the names the pages give them and in their
        // order.
        Some(Value::Object(fields)) => {
            use models::diff::{FIELDS, field_label};
            let named = FIELDS
                .iter()
                .filter_map(|(field, label)| Some((*label, fields.get(*field)?)));
            let others = fields
                .iter()
                .filter(|(k, _)| field_label(k).is_none())
                .map(|(k, v)| (k.as_str(), v));
            named
                .chain(others)
                .filter(|(_, v)| !v.is_null())
                .map(|(name, v)| format!("{name}: {}", value(Some(v))))
                .collect::<Vec<_>>()
                .join(", ")
        }
        Some(other) => other.to_string(),
    }
}

/// The value of a `datetime-local` input of the audit filters (UTC, as every time the portal
/// shows: `2026-11-25T09:30`) as RFC 3339.
pub fn input_to_utc(input: &str) -> Option<String> {
    let input = input.trim();
    if input.is_empty() {
        return None;
    }
    let date = Date::new(&JsValue::from_str(&format!("{input}Z")));
    if date.get_time().is_nan() {
        return None;
    }
    Some(String::from(date.to_iso_string()))
}

/// The value of a `datetime-local` input (UTC, to the minute) `minutes` ago.
pub fn input_minutes_ago(minutes: u32) -> String {
    let then = Date::new_0();
    then.set_time(then.get_time() - f64::from(minutes) * 60_000.0);
    String::from(then.to_iso_string())
        .chars()
        .take(16)
        .collect()
}

/// RFC 3339 (any offset) as the value of a `datetime-local` input in UTC: to the minute, or to
/// the second or millisecond the time has, so that a range read from the address is applied
/// again as it was.
pub fn utc_to_input(rfc3339: &str) -> String {
    let date = Date::new(&JsValue::from_str(&in_utc_unless_zoned(rfc3339)));
    if date.get_time().is_nan() {
        return String::new();
    }
    input_of_iso(&String::from(date.to_iso_string()))
}

/// A time as given, or with `Z` when it has a time of day but no zone: the filters' fields are
/// in UTC, and the browser would read such a time as its own local time.
fn in_utc_unless_zoned(time: &str) -> String {
    let time = time.trim();
    let zoned = time
        .split_once(['T', 't', ' '])
        .is_none_or(|(_, of_day)| of_day.ends_with(['Z', 'z']) || of_day.contains(['+', '-']));
    if zoned {
        time.to_owned()
    } else {
        format!("{time}Z")
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` as a `datetime-local` value, without the seconds and
/// milliseconds that are zero.
fn input_of_iso(iso: &str) -> String {
    let iso = iso.trim_end_matches('Z');
    let shown = if iso.get(16..) == Some(":00.000") {
        16
    } else if iso.get(19..) == Some(".000") {
        19
    } else {
        iso.len()
    };
    iso.chars().take(shown).collect()
}

/// The `step` of a `datetime-local` input holding `value`: one with seconds, or milliseconds,
/// needs a step that allows them, or the browser would refuse the form.
pub fn input_step(value: &str) -> &'static str {
    match value.trim().len() {
        0..=16 => "60",
        17..=19 => "1",
        _ => "0.001",
    }
}

/// A moment (ms since the epoch) as the local time of day, `14:05`.
pub fn local_clock(ms: f64) -> String {
    let date = Date::new(&JsValue::from_f64(ms));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

#[cfg(test)]
mod tests {
    use super::{in_utc_unless_zoned, input_of_iso, input_step, speed, value};
    use serde_json::json;

    #[test]
    fn a_time_of_day_without_a_zone_is_read_as_utc() {
        assert_eq!(
            in_utc_unless_zoned("2026-12-06T03:27:01"),
            "2026-12-06T03:27:01Z"
        );
        for zoned in [
            "2026-12-06T03:27:01Z",
            "2026-12-06t03:27:01z",
            "2026-12-06T09:00:00+05:30",
            "2026-12-06T00:00:00-08:00",
            // A date alone is a UTC day to the browser already.
            "2026-12-06",
        ] {
            assert_eq!(in_utc_unless_zoned(zoned), zoned);
        }
    }

    #[test]
    fn values_read_as_text_records_one_per_line() {
        assert_eq!(value(None), "—");
        assert_eq!(value(Some(&json!(["a", "b"]))), "a, b");
        assert_eq!(value(Some(&json!(65010))), "65010");
        let legs = json!([
            {"name": "Dallas Primary 1", "role": "primary", "status": "ACTIVE", "errorReason": null},
            {"name": "Dallas Secondary 1", "speedMbps": 500, "destPortId": "p1"},
        ]);
        assert_eq!(
            value(Some(&legs)),
            "Name: Dallas Primary 1, Status: ACTIVE, Leg: primary\n\
             Name: Dallas Secondary 1, Speed: 500, Azure port: p1"
        );
        assert_eq!(
            value(Some(&json!({"colour": "p1"}))),
            "colour: p1",
            "a field the pages do not name keeps its API name"
        );
    }

    #[test]
    fn a_time_is_given_to_an_input_as_precisely_as_it_is() {
        let cases = [
            ("2026-12-06T00:42:00.000Z", "2026-12-06T00:42", "60"),
            ("2026-12-06T00:42:30.000Z", "2026-12-06T00:42:30", "1"),
            (
                "2026-12-06T00:42:00.250Z",
                "2026-12-06T00:42:00.250",
                "0.001",
            ),
        ];
        for (iso, input, step) in cases {
            assert_eq!(input_of_iso(iso), input, "{iso}");
            assert_eq!(input_step(input), step, "{iso}");
        }
        assert_eq!(input_step(""), "60");
    }

    #[test]
    fn a_speed_is_said_in_gbps_from_one_gbps_on_with_a_tenth_at_most() {
        assert_eq!(speed(0), "0 Mbps");
        assert_eq!(speed(500), "500 Mbps");
        assert_eq!(speed(999), "999 Mbps");
        assert_eq!(speed(1000), "1 Gbps");
        assert_eq!(speed(8900), "8.9 Gbps");
        assert_eq!(speed(10_000), "10 Gbps");
        assert_eq!(speed(1250), "1250 Mbps");
        assert_eq!(speed(100_100), "100.1 Gbps");
    }
}
