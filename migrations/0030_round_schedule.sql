-- Scheduled voting (issue 13.5): a round may carry the time its voting opens and the time it
-- closes. Casts outside the window are refused; the campaign opens at its first round's opening
-- and closes once every round's closing has passed, without anyone pressing a button
-- (service/campaigns/schedule.py).
ALTER TABLE rounds
    ADD COLUMN opens_at  timestamptz,
    ADD COLUMN closes_at timestamptz,
    ADD CONSTRAINT rounds_window_order CHECK (opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at);
