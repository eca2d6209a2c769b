"""Post-processing variants on cached grids (probe.py --cache): per-frame normalisation, smoothing, fusion of two
grid sets. Prints the same metrics as probe.py."""
import sys, json, argparse
import numpy as np
from scipy import ndimage
from probe import load, to400, metrics

ap = argparse.ArgumentParser()
ap.add_argument('--root', default='/tmp/feat/mtd')
ap.add_argument('caches', nargs='+')
ap.add_argument('--norm', default='none')   # none | median | z
ap.add_argument('--combine', default='first')  # first | mean | product | max (of per-cache maps)
ap.add_argument('--weights', default='')
ap.add_argument('--sigmas', default='0,4')
a = ap.parse_args()
items = load(a.root, ())
cs = [np.load(c) for c in a.caches]
order = cs[0]['order']
ws = [float(w) for w in a.weights.split(',')] if a.weights else [1.0] * len(cs)

def norm(g):
    if a.norm == 'median':
        return g - np.median(g)
    if a.norm == 'z':
        return (g - g.mean()) / (g.std() + 1e-6)
    if a.norm.startswith('p'):
        return g - np.percentile(g, float(a.norm[1:]))
    return g

for sigma in [float(s) for s in a.sigmas.split(',')]:
    maps, masks = [], []
    for n, i in enumerate(order):
        it = items[i]
        gs = [norm(c['g%d' % n]) * w for c, w in zip(cs, ws)]
        if a.combine == 'first':
            g = gs[0]
        elif a.combine == 'mean':
            g = sum(gs) / len(gs)
        elif a.combine == 'max':
            g = np.maximum.reduce(gs)
        m = to400(g, it, 16)
        if sigma > 0:
            m = ndimage.gaussian_filter(m, sigma)
        maps.append(m); masks.append(it['mask'])
    r = metrics(maps, masks)
    r.update(sigma=sigma, norm=a.norm, combine=a.combine, caches=a.caches, weights=ws)
    print(json.dumps(r), flush=True)
