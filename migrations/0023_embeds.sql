-- Embeds (issue 12, docs/integration.md "嵌入 / Embedding"): the origins that may frame the /embed/
-- widgets (Content-Security-Policy frame-ancestors) and read the read-only /api/v1 routes from a
-- browser (CORS). An origin is stored as the browser sends it: scheme://host[:port], lower case, no
-- default port, no path; service/embeds/origins.py normalises it, the CHECK keeps anything that
-- could break out of a header (spaces, ';', quotes, '*') out of the table whatever writes to it.

CREATE TABLE embed_origins (
    origin      text PRIMARY KEY
                CHECK (origin ~ '^https?://([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$' AND length(origin) <= 300),
    note        text NOT NULL DEFAULT '' CHECK (length(note) <= 200),
    added_by    text NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now()
);
