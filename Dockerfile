# The extractor and its batch service: `docker compose up` (see docker-compose.yml).
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-chi-sim fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    OMP_THREAD_LIMIT=1 \
    EXTRACTOR_LAYOUTS_DIR=/app/layouts \
    EXTRACTOR_STORE=/data/store

WORKDIR /app
COPY pyproject.toml README.md ./
COPY extractor ./extractor
COPY workers ./workers
COPY review ./review
COPY layouts ./layouts
RUN pip install --no-cache-dir ".[postgres,service]"
# the image is complete: every command group loads, every required part works
# (tests/test_dockerfile.py runs the image's commands on the copied tree without Docker)
RUN extractor --help >/dev/null && extractor doctor

RUN useradd --create-home --uid 1000 extractor \
 && mkdir -p /data/store /data/inbox \
 && chown -R extractor /data
USER extractor
VOLUME ["/data/store"]

CMD ["extractor", "worker"]
