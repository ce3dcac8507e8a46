"""The Celery app: Redis broker, JSON only, late acks, one task prefetched, limits from settings.

Start a worker with `extractor worker` (or `celery -A workers.celery_app worker`).
Everything comes from the EXTRACTOR_* settings (extractor/config.py):

- `task_acks_late` + `task_reject_on_worker_lost`: a task is acknowledged
  only after it finished, so a worker killed mid-task (OOM, SIGKILL, a crash
  in a native library) gives the message back and another worker runs it.
- A lease on every message a worker holds: Redis gives a message that is not
  acknowledged back to the queue after the `visibility_timeout` (LEASE_S, 30 s;
  shorter with short time limits), and each worker renews the lease of the
  messages it holds (running, waiting for a pool process, or scheduled for a
  retry) every third of it (`lease_keeper`, a thread of the worker's main
  process). A running task is never handed out twice; a message whose worker
  lost it (the worker died, or Redis went away before the task started, when
  the worker drops what it had received) is back in the queue within the lease
  of Redis being up again, not after the hard time limit (issue 14: 19 minutes).
- Celery 6 defaults pinned: `worker_cancel_long_running_tasks_on_connection_loss`
  (running late-ack tasks are stopped when the broker connection is lost: their
  message cannot be acknowledged any more and comes back, see above),
  `broker_connection_retry_on_startup`, `task_acks_on_failure` /
  `task_acks_on_timeout` (for the deprecated `task_acks_on_failure_or_timeout`).
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

import logging
import os
import threading
import time
from typing import Any

for _var in ("OMP_THREAD_LIMIT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy / OpenCV / onnxruntime / tesseract load

from celery import Celery  # noqa: E402
from celery.signals import worker_ready, worker_shutdown  # noqa: E402

from extractor.config import Settings, load_settings  # noqa: E402

log = logging.getLogger(__name__)
QUEUE = "extractor"
SWEEP_INTERVAL = 300.0  # seconds between sweeps for abandoned jobs (workers/lease.py)
LOCAL_REDIS = "redis://127.0.0.1:6379/0"  # only for `celery inspect` etc. without settings
# how long a message a worker holds stays its own without renewal: a lost one is back in the
# queue this long after it was last renewed (the brief of issue 14: within a minute)
LEASE_S = 30
UNACKED_INDEX = "unacked_index"  # kombu's Redis sorted set: delivery tag -> time delivered


def visibility_timeout(settings: Settings) -> int:
    """The lease: LEASE_S, or less with short time limits (the tests' abandoned tasks)."""
    return min(LEASE_S, settings.task_time_limit + max(2, settings.task_time_limit // 4))


def celery_config(settings: Settings) -> dict[str, Any]:
    vt = visibility_timeout(settings)
    transport = {
        "visibility_timeout": vt,
        # how often a worker looks for abandoned (unacked, lease run out) messages to give back
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
        "broker_connection_retry": True,
        "broker_connection_retry_on_startup": True,  # Celery 6: no longer implied by the above
        "broker_connection_max_retries": None,  # ride out a Redis restart
        "worker_cancel_long_running_tasks_on_connection_loss": True,  # Celery 6's default
        "task_acks_on_failure": True,  # the Celery 5 default of task_acks_on_failure_or_timeout,
        "task_acks_on_timeout": True,  # deprecated in Celery 6: a failure is recorded, not redone
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


class LeaseKeeper:
    """Renews the lease (kombu's `unacked_index` score) of every message this worker holds.

    A thread of the worker's main process, so it runs whatever the pool (a solo pool's task
    blocks the event loop, not a thread). Redis being away is waited out quietly: the
    worker drops what it held then, and those leases run out on their own."""

    def __init__(self, broker_url: str, lease_s: int):
        import redis

        self.client = redis.Redis.from_url(broker_url, socket_timeout=5, socket_connect_timeout=5)
        self.every = max(1.0, lease_s / 3)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="lease-keeper", daemon=True)

    def run(self) -> None:
        while not self.stop.wait(self.every):
            tags = held_delivery_tags()
            if not tags:
                continue
            try:
                self.client.zadd(UNACKED_INDEX, dict.fromkeys(tags, time.time()), xx=True)
            except Exception as e:  # Redis away: the worker reconnects; nothing to keep meanwhile
                log.debug("lease renewal skipped: %s", e)


def held_delivery_tags() -> list[str]:
    """The delivery tags of the requests this worker holds: running, reserved, scheduled."""
    from celery.worker import state

    for _ in range(3):  # the sets are changed by the event loop's thread
        try:
            held = {*state.active_requests, *state.reserved_requests, *state.scheduled_requests}
            break
        except RuntimeError:
            continue
    else:
        return []
    tags = (getattr(getattr(r, "message", None), "delivery_tag", None) for r in held)
    return [str(t) for t in tags if t]


_keeper: list[LeaseKeeper] = []


@worker_ready.connect
def _start_lease_keeper(sender: Any = None, **_: Any) -> None:
    conf = sender.app.conf if sender is not None else app.conf
    url = conf.broker_url
    if not str(url).startswith(("redis://", "rediss://", "unix://")) or _keeper:
        return
    keeper = LeaseKeeper(url, int(conf.broker_transport_options["visibility_timeout"]))
    keeper.thread.start()
    _keeper.append(keeper)


@worker_shutdown.connect
def _stop_lease_keeper(**_: Any) -> None:
    while _keeper:
        _keeper.pop().stop.set()


def make_app(settings: Settings | None = None) -> Celery:
    settings = settings or load_settings()
    app = Celery("extractor", include=["workers.tasks"])  # imported by the worker, not here
    app.conf.update(celery_config(settings))
    return app


app = make_app()

