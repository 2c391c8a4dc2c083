-- 两推三评: besides the ballots (师生测评), scores entered by the organisation (组织考评) and by
-- leaders (领导点评), one per person who enters it; a source's score is their mean.
CREATE TABLE source_scores (
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    subject_id   bigint NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    source       text NOT NULL CHECK (source IN ('organisation', 'leaders')),
    entered_by   text NOT NULL,
    score        numeric NOT NULL CHECK (score >= 0 AND score <= 100),
    comment      text NOT NULL DEFAULT '',
    entered_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, subject_id, source, entered_by)
);
