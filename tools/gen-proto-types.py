#!/usr/bin/env python3
"""Generates Sources/KubeModel/Catalog/BuiltInTypeTable.swift: the Go struct shape of
every built-in kind AKE serves (field numbers, JSON names, kinds, pointer-ness,
omitempty, inline), read from the Go type definitions of

  k8s.io/api           github.com/kubernetes/api           @ 10b39a39bcee995dfe7cd5e8e7b922be5e46f1e2
  k8s.io/apimachinery  github.com/kubernetes/apimachinery  @ eed236ceee2c19c2753a3d93ac0631dc20750454

Usage:
  tools/gen-proto-types.py API_GIT_DIR APIMACHINERY_GIT_DIR > Sources/KubeModel/Catalog/BuiltInTypeTable.swift

(API_GIT_DIR / APIMACHINERY_GIT_DIR are git directories of those repositories; the
files are read with `git show <commit>:<path>`, so no work tree is needed. The
API_COMMIT / APIMACHINERY_COMMIT environment variables pick other commits: the
protobuf test fixtures carry a table of the Kubernetes release that recorded them.)

Output line format (one record a line, fields separated by one space):
  K <apiVersion> <Kind> <message>          a root kind and its message
  M <message>                              a message; its F lines follow in Go declaration order
  F <number> <jsonName> <kind> <flags>     a field
kinds: s string, b bool, i32, i64, f64, y []byte, m:<message>, time (metav1.Time),
  mtime (metav1.MicroTime), dur (metav1.Duration), qty (resource.Quantity),
  ios (intstr.IntOrString), raw (runtime.RawExtension), fv1 (metav1.FieldsV1),
  strs (a named []string wrapped as message {repeated string items = 1}),
  map:<keykind>:<valuekind>
flags: any of r (repeated), p (pointer), o (omitempty), i (inline), or '-' for none.
"""

import os
import re
import subprocess
import sys

API_COMMIT = os.environ.get("API_COMMIT", "10b39a39bcee995dfe7cd5e8e7b922be5e46f1e2")
APIMACHINERY_COMMIT = os.environ.get("APIMACHINERY_COMMIT", "eed236ceee2c19c2753a3d93ac0631dc20750454")

# Group versions AKE's catalog serves (KubeModel/Catalog/BuiltInResources.swift).
GROUPS = {
    "v1": "core/v1",
    "apps/v1": "apps/v1",
    "events.k8s.io/v1": "events/v1",
    "batch/v1": "batch/v1",
    "certificates.k8s.io/v1": "certificates/v1",
    "networking.k8s.io/v1": "networking/v1",
    "policy/v1": "policy/v1",
    "rbac.authorization.k8s.io/v1": "rbac/v1",
    "storage.k8s.io/v1": "storage/v1",
    "scheduling.k8s.io/v1": "scheduling/v1",
    "coordination.k8s.io/v1": "coordination/v1",
    "node.k8s.io/v1": "node/v1",
    "discovery.k8s.io/v1": "discovery/v1",
}

SPECIAL = {
    ("meta/v1", "Time"): "time",
    ("meta/v1", "MicroTime"): "mtime",
    ("meta/v1", "Duration"): "dur",
    ("meta/v1", "FieldsV1"): "fv1",
    ("resource", "Quantity"): "qty",
    ("intstr", "IntOrString"): "ios",
    ("runtime", "RawExtension"): "raw",
    ("types", "UID"): "s",
    ("types", "NodeName"): "s",
}
SCALARS = {
    "string": "s", "bool": "b", "int32": "i32", "int64": "i64", "int": "i64", "uint32": "i64",
    "uint64": "i64", "float64": "f64", "float32": "f64",
}

IMPORT_PACKAGES = {
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    "k8s.io/apimachinery/pkg/api/resource": "resource",
    "k8s.io/apimachinery/pkg/util/intstr": "intstr",
    "k8s.io/apimachinery/pkg/runtime": "runtime",
    "k8s.io/apimachinery/pkg/types": "types",
}


def git_show(git_dir, commit, path):
    return subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{path}"], check=True, capture_output=True, text=True
    ).stdout


def git_ls(git_dir, commit, path):
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "--name-only", commit, path + "/"],
        check=True, capture_output=True, text=True,
    ).stdout
    return [
        p for p in out.split()
        if p.endswith(".go") and not p.endswith("_test.go") and not p.split("/")[-1].startswith(("zz_", "generated"))
        and "swagger_doc" not in p and "fuzz" not in p
    ]


