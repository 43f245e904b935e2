"""The lane matrix (tests/matrix.json) as data written once: a machine is
written in full once, another machine or a lane names it ("machine" or
"from") and states only what differs.

A machine or lane may carry:
  "from" / "machine"  the machine it starts from (lanes say "machine")
  "like"    (lanes) the lane it starts from, everything of it but its name
  "kind", "emulator", "boot", "timeout", "cpu", "megs", "acpidump",
  "screendump", "reports", "about", "groups"   replace the inherited value
  "rc"      Bochs only: lines added to the bochsrc ("usb_xhci: enabled=1")
  "icount"  QEMU only: false drops the common line's -icount (the guest's
            clocks then follow the host's)
  "line"    the QEMU machine line, one option a string ("-m 256M")
  "set"     {"-m": "1100M"}: replace the value of an option of the line
  "device"  {"intel-iommu": "snoop-control=on"}: add properties to every
            "-device" of that driver in the line
  "add"     ["-device edu,addr=0x6"]: options appended to the line
  "args"    kernel arguments: a word KEY=VALUE replaces the inherited
            word of the same KEY, any other word is added
  "skips"   {"suite.test": "first words of the reason"}: tests expected to
            skip (or to be a known divergence); merged over the inherited
            ones, null removes one
A lane's "line" becomes its argv list (each option split at its first
space)."""

import fnmatch
import json
from pathlib import Path

MATRIX = Path(__file__).resolve().parent.parent / "matrix.json"
KINDS = ("host", "qemu", "bochs")
BOOTS = ("kernel", "iso-bios", "iso-uefi")
PLAIN = ("kind", "emulator", "boot", "timeout", "cpu", "megs", "acpidump",
         "screendump", "reports", "about", "groups", "rc", "icount")


class UsageError(Exception):
    pass


def merge_args(base, words):
    """Kernel arguments @words over @base: KEY=VALUE replaces KEY."""
    out = base.split()
    for w in words.split():
        key = w.split("=", 1)[0] + "=" if "=" in w else None
        at = next((i for i, o in enumerate(out)
                   if key and o.startswith(key)), None)
        if at is None:
            out.append(w)
        else:
            out[at] = w
    return " ".join(out)


def option_key(opt):
    """'-device edu,addr=6' -> '-device edu'; '-m 256M' -> '-m'."""
    flag, _, value = opt.partition(" ")
    return f"{flag} {value.split(',')[0]}" if flag == "-device" else flag


def apply_line(line, entry, where):
    line = list(line)
    for flag, value in entry.get("set", {}).items():
        hits = [i for i, o in enumerate(line) if option_key(o) == flag]
        if not hits:
            raise UsageError(f"{where}: \"set\" names {flag}, which the "
                             "machine line does not have")
        for i in hits:
            line[i] = f"{line[i].split(' ')[0]} {value}"
    for driver, props in entry.get("device", {}).items():
        hits = [i for i, o in enumerate(line)
                if option_key(o) == f"-device {driver}"]
        if not hits:
            raise UsageError(f"{where}: \"device\" names {driver}, which "
                             "the machine line does not have")
        for i in hits:
            line[i] += f",{props}"
    return line + list(entry.get("add", []))


def resolve(name, entries, where, seen=()):
    """The machine @name of @entries with everything it inherits."""
    if name in seen:
        raise UsageError(f"{where}: machine {name} inherits from itself")
    if name not in entries:
        raise UsageError(f"{where}: no machine '{name}'; machines: "
                         + ", ".join(entries))
    return layer(entries[name], entries, f"machine {name}", seen + (name,))


def layer(entry, machines, where, seen=()):
    parent = entry.get("from") or entry.get("machine")
    out = (resolve(parent, machines, where, seen) if parent else
           {"line": [], "args": "", "skips": {}})
    out = dict(out, skips=dict(out["skips"]))
    for k in PLAIN:
        if k in entry:
            out[k] = entry[k]
    if "line" in entry:
        out["line"] = list(entry["line"])
    out["line"] = apply_line(out["line"], entry, where)
    out["args"] = merge_args(out["args"], entry.get("args", ""))
    for test, reason in entry.get("skips", {}).items():
        if reason is None:
            out["skips"].pop(test, None)
        else:
            out["skips"][test] = reason
    return out


def resolve_lane(entry, machines):
    name = entry.get("name")
    where = f"lane {name}"
    lane = layer(entry, machines, where)
    lane["name"] = name
    lane["argv"] = [w for o in lane.pop("line") for w in o.split(" ", 1)]
    lane.setdefault("timeout", 120)
    lane.setdefault("groups", [])
    if lane.get("kind") not in KINDS:
        raise UsageError(f"{where}: kind must be one of {', '.join(KINDS)}")
    if lane["kind"] == "qemu" and lane.get("boot") not in BOOTS:
        raise UsageError(f"{where}: boot must be one of {', '.join(BOOTS)}")
    return lane


def load_matrix(path=MATRIX):
    """The matrix with its lanes resolved, in file order."""
    try:
        matrix = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise UsageError(f"cannot read the matrix {path}: {e}") from e
    # a lane "like" another starts from that lane's entry as from a machine
    machines = dict(matrix.get("machines", {}))
    machines.update({f"lane {e.get('name')}": e for e in matrix["lanes"]})
    entries = [dict(e, machine=f"lane {e['like']}") if "like" in e else e
               for e in matrix["lanes"]]
    matrix["lanes"] = [resolve_lane(e, machines) for e in entries]
    emulators = matrix.get("emulators", {})
    for lane in matrix["lanes"]:
        if lane["kind"] != "host" and lane.get("emulator") not in emulators:
            raise UsageError(f"lane {lane['name']}: emulator must name one "
                             f"of {', '.join(emulators)}")
    names = [l["name"] for l in matrix["lanes"]]
    if len(set(names)) != len(names):
        raise UsageError(f"{path}: two lanes have the same name")
    return matrix


def select_lanes(matrix, patterns):
    """The lanes whose name matches one of @patterns (names or globs), in
    matrix order; all lanes when there is no pattern."""
    lanes = matrix["lanes"]
    if not patterns:
        return lanes
    for p in patterns:
        if not any(fnmatch.fnmatchcase(l["name"], p) for l in lanes):
            raise UsageError(f"no lane matches '{p}'; lanes: "
                             + ", ".join(l["name"] for l in lanes))
    return [l for l in lanes
            if any(fnmatch.fnmatchcase(l["name"], p) for p in patterns)]
