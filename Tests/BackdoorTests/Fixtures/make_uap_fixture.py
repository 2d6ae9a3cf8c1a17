#!/usr/bin/python3
"""Generates uap_official_steps.pt, the PyTorch reference for the UAP-DCT trigger search (Algorithm 1).

Run once with a Python that has torch (torch 2.13.0+cpu, CPU, float32, one thread was used):
    python3 Tests/BackdoorTests/Fixtures/make_uap_fixture.py
The .pt file is committed; the tests never call Python.

What it computes: the first Adam steps of the official UAP_DCT_demo.py search (function
IQA_untarget_UAP_DCT, optimizer 'adam', spec §4), written anew from that code and the spec:

  for each batch (crops x [N,3,224,224] on 0..1):
      pred  = model(norm(x))                                   (no grad)
      t_adv = t.detach().clone().requires_grad_()              (a fresh leaf)
      opt   = torch.optim.Adam([t_adv], lr=1)                   (fresh per batch; betas (0.9, 0.999), eps 1e-8)
      10 times:
          opt.zero_grad()
          x_adv = add_trigger(x, t_adv)
          loss  = -MSE(model(norm(x_adv)), pred) + 1e8 * max(MSE(x_adv, x), eps**2)
                  (Python's built-in max of a 0-dim tensor and a float, as the official code: when the
                   pixel MSE is below eps**2 the float wins and the visibility term is a constant
                   1e8 * eps**2 with no gradient; eps = 8/255; MSE = mean over all elements)
          loss.backward(); opt.step()
          record loss, MSE(x_adv, x) and the score MSE of this forward (and the very first gradient)
      t = t_adv.detach()

norm(x) = (x - (0.485, 0.456, 0.406)) / (0.229, 0.224, 0.225) per channel.

add_trigger(x, t) is spec §3.1 steps 1-9 (Add_trigger_net_v2, 'mid' mode, 64 channels), literally:
  1. pad H, W to multiples of 16 (none for 224 crops; implemented anyway, zeros, top = pad // 2);
  2. q = round(255 x);
  3. Y = .299R + .587G + .114B, Cb = 128 - .168735892R - .331264108G + .5B,
     Cr = 128 + .5R - .418687589G - .081312411B;
  4. 16x16 blocks (block grid at the crop origin), minus 128;
  5. X = 4 C b C^T with C[u,m] = cos(pi u (2m+1) / 32) (unnormalised DCT-II, scipy norm=None);
  6. X_c[P[k]] += t[c,k] in every block (c = Y, Cb, Cr; flat position P[k] = 16u + v, spec §3.2/A3);
  7. b = (1/256) C^T (W X W) C with W = diag(1/2, 1, ..., 1) (the exact inverse of 5);
  8. + 128, reassemble, R = Y + 1.402(Cr-128), G = Y - .344136286(Cb-128) - .714136286(Cr-128),
     B = Y + 1.772(Cb-128);
  9. / 255, unpad, clamp to [0, 1] (not re-quantised).
  C is built in float64 and cast to float32; every other step is float32 torch ops, so the gradient
  reaches t through steps 5-9 (round() only touches x, which has no gradient).

The surrogate: a tiny HyperIQA with the official key names (SSL92/hyperIQA models.py HyperNet, the
BAIQA code's surrogate) and the configuration of the Swift HyperIQA
  backbone ResNet, basic blocks, layers [1,1,1,1], width 8 (stage channels 8, 16, 32, 64), torchvision
  names (res.conv1, res.bn1, res.layer{1..4}.0.conv1/bn1/conv2/bn2[/downsample.0/downsample.1]);
  downsample iff stride != 1 or inplanes != planes (so layer1 has none, layer2..4 have one);
  lda_out 16, hyper_in 112, target_in 224, target FC [112, 56, 28, 14], feature size 7, 224x224 input;
  LDA: res.lda{1,2,3}_pool.0 (1x1 conv, no bias, stage channels -> 16/32/64) + AvgPool2d(7, 7)
       (grids 8/4/2), flatten, res.lda{i}_fc -> 16; res.lda4_fc on AvgPool2d(7, 7) of layer4 -> 176;
  hyper head on layer4: conv1.0 (64 -> 1024, 1x1), ReLU, conv1.2 (1024 -> 512), ReLU, conv1.4 (512 -> 112),
       ReLU; fc{i}w_conv (3x3, pad 1, 112 -> fin*fout/49) viewed as [N, fout, fin]; fc{i}b_fc, fc5w_fc,
       fc5b_fc on the global average pool of the 112x7x7 map;
  target net: q = sigmoid(W_i q + b_i) for i = 1..4, score = w5 . q + b5 (the official grouped-conv
       TargetFC); eval mode, BatchNorm eps 1e-5 with running statistics.

Weights are not random but a formula both languages reproduce bit-exactly. Take the state_dict keys
without the num_batches_tracked entries, sort them bytewise ascending (Python sorted on str), let k be
the 0-based position of a key in that list and i the row-major index of an element of its tensor:
    q = ((i * 2654435761 + (k + 1) * 40503) % 2**32) >> 16        (integer 0..65535)
    u = q / 65536.0 - 0.5                                          (float64, exact)
A key is batch-norm when "<prefix>.running_mean" exists for its prefix. Values, in float64 then cast to
float32:
    batch-norm weight 1 + 0.2u, bias 0.2u, running_mean 0.2u, running_var 1 + 0.5u;
    other tensors with >= 2 dims: u * 2 * sqrt(6 / fan_in), fan_in = size(1) * prod(size(2:));
    other 1-dim tensors (biases): 0.2u;
then both fc5w_fc entries (weight and bias) are multiplied by HEAD_GAIN = 512 (exact in float32), so
the scores spread over tens of units as a trained model's do and the model term's gradient is well
above Adam's eps (without it, gradients of 1e-11..3e-7 made float32 trajectories unreproducible).
num_batches_tracked stays 0 (unused in eval mode).

Images: 4 images of height 240, width 256, 8-bit values
    v(n, y, x, c) = (37n + 3x + 2y + 60c + ((x*y) % 23)) % 256      (y row, x column, c = R, G, B)
as float32 v/255 in [3, H, W]. Two batches, official poison_transform semantics (horizontal flip of the
FULL image first, then rows i..i+223 and columns j..j+223 of the possibly flipped image):
    batch 0: images [0, 1, 2, 3], i = 5,  j = 17, no flip;
    batch 1: images [2, 0, 3, 1], i = 16, j = 3,  flip.
(For the flipped batch, column c of the crop is column W-1-(j+c) of the original image, i.e. the
unflipped window starting at x = W - 224 - j = 29, mirrored.)
Three cases, each running batch 0 then batch 1 with the trigger carried over:
    "official": torch.manual_seed(919); t0 = torch.zeros(3, 64).uniform_(-300, 300)
                (the official initialisation; with this surrogate its pixel MSE, about 3.1e-4, is already
                below eps**2 = 9.8e-4, so the hinge is inactive and only the model term has a gradient);
    "small":    torch.manual_seed(7);   t0 = torch.zeros(3, 64).uniform_(-20, 20)
                (pixel MSE about 1e-6, far inside the budget: model term only);
    "large":    torch.manual_seed(919); t0 = torch.zeros(3, 64).uniform_(-600, 600)
                (pixel MSE stays above 1.05 eps**2 in all 20 steps: the hinge is active and dominates).

Conditioning (printed by the script, which reruns every case in float64): in the model-term-only cases
the gradients are 1e-11..3e-7, at or below Adam's eps = 1e-8, and the score differences they come from
(about 1e-3..1e-2 on scores near 1.6) carry float32 rounding of 1e-4..1e-3 relative, so 20 float32 steps
reproduce the float64 trajectory only to about 2% (official) / 0.7% (small) of max |t|, while the first
gradient agrees to 5e-5 / 4e-4 of max |g|. The "large" case is well conditioned: float32 and float64
agree to 1e-5 of max |t| (element-relative 3e-4 on the smallest entries), first gradient to 3e-7.
Compare the official/small trajectories loosely (or only grad0 and the first steps), "large" tightly.

uap_official_steps.pt, a dict of tensors (float32 unless noted); for each case C in official, small, large:
    C_t0 [3,64]; C_after [2,3,64] (t after each batch); C_loss [2,10] (per batch, per Adam step, the loss
    of the forward that step used; a constant 98423.68 = 1e8 eps**2 when the hinge is inactive, since
    the model term is below float32 resolution there); C_pixel_mse [2,10] (MSE(x_adv, x) of that forward);
    C_score_mse [2,10] (MSE(model(norm(x_adv)), pred) of that forward, the model term the loss hides);
    C_grad0 [3,64] (d loss / d t at t0 on batch 0, the first step's gradient);
and clean_scores [2,4] (model(norm(crops)) of each batch's clean crops, batch image order);
    crop_ijf int64 [2,3] (i, j, flip 0/1); batch_images int64 [2,4]; image_hw int64 [2] = (240, 256);
    epsilon float64 0-dim = 8/255.
"""
import copy
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = "uap_official_steps.pt"

