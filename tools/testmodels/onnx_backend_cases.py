#!/usr/bin/python3
"""Turns the ONNX project's backend test data into nymphd /infer cases.

Why this exists: the backend test suite is real conformance data nobody on
this project wrote, but it is stored as protobuf tensors; nymphd's tests
speak JSON. This writes, for each test case, the model and one case file
(from test_data_set_0) in the format of case_json.py:
  DIR/models/<case>.onnx  copy (or --symlink) of the case's model
  DIR/cases/<case>.json   /infer request + expected outputs, or a
                          "skip_reason" when JSON tensors cannot hold it

Source layout (--src): <group>/<case>/model.onnx with
test_data_set_0/{input,output}_K.pb, mapped in order onto the graph's
inputs (initializers excluded, as old-IR models list them as inputs) and
outputs. light/light_<net>.onnx has only light_<net>_output_K.pb: its
input is the one ONNX's own backend runner generates for light models,
arange(n)/n as float32 with unknown dims set to 1; the expected output
was computed by ONNX's reference evaluator from that input.

Needs Debian's python3-onnx and python3-numpy: run with /usr/bin/python3.
"""

import argparse
import collections
import glob
import os
import shutil
import sys

try:
    import numpy as np
    import onnx
    from google.protobuf.message import DecodeError
    from onnx import numpy_helper
except ImportError as e:
    sys.exit("onnx_backend_cases: error: %s; run with Debian's "
             "/usr/bin/python3 (python3-onnx, python3-numpy)" % e)

import case_json

FLOAT_RTOL, FLOAT_ATOL = 1e-3, 1e-4  # README: ~1e-3 relative for floats
EXACT_RTOL, EXACT_ATOL = 0.0, 0.0    # ints, bools and strings
LIGHT = "light"

# ONNX element types that /infer's JSON tensors can carry.
JSON_ELEM_TYPES = {getattr(onnx.TensorProto, t) for t in (
    "FLOAT16", "FLOAT", "DOUBLE", "INT8", "INT16", "INT32", "INT64",
    "UINT8", "UINT16", "UINT32", "UINT64", "BOOL", "STRING")}

Source = collections.namedtuple("Source", "name model_path kind data_dir")


class Skip(Exception):
    """A case that cannot be written as JSON tensors; str() is why,
    as "kind: detail" (the summary counts skips by kind)."""


def find_sources(src):
    """Every test case under src: (name, model path, kind, data dir)."""
    found = []
    for path in sorted(glob.glob(os.path.join(src, "*", "*", "model.onnx"))):
        case_dir = os.path.dirname(path)
        found.append(Source(os.path.basename(case_dir), path, "dir",
                            os.path.join(case_dir, "test_data_set_0")))
    pattern = os.path.join(src, LIGHT, "light_*.onnx")
    for path in sorted(glob.glob(pattern)):
        name = os.path.splitext(os.path.basename(path))[0]
        found.append(Source(name, path, LIGHT, os.path.dirname(path)))
    return found


def load_model(path):
    """The parsed model, or Skip if onnx cannot read it."""
    try:
        return onnx.load(path)
    except DecodeError as e:
        raise Skip("unreadable model: %s" % e)


def graph_io(model):
    """(inputs, outputs) ValueInfos; initializers are not inputs."""
    inits = {t.name for t in model.graph.initializer}
    inputs = [v for v in model.graph.input if v.name not in inits]
    return inputs, list(model.graph.output)


def check_tensor_types(values, role):
    """Skip unless every value is a plain tensor of a JSON-able dtype."""
    for v in values:
        kind = v.type.WhichOneof("value")
        if kind != "tensor_type":
            raise Skip("not a tensor: %s %r is a %s"
                       % (role, v.name, kind or "untyped value"))
        elem = v.type.tensor_type.elem_type
        if elem not in JSON_ELEM_TYPES:
            raise Skip("unsupported dtype: %s in %s %r"
                       % (onnx.TensorProto.DataType.Name(elem), role,
                          v.name))


