//! Times as the portal writes them: RFC 3339, UTC, milliseconds, so they sort as text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

/// Now, as RFC 3339 UTC with milliseconds: sorts as text in time order.
pub fn now() -> String {
    format(OffsetDateTime::now_utc())
}

/// `t` in the stored form. A time whose UTC falls outside the years 0000–9999 cannot be
/// written so that it sorts as text; [`normalize`] refuses those, so they never get here.
pub fn format(t: OffsetDateTime) -> String {
    let t = in_utc(t).unwrap_or(t);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

/// `t` in UTC, if that is within the years 0000–9999 (an offset can move
/// `9999-12-31T23:59:59-01:00` into the year 10000).
fn in_utc(t: OffsetDateTime) -> Option<OffsetDateTime> {
    t.checked_to_offset(time::UtcOffset::UTC)
        .filter(|t| (0..=9999).contains(&t.year()))
}

/// Reads a bound of a time range a person or program gave (RFC 3339, any offset; or a date
/// alone, for its midnight UTC) into the stored form; `None` for anything else, or for a time
/// whose UTC is outside the years 0000–9999.
///
/// Times are stored in whole milliseconds, so a finer bound is taken up to the next one: for a
/// stored time, `at >= bound` and `at < bound` then hold exactly as they do for the time given
/// (`…38.0929Z` does not take in an event at `…38.092Z`).
pub fn normalize(raw: &str) -> Option<String> {
    given(raw)
        .and_then(up_to_a_millisecond)
        .and_then(in_utc)
        .map(format)
}

/// A bound as given, to the nanosecond (see [`normalize`] for what is read): two bounds are
/// ordered as given, even when both fall within one millisecond.
pub fn given(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    OffsetDateTime::parse(raw, &Rfc3339).ok().or_else(|| {
        time::Date::parse(raw, format_description!("[year]-[month]-[day]"))
            .ok()
            .map(|d| d.midnight().assume_utc())
    })
}

/// `t`, or the next whole millisecond after it when it falls between two.
fn up_to_a_millisecond(t: OffsetDateTime) -> Option<OffsetDateTime> {
    match t.nanosecond() % 1_000_000 {
        0 => Some(t),
        past => t.checked_add(time::Duration::nanoseconds(i64::from(1_000_000 - past))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_sort_as_text() {
        let a = normalize("2026-11-25T10:00:00+01:00").unwrap();
        let b = normalize("2026-11-25T09:30:00Z").unwrap();
        assert_eq!(a, "2026-11-25T09:00:00.000Z");
        assert_eq!(
            normalize("9999-12-31T23:59:59+01:00").as_deref(),
            Some("9999-12-31T22:59:59.000Z")
        );
        assert!(a < b);
        assert_eq!(normalize("yesterday"), None);
    }

    #[test]
    fn a_finer_time_is_taken_up_to_the_next_millisecond() {
        for (given, stored) in [
            ("2026-11-25T10:00:38.0929Z", "2026-11-25T10:00:38.093Z"),
            ("2026-11-25T10:00:38.092000001Z", "2026-11-25T10:00:38.093Z"),
            ("2026-11-25T10:00:38.092Z", "2026-11-25T10:00:38.092Z"),
            ("2026-11-25T10:00:38.0920000Z", "2026-11-25T10:00:38.092Z"),
            ("2026-11-25T23:59:59.9999+00:00", "2026-11-26T00:00:00.000Z"),
        ] {
            assert_eq!(normalize(given).as_deref(), Some(stored), "{given}");
        }
        // Up past the last stored millisecond is past what can be stored.
        assert_eq!(normalize("9999-12-31T23:59:59.9995Z"), None);
    }

    #[test]
    fn a_date_alone_is_its_midnight_utc() {
        assert_eq!(
            normalize(" 2026-11-25 ").as_deref(),
            Some("2026-11-25T00:00:00.000Z")
        );
        for bad in [
            "2026-11-31",
            "2026-13-01",
            "2026-1-5",
            "26-11-25",
            "2026-11-25T10",
            // Their UTC is in the year 10000 or -1.
            "9999-12-31T23:59:59-01:00",
            "0000-01-01T00:00:00+01:00",
        ] {
            assert_eq!(normalize(bad), None, "{bad}");
        }
    }
}