# Flat DCT positions 16u + v, in trigger column order (spec §3.2, Appendix A3).
POSITIONS = [21, 34, 38, 51, 59, 72, 84, 97, 113, 126, 145, 155, 174, 180, 199, 201,
             35, 37, 52, 58, 73, 83, 98, 112, 127, 144, 156, 173, 181, 198, 202, 219,
             36, 53, 57, 74, 82, 99, 111, 128, 143, 157, 172, 182, 197, 203, 218, 220,
             54, 56, 75, 81, 100, 110, 129, 142, 158, 171, 183, 196, 204, 217, 221, 234]

EPSILON = 8.0 / 255
LAMBDA = 1e8
STEPS = 10
IMAGE_H, IMAGE_W = 240, 256
BATCH_IMAGES = [[0, 1, 2, 3], [2, 0, 3, 1]]
# fc5w_fc (the generator of the score layer's weights) is scaled so that scores spread over tens of
# units as a trained IQA model's do; without it the model term's gradient is below Adam's eps.
HEAD_GAIN = 512.0
CROPS = [(5, 17, False), (16, 3, True)]


# ------------------------------------------------------------------------------------------- trigger

def dct_matrix():
    """C[u, m] = cos(pi u (2m + 1) / 32), built in float64 (cast to the working dtype where used)."""
    u = torch.arange(16, dtype=torch.float64)[:, None]
    m = torch.arange(16, dtype=torch.float64)[None, :]
    return torch.cos(math.pi * u * (2 * m + 1) / 32)


