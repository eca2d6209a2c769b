#!/usr/bin/env python3
"""Export GroundingDINO (Swin-T OGC, the model SAA+ uses) to ONNX for saa-flink.

NOT run in this repository (no model hub is reachable from its machines): run it where GitHub and the Hugging Face
hub are reachable, then copy the output folder next to the job. Contract and background: models/README.md, section
"GroundingDINO".

What it writes into --out:
  single layout (default)           split layout (--layout split)
    groundingdino.onnx                  groundingdino-backbone.onnx     image -> multi-scale features
    groundingdino.properties            groundingdino-backbone.properties
    vocab.txt                           groundingdino-head.onnx         features + text -> logits, boxes
                                        groundingdino-head.properties   (the manifest to configure)
                                        vocab.txt
Each .properties file is a saa-flink model manifest (dev.saaflink.models.store.ModelManifest) with the file's
sha256 and size, the fixed model frame, the normalisation, and the tensor names. Configure the job with
    regionGenerator: {type: groundingdino, model: <out>/groundingdino.properties}   (or groundingdino-head.properties)

Requirements (tested API names from the public IDEA-Research/GroundingDINO repository):
    pip install torch torchvision transformers onnx onnxruntime
    pip install git+https://github.com/IDEA-Research/GroundingDINO.git
    wget https://github.com/IDEA-Research/GroundingDINO/releases/download/v0.1.0-alpha/groundingdino_swint_ogc.pth
Example:
    python export_groundingdino.py --config GroundingDINO/groundingdino/config/GroundingDINO_SwinT_OGC.py \
        --checkpoint groundingdino_swint_ogc.pth --camera-size 1024x1024 --out gdino-800x800

Why the image size is fixed: the Swin backbone and the deformable attention trace shape-dependent constants, so
an export with dynamic height/width is unreliable (upstream issues #46, #93, #124, #178, #223, #258). Export once
per camera resolution: --camera-size WxH applies GroundingDINO's own resize rule (shorter side 800, longer side at
most 1333), so the Java side resizes exactly as the reference does. The text length stays dynamic (1..256).
"""

import argparse
import hashlib
import os

import torch
import torch.nn.functional as F
from torch import nn

# The public GroundingDINO package. load_model builds the model from its SLConfig file and loads the checkpoint
# (strict=False, as the reference does); the two helpers below are what the model's own forward uses.
from groundingdino.util.inference import load_model
from groundingdino.util.misc import NestedTensor, inverse_sigmoid
from groundingdino.models.GroundingDINO.bertwarper import generate_masks_with_special_tokens_and_transfer_map

MEAN_255 = (123.675, 116.28, 103.53)   # ImageNet mean (0.485, 0.456, 0.406) on the 0..255 scale
STD_255 = (58.395, 57.12, 57.375)      # ImageNet std (0.229, 0.224, 0.225) on the 0..255 scale
MAX_TEXT_LEN = 256
TEXT_INPUTS = ["input_ids", "attention_mask", "position_ids", "token_type_ids", "text_token_mask"]
NUM_LEVELS = 4  # Swin-T OGC: 3 backbone levels + 1 extra (stride-2 conv on the last one)


def reference_frame(width, height, size=800, max_size=1333):
    """GroundingDINO's T.RandomResize([800], max_size=1333) (torchvision get_size_with_aspect_ratio) -> (w, h)."""
    min_orig, max_orig = float(min(width, height)), float(max(width, height))
    if max_orig / min_orig * size > max_size:
        size = int(round(max_size * min_orig / max_orig))
    if (width <= height and width == size) or (height <= width and height == size):
        return width, height
    if width < height:
        return size, int(size * height / width)
    return int(size * width / height), size


# ------------------------------------------------------------------------------------------------ wrappers
# They repeat GroundingDINO.forward (groundingdino/models/GroundingDINO/groundingdino.py) minus the tokenizer: the
# caption tensors come in as inputs, built in Java exactly as the forward builds them. The image is a batch of one
# without padding, so every mask is all-valid (False = not padded).

