"""Issue 16's CPU levers on cached features (FeatureDump / FeatureDumpLevers): the stream-context probe of probe.py on
one half of the split, one stream pass per (pool, sub), then every border B of --borders at sigma --sigma (400 px
map; the job's smoothing 0.04 x longer side = 16). One JSON line per setting.
Usage: python3 levers.py --root /tmp/feat-s512 --split tune --pools 3,5 --subs 1,2 --borders 2,3,4,5"""
import argparse, json, time
import numpy as np
from scipy import ndimage
from probe import load, half, stream_order, features, within, mutual, to400, metrics, border_fix

ap = argparse.ArgumentParser()
ap.add_argument('--root', required=True)
ap.add_argument('--split', default='tune')
ap.add_argument('--pools', default='5')
ap.add_argument('--subs', default='2')
ap.add_argument('--borders', default='5')
ap.add_argument('--sigma', type=float, default=16)
ap.add_argument('--memory', type=int, default=16)
ap.add_argument('--seed', type=int, default=7)
ap.add_argument('--maxes', default='', help='write each frame\'s grid max after the border fix (first border) here')
a = ap.parse_args()
items = [it for it in load(a.root, ('f256',)) if a.split == 'all' or half(it['name']) == a.split]
order = stream_order(len(items), a.seed)
for pool in map(int, a.pools.split(',')):
    for sub in map(int, a.subs.split(',')):
        t0 = time.time()
        grids, memory = [], []
        for i in order:
            it = items[i]
            x = features(it, dict(levels=['f256'], pool=pool))
            h, w = it['f256'].shape[1:]
            g = within(x, 10, 'nearest') if not memory else mutual(x, memory[-a.memory:], 0.3, sub)
            memory.append(x)
            grids.append(g.reshape(h, w))
        ms = 1000 * (time.time() - t0) / len(order)
        if a.maxes:
            b0 = int(a.borders.split(',')[0])
            json.dump([dict(name=items[i]['name'], defect=bool(items[i]['mask'].any()),
                            max=float(border_fix(g, b0).max()), first=(n == 0))
                       for n, (g, i) in enumerate(zip(grids, order))], open(a.maxes, 'w'))
        for b in map(int, a.borders.split(',')):
            maps = [ndimage.gaussian_filter(to400(border_fix(g, b), items[i], 16), a.sigma) if a.sigma else
                    to400(border_fix(g, b), items[i], 16) for g, i in zip(grids, order)]
            r = metrics(maps, [items[i]['mask'] for i in order])
            print(json.dumps(dict(root=a.root, split=a.split, frames=len(order), pool=pool, sub=sub, border=b,
                                  sigma=a.sigma, pixelMaxF1=round(r['pixelMaxF1'], 2), pixelAuroc=round(r['pixelAuroc'], 2),
                                  imageAuroc=round(r['imageAuroc'], 2), probeMsPerFrame=round(ms))), flush=True)