def read_pb_tensor(path):
    """A NumPy array and its stored name from a serialized TensorProto."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        proto = onnx.TensorProto.FromString(raw)
        return numpy_helper.to_array(proto), proto.name
    except UnicodeDecodeError:
        raise Skip("non-UTF-8 string: %s" % os.path.basename(path))
    except DecodeError as e:
        raise Skip("unreadable test data: %s: %s"
                   % (os.path.basename(path), e))


def read_named(paths, values, role):
    """Maps the K-th file onto the K-th graph value, checking the count."""
    if len(paths) != len(values):
        raise Skip("file count mismatch: %d %s files for %d graph %ss"
                   % (len(paths), role, len(values), role))
    arrays = {}
    for path, value in zip(paths, values):
        arr, stored = read_pb_tensor(path)
        if stored and stored != value.name:
            print("warning: %s holds %r, mapped onto %s %r by position"
                  % (path, stored, role, value.name), file=sys.stderr)
        check_dtype(arr, value, role)
        arrays[value.name] = arr
    return arrays


def check_dtype(arr, value, role):
    """Skip if the data's element type differs from the graph's."""
    want = value.type.tensor_type.elem_type
    got = onnx.mapping.NP_TYPE_TO_TENSOR_TYPE.get(arr.dtype)
    if arr.dtype.kind == "O":
        got = onnx.TensorProto.STRING
    if got != want:
        raise Skip("dtype mismatch: %s %r data is %s, the graph says %s"
                   % (role, value.name, arr.dtype,
                      onnx.TensorProto.DataType.Name(want)))


def numbered(pattern):
    """Files pattern % 0, 1, ... in order, stopping at the first gap."""
    paths, k = [], 0
    while os.path.exists(pattern % k):
        paths.append(pattern % k)
        k += 1
    return paths


def light_input(value):
    """The input ONNX's backend runner feeds a light model."""
    if value.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        raise Skip("unsupported dtype: light model input %r is not "
                   "float32, ONNX's runner only generates float32"
                   % value.name)
    dims = value.type.tensor_type.shape.dim
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1
                  for d in dims)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def load_data(source, inputs, outputs):
    """(inputs, expected) dicts of arrays for one case."""
    if source.kind == LIGHT:
        feeds = {v.name: light_input(v) for v in inputs}
        stem = os.path.splitext(source.model_path)[0]
        outs = numbered(stem + "_output_%d.pb")
    else:
        ins = numbered(os.path.join(source.data_dir, "input_%d.pb"))
        feeds = read_named(ins, inputs, "input")
        outs = numbered(os.path.join(source.data_dir, "output_%d.pb"))
    return feeds, read_named(outs, outputs, "output")


def tolerances(expected):
    """Loose for float outputs (README), exact for everything else."""
    if any(a.dtype.kind == "f" for a in expected.values()):
        return FLOAT_RTOL, FLOAT_ATOL
    return EXACT_RTOL, EXACT_ATOL


def build_case(source):
    """The case dict for one source, or a skip case saying why."""
    try:
        model = load_model(source.model_path)
        inputs, outputs = graph_io(model)
        check_tensor_types(inputs, "input")
        check_tensor_types(outputs, "output")
        feeds, expected = load_data(source, inputs, outputs)
        rtol, atol = tolerances(expected)
        return case_json.make_case(source.name, feeds, expected, rtol, atol)
    except (Skip, case_json.Unsupported) as e:
        return case_json.skip_case(source.name, str(e))


def place_model(source, models_dir, symlink):
    """Copies (or links) the model to models_dir/<case>.onnx."""
    dest = os.path.join(models_dir, source.name + ".onnx")
    if os.path.lexists(dest):
        os.remove(dest)
    if symlink:
        os.symlink(os.path.abspath(source.model_path), dest)
    else:
        shutil.copyfile(source.model_path, dest)


def reason_kind(reason):
    """Groups skip reasons for the summary: the text before ':'."""
    return reason.split(":")[0]


def summary(n_written, skipped):
    kinds = collections.Counter(reason_kind(r) for r in skipped.values())
    text = "%d cases written: %d runnable, %d skipped" % (
        n_written, n_written - len(skipped), len(skipped))
    if kinds:
        text += ": " + "; ".join("%s (%d)" % kv for kv in
                                 sorted(kinds.items()))
    return text


def checked_sources(src):
    """find_sources(src), refusing an empty tree or clashing names."""
    sources = find_sources(src)
    if not sources:
        raise SystemExit("onnx_backend_cases: error: no test cases under "
                         "%s (want <group>/<case>/model.onnx or "
                         "light/light_*.onnx)" % src)
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SystemExit("onnx_backend_cases: error: case names used by "
                         "more than one group: %s" % ", ".join(dupes))
    return sources


def convert(sources, out, symlink, verbose):
    """Writes every case; returns (cases written, {name: skip reason})."""
    models_dir = os.path.join(out, "models")
    cases_dir = os.path.join(out, "cases")
    os.makedirs(models_dir, exist_ok=True)
    os.makedirs(cases_dir, exist_ok=True)
    skipped = {}
    for source in sources:
        case = build_case(source)
        place_model(source, models_dir, symlink)
        case_json.write_case(
            os.path.join(cases_dir, source.name + ".json"), case)
        if "skip_reason" in case:
            skipped[source.name] = case["skip_reason"]
            if verbose:
                print("skip %s: %s" % (source.name, case["skip_reason"]))
    return len(sources), skipped


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Convert ONNX backend test data (model.onnx + "
        "test_data_set_0/*.pb, and light/ models) into nymphd /infer "
        "cases: DIR/models/<case>.onnx and DIR/cases/<case>.json.")
    parser.add_argument("--src", required=True, metavar="DIR",
                        help="backend test data root, e.g. "
                        "/work/shared/testdata/onnx-backend")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory (created if missing)")
    parser.add_argument("--symlink", action="store_true",
                        help="symlink models instead of copying them")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each skipped case and its reason")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    if not os.path.isdir(args.src):
        print("onnx_backend_cases: error: --src %s is not a directory"
              % args.src, file=sys.stderr)
        return 2
    try:
        sources = checked_sources(args.src)
        n_written, skipped = convert(sources, args.out, args.symlink,
                                     args.verbose)
    except OSError as e:
        print("onnx_backend_cases: error: %s" % e, file=sys.stderr)
        return 1
    print(summary(n_written, skipped))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