C16_64 = dct_matrix()
W16_64 = torch.ones(16, dtype=torch.float64)
W16_64[0] = 0.5
P_INDEX = torch.tensor(POSITIONS, dtype=torch.int64)


def add_trigger(x, t):
    """Spec §3.1 steps 1-9 on a batch x [N,3,H,W] (0..1, no grad) with strengths t [3,64]."""
    C16, W16 = C16_64.to(x.dtype), W16_64.to(x.dtype)   # float32 for the fixture
    n, _, h, w = x.shape
    ph, pw = (16 - h % 16) % 16, (16 - w % 16) % 16
    top, left = ph // 2, pw // 2
    x = F.pad(x, (left, pw - left, top, ph - top))                       # 1. pad with zeros
    q = torch.round(x * 255)                                             # 2. quantise
    r, g, b = q[:, 0], q[:, 1], q[:, 2]                                  # 3. RGB -> YCbCr
    y = 0.299 * r + 0.587 * g + 0.114 * b
    cb = 128 - 0.168735892 * r - 0.331264108 * g + 0.5 * b
    cr = 128 + 0.5 * r - 0.418687589 * g - 0.081312411 * b
    ycc = torch.stack([y, cb, cr], dim=1)
    hh, ww = ycc.shape[2] // 16, ycc.shape[3] // 16
    blocks = ycc.reshape(n, 3, hh, 16, ww, 16).permute(0, 1, 2, 4, 3, 5) - 128   # 4. [N,3,hh,ww,16,16]
    coeff = 4 * (C16 @ blocks @ C16.t())                                 # 5. DCT-II, unnormalised
    tm = torch.zeros(3, 256, dtype=t.dtype).index_add(1, P_INDEX, t).reshape(3, 16, 16)
    coeff = coeff + tm[None, :, None, None]                              # 6. same t in every block
    weighted = coeff * W16[:, None] * W16[None, :]
    blocks = (C16.t() @ weighted @ C16) / 256                            # 7. exact inverse
    ycc = (blocks + 128).permute(0, 1, 2, 4, 3, 5).reshape(n, 3, hh * 16, ww * 16)   # 8. reassemble
    y, cb, cr = ycc[:, 0], ycc[:, 1], ycc[:, 2]
    r = y + 1.402 * (cr - 128)
    g = y - 0.344136286 * (cb - 128) - 0.714136286 * (cr - 128)
    b = y + 1.772 * (cb - 128)
    rgb = torch.stack([r, g, b], dim=1) / 255                            # 9. /255, unpad, clamp
    rgb = rgb[:, :, top:top + h, left:left + w]
    return rgb.clamp(0, 1)


MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def norm(x):
    return (x - MEAN.to(x.dtype)) / STD.to(x.dtype)


# --------------------------------------------------------------------------------------------- model