def image_features(model, samples):
    """samples [1,3,H,W] -> (srcs, masks, poss) for the NUM_LEVELS feature levels, as the forward computes them."""
    mask = torch.zeros(samples.shape[0], samples.shape[2], samples.shape[3], dtype=torch.bool, device=samples.device)
    nested = NestedTensor(samples, mask)
    features, poss = model.backbone(nested)
    srcs, masks = [], []
    for level, feat in enumerate(features):
        src, m = feat.decompose()
        srcs.append(model.input_proj[level](src))
        masks.append(m)
    poss = list(poss)
    for level in range(len(srcs), model.num_feature_levels):
        src = model.input_proj[level](features[-1].tensors if level == len(features) else srcs[-1])
        m = F.interpolate(mask[None].float(), size=src.shape[-2:]).to(torch.bool)[0]
        poss.append(model.backbone[1](NestedTensor(src, m)).to(src.dtype))
        srcs.append(src)
        masks.append(m)
    return srcs, masks, poss


def text_dict(model, input_ids, attention_mask, position_ids, token_type_ids, text_token_mask):
    """BERT + feat_map with the sub-phrase self-attention mask (sub_sentence_present=True in SwinT OGC)."""
    bert_output = model.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids, position_ids=position_ids)
    encoded_text = model.feat_map(bert_output["last_hidden_state"])
    return {
        "encoded_text": encoded_text,
        "text_token_mask": text_token_mask,
        "position_ids": position_ids,
        "text_self_attention_masks": attention_mask,
    }


def decode(model, srcs, masks, poss, tdict):
    """Transformer + heads; returns (pred_logits [1,900,256], pred_boxes [1,900,4]) of the last decoder layer."""
    hs, reference, _, _, _ = model.transformer(srcs, masks, None, poss, None, None, tdict)
    last = len(hs) - 1
    boxes = (model.bbox_embed[last](hs[last]) + inverse_sigmoid(reference[last])).sigmoid()
    logits = model.class_embed[last](hs[last], tdict)  # ContrastiveEmbed pads to 256 positions with -inf
    return logits, boxes


class SingleGraph(nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, samples, input_ids, attention_mask, position_ids, token_type_ids, text_token_mask):
        srcs, masks, poss = image_features(self.model, samples)
        tdict = text_dict(self.model, input_ids, attention_mask, position_ids, token_type_ids, text_token_mask)
        return decode(self.model, srcs, masks, poss, tdict)


class Backbone(nn.Module):
    """Text-independent part: run once per image (reference §5.6)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, samples):
        srcs, _, poss = image_features(self.model, samples)
        return tuple(srcs) + tuple(poss)


class Head(nn.Module):
    """Text-conditioned part: run once per prompt on the backbone's outputs (masks are all-valid, rebuilt here)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *args):
        srcs = list(args[:NUM_LEVELS])
        poss = list(args[NUM_LEVELS:2 * NUM_LEVELS])
        input_ids, attention_mask, position_ids, token_type_ids, text_token_mask = args[2 * NUM_LEVELS:]
        masks = [torch.zeros(s.shape[0], s.shape[2], s.shape[3], dtype=torch.bool, device=s.device) for s in srcs]
        tdict = text_dict(self.model, input_ids, attention_mask, position_ids, token_type_ids, text_token_mask)
        return decode(self.model, srcs, masks, poss, tdict)


# ------------------------------------------------------------------------------------------------ inputs

