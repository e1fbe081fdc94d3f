"""Speed of one image check: decode, quality checks, network (8 views) and heat map.

Usage: ``python -m benchmarks.image_check [--runs 200] [--threads 2] [--no-write]``.

Photos are the full-size HAM10000 sample (``../shared/data/ham10000_sample``, 600x450 JPEG) when
present, otherwise generated 600x450 skin-like JPEGs; a 12-megapixel phone-sized JPEG is timed
too. Each run is ``ImageChecker.check(bytes)``, exactly what the chat, REST and CLI call. The
target is a p95 under 50 ms on 2 cores. Results go to the "Image check: speed" section of
BENCHMARKS.md, with the machine's load average, since other work on a shared machine slows it.
"""

from __future__ import annotations

import argparse
import io
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.report import write_section
from skills.image_check.infer import ImageChecker
from skills.image_check.options import DEFAULT_CHECKPOINT

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "ham10000_sample"


def _jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def _synthetic(seed: int, size: tuple[int, int]) -> np.ndarray:
    """A skin-like picture: pink texture with a brown blob."""
    rng = np.random.default_rng(seed)
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    pixels = np.full((h, w, 3), (225, 170, 160), dtype=np.float32)
    inside = ((xx - w / 2) / (w * 0.18)) ** 2 + ((yy - h / 2) / (h * 0.18)) ** 2 < 1
    pixels[inside] = (120, 80, 60)
    pixels += rng.normal(0, 9, (h, w, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


def photos() -> tuple[list[bytes], str]:
    files = sorted(SAMPLE.glob("*/*.jpg")) if SAMPLE.is_dir() else []
    if files:
        return [f.read_bytes() for f in files], f"{len(files)} HAM10000 sample photos (600x450)"
    return [_jpeg(_synthetic(i, (600, 450))) for i in range(20)], "20 generated 600x450 photos"


def phone_photo() -> bytes:
    """A sharp 4000x3000 JPEG: a sample photo (or a generated one) enlarged without smoothing."""
    files = sorted(SAMPLE.glob("nv/*.jpg")) if SAMPLE.is_dir() else []
    small = (
        Image.open(files[0]).convert("RGB") if files else Image.fromarray(_synthetic(9, (600, 450)))
    )
    return _jpeg(np.asarray(small.resize((4000, 3000), Image.Resampling.NEAREST)))


def measure(checker: ImageChecker, data: list[bytes], runs: int) -> dict[str, np.ndarray]:
    for item in data[:5]:  # warm-up: first calls allocate
        checker.check(item)
    totals: list[float] = []
    cpu: list[float] = []
    stages: dict[str, list[float]] = {}
    for i in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        result = checker.check(data[i % len(data)])
        totals.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        for name, ms in result.timings_ms.items():
            stages.setdefault(name, []).append(ms)
    out = {"total": np.array(totals), "cpu": np.array(cpu)}
    out.update({k: np.array(v) for k, v in stages.items()})
    return out


def _row(label: str, timings: dict[str, np.ndarray]) -> str:
    total = timings["total"]
    parts = " | ".join(
        f"{np.percentile(timings[k], 50):.1f} / {np.percentile(timings[k], 95):.1f}"
        if k in timings else "-"
        for k in ("decode", "quality", "network", "heatmap")
    )  # fmt: skip
    return (
        f"| {label} | {np.percentile(total, 50):.1f} | **{np.percentile(total, 95):.1f}** | "
        f"{np.median(timings['cpu']):.1f} | {parts} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--checkpoint", type=Path, default=DEFAULT_CHECKPOINT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    checker = ImageChecker.load(args.checkpoint)
    data, described = photos()
    phone = [phone_photo()]
    lines = [
        "| photos, torch threads | p50 ms | p95 ms | CPU ms (median) | decode p50/p95 | quality "
        "| network (8 views) | heat map |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for threads in args.threads:
        checker.threads = threads
        lines.append(_row(f"{described}, {threads}", measure(checker, data, args.runs)))
        lines.append(_row(f"a 12-megapixel JPEG, {threads}", measure(checker, phone, 30)))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    body = "\n".join(lines) + (
        f"\n\nOne check = decode + quality checks + network over 8 views + Grad-CAM heat map PNG "
        f"(`ImageChecker.check`); target p95 < 50 ms on 2 cores. {args.runs} runs per row "
        f"(30 for the 12-megapixel photo). CPU ms is the processor time one check used, which "
        f"other jobs on the machine do not inflate as much as the wall-clock times. Load average "
        f"when measured: {load:.1f} on {os.cpu_count()} cores (a shared machine)."
    )
    print(body)
    if not args.no_write:
        write_section("Image check: speed", "python -m benchmarks.image_check", body)


if __name__ == "__main__":
    main()
