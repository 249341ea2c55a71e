#!/usr/bin/python3
"""Writes small ONNX models and /infer test cases for nymphd's tests.

Why this exists: the daemon has to be tested on every dtype its JSON API
accepts (float32/64, int32/64, uint8, bool), on a dynamic batch dimension
and on a model file that fails to load, with expected answers that do not
come from the runtime under test. So each model is built by hand with
onnx.helper and its expected outputs are written directly in NumPy; no
model is ever run here. Output is deterministic (fixed seed).

Layout written under --out DIR:
  models/NAME.onnx   opset 17, IR 8 (loads in ONNX Runtime 1.21), checked
  models/broken.onnx garbage bytes: must fail to load, has no case
  cases/CASE.json    one /infer request and its expected outputs

Needs Debian's python3-onnx and python3-numpy: run with /usr/bin/python3.
"""

import argparse
import os
import sys

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError as e:
    sys.exit("make_test_models: error: %s; run with Debian's "
             "/usr/bin/python3 (python3-onnx, python3-numpy)" % e)

import case_json

OPSET = 17
IR_VERSION = 8
SEED = 20240611
RTOL = 1e-5
ATOL = 1e-6
BROKEN_BYTES = b"\xff\xff\xff\xff this is not an ONNX model \x00\x01\x02\n"

F32, F64 = TensorProto.FLOAT, TensorProto.DOUBLE
I32, I64 = TensorProto.INT32, TensorProto.INT64
U8, BOOL = TensorProto.UINT8, TensorProto.BOOL


def io(name, elem_type, shape):
    """A graph input/output description (str dims are symbolic)."""
    return helper.make_tensor_value_info(name, elem_type, shape)


def const(name, arr):
    """An initializer holding a NumPy array."""
    return numpy_helper.from_array(np.asarray(arr), name)