def text_inputs(model, caption):
    """The caption tensors exactly as GroundingDINO.forward builds them (the Java side re-implements this)."""
    caption = caption.lower().strip()
    if not caption.endswith("."):
        caption += "."
    tokenized = model.tokenizer([caption], padding="longest", return_tensors="pt")
    self_attn, position_ids, _ = generate_masks_with_special_tokens_and_transfer_map(
        tokenized, model.specical_tokens, model.tokenizer)  # (sic: the attribute is spelt 'specical' upstream)
    n = min(self_attn.shape[1], MAX_TEXT_LEN)
    return {
        "input_ids": tokenized["input_ids"][:, :n],
        "attention_mask": self_attn[:, :n, :n],               # bool [1, L, L]
        "position_ids": position_ids[:, :n],                  # int64 [1, L]
        "token_type_ids": tokenized["token_type_ids"][:, :n],  # int64 [1, L]
        "text_token_mask": tokenized["attention_mask"][:, :n].bool(),  # bool [1, L]
    }


def dummy_image(width, height):
    torch.manual_seed(0)
    return torch.randn(1, 3, height, width)


# ------------------------------------------------------------------------------------------------ writing

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_manifest(path, model_id, onnx_file, inputs, outputs, extra):
    onnx_path = os.path.join(os.path.dirname(path), onnx_file)
    lines = [
        "# saa-flink model manifest written by models/export/export_groundingdino.py; see models/README.md",
        "id=" + model_id,
        "file=" + onnx_file,
        "sha256=" + sha256(onnx_path),
        "bytes=" + str(os.path.getsize(onnx_path)),
        "inputs=" + ",".join(inputs),
        "outputs=" + ",".join(outputs),
    ] + extra
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def image_keys(width, height):
    return [
        "input.width=%d" % width,
        "input.height=%d" % height,
        "input.colorOrder=RGB",
        "input.mean=%s" % ",".join(str(v) for v in MEAN_255),
        "input.std=%s" % ",".join(str(v) for v in STD_255),
    ]


TEXT_KEYS = ["text.vocab=vocab.txt", "text.maxLength=%d" % MAX_TEXT_LEN]
TEXT_AXES = {"input_ids": {1: "L"}, "attention_mask": {1: "L", 2: "L"}, "position_ids": {1: "L"},
             "token_type_ids": {1: "L"}, "text_token_mask": {1: "L"}}


def export(module, args, names_in, names_out, axes, path, opset):
    torch.onnx.export(module, args, path, input_names=names_in, output_names=names_out, dynamic_axes=axes,
                      opset_version=opset, do_constant_folding=True)
    # Swin-T OGC stays below protobuf's 2 GB limit (about 0.7 GB), so no external data files are needed.