class BasicBlock(nn.Module):
    """torchvision's BasicBlock (names conv1, bn1, conv2, bn2, downsample.0/1)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return F.relu(out + identity)


class ResNetBackbone(nn.Module):
    """HyperIQA's ResNetBackbone (stages + LDA branches) with basic blocks; returns (layer4, target_in_vec)."""

    def __init__(self, layers, width, lda_out, in_chn):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = width
        chans = []
        for i, count in enumerate(layers):
            planes = width * 2 ** i
            blocks = []
            for b in range(count):
                stride = 2 if (b == 0 and i > 0) else 1
                down = None
                if stride != 1 or inplanes != planes:
                    down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
                blocks.append(BasicBlock(inplanes, planes, stride, down))
                inplanes = planes
            setattr(self, "layer%d" % (i + 1), nn.Sequential(*blocks))
            chans.append(planes)
        mids = [lda_out, lda_out * 2, lda_out * 4]
        grids = [8, 4, 2]
        for i in range(3):
            setattr(self, "lda%d_pool" % (i + 1),
                    nn.Sequential(nn.Conv2d(chans[i], mids[i], 1, 1, 0, bias=False), nn.AvgPool2d(7, stride=7)))
            setattr(self, "lda%d_fc" % (i + 1), nn.Linear(mids[i] * grids[i] ** 2, lda_out))
        self.lda4_pool = nn.AvgPool2d(7, stride=7)
        self.lda4_fc = nn.Linear(chans[3], in_chn - lda_out * 3)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layer1(x)
        lda1 = self.lda1_fc(self.lda1_pool(x).view(x.size(0), -1))
        x = self.layer2(x)
        lda2 = self.lda2_fc(self.lda2_pool(x).view(x.size(0), -1))
        x = self.layer3(x)
        lda3 = self.lda3_fc(self.lda3_pool(x).view(x.size(0), -1))
        x = self.layer4(x)
        lda4 = self.lda4_fc(self.lda4_pool(x).view(x.size(0), -1))
        return x, torch.cat((lda1, lda2, lda3, lda4), 1)


def target_fc(inp, weight, bias):
    """The official TargetFC: per-image weights [N, fout, fin, 1, 1] applied by a grouped 1x1 conv."""
    n = inp.shape[0]
    out = F.conv2d(inp.view(1, n * inp.shape[1], 1, 1),
                   weight.reshape(n * weight.shape[1], weight.shape[2], 1, 1),
                   bias.reshape(n * bias.shape[1]), groups=n)
    return out.view(n, weight.shape[1], 1, 1)


