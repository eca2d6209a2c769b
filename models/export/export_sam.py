#!/usr/bin/env python3
"""Export SAM ViT-H / ViT-L / ViT-B (image encoder + prompt encoder/mask decoder with ALL mask tokens) for saa-flink.

NOT run in this repository (no model hub is reachable from its machines): run it where the public segment-anything
checkpoints can be downloaded, then copy the output folder next to the job. Contract and background: models/README.md,
section "SAM ViT-H / ViT-B"; reference saa-plus-reference.md (SAM parts).

What it writes into --out (NAME = sam-<model-type>, e.g. sam-vit_h):
    NAME-encoder.onnx          image [B,3,1024,1024] float32 -> image_embeddings [B,256,64,64]; batch dynamic.
                               The image is what SAM's own pre-processing gives: RGB resized so the longest side is
                               1024 (Pillow bilinear), (v - pixel_mean) / pixel_std per channel on the 0..255 scale,
                               zero-padded bottom/right to 1024x1024.
    NAME-encoder.onnx.data     the encoder's weights as ONNX external data (always for vit_h, whose 2.5 GB exceed
                               protobuf's 2 GB; for the others with --external-data). ONNX Runtime finds it next to
                               the graph because saa-flink opens the graph from its path.
    NAME-decoder.onnx          SAM's prompt encoder + mask decoder as segment_anything.utils.onnx.SamOnnxModel exports
                               it with return_single_mask=False: inputs image_embeddings [1,256,64,64],
                               point_coords [1,N,2], point_labels [1,N] (N dynamic), mask_input [1,1,256,256],
                               has_mask_input [1], orig_im_size [2]; outputs masks [1,4,H,W] (logits at the original
                               size), iou_predictions [1,4], low_res_masks [1,4,256,256], in mask-token order.
                               SAA+ calls SAM with multimask_output=False, i.e. token 0 = channel 0. NOT exported with
                               --return-single-mask: that selection picks the best of tokens 1..3 for a box.
    NAME-encoder.properties,   the saa-flink model manifests (dev.saaflink.models.store.ModelManifest): id, version,
    NAME-decoder.properties    file, sha256, bytes, input.size, input.colorOrder, input.mean / input.std (encoder,
                               0..255 scale, read from the checkpoint's model), tensor names, externalData.* (encoder),
                               masks.tokens=all (decoder).
Configure the job with
    sam: {type: files, encoder: <out>/NAME-encoder.properties, decoder: <out>/NAME-decoder.properties}

Checks (on the CPU, before the manifests are written; an export that disagrees is refused): one random 480x640 image
through SamPredictor.set_image (PyTorch) and the ONNX encoder; then a box prompt through
SamPredictor.predict(box=..., multimask_output=False, return_logits=True) and through the ONNX decoder's channel 0
(box = two points with labels 2 and 3, no padding point, as saa-flink sends it). ViT-H on a CPU needs about 8 GB of
memory and a minute per pass.

Requirements:
    pip install torch torchvision onnx onnxruntime pillow
    pip install git+https://github.com/facebookresearch/segment-anything.git
Checkpoints (public, from the segment-anything README):
    https://dl.fbaipublicfiles.com/segment_anything/sam_vit_h_4b8939.pth
    https://dl.fbaipublicfiles.com/segment_anything/sam_vit_l_0b3195.pth
    https://dl.fbaipublicfiles.com/segment_anything/sam_vit_b_01ec64.pth
Examples:
    python export_sam.py --model-type vit_h --checkpoint sam_vit_h_4b8939.pth --out sam-vit-h
    python export_sam.py --model-type vit_b --checkpoint sam_vit_b_01ec64.pth --out sam-vit-b
    python export_sam.py --model-type vit_b --random-weights --out sam-vit-b-random   # contract fixture, NOT pretrained
"""

import argparse
import hashlib
import inspect
import os
import shutil
import tempfile
import warnings

import numpy as np
import torch
from torch import nn

from segment_anything import SamPredictor, sam_model_registry
from segment_anything.utils.onnx import SamOnnxModel

