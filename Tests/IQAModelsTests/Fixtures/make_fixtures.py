#!/usr/bin/python3
"""Generates the PyTorch reference fixtures for IQAModelsTests (DBCNNTests, TReSTests).

Run once with a Python that has torch (Debian's /usr/bin/python3 with torch 1.13 was used):
    /usr/bin/python3 Tests/IQAModelsTests/Fixtures/make_fixtures.py
The .pt files are committed; the tests never call Python.

The models below are small PyTorch re-implementations of the BAIQA code's DBCNN and TReS (`Net`)
classes, structured and named as the official modules (features1/features2/fc; L2pooling_l*/model/
transformer/fc2/fc) and using PyTorch's own building blocks where the Swift port writes its own
(nn.MultiheadAttention, nn.LayerNorm, F.normalize, F.upsample_bilinear, grouped F.conv2d), at tiny
sizes so the files stay small. All weights come from torch.manual_seed(0); BatchNorm layers get random
affine terms and running statistics, attention biases random values (PyTorch initialises them to 0,
which would hide a q/k/v split error). Outputs are taken in eval mode.

dbcnn_tiny_state.pt   state_dict of DBCNN(vgg widths [4,4,8,8,8], SCNN channels [4,4,6,6,6,6,8,8,8])
dbcnn_tiny_io.pt      {"input" [2,3,40,40], "pooled" [2,64] (bilinear pooling + sqrt + L2), "output" [2]}
                      (VGG gives 2x2 maps, SCNN 3x3: the bilinear resize path is taken)
tres_tiny_backbone.pt the model.* entries of TReS's state_dict (ResNet, basic blocks [1,1,1,1], width 4,
                      10-class model.fc)
tres_tiny_head.pt     the other entries (L2pooling_l*.filter, transformer.*, fc2.*, fc.*): d_model 60,
                      4 heads, FFN 16, 2 pre-norm layers, token grid 2
tres_tiny_io.pt       {"input" [2,3,64,64], "tokens" [2,60,2,2] (pooled stages), "output" [2]}
tres_parts.pt         {"mha.*" nn.MultiheadAttention(32, 4) state, "mha_query" [2,5,32], "mha_key" [2,6,32],
                      "mha_value" [2,6,32], "mha_output" [2,5,32] (batch-first; PyTorch ran it sequence-first),
                      "pos_3x4" PositionEmbeddingSine(16, normalize=True) on a 3x4 grid [1,32,3,4],
                      "pos_7x7" the same with 32 features per axis on 7x7 [1,64,7,7],
                      "l2pool_input" [2,4,5,5], "l2pool_output" [2,4,5,5]}
"""
import copy
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------- DBCNN

