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

/// 1000 → `1 Gbps`, 200 → `200 Mbps`.
/// A speed or capacity in Mbps as people say it: in Gbps from 1 Gbps on, with a tenth where it
/// has one (8.9 Gbps beside 10 Gbps, not 8900 Mbps), otherwise in Mbps.
pub fn speed(mbps: u64) -> String {
    match (mbps / 1000, mbps % 1000) {
        (0, _) => format!("{mbps} Mbps"),
        (gbps, 0) => format!("{gbps} Gbps"),
        (gbps, rest) if rest.is_multiple_of(100) => format!("{gbps}.{} Gbps", rest / 100),
        _ => format!("{mbps} Mbps"),
    }
}

pub fn optional_speed(mbps: Option<u64>) -> String {
    mbps.map(speed).unwrap_or_else(|| "—".to_owned())
}

/// A JSON value as one line of text: strings without quotes, lists joined by commas.
pub fn value(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| value(Some(i)))
            .collect::<Vec<_>>()
            .join(", "),
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
    utc_to_input(&String::from(then.to_iso_string()))
}

/// RFC 3339 (any offset) as the value of a `datetime-local` input in UTC, to the minute.
pub fn utc_to_input(rfc3339: &str) -> String {
    let date = Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return String::new();
    }
    String::from(date.to_iso_string())
        .chars()
        .take(16)
        .collect()
}

/// A moment (ms since the epoch) as the local time of day, `14:05`.
pub fn local_clock(ms: f64) -> String {
    let date = Date::new(&JsValue::from_f64(ms));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

#[cfg(test)]
mod tests {
    use super::speed;

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
