"""Issue 14 item 2: the stream context with an admission gate, over cached encoder features, in the job's orders.

Mirrors the job's stream context (operators/.../context/StreamContextScorer): 5x5 pooled patches, S evenly spaced
patches per remembered frame, the mean of the round(q*M) smallest per-frame nearest-patch distances, border cells
from the inner neighbour, a warm-up frame scored against its own non-overlapping patches; maps bilinear to 400x400
and smoothed with sigma 16 (0.04 x 400). Adds the gate: before a frame is remembered, its sampled patches whose
(border-fixed) score is above T are replaced by copies of admitted patches of the same frame (a repeated patch does
not change a nearest-patch distance); T = factor x the median of the last W remembered frames' p-quantile patch
scores (the frame's own quantile while the history is empty); a frame with more than `maxMasked` of its sampled
patches above T is not remembered at all,
unless W frames in a row were kept out already (then it enters whole and the history starts over from it).

  python3 research/gate.py --split tune --orders shuffled:7,sorted,burst:7 --gates none,p0.98f1.0
"""
import argparse, hashlib, json, os, random, sys, time
import numpy as np
from scipy import ndimage
sys.path.insert(0, os.path.dirname(__file__))
from probe import load, to400, metrics


def half_of(it):
    subset, name = it['name'].split('/')
    key = subset + '/' + name
    return 'tune' if hashlib.sha256(key.encode()).digest()[0] % 2 == 0 else 'validate'


class JavaRandom:
    """java.util.Random, enough for Collections.shuffle and nextInt(bound), so orders match PublishOrder."""
    def __init__(self, seed):
        self.s = (seed ^ 0x5DEECE66D) & ((1 << 48) - 1)

    def next(self, bits):
        self.s = (self.s * 0x5DEECE66D + 0xB) & ((1 << 48) - 1)
        r = self.s >> (48 - bits)
        return r - (1 << bits) if r >= 1 << (bits - 1) else r

    def next_int(self, bound):
        if bound & (-bound) == bound:
            return (bound * (self.next(31) & 0x7FFFFFFF)) >> 31
        while True:
            bits = self.next(31) & 0x7FFFFFFF
            val = bits % bound
            if bits - val + (bound - 1) < (1 << 31):
                return val

    def shuffle(self, lst):
        for i in range(len(lst) - 1, 0, -1):
            j = self.next_int(i + 1)
            lst[i], lst[j] = lst[j], lst[i]


def order_of(items, kind, seed):
    idx = list(range(len(items)))  # items are sorted by path, as the scanner sorts them
    if kind == 'sorted':
        return idx
    rnd = JavaRandom(seed)
    if kind == 'shuffled':
        rnd.shuffle(idx)
        return idx
    normal = [i for i in idx if items[i]['subset'] == 'free']
    types = {}
    for i in idx:
        if items[i]['subset'] != 'free':
            types.setdefault(items[i]['subset'], []).append(i)
    rnd.shuffle(normal)
    names = list(types.keys())
    rnd.shuffle(names)
    defects = []
    for t in names:
        rnd.shuffle(types[t])
        defects += types[t]
    runs, left = [], len(defects)
    while left > 0:
        run = min(left, 10 + rnd.next_int(21))
        runs.append(run)
        left -= run
    stretches = len(runs) + 1
    out, nn, nd = [], 0, 0
    for i in range(stretches):
        length = len(normal) // stretches + (1 if i < len(normal) % stretches else 0)
        out += normal[nn:nn + length]
        nn += length
        if i < len(runs):
            out += defects[nd:nd + runs[i]]
            nd += runs[i]
    return out


def pooled(it, pool, level='f256'):
    a = it[level].astype(np.float32)
    if pool > 1:
        a = ndimage.uniform_filter(a, size=(1, pool, pool), mode='nearest')
    c, h, w = a.shape
    return a.reshape(c, -1).T, h, w  # position-major [P, C]


