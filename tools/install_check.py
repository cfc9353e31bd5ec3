#!/usr/bin/env python3
"""Follow the README's install guide on a fresh Debian 12 machine with systemd as PID 1.

    sudo .venv/bin/python tools/install_check.py [--cache DIR] [--transcript FILE]

Builds a Debian 12 root file system with debootstrap (kept in --cache for the next run), boots it
in qemu with its own kernel and systemd, and runs tools/install_check_guest.py there: it sets up
a local Dovecot and Postfix, runs every command of the guide, and checks that the service runs,
hardened, and handles mail. The machine has no network: the project's wheels and those of its
dependencies are built here first and handed over on a second disk. Exit 0 when the guest says
PASSED. Needs root, Python 3.11 (the wheels are for Debian 12's), debootstrap, qemu-system-x86,
e2fsprogs and git; 6 to 9 minutes under software emulation, 2 more for the first debootstrap.
"""

from __future__ import annotations

import argparse
import codecs
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import install_check_guest  # noqa: E402  (beside this file; reads the guide as the guest will)

CHECKOUT = HERE.parent
SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
# The machine itself (kernel, systemd, the tools the check uses) and the seller's mail servers
# it plays. The guide's own `apt-get install` packages are added from the README, so that its
# command finds them installed and needs no network.
BASE_PACKAGES = ["systemd-sysv", "udev", "linux-image-amd64", "kmod", "procps", "iproute2", "util-linux",
                 "ca-certificates", "openssl", "python3", "dovecot-imapd", "postfix"]
# Raised when the way the root file system is prepared changes, so that a cached one is rebuilt.
ROOTFS_VERSION = "1"
TIMEOUT_SECONDS = 30 * 60

GUEST_UNIT = """[Unit]
Description=Follow the README's install guide
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /mnt/payload/install_check_guest.py
StandardOutput=journal+console
TimeoutStartSec=25min

[Install]
WantedBy=multi-user.target
"""


def step(text: str) -> None:
    print(f"install-check: {text}", flush=True)


def fail(text: str) -> "SystemExit":
    return SystemExit(f"install-check: {text}")


def preflight() -> None:
    if os.geteuid() != 0:
        raise fail("run as root: debootstrap and the machine's files need it")
    if sys.version_info[:2] != (3, 11):
        raise fail(f"run with Python 3.11, as Debian 12 has: the wheels built here must suit it (this is "
                   f"{sys.version_info[0]}.{sys.version_info[1]})")
    missing = {tool: package for tool, package in [("debootstrap", "debootstrap"), ("qemu-system-x86_64", "qemu-system-x86"),
                                                   ("mkfs.ext4", "e2fsprogs"), ("git", "git")] if not shutil.which(tool)}
    if missing:
        raise fail(f"missing {', '.join(missing)}: apt-get install {' '.join(sorted(set(missing.values())))}")


def guide_packages(readme: str) -> list[str]:
    """What the guide's `apt-get install` lines install."""
    packages: list[str] = []
    for _, text, _ in install_check_guest.guide_blocks(readme):
        for line in re.findall(r"^apt-get install (.*)$", text, re.M):
            packages += [word for word in line.split() if not word.startswith("-")]
    return packages


