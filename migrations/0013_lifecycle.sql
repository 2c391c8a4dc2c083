-- Each transition keeps its own time: the public page says when the campaign was announced,
-- whatever happened to it later. Earlier transitions are read back from the event record.
ALTER TABLE campaigns
    ADD COLUMN announced_at timestamptz,
    ADD COLUMN opened_at    timestamptz,
    ADD COLUMN closed_at    timestamptz,
    ADD COLUMN published_at timestamptz,
    ADD COLUMN archived_at  timestamptz;

UPDATE campaigns c
SET announced_at = t.announced, opened_at = t.opened, closed_at = t.closed,
    published_at = t.published, archived_at = t.archived
FROM (SELECT campaign_id,
             min(created_at) FILTER (WHERE details ->> 'to' = 'announced') AS announced,
             min(created_at) FILTER (WHERE details ->> 'to' = 'open') AS opened,
             min(created_at) FILTER (WHERE details ->> 'to' = 'closed') AS closed,
             min(created_at) FILTER (WHERE details ->> 'to' = 'published') AS published,
             min(created_at) FILTER (WHERE details ->> 'to' = 'archived') AS archived
      FROM events WHERE action = 'campaign.transition' GROUP BY campaign_id) t
WHERE t.campaign_id = c.id;

-- A state reached with no event on record (none should be) takes the last change's time.
UPDATE campaigns SET announced_at = coalesce(announced_at, state_changed_at)
WHERE state <> 'draft' AND announced_at IS NULL;

-- A 公示 that starts before the day it was published needs the organiser's reason, kept here.
ALTER TABLE publications ADD COLUMN backdate_reason text NOT NULL DEFAULT '';

-- Objections are answered: 已核实 (verified) or 不成立 (rejected), with a reply note.
ALTER TABLE objections
    ADD COLUMN status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'verified', 'rejected')),
    ADD COLUMN reply      text NOT NULL DEFAULT '',
    ADD COLUMN handled_by text,
    ADD COLUMN handled_at timestamptz;