def unit(x):
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)


def sample_positions(positions, per_frame):
    return (np.arange(per_frame, dtype=np.int64) * positions) // per_frame


def self_scores(q, w, h, sampled_pos, pool):
    sx, sy = sampled_pos % w, sampled_pos // w
    s = q @ q[sampled_pos].T
    px, py = np.arange(w * h) % w, np.arange(w * h) // w
    overlap = (np.abs(px[:, None] - sx[None, :]) < pool) & (np.abs(py[:, None] - sy[None, :]) < pool)
    s[overlap] = -np.inf
    best = s.max(axis=1)
    return np.where(np.isinf(best), 0.0, 1 - best)


def memory_scores(q, memory, frac):
    m = len(memory)
    k = max(1, min(m, int(np.floor(frac * m + 0.5))))
    per = np.empty((q.shape[0], m), dtype=np.float32)
    for j, mem in enumerate(memory):
        per[:, j] = 1 - (q @ mem.T).max(axis=1)
    per.sort(axis=1)
    return per[:, :k].mean(axis=1)


def border_fix(g, w, h, b):
    bx = b if w > 2 * b else 0
    by = b if h > 2 * b else 0
    ys = np.clip(np.arange(h), by, h - 1 - by)
    xs = np.clip(np.arange(w), bx, w - 1 - bx)
    return g.reshape(h, w)[ys][:, xs]


def edge_codes(w, h, b):
    """Issue 15: a cell's place relative to the frame's edges, (min(y, b), min(h-1-y, b), min(x, b), min(w-1-x, b))
    as one int; every inner cell has the same code, a corner cell's code is that corner's alone."""
    y, x = np.divmod(np.arange(w * h), w)
    return edge_code(np.minimum(y, b), np.minimum(h - 1 - y, b), np.minimum(x, b), np.minimum(w - 1 - x, b), b)


def edge_code(top, bottom, left, right, b):
    """The four clipped distances to the edges as one int (base b + 1); edge_code(b, b, b, b, b) is the inner code."""
    return ((top * (b + 1) + bottom) * (b + 1) + left) * (b + 1) + right


def positional_border(q, codes, inner_code, memory_border, frac):
    """Border cells scored against the remembered frames' cells of the same edge code (per frame the nearest of
    those, then the mean of the round(q*M) smallest); a code no remembered frame has falls back to all its cells."""
    cells = np.flatnonzero(codes != inner_code)
    m = len(memory_border)
    k = max(1, min(m, int(np.floor(frac * m + 0.5))))
    per = np.empty((len(cells), m), dtype=np.float32)
    qc = q[cells]
    for j, (mem, mcodes) in enumerate(memory_border):
        s = qc @ mem.T
        same = codes[cells][:, None] == mcodes[None, :]
        s_same = np.where(same, s, -np.inf).max(axis=1)
        per[:, j] = 1 - np.where(np.isinf(s_same), s.max(axis=1), s_same)
    per.sort(axis=1)
    return cells, per[:, :k].mean(axis=1)


def parse_gate(text):
    if text == 'none':
        return None
    g = dict(p=0.98, f=1.0, W=16, maxMasked=0.5, frame=text.startswith('F'))
    import re
    for key, val in re.findall(r'([a-zA-Z]+)([0-9.]+)', text):
        g[{'p': 'p', 'f': 'f', 'W': 'W', 'x': 'maxMasked'}[key]] = float(val)
    return g


