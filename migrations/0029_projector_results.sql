-- 当场公布 (issue 13.4): after the close, the organiser may switch the hall's projector from the
-- turnout to the results. The switch is the campaign's; each change is an audit event.
ALTER TABLE campaigns ADD COLUMN projector_results boolean NOT NULL DEFAULT false;
