#!/usr/bin/env python3
"""Export WideResNet50-2 layers 1-3 (the saliency features of SAA+) to ONNX for saa-flink.

NOT run in this repository (no model hub is reachable from its machines): run it where download.pytorch.org is
reachable, then copy the output folder next to the job. Contract and background: models/README.md, section
"WideResNet50"; reference saa-plus-reference.md sections 4 and 9.

What it writes into --out:
    wideresnet50.onnx          input [B,3,H,W] -> layer1 [B,256,H/4,W/4], layer2 [B,512,H/8,W/8],
                               layer3 [B,1024,H/16,W/16]; batch, height and width dynamic
    wideresnet50.properties    the saa-flink model manifest (dev.saaflink.models.store.ModelManifest): file, sha256,
                               bytes, input.size (256, single-instance saliency), input.multiInstanceSize (1024,
                               multi-instance saliency), input.colorOrder, input.mean / input.std on the 0..255 scale,
                               tensor names, weights and version
Configure the job with
    saliencyFeatures: {type: wideresnet50, model: <out>/wideresnet50.properties}

The network is torchvision's wide_resnet50_2 with IMAGENET1K_V1 weights, cut after layer3: conv1, bn1, relu,
maxpool, layer1, layer2, layer3 (eval mode, so batch norm uses its running statistics). The outputs are the raw
post-ReLU block outputs; the Java side does the rest as the reference does (nearest upsampling of layers 2 and 3 to
layer 1's size, concatenation to 1792 channels, L2 normalisation per position), so nothing of that is in the graph.
SAA+ takes the features from timm (features_only, out_indices (1, 2, 3)); timm releases before 0.9 loaded the same
torchvision checkpoint (wide_resnet50_2-95faca4d.pth) for pretrained=True.

Requirements:
    pip install torch torchvision onnx onnxruntime
Example:
    python export_wideresnet50.py --out wrn50
    python export_wideresnet50.py --out wrn50-random --random-weights   # contract fixture, NOT a pretrained model
"""

import argparse
import hashlib
import os

import numpy as np
import torch
from torch import nn
import torchvision
from torchvision.models import Wide_ResNet50_2_Weights, wide_resnet50_2

# torchvision's ImageNet normalisation (transforms of IMAGENET1K_V1: mean (0.485, 0.456, 0.406), std (0.229, 0.224,
# 0.225) on the 0..1 scale), written to the manifest on the 0..255 scale the Java pre-processing uses. The Java side
# reads them from the manifest only.
WEIGHTS = Wide_ResNet50_2_Weights.IMAGENET1K_V1
MEAN_01 = (0.485, 0.456, 0.406)
STD_01 = (0.229, 0.224, 0.225)
SINGLE_INSTANCE_SIZE = 256     # reference §9.2: the frame resized to 256x256 -> 64x64 features
MULTI_INSTANCE_SIZE = 1024     # reference §9.3: 1024x1024 -> 256x256 features
INPUT = "input"
OUTPUTS = ["layer1", "layer2", "layer3"]


class Layers123(nn.Module):
    """wide_resnet50_2 up to layer3, returning the three block outputs."""

    def __init__(self, net):
        super().__init__()
        self.stem = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool)
        self.layer1 = net.layer1
        self.layer2 = net.layer2
        self.layer3 = net.layer3

    def forward(self, x):
        l1 = self.layer1(self.stem(x))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return l1, l2, l3


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def check(onnx_path, model, sizes, batch=2, tolerance=1e-3):
    """ONNX Runtime against PyTorch at every size (and batch > 1); refuses an export that disagrees."""
    import onnxruntime as ort

    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    if names != OUTPUTS:
        raise SystemExit("export has outputs %s, expected %s" % (names, OUTPUTS))
    torch.manual_seed(0)
    for size in sizes:
        x = torch.randn(batch, 3, size, size)
        with torch.no_grad():
            expected = [t.numpy() for t in model(x)]
        actual = session.run(None, {INPUT: x.numpy()})
        for name, e, a in zip(OUTPUTS, expected, actual):
            if e.shape != a.shape:
                raise SystemExit("%s at %d: shape %s, PyTorch %s" % (name, size, a.shape, e.shape))
            err = float(np.max(np.abs(e - a)) / max(1.0, float(np.max(np.abs(e)))))
            print("  %s at %dx%d, batch %d: shape %s, max relative error %.2e" % (name, size, size, batch,
                                                                                  list(a.shape), err))
            if err > tolerance:
                raise SystemExit("%s at %d differs from PyTorch (%.2e > %.0e); export refused" % (name, size, err,
                                                                                                   tolerance))


