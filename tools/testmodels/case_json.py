"""JSON tensors and case files shared by the test-model scripts.

Why this exists: make_test_models.py and onnx_backend_cases.py must write
exactly the same case format that nymphd's /infer tests read, so the
NumPy -> JSON conversion and the file layout live here, once.

A case file holds:
  {"model": NAME, "request": {<POST /infer body>},
   "expected": {OUTPUT: TENSOR, ...}, "rtol": R, "atol": A}
or, when the case cannot be written as JSON tensors:
  {"model": NAME, "skip_reason": WHY}
TENSOR is {"shape": [...], "dtype": NAME, "data": [flat, row-major]}.
"""

import json
import math

import numpy as np

# NumPy dtypes that /infer accepts, by their numpy-style JSON name.
_NUMERIC = ("float16", "float32", "float64", "int8", "int16", "int32",
            "int64", "uint8", "uint16", "uint32", "uint64", "bool")
DTYPE_NAMES = {np.dtype(name): name for name in _NUMERIC}


class Unsupported(ValueError):
    """A tensor with no JSON form; the message ("kind: detail") is the
    skip reason."""


def dtype_name(arr):
    """The /infer dtype name of a NumPy array, or Unsupported."""
    if arr.dtype.kind in "OSU":
        return "string"
    if arr.dtype in DTYPE_NAMES:
        return DTYPE_NAMES[arr.dtype]
    raise Unsupported("unsupported dtype: %s" % arr.dtype)


def _string_values(flat):
    values = []
    for v in flat:
        if isinstance(v, bytes):
            try:
                v = v.decode("utf-8")
            except UnicodeDecodeError:
                raise Unsupported("non-UTF-8 string: %r" % v[:40])
        values.append(str(v))
    return values


def json_values(arr):
    """Flat row-major list of JSON-ready values (exact for every dtype)."""
    flat = arr.reshape(-1)
    if dtype_name(arr) == "string":
        return _string_values(flat)
    values = flat.tolist()  # float32 -> Python float is exact
    if arr.dtype.kind == "f" and not all(map(math.isfinite, values)):
        raise Unsupported("NaN/Inf in data: JSON has no such numbers")
    return values


def tensor(arr):
    """The JSON tensor object for a NumPy array."""
    arr = np.asarray(arr)
    return {"shape": list(arr.shape), "dtype": dtype_name(arr),
            "data": json_values(arr)}


def tensors(arrays):
    """{name: JSON tensor}; an Unsupported error names the tensor."""
    out = {}
    for name, arr in arrays.items():
        try:
            out[name] = tensor(arr)
        except Unsupported as e:
            raise Unsupported("%s (tensor %r)" % (e, name))
    return out


def make_case(model, inputs, expected, rtol, atol):
    """A runnable case: inputs/expected map tensor names to arrays."""
    request = {"model": model, "inputs": tensors(inputs)}
    return {"model": model, "request": request,
            "expected": tensors(expected), "rtol": rtol, "atol": atol}


def skip_case(model, reason):
    """A case the C++ test reports as skipped, with why."""
    return {"model": model, "skip_reason": reason}


def _format(obj, depth=0):
    """Indented JSON, but each tensor (and any list) kept on one line."""
    if isinstance(obj, dict) and obj and "data" not in obj:
        pad = "  " * (depth + 1)
        items = ["%s%s: %s" % (pad, json.dumps(k), _format(v, depth + 1))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    return json.dumps(obj, allow_nan=False, separators=(", ", ": "))


def write_case(path, case):
    """Writes one case file (UTF-8, trailing newline)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(_format(case) + "\n")