ENCODER_INPUT = "image"
ENCODER_OUTPUT = "image_embeddings"
DECODER_INPUTS = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"]
DECODER_OUTPUTS = ["masks", "iou_predictions", "low_res_masks"]
TWO_GB = 2 * 1024 ** 3


class ImageEncoder(nn.Module):
    """sam.image_encoder alone: the input is already resized, normalised and padded (saa-flink does that in Java)."""

    def __init__(self, sam):
        super().__init__()
        self.image_encoder = sam.image_encoder

    def forward(self, image):
        return self.image_encoder(image)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def onnx_export(model, args, path, **kwargs):
    """torch.onnx.export with the TorchScript-based exporter (the one SAM's own export script uses)."""
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        warnings.filterwarnings("ignore", category=UserWarning)
        with torch.no_grad():
            torch.onnx.export(model, args, path, export_params=True, do_constant_folding=True,
                              opset_version=ARGS.opset, **kwargs)


def export_encoder(sam, out_dir, name, external):
    import onnx

    onnx_file = name + "-encoder.onnx"
    data_file = onnx_file + ".data"
    path = os.path.join(out_dir, onnx_file)
    size = sam.image_encoder.img_size
    dummy = torch.zeros(1, 3, size, size)
    # Export into a scratch folder first: for a > 2 GB model the exporter itself writes one external file per
    # tensor; onnx.load gathers them and save_model writes the one .data file the manifest names.
    scratch = tempfile.mkdtemp(prefix="sam-encoder-", dir=out_dir)
    try:
        raw = os.path.join(scratch, onnx_file)
        onnx_export(ImageEncoder(sam).eval(), (dummy,), raw, input_names=[ENCODER_INPUT],
                    output_names=[ENCODER_OUTPUT],
                    dynamic_axes={ENCODER_INPUT: {0: "batch"}, ENCODER_OUTPUT: {0: "batch"}})
        model = onnx.load(raw, load_external_data=True)
        for stale in (path, os.path.join(out_dir, data_file)):
            if os.path.exists(stale):
                os.remove(stale)
        if external:
            onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data_file, size_threshold=1024, convert_attribute=False)
        else:
            onnx.save_model(model, path)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print("wrote %s (%d bytes)%s" % (path, os.path.getsize(path), " + %s (%d bytes)" % (
        data_file, os.path.getsize(os.path.join(out_dir, data_file))) if external else ""))
    return onnx_file, (data_file if external else None)


def export_decoder(sam, out_dir, name):
    onnx_file = name + "-decoder.onnx"
    path = os.path.join(out_dir, onnx_file)
    model = SamOnnxModel(model=sam, return_single_mask=False)  # all mask tokens; SAA+ takes token 0
    embed_dim = sam.prompt_encoder.embed_dim
    embed_size = sam.prompt_encoder.image_embedding_size
    dummy = {
        "image_embeddings": torch.randn(1, embed_dim, *embed_size, dtype=torch.float),
        "point_coords": torch.randint(low=0, high=1024, size=(1, 5, 2), dtype=torch.float),
        "point_labels": torch.randint(low=0, high=4, size=(1, 5), dtype=torch.float),
        "mask_input": torch.randn(1, 1, *[4 * x for x in embed_size], dtype=torch.float),
        "has_mask_input": torch.tensor([1], dtype=torch.float),
        "orig_im_size": torch.tensor([1500, 2250], dtype=torch.float),
    }
    _ = model(**dummy)
    onnx_export(model, tuple(dummy.values()), path, input_names=DECODER_INPUTS, output_names=DECODER_OUTPUTS,
                dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}})
    print("wrote %s (%d bytes)" % (path, os.path.getsize(path)))
    return onnx_file


def relative_error(expected, actual):
    return float(np.max(np.abs(expected - actual)) / max(1.0, float(np.max(np.abs(expected)))))