def vgg16_features(widths):
    """torchvision's vgg16().features layout (configuration D) with the given stage widths."""
    layers, cin = [], 3
    for width, count in zip(widths, [2, 2, 3, 3, 3]):
        for _ in range(count):
            layers += [nn.Conv2d(cin, width, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
            cin = width
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


def scnn_features(channels, strides):
    layers, cin = [], 3
    for cout, stride in zip(channels, strides):
        layers += [nn.Conv2d(cin, cout, 3, stride, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        cin = cout
    return nn.Sequential(*layers)


class DBCNN(nn.Module):
    def __init__(self, vgg_widths, scnn_channels, scnn_strides):
        super().__init__()
        self.features1 = nn.Sequential(*list(vgg16_features(vgg_widths).children())[:-1])
        self.features2 = scnn_features(scnn_channels, scnn_strides)
        self.c1, self.c2 = vgg_widths[-1], scnn_channels[-1]
        self.fc = nn.Linear(self.c1 * self.c2, 1)

    def pooled(self, X):
        N = X.size()[0]
        X1 = self.features1(X)
        H, W = X1.size()[2], X1.size()[3]
        X2 = self.features2(X)
        if (H != X2.size()[2]) | (W != X2.size()[3]):
            X2 = F.upsample_bilinear(X2, (H, W))
        X1 = X1.view(N, self.c1, H * W)
        X2 = X2.view(N, self.c2, H * W)
        X = torch.bmm(X1, torch.transpose(X2, 1, 2)) / (H * W)
        X = X.view(N, self.c1 * self.c2)
        X = torch.sqrt(X + 1e-8)
        return F.normalize(X)

    def forward(self, X):
        return self.fc(self.pooled(X))


# ----------------------------------------------------------------------------------------------- TReS

class BasicBlock(nn.Module):
    """torchvision's BasicBlock (names conv1, bn1, conv2, bn2, downsample.0/1)."""

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNetStages(nn.Module):
    """A torchvision-named ResNet of basic blocks that returns (out, layer1, layer2, layer3, layer4),
    as the official `resnet_modify` does."""

    def __init__(self, layers, width, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        inplanes = width
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
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        l1 = self.layer1(x)
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        l4 = self.layer4(l3)
        out = self.fc(torch.flatten(self.avgpool(l4), 1))
        return out, l1, l2, l3, l4


class L2pooling(nn.Module):
    def __init__(self, filter_size=5, stride=1, channels=None):
        super().__init__()
        self.padding = (filter_size - 2) // 2
        self.stride = stride
        self.channels = channels
        a = np.hanning(filter_size)[1:-1]
        g = torch.Tensor(a[:, None] * a[None, :])
        g = g / torch.sum(g)
        self.register_buffer("filter", g[None, None, :, :].repeat((self.channels, 1, 1, 1)))

    def forward(self, input):
        input = input ** 2
        out = F.conv2d(input, self.filter, stride=self.stride, padding=self.padding, groups=input.shape[1])
        return (out + 1e-12).sqrt()


class TransformerEncoderLayer(nn.Module):
    """DETR's encoder layer (pre-norm path), with PyTorch's nn.MultiheadAttention."""

    def __init__(self, d_model, nhead, dim_feedforward, dropout):
        super().__init__()
        self.self_attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.dropout = nn.Dropout(dropout)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.dropout1 = nn.Dropout(dropout)
        self.dropout2 = nn.Dropout(dropout)

    def forward(self, src, pos):
        src2 = self.norm1(src)
        q = k = src2 + pos
        src2 = self.self_attn(q, k, value=src2)[0]
        src = src + self.dropout1(src2)
        src2 = self.norm2(src)
        src2 = self.linear2(self.dropout(F.relu(self.linear1(src2))))
        return src + self.dropout2(src2)


class TransformerEncoder(nn.Module):
    def __init__(self, layer, num_layers, norm):
        super().__init__()
        self.layers = nn.ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.norm = norm

    def forward(self, src, pos):
        output = src
        for layer in self.layers:
            output = layer(output, pos)
        return self.norm(output)


class Transformer(nn.Module):
    def __init__(self, d_model, nhead, num_encoder_layers, dim_feedforward, dropout):
        super().__init__()
        layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout)
        self.encoder = TransformerEncoder(layer, num_encoder_layers, nn.LayerNorm(d_model))
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def forward(self, src, pos_embed):
        bs, c, h, w = src.shape
        src = src.flatten(2).permute(2, 0, 1)
        pos_embed = pos_embed.flatten(2).permute(2, 0, 1)
        memory = self.encoder(src, pos_embed)
        return memory.permute(1, 2, 0).view(bs, c, h, w)


class PositionEmbeddingSine(nn.Module):
    def __init__(self, num_pos_feats, temperature=10000, normalize=True, scale=None):
        super().__init__()
        self.num_pos_feats = num_pos_feats
        self.temperature = temperature
        self.normalize = normalize
        self.scale = 2 * math.pi if scale is None else scale

    def forward(self, x):
        not_mask = torch.ones(x.shape[0], x.shape[2], x.shape[3])
        y_embed = not_mask.cumsum(1, dtype=torch.float32)
        x_embed = not_mask.cumsum(2, dtype=torch.float32)
        if self.normalize:
            eps = 1e-6
            y_embed = y_embed / (y_embed[:, -1:, :] + eps) * self.scale
            x_embed = x_embed / (x_embed[:, :, -1:] + eps) * self.scale
        dim_t = torch.arange(self.num_pos_feats, dtype=torch.float32)
        dim_t = self.temperature ** (2 * (dim_t // 2) / self.num_pos_feats)
        pos_x = x_embed[:, :, :, None] / dim_t
        pos_y = y_embed[:, :, :, None] / dim_t
        pos_x = torch.stack((pos_x[:, :, :, 0::2].sin(), pos_x[:, :, :, 1::2].cos()), dim=4).flatten(3)
        pos_y = torch.stack((pos_y[:, :, :, 0::2].sin(), pos_y[:, :, :, 1::2].cos()), dim=4).flatten(3)
        return torch.cat((pos_y, pos_x), dim=3).permute(0, 3, 1, 2)


class TReS(nn.Module):
    """The BAIQA code's Net (TReS variant), prediction only; stages pooled adaptively to grid x grid."""

    def __init__(self, layers, width, classes, nhead, num_layers, dim_feedforward, grid):
        super().__init__()
        chans = [width * 2 ** i for i in range(4)]
        for i, c in enumerate(chans):
            setattr(self, "L2pooling_l%d" % (i + 1), L2pooling(channels=c))
        self.model = ResNetStages(layers, width, classes)
        self.dim_modelt = sum(chans)
        self.transformer = Transformer(self.dim_modelt, nhead, num_layers, dim_feedforward, 0.5)
        self.position_embedding = PositionEmbeddingSine(self.dim_modelt // 2, normalize=True)
        self.fc2 = nn.Linear(self.dim_modelt, chans[3])
        self.fc = nn.Linear(chans[3] * 2, 1)
        self.drop2d = nn.Dropout(p=0.1)
        self.grid = grid

    def tokens(self, stages):
        out = []
        for i, layer in enumerate(stages):
            t = self.drop2d(getattr(self, "L2pooling_l%d" % (i + 1))(F.normalize(layer, dim=1, p=2)))
            out.append(F.adaptive_avg_pool2d(t, self.grid))
        return torch.cat(out, dim=1)

    def forward(self, x):
        g = self.grid
        pos = self.position_embedding(torch.ones(1, self.dim_modelt, g, g)).repeat(x.shape[0], 1, 1, 1)
        _, l1, l2, l3, l4 = self.model(x)
        layers = self.tokens([l1, l2, l3, l4])
        out_t_c = self.transformer(layers, pos)
        out_t_o = self.fc2(torch.flatten(F.adaptive_avg_pool2d(out_t_c, 1), start_dim=1))
        layer4_o = torch.flatten(F.adaptive_avg_pool2d(l4, 1), start_dim=1)
        return self.fc(torch.cat((out_t_o, layer4_o), dim=1)), layers


# ---------------------------------------------------------------------------------------------- helpers

def randomise(module):
    """Random BatchNorm statistics and affine terms, random LayerNorm affine terms and attention biases."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.num_batches_tracked.fill_(7)
            elif isinstance(m, nn.LayerNorm):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
            elif isinstance(m, nn.MultiheadAttention):
                m.in_proj_bias.uniform_(-0.3, 0.3)
                m.out_proj.bias.uniform_(-0.3, 0.3)


def save(obj, name):
    path = os.path.join(HERE, name)
    torch.save(obj, path)
    size = os.path.getsize(path)
    print("%-22s %7d bytes" % (name, size))
    assert size < 200 * 1024, name


def main():
    torch.manual_seed(0)

    # DBCNN
    dbcnn = DBCNN([4, 4, 8, 8, 8], [4, 4, 6, 6, 6, 6, 8, 8, 8], [1, 2, 1, 2, 1, 2, 1, 1, 2])
    randomise(dbcnn)
    dbcnn.eval()
    x = torch.rand(2, 3, 40, 40) * 4 - 2
    with torch.no_grad():
        pooled = dbcnn.pooled(x)
        y = dbcnn.fc(pooled).squeeze(1)
    save(dbcnn.state_dict(), "dbcnn_tiny_state.pt")
    save({"input": x, "pooled": pooled, "output": y}, "dbcnn_tiny_io.pt")
    print("dbcnn output:", y.tolist())

    # TReS
    tres = TReS([1, 1, 1, 1], 4, 10, nhead=4, num_layers=2, dim_feedforward=16, grid=2)
    randomise(tres)
    tres.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        y, tokens = tres(x)
    state = tres.state_dict()
    save({k: v for k, v in state.items() if k.startswith("model.")}, "tres_tiny_backbone.pt")
    save({k: v for k, v in state.items() if not k.startswith("model.")}, "tres_tiny_head.pt")
    save({"input": x, "tokens": tokens, "output": y.squeeze(1)}, "tres_tiny_io.pt")
    print("tres keys:", len(state), "output:", y.squeeze(1).tolist())

    # Parts: multi-head attention, sine position encoding, L2 pooling.
    mha = nn.MultiheadAttention(32, 4)
    randomise(mha)
    mha.eval()
    q, k, v = torch.randn(2, 5, 32), torch.randn(2, 6, 32), torch.randn(2, 6, 32)
    with torch.no_grad():
        out = mha(q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1))[0].transpose(0, 1)
    parts = {"mha." + name: t for name, t in mha.state_dict().items()}
    parts.update({"mha_query": q, "mha_key": k, "mha_value": v, "mha_output": out.contiguous()})
    parts["pos_3x4"] = PositionEmbeddingSine(16)(torch.ones(1, 32, 3, 4))
    parts["pos_7x7"] = PositionEmbeddingSine(32)(torch.ones(1, 64, 7, 7))
    li = torch.randn(2, 4, 5, 5)
    parts["l2pool_input"] = li
    parts["l2pool_output"] = L2pooling(channels=4)(li)
    save(parts, "tres_parts.pt")


if __name__ == "__main__":
    main()
