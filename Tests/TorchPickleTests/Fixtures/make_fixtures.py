#!/usr/bin/python3
"""Generates the torch.save fixtures for TorchPickleTests.

Run once with a Python that has torch (Debian's /usr/bin/python3 with torch 1.13 was used):
    /usr/bin/python3 Tests/TorchPickleTests/Fixtures/make_fixtures.py [NAME.pt ...]
With names, only those files are written (legacy_state.pth was made with PyTorch 2.13's CPU wheel).
The .pt files are committed; the tests never call Python. Every value is chosen by hand (no
randomness) so the Swift tests can assert exact numbers.
"""
import collections
import io
import os
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(HERE, name)


def mixed():
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4)  # [[0,1,2,3],[4,5,6,7],[8,9,10,11]]
    shared = torch.tensor([10, 20, 30, 40, 50, 60], dtype=torch.int32)
    return {
        "weight": torch.tensor([[1.5, -2.0, 3.25], [4.0, 0.005, -6.0]], dtype=torch.float32),
        "ids": torch.tensor([1, -2, 3, 1 << 40], dtype=torch.int64),
        "scale": torch.tensor(3.141592653589793, dtype=torch.float64),
        "view": base[:, 1:],  # non-contiguous: shape [3, 3], strides [4, 1], offset 1
        "column": base[:, 2],  # non-contiguous: shape [3], strides [4], offset 2
        "transposed": base.t(),  # shape [4, 3], strides [1, 4]
        "shared_a": shared[0:4],
        "shared_b": shared[2:6].view(2, 2),  # same storage as shared_a, offset 2
        "mask": torch.tensor([True, False, True]),
        "meta": {
            "epoch": 7,
            "lr": 1e-4,
            "name": "hyperiqa",
            "layers": [1, 2, 3],
            "flag": True,
            "nothing": None,
            "big": 1 << 40,
            "negative": -5,
            "pair": (1, "a"),
            "blob": b"\x00\x01\xfe",
        },
    }


def dtypes():
    return {
        "f16": torch.tensor([1.0, -0.5, 65504.0, 6.103515625e-05], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -2.5, 3.0e38], dtype=torch.bfloat16),
        "i32": torch.tensor([-2147483648, 2147483647], dtype=torch.int32),
        "i16": torch.tensor([-32768, 32767], dtype=torch.int16),
        "i8": torch.tensor([-128, 127], dtype=torch.int8),
        "u8": torch.tensor([0, 255], dtype=torch.uint8),
        "empty": torch.zeros(0, 3),
    }


def state_dict():
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    with torch.no_grad():
        model[0].weight.copy_(torch.arange(18, dtype=torch.float32).reshape(2, 1, 3, 3) * 0.1)
        model[0].bias.copy_(torch.tensor([0.5, -0.5]))
        model[1].weight.copy_(torch.tensor([1.25, 0.75]))
        model[1].bias.copy_(torch.tensor([0.1, -0.1]))
        model[1].running_mean.copy_(torch.tensor([0.2, 0.3]))
        model[1].running_var.copy_(torch.tensor([1.5, 2.5]))
        model[1].num_batches_tracked.fill_(3)
    return model.state_dict()


def legacy_state():
    """A state dict in the pre-1.6 format, as torchvision still publishes vgg16-397923af.pth."""
    sd = state_dict()
    base = torch.arange(10, dtype=torch.float32) / 4
    sd["shared_a"] = base[2:6]  # two tensors in one storage, at offsets 2 and 5
    sd["shared_b"] = base[5:9].view(2, 2)
    sd["ids"] = torch.tensor([1, -2, 1 << 40], dtype=torch.int64)
    return sd


def main(names):
    if names:
        for name in names:
            if name == "legacy_state.pth":
                torch.save(legacy_state(), path(name), _use_new_zipfile_serialization=False)
            else:
                raise SystemExit(f"unknown fixture {name}")
        return
    torch.save(legacy_state(), path("legacy_state.pth"), _use_new_zipfile_serialization=False)
    torch.save(mixed(), path("mixed.pt"))
    torch.save(mixed(), path("mixed_protocol4.pt"), pickle_protocol=4)
    torch.save(dtypes(), path("dtypes.pt"))
    sd = state_dict()
    assert isinstance(sd, collections.OrderedDict)
    torch.save(sd, path("state_dict.pt"))
    torch.save(torch.linspace(0, 1, 5), path("tensor.pt"))
    torch.save(torch.nn.Parameter(torch.tensor([[0.25, -0.75]])), path("parameter.pt"))
    # The pre-1.6 format: one tensor.
    torch.save(torch.tensor([1.0]), path("legacy.pt"), _use_new_zipfile_serialization=False)
    # A torch.save archive re-packed with deflate, to check that it is refused clearly.
    buf = io.BytesIO()
    torch.save(torch.tensor([1.0, 2.0]), buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    with zipfile.ZipFile(path("deflated.pt"), "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    for name in sorted(os.listdir(HERE)):
        if name.endswith(".pt"):
            print(name, os.path.getsize(path(name)))


if __name__ == "__main__":
    import sys
    main(sys.argv[1:])
