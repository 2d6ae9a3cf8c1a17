#!/usr/bin/python3
"""Generates the PyTorch reference fixture for TorchTests (PyTorchParityTests).

Run once with a Python that has torch (Debian's /usr/bin/python3 with torch 1.13 was used):
    /usr/bin/python3 Tests/TorchTests/Fixtures/make_fixtures.py
The .pt files are committed; the tests never call Python.

sequential_state.pt  state_dict of Sequential(Conv2d(3,4,3), BatchNorm2d(4), Flatten(), Linear(64,5))
                     with torch.manual_seed(0) weights; the BatchNorm has seen three training batches
                     (non-trivial running statistics, num_batches_tracked = 3) and random affine terms.
sequential_io.pt     {"input": x [2,3,6,6], "output": net.eval()(x) [2,5]} in float32.
"""
import os

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.Flatten(),
        torch.nn.Linear(4 * 4 * 4, 5),
    )
    with torch.no_grad():
        net[1].weight.uniform_(0.5, 1.5)
        net[1].bias.uniform_(-0.5, 0.5)
        net.train()
        for _ in range(3):
            net(torch.randn(8, 3, 6, 6) * 2 + 0.5)
    net.eval()
    x = torch.randn(2, 3, 6, 6)
    with torch.no_grad():
        y = net(x)
    torch.save(net.state_dict(), os.path.join(HERE, "sequential_state.pt"))
    torch.save({"input": x, "output": y}, os.path.join(HERE, "sequential_io.pt"))
    print("state_dict keys:", list(net.state_dict().keys()))
    print("num_batches_tracked:", int(net[1].num_batches_tracked))
    print("output[0]:", y[0].tolist())


if __name__ == "__main__":
    main()