def write_manifest(path, model_id, onnx_file, weights_tag):
    onnx_path = os.path.join(os.path.dirname(path), onnx_file)
    lines = [
        "# saa-flink model manifest written by models/export/export_wideresnet50.py; see models/README.md",
        "id=" + model_id,
        "version=torchvision-%s/%s/opset%d" % (torchvision.__version__, weights_tag, ARGS.opset),
        "weights=" + weights_tag,
        "file=" + onnx_file,
        "sha256=" + sha256(onnx_path),
        "bytes=" + str(os.path.getsize(onnx_path)),
        "# Square input of the single-instance saliency (reference 9.2) and of the multi-instance one (9.3).",
        "input.size=%d" % ARGS.size,
        "input.multiInstanceSize=%d" % ARGS.multi_size,
        "# The order the network was trained on; the job swaps channels itself when algorithm.samBgrQuirk is set",
        "# (the reference feeds OpenCV's BGR array as if it were RGB).",
        "input.colorOrder=RGB",
        "# (v - mean) / std per channel, v on the 0..255 scale.",
        "input.mean=%s" % ",".join(repr(round(m * 255, 6)) for m in MEAN_01),
        "input.std=%s" % ",".join(repr(round(s * 255, 6)) for s in STD_01),
        "inputs=" + INPUT,
        "outputs=" + ",".join(OUTPUTS),
    ]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--size", type=int, default=SINGLE_INSTANCE_SIZE, help="input.size (default 256)")
    p.add_argument("--multi-size", type=int, default=MULTI_INSTANCE_SIZE,
                   help="input.multiInstanceSize (default 1024)")
    p.add_argument("--random-weights", action="store_true",
                   help="random weights (a contract fixture for tests; never a pretrained model)")
    p.add_argument("--skip-check", action="store_true", help="do not compare ONNX Runtime with PyTorch")
    ARGS = p.parse_args()
    for s in (ARGS.size, ARGS.multi_size):
        if s <= 0 or s % 16:
            raise SystemExit("sizes must be positive multiples of 16 (layer3 has stride 16), got %d" % s)

    os.makedirs(ARGS.out, exist_ok=True)
    if ARGS.random_weights:
        torch.manual_seed(0)
        net = wide_resnet50_2(weights=None)
        weights_tag, model_id = "random", "torchvision/wide_resnet50_2-random-layer1-3"
    else:
        net = wide_resnet50_2(weights=WEIGHTS)
        weights_tag, model_id = WEIGHTS.name, "torchvision/wide_resnet50_2-%s-layer1-3" % WEIGHTS.name
        mean, std = WEIGHTS.transforms().mean, WEIGHTS.transforms().std
        if tuple(round(v, 3) for v in mean) != MEAN_01 or tuple(round(v, 3) for v in std) != STD_01:
            raise SystemExit("torchvision's transforms for %s use mean %s std %s, not ImageNet's" % (WEIGHTS, mean, std))
    model = Layers123(net).eval()

    onnx_file = "wideresnet50.onnx"
    onnx_path = os.path.join(ARGS.out, onnx_file)
    dummy = torch.zeros(1, 3, ARGS.size, ARGS.size)
    axes = {INPUT: {0: "batch", 2: "height", 3: "width"}}
    for i, name in enumerate(OUTPUTS):
        stride = 4 * 2 ** i
        axes[name] = {0: "batch", 2: "height_%d" % stride, 3: "width_%d" % stride}
    with torch.no_grad():
        torch.onnx.export(model, (dummy,), onnx_path, input_names=[INPUT], output_names=OUTPUTS,
                          dynamic_axes=axes, opset_version=ARGS.opset, do_constant_folding=True)
    print("wrote %s (%d bytes)" % (onnx_path, os.path.getsize(onnx_path)))

    if not ARGS.skip_check:
        check(onnx_path, model, sorted({ARGS.size, ARGS.multi_size}))

    manifest = os.path.join(ARGS.out, "wideresnet50.properties")
    write_manifest(manifest, model_id, onnx_file, weights_tag)
    print("wrote %s" % manifest)
    print("configure: saliencyFeatures: {type: wideresnet50, model: %s}" % os.path.abspath(manifest))


if __name__ == "__main__":
    main()