def build(name, nodes, inputs, outputs, inits=()):
    """A checked opset-17 / IR-8 model."""
    graph = helper.make_graph(nodes, name, inputs, outputs, list(inits))
    model = helper.make_model(
        graph, producer_name="nymphd-make_test_models",
        opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model


def quarters(rng, shape, lo=-8, hi=8):
    """float32 multiples of 1/4: sums and products of them are exact."""
    return (rng.integers(lo, hi + 1, shape) / 4).astype(np.float32)


def affine(rng):
    """y = Relu(x @ W + b), x float32 [batch, 4]; also the bench model."""
    w = quarters(rng, (4, 3))
    b = quarters(rng, (3,), -4, 4) / np.float32(2)
    model = build(
        "affine",
        [helper.make_node("MatMul", ["x", "W"], ["xw"]),
         helper.make_node("Add", ["xw", "b"], ["pre"]),
         helper.make_node("Relu", ["pre"], ["y"])],
        [io("x", F32, ["batch", 4])], [io("y", F32, ["batch", 3])],
        [const("W", w), const("b", b)])
    cases = []
    for batch in (1, 3):
        x = quarters(rng, (batch, 4))
        y = np.maximum(x.astype(np.float64) @ w + b, 0).astype(np.float32)
        cases.append(("affine_b%d" % batch, {"x": x}, {"y": y}))
    return model, cases


def add_int64(rng):
    """sum = a + b (int64 [2,3]) and c_twice = c * 2 (int32 [3])."""
    a = rng.integers(-1000, 1000, (2, 3))
    b = rng.integers(-1000, 1000, (2, 3))
    a[0, 0], b[0, 0] = 2**53 + 1, 2**40  # beyond a double's exact range
    a[1, 2], b[1, 2] = -(2**62), -(2**61)
    c = rng.integers(-1000, 1000, 3).astype(np.int32)
    c[0], c[1] = 2**30 - 1, -(2**30)  # doubles to the int32 limits
    model = build(
        "add_int64",
        [helper.make_node("Add", ["a", "b"], ["sum"]),
         helper.make_node("Mul", ["c", "two"], ["c_twice"])],
        [io("a", I64, [2, 3]), io("b", I64, [2, 3]), io("c", I32, [3])],
        [io("sum", I64, [2, 3]), io("c_twice", I32, [3])],
        [const("two", np.int32(2))])
    expected = {"sum": a + b, "c_twice": (c * 2).astype(np.int32)}
    return model, [("add_int64", {"a": a, "b": b, "c": c}, expected)]


def uint8_invert(rng):
    """inv = 255 - img (uint8 [2,2,3]) and mean = mean(img) as float32."""
    img = rng.integers(0, 256, (2, 2, 3)).astype(np.uint8)
    img[0, 0, 0], img[1, 1, 2] = 0, 255
    model = build(
        "uint8_invert",
        [helper.make_node("Sub", ["c255", "img"], ["inv"]),
         helper.make_node("Cast", ["img"], ["img_f"], to=F32),
         helper.make_node("ReduceMean", ["img_f"], ["mean"], keepdims=0)],
        [io("img", U8, [2, 2, 3])],
        [io("inv", U8, [2, 2, 3]), io("mean", F32, [])],
        [const("c255", np.uint8(255))])
    expected = {"inv": (255 - img.astype(np.int32)).astype(np.uint8),
                "mean": np.float32(img.astype(np.float64).mean())}
    return model, [("uint8_invert", {"img": img}, expected)]


def bool_logic(rng):
    """and/or/xor of p, q (bool [4], the full truth table) and not p."""
    p = np.array([True, True, False, False])
    q = np.array([True, False, True, False])
    model = build(
        "bool_logic",
        [helper.make_node(op, ins, [out]) for op, ins, out in (
            ("And", ["p", "q"], "and"), ("Or", ["p", "q"], "or"),
            ("Xor", ["p", "q"], "xor"), ("Not", ["p"], "not_p"))],
        [io("p", BOOL, [4]), io("q", BOOL, [4])],
        [io(n, BOOL, [4]) for n in ("and", "or", "xor", "not_p")])
    expected = {"and": p & q, "or": p | q, "xor": p ^ q, "not_p": ~p}
    return model, [("bool_logic", {"p": p, "q": q}, expected)]


def argmax_f32(rng):
    """index = argmax over axis 1 of scores (float32 [batch, 5])."""
    scores = rng.standard_normal((3, 5)).astype(np.float32)
    model = build(
        "argmax_f32",
        [helper.make_node("ArgMax", ["scores"], ["index"], axis=1,
                          keepdims=0)],
        [io("scores", F32, ["batch", 5])], [io("index", I64, ["batch"])])
    top2 = np.sort(scores, axis=1)[:, -2:]
    assert (top2[:, 0] < top2[:, 1]).all(), "tie: change SEED"
    expected = {"index": np.argmax(scores, axis=1).astype(np.int64)}
    return model, [("argmax_f32", {"scores": scores}, expected)]


def double_square(rng):
    """v2 = v * v in float64; -1e150 squared overflows float32."""
    v = np.array([rng.standard_normal(), 1 + 2.0**-52, -1e150])
    model = build(
        "double_square",
        [helper.make_node("Mul", ["v", "v"], ["v2"])],
        [io("v", F64, [3])], [io("v2", F64, [3])])
    return model, [("double_square", {"v": v}, {"v2": v * v})]


BUILDERS = (affine, add_int64, uint8_invert, bool_logic, argmax_f32,
            double_square)


def write_model(models_dir, name, model):
    onnx.save(model, os.path.join(models_dir, name + ".onnx"))


def write_broken(models_dir):
    """A file that no ONNX loader can parse as a model."""
    path = os.path.join(models_dir, "broken.onnx")
    with open(path, "wb") as f:
        f.write(BROKEN_BYTES)


def write_cases(cases_dir, model_name, cases):
    for case_name, inputs, expected in cases:
        case = case_json.make_case(model_name, inputs, expected, RTOL, ATOL)
        path = os.path.join(cases_dir, case_name + ".json")
        case_json.write_case(path, case)


def generate(out_dir):
    """Writes every model and case; returns (models, cases) counts."""
    models_dir = os.path.join(out_dir, "models")
    cases_dir = os.path.join(out_dir, "cases")
    os.makedirs(models_dir, exist_ok=True)
    os.makedirs(cases_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    n_cases = 0
    for builder in BUILDERS:
        model, cases = builder(rng)
        write_model(models_dir, builder.__name__, model)
        write_cases(cases_dir, builder.__name__, cases)
        n_cases += len(cases)
    write_broken(models_dir)
    return len(BUILDERS) + 1, n_cases


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Write small ONNX test models (DIR/models/NAME.onnx) "
        "and /infer test cases with NumPy-computed expected outputs "
        "(DIR/cases/NAME.json). Deterministic; overwrites existing files.")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="output directory (created if missing)")
    return parser.parse_args(argv)


def main(argv):
    args = parse_args(argv)
    try:
        n_models, n_cases = generate(args.out)
    except OSError as e:
        print("make_test_models: error: cannot write under %s: %s"
              % (args.out, e), file=sys.stderr)
        return 1
    print("%d models (one deliberately broken) and %d cases written to %s"
          % (n_models, n_cases, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
