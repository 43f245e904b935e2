#!/usr/bin/env python3
"""Check the layering of the kernel sources (DESIGN.md, "Layout").

1. Includes point one way, downwards:
   tests/ > kernel/ > kvmlike/ > drivers/ > iommu/ > mm/ > arch/ > boot/ > lib/
   A file may include headers of its own layer or of a lower one. Nothing
   outside tests/ includes a header under tests/; lib/ includes no arch/.
2. No two kernel objects call each other in a circle: the graph "object A
   uses a symbol object B defines" (read with nm from the built objects)
   has no cycle between distinct .c files.

Usage: tools/layers.py [BUILD_DIR]   (default build; step 2 needs the
kernel built there). Prints every violation; exit status 1 if any.
"""
import os
import re
import subprocess
import sys

LAYERS = ["lib", "boot", "arch", "mm", "iommu", "drivers", "kvmlike",
          "kernel", "tests"]
SRC_EXT = (".c", ".h", ".S")
# An assembly file and the C file it is the other half of: the interrupt
# stubs call the dispatcher, whose IDT points at the stubs.
HALVES = {frozenset({"arch/x86/idt", "arch/x86/isr"}),
          frozenset({"arch/x86/smp", "arch/x86/trampoline"})}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer(path):
    top = path.split("/", 1)[0]
    return LAYERS.index(top) if top in LAYERS else None


def sources(root):
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True,
                         text=True, check=True).stdout.split()
    return [p for p in out if p.endswith(SRC_EXT) and layer(p) is not None
            and not p.startswith(("tests/host/", "tests/bench/",
                                  "tests/fuzz/"))]


def check_includes(root):
    bad = []
    for src in sources(root):
        with open(os.path.join(root, src), encoding="utf-8") as f:
            text = f.read()
        for inc in INCLUDE.findall(text):
            lo, li = layer(src), layer(inc)
            if li is None:
                continue
            if li > lo:
                bad.append(f"{src}: includes {inc}, a higher layer "
                           f"({LAYERS[li]}/ above {LAYERS[lo]}/)")
    return bad


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True,
                         check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDRBC":
            defined.add(parts[2])
    return defined, used


def check_cycles(build):
    objs = []
    kdir = os.path.join(build, "k")
    for d, _, files in os.walk(kdir):
        objs += [os.path.join(d, f) for f in files if f.endswith(".o")]
    if not objs:
        return [f"no kernel objects under {kdir}: build the kernel first"]
    name = {o: os.path.relpath(o, kdir)[:-2] for o in objs}
    owner, uses = {}, {}
    for o in objs:
        defined, used = symbols(o)
        for s in defined:
            owner[s] = o
        uses[o] = used
    edges = {o: {owner[s] for s in uses[o] if s in owner} - {o}
             for o in objs}
    # Tarjan's strongly connected components.
    index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            names = frozenset(name[c] for c in comp)
            if len(comp) > 1 and names not in HALVES:
                sccs.append(sorted(names))

    sys.setrecursionlimit(10000)
    for v in objs:
        if v not in index:
            visit(v)
    return ["objects call each other in a circle: " + " <-> ".join(c)
            for c in sccs]


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build")
    bad = check_includes(root) + check_cycles(build)
    for b in bad:
        print("layers:", b)
    print(f"layers: {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