def root_filesystem(cache: Path, packages: list[str]) -> Path:
    key = hashlib.sha256(" ".join([SUITE, ROOTFS_VERSION, GUEST_UNIT] + sorted(packages)).encode()).hexdigest()[:16]
    rootfs = cache / f"rootfs-{SUITE}-{key}"
    if rootfs.exists():
        step(f"using the Debian root file system in {rootfs}")
        return rootfs
    cache.mkdir(parents=True, exist_ok=True)
    building = cache / f"building-{key}"
    shutil.rmtree(building, ignore_errors=True)
    step(f"debootstrap {SUITE} with {', '.join(packages)} (a few minutes)")
    started = time.monotonic()
    log = cache / "debootstrap.log"
    with open(log, "w") as output:
        done = subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(packages), SUITE, str(building), MIRROR],
                              stdout=output, stderr=subprocess.STDOUT, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if done.returncode != 0:
        raise fail(f"debootstrap failed (exit {done.returncode}); see {log}")
    (building / "etc/hostname").write_text("crisis-vm\n")
    (building / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 crisis-vm\n")
    (building / "etc/fstab").write_text("/dev/vda / ext4 rw 0 1\n/dev/vdb /mnt/payload ext4 rw 0 2\n")
    (building / "mnt/payload").mkdir(parents=True, exist_ok=True)
    unit = building / "etc/systemd/system/install-check.service"
    unit.write_text(GUEST_UNIT)
    (building / "etc/systemd/system/multi-user.target.wants").mkdir(parents=True, exist_ok=True)
    (building / "etc/systemd/system/multi-user.target.wants/install-check.service").symlink_to("/etc/systemd/system/install-check.service")
    building.rename(rootfs)
    for older in cache.glob(f"rootfs-{SUITE}-*"):
        if older != rootfs:  # built for another package list: about 1 GB each
            shutil.rmtree(older)
    step(f"root file system ready in {time.monotonic() - started:.0f} s")
    return rootfs


def payload(work: Path) -> Path:
    """The checkout as a newcomer would have it, the wheels pip will find, and the guest script."""
    folder = work / "payload"
    tree = folder / "crisis-gateway"
    files = subprocess.run(["git", "-C", str(CHECKOUT), "ls-files", "-z"], capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = CHECKOUT / name
        if source.is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, tree / name)
    wheels = folder / "wheels"
    step("building the wheels of the project and its dependencies")
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run(pip + ["wheel", "--wheel-dir", str(wheels), str(tree)], check=True)
    # pip builds the checkout in an isolated environment: its build backend must be there too
    build_requires = re.search(r'^requires = \[(.*)\]', (tree / "pyproject.toml").read_text(), re.M)
    requirements = re.findall(r'"([^"]+)"', build_requires[1]) if build_requires else []
    subprocess.run(pip + ["download", "--dest", str(wheels)] + requirements, check=True)
    for leftover in wheels.glob("crisis_gateway-*.whl"):
        leftover.unlink()  # the guide installs from the checkout, not from this wheel
    shutil.copy2(HERE / "install_check_guest.py", folder / "install_check_guest.py")
    return folder


def disk_image(source: Path, image: Path, spare_mib: int) -> None:
    used = int(subprocess.run(["du", "-sm", str(source)], capture_output=True, text=True, check=True).stdout.split()[0])
    with open(image, "wb") as file:
        file.truncate((used + spare_mib) * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-d", str(source), str(image)], check=True)


def boot(rootfs: Path, work: Path, transcript: Path) -> int:
    kernels, initrds = sorted((rootfs / "boot").glob("vmlinuz-*")), sorted((rootfs / "boot").glob("initrd.img-*"))
    if not kernels or not initrds:
        raise fail(f"no kernel or initrd in {rootfs / 'boot'}: delete {rootfs} to have it built again")
    kernel, initrd = kernels[-1], initrds[-1]
    step("making the disks")
    disk_image(rootfs, work / "root.img", 2048)
    disk_image(work / "payload", work / "payload.img", 256)
    console = work / "console.log"
    step(f"booting Debian with systemd under qemu; transcript in {transcript}, console in {console}")
    transcript.write_text("")
    # Software emulation: where /dev/kvm is that of a nested host, KVM aborted (an MSR it could
    # not set) or hung at boot; TCG boots Debian in about 20 s.
    command = ["qemu-system-x86_64", "-machine", "q35", "-accel", "tcg,thread=multi", "-cpu", "max", "-smp", "2", "-m", "2048",
               "-nographic", "-no-reboot", "-nic", "none", "-monitor", "none",
               "-kernel", str(kernel), "-initrd", str(initrd),
               "-append", "root=/dev/vda rw console=ttyS0 systemd.show_status=0 quiet",
               "-drive", f"file={work / 'root.img'},format=raw,if=virtio",
               "-drive", f"file={work / 'payload.img'},format=raw,if=virtio",
               "-serial", f"file:{console}", "-serial", f"file:{transcript}"]
    started = time.monotonic()
    qemu_log = work / "qemu.log"
    # a character cut at the end of a read is completed by the next one
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    with open(qemu_log, "wb") as errors, open(transcript, "rb") as reading:
        machine = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            while machine.poll() is None:
                if time.monotonic() - started > TIMEOUT_SECONDS:
                    raise fail(f"the machine did not finish within {TIMEOUT_SECONDS // 60} minutes")
                time.sleep(1)
                print(decoder.decode(reading.read()), end="", flush=True)
        finally:
            if machine.poll() is None:
                machine.kill()
                machine.wait()
        print(decoder.decode(reading.read(), final=True), end="", flush=True)
    step(f"the machine ran {time.monotonic() - started:.0f} s")
    if machine.returncode != 0:
        raise fail(f"qemu exited {machine.returncode}: {qemu_log.read_text(errors='replace')[-2000:]}")
    text = transcript.read_text(errors="replace")
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if "INSTALL-CHECK PASSED" in last:
        return 0
    if "INSTALL-CHECK FAILED" not in last:
        step(f"the guest did not finish its check; last lines of the console ({console}):")
        print("\n".join(console.read_text(errors="replace").splitlines()[-30:]))
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/var/tmp/crisis-gateway-install-check"),
                        help="where the Debian root file system is kept between runs")
    parser.add_argument("--transcript", type=Path, help="where the guest's transcript is written "
                        "(default: transcript.log in the cache folder)")
    args = parser.parse_args()
    transcript = args.transcript or args.cache / "transcript.log"
    started = time.monotonic()
    preflight()
    try:
        readme = (CHECKOUT / "README.md").read_text(encoding="utf-8")
        packages = BASE_PACKAGES + [p for p in guide_packages(readme) if p not in BASE_PACKAGES]
    except install_check_guest.CheckFailed as error:
        raise fail(str(error)) from None
    rootfs = root_filesystem(args.cache, packages)
    with tempfile.TemporaryDirectory(prefix="install-check-", dir=args.cache) as folder:
        work = Path(folder)
        payload(work)
        passed = boot(rootfs, work, transcript.resolve()) == 0
    step(f"{'PASSED' if passed else 'FAILED'} in {time.monotonic() - started:.0f} s")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
