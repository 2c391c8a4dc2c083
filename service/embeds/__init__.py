"""Embeds (issue 12, docs/integration.md "嵌入 / Embedding"): small public pages under /embed/ that
other sites may frame (a round's turnout, its published results, the 公示 list), the allowlist of
origins that may frame them and read the read-only API from a browser (CORS), and its admin page."""
