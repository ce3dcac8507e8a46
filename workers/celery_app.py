"""The Celery app: Redis broker, JSON only, late acks, one task prefetched, limits from settings.

Start a worker with `extractor worker` (or `celery -A workers.celery_app worker`).
Everything comes from the EXTRACTOR_* settings (extractor/config.py):

- `task_acks_late` + `task_reject_on_worker_lost`: a task is acknowledged
  only after it finished, so a worker killed mid-task (OOM, SIGKILL, a crash
  in a native library) gives the message back and another worker runs it.
- Redis `visibility_timeout` (in the broker and the result backend transport
  options) is longer than the hard time limit, so a running task is never
  handed out twice; an abandoned one comes back after it.
- Redis has no dead-letter queue: deliveries are counted in the store
  (jobs.py), and a document that crashes its worker every time fails after
  EXTRACTOR_MAX_ATTEMPTS with `too_many_attempts`.
- Each worker process runs one page at a time on one core: OCR libraries are
  pinned to one thread (OMP_THREAD_LIMIT=1, ONNX intra-op threads 1), so N
  worker processes on N cores do not fight; engines and layouts load once per
  process in `worker_process_init` (workers/tasks.py).

The app never imports its tasks (as paperless-ngx's src/paperless/celery.py):
a worker imports `workers.tasks` through `include`; tasks.py imports the app.
"""

from __future__ import annotations

import os
from typing import Any

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy / OpenCV / onnxruntime / tesseract load

from celery import Celery  # noqa: E402

from extractor.config import Settings, load_settings  # noqa: E402

QUEUE = "extractor"
SWEEP_INTERVAL = 300.0  # seconds between sweeps for abandoned jobs (workers/lease.py)
LOCAL_REDIS = "redis://127.0.0.1:6379/0"  # only for `celery inspect` etc. without settings


def visibility_timeout(settings: Settings) -> int:
    """Longer than the longest task (the hard time limit), with a margin."""
    return settings.task_time_limit + max(2, settings.task_time_limit // 4)


def celery_config(settings: Settings) -> dict[str, Any]:
    vt = visibility_timeout(settings)
    transport = {
        "visibility_timeout": vt,
        # how often a worker looks for abandoned (unacked, timed out) messages to give back
        "unacked_restore_interval": max(1, min(10, vt // 5)),
        "unacked_restore_throttle": 1,
    }
    url = settings.redis_url or LOCAL_REDIS
    return {
        "broker_url": url,
        "result_backend": url,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_soft_time_limit": settings.task_soft_time_limit,
        "task_time_limit": settings.task_time_limit,
        "broker_transport_options": transport,
        "result_backend_transport_options": dict(transport),
        "result_expires": settings.result_expires,
        "task_ignore_result": True,  # the result store (workers/store) holds every outcome
        "result_backend_always_retry": True,
        "worker_max_memory_per_child": settings.worker_max_memory_mb * 1024,  # KiB
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # ride out a Redis restart
        "task_publish_retry_policy": {
            "max_retries": 10, "interval_start": 0.5, "interval_step": 1, "interval_max": 5,
        },
        "task_default_queue": QUEUE,
        "worker_send_task_events": True,  # for flower
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
        # with `extractor worker --beat` (one per deployment): abandoned jobs resumed
        "beat_schedule": {"sweep": {"task": "extractor.sweep", "schedule": SWEEP_INTERVAL}},
    }


def make_app(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = Celery("extractor", include=["workers.tasks"])  # imported by the worker, not here
    app.conf.update(celery_config(settings))
    return app


app = make_app()

