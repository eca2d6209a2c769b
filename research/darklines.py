"""Issue 15, second round: the dark-line channel (the job's DarkLines) added to the stream-context map, on cached
grids (gate.py --save-grids) and luma (GrayDump.java), in the grids' order.

Per frame: black top-hat of the luma (GrayDump's, the job's decode) passed through the sRGB encoding curve as the
job's DarkLines does (--raw: without it) (grey closing over size x size, mirrored edges), bilinear to 400 x 400; its
`quantile` enters the camera's history; the reference is the median of the last 48 values before the frame (its own
for the first); channel = max(0, tophat - ref) / ref, zero in a 12-px band (0.03 x 400), Gaussian sigma 2 (0.005 x
400). Map = stream map (sigma 16) / s + lam x channel, where s is the median of the stream maps' maxima over the half
(so lam is in units of a typical frame's peak; the job's weight is lam x s). Prints pixel max-F1, pixel AUROC, image
AUROC, and per defect type pixel max-F1 and image AUROC.

  python3 gate.py --root R --split tune --orders shuffled:7 --pools 3 --border 4 --memory 48 --per-frame 341 \
      --save-grids /tmp/ztune
  python3 darklines.py --root R --grids /tmp/ztune.shuffled7.npz --size 7 --lams 0,20,30,40
"""
import argparse, os, sys
import numpy as np
from scipy import ndimage
from scipy.stats import rankdata
sys.path.insert(0, os.path.dirname(__file__))
from probe import load, to400, metrics


def auroc(s, y):
    r = rankdata(s)
    return 100 * (r[y].sum() - y.sum() * (y.sum() + 1) / 2) / (y.sum() * (~y).sum())


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', required=True)
    ap.add_argument('--grids', required=True)
    ap.add_argument('--size', type=int, default=7)
    ap.add_argument('--quantile', type=float, default=0.999)
    ap.add_argument('--window', type=int, default=48)
    ap.add_argument('--lams', default='0,20,30,40')
    ap.add_argument('--caps', default='0', help='caps on the channel, in units of s (0: none)')
    ap.add_argument('--raw', action='store_true', help='the luma as decoded, without the sRGB encoding curve')
    a = ap.parse_args()
    z = np.load(a.grids)
    items = {it['name'].replace('/', '__'): it for it in load(a.root, ('gray',))}
    v = np.arange(256) / 255.0
    encode = np.round(255 * np.where(v <= 0.0031308, 12.92 * v, 1.055 * v ** (1 / 2.4) - 0.055))
    A, C, M, T, hist = [], [], [], [], []
    for n in z.keys():  # the order the grids were saved in: the stream's
        it = items[n]
        g = (it['gray'] if a.raw else encode[it['gray']]).astype(np.float32)
        th = ndimage.grey_closing(g, size=(a.size, a.size)) - g
        th = ndimage.zoom(th, (400 / g.shape[0], 400 / g.shape[1]), order=1)
        q = np.quantile(th, a.quantile)
        ref = max(np.median(hist[-a.window:]) if hist else q, 1.0)
        hist.append(q)
        c = np.maximum(th - ref, 0) / ref
        c[:12] = 0; c[-12:] = 0; c[:, :12] = 0; c[:, -12:] = 0
        C.append(ndimage.gaussian_filter(c, 2))
        A.append(ndimage.gaussian_filter(to400(z[n], it, 16), 16))
        M.append(it['mask']); T.append(it['subset'])
    T = np.array(T); Y = np.array([m.any() for m in M])
    s = float(np.median([m.max() for m in A]))
    print('frames', len(A), 'median stream-map peak s =', round(s, 5))
    for lam, cap in [(float(l), float(c)) for l in a.lams.split(',') for c in a.caps.split(',')]:
        maps = [x / s + (np.minimum(lam * c, cap) if cap > 0 else lam * c) for x, c in zip(A, C)]
        r = metrics(maps, M)
        peaks = np.array([m.max() for m in maps])
        per, peri = {}, {}
        for t in sorted(set(T) - {'free'}):
            sel = (T == t) | (T == 'free')
            per[t] = round(metrics([maps[k] for k in np.flatnonzero(sel)], [M[k] for k in np.flatnonzero(sel)])['pixelMaxF1'], 1)
            peri[t] = round(auroc(peaks[sel], Y[sel]), 1)
        print(dict(lam=lam, cap=cap, weight=round(lam * s, 3), **{k: round(float(v), 2) for k, v in r.items()},
                   perTypePixelMaxF1=per, perTypeImageAuroc=peri), flush=True)
