"""Time and peak memory of one image upload and of its renditions, at the largest sizes allowed.

    .venv/bin/python bench/images.py                     # the code of this checkout
    BENCH_SOURCE=/other/tree .venv/bin/python bench/images.py   # another tree, to compare

Each step runs in a child process of its own, since peak memory (VmHWM) is per process, and
reports what it added to the child's memory after imports, with its wall and CPU time (on a busy
machine the wall time is the CPU time plus the wait for a core). "upload" is what
the admin form does with a new file (every check, then the clean re-encoded copy); "renditions"
makes every width and format from the stored copy, as the first page showing it does. The test
pictures are drawn here (gradients, so that 40 megapixels fit the 15 MB upload limit) and handed
to the children as files. No database is needed.
"""

import argparse
import inspect
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(os.environ.get("BENCH_SOURCE", Path(__file__).resolve().parent.parent))
FORTY_MEGAPIXELS = (7744, 5164)  # 39,990,016 pixels, a 3:2 photo just under the default cap


def pictures(folder: Path) -> dict[str, Path]:
    from PIL import Image, ImageChops

    def photo_like(size, grain=20):
        across = Image.linear_gradient("L").resize(size)
        down = Image.linear_gradient("L").rotate(90).resize(size)
        noise = Image.effect_noise((size[0] // 8, size[1] // 8), grain).resize(size)
        return Image.merge("RGB", [across, down, ImageChops.add(across, noise, scale=2)])

    made = {}
    big = photo_like(FORTY_MEGAPIXELS)
    for label, fmt, options in [
        ("jpeg-40mp", "JPEG", {"quality": 90}),
        ("png-40mp", "PNG", {}),
        ("webp-40mp", "WEBP", {"quality": 90}),
    ]:
        made[label] = folder / f"{label}.{fmt.lower()}"
        big.save(made[label], fmt, **options)
    del big
    # 300 frames (the default cap) of 365 x 365: 39.97 megapixels across the animation, each
    # frame different (a turning gradient), so that none can be merged with the one before.
    frame = photo_like((365, 365), grain=0)  # grain would take an APNG past 15 MB
    frames = [frame.rotate(index) for index in range(300)]
    for label, fmt, animation in [
        (
            "gif-300-frames",
            "GIF",
            [f.quantize(256, method=Image.Quantize.FASTOCTREE) for f in frames],
        ),
        ("webp-300-frames", "WEBP", frames),
        ("apng-300-frames", "PNG", frames),
    ]:
        made[label] = folder / f"{label}.{fmt.lower()}"
        animation[0].save(
            made[label], fmt, save_all=True, append_images=animation[1:], duration=40, loop=0
        )
    made["gif-60000-frames"] = folder / "gif-60000-frames.gif"
    made["gif-60000-frames"].write_bytes(gif_of_tiny_frames(60_000))
    return made


def gif_of_tiny_frames(count: int) -> bytes:
    """A 16 x 16 GIF of `count` one-pixel frames (1.4 MB for 60,000), written byte by byte."""
    frame = (
        b"\x21\xf9\x04\x00\x02\x00\x00\x00"  # 20 ms
        + b"\x2c"
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00"  # one pixel of colour 0
    )
    header = b"GIF89a" + struct.pack("<HHBBB", 16, 16, 0x80, 0, 0) + bytes(6)
    return header + frame * count + b";"


def memory_kb(field: str) -> int:
    """VmRSS (now) or VmHWM (peak) of this process. Not ru_maxrss: Linux keeps that across
    exec, so a child would report the peak of the parent that drew the pictures."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def child(step: str, source: Path, media: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["MEDIA_ROOT"] = str(media)
    os.environ["CACHE_URL"] = "dummy://"
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles import images
    from articles.models import Image
    from public import renditions

    data = source.read_bytes()
    before = memory_kb("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    outcome = "ok"
    if step == "upload":
        upload = SimpleUploadedFile(source.name, data)
        try:
            images.validate_image_file(upload)
            if len(inspect.signature(images.clean_copy).parameters) == 2:
                copy = images.clean_copy(upload, source.name)  # before random names
            else:
                copy = images.clean_copy(upload)
            (media / "copy").write_bytes(copy.read())
        except Exception as error:  # a refusal is a result here, not a failure of the bench
            outcome = f"{type(error).__name__}: {str(error)[:60]}"
    else:
        image = Image(pk=1, file="copy", alt_text="bench")
        made = renditions._make(image, "bench")
        outcome = f"{len(made.webp) + len(made.fallback)} files"
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = memory_kb("VmHWM")
    return {"seconds": seconds, "cpu": cpu, "added_mb": (peak - before) / 1024, "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("STEP", "SOURCE", "MEDIA"))
    options = parser.parse_args()
    if options.child:
        step, source, media = options.child
        print(json.dumps(child(step, Path(source), Path(media))))
        return
    print(f"Code measured: {ROOT}")
    print("| picture | step | seconds (wall) | seconds (CPU) | memory added (MB) | outcome |")
    print("|---|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        for label, path in pictures(Path(folder)).items():
            media = Path(folder) / label
            media.mkdir()
            for step in ("upload", "renditions"):
                if step == "renditions" and not (media / "copy").exists():
                    continue
                result = subprocess.run(
                    [sys.executable, __file__, "--child", step, str(path), str(media)],
                    capture_output=True,
                    text=True,
                    cwd=ROOT,
                )
                if result.returncode:
                    print(f"| {label} | {step} | | | failed: {result.stderr[-300:]!r} |")
                    continue
                figures = json.loads(result.stdout.strip().splitlines()[-1])
                print(
                    f"| {label} ({path.stat().st_size / 1e6:.1f} MB) | {step} "
                    f"| {figures['seconds']:.2f} | {figures['cpu']:.2f} "
                    f"| {figures['added_mb']:.0f} | {figures['outcome']} |"
                )


if __name__ == "__main__":
    main()