def run(items, order, gate, a):
    """Streams the frames; with several --pools each pool size has its own memory and a cell's score is the mean
    of its scores over the pool sizes (MuSc-style aggregation of neighbourhoods)."""
    pools = [int(v) for v in a.pools.split(',')]
    memory, history, grids = [], [], []
    left_in_row = 0
    admitted_frames = masked_total = 0
    memory_border = []
    for i in order:
        it = items[i]
        qs = []
        for pool in pools:
            x, h, w = pooled(it, pool, a.level)
            qs.append(unit(x))
        pos = sample_positions(w * h, a.per_frame)
        if a.border_mode == 'position':
            codes = edge_codes(w, h, a.border)
            inner_code = edge_code(a.border, a.border, a.border, a.border, a.border)
        if len(memory) < 1:
            g = np.mean([self_scores(q, w, h, pos, pool) for q, pool in zip(qs, pools)], axis=0)
        else:
            recent_mem = memory[-a.memory:]
            if a.longterm:  # plus every L-th frame older than the recent ones, at most N of them
                recent_mem = recent_mem + memory[-a.memory - 1::-a.every][:a.longterm]
            g = np.mean([memory_scores(q, [m[j] for m in recent_mem], a.q) for j, q in enumerate(qs)], axis=0)
        if a.border_mode == 'position' and len(memory_border) > 0:
            cells, bs = positional_border(qs[0], codes, inner_code, memory_border[-a.memory:], a.q)
            fixed = g.copy()
            fixed[cells] = bs
            fixed = fixed.reshape(h, w)
        else:
            fixed = border_fix(g, w, h, a.border)
        grids.append(fixed)
        if a.border_mode == 'position':
            bcells = np.flatnonzero(codes != inner_code)
            if a.border_per_frame and len(bcells) > a.border_per_frame:
                bcells = bcells[sample_positions(len(bcells), a.border_per_frame)]
            bm = qs[0][bcells]
            if a.memory_dtype == 'float16':
                bm = bm.astype(np.float16).astype(np.float32)
            memory_border.append((bm, codes[bcells]))
            memory_border = memory_border[-a.memory:]
        sampled = [q[pos] for q in qs]
        if gate is not None:
            scores = fixed.ravel()[pos]
            own = float(np.quantile(fixed, gate['p']))
            recent = history[-int(gate['W']):] or [own]
            t = gate['f'] * float(np.median(recent))
            over = scores > t
            if gate['frame']:  # frame-level gate: the frame's own quantile against T, remembered whole or not at all
                over = np.zeros_like(over) if own <= t else np.ones_like(over)
            if over.mean() > gate['maxMasked']:
                if left_in_row < gate['W']:
                    left_in_row += 1
                    continue  # not remembered at all
                # a window of frames in a row kept out: the scene changed; remembered whole, history restarts
                history, over = [], np.zeros_like(over)
            left_in_row = 0
            if over.any():
                keep = np.flatnonzero(~over)
                # each masked patch becomes a copy of an admitted one (nearest earlier in sampling order, else later)
                src = np.searchsorted(keep, np.flatnonzero(over)) - 1
                src = keep[np.clip(src, 0, len(keep) - 1)]
                for smp in sampled:
                    smp[over] = smp[src]
                masked_total += int(over.sum())
            history.append(own)
        admitted_frames += 1
        if a.memory_dtype == 'float16':  # the job keeps its slots in fp16
            sampled = [smp.astype(np.float16).astype(np.float32) for smp in sampled]
        memory.append(sampled)
        memory = memory[-(a.memory + a.longterm * a.every):]
    return grids, admitted_frames, masked_total


