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

/// What to add to the message of a bound `raw` that could not be read ([`given`]), when its
/// slip is a common one: a time without its `Z` or offset, or an offset's `+` that a query
/// string read as a space.
pub fn hint(raw: &str) -> &'static str {
    let t = raw.trim();
    let Some((date, rest)) = t.split_at_checked(10) else {
        return "";
    };
    if time::Date::parse(date, format_description!("[year]-[month]-[day]")).is_err() {
        return "";
    }
    // A space between the two is read as a T is.
    let Some(clock) = rest.strip_prefix(['T', 't', ' ']) else {
        return "";
    };
    // `…T10:00:00 01:00`: `+01:00` sent unencoded in a query string.
    let offset_spaced = clock.rsplit_once(' ').is_some_and(|(_, offset)| {
        offset.len() == 5
            && offset
                .bytes()
                .enumerate()
                .all(|(i, b)| (i == 2) == (b == b':') && (i == 2 || b.is_ascii_digit()))
    });
    if offset_spaced {
        "; in a query string a + is written %2B"
    } else if !clock.contains(['Z', 'z', '+', '-']) {
        "; the time needs a Z (for UTC) or an offset such as +01:00 after it, as in \
         2026-11-25T09:00:00Z"
    } else {
        ""
    }
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
    fn a_bound_not_read_is_told_its_common_slip() {
        for (raw, said) in [
            ("2026-12-07 19:28:10", "needs a Z"),
            ("2026-12-07T19:28:10", "needs a Z"),
            ("2026-12-07T19:28:10 01:00", "a + is written %2B"),
        ] {
            assert_eq!(given(raw), None, "{raw}");
            assert!(hint(raw).contains(said), "{raw}: {}", hint(raw));
        }
        // Nothing to say of what is no time at all, nor of a slip of another kind.
        for raw in [
            "last tuesday",
            "",
            "2026-13-01 10:00",
            "2026-12-07T25:00:00Z",
            "é2026-12-07 1",
        ] {
            assert_eq!(hint(raw), "", "{raw}");
        }
    }

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