class Package:
    def __init__(self, name):
        self.name = name
        self.structs = {}  # name -> list of (goName, goType, tags, embedded)
        self.named = {}  # name -> underlying go type text
        self.imports = {}  # per struct: alias map of the file that declared it
        self.struct_embeds_typemeta = set()


def parse_tags(tag):
    return dict(re.findall(r'(\w+):"([^"]*)"', tag))


def parse_file(pkg, text):
    aliases = {}
    for m in re.finditer(r'^\s*(\w+\s+)?"([^"]+)"\s*$', text, re.M):
        alias, path = m.group(1), m.group(2)
        if path.startswith("k8s.io/api/"):
            target = path[len("k8s.io/api/"):]
        elif path in IMPORT_PACKAGES:
            target = IMPORT_PACKAGES[path]
        else:
            continue
        aliases[(alias or path.split("/")[-1]).strip()] = target
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^type (\w+) struct \{\s*$", line)
        if m:
            name = m.group(1)
            fields = []
            i += 1
            while i < len(lines) and not lines[i].startswith("}"):
                f = lines[i].split("//")[0].rstrip() if "`" not in lines[i] else lines[i]
                f = f.strip()
                if f and not f.startswith("//"):
                    if "`" in f:
                        full = f.split("`")[0].split()
                        tag = f.split("`")[1]
                        if len(full) == 1:
                            fields.append((None, full[0], parse_tags(tag), True))
                        elif len(full) == 2:
                            fields.append((full[0], full[1], parse_tags(tag), False))
                        else:
                            raise SystemExit(f"cannot parse field in {pkg.name}.{name}: {f}")
                i += 1
            pkg.structs[name] = fields
            pkg.imports[name] = aliases
            continue
        m = re.match(r"^type (\w+) (\S.*?)\s*(//.*)?$", line)
        if m and not m.group(2).startswith(("struct", "interface", "=")):
            pkg.named[m.group(1)] = (m.group(2), aliases)
        i += 1


def load(api_git, am_git):
    pkgs = {}
    for p in sorted(set(GROUPS.values())):
        pkg = Package(p)
        for path in git_ls(api_git, API_COMMIT, p):
            parse_file(pkg, git_show(api_git, API_COMMIT, path))
        pkgs[p] = pkg
    pkg = Package("meta/v1")
    for path in git_ls(am_git, APIMACHINERY_COMMIT, "pkg/apis/meta/v1"):
        parse_file(pkg, git_show(am_git, APIMACHINERY_COMMIT, path))
    pkgs["meta/v1"] = pkg
    return pkgs


class Generator:
    def __init__(self, pkgs, api_git=None):
        self.pkgs = pkgs
        self.api_git = api_git
        self.messages = {}  # name -> list of field lines
        self.queue = []

    def qualify(self, pkgname, aliases, t):
        if "." in t:
            alias, name = t.split(".", 1)
            if alias not in aliases:
                raise SystemExit(f"unknown import alias {alias} in {pkgname} for {t}")
            return aliases[alias], name
        return pkgname, t

    def resolve(self, pkgname, aliases, t, as_map_value=False):
        """Returns (kind, repeated) for a Go type without its pointer star."""
        if t == "[]byte":
            return "y", False
        if t.startswith("[]"):
            k, rep = self.resolve(pkgname, aliases, t[2:])
            if rep:
                raise SystemExit(f"nested repeated type {t} in {pkgname}")
            return k, True
        if t.startswith("map["):
            depth, j = 0, 3
            while True:
                if t[j] == "[":
                    depth += 1
                elif t[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            key, value = t[4:j], t[j + 1:]
            kk, kr = self.resolve(pkgname, aliases, key)
            vk, vr = self.resolve(pkgname, aliases, value, as_map_value=True)
            if kr or vr or kk not in SCALARS.values():
                raise SystemExit(f"unsupported map type {t} in {pkgname}")
            return f"map:{kk}:{vk}", False
        if t in SCALARS:
            return SCALARS[t], False
        p, name = self.qualify(pkgname, aliases, t)
        if (p, name) in SPECIAL:
            return SPECIAL[(p, name)], False
        pkg = self.pkgs.get(p)
        if pkg is None and self.api_git and "/" in p and p != "meta/v1":
            # A newer field may reference another API group (e.g. an alpha one); load it on demand.
            pkg = Package(p)
            for path in git_ls(self.api_git, API_COMMIT, p):
                parse_file(pkg, git_show(self.api_git, API_COMMIT, path))
            self.pkgs[p] = pkg
        if pkg is None:
            raise SystemExit(f"type {t} from unparsed package {p} (in {pkgname})")
        if name in pkg.structs:
            msg = f"{p}.{name}"
            if msg not in self.messages and msg not in self.queue:
                self.queue.append(msg)
            return f"m:{msg}", False
        if name in pkg.named:
            under, under_aliases = pkg.named[name]
            if under.startswith("[]") and under != "[]byte" and as_map_value:
                k, _ = self.resolve(p, under_aliases, under[2:])
                if k != "s":
                    raise SystemExit(f"wrapped slice of non-strings {t}")
                return "strs", False
            return self.resolve(p, under_aliases, under)
        raise SystemExit(f"unknown type {t} in {pkgname}")

    def message(self, msg):
        p, name = msg.split(".", 1)
        pkg = self.pkgs[p]
        aliases = pkg.imports[name]
        lines = []
        for go_name, go_type, tags, embedded in pkg.structs[name]:
            pb = tags.get("protobuf")
            js = tags.get("json", "")
            if pb is None or pb == "-":
                if js.split(",")[0] == "-" or go_type.split(".")[-1] in ("TypeMeta",):
                    continue
                if go_name and go_name[0].islower():
                    continue
                raise SystemExit(f"field {go_name or go_type} of {msg} has no protobuf tag")
            parts = pb.split(",")
            number = int(parts[1])
            opts = js.split(",")
            json_name = opts[0] or go_name
            # encoding/json inlines an embedded struct that has no JSON name of its own.
            inline = "inline" in opts[1:] or (embedded and not opts[0])
            if inline:
                json_name = "_"
            elif not json_name:
                json_name = go_type.lstrip("*").split(".")[-1]
            pointer = go_type.startswith("*")
            kind, repeated = self.resolve(p, aliases, go_type.lstrip("*"))
            flags = ("r" if repeated else "") + ("p" if pointer else "") + \
                ("o" if "omitempty" in opts[1:] else "") + ("i" if inline else "")
            lines.append(f"F {number} {json_name} {kind} {flags or '-'}")
        return lines

    def run(self):
        roots = []
        for api_version, p in GROUPS.items():
            pkg = self.pkgs[p]
            for name, fields in sorted(pkg.structs.items()):
                if any(e and t.endswith("TypeMeta") for _, t, _, e in fields):
                    kind, _ = self.resolve(p, pkg.imports[name], name)
                    roots.append(f"K {api_version} {name} {kind[2:]}")
        # Options bodies clients send with DELETE (client-go sends them as protobuf too).
        for api_version in ("v1", "meta.k8s.io/v1"):
            roots.append(f"K {api_version} DeleteOptions " + self.resolve("meta/v1", {}, "DeleteOptions")[0][2:])
        # meta.k8s.io kinds the server answers with: Status (errors, deletions; "v1" on the
        # wire) and the metadata-only views metadata informers ask for.
        for api_version, name in (("v1", "Status"), ("meta.k8s.io/v1", "Status"),
                                  ("meta.k8s.io/v1", "PartialObjectMetadata"),
                                  ("meta.k8s.io/v1", "PartialObjectMetadataList")):
            roots.append(f"K {api_version} {name} " + self.resolve("meta/v1", {}, name)[0][2:])
        while self.queue:
            msg = self.queue.pop(0)
            self.messages[msg] = self.message(msg)
        out = roots
        for msg in sorted(self.messages):
            out.append(f"M {msg}")
            out.extend(self.messages[msg])
        return out


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    lines = Generator(load(sys.argv[1], sys.argv[2]), sys.argv[1]).run()
    body = "\n".join(lines)
    if '"""' in body or "\\" in body:
        raise SystemExit("table text needs escaping")
    print("// Generated by tools/gen-proto-types.py from k8s.io/api @ " + API_COMMIT[:12] +
          " and k8s.io/apimachinery @ " + APIMACHINERY_COMMIT[:12] + ". Do not edit.")
    print()
    print("extension BuiltInTypes {")
    print("    /// The table in the line format tools/gen-proto-types.py documents; parsed once, lazily.")
    print('    static let tableText = """')
    for l in lines:
        print("        " + l)
    print('        """')
    print("}")


if __name__ == "__main__":
    main()
