#!/usr/bin/python3
"""Host perf profile of each tunnel flow of 'make bench-native'.

A User-Mode Linux kernel is an ordinary host process, so host perf samples
it, and the guest kernel's addresses are that process's addresses.

  uml-profile.py follow CONSOLE DIR --pid PID
      Runs beside the UML boot. It reads the console as it grows; on
      'BURROW-PROFILE-START SYSTEM' it starts 'perf record -a -e cpu-clock'
      with its events disabled, enables them through perf's control fifo,
      waits for perf's ack and only then creates DIR/SYSTEM.on, which the
      guest waits for before its flow starts. On
      'BURROW-PROFILE-STOP SYSTEM COUNTERS...' it disables the events (ack
      again), stops perf, keeps the counters in DIR/SYSTEM.meta and creates
      DIR/SYSTEM.off. It ends when PID (the UML kernel) exits.

  uml-profile.py report DIR KDIR [--doc FILE --command CMD --setup TEXT]
      Reads every DIR/SYSTEM.data with 'perf script', keeps the samples of
      the UML processes (comm 'linux'), resolves the guest kernel's
      addresses with the guest's own /proc/kallsyms (DIR/kallsyms, modules
      included) and splits the CPU time of each flow into the categories
      below, as nanoseconds and host cycles per tunnel packet (a packet
      sent or received by the tunnel device in the sending namespace: each
      is sealed once and opened once on the one UML CPU).

KiB/wake is the flow's bytes over the iperf3 server's voluntary context
switches (each a wait for data): how much each receiver wakeup carries,
which sets much of the guest user and host columns (under UML every guest
syscall and every switch to a guest process is a ptrace round trip).

Categories (a guest kernel symbol goes by the object file that defines it,
read with nm from the UML kernel's build tree KDIR):
  cipher       the AEAD primitives: ChaCha20, Poly1305, AES, GHASH
  crypto glue  the rest of crypto/ and lib/crypto/ (the rfc7539 and gcm
               templates, the AEAD API, scatterwalk, WireGuard's
               chacha20poly1305 sg walk) and lib/scatterlist.o
  tunnel       the tunnel's own code: burrow.ko, drivers/net/wireguard
  network      net/ and drivers/net/ (veth), checksums and copies included
  guest other  the rest of the guest kernel (scheduler, memory, timers, UML)
  guest user   guest processes (iperf3) in user mode
  host         the host kernel on behalf of the UML processes: ptrace
               switches, page faults, the syscalls UML makes
"""
import argparse
import bisect
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import table  # noqa: E402  (replace_section)

UML_COMM = "linux"
FREQUENCY = 4000
CATEGORIES = ["cipher", "crypto glue", "tunnel", "network", "guest other", "guest user", "host"]
CIPHER_OBJECT = re.compile(r"(chacha|poly1305|aes|gf128mul|ghash)[^/]*\.o$")
CHACHAPOLY_GLUE = re.compile(r"chacha20poly1305[^/]*\.o$")


