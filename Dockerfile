# Production image: the app under gunicorn, against an external PostgreSQL (DATABASE_URL).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PINGYI_ENV=production PINGYI_VAR_DIR=/app/var HOST=0.0.0.0 PORT=8000

WORKDIR /app
# The reports' embedded font (Noto Sans CJK, docs/results.md "Fonts"): without it they fall back to
# a font that is not embedded.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY service ./service
COPY ballots ./ballots
COPY migrations ./migrations

RUN useradd --system --uid 10001 --home /app pingyi && mkdir -p /app/var && chown pingyi /app/var
USER pingyi

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"

CMD ["python", "-m", "service", "serve", "--no-demo"]
