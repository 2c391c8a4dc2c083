-- The printed 公示 notice (issue 13): who issues it (the campaign's body, e.g. 中共某某学院委员会)
-- and how to lodge an objection besides the public page (an office, a telephone, a mailbox).
ALTER TABLE publications
    ADD COLUMN issuer            text NOT NULL DEFAULT '',
    ADD COLUMN objection_contact text NOT NULL DEFAULT '';