def follow(args):
    """Start and stop one perf record per flow, on the guest's markers."""
    os.makedirs(args.dir, exist_ok=True)
    perf = None
    control = ack = None
    position = 0
    pending = ""

    def alive():
        try:
            os.kill(args.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def command(word):
        control.write(word + "\n")
        control.flush()
        # perf writes "ack\n" after the NUL that ended its previous answer
        reply = ack.readline().strip("\0 \n")
        if reply != "ack":
            sys.exit(f"uml-profile: perf answered '{reply}' to '{word}'")

    while True:
        try:
            with open(args.console, "rb") as f:
                f.seek(position)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        position += len(chunk)
        pending += chunk.decode("utf-8", "replace").replace("\r", "")
        lines = pending.split("\n")
        pending = lines.pop()
        for line in lines:
            words = line.split()
            if len(words) >= 2 and words[0] == "BURROW-PROFILE-START":
                system = words[1]
                ctl_path = os.path.join(args.dir, "perf.ctl")
                ack_path = os.path.join(args.dir, "perf.ack")
                for path in (ctl_path, ack_path):
                    if os.path.exists(path):
                        os.unlink(path)
                    os.mkfifo(path)
                perf = subprocess.Popen(
                    ["perf", "record", "-q", "-a", "-e", "cpu-clock", "-F", str(FREQUENCY),
                     "-D", "-1", "--control", f"fifo:{ctl_path},{ack_path}",
                     "-o", os.path.join(args.dir, system + ".data")],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                control = open(ctl_path, "w")
                ack = open(ack_path, "r")
                command("enable")
                open(os.path.join(args.dir, system + ".on"), "w").close()
            elif len(words) >= 2 and words[0] == "BURROW-PROFILE-STOP" and perf:
                system = words[1]
                command("disable")
                control.close()
                ack.close()
                perf.send_signal(signal.SIGINT)
                perf.wait()
                perf = None
                with open(os.path.join(args.dir, system + ".meta"), "w") as f:
                    f.write(" ".join(words[2:]) + "\n")
                open(os.path.join(args.dir, system + ".off"), "w").close()
        if not chunk:
            if not alive():
                break
            # the console is a plain file: nothing to wait on but time
            time.sleep(0.1)
    if perf:
        perf.send_signal(signal.SIGINT)
        perf.wait()


def object_symbols(kdir, archive):
    """{symbol: object file} of the text symbols a thin archive's objects define."""
    path = os.path.join(kdir, archive)
    if not os.path.exists(path):
        return {}
    out = subprocess.run(["nm", "--defined-only", "-A", path], capture_output=True,
                         text=True, check=True).stdout
    symbols = {}
    for line in out.splitlines():
        # ARCHIVE:OBJECT:ADDRESS TYPE NAME (a thin archive names its members' paths)
        fields = line.split()
        if len(fields) != 3 or fields[1] not in "tTW":
            continue
        where = fields[0].split(":")
        if len(where) < 3:
            continue
        symbols.setdefault(fields[2], where[-2])
    return symbols


def classifier(kdir):
    """symbol (and module) -> category for the guest kernel."""
    net = object_symbols(kdir, "net/built-in.a")
    net.update(object_symbols(kdir, "drivers/net/built-in.a"))
    crypto = object_symbols(kdir, "crypto/built-in.a")
    crypto.update(object_symbols(kdir, "lib/crypto/built-in.a"))
    lib = object_symbols(kdir, "lib/built-in.a")

    def category(symbol, module):
        if module == "burrow":
            return "tunnel"
        if module:
            # another module of the guest: none is loaded but burrow.ko
            return "guest other"
        obj = net.get(symbol) or crypto.get(symbol) or lib.get(symbol) or ""
        if "wireguard/" in obj:
            return "tunnel"
        if symbol in crypto or (obj and obj.startswith(("lib/crypto/", "crypto/"))):
            if CIPHER_OBJECT.search(obj) and not CHACHAPOLY_GLUE.search(obj):
                return "cipher"
            return "crypto glue"
        if obj.endswith("scatterlist.o"):
            return "crypto glue"
        if symbol in net:
            return "network"
        if re.match(r"(__)?(csum|mem(cpy|move|set)|copy_|_copy_|raw_copy|__copy)", symbol) \
                or obj.endswith(("iov_iter.o", "checksum.o")):
            return "network"
        return "guest other"
    return category


def load_kallsyms(path):
    addresses, entries = [], []
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) < 3 or fields[1] not in "tTwW":
                continue
            module = fields[3].strip("[]") if len(fields) > 3 else ""
            addresses.append(int(fields[0], 16))
            entries.append((fields[2], module))
    order = sorted(range(len(addresses)), key=addresses.__getitem__)
    return [addresses[i] for i in order], [entries[i] for i in order]


def profile(data, kallsyms, category):
    """Samples of one flow per category, and the guest kernel's top symbols."""
    addresses, entries = kallsyms
    low, high = addresses[0], addresses[-1] + 4096
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,dso",
                          "--no-demangle"], capture_output=True, text=True).stdout
    counts = dict.fromkeys(CATEGORIES, 0)
    symbols = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 2 or fields[0] != UML_COMM:
            continue
        ip, dso = int(fields[1], 16), " ".join(fields[2:])
        if "kernel.kallsyms" in dso or ip >= 1 << 63:
            counts["host"] += 1
            continue
        # guest processes are host processes of their own that never map
        # the guest kernel's range
        if not low <= ip < high:
            counts["guest user"] += 1
            continue
        i = bisect.bisect_right(addresses, ip) - 1
        symbol, module = entries[i]
        name = category(symbol, module)
        counts[name] += 1
        key = f"{symbol} [{module}]" if module else symbol
        symbols[key] = symbols.get(key, 0) + 1
    return counts, symbols


