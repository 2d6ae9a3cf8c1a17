"""PyTorch side of the attack-step benchmarks (Debian's python3-torch): the same three steps as
`baiqa-bench search|pgd|sweep`, against the same surrogate (HyperIQA-ResNet-50 from
pytorch_hyperiqa_step.py, random weights, eval mode) on random 500x500 images.

- search: Algorithm 1 (UAP-DCT), one batch of `batch` 224 crops (one shared crop and flip), a fresh
  Adam (lr 1) and `steps` steps of L = lambda*max(MSE(T(B,t), B), eps^2) - MSE(f(T(B,t)), f(B)).
  `--official-dct` injects the trigger as the official Add_trigger_net does (round, RGB->YCbCr, 16x16
  block DCT, add, inverse DCT, YCbCr->RGB) instead of the equivalent closed form baiqa uses
  (round(255x) + tiled pattern); both are reported. The surrogate's weights are frozen (as baiqa does).
- pgd: C-BAIQA's targeted PGD on one image: `steps` steps, each the summed squared error to 50 over
  `views` random 224 views (crop + flip), sign step 1.6/255, projection on the 2/255 L-inf ball.
- sweep: the alpha sweep of spec 9.2: a clean pass and 20 alpha passes over `images` images with
  `patches` random crops (and flips) each, the trigger injected on the full image, batches of 64.
Prints one JSON line per measurement. BENCH_DEVICE=cuda runs everything on the GPU (timings synchronised).
"""
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_hyperiqa_step import HyperNet  # noqa: E402

DEV = torch.device(os.environ.get("BENCH_DEVICE", "cpu"))


def sync():
    if DEV.type == "cuda":
        torch.cuda.synchronize()


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def zigzag_rank(n=16):
    rank = np.zeros(n * n, dtype=np.int64)
    r = 0
    for s in range(2 * n - 1):
        cells = [(u, s - u) for u in range(n) if 0 <= s - u < n]
        if s % 2 == 0:
            cells.reverse()
        for u, v in cells:
            rank[u * n + v] = r
            r += 1
    return rank


POSITIONS = torch.tensor(zigzag_rank()[96:160])          # the official 64 flat positions (spec 3.2)
_k = np.arange(16)[:, None]
_m = np.arange(16)[None, :]
DCT = torch.tensor(2 * np.cos(np.pi * _k * (2 * _m + 1) / 32), dtype=torch.float32)                  # X = C x C^T (x4 overall)
IDCT = torch.tensor((np.where(_k == 0, 0.5, 1.0) * np.cos(np.pi * _k * (2 * _m + 1) / 32) / 16).T, dtype=torch.float32)  # x = Ci X Ci^T
YCC2RGB = torch.tensor([[1, 0, 1.402], [1, -0.344136286, -0.714136286], [1, 1.772, 0]], dtype=torch.float32)
RGB2YCC = torch.tensor([[0.299, 0.587, 0.114], [-0.168735892, -0.331264108, 0.5], [0.5, -0.418687589, -0.081312411]])
BASIS = torch.einsum("mu,nv->mnuv", IDCT, IDCT).reshape(256, 256)[:, POSITIONS]                   # [pixel, k]
MEAN, STD, POSITIONS, DCT, IDCT, YCC2RGB, RGB2YCC, BASIS = (v.to(DEV) for v in (MEAN, STD, POSITIONS, DCT, IDCT, YCC2RGB, RGB2YCC, BASIS))


def pattern(t):
    """Closed form: the 3x16x16 RGB pattern (0..255 units) of trigger t [3, 64]."""
    return (YCC2RGB @ (t @ BASIS.T)).reshape(3, 16, 16)