def verify(model, session_paths, layout, width, height, caption):
    """Compares ONNX Runtime with the PyTorch model's own forward (its tokenizer, its masks) on one caption."""
    import onnxruntime as ort

    image = dummy_image(width, height)
    with torch.no_grad():
        ref = model(image, captions=[caption])
    feed = {k: v.numpy() for k, v in text_inputs(model, caption).items()}
    if layout == "single":
        s = ort.InferenceSession(session_paths[0], providers=["CPUExecutionProvider"])
        feed["samples"] = image.numpy()
        logits, boxes = s.run(["pred_logits", "pred_boxes"], feed)
    else:
        b = ort.InferenceSession(session_paths[0], providers=["CPUExecutionProvider"])
        h = ort.InferenceSession(session_paths[1], providers=["CPUExecutionProvider"])
        feats = b.run(None, {"samples": image.numpy()})
        for name, value in zip([o.name for o in b.get_outputs()], feats):
            feed[name] = value
        logits, boxes = h.run(["pred_logits", "pred_boxes"], feed)
    ref_logits = ref["pred_logits"].numpy()
    finite = torch.isfinite(ref["pred_logits"]).numpy()
    dl = abs(logits[finite] - ref_logits[finite]).max()
    db = abs(boxes - ref["pred_boxes"].numpy()).max()
    print("verify '%s': max |d logits| = %.2e, max |d boxes| = %.2e" % (caption, dl, db))
    if dl > 1e-2 or db > 1e-3:
        raise SystemExit("ONNX and PyTorch disagree; do not use this export")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, help="GroundingDINO_SwinT_OGC.py from the GroundingDINO repository")
    p.add_argument("--checkpoint", required=True, help="groundingdino_swint_ogc.pth")
    p.add_argument("--camera-size", help="WxH of the camera frames; the model frame follows the reference resize")
    p.add_argument("--frame-size", help="WxH of the model frame itself (instead of --camera-size)")
    p.add_argument("--layout", choices=["single", "split"], default="single")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 16 for GridSample)")
    p.add_argument("--id", default="groundingdino-swint-ogc", help="model id prefix for the manifests")
    p.add_argument("--no-verify", action="store_true", help="skip the ONNX Runtime vs PyTorch comparison")
    a = p.parse_args()

    if bool(a.camera_size) == bool(a.frame_size):
        raise SystemExit("give exactly one of --camera-size and --frame-size")
    w, h = (int(v) for v in (a.camera_size or a.frame_size).lower().split("x"))
    if a.camera_size:
        w, h = reference_frame(w, h)
    print("model frame %dx%d" % (w, h))
    os.makedirs(a.out, exist_ok=True)

    # CPU on purpose: the deformable attention then takes its pure-PyTorch path (grid_sample), which exports;
    # the CUDA kernel does not.
    model = load_model(a.config, a.checkpoint, device="cpu").eval()
    model.tokenizer.save_vocabulary(a.out)  # vocab.txt, read by dev.saaflink.models.gdino.WordPieceTokenizer

    sample_text = text_inputs(model, "black hole. crack.")
    text_args = tuple(sample_text[k] for k in TEXT_INPUTS)
    image = dummy_image(w, h)
    frame = "%dx%d" % (w, h)
    outputs = ["pred_logits", "pred_boxes"]

    with torch.no_grad():
        if a.layout == "single":
            path = os.path.join(a.out, "groundingdino.onnx")
            export(SingleGraph(model), (image,) + text_args, ["samples"] + TEXT_INPUTS, outputs,
                   dict(TEXT_AXES, pred_logits={}), path, a.opset)
            write_manifest(os.path.join(a.out, "groundingdino.properties"), "%s-%s" % (a.id, frame),
                           "groundingdino.onnx", ["samples"] + TEXT_INPUTS, outputs,
                           ["layout=single"] + image_keys(w, h) + TEXT_KEYS)
            sessions = [path]
        else:
            feat_names = ["srcs_%d" % i for i in range(NUM_LEVELS)] + ["poss_%d" % i for i in range(NUM_LEVELS)]
            bpath = os.path.join(a.out, "groundingdino-backbone.onnx")
            export(Backbone(model), (image,), ["samples"], feat_names, {}, bpath, a.opset)
            write_manifest(os.path.join(a.out, "groundingdino-backbone.properties"),
                           "%s-%s/backbone" % (a.id, frame), "groundingdino-backbone.onnx", ["samples"], feat_names,
                           ["layout=split-backbone"] + image_keys(w, h))
            feats = Backbone(model)(image)
            hpath = os.path.join(a.out, "groundingdino-head.onnx")
            export(Head(model), tuple(feats) + text_args, feat_names + TEXT_INPUTS, outputs, dict(TEXT_AXES), hpath,
                   a.opset)
            write_manifest(os.path.join(a.out, "groundingdino-head.properties"), "%s-%s/head" % (a.id, frame),
                           "groundingdino-head.onnx", feat_names + TEXT_INPUTS, outputs,
                           ["layout=split", "backbone.manifest=groundingdino-backbone.properties"] + TEXT_KEYS)
            sessions = [bpath, hpath]

    if not a.no_verify:
        for caption in ["black hole. blow hole. break. crack. fray. uneven.", "mtd,", "defect on mtd"]:
            verify(model, sessions, a.layout, w, h, caption)
    print("done: configure regionGenerator.model = %s" % os.path.join(
        a.out, "groundingdino.properties" if a.layout == "single" else "groundingdino-head.properties"))


if __name__ == "__main__":
    main()