def report(args):
    kallsyms = load_kallsyms(os.path.join(args.dir, "kallsyms"))
    category = classifier(args.kdir)
    mhz = 0.0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("cpu MHz"):
                mhz = float(line.split(":")[1])
                break
    systems = sorted((name[:-5] for name in os.listdir(args.dir) if name.endswith(".meta")),
                     key=lambda s: os.path.getmtime(os.path.join(args.dir, s + ".meta")))
    if not systems:
        sys.exit(f"uml-profile: no profiled flow in {args.dir}")
    rows, tops, totals, relay_lines = [], [], {}, []
    for system in systems:
        with open(os.path.join(args.dir, system + ".meta")) as f:
            values = [int(v) for v in f.read().split()]
        tx_packets, rx_packets, tx_bytes, rx_bytes = values[:4]
        wakeups = values[4] if len(values) > 4 else 0
        packets = tx_packets + rx_packets
        counts, symbols = profile(os.path.join(args.dir, system + ".data"), kallsyms, category)
        ns = {name: counts[name] * 1e9 / FREQUENCY / max(packets, 1) for name in CATEGORIES}
        total = sum(ns.values())
        totals[system] = (ns, total)
        rows.append((system, packets, tx_bytes, ns, total, wakeups))
        relay_samples = sum(n for name, n in symbols.items()
                            if name.startswith("burrow_relay") and name.endswith("[burrow]"))
        if relay_samples:
            relay_lines.append(f"  {system}: {relay_samples * 1e9 / FREQUENCY / max(packets, 1):.0f}"
                               " ns per packet")
        top = sorted(symbols.items(), key=lambda kv: -kv[1])[:8]
        all_samples = max(sum(counts.values()), 1)
        tops.append(f"{system}: " + ", ".join(
            f"{name} {100.0 * n / all_samples:.1f}%" for name, n in top))
    header = (["system", "packets"] + CATEGORIES
              + ["total", "non-cipher", "cycles", "ns/KiB", "KiB/wake"])
    lines = [header]
    for system, packets, tx_bytes, ns, total, wakeups in rows:
        lines.append([system, str(packets)] + [f"{ns[c]:.0f}" for c in CATEGORIES]
                     + [f"{total:.0f}", f"{total - ns['cipher']:.0f}",
                        f"{total * mhz / 1000:.0f}",
                        f"{total * packets * 1024 / max(tx_bytes, 1):.0f}",
                        f"{tx_bytes / 1024 / wakeups:.1f}" if wakeups else "-"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    text = ["  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                      for i, cell in enumerate(line)) for line in lines]
    text.insert(1, "  ".join("-" * w for w in widths))
    if "wireguard" in totals:
        wg_ns, wg_total = totals["wireguard"]
        wg_noncipher = wg_total - wg_ns["cipher"]
        text.append("")
        text.append("non-cipher ns per packet, against WireGuard's:")
        for system, (ns, total) in totals.items():
            if system.startswith("burrow"):
                text.append(f"  {system}: {(total - ns['cipher']) / wg_noncipher:.2f}"
                            f" (tunnel code {ns['tunnel']:.0f} ns against"
                            f" {wg_ns['tunnel']:.0f}, crypto glue {ns['crypto glue']:.0f}"
                            f" against {wg_ns['crypto glue']:.0f})")
    if relay_lines:
        text.append("")
        text.append("of the tunnel column, the kernel relay's own code (burrow_relay_*):")
        text.extend(relay_lines)
    text.append("")
    text.append("largest guest kernel symbols, share of the flow's samples:")
    text.extend("  " + t for t in tops)
    output = "\n".join(text)
    print(output)
    if args.doc:
        table.replace_section(args.doc, "bench-native-profile", args.command,
                              args.setup + f"; ns per packet, cycles at {mhz:.0f} MHz",
                              output, target="bench-native")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="mode", required=True)
    f = sub.add_parser("follow")
    f.add_argument("console")
    f.add_argument("dir")
    f.add_argument("--pid", type=int, required=True)
    r = sub.add_parser("report")
    r.add_argument("dir")
    r.add_argument("kdir")
    r.add_argument("--doc")
    r.add_argument("--command", default="")
    r.add_argument("--setup", default="")
    args = parser.parse_args()
    if args.mode == "follow":
        follow(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
