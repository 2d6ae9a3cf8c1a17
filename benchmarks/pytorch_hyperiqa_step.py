"""PyTorch side of the HyperIQA-ResNet-50 train-step benchmark (Debian's python3-torch).

The network follows the official HyperIQA models.py (HyperNet(16,112,224,112,56,28,14,7) with a
ResNet-50 backbone and LDA branches; target network 224→112→56→28→14→1 as grouped 1×1 convolutions),
written out here in plain torch.nn; the step is the official solver's: L1 loss, Adam with the
hyper-network at lr·10 and the backbone at lr, weight decay 5e-4. Prints one JSON line per layout.
"""
import json
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out += residual
        return self.relu(out)


class ResNetBackbone(nn.Module):
    def __init__(self, lda_out=16, in_chn=224, layers=(3, 4, 6, 3)):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], 2)
        self.layer3 = self._make_layer(256, layers[2], 2)
        self.layer4 = self._make_layer(512, layers[3], 2)
        self.lda1_pool = nn.Sequential(nn.Conv2d(256, 16, 1, bias=False), nn.AvgPool2d(7, 7))
        self.lda1_fc = nn.Linear(16 * 64, lda_out)
        self.lda2_pool = nn.Sequential(nn.Conv2d(512, 32, 1, bias=False), nn.AvgPool2d(7, 7))
        self.lda2_fc = nn.Linear(32 * 16, lda_out)
        self.lda3_pool = nn.Sequential(nn.Conv2d(1024, 64, 1, bias=False), nn.AvgPool2d(7, 7))
        self.lda3_fc = nn.Linear(64 * 4, lda_out)
        self.lda4_pool = nn.AvgPool2d(7, 7)
        self.lda4_fc = nn.Linear(2048, in_chn - lda_out * 3)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        l1 = self.lda1_fc(self.lda1_pool(x).reshape(x.size(0), -1))
        x = self.layer2(x)
        l2 = self.lda2_fc(self.lda2_pool(x).reshape(x.size(0), -1))
        x = self.layer3(x)
        l3 = self.lda3_fc(self.lda3_pool(x).reshape(x.size(0), -1))
        x = self.layer4(x)
        l4 = self.lda4_fc(self.lda4_pool(x).reshape(x.size(0), -1))
        return x, torch.cat((l1, l2, l3, l4), 1)


class HyperNet(nn.Module):
    def __init__(self, lda_out=16, hyper_in=112, target_in=224, f1=112, f2=56, f3=28, f4=14, fs=7):
        super().__init__()
        self.hyper_in, self.target_in, self.f = hyper_in, target_in, (f1, f2, f3, f4)
        self.fs = fs
        self.res = ResNetBackbone(lda_out, target_in)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.conv1 = nn.Sequential(nn.Conv2d(2048, 1024, 1), nn.ReLU(inplace=True), nn.Conv2d(1024, 512, 1),
                                   nn.ReLU(inplace=True), nn.Conv2d(512, hyper_in, 1), nn.ReLU(inplace=True))
        sizes = (target_in, f1, f2, f3, f4)
        self.wconvs = nn.ModuleList([nn.Conv2d(hyper_in, sizes[i] * sizes[i + 1] // fs ** 2, 3, padding=1) for i in range(4)])
        self.bfcs = nn.ModuleList([nn.Linear(hyper_in, sizes[i + 1]) for i in range(4)])
        self.fc5w = nn.Linear(hyper_in, f4)
        self.fc5b = nn.Linear(hyper_in, 1)

    def forward(self, img):
        feat, vec = self.res(img)
        n = img.size(0)
        h = self.conv1(feat).reshape(-1, self.hyper_in, self.fs, self.fs)
        pooled = self.pool(h).reshape(n, -1)
        sizes = (self.target_in,) + self.f
        q = vec.reshape(n, -1, 1, 1)
        for i in range(4):
            w = self.wconvs[i](h).reshape(-1, sizes[i + 1], sizes[i], 1, 1)
            b = self.bfcs[i](pooled).reshape(-1, sizes[i + 1])
            # TargetFC: a grouped 1×1 convolution, one group per image (official code)
            q = F.conv2d(q.reshape(-1, n * sizes[i], 1, 1), w.reshape(n * sizes[i + 1], sizes[i], 1, 1), b.reshape(-1), groups=n)
            q = torch.sigmoid(q.reshape(n, sizes[i + 1], 1, 1))
        w5 = self.fc5w(pooled).reshape(-1, 1, self.f[3], 1, 1)
        b5 = self.fc5b(pooled).reshape(-1, 1)
        q = F.conv2d(q.reshape(-1, n * self.f[3], 1, 1), w5.reshape(n, self.f[3], 1, 1), b5.reshape(-1), groups=n)
        return q.reshape(n)


def run(channels_last, batch=int(__import__("os").environ.get("BENCH_BATCH", "32")), warmup=2, steps=5):
    torch.manual_seed(0)
    dev = torch.device(__import__("os").environ.get("BENCH_DEVICE", "cpu"))
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    model = HyperNet().to(dev)
    x = torch.randn(batch, 3, 224, 224).to(dev)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = (torch.rand(batch) * 100).to(dev)
    backbone = list(model.res.parameters())
    ids = {id(p) for p in backbone}
    head = [p for p in model.parameters() if id(p) not in ids]
    opt = torch.optim.Adam([{"params": head, "lr": 2e-4}, {"params": backbone, "lr": 2e-5}], weight_decay=5e-4)
    times, fwd, bwd, stp = [], [], [], []
    for i in range(warmup + steps):
        sync(); t0 = time.perf_counter()
        loss = F.l1_loss(model(x), y)
        sync(); t1 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        sync(); t2 = time.perf_counter()
        opt.step()
        sync(); t3 = time.perf_counter()
        if i >= warmup:
            times.append(t3 - t0); fwd.append(t1 - t0); bwd.append(t2 - t1); stp.append(t3 - t2)
    times.sort()
    med = lambda v: sorted(v)[len(v) // 2]
    return {"impl": "pytorch", "bench": "hyperiqa_resnet50_train_step", "channels_last": channels_last, "batch": batch,
            "threads": torch.get_num_threads(), "device": str(dev), "libtorch": torch.__version__, "params": sum(p.numel() for p in model.parameters()),
            "median_s": times[len(times) // 2], "min_s": times[0], "steps": steps,
            "forward_s": med(fwd), "backward_s": med(bwd), "optimizer_s": med(stp)}


if __name__ == "__main__":
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    torch.set_num_threads(threads)
    for cl in (False, True):
        print(json.dumps(run(cl, steps=steps), sort_keys=True))
