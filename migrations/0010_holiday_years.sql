-- The official holiday schedules (放假和调休, from the State Council's notice) that an
-- administrator entered for years the chinese-calendar package does not know (docs/calendar.md).
-- One row a year: entering the year again replaces it; every entry is also an event
-- (calendar.year_entered) carrying its dates, so what was replaced stays on the record.
CREATE TABLE holiday_years (
    year        integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2099),
    holidays    date[] NOT NULL,   -- days off, the weekends inside a holiday included
    workdays    date[] NOT NULL,   -- weekend days worked instead (调休上班)
    source      text NOT NULL DEFAULT '',
    entered_by  text NOT NULL,
    entered_at  timestamptz NOT NULL DEFAULT now()
);
