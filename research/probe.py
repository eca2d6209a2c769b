"""Research harness for issue 7: anomaly maps from cached SAM encoder features (research/FeatureDump.java),
scored with the reference protocol (maps bilinear to 400x400, pooled pixel max-F1 / AUROC, image AUROC).
Quick figures for choosing what to build; the recorded figures come from ./saa eval."""
import glob, os, sys, time, json, argparse, hashlib
import numpy as np
from scipy import ndimage

def load(root, levels=('f256',)):
    items = []
    for f in sorted(glob.glob(os.path.join(root, '*', '*.mask.npy'))):
        base = f[:-len('.mask.npy')]
        w, h, rw, rh = map(int, open(base + '.size.txt').read().split())
        it = dict(name=os.path.relpath(base, root), subset=base.split('/')[-2], w=w, h=h, rw=rw, rh=rh,
                  mask=np.load(f).astype(bool))
        for l in levels:
            it[l] = np.load(base + '.' + l + '.npy')
        items.append(it)
    return items

def half(name):
    """DatasetSplit's rule: SHA-256 of UTF-8 '<folder>/<name without extension>', even first byte = tune."""
    return 'tune' if hashlib.sha256(name.encode('utf-8')).digest()[0] % 2 == 0 else 'validate'

def border_fix(g, b):
    """The job's border replacement: cells within b cells of the image border take the nearest inner cell's score."""
    h, w = g.shape
    if b <= 0 or h <= 2 * b or w <= 2 * b:
        return g
    return np.pad(g[b:h - b, b:w - b], b, mode='edge')

def stream_order(n, seed=7):
    return np.random.RandomState(seed).permutation(n)

def to400(grid, it, stride):
    """grid (gh, gw) over valid feature cells -> 400x400 like the job (cell centres, borders clamped)."""
    gh, gw = grid.shape
    cell = stride
    u = (np.arange(400) + 0.5) / 400.0
    cx = np.clip(u * it['rw'] / cell - 0.5, 0, gw - 1)
    cy = np.clip(u * it['rh'] / cell - 0.5, 0, gh - 1)
    x0 = np.floor(cx).astype(int); x1 = np.minimum(x0 + 1, gw - 1); fx = (cx - x0)[None, :]
    y0 = np.floor(cy).astype(int); y1 = np.minimum(y0 + 1, gh - 1); fy = (cy - y0)[:, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bot = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    return (top * (1 - fy) + bot * fy).astype(np.float32)

def metrics(maps, masks, bins=20000):
    allv = np.concatenate([m.ravel()[::37] for m in maps])
    edges = np.unique(np.quantile(allv, np.linspace(0, 1, bins)))
    pos = np.zeros(len(edges) + 1); neg = np.zeros(len(edges) + 1)
    for m, k in zip(maps, masks):
        idx = np.searchsorted(edges, m.ravel(), side='right')
        pos += np.bincount(idx[k.ravel()], minlength=len(edges) + 1)
        neg += np.bincount(idx[~k.ravel()], minlength=len(edges) + 1)
    tp = np.cumsum(pos[::-1]); fp = np.cumsum(neg[::-1])
    P = pos.sum(); N = neg.sum()
    prec = tp / np.maximum(tp + fp, 1); rec = tp / P
    f1 = np.max(2 * prec * rec / np.maximum(prec + rec, 1e-12))
    tpr = np.concatenate([[0], tp / P]); fpr = np.concatenate([[0], fp / N])
    auroc = np.trapezoid(tpr, fpr)
    s = np.array([m.max() for m in maps]); y = np.array([k.any() for k in masks])
    order = np.argsort(s, kind='mergesort')
    ranks = np.empty(len(s)); ranks[order] = np.arange(1, len(s) + 1)
    # average ranks for ties
    _, inv, cnt = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks); ranks = (sums / cnt)[inv]
    iauroc = (ranks[y].sum() - y.sum() * (y.sum() + 1) / 2) / (y.sum() * (~y).sum())
    return dict(pixelMaxF1=100 * f1, pixelAuroc=100 * auroc, imageAuroc=100 * iauroc)

def l2n(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-6)

