-- 公开 #2: the proposed honourees published for a 公示 window of working days, objections
-- lodged during it, and the final list (表彰) confirmed after it.
CREATE TABLE publications (
    campaign_id   bigint PRIMARY KEY REFERENCES campaigns (id) ON DELETE CASCADE,
    starts_on     date NOT NULL,
    ends_on       date NOT NULL CHECK (ends_on >= starts_on),
    working_days  integer NOT NULL CHECK (working_days > 0),
    note          text NOT NULL DEFAULT '',
    published_by  text NOT NULL,
    published_at  timestamptz NOT NULL DEFAULT now(),
    confirmed_by  text,
    confirmed_at  timestamptz
);

CREATE TABLE honourees (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    subject_id   bigint REFERENCES subjects (id),
    name         text NOT NULL,
    award        text NOT NULL DEFAULT '',
    position     integer NOT NULL DEFAULT 0,
    final        boolean          -- NULL while proposed; true / false once the list is confirmed
);
CREATE INDEX honourees_campaign_idx ON honourees (campaign_id, position);

CREATE TABLE objections (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    honouree_id  bigint REFERENCES honourees (id) ON DELETE SET NULL,
    body         text NOT NULL,
    contact      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX objections_campaign_idx ON objections (campaign_id, id);