def inject_closed(q, t, alpha=1.0):
    """q = round(255 x) [N,3,S,S]; the pattern tiled from the crop origin."""
    s = q.shape[-1]
    p = pattern(t).repeat(1, s // 16 + 1, s // 16 + 1)[:, :s, :s]
    return ((q + alpha * p) / 255).clamp(0, 1)


def inject_official(q, t):
    """The official pipeline on crops whose side is a multiple of 16 (no padding)."""
    n, _, s, _ = q.shape
    b = s // 16
    ycc = torch.einsum("oc,nchw->nohw", RGB2YCC, q) + torch.tensor([0.0, 128, 128], device=DEV).view(1, 3, 1, 1) - 128
    blocks = ycc.reshape(n, 3, b, 16, b, 16).permute(0, 1, 2, 4, 3, 5)                    # [n,3,b,b,16,16]
    coef = DCT @ blocks @ DCT.T
    coef = coef.reshape(n, 3, b, b, 256)
    add = torch.zeros(3, 256, device=DEV).index_add(1, POSITIONS, t)                                 # differentiable scatter
    coef = coef + add.view(1, 3, 1, 1, 256)
    pix = IDCT @ coef.reshape(n, 3, b, b, 16, 16) @ IDCT.T
    ycc = pix.permute(0, 1, 2, 4, 3, 5).reshape(n, 3, s, s) + 128
    y, cb, cr = ycc[:, 0], ycc[:, 1] - 128, ycc[:, 2] - 128
    rgb = torch.stack([y + 1.402 * cr, y - 0.344136286 * cb - 0.714136286 * cr, y + 1.772 * cb], 1)
    return (rgb / 255).clamp(0, 1)


def surrogate():
    torch.manual_seed(0)
    model = HyperNet().eval().to(DEV)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def images(count, size=500):
    g = torch.Generator().manual_seed(5)
    return torch.randint(0, 256, (count, 3, size, size), generator=g, dtype=torch.uint8).to(DEV)


def search_batch(model, imgs, steps, official, eps=8 / 255, lam=1e8, crop=224):
    n, _, h, w = imgs.shape
    y0, x0 = np.random.randint(0, h - crop + 1), np.random.randint(0, w - crop + 1)
    clean = imgs[:, :, y0:y0 + crop, x0:x0 + crop].float() / 255
    if np.random.rand() < 0.5:
        clean = clean.flip(3)
    with torch.no_grad():
        target = model((clean - MEAN) / STD)
    q = (clean * 255).round()
    t = (torch.rand(3, 64) * 600 - 300).to(DEV).requires_grad_()
    opt = torch.optim.Adam([t], lr=1.0)
    for _ in range(steps):
        trig = inject_official(q, t) if official else inject_closed(q, t)
        pred = model((trig - MEAN) / STD)
        loss = lam * torch.clamp(F.mse_loss(trig, clean), min=eps * eps) - F.mse_loss(pred, target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return t.detach()


def pgd_image(model, img, views, steps, eps=0.00784, step=0.00627, crop=224, target=50.0):
    x = img.float().unsqueeze(0) / 255
    lower, upper = (x - eps).clamp(min=0), (x + eps).clamp(max=1)
    adv = x.clone()
    h, w = x.shape[-2:]
    for _ in range(steps):
        a = adv.detach().requires_grad_()
        batch = []
        for _ in range(views):
            y0, x0 = np.random.randint(0, h - crop + 1), np.random.randint(0, w - crop + 1)
            v = a[:, :, y0:y0 + crop, x0:x0 + crop]
            batch.append(v.flip(3) if np.random.rand() < 0.5 else v)
        loss = ((model((torch.cat(batch) - MEAN) / STD) - target) ** 2).sum()
        (g,) = torch.autograd.grad(loss, [a])
        adv = torch.max(torch.min(a.detach() - step * g.sign(), upper), lower)
    return adv - x


def sweep(model, imgs, patches, t, crop=224, batch=64, channels_last=False):
    alphas = [a / 10 for a in range(-10, 11) if a != 0]
    n, _, h, w = imgs.shape
    p = pattern(t)
    full = p.repeat(1, h // 16 + 2, w // 16 + 2)
    top, left = (16 - h % 16) % 16 // 2, (16 - w % 16) % 16 // 2
    tiled = full[:, (16 - top) % 16:(16 - top) % 16 + h, (16 - left) % 16:(16 - left) % 16 + w]
    out = []
    with torch.no_grad():
        for alpha in [0.0] + alphas:
            crops = []
            for i in range(n):
                for _ in range(patches):
                    y0, x0 = np.random.randint(0, h - crop + 1), np.random.randint(0, w - crop + 1)
                    c = imgs[i, :, y0:y0 + crop, x0:x0 + crop].float()
                    c = ((c + alpha * tiled[:, y0:y0 + crop, x0:x0 + crop]) / 255).clamp(0, 1)
                    crops.append(c.flip(2) if np.random.rand() < 0.5 else c)
            fmt = torch.channels_last if channels_last else torch.contiguous_format
            scores = torch.cat([model(((torch.stack(crops[k:k + batch]) - MEAN) / STD).contiguous(memory_format=fmt))
                                for k in range(0, len(crops), batch)])
            out.append(scores.view(n, patches).mean(1))
    return torch.stack(out)


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    torch.set_num_threads(threads)
    # baiqa flushes denormals by default (Runtime); without it random-weight ResNets run far slower on CPU.
    torch.set_flush_denormal(True)
    np.random.seed(0)
    model = surrogate()
    env = lambda k, d: int(os.environ.get(k, d))
    if which in ("all", "search"):
        batch, steps = env("BENCH_SEARCH_BATCH", 32), env("BENCH_SEARCH_STEPS", 10)
        imgs = images(batch)
        for official in (False, True):
            search_batch(model, imgs, 1, official)  # warm-up
            sync()
            t0 = time.perf_counter()
            search_batch(model, imgs, steps, official)
            sync()
            print(json.dumps({"impl": "pytorch-official-dct" if official else "pytorch", "bench": "trigger_search_batch",
                              "batch": batch, "steps": steps, "threads": threads, "seconds": time.perf_counter() - t0}))
    if which in ("all", "pgd"):
        views, steps = env("BENCH_PGD_VIEWS", 25), env("BENCH_PGD_STEPS", 20)
        img = images(1)[0]
        pgd_image(model, img, views, 1)
        sync()
        t0 = time.perf_counter()
        pgd_image(model, img, views, steps)
        sync()
        print(json.dumps({"impl": "pytorch", "bench": "pgd_image", "views": views, "steps": steps, "threads": threads,
                          "seconds": time.perf_counter() - t0}))
    if which in ("all", "sweep"):
        count, patches = env("BENCH_SWEEP_IMAGES", 2), env("BENCH_SWEEP_PATCHES", 25)
        imgs = images(count)
        t = (torch.rand(3, 64) * 100 - 50).to(DEV)
        # NCHW as the official code runs; channels-last as baiqa does (PyTorch's faster CPU layout).
        for channels_last in (False, True):
            m = model.to(memory_format=torch.channels_last) if channels_last else model
            sweep(m, imgs[:1], 2, t, channels_last=channels_last)
            sync()
            t0 = time.perf_counter()
            sweep(m, imgs, patches, t, channels_last=channels_last)
            sync()
            print(json.dumps({"impl": "pytorch-channels-last" if channels_last else "pytorch", "bench": "alpha_sweep", "images": count,
                              "patches": patches, "alphas": 20, "threads": threads, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