def features(it, spec):
    """(h*w, C) patch features at the final grid; spec: list of levels; f128 is average-pooled 2x2 onto the grid."""
    parts = []
    h, w = it['f256'].shape[1:]
    for lv in spec['levels']:
        a = it[lv].astype(np.float32)
        if lv == 'f128':
            c, hh, ww = a.shape
            a = np.pad(a, ((0, 0), (0, 2 * h - hh), (0, 2 * w - ww)), mode='edge')
            a = a.reshape(c, h, 2, w, 2).mean(axis=(2, 4))
        if spec.get('pool', 1) > 1:
            p = spec['pool']
            a = ndimage.uniform_filter(a, size=(1, p, p), mode='nearest')
        x = a.reshape(a.shape[0], -1).T
        parts.append(l2n(x))
    return l2n(np.concatenate(parts, axis=1)) if len(parts) > 1 else parts[0]

def within(x, k=10, mode='nearest'):
    s = x @ x.T
    d = 1 - s
    if mode == 'nearest':
        np.fill_diagonal(d, np.inf)
        part = np.partition(d, k, axis=1)[:, :k]
    else:
        part = -np.partition(-d, k, axis=1)[:, :k]
    return part.mean(axis=1)

def mutual(x, refs, q=0.3, sub=1):
    """per reference frame: distance to its nearest patch; mean of the lowest q fraction over references."""
    rr = [r[::sub] for r in refs]
    starts = np.cumsum([0] + [len(r) for r in rr[:-1]])
    sim = x @ np.concatenate(rr).T
    per = 1 - np.maximum.reduceat(sim, starts, axis=1)
    per = np.sort(per, axis=1)
    n = max(1, int(round(q * per.shape[1])))
    return per[:, :n].mean(axis=1)

if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default='/tmp/feat/mtd')
    ap.add_argument('--method', default='within')
    ap.add_argument('--levels', default='f256')
    ap.add_argument('--pool', type=int, default=1)
    ap.add_argument('--k', type=int, default=10)
    ap.add_argument('--mode', default='nearest')
    ap.add_argument('--memory', type=int, default=16)
    ap.add_argument('--q', type=float, default=0.3)
    ap.add_argument('--sub', type=int, default=1)
    ap.add_argument('--sigmas', default='0')
    ap.add_argument('--order', default='shuffled')
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--save', default='')
    ap.add_argument('--cache', default='')
    ap.add_argument('--split', default='all', help='all, tune or validate (DatasetSplit rule)')
    ap.add_argument('--border', type=int, default=0, help='border fix B cells (0: off)')
    ap.add_argument('--seed', type=int, default=7)
    a = ap.parse_args()
    levels = a.levels.split(',')
    items = load(a.root, tuple(set(levels) | {'f256'}))
    if a.split != 'all':
        items = [it for it in items if half(it['name']) == a.split]
    order = stream_order(len(items), a.seed) if a.order == 'shuffled' else np.arange(len(items))
    if a.limit:
        order = order[:a.limit]
    spec = dict(levels=levels, pool=a.pool)
    t0 = time.time()
    grids, memory = [], []
    for n, i in enumerate(order):
        it = items[i]
        x = features(it, spec)
        h, w = it['f256'].shape[1:]
        if a.method == 'within' or not memory:
            g = within(x, a.k, a.mode)
        else:
            g = mutual(x, memory[-a.memory:], a.q, a.sub)
        if a.method == 'stream':
            memory.append(x)
        grids.append(g.reshape(h, w))
    ms = 1000 * (time.time() - t0) / len(order)
    if a.cache:
        np.savez(a.cache, order=order, ms=ms, **{'g%d' % n: g for n, g in enumerate(grids)})
    for sigma in [float(v) for v in a.sigmas.split(',')]:
        maps, masks = [], []
        for g, i in zip(grids, order):
            it = items[i]
            m = to400(border_fix(g, a.border), it, 16)
            if sigma > 0:
                m = ndimage.gaussian_filter(m, sigma)
            maps.append(m); masks.append(it['mask'])
            if a.save:
                os.makedirs(os.path.join(a.save, it['subset']), exist_ok=True)
                np.save(os.path.join(a.save, it['name'] + '.npy'), m)
        res = metrics(maps, masks)
        res.update(sigma=sigma, msPerFrame=ms, frames=len(order), args=vars(a))
        print(json.dumps(res), flush=True)
