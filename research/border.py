"""Border experiment on cached grids (probe.py --cache): replace the scores of the cells within B cells of the
image border by the nearest inner cell (mode allB), or only the partial last column/row (mode partial).
Usage: python3 border.py GRIDS.npz all2,all3 0,8"""
import os, sys, numpy as np
from scipy import ndimage
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from probe import load, to400, metrics
items = load('/tmp/feat/mtd', ())
c = np.load(sys.argv[1]); order = c['order']
for mode in sys.argv[2].split(','):
  for sigma in [float(v) for v in (sys.argv[3] if len(sys.argv) > 3 else '0,8').split(',')]:
    maps, masks = [], []
    for n, i in enumerate(order):
        it = items[i]; g = c['g%d' % n].copy()
        h, w = g.shape
        if mode == 'partial':
            if it['rw'] % 16: g[:, -1] = g[:, -2]
            if it['rh'] % 16: g[-1, :] = g[-2, :]
        else:
            b = int(mode[-1])
            inner = g[b:h-b, b:w-b]
            g = np.pad(inner, b, mode='edge')
        m = to400(g, it, 16)
        if sigma: m = ndimage.gaussian_filter(m, sigma)
        maps.append(m); masks.append(it['mask'])
    r = metrics(maps, masks)
    print(mode, sigma, 'F1 %.2f AUROC %.2f iAUROC %.2f' % (r['pixelMaxF1'], r['pixelAuroc'], r['imageAuroc']))