def evaluate(items, order, grids, sigma, stride=16):
    maps, masks, types = [], [], []
    for g, i in zip(grids, order):
        it = items[i]
        m = to400(g, it, stride)
        if sigma > 0:
            m = ndimage.gaussian_filter(m, sigma)
        maps.append(m); masks.append(it['mask']); types.append(it['subset'])
    res = metrics(maps, masks)
    per = {}
    for t in sorted(set(types) - {'free'}):
        sel = [k for k, tt in enumerate(types) if tt in (t, 'free')]
        per[t] = round(metrics([maps[k] for k in sel], [masks[k] for k in sel])['pixelMaxF1'], 2)
    res['perType'] = per
    # image-score variants (issue 15): the raw grid's maximum; the map's maximum over the median of the previous
    # 48 frames' maxima (each frame judged against what the camera's recent frames scored)
    y = np.array([k.any() for k in masks])
    mx = np.array([m.max() for m in maps])
    raw = np.array([g.max() for g in grids])
    rel = np.array([mx[j] / max(np.median(mx[max(0, j - 48):j]) if j else mx[0], 1e-9) for j in range(len(mx))])
    top = np.array([np.sort(g.ravel())[-4:].mean() for g in grids])
    res['imageAurocVariants'] = dict(rawMax=round(auroc(raw, y), 2), relMedian48=round(auroc(rel, y), 2),
                                     rawTop4=round(auroc(top, y), 2))
    return res


def auroc(s, y):
    from scipy.stats import rankdata
    r = rankdata(s)
    return 100 * (r[y].sum() - y.sum() * (y.sum() + 1) / 2) / (y.sum() * (~y).sum())


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default='/tmp/feat/mtd')
    ap.add_argument('--split', default='tune')
    ap.add_argument('--orders', default='shuffled:7,sorted,burst:7')
    ap.add_argument('--gates', default='none')
    ap.add_argument('--pools', default='5')
    ap.add_argument('--border', type=int, default=5)
    ap.add_argument('--memory', type=int, default=16)
    ap.add_argument('--q', type=float, default=0.3)
    ap.add_argument('--per-frame', type=int, default=1024)
    ap.add_argument('--sigma', type=float, default=16)
    ap.add_argument('--limit', type=int, default=0)
    ap.add_argument('--longterm', type=int, default=0)
    ap.add_argument('--every', type=int, default=8)
    ap.add_argument('--diag', action='store_true')
    ap.add_argument('--border-mode', default='copy', choices=['copy', 'position'])
    ap.add_argument('--border-per-frame', type=int, default=0, help='border cells remembered per frame (0: all)')
    ap.add_argument('--level', default='f256', choices=['f256', 'f128'])
    ap.add_argument('--save-grids', default='')
    ap.add_argument('--memory-dtype', default='float16', choices=['float16', 'float32'])
    a = ap.parse_args()
    items = [it for it in load(a.root, (a.level,)) if a.split == 'all' or half_of(it) == a.split]
    print(json.dumps(dict(split=a.split, frames=len(items),
                          defect=sum(1 for it in items if it['subset'] != 'free'))), flush=True)
    for gate_text in a.gates.split(';'):
        gate = parse_gate(gate_text)
        for spec in a.orders.split(','):
            kind, _, seed = spec.partition(':')
            order = order_of(items, kind, int(seed or 7))
            if a.limit:
                order = order[:a.limit]
            t0 = time.time()
            grids, admitted, masked = run(items, order, gate, a)
            res = evaluate(items, order, grids, a.sigma, 8 if a.level == 'f128' else 16)
            if a.save_grids:
                np.savez_compressed(a.save_grids + '.' + spec.replace(':', '') + '.npz',
                                    **{items[i]['name'].replace('/', '__'): g for g, i in zip(grids, order)})
            if a.diag:
                d_in, f_hi = [], []
                for g, i in zip(grids, order):
                    it = items[i]
                    m = ndimage.gaussian_filter(to400(g, it, 16), a.sigma)
                    if it['mask'].any():
                        d_in.append(float(m[it['mask']].mean()))
                    else:
                        f_hi.append(float(np.quantile(m, 0.995)))
                res['diag'] = dict(defectMean=round(float(np.mean(d_in)), 4),
                                   freeQ995=round(float(np.mean(f_hi)), 4),
                                   freeQ995max=round(float(np.max(f_hi)), 4))
            res = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in res.items()}
            res.update(gate=gate_text, order=spec, admitted=admitted, maskedPatches=masked,
                       seconds=round(time.time() - t0))
            print(json.dumps(res), flush=True)