class TinyHyperIQA(nn.Module):
    """HyperNet + TargetNet of the official HyperIQA, sized by the arguments; returns scores [N]."""

    def __init__(self, layers=(1, 1, 1, 1), width=8, lda_out=16, hyper_in=112, target_in=224,
                 fcs=(112, 56, 28, 14), feature_size=7):
        super().__init__()
        self.hyper_in, self.target_in, self.fcs, self.fs = hyper_in, target_in, list(fcs), feature_size
        self.res = ResNetBackbone(list(layers), width, lda_out, target_in)
        last = width * 8
        self.conv1 = nn.Sequential(nn.Conv2d(last, 1024, 1), nn.ReLU(),
                                   nn.Conv2d(1024, 512, 1), nn.ReLU(),
                                   nn.Conv2d(512, hyper_in, 1), nn.ReLU())
        sizes = [target_in] + list(fcs)
        for i in range(4):
            setattr(self, "fc%dw_conv" % (i + 1), nn.Conv2d(hyper_in, sizes[i] * sizes[i + 1] // feature_size ** 2, 3, padding=1))
            setattr(self, "fc%db_fc" % (i + 1), nn.Linear(hyper_in, sizes[i + 1]))
        self.fc5w_fc = nn.Linear(hyper_in, fcs[3])
        self.fc5b_fc = nn.Linear(hyper_in, 1)

    def forward(self, img):
        feat, vec = self.res(img)
        n = img.shape[0]
        fs = self.fs
        hyper = self.conv1(feat).view(-1, self.hyper_in, fs, fs)
        pooled = F.adaptive_avg_pool2d(hyper, 1).view(n, self.hyper_in)
        sizes = [self.target_in] + self.fcs
        q = vec.view(n, self.target_in, 1, 1)
        for i in range(4):
            w = getattr(self, "fc%dw_conv" % (i + 1))(hyper).view(-1, sizes[i + 1], sizes[i], 1, 1)
            b = getattr(self, "fc%db_fc" % (i + 1))(pooled).view(-1, sizes[i + 1])
            q = torch.sigmoid(target_fc(q, w, b))
        w5 = self.fc5w_fc(pooled).view(-1, 1, self.fcs[3], 1, 1)
        b5 = self.fc5b_fc(pooled).view(-1, 1)
        return target_fc(q, w5, b5).view(n)


def formula_values(k, shape, kind):
    """The deterministic weight formula (see the module docstring) for sorted-key index k."""
    count = int(np.prod(shape)) if len(shape) else 1
    i = np.arange(count, dtype=np.uint64)
    h = (i * np.uint64(2654435761) + np.uint64((k + 1) * 40503)) & np.uint64(0xFFFFFFFF)
    u = (h >> np.uint64(16)).astype(np.float64) / 65536.0 - 0.5
    if kind == "bn.weight":
        v = 1 + 0.2 * u
    elif kind in ("bn.bias", "bn.running_mean", "bias"):
        v = 0.2 * u
    elif kind == "bn.running_var":
        v = 1 + 0.5 * u
    else:
        fan_in = shape[1] * int(np.prod(shape[2:]))
        v = u * 2 * math.sqrt(6.0 / fan_in)
    return torch.from_numpy(v.astype(np.float32)).reshape(shape)


def fill_formula_weights(model):
    state = model.state_dict()
    keys = sorted(k for k in state if not k.endswith("num_batches_tracked"))
    new = {}
    listing = []
    for k, key in enumerate(keys):
        prefix, leaf = key.rsplit(".", 1)
        shape = tuple(state[key].shape)
        if prefix + ".running_mean" in state:
            kind = "bn." + leaf
        elif len(shape) >= 2:
            kind = "weight"
        else:
            kind = "bias"
        new[key] = formula_values(k, shape, kind)
        if key.startswith("fc5w_fc."):
            new[key] = new[key] * HEAD_GAIN                                # exact: a power of two
        listing.append((k, key, shape, kind))
    model.load_state_dict(new, strict=False)
    return listing


# -------------------------------------------------------------------------------------------- images

def make_image(n):
    y = np.arange(IMAGE_H, dtype=np.int64)[:, None, None]
    x = np.arange(IMAGE_W, dtype=np.int64)[None, :, None]
    c = np.arange(3, dtype=np.int64)[None, None, :]
    v = (37 * n + 3 * x + 2 * y + 60 * c + ((x * y) % 23)) % 256          # [H, W, 3]
    return torch.from_numpy(v.transpose(2, 0, 1).astype(np.float32)) / 255


def crop_batch(images, idx, i, j, flip):
    out = []
    for n in idx:
        img = images[n]
        if flip:
            img = torch.flip(img, dims=[2])                                  # hflip the full image first
        out.append(img[:, i:i + 224, j:j + 224])
    return torch.stack(out).contiguous()


# ------------------------------------------------------------------------------------------- search

def search_case(model, batches, t0):
    """Runs the batches in order from t0; returns t after each batch, per-step loss, pixel MSE and
    score MSE, and the gradient of the very first step (batch 0, t = t0)."""
    t = t0.clone()
    afters, losses, mses, score_mses, grad0 = [], [], [], [], None
    for x in batches:
        with torch.no_grad():
            pred = model(norm(x))
        t_adv = t.detach().clone().requires_grad_(True)
        opt = torch.optim.Adam([t_adv], lr=1)
        bl, bm, bs = [], [], []
        for _ in range(STEPS):
            opt.zero_grad()
            x_adv = add_trigger(x, t_adv)
            pixel = F.mse_loss(x_adv, x)
            score = F.mse_loss(model(norm(x_adv)), pred)
            loss = -score + LAMBDA * max(pixel, EPSILON ** 2)
            loss.backward()
            if grad0 is None:
                grad0 = t_adv.grad.detach().clone()
            opt.step()
            bl.append(loss.item())
            bm.append(pixel.item())
            bs.append(score.item())
        t = t_adv.detach().clone()
        afters.append(t)
        losses.append(bl)
        mses.append(bm)
        score_mses.append(bs)
    f32 = lambda rows: torch.tensor(rows, dtype=torch.float32)
    return {"after": torch.stack(afters), "loss": f32(losses), "pixel_mse": f32(mses),
            "score_mse": f32(score_mses), "grad0": grad0}


def initial_triggers():
    torch.manual_seed(919)
    official = torch.zeros(3, 64).uniform_(-300, 300)
    torch.manual_seed(7)
    small = torch.zeros(3, 64).uniform_(-20, 20)
    torch.manual_seed(919)
    large = torch.zeros(3, 64).uniform_(-600, 600)
    return [("official", official), ("small", small), ("large", large)]


def main():
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)

    model = TinyHyperIQA()
    listing = fill_formula_weights(model)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    model64 = copy.deepcopy(model).double()       # only for the conditioning check below
    total = sum(int(np.prod(s)) for _, _, s, kind in listing if not kind.startswith("bn.running"))
    print("state_dict keys (sorted, without num_batches_tracked): %d" % len(listing))
    for k, key, shape, kind in listing:
        print("  %3d %-40s %-18s %s" % (k, key, list(shape), kind))
    print("parameters (excluding running stats): %d; with running stats: %d"
          % (total, sum(int(np.prod(s)) for _, _, s, _ in listing)))

    images = [make_image(n) for n in range(4)]
    batches = [crop_batch(images, idx, i, j, f) for idx, (i, j, f) in zip(BATCH_IMAGES, CROPS)]
    with torch.no_grad():
        clean = torch.stack([model(norm(x)) for x in batches])
        zero = max((add_trigger(x, torch.zeros(3, 64)) - x).abs().max().item() for x in batches)
    print("clean scores:", clean.tolist())
    print("add_trigger(x, 0) round trip: max |x_adv - x| = %.3g" % zero)

    out = {}
    for name, t0 in initial_triggers():
        r = search_case(model, batches, t0)
        out[name + "_t0"] = t0
        for key in ("after", "loss", "pixel_mse", "score_mse", "grad0"):
            out[name + "_" + key] = r[key]
        after, loss, mse = r["after"], r["loss"], r["pixel_mse"]
        move = (after[-1] - t0).abs()
        print("%s:" % name)
        print("  loss first %.9g last %.9g; score MSE first %.6g last %.6g"
              % (loss[0, 0].item(), loss[-1, -1].item(), r["score_mse"][0, 0].item(), r["score_mse"][-1, -1].item()))
        print("  pixel MSE first %.6g last %.6g, min %.6g max %.6g (eps^2 = %.6g)"
              % (mse[0, 0].item(), mse[-1, -1].item(), mse.min().item(), mse.max().item(), EPSILON ** 2))
        print("  max |t_after - t0| %.6g = %.4g of max |t0| %.6g; max element-relative change %.6g (min |t0| %.6g)"
              % (move.max().item(), (move.max() / t0.abs().max()).item(), t0.abs().max().item(),
                 (move / t0.abs()).max().item(), t0.abs().min().item()))
        g = r["grad0"].abs()
        print("  first gradient |g|: max %.3g median %.3g min %.3g (Adam eps 1e-8)"
              % (g.max().item(), g.median().item(), g.min().item()))
        # Conditioning: the same search in float64. The spread is what a float32 re-implementation
        # can be expected to match.
        r64 = search_case(model64, [x.double() for x in batches], t0.double())
        d = (after.double() - r64["after"]).abs()
        dg = (r["grad0"].double() - r64["grad0"]).abs()
        print("  float32 vs float64: t after max abs diff %.3g = %.3g of max |t|, max element-relative %.3g;"
              " first gradient max diff %.3g of max |g|"
              % (d.max().item(), (d.max() / r64["after"].abs().max()).item(), (d / r64["after"].abs()).max().item(),
                 (dg.max() / r64["grad0"].abs().max()).item()))
        if name == "small":
            assert bool((mse < EPSILON ** 2).all())
            print("  all pixel MSEs below eps^2: hinge inactive, only the model term has a gradient")
        if name == "large":
            assert bool((mse > 1.05 * EPSILON ** 2).all())
            print("  all pixel MSEs above 1.05 eps^2: hinge active throughout")

    out["clean_scores"] = clean
    out["crop_ijf"] = torch.tensor([[i, j, int(f)] for i, j, f in CROPS], dtype=torch.int64)
    out["batch_images"] = torch.tensor(BATCH_IMAGES, dtype=torch.int64)
    out["image_hw"] = torch.tensor([IMAGE_H, IMAGE_W], dtype=torch.int64)
    out["epsilon"] = torch.tensor(EPSILON, dtype=torch.float64)

    path = os.path.join(HERE, OUT)
    torch.save(out, path)
    size = os.path.getsize(path)
    print("%-22s %7d bytes" % (OUT, size))
    assert size < 200 * 1024, OUT


if __name__ == "__main__":
    main()