def check(sam, encoder_path, decoder_path):
    """PyTorch (SamPredictor) against ONNX Runtime on one random image and one box; refuses a mismatch."""
    import onnxruntime as ort

    rng = np.random.RandomState(0)
    h, w = 480, 640
    image = rng.randint(0, 256, size=(h, w, 3), dtype=np.uint8)  # RGB, HWC
    predictor = SamPredictor(sam)
    predictor.set_image(image, image_format="RGB")
    expected_emb = predictor.get_image_embedding().cpu().numpy()

    # The encoder's input, built the way saa-flink builds it: SAM's resize, then (v - mean) / std, then zero pad.
    resized = predictor.transform.apply_image(image)
    x = torch.as_tensor(resized).permute(2, 0, 1).contiguous()[None].float()
    x = sam.preprocess(x).cpu().numpy()
    enc = ort.InferenceSession(encoder_path, providers=["CPUExecutionProvider"])
    if [i.name for i in enc.get_inputs()] != [ENCODER_INPUT] or [o.name for o in enc.get_outputs()] != [ENCODER_OUTPUT]:
        raise SystemExit("encoder tensors differ from the contract")
    emb = enc.run(None, {ENCODER_INPUT: x})[0]
    if emb.shape != expected_emb.shape:
        raise SystemExit("encoder output shape %s, PyTorch %s" % (emb.shape, expected_emb.shape))
    err = relative_error(expected_emb, emb)
    print("  encoder: %s, max relative error %.2e" % (list(emb.shape), err))
    if err > ARGS.tolerance:
        raise SystemExit("encoder differs from PyTorch (%.2e > %.0e); export refused" % (err, ARGS.tolerance))

    box = np.array([120.0, 90.0, 430.0, 360.0])  # x1, y1, x2, y2 in original pixels
    expected_masks, expected_iou, expected_low = predictor.predict(box=box, multimask_output=False,
                                                                   return_logits=True)
    dec = ort.InferenceSession(decoder_path, providers=["CPUExecutionProvider"])
    coords = predictor.transform.apply_coords(box.reshape(2, 2), (h, w)).reshape(1, 2, 2).astype(np.float32)
    outs = dec.run(None, {
        "image_embeddings": expected_emb.astype(np.float32),
        "point_coords": coords,
        "point_labels": np.array([[2, 3]], dtype=np.float32),
        "mask_input": np.zeros((1, 1, 256, 256), dtype=np.float32),
        "has_mask_input": np.zeros(1, dtype=np.float32),
        "orig_im_size": np.array([h, w], dtype=np.float32),
    })
    masks, iou = outs[0], outs[1]
    if masks.ndim != 4 or masks.shape[1] != 4 or masks.shape[2:] != (h, w) or iou.shape != (1, 4):
        raise SystemExit("decoder outputs masks %s, iou_predictions %s; expected [1,4,%d,%d] and [1,4]"
                         % (masks.shape, iou.shape, h, w))
    mask_err = relative_error(expected_masks[0], masks[0, 0])
    iou_err = abs(float(expected_iou[0]) - float(iou[0, 0]))
    disagree = float(np.mean((expected_masks[0] > 0) != (masks[0, 0] > 0)))
    print("  decoder token 0: logits max relative error %.2e, iou %.4f vs %.4f, %.4f%% pixels disagree"
          % (mask_err, float(iou[0, 0]), float(expected_iou[0]), 100 * disagree))
    if mask_err > ARGS.tolerance or iou_err > ARGS.tolerance or disagree > 1e-3:
        raise SystemExit("decoder channel 0 differs from SamPredictor.predict(multimask_output=False); export refused")


def write_manifest(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def common_lines(model_id, version, onnx_file, out_dir):
    onnx_path = os.path.join(out_dir, onnx_file)
    return [
        "# saa-flink model manifest written by models/export/export_sam.py; see models/README.md",
        "id=" + model_id,
        "version=" + version,
        "file=" + onnx_file,
        "sha256=" + sha256(onnx_path),
        "bytes=" + str(os.path.getsize(onnx_path)),
        "# Square model frame: the longest image side is resized to this, the rest padded bottom/right.",
        "input.size=1024",
    ]


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model-type", required=True, choices=["vit_h", "vit_l", "vit_b"])
    p.add_argument("--checkpoint", help="the public segment-anything checkpoint, e.g. sam_vit_h_4b8939.pth")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--opset", type=int, default=17)
    p.add_argument("--external-data", action="store_true",
                   help="write the encoder's weights as external data (always on for vit_h)")
    p.add_argument("--tolerance", type=float, default=1e-3, help="max relative error ONNX Runtime vs PyTorch")
    p.add_argument("--random-weights", action="store_true",
                   help="random weights (a contract fixture for tests; never a pretrained model)")
    p.add_argument("--skip-check", action="store_true", help="do not compare ONNX Runtime with PyTorch")
    ARGS = p.parse_args()
    if bool(ARGS.checkpoint) == bool(ARGS.random_weights):
        raise SystemExit("give either --checkpoint or --random-weights")

    os.makedirs(ARGS.out, exist_ok=True)
    if ARGS.random_weights:
        torch.manual_seed(0)
        sam = sam_model_registry[ARGS.model_type](checkpoint=None)
        weights = "random"
    else:
        sam = sam_model_registry[ARGS.model_type](checkpoint=ARGS.checkpoint)
        weights = os.path.splitext(os.path.basename(ARGS.checkpoint))[0]  # e.g. sam_vit_h_4b8939
    sam = sam.to("cpu").eval()
    if sam.image_encoder.img_size != 1024 or sam.image_format != "RGB":
        raise SystemExit("unexpected SAM build: img_size %d, image_format %s" % (sam.image_encoder.img_size,
                                                                               sam.image_format))
    name = "sam-" + ARGS.model_type
    model_id = "segment-anything/%s%s" % (ARGS.model_type, "-random" if ARGS.random_weights else "")
    version = "segment-anything/%s/torch-%s/opset%d" % (weights, torch.__version__, ARGS.opset)

    n_params = sum(t.numel() for t in sam.image_encoder.parameters())
    external = ARGS.external_data or ARGS.model_type == "vit_h" or 4 * n_params > TWO_GB * 0.9
    encoder_file, data_file = export_encoder(sam, ARGS.out, name, external)
    decoder_file = export_decoder(sam, ARGS.out, name)

    if not ARGS.skip_check:
        check(sam, os.path.join(ARGS.out, encoder_file), os.path.join(ARGS.out, decoder_file))

    mean = [float(v) for v in sam.pixel_mean.flatten()]
    std = [float(v) for v in sam.pixel_std.flatten()]
    enc_lines = common_lines(model_id + "/encoder", version, encoder_file, ARGS.out)
    enc_lines += [
        "weights=" + weights,
        "# The order SAM was trained on; the job swaps channels itself when algorithm.samBgrQuirk is set.",
        "input.colorOrder=RGB",
        "# (v - mean) / std per channel, v on the 0..255 scale (sam.pixel_mean / sam.pixel_std).",
        "input.mean=" + ",".join(repr(round(v, 6)) for v in mean),
        "input.std=" + ",".join(repr(round(v, 6)) for v in std),
        "inputs=" + ENCODER_INPUT,
        "outputs=" + ENCODER_OUTPUT,
    ]
    if data_file:
        data_path = os.path.join(ARGS.out, data_file)
        enc_lines += [
            "# ONNX external data next to the graph (checked like the graph).",
            "externalData.file=" + data_file,
            "externalData.sha256=" + sha256(data_path),
            "externalData.bytes=" + str(os.path.getsize(data_path)),
        ]
    dec_lines = common_lines(model_id + "/decoder", version, decoder_file, ARGS.out)
    dec_lines += [
        "weights=" + weights,
        "inputs=" + ",".join(DECODER_INPUTS),
        "outputs=" + ",".join(DECODER_OUTPUTS),
        "# All four mask tokens in token order (return_single_mask=False); SAA+ uses token 0 = channel 0.",
        "masks.tokens=all",
    ]
    enc_manifest = os.path.join(ARGS.out, name + "-encoder.properties")
    dec_manifest = os.path.join(ARGS.out, name + "-decoder.properties")
    write_manifest(enc_manifest, enc_lines)
    write_manifest(dec_manifest, dec_lines)
    print("wrote %s and %s" % (enc_manifest, dec_manifest))
    print("configure: sam: {type: files, encoder: %s, decoder: %s}" % (os.path.abspath(enc_manifest),
                                                                      os.path.abspath(dec_manifest)))


if __name__ == "__main__":
    main()
